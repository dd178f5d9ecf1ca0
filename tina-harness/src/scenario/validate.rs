//! What a loaded scenario must mean beyond its types: phase numbers in order, unique
//! task ids, owners that are members, dependencies on earlier tasks, progressions
//! ending `completed`, paths inside the worktree, expectations within the scenario's
//! phases. Every error names the file and the field (`phases[0].tasks[1].owner`).
//! Closed sets of values (statuses, change kinds, file actions) are typed enums, which
//! serde checks while parsing.

use std::collections::BTreeSet;
use std::path::Path;

use tina_session::OrchestrationStatus;

use super::{
    ChangeKind, Expected, FileChange, MemberScript, ScenarioError, ScenarioScript, TaskScript,
};

pub(super) fn invalid(
    path: &Path,
    field: impl Into<String>,
    message: impl Into<String>,
) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_owned(),
        field: field.into(),
        message: message.into(),
    }
}

/// A worktree-relative path that cannot escape the worktree.
pub fn valid_relative_path(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.is_relative()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        && p.components()
            .next()
            .is_none_or(|c| c.as_os_str() != ".git")
}

pub(super) fn validate_script(path: &Path, s: &ScenarioScript) -> Result<(), ScenarioError> {
    // The rule `tina-session init` applies, checked early so the error names the file.
    if let Err(e) = tina_session::lifecycle::validate_feature(&s.feature_name) {
        return Err(invalid(path, "feature_name", e.to_string()));
    }
    if s.description.trim().is_empty() {
        return Err(invalid(path, "description", "must not be empty"));
    }
    if s.total_phases == 0 {
        return Err(invalid(path, "total_phases", "must be at least 1"));
    }
    if s.step_delay_ms > 5_000 {
        return Err(invalid(
            path,
            "step_delay_ms",
            "at most 5000 (scenarios take seconds)",
        ));
    }
    check_members(path, "orchestrator.members", &s.orchestrator.members)?;
    if s.phases.len() != s.total_phases as usize {
        return Err(invalid(
            path,
            "phases",
            format!(
                "has {} entries but total_phases is {}",
                s.phases.len(),
                s.total_phases
            ),
        ));
    }
    let mut crashes = 0;
    for (i, phase) in s.phases.iter().enumerate() {
        let at = format!("phases[{i}]");
        if phase.number != i as u32 + 1 {
            return Err(invalid(
                path,
                format!("{at}.number"),
                format!(
                    "is {} but phases must be numbered 1, 2, ... in order",
                    phase.number
                ),
            ));
        }
        if phase.plan.trim().is_empty() {
            return Err(invalid(path, format!("{at}.plan"), "must not be empty"));
        }
        check_members(path, &format!("{at}.members"), &phase.members)?;
        let owners: BTreeSet<&str> = phase.members.iter().map(|m| m.name.as_str()).collect();
        let mut ids = BTreeSet::new();
        if phase.tasks.is_empty() {
            return Err(invalid(
                path,
                format!("{at}.tasks"),
                "a phase needs at least one task",
            ));
        }
        check_tasks(
            path,
            &format!("{at}.tasks"),
            &phase.tasks,
            &owners,
            &mut ids,
        )?;
        let plays_tests = phase.tasks.iter().any(|t| t.run_tests);
        if let Some(failure) = &phase.failure {
            if failure.reason.trim().is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}.failure.reason"),
                    "must not be empty",
                ));
            }
            if !plays_tests {
                return Err(invalid(
                    path,
                    format!("{at}.failure"),
                    "a staged failure needs a task with run_tests in the phase's tasks",
                ));
            }
            if failure.fix_tasks.is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}.failure.fix_tasks"),
                    "must not be empty",
                ));
            }
            check_tasks(
                path,
                &format!("{at}.failure.fix_tasks"),
                &failure.fix_tasks,
                &owners,
                &mut ids,
            )?;
            if !failure.fix_tasks.iter().any(|t| t.run_tests) {
                return Err(invalid(
                    path,
                    format!("{at}.failure.fix_tasks"),
                    "one fix task must run the tests again (run_tests: true)",
                ));
            }
        }
        if let Some(crash) = &phase.crash {
            crashes += 1;
            let Some(task) = phase.tasks.iter().find(|t| t.id == crash.task) else {
                return Err(invalid(
                    path,
                    format!("{at}.crash.task"),
                    format!("no task '{}' in {at}.tasks", crash.task),
                ));
            };
            let last = task.progression.len().saturating_sub(1);
            if !task.progression[..last].contains(&crash.status) {
                return Err(invalid(
                    path,
                    format!("{at}.crash.status"),
                    format!(
                        "task '{}' never reaches '{}' before its final status",
                        crash.task, crash.status
                    ),
                ));
            }
        }
    }
    if crashes > 1 {
        return Err(invalid(
            path,
            "phases[].crash",
            "at most one crash per scenario",
        ));
    }
    Ok(())
}

