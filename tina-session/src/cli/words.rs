//! How the CLI words the library's refusals: with its own flags and commands.
//!
//! The library's errors carry data (which phase, which path, which field) and plain
//! text; this is where a refusal about the phase becomes one about `--phase`, and where
//! "name the parent team" becomes "pass --parent-team-id". The MCP server does the same
//! with its tool arguments (`tina-mcp/src/error.rs`).

use crate::lifecycle::LifecycleError;
use crate::model::PhaseStatus;
use crate::model::input::{InputError, NameKind};
use crate::report::error_chain;
use crate::store::StoreError;

/// The one line `tina-session` prints after `error: ` for a failed command.
pub(crate) fn message(e: &anyhow::Error) -> String {
    let chain = error_chain(e.as_ref());
    if let Some(text) = e
        .chain()
        .find_map(|c| c.downcast_ref::<LifecycleError>())
        .and_then(lifecycle)
    {
        return text;
    }
    match input_error(e).and_then(flag_for) {
        Some(flag) => format!("{flag}: {chain}"),
        None => chain,
    }
}

/// The CLI's wording of a lifecycle refusal that is about one of its flags or commands;
/// `None`: the library's text says it.
fn lifecycle(e: &LifecycleError) -> Option<String> {
    use LifecycleError as L;
    let fact = || e.fact().unwrap_or_default();
    Some(match e {
        L::ReasonRequired => format!("--reason: {e}"),
        L::PhaseOutOfRange { .. } => format!("--phase: {e}"),
        L::PlanMissing { .. } => format!("--plan: {e}"),
        L::NoPhases => "--total-phases must be at least 1".to_owned(),
        L::RepoRequired => format!("{}: pass --repo, or --no-worktree", fact()),
        L::NoOrchestratorTeam { .. } => format!("{}; pass --parent-team-id", fact()),
        L::UnknownParentTeam { feature, .. } => format!(
            "{}; `tina-session hierarchy --feature {feature}` lists team ids",
            fact()
        ),
        L::PhaseOverlap { open_status, .. } => format!(
            "{}{}",
            fact(),
            if *open_status == PhaseStatus::Blocked {
                " (resume it), or start over with init --replace"
            } else {
                ""
            }
        ),
        L::NotARepository { .. } => {
            format!("{}; pass --repo <git repo> or --no-worktree", fact())
        }
        L::WorktreeExists { .. } => format!(
            "{}; pass --replace or run `tina-session cleanup --worktree`",
            fact()
        ),
        L::BranchExists { .. } => format!(
            "{}; keep it and pass --branch <new name>, or pass --replace to reset it to HEAD",
            fact()
        ),
        L::OrchestratorLaunch { feature, .. } => format!(
            "{}: launch its lead again with `tina-session init --feature {feature} ... --replace \
             --runtime claude`, or drive it yourself",
            fact()
        ),
        _ => return None,
    })
}

/// The input-rule refusal inside `e`, if that is why the command failed.
fn input_error(e: &anyhow::Error) -> Option<&InputError> {
    e.chain().find_map(|cause| {
        if let Some(i) = cause.downcast_ref::<InputError>() {
            return Some(i);
        }
        match cause.downcast_ref::<LifecycleError>() {
            Some(LifecycleError::Input(i)) | Some(LifecycleError::Store(StoreError::Input(i))) => {
                return Some(i);
            }
            _ => {}
        }
        match cause.downcast_ref::<StoreError>() {
            Some(StoreError::Input(i)) => Some(i),
            _ => None,
        }
    })
}

/// The command-line flag an input-rule refusal is about (the library names fields, the
/// CLI words them as its flags).
fn flag_for(e: &InputError) -> Option<&'static str> {
    Some(match e {
        InputError::BadName { kind, .. } => match kind {
            NameKind::Feature => "--feature",
            NameKind::Team => "--team",
            NameKind::Agent => return None,
        },
        InputError::TooLong { field, .. } | InputError::BadValue { field, .. } => match *field {
            "session id" => "--lead-session-id",
            "block reason" => "--reason",
            "branch" => "--branch",
            "design doc path" => "--design-doc",
            "repository path" => "--repo",
            "plan path" => "--plan",
            "parent team id" => "--parent-team-id",
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn refusals_about_an_input_name_its_flag() {
        let e = anyhow::Error::from(LifecycleError::PhaseOutOfRange {
            phase: 3,
            total: 2,
            feature: "f".into(),
        });
        assert_eq!(
            message(&e),
            "--phase: phase 3 is outside 1..=2 for feature 'f'"
        );
        let e = anyhow::Error::from(LifecycleError::NoPhases);
        assert_eq!(message(&e), "--total-phases must be at least 1");
        let e = anyhow::Error::from(LifecycleError::BranchExists {
            branch: "tina/x".into(),
            repo: PathBuf::from("/r"),
        });
        assert!(
            message(&e).contains("--branch <new name>"),
            "{}",
            message(&e)
        );
    }

    #[test]
    fn the_library_text_names_no_flag() {
        for e in [
            LifecycleError::NoPhases,
            LifecycleError::RepoRequired,
            LifecycleError::NoOrchestratorTeam {
                feature: "f".into(),
                roots: 0,
            },
            LifecycleError::WorktreeExists {
                path: PathBuf::from("/w"),
            },
            LifecycleError::BranchExists {
                branch: "b".into(),
                repo: PathBuf::from("/r"),
            },
            LifecycleError::NotARepository {
                path: PathBuf::from("/r"),
            },
            LifecycleError::PhaseOverlap {
                feature: "f".into(),
                phase: 2,
                wanted: PhaseStatus::Executing,
                open_phase: 1,
                open_status: PhaseStatus::Blocked,
            },
        ] {
            let text = e.to_string();
            assert!(!text.contains("--"), "{text}");
            assert!(!text.contains("tina-session"), "{text}");
        }
    }

    #[test]
    fn a_store_failure_prints_its_cause_once() {
        let e = anyhow::Error::from(StoreError::backend_from(
            "database /x/tina.db",
            std::io::Error::other("disk I/O error"),
        ));
        assert_eq!(
            message(&e),
            "store error: database /x/tina.db: disk I/O error"
        );
    }
}
