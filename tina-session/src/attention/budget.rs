//! Budgets: setting them, the 80 % warning and 100 % enforcement, and the refusal the
//! `TaskCreated` hook gives an over-budget team.
//!
//! Enforcement goes through the lifecycle, so the status rules hold: an over-budget
//! phase that is planning, executing or reviewing is moved to `blocked` with the reason
//! [`BUDGET_EXCEEDED_REASON`]; when the budget is raised (or removed) so that spend is
//! under it again, a phase blocked for that reason (and only for that reason) is resumed.
//! A whole-orchestration budget governs every phase.

use crate::lifecycle::{self, LifecycleError, PhaseEvent, resolve_orchestration};
use crate::model::input::quote;
use crate::model::*;
use crate::store::{Store, StoreError};

use super::summary::{BudgetState, BudgetStatus, UsageView, scope_label, usage_view};

/// The blocked reason TINA sets, and the only one it resumes from by itself.
pub const BUDGET_EXCEEDED_REASON: &str = "budget exceeded";

/// What one enforcement pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Enforcement {
    /// Attention events recorded for the first time.
    pub recorded: Vec<AttentionEvent>,
    pub blocked: Vec<u32>,
    pub resumed: Vec<u32>,
}

fn event_id(kind: AttentionKind, orch: &OrchestrationId, b: &BudgetStatus) -> String {
    format!(
        "{}:{}:{}:{}",
        kind.as_str(),
        orch,
        b.scope_label(),
        b.budget_micros
    )
}

fn budget_event(
    orch: &Orchestration,
    b: &BudgetStatus,
    kind: AttentionKind,
    now: Millis,
) -> AttentionEvent {
    let what = match b.phase_number {
        Some(p) => format!("phase {p} of '{}'", orch.feature_name),
        None => format!("'{}'", orch.feature_name),
    };
    let message = match kind {
        AttentionKind::BudgetExceeded => format!(
            "budget of {what} exceeded: ${:.2} spent of ${:.2}; the phase is blocked and new tasks are refused until the budget is raised",
            b.spent_usd, b.budget_usd
        ),
        _ => format!(
            "{}% of the budget of {what} spent: ${:.2} of ${:.2}",
            b.percent, b.spent_usd, b.budget_usd
        ),
    };
    AttentionEvent {
        id: event_id(kind, &orch.id, b),
        orchestration_id: orch.id.clone(),
        kind,
        team_id: None,
        phase_number: b.phase_number,
        session_id: None,
        agent_name: None,
        message,
        detail: serde_json::json!({
            "budget_usd": b.budget_usd, "spent_usd": b.spent_usd, "percent": b.percent,
            "scope": b.scope_label(),
        }),
        created_at: now,
        cleared_at: None,
        delivered_at: None,
    }
}

/// Whether spend governing `phase` (its own budget or the orchestration's) is at or
/// over its budget; the exceeded budget if so.
pub fn exceeded_for(view: &UsageView, phase: Option<u32>) -> Option<&BudgetStatus> {
    let own = phase.and_then(|p| view.budget(Some(p)));
    own.into_iter()
        .chain(view.budget(None))
        .find(|b| b.state == BudgetState::Exceeded)
}

