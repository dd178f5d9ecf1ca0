//! The shapes on the wire: arguments built from the model types, results decoded back,
//! task metadata as JSON text, and batches of events sized for one transaction.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{BYTES_PER_MUTATION, EVENTS_PER_MUTATION};
use crate::model::*;
use crate::store::{Result, StoreError};

pub(super) fn decode<T: DeserializeOwned>(name: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        StoreError::backend_from(format!("unexpected result from Convex function {name}"), e)
    })
}

/// Task metadata arrives as JSON text; put the parsed value in its place.
pub(super) fn parse_metadata(task: &mut Value) -> Result<()> {
    if let Some(slot) = task.get_mut("metadata")
        && let Value::String(text) = slot
    {
        *slot = serde_json::from_str(text)
            .map_err(|e| StoreError::backend_from("stored task metadata is not JSON", e))?;
    }
    Ok(())
}

pub(super) fn parse_metadata_all(tasks: &mut Value) -> Result<()> {
    if let Value::Array(items) = tasks {
        items.iter_mut().try_for_each(parse_metadata)?;
    }
    Ok(())
}

pub(super) fn event_arg(e: &NewTaskEvent) -> Result<Value> {
    let metadata = serde_json::to_string(&e.metadata)
        .map_err(|err| StoreError::backend_from("cannot encode task metadata", err))?;
    let mut arg = json!({
        "team_id": e.team_id, "task_id": e.task_id, "subject": e.subject,
        "description": e.description, "status": e.status, "owner": e.owner,
        "blocked_by": e.blocked_by, "metadata": metadata,
        "recorded_at": e.recorded_at, "sequence": e.sequence,
    });
    // Optional in the Convex validator: sent only when there is one.
    if let (Some(active_form), Some(object)) = (&e.active_form, arg.as_object_mut()) {
        object.insert("active_form".into(), json!(active_form));
    }
    Ok(arg)
}

/// Splits encoded events into `recordTaskEvents` calls of at most [`EVENTS_PER_MUTATION`]
/// events and [`BYTES_PER_MUTATION`] bytes (an event larger than that goes alone).
pub(super) fn chunks_within_limits(events: Vec<Value>) -> Vec<Vec<Value>> {
    let mut chunks: Vec<Vec<Value>> = Vec::new();
    let mut bytes = 0;
    for event in events {
        let size = event.to_string().len();
        let full = chunks.last().is_none_or(|c| {
            c.len() >= EVENTS_PER_MUTATION || (!c.is_empty() && bytes + size > BYTES_PER_MUTATION)
        });
        match chunks.last_mut() {
            Some(chunk) if !full => chunk.push(event),
            _ => {
                chunks.push(vec![event]);
                bytes = 0;
            }
        }
        bytes += size;
    }
    chunks
}

pub(super) fn registration_arg(reg: &TeamRegistration) -> Value {
    json!({
        "team_name": reg.team_name, "orchestration_id": reg.orchestration_id,
        "parent_team_id": reg.parent_team_id, "phase_number": reg.phase_number,
        "lead_session_id": reg.lead_session_id,
    })
}
