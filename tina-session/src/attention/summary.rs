//! The spend view of one orchestration: usage summed per member, team, phase and in
//! total, with each budget's state. One function, used by the CLI, the MCP server, the
//! web API, the daemon's budget check and the `TaskCreated` hook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::*;
use crate::store::{Store, StoreError};

/// Tokens, messages and cost of some slice of an orchestration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct Spend {
    pub tokens: TokenCounts,
    #[ts(type = "number")]
    pub messages: u64,
    /// Messages of models without a price: their tokens count, their cost is unknown.
    #[ts(type = "number")]
    pub unpriced_messages: u64,
    #[ts(type = "number")]
    pub cost_micros: Micros,
    /// `cost_micros` in dollars, for reading.
    pub cost_usd: f64,
}

impl Spend {
    fn add(&mut self, t: &UsageTotal) {
        self.tokens += t.tokens;
        self.messages += t.messages;
        self.unpriced_messages += t.unpriced_messages;
        self.cost_micros += t.cost_micros;
        self.cost_usd = micros_to_usd(self.cost_micros);
    }
}

/// One member's spend (`team-lead` is the lead's own transcript).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct MemberSpend {
    pub agent_name: String,
    pub spend: Spend,
}

/// One team's spend, with its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct TeamSpend {
    pub team_id: TeamId,
    pub team_name: String,
    /// Null for the orchestrator team.
    pub phase_number: Option<u32>,
    pub spend: Spend,
    pub members: Vec<MemberSpend>,
}

/// Where spend stands against a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    /// Under 80 %.
    Ok,
    /// 80 % or more.
    Warning,
    /// 100 % or more: the phase is blocked and new tasks are refused.
    Exceeded,
}

/// One budget and the spend it limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct BudgetStatus {
    /// Null for the whole-orchestration budget.
    pub phase_number: Option<u32>,
    #[ts(type = "number")]
    pub budget_micros: Micros,
    #[ts(type = "number")]
    pub spent_micros: Micros,
    pub budget_usd: f64,
    pub spent_usd: f64,
    /// Spend as a percentage of the budget (rounded down).
    #[ts(type = "number")]
    pub percent: u64,
    pub state: BudgetState,
}

impl BudgetStatus {
    pub fn new(phase_number: Option<u32>, budget: Micros, spent: Micros) -> Self {
        let state = if spent >= budget {
            BudgetState::Exceeded
        } else if spent.saturating_mul(5) >= budget.saturating_mul(4) {
            BudgetState::Warning
        } else {
            BudgetState::Ok
        };
        let percent = if budget > 0 {
            (i128::from(spent.max(0)) * 100 / i128::from(budget)) as u64
        } else if spent > 0 {
            u64::MAX
        } else {
            100
        };
        Self {
            phase_number,
            budget_micros: budget,
            spent_micros: spent,
            budget_usd: micros_to_usd(budget),
            spent_usd: micros_to_usd(spent),
            percent,
            state,
        }
    }

    /// `orchestration` or `phase-N`: how events and messages name the budget.
    pub fn scope_label(&self) -> String {
        scope_label(self.phase_number)
    }
}

pub fn scope_label(phase: Option<u32>) -> String {
    phase.map_or_else(|| "orchestration".to_owned(), |p| format!("phase-{p}"))
}

/// Everything TINA knows about an orchestration's spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct UsageView {
    pub orchestration_id: OrchestrationId,
    pub total: Spend,
    /// Spend of the orchestrator team (no phase).
    pub orchestrator: Spend,
    /// Spend of each phase's teams, keyed by phase number ("1", "2", ...).
    pub phases: BTreeMap<String, Spend>,
    pub teams: Vec<TeamSpend>,
    pub budgets: Vec<BudgetStatus>,
}

impl UsageView {
    /// The status of the budget of `phase` (None: the whole orchestration), if set.
    pub fn budget(&self, phase: Option<u32>) -> Option<&BudgetStatus> {
        self.budgets.iter().find(|b| b.phase_number == phase)
    }

