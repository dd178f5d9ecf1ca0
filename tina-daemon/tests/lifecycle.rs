//! `tina_session::daemon::{start, stop, status, restart}` with real processes. The
//! library finds the `tina-daemon` binary beside the test executable's directory
//! (`target/<profile>/`), the way the installed CLI finds it beside itself.

mod support;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use support::*;
use tina_session::daemon::{self, DaemonState, StartOutcome, StopOutcome, process_alive};

/// tina-daemon processes whose environment points at this `TINA_HOME`.
fn daemons_for(env: &Env) -> Vec<u32> {
    let needle = format!("TINA_HOME={}", env.config.tina_home.display());
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let is_daemon = String::from_utf8_lossy(&cmdline).contains("tina-daemon");
        let ours = environ.split(|b| *b == 0).any(|kv| kv == needle.as_bytes());
        if is_daemon && ours && process_alive(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// Stops the daemon even if an assertion failed.
struct StopOnDrop<'a>(&'a Env);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = daemon::stop(&self.0.config);
    }
}

#[test]
fn start_is_idempotent_and_stop_waits_for_exit() {
    let env = Env::new();
    let _guard = StopOnDrop(&env);
    let st = daemon::status(&env.config).unwrap();
    assert_eq!(st.state, DaemonState::Stopped);

    let first = daemon::start(&env.config).unwrap();
    let StartOutcome::Started { status } = &first else {
        panic!("expected a start, got {first:?}")
    };
    let pid = status.pid.unwrap();
    assert!(status.running);

    let second = daemon::start(&env.config).unwrap();
    assert!(
        matches!(second, StartOutcome::AlreadyRunning { .. }),
        "{second:?}"
    );
    assert_eq!(second.status().pid, Some(pid));
    assert_eq!(daemons_for(&env), vec![pid]);

    let st = daemon::status(&env.config).unwrap();
    assert_eq!(st.state, DaemonState::Running);
    assert!(
        st.heartbeat_age_ms
            .is_some_and(|age| age < daemon::HEARTBEAT_STALE_MS)
    );

    // The started daemon syncs.
    let (orch, lead, _) = env.orchestration("lifecycle", 0);
    env.write_task(&lead.team_name, "1", "watched", "pending");
    env.wait_task(&orch, &lead, "1", "watched", "pending");

    let stopped = daemon::stop(&env.config).unwrap();
    assert_eq!(stopped, StopOutcome::Stopped { pid, forced: false });
    assert!(
        !process_alive(pid),
        "stop returned before the daemon exited"
    );
    assert!(!env.config.daemon_pid_path().exists());
    assert_eq!(
        daemon::status(&env.config).unwrap().state,
        DaemonState::Stopped
    );
    assert_eq!(
        daemon::stop(&env.config).unwrap(),
        StopOutcome::NotRunning {
            cleaned_stale_pid_file: false
        }
    );
}

#[test]
fn concurrent_starts_leave_one_daemon() {
    let env = Env::new();
    let _guard = StopOnDrop(&env);
    let outcomes: Vec<StartOutcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| daemon::start(&env.config).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let pids: Vec<Option<u32>> = outcomes.iter().map(|o| o.status().pid).collect();
    assert!(pids.iter().all(|p| *p == pids[0]), "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, StartOutcome::Started { .. }))
            .count(),
        1
    );
    wait_for("the losing daemons to exit", || {
        daemons_for(&env).len() == 1
    });
    assert_eq!(daemons_for(&env), vec![pids[0].unwrap()]);
}

#[test]
fn stale_pid_file_is_detected_and_cleaned_by_start() {
    let env = Env::new();
    let _guard = StopOnDrop(&env);
    std::fs::create_dir_all(&env.config.tina_home).unwrap();
    // The pid of a process that has exited.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(env.config.daemon_pid_path(), dead_pid.to_string()).unwrap();

    let st = daemon::status(&env.config).unwrap();
    assert_eq!(st.state, DaemonState::Stale);
    assert!(!st.running);

    let started = daemon::start(&env.config).unwrap();
    assert!(
        matches!(started, StartOutcome::Started { .. }),
        "{started:?}"
    );
    let pid = started.status().pid.unwrap();
    assert_ne!(pid, dead_pid);
    assert_eq!(
        std::fs::read_to_string(env.config.daemon_pid_path())
            .unwrap()
            .trim(),
        pid.to_string()
    );
}

#[test]
fn killed_daemon_is_reported_stale_and_restart_replaces_it() {
    let env = Env::new();
    let _guard = StopOnDrop(&env);
    let pid = daemon::start(&env.config).unwrap().status().pid.unwrap();
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
    wait_for("the killed daemon to be gone", || !process_alive(pid));
    assert_eq!(
        daemon::status(&env.config).unwrap().state,
        DaemonState::Stale
    );

    let restarted = daemon::restart(&env.config).unwrap_or_else(|e| panic!("{e}\n{}", env.log()));
    assert!(
        matches!(restarted, StartOutcome::Started { .. }),
        "{restarted:?}"
    );
    let new_pid = restarted.status().pid.unwrap();
    assert_ne!(new_pid, pid);
    assert_eq!(daemons_for(&env), vec![new_pid]);

    // A restart of a running daemon also replaces it.
    let again = daemon::restart(&env.config).unwrap();
    let third = again.status().pid.unwrap();
    assert_ne!(third, new_pid);
    assert!(!process_alive(new_pid));
    assert_eq!(daemons_for(&env), vec![third]);
}

#[test]
fn unresponsive_daemon_is_replaced_by_start() {
    let env = Env::new();
    let _guard = StopOnDrop(&env);
    let pid = daemon::start(&env.config).unwrap().status().pid.unwrap();
    // Freeze it and age its heartbeat past the limit.
    kill(Pid::from_raw(pid as i32), Signal::SIGSTOP).unwrap();
    wait_for("the daemon to be stopped", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
        })
    });
    let mut hb = daemon::read_heartbeat(&env.config).unwrap();
    hb.updated_at -= daemon::HEARTBEAT_STALE_MS + 1_000;
    std::fs::write(
        daemon::heartbeat_path(&env.config),
        serde_json::to_string(&hb).unwrap(),
    )
    .unwrap();
    let st = daemon::status(&env.config).unwrap();
    assert_eq!(st.state, DaemonState::Unresponsive);
    assert!(!st.running);

    let started = daemon::start(&env.config).unwrap();
    assert!(
        matches!(started, StartOutcome::Started { .. }),
        "{started:?}"
    );
    assert!(!process_alive(pid));
    assert_eq!(daemons_for(&env), vec![started.status().pid.unwrap()]);
}
