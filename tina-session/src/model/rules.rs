//! The rules every write to a store obeys, checked by both backends before they write.
//!
//! Two kinds live here. **Input rules** ([`NewOrchestration::validate`],
//! [`TeamRegistration::validate`], [`PhaseTransition::validate`]) need nothing but the
//! request: names follow the one naming rule, session ids and free text are bounded
//! (see [`crate::model::input`]). **Team rules** ([`resolve_team_registration`]) need the
//! orchestration and the team as stored, and decide what a registration becomes:
//!
//! - a phase number lies within `1..=total_phases`;
//! - a team with a parent has a phase (only phase teams hang below another team);
//! - the orchestrator team is the one root: a new phase team registered without a parent
//!   gets the orchestrator team as its parent (what `start` does), so a second root can
//!   never appear; the orchestrator team itself never takes a phase.
//!
//! The backends add what needs their own reads: the parent must exist in the same
//! orchestration, no cycle, and at most one team without parent and phase.

use super::input::{self, InputError, NameKind};
use super::{NewOrchestration, Orchestration, PhaseTransition, Team, TeamRegistration};

/// Why a team registration breaks the hierarchy rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamRuleError {
    /// The phase number is 0 or above the orchestration's total.
    #[error("phase {phase} of team '{team_name}' is outside 1..={total} for feature '{feature}'")]
    PhaseOutOfRange {
        team_name: String,
        phase: u32,
        total: u32,
        feature: String,
    },
    /// A parent was given for a team without a phase number.
    #[error(
        "team '{team_name}' has a parent team but no phase number; only phase teams have a \
         parent: give its phase number, or omit the parent for the orchestrator team"
    )]
    ParentWithoutPhase { team_name: String },
    /// A phase team needs a parent and the orchestration has no orchestrator team.
    #[error(
        "phase team '{team_name}' has no parent and feature '{feature}' has no orchestrator \
         team to default to; pass the parent team id"
    )]
    NoOrchestratorTeam { team_name: String, feature: String },
    /// The orchestrator team (the root) was given a phase number.
    #[error(
        "team '{team_name}' is the orchestrator team of feature '{feature}': it has no phase \
         number and no parent"
    )]
    OrchestratorTeamTakesPhase { team_name: String, feature: String },
}

impl NewOrchestration {
    /// Checks names, the lead session id and the sizes of paths and branch.
    pub fn validate(&self) -> Result<(), InputError> {
        input::validate_name(NameKind::Feature, &self.feature_name)?;
        input::validate_name(NameKind::Team, &self.orchestrator_team_name)?;
        if let Some(id) = &self.lead_session_id {
            input::validate_session_id(id)?;
        }
        input::check_len("design doc path", &self.design_doc, input::PATH_MAX)?;
        if let Some(path) = &self.worktree_path {
            input::check_len("worktree path", path, input::PATH_MAX)?;
        }
        if let Some(branch) = &self.branch {
            input::validate_branch(branch)?;
        }
        Ok(())
    }
}

impl TeamRegistration {
    /// Checks the team name, the ids and the lead session id.
    pub fn validate(&self) -> Result<(), InputError> {
        input::validate_name(NameKind::Team, &self.team_name)?;
        input::check_len(
            "orchestration id",
            self.orchestration_id.as_str(),
            input::ID_MAX,
        )?;
        if let Some(parent) = &self.parent_team_id {
            input::check_len("parent team id", parent.as_str(), input::ID_MAX)?;
        }
        if let Some(id) = &self.lead_session_id {
            input::validate_session_id(id)?;
        }
        Ok(())
    }
}

impl PhaseTransition {
    /// Checks the block reason, the plan path and the phase team's registration.
    pub fn validate(&self) -> Result<(), InputError> {
        if let Some(reason) = &self.blocked_reason {
            input::check_len("block reason", reason, input::REASON_MAX)?;
        }
        if let Some(path) = &self.plan_path {
            input::check_len("plan path", path, input::PATH_MAX)?;
        }
        if let Some(reg) = &self.register_team {
            reg.validate()?;
        }
        Ok(())
    }
}