/// Records budget events, blocks over-budget phases and resumes phases whose budget
/// was raised. Safe to run repeatedly: events are keyed, transitions compare-and-set.
pub fn enforce(
    store: &dyn Store,
    orch: &Orchestration,
    now: Millis,
) -> Result<Enforcement, LifecycleError> {
    let view = usage_view(store, &orch.id)?;
    let mut out = Enforcement::default();
    let mut current_ids = Vec::new();
    for b in &view.budgets {
        let kind = match b.state {
            BudgetState::Ok => continue,
            BudgetState::Warning => AttentionKind::BudgetWarning,
            BudgetState::Exceeded => AttentionKind::BudgetExceeded,
        };
        let event = budget_event(orch, b, kind, now);
        current_ids.push(event.id.clone());
        if store.record_attention(&event)? {
            out.recorded.push(event);
        }
    }
    // A budget event whose budget changed or is no longer reached is over.
    for e in store.list_attention(&orch.id)? {
        if matches!(
            e.kind,
            AttentionKind::BudgetWarning | AttentionKind::BudgetExceeded
        ) && e.is_open()
            && !current_ids.contains(&e.id)
        {
            store.clear_attention(&e.id, now)?;
        }
    }
    for phase in store.list_phases(&orch.id)? {
        let n = phase.phase_number;
        let over = exceeded_for(&view, Some(n)).is_some();
        let step = match phase.status {
            PhaseStatus::Planning | PhaseStatus::Executing | PhaseStatus::Reviewing if over => {
                PhaseEvent::Block
            }
            PhaseStatus::Blocked
                if !over && phase.blocked_reason.as_deref() == Some(BUDGET_EXCEEDED_REASON) =>
            {
                PhaseEvent::Resume
            }
            _ => continue,
        };
        let reason = (step == PhaseEvent::Block).then(|| BUDGET_EXCEEDED_REASON.to_owned());
        match lifecycle::advance(store, orch.id.as_str(), n, step, reason) {
            Ok(_) if step == PhaseEvent::Block => out.blocked.push(n),
            Ok(_) => out.resumed.push(n),
            // Someone moved the phase meanwhile: the next pass sees the new state.
            Err(LifecycleError::Store(StoreError::Conflict(_)))
            | Err(LifecycleError::Transition { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The message the `TaskCreated` hook gives (exit code 2, on stderr) when `team`'s
/// phase or orchestration is over budget; `None` when tasks are allowed.
pub fn task_refusal(store: &dyn Store, team: &Team) -> Result<Option<String>, StoreError> {
    let view = usage_view(store, &team.orchestration_id)?;
    let Some(b) = exceeded_for(&view, team.phase_number) else {
        return Ok(None);
    };
    let orch = store.get_orchestration(&team.orchestration_id)?;
    let flag = match b.phase_number {
        Some(p) => format!(" --phase {p}"),
        None => String::new(),
    };
    Ok(Some(format!(
        "TINA refused this task: the {} budget of '{}' is exceeded (${:.2} spent of ${:.2}). \
         Do not create more tasks or start new work; tell the user the budget is spent. \
         A person can raise it with `tina-session budget --feature {}{flag} --usd <amount>`.",
        scope_label(b.phase_number).replace('-', " "),
        orch.feature_name,
        b.spent_usd,
        b.budget_usd,
        orch.feature_name,
    )))
}

/// A budget in dollars as the store keeps it, or the refusal: not a number, negative or
/// over 1e9. Check before any other write that the budget belongs to.
pub fn check_usd(usd: f64) -> Result<Micros, LifecycleError> {
    usd_to_micros(usd).ok_or(LifecycleError::BadBudget { usd })
}

/// Sets (or with `usd` None removes) a budget, then enforces at once: raising a budget
/// resumes a phase it blocked without waiting for the daemon.
pub fn set_budget(
    store: &dyn Store,
    orchestration: &str,
    phase: Option<u32>,
    usd: Option<f64>,
) -> Result<(Orchestration, Enforcement), LifecycleError> {
    let micros = usd.map(check_usd).transpose()?;
    let orch = resolve_orchestration(store, orchestration)?;
    store.set_budget(&orch.id, phase, micros)?;
    let done = enforce(store, &orch, now_ms())?;
    Ok((orch, done))
}

/// Parses a `--budget-usd` / `--usd` value: a non-negative dollar amount.
pub fn parse_usd(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .trim_start_matches('$')
        .parse()
        .map_err(|_| format!("{} is not a dollar amount (for example 12.50)", quote(s)))?;
    usd_to_micros(v)
        .map(|_| v)
        .ok_or_else(|| format!("{} must be between 0 and 1e9 dollars", quote(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_dollar_amounts_are_refused_with_their_value_quoted_safely() {
        assert_eq!(parse_usd("$12.50"), Ok(12.5));
        assert_eq!(parse_usd("0"), Ok(0.0));
        for bad in ["-1", "NaN", "inf", "1e12", "", "12,50"] {
            let e = parse_usd(bad).expect_err(bad);
            assert!(e.contains("dollar"), "{bad}: {e}");
        }
        let e = parse_usd("5\u{1b}[31m\n").expect_err("control characters");
        assert!(!e.contains('\u{1b}') && !e.contains('\n'), "escaped: {e:?}");
        let e = parse_usd(&"9".repeat(10_000)).expect_err("huge");
        assert!(e.len() < 300, "bounded echo: {} chars", e.len());
    }
}
