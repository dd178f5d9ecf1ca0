//! The real `tina-daemon` with `TINA_HOME` on a file system that fills up: it keeps
//! running, reports itself unhealthy with the reason, and once there is room again
//! records everything it read meanwhile, once.
//!
//! A small tmpfs is mounted for the test, which needs the privilege to mount (root in
//! the CI container). Where mounting is not allowed the test says so and does nothing;
//! the same path is covered without a mount by the engine's `max_page_count` tests
//! (`sync::tests::faults`).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use support::*;
use tina_session::daemon::{self, DaemonState, ProblemKind};
use tina_session::*;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self {
            path: path.to_owned(),
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Fills the file system holding `dir` with one file; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    while f.write_all(&chunk).is_ok() {}
    // Whatever smaller room is left, too.
    while f.write_all(&[0u8; 512]).is_ok() {}
    path
}

#[test]
fn a_full_disk_makes_the_daemon_wait_unhealthy_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("tina"), "4m") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs the privilege to mount)");
        return;
    };
    let config = Config::at(fs.path.clone(), dir.path().join("claude"));
    let store = config.open_store().unwrap();
    let env = Env {
        dir,
        config,
        store: Arc::clone(&store),
    };
    let (orch, lead, _) = env.orchestration("full", 0);
    env.write_task(&lead.team_name, "0", "before", "pending");
    let mut daemon = env.spawn();
    env.wait_task(&orch, &lead, "0", "before", "pending");

    let filler = fill(&fs.path);
    for i in 1..=20 {
        let mut body = task_json(&i.to_string(), &format!("while full {i}"), "pending");
        body["description"] = "x".repeat(8 * 1024).into();
        env.write_task_json(&lead.team_name, &i.to_string(), &body);
    }
    wait_for("the daemon to report itself unhealthy", || {
        daemon::status(&env.config).is_ok_and(|st| {
            st.state == DaemonState::Unhealthy
                && st
                    .problem
                    .as_ref()
                    .is_some_and(|p| p.kind == ProblemKind::DiskFull)
        })
    });
    assert!(daemon.is_running(), "the daemon exited on a full disk");
    let st = daemon::status(&env.config).unwrap();
    assert!(st.problem.unwrap().detail.contains("full"));

    std::fs::remove_file(filler).unwrap();
    for i in 1..=20 {
        env.wait_task(
            &orch,
            &lead,
            &i.to_string(),
            &format!("while full {i}"),
            "pending",
        );
    }
    wait_for("the daemon to be healthy again", || {
        daemon::status(&env.config).is_ok_and(|st| st.state == DaemonState::Running)
    });
    // Each task once: nothing lost, nothing doubled.
    assert_eq!(env.events(&orch).len(), 21);
    assert!(daemon.is_running());
    daemon.terminate();
    drop(env);
}