    /// Spend limited by the budget of `phase` (None: everything).
    pub fn spent(&self, phase: Option<u32>) -> Micros {
        match phase {
            None => self.total.cost_micros,
            Some(p) => self.phases.get(&p.to_string()).map_or(0, |s| s.cost_micros),
        }
    }
}

/// A budget in a few fields, for agents' compact views.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct BudgetBrief {
    /// Null: the whole orchestration.
    pub phase_number: Option<u32>,
    pub budget_usd: f64,
    pub percent: u64,
    pub state: BudgetState,
}

/// Total cost and tokens with budget states: what an agent needs to pace itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct SpendBrief {
    pub cost_usd: f64,
    pub tokens: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<BudgetBrief>,
}

impl UsageView {
    pub fn brief(&self) -> SpendBrief {
        SpendBrief {
            cost_usd: self.total.cost_usd,
            tokens: self.total.tokens.total(),
            budgets: self
                .budgets
                .iter()
                .map(|b| BudgetBrief {
                    phase_number: b.phase_number,
                    budget_usd: b.budget_usd,
                    percent: b.percent,
                    state: b.state,
                })
                .collect(),
        }
    }
}

/// Builds the [`UsageView`] of an orchestration from its usage, teams and budgets.
pub fn usage_view(
    store: &dyn Store,
    orchestration: &OrchestrationId,
) -> Result<UsageView, StoreError> {
    let totals = store.list_usage(orchestration)?;
    let teams = store.list_teams(orchestration)?;
    let budgets = store.list_budgets(orchestration)?;
    Ok(build(orchestration, &teams, &totals, &budgets))
}

/// The pure part of [`usage_view`].
pub fn build(
    orchestration: &OrchestrationId,
    teams: &[Team],
    totals: &[UsageTotal],
    budgets: &[Budget],
) -> UsageView {
    let mut total = Spend::default();
    let mut orchestrator = Spend::default();
    let mut phases: BTreeMap<String, Spend> = BTreeMap::new();
    let mut per_team: BTreeMap<&str, (Spend, BTreeMap<&str, Spend>)> = BTreeMap::new();
    let phase_of: BTreeMap<&str, Option<u32>> = teams
        .iter()
        .map(|t| (t.id.as_str(), t.phase_number))
        .collect();
    for t in totals {
        total.add(t);
        match phase_of.get(t.team_id.as_str()).copied().flatten() {
            Some(p) => phases.entry(p.to_string()).or_default().add(t),
            None => orchestrator.add(t),
        }
        let (team, members) = per_team.entry(t.team_id.as_str()).or_default();
        team.add(t);
        members.entry(t.agent_name.as_str()).or_default().add(t);
    }
    let teams = teams
        .iter()
        .filter_map(|team| {
            let (spend, members) = per_team.remove(team.id.as_str())?;
            Some(TeamSpend {
                team_id: team.id.clone(),
                team_name: team.team_name.clone(),
                phase_number: team.phase_number,
                spend,
                members: members
                    .into_iter()
                    .map(|(agent_name, spend)| MemberSpend {
                        agent_name: agent_name.to_owned(),
                        spend,
                    })
                    .collect(),
            })
        })
        .collect();
    let mut view = UsageView {
        orchestration_id: orchestration.clone(),
        total,
        orchestrator,
        phases,
        teams,
        budgets: Vec::new(),
    };
    view.budgets = budgets
        .iter()
        .map(|b| BudgetStatus::new(b.phase_number, b.usd_micros, view.spent(b.phase_number)))
        .collect();
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_states_at_the_thresholds() {
        assert_eq!(BudgetStatus::new(None, 100, 79).state, BudgetState::Ok);
        assert_eq!(BudgetStatus::new(None, 100, 80).state, BudgetState::Warning);
        assert_eq!(BudgetStatus::new(None, 100, 99).state, BudgetState::Warning);
        assert_eq!(
            BudgetStatus::new(None, 100, 100).state,
            BudgetState::Exceeded
        );
        assert_eq!(BudgetStatus::new(None, 100, 250).percent, 250);
        // A zero budget allows nothing.
        assert_eq!(
            BudgetStatus::new(Some(1), 0, 0).state,
            BudgetState::Exceeded
        );
    }
}