/// What `reg` becomes when stored, given its orchestration and the team of the same name
/// (`existing`, if any). `None` fields of `reg` keep the existing team's values; a phase
/// team without a parent gets the orchestrator team, which `orchestrator_team` looks up
/// (only when needed). An existing team of another orchestration is ignored here (the
/// backend refuses it as `TeamOwnedByOther`).
pub fn resolve_team_registration<E: From<TeamRuleError>>(
    reg: &TeamRegistration,
    orch: &Orchestration,
    existing: Option<&Team>,
    orchestrator_team: impl FnOnce() -> Result<Option<Team>, E>,
) -> Result<TeamRegistration, E> {
    let existing = existing.filter(|e| e.orchestration_id == reg.orchestration_id);
    let phase = reg
        .phase_number
        .or_else(|| existing.and_then(|e| e.phase_number));
    let mut parent = reg
        .parent_team_id
        .clone()
        .or_else(|| existing.and_then(|e| e.parent_team_id.clone()));
    if let Some(phase) = phase
        && !orch.has_phase(phase)
    {
        return Err(TeamRuleError::PhaseOutOfRange {
            team_name: reg.team_name.clone(),
            phase,
            total: orch.total_phases,
            feature: orch.feature_name.clone(),
        }
        .into());
    }
    match (phase, &parent) {
        (None, Some(_)) => {
            return Err(TeamRuleError::ParentWithoutPhase {
                team_name: reg.team_name.clone(),
            }
            .into());
        }
        (Some(_), None) => match orchestrator_team()? {
            Some(root) if existing.is_some_and(|e| e.id == root.id) => {
                return Err(TeamRuleError::OrchestratorTeamTakesPhase {
                    team_name: reg.team_name.clone(),
                    feature: orch.feature_name.clone(),
                }
                .into());
            }
            Some(root) => parent = Some(root.id),
            None => {
                return Err(TeamRuleError::NoOrchestratorTeam {
                    team_name: reg.team_name.clone(),
                    feature: orch.feature_name.clone(),
                }
                .into());
            }
        },
        _ => {}
    }
    Ok(TeamRegistration {
        parent_team_id: parent,
        phase_number: phase,
        ..reg.clone()
    })
}

/// The orchestrator team among an orchestration's teams: the one with neither parent
/// nor phase.
pub fn find_orchestrator_team(teams: impl IntoIterator<Item = Team>) -> Option<Team> {
    teams
        .into_iter()
        .find(|t| t.parent_team_id.is_none() && t.phase_number.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OrchestrationId, OrchestrationStatus, TeamId};

    fn orch() -> Orchestration {
        Orchestration {
            id: OrchestrationId::from("o1"),
            feature_name: "auth".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 2,
            current_phase: None,
            status: OrchestrationStatus::Planning,
            started_at: 0,
            completed_at: None,
            updated_at: 0,
        }
    }

    fn team(id: &str, parent: Option<&str>, phase: Option<u32>) -> Team {
        Team {
            id: TeamId::from(id),
            team_name: id.into(),
            orchestration_id: OrchestrationId::from("o1"),
            parent_team_id: parent.map(TeamId::from),
            phase_number: phase,
            lead_session_id: None,
            claude_team_dir: None,
            created_at: 0,
        }
    }

    fn reg(name: &str, parent: Option<&str>, phase: Option<u32>) -> TeamRegistration {
        TeamRegistration {
            team_name: name.into(),
            orchestration_id: OrchestrationId::from("o1"),
            parent_team_id: parent.map(TeamId::from),
            phase_number: phase,
            lead_session_id: None,
        }
    }

    fn resolve(
        r: &TeamRegistration,
        existing: Option<&Team>,
    ) -> Result<TeamRegistration, TeamRuleError> {
        resolve_team_registration(r, &orch(), existing, || {
            Ok::<_, TeamRuleError>(Some(team("root", None, None)))
        })
    }

    #[test]
    fn phases_outside_the_orchestration_are_refused() {
        for phase in [0, 3, u32::MAX] {
            let err = resolve(&reg("t", Some("root"), Some(phase)), None).unwrap_err();
            assert!(
                matches!(err, TeamRuleError::PhaseOutOfRange { total: 2, .. }),
                "{err}"
            );
        }
        assert!(resolve(&reg("t", Some("root"), Some(2)), None).is_ok());
    }

    #[test]
    fn a_parent_needs_a_phase_and_a_phase_team_gets_the_root_as_parent() {
        let err = resolve(&reg("t", Some("root"), None), None).unwrap_err();
        assert!(
            matches!(err, TeamRuleError::ParentWithoutPhase { .. }),
            "{err}"
        );
        let r = resolve(&reg("t", None, Some(1)), None).unwrap();
        assert_eq!(r.parent_team_id, Some(TeamId::from("root")));
        // The root itself never takes a phase.
        let err =
            resolve(&reg("root", None, Some(1)), Some(&team("root", None, None))).unwrap_err();
        assert!(
            matches!(err, TeamRuleError::OrchestratorTeamTakesPhase { .. }),
            "{err}"
        );
        // No root to default to.
        let err = resolve_team_registration(&reg("t", None, Some(1)), &orch(), None, || {
            Ok::<_, TeamRuleError>(None)
        })
        .unwrap_err();
        assert!(
            matches!(err, TeamRuleError::NoOrchestratorTeam { .. }),
            "{err}"
        );
        // Re-registering keeps the stored parent and phase.
        let kept = resolve(
            &reg("p1", None, None),
            Some(&team("p1", Some("root"), Some(1))),
        )
        .unwrap();
        assert_eq!(kept.parent_team_id, Some(TeamId::from("root")));
        assert_eq!(kept.phase_number, Some(1));
    }

    #[test]
    fn inputs_are_bounded() {
        let mut r = reg("../../victim", None, None);
        assert!(r.validate().is_err());
        r.team_name = "ok".into();
        r.lead_session_id = Some("s".repeat(1 << 20));
        let err = r.validate().unwrap_err().to_string();
        assert!(err.len() < 400, "{err}");
    }
}
