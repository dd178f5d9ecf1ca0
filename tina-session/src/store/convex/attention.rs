//! The Convex codec of attention and spend (`convex/usage.ts`): transcript offsets,
//! usage, budgets and attention events. A child module of [`super`] (the Convex store),
//! so it calls the functions through the same timeout and error mapping.
//!
//! Wire differences from the model: an attention event's `detail` travels as JSON text
//! (agent-supplied keys need not be valid Convex field names).

use serde_json::{Value, json};

use super::{ConvexStore, FunctionKind, decode};
use crate::model::*;
use crate::store::{Result, StoreError};

/// The Convex functions of `convex/usage.ts`.
pub mod functions {
    pub const TRANSCRIPT_OFFSET: &str = "usage:transcriptOffset";
    pub const RECORD_USAGE: &str = "usage:recordUsage";
    pub const LIST_USAGE: &str = "usage:listUsage";
    pub const SET_BUDGET: &str = "usage:setBudget";
    pub const LIST_BUDGETS: &str = "usage:listBudgets";
    pub const RECORD_ATTENTION: &str = "usage:recordAttention";
    pub const CLEAR_ATTENTION: &str = "usage:clearAttention";
    pub const LIST_ATTENTION: &str = "usage:listAttention";
    pub const UNDELIVERED_ATTENTION: &str = "usage:undeliveredAttention";
    pub const CLAIM_ATTENTION_DELIVERY: &str = "usage:claimAttentionDelivery";
    pub const LIST_OPEN_ATTENTION: &str = "usage:listOpenAttention";
    pub const LIST_USAGE_OF: &str = "usage:listUsageOf";
    pub const LIST_BUDGETS_OF: &str = "usage:listBudgetsOf";
}

/// Orchestration ids per `listUsageOf` / `listBudgetsOf` call (`MAX_IDS_PER_CALL` there).
const IDS_PER_CALL: usize = 200;

/// Sorted, without repeats, in calls of at most [`IDS_PER_CALL`]: the functions answer
/// in id order, so the chunks' answers concatenate in order.
fn id_chunks(ids: &[OrchestrationId]) -> Vec<Vec<OrchestrationId>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids.chunks(IDS_PER_CALL).map(<[_]>::to_vec).collect()
}

/// Usage lines per `recordUsage` mutation (each writes up to three documents).
const LINES_PER_MUTATION: usize = 200;

fn int(what: &'static str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid {
        what,
        reason: format!("{v} is out of range"),
    })
}

fn line_arg(l: &UsageLine) -> Result<Value> {
    Ok(json!({
        "message_key": l.message_key, "team_id": l.team_id, "session_id": l.session_id,
        "agent_name": l.agent_name, "model": l.model,
        "tokens": {
            "input": int("input tokens", l.tokens.input)?,
            "output": int("output tokens", l.tokens.output)?,
            "cache_creation": int("cache creation tokens", l.tokens.cache_creation)?,
            "cache_read": int("cache read tokens", l.tokens.cache_read)?,
        },
        "cost_micros": l.cost_micros,
    }))
}

fn event_arg(e: &AttentionEvent) -> Result<Value> {
    let mut v = serde_json::to_value(e)
        .map_err(|err| StoreError::backend_from("cannot encode attention event", err))?;
    v["detail"] = Value::String(e.detail.to_string());
    Ok(v)
}

/// Restores `detail` from its JSON text on each event of a list.
fn decode_events(name: &str, mut list: Value) -> Result<Vec<AttentionEvent>> {
    if let Value::Array(items) = &mut list {
        for item in items {
            if let Some(Value::String(text)) = item.get("detail") {
                let parsed: Value = serde_json::from_str(text).map_err(|e| {
                    StoreError::backend_from(format!("{name}: attention detail is not JSON"), e)
                })?;
                item["detail"] = parsed;
            }
        }
    }
    decode(name, list)
}

impl ConvexStore {
    pub(super) fn transcript_offset_impl(&self, transcript: &str) -> Result<Option<u64>> {
        self.query(functions::TRANSCRIPT_OFFSET, json!({ "path": transcript }))
    }