fn check_members(path: &Path, at: &str, members: &[MemberScript]) -> Result<(), ScenarioError> {
    if members.is_empty() {
        return Err(invalid(
            path,
            at,
            "a team needs at least one member (its lead)",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, m) in members.iter().enumerate() {
        for (field, value) in [
            ("name", &m.name),
            ("agent_type", &m.agent_type),
            ("model", &m.model),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(
                    path,
                    format!("{at}[{i}].{field}"),
                    "must not be empty",
                ));
            }
        }
        if !seen.insert(m.name.as_str()) {
            return Err(invalid(
                path,
                format!("{at}[{i}].name"),
                format!("'{}' appears twice", m.name),
            ));
        }
    }
    Ok(())
}

fn check_tasks(
    path: &Path,
    at: &str,
    tasks: &[TaskScript],
    owners: &BTreeSet<&str>,
    ids: &mut BTreeSet<String>,
) -> Result<(), ScenarioError> {
    for (i, t) in tasks.iter().enumerate() {
        let at = format!("{at}[{i}]");
        if t.id.is_empty() || !t.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid(
                path,
                format!("{at}.id"),
                format!("'{}' is not a task id (letters, digits, '-')", t.id),
            ));
        }
        if !ids.insert(t.id.clone()) {
            return Err(invalid(
                path,
                format!("{at}.id"),
                format!("task id '{}' is used twice in the team", t.id),
            ));
        }
        if t.subject.trim().is_empty() {
            return Err(invalid(path, format!("{at}.subject"), "must not be empty"));
        }
        if !owners.contains(t.owner.as_str()) {
            return Err(invalid(
                path,
                format!("{at}.owner"),
                format!("'{}' is not a member of the phase team", t.owner),
            ));
        }
        for (j, dep) in t.blocked_by.iter().enumerate() {
            if !ids.contains(dep) || dep == &t.id {
                return Err(invalid(
                    path,
                    format!("{at}.blocked_by[{j}]"),
                    format!("'{dep}' is not an earlier task of the team"),
                ));
            }
        }
        match t.progression.last() {
            None => {
                return Err(invalid(
                    path,
                    format!("{at}.progression"),
                    "must list the statuses after 'pending', ending with 'completed'",
                ));
            }
            Some(last) if last != "completed" => {
                return Err(invalid(
                    path,
                    format!("{at}.progression"),
                    format!("ends with '{last}'; the last status must be 'completed'"),
                ));
            }
            Some(_) => {}
        }
        if let Some(j) = t.progression.iter().position(|s| s.trim().is_empty()) {
            return Err(invalid(
                path,
                format!("{at}.progression[{j}]"),
                "must not be empty",
            ));
        }
        if (!t.changes.is_empty() || t.run_tests) && t.progression.len() < 2 {
            return Err(invalid(
                path,
                format!("{at}.progression"),
                "a task that changes code or runs tests needs a status before 'completed' (e.g. in_progress)",
            ));
        }
        for (j, c) in t.changes.iter().enumerate() {
            if !valid_relative_path(c.path()) {
                return Err(invalid(
                    path,
                    format!("{at}.changes[{j}].path"),
                    format!("'{}' must be a relative path inside the worktree", c.path()),
                ));
            }
            if let FileChange::Replace { find, .. } = c
                && find.is_empty()
            {
                return Err(invalid(
                    path,
                    format!("{at}.changes[{j}].find"),
                    "must not be empty",
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn validate_expected(
    path: &Path,
    e: &Expected,
    s: &ScenarioScript,
) -> Result<(), ScenarioError> {
    if e.phases_completed > s.total_phases {
        return Err(invalid(
            path,
            "phases_completed",
            format!(
                "{} exceeds the scenario's total_phases {}",
                e.phases_completed, s.total_phases
            ),
        ));
    }
    if e.min_phases > s.total_phases {
        return Err(invalid(
            path,
            "min_phases",
            format!(
                "{} exceeds the scenario's total_phases {}",
                e.min_phases, s.total_phases
            ),
        ));
    }
    if e.final_status == OrchestrationStatus::Complete && e.phases_completed < s.total_phases {
        return Err(invalid(
            path,
            "phases_completed",
            format!(
                "is {} but final_status \"complete\" means all {} phases completed",
                e.phases_completed, s.total_phases
            ),
        ));
    }
    for (i, f) in e.file_changes.iter().enumerate() {
        if !valid_relative_path(&f.path) {
            return Err(invalid(
                path,
                format!("file_changes[{i}].path"),
                format!("'{}' must be a relative path inside the worktree", f.path),
            ));
        }
        if f.change == ChangeKind::Deleted && !f.contains.is_empty() {
            return Err(invalid(
                path,
                format!("file_changes[{i}].contains"),
                "a deleted file cannot contain anything",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_escape() {
        assert!(valid_relative_path("src/lib.rs"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "src/../../x",
            ".git/config",
            "./a",
        ] {
            assert!(!valid_relative_path(bad), "{bad:?} accepted");
        }
    }
}