    pub(super) fn record_usage_impl(&self, batch: &UsageBatch) -> Result<u32> {
        let offset = int("transcript offset", batch.offset)?;
        // Chunks are recorded in order and the offset only with the last one, so an
        // interrupted batch is re-read from the old offset (its recorded lines dedupe).
        let chunks: Vec<&[UsageLine]> = if batch.lines.is_empty() {
            vec![&[]]
        } else {
            batch.lines.chunks(LINES_PER_MUTATION).collect()
        };
        let last = chunks.len() - 1;
        let mut added = 0u32;
        for (i, chunk) in chunks.into_iter().enumerate() {
            let lines = chunk.iter().map(line_arg).collect::<Result<Vec<_>>>()?;
            // Earlier chunks leave the stored offset where it was (it never moves back).
            let at = if i == last { offset } else { 0 };
            let n: u32 = self.mutation(
                functions::RECORD_USAGE,
                json!({ "transcript": batch.transcript, "offset": at, "lines": lines }),
            )?;
            added += n;
        }
        Ok(added)
    }

    pub(super) fn list_usage_impl(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<Vec<UsageTotal>> {
        self.query(
            functions::LIST_USAGE,
            json!({ "orchestration_id": orchestration }),
        )
    }

    pub(super) fn set_budget_impl(
        &self,
        orchestration: &OrchestrationId,
        phase: Option<u32>,
        usd_micros: Option<Micros>,
    ) -> Result<()> {
        let _: Value = self.mutation(
            functions::SET_BUDGET,
            json!({ "orchestration_id": orchestration, "phase_number": phase, "usd_micros": usd_micros }),
        )?;
        Ok(())
    }

    pub(super) fn list_budgets_impl(&self, orchestration: &OrchestrationId) -> Result<Vec<Budget>> {
        self.query(
            functions::LIST_BUDGETS,
            json!({ "orchestration_id": orchestration }),
        )
    }

    pub(super) fn record_attention_impl(&self, event: &AttentionEvent) -> Result<bool> {
        self.mutation(
            functions::RECORD_ATTENTION,
            json!({ "event": event_arg(event)? }),
        )
    }

    pub(super) fn clear_attention_impl(&self, id: &str, at: Millis) -> Result<bool> {
        self.mutation(functions::CLEAR_ATTENTION, json!({ "id": id, "at": at }))
    }

    pub(super) fn list_attention_impl(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<Vec<AttentionEvent>> {
        let list = self.call(
            FunctionKind::Query,
            functions::LIST_ATTENTION,
            json!({ "orchestration_id": orchestration }),
        )?;
        decode_events(functions::LIST_ATTENTION, list)
    }

    pub(super) fn undelivered_attention_impl(&self) -> Result<Vec<AttentionEvent>> {
        let list = self.call(
            FunctionKind::Query,
            functions::UNDELIVERED_ATTENTION,
            json!({}),
        )?;
        decode_events(functions::UNDELIVERED_ATTENTION, list)
    }

    pub(super) fn claim_attention_delivery_impl(&self, id: &str, at: Millis) -> Result<bool> {
        self.mutation(
            functions::CLAIM_ATTENTION_DELIVERY,
            json!({ "id": id, "at": at }),
        )
    }

    pub(super) fn list_open_attention_impl(&self) -> Result<Vec<AttentionEvent>> {
        let list = self.call(
            FunctionKind::Query,
            functions::LIST_OPEN_ATTENTION,
            json!({}),
        )?;
        decode_events(functions::LIST_OPEN_ATTENTION, list)
    }

    pub(super) fn list_usage_of_impl(&self, ids: &[OrchestrationId]) -> Result<Vec<UsageTotal>> {
        let mut all = Vec::new();
        for chunk in id_chunks(ids) {
            let part: Vec<UsageTotal> = self.query(
                functions::LIST_USAGE_OF,
                json!({ "orchestration_ids": chunk }),
            )?;
            all.extend(part);
        }
        Ok(all)
    }

    pub(super) fn list_budgets_of_impl(&self, ids: &[OrchestrationId]) -> Result<Vec<Budget>> {
        let mut all = Vec::new();
        for chunk in id_chunks(ids) {
            let part: Vec<Budget> = self.query(
                functions::LIST_BUDGETS_OF,
                json!({ "orchestration_ids": chunk }),
            )?;
            all.extend(part);
        }
        Ok(all)
    }
}
