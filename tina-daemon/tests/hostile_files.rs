//! The real `tina-daemon` against what agents (or anything running as the user) can put
//! in `$CLAUDE_HOME`: FIFOs, device symlinks, directory symlinks leading out, huge
//! files, future time stamps, broken files rewritten in a loop; and against a corrupt
//! store at start.

mod support;

use std::io::Write;
use std::time::{Duration, SystemTime};

use nix::sys::signal::Signal;
use support::*;
use tina_session::daemon::{self, DaemonState};
use tina_session::*;

/// Stops the daemon even if an assertion failed.
struct StopOnDrop<'a>(&'a Env);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = daemon::stop(&self.0.config);
    }
}

/// inotify watches held by `pid` (from /proc/<pid>/fdinfo).
fn inotify_watches(pid: u32) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/fdinfo"))
        .unwrap()
        .flatten()
    {
        let info = std::fs::read_to_string(entry.path()).unwrap_or_default();
        n += info
            .lines()
            .filter(|l| l.starts_with("inotify wd:"))
            .count();
    }
    n
}

#[test]
fn fifos_devices_and_symlinks_neither_block_nor_lead_out_of_claude_home() {
    let env = Env::new();
    let _stop = StopOnDrop(&env);
    let (orch, lead, _) = env.orchestration("hostile", 0);
    let team = lead.team_name.clone();
    env.write_task(&team, "1", "real task", "pending");
    let dir = env.task_path(&team, "1").parent().unwrap().to_owned();

    // A FIFO as a task file and as a team config: opening either must not block.
    nix::unistd::mkfifo(&dir.join("2.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let teams = env.config.claude_home.join("teams").join(&team);
    std::fs::create_dir_all(&teams).unwrap();
    nix::unistd::mkfifo(&teams.join("config.json"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    // A device: reading it would never end.
    std::os::unix::fs::symlink("/dev/zero", dir.join("3.json")).unwrap();
    // A symlink to a valid task file elsewhere.
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("x.json");
    std::fs::write(
        &elsewhere,
        task_json("4", "from outside", "pending").to_string(),
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("4.json")).unwrap();
    // A file over the read limit (a valid task with a 2 MiB description).
    let mut big = task_json("5", "huge", "pending");
    big["description"] = "d".repeat(2 * 1024 * 1024).into();
    std::fs::write(dir.join("5.json"), big.to_string()).unwrap();
    // Not the layout: a task one folder down, a file name that is no task id.
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/6.json"),
        task_json("6", "nested", "pending").to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("a b.json"),
        task_json("7", "bad id", "pending").to_string(),
    )
    .unwrap();
    // A team folder that is a symlink out of CLAUDE_HOME, to a tree of folders, with a
    // valid task inside; its team is even registered.
    for i in 0..40 {
        std::fs::create_dir_all(outside.path().join(format!("tree/d{i}/e"))).unwrap();
    }
    std::fs::write(
        outside.path().join("tree/1.json"),
        task_json("1", "linked in", "pending").to_string(),
    )
    .unwrap();
    let linked = env
        .store
        .register_team(&TeamRegistration {
            team_name: "hostile-linked".into(),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(lead.id.clone()),
            phase_number: Some(1),
            lead_session_id: None,
        })
        .unwrap();
    let tasks_root = env.config.claude_home.join("tasks");
    std::os::unix::fs::symlink(
        outside.path().join("tree"),
        tasks_root.join("hostile-linked"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/usr", tasks_root.join("usr")).unwrap();

    // `daemon start` reports "started" only once its start-up scan is done: the real
    // task is in the store the moment it returns.
    let started = daemon::start(&env.config).unwrap();
    assert!(
        matches!(started, daemon::StartOutcome::Started { .. }),
        "{started:?}"
    );
    assert_eq!(started.status().state, DaemonState::Running);
    let task = env
        .task(&orch, &lead, "1")
        .expect("synced by the start-up scan");
    assert_eq!(task.subject, "real task");
    let pid = started.status().pid.unwrap();

    // It keeps syncing.
    env.write_task(&team, "8", "after start", "in_progress");
    env.wait_task(&orch, &lead, "8", "after start", "in_progress");
    std::fs::write(dir.join("2b.json"), b"{").unwrap();

    let current = env.current(&orch);
    let subjects: Vec<&str> = current.iter().map(|t| t.subject.as_str()).collect();
    assert_eq!(subjects, ["real task", "after start"], "{subjects:?}");
    assert!(
        env.task(&orch, &linked, "1").is_none(),
        "followed a symlink out"
    );
    // Two roots and one real team folder: no watch through the symlinks.
    let watches = inotify_watches(pid);
    assert!(watches <= 8, "{watches} inotify watches");

    let log = env.log();
    for expected in [
        "it is a FIFO",
        "it is a symbolic link",
        "more than the limit",
    ] {
        assert!(log.contains(expected), "log lacks {expected:?}:\n{log}");
    }
    assert_eq!(
        daemon::status(&env.config).unwrap().state,
        DaemonState::Running
    );
}

#[test]
fn a_future_mtime_does_not_freeze_the_order_of_a_tasks_events() {
    let env = Env::new();
    let (orch, lead, _) = env.orchestration("future", 0);
    env.write_task(&lead.team_name, "1", "first", "pending");
    let path = env.task_path(&lead.team_name, "1");
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    // 2099-01-01.
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(4_070_908_800))
        .unwrap();
    drop(f);
    assert!(env.once().status.success());
    let first = env.task(&orch, &lead, "1").unwrap();
    assert!(first.recorded_at <= now_ms(), "{}", first.recorded_at);

    // A real change later: newer, and stamped with a time that can still be overtaken.
    std::thread::sleep(Duration::from_millis(20));
    env.write_task(&lead.team_name, "1", "second", "in_progress");
    assert!(env.once().status.success());
    let second = env.task(&orch, &lead, "1").unwrap();
    assert_eq!(second.subject, "second");
    assert!(second.recorded_at <= now_ms());
    assert!(second.recorded_at >= first.recorded_at);
    let events = env.events_of(&orch, &lead, "1");
    assert_eq!(events.len(), 2);
}

#[test]
fn warnings_for_a_file_rewritten_broken_in_a_loop_are_rate_limited() {
    let env = Env::new();
    let (orch, lead, _) = env.orchestration("noisy", 0);
    let mut daemon = env.spawn();
    let path = env.task_path(&lead.team_name, "1");
    for i in 0..40 {
        write_in_place(&path, format!("{{\"subject\": \"broken {i}").as_bytes());
        std::thread::sleep(Duration::from_millis(30));
    }
    env.write_task(&lead.team_name, "2", "marker", "pending");
    env.wait_task(&orch, &lead, "2", "marker", "pending");
    assert!(daemon.is_running());
    let name = path.display().to_string();
    let warned = env.log().lines().filter(|l| l.contains(&name)).count();
    assert!(warned <= 2, "{warned} log lines for one broken file");
    daemon.terminate();
}

#[test]
fn the_log_rotates_by_size() {
    let env = Env::new();
    let (orch, lead, _) = env.orchestration("rotate", 0);
    for i in 0..60 {
        let path = env.task_path(&lead.team_name, &format!("b{i}"));
        write_in_place(&path, b"{ broken");
    }
    env.write_task(&lead.team_name, "1", "fine", "pending");
    let out = env
        .command()
        .arg("--once")
        .env("TINA_DAEMON_LOG_MAX_BYTES", "4000")
        .env("TINA_DAEMON_LOG_KEEP", "2")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.task(&orch, &lead, "1").is_some());
    let logs = env.config.logs_dir();
    let log = env.log_path();
    for n in ["", ".1", ".2"] {
        let p = format!("{}{n}", log.display());
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(u64::MAX);
        assert!(len <= 4000, "{p}: {len}");
    }
    assert!(!logs.join("daemon.log.3").exists());
}

#[test]
fn a_corrupt_store_stops_the_daemon_at_start_naming_the_file_and_the_fix() {
    let env = Env::new();
    let (orch, lead, _) = env.orchestration("corrupt", 0);
    for i in 0..300 {
        env.store
            .record_task_event(&NewTaskEvent {
                team_id: lead.id.clone(),
                task_id: i.to_string(),
                subject: "s".repeat(200),
                description: "d".repeat(500),
                active_form: None,
                status: TaskStatus::Pending,
                owner: None,
                blocked_by: vec![],
                metadata: serde_json::json!({}),
                recorded_at: 1,
                sequence: 1,
            })
            .unwrap();
    }
    drop(orch);
    let db = env.config.db_path();
    // Everything into the main file, so the damage below hits data.
    rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let len = std::fs::metadata(&db).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(len / 2 / 4096 * 4096))
        .unwrap();
    f.write_all(&[0x5a; 8192]).unwrap();
    drop(f);

    let out = env.once();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(stderr.contains("tina-session db recover"), "{stderr}");
    let err = daemon::start(&env.config).unwrap_err();
    assert!(
        matches!(err, daemon::DaemonError::ExitedEarly { .. }),
        "{err}"
    );
}

/// `daemon status` of a daemon whose heartbeat reports a problem: unhealthy, with why;
/// and `start` leaves it alone (a restart cannot free the disk).
#[test]
fn an_unhealthy_daemon_says_so_and_why() {
    let env = Env::new();
    let _stop = StopOnDrop(&env);
    daemon::start(&env.config).unwrap();
    let pid = daemon::status(&env.config).unwrap().pid.unwrap();
    // Hold the daemon still, and publish the heartbeat it writes when its store is full.
    let target = nix::unistd::Pid::from_raw(pid as i32);
    nix::sys::signal::kill(target, Signal::SIGSTOP).unwrap();
    let mut hb = daemon::read_heartbeat(&env.config).unwrap();
    hb.updated_at = now_ms();
    hb.problem = Some(daemon::DaemonProblem {
        kind: daemon::ProblemKind::DiskFull,
        detail: "database tina.db is full (database or disk is full)".into(),
        since: now_ms() - 5_000,
    });
    std::fs::write(
        daemon::heartbeat_path(&env.config),
        serde_json::to_vec(&hb).unwrap(),
    )
    .unwrap();
    let st = daemon::status(&env.config).unwrap();
    assert_eq!(st.state, DaemonState::Unhealthy);
    assert!(st.running);
    assert_eq!(st.problem.unwrap().kind, daemon::ProblemKind::DiskFull);
    let again = daemon::start(&env.config).unwrap();
    assert!(matches!(again, daemon::StartOutcome::AlreadyRunning { .. }));
    nix::sys::signal::kill(target, Signal::SIGCONT).unwrap();
}

/// A start-up scan that stops making progress (here: its store write waits behind a
/// writer that holds the lock) is not reported as "started": `daemon start` fails,
/// naming the log, once the daemon's heartbeat stops.
#[test]
fn daemon_start_does_not_report_started_while_its_scan_is_stuck() {
    let env = Env::new();
    let _stop = StopOnDrop(&env);
    let (_, lead, _) = env.orchestration("stuck", 0);
    env.write_task(&lead.team_name, "1", "waits", "pending");
    let writer = rusqlite::Connection::open(env.config.db_path()).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let result = daemon::start(&env.config);
    writer.execute_batch("ROLLBACK").unwrap();
    let err = result.expect_err("reported started while its scan was stuck");
    assert!(
        matches!(err, daemon::DaemonError::ScanStuck { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("daemon.log"), "{err}");
}

/// `tina.db` replaced under the running daemon: it notices (without a write to make),
/// reports itself unhealthy naming the file, and writes into neither file.
#[test]
fn a_store_replaced_under_the_daemon_makes_it_unhealthy_and_stop_writing() {
    let env = Env::new();
    let _stop = StopOnDrop(&env);
    let (orch, lead, _) = env.orchestration("replaced", 0);
    daemon::start(&env.config).unwrap();
    env.write_task(&lead.team_name, "1", "before", "pending");
    env.wait_task(&orch, &lead, "1", "before", "pending");

    let db = env.config.db_path();
    let other = env.config.tina_home.join("other.db");
    std::fs::copy(&db, &other).unwrap();
    std::fs::rename(&other, &db).unwrap();
    wait_for("the daemon to report the replaced store", || {
        daemon::status(&env.config).is_ok_and(|st| {
            st.state == DaemonState::Unhealthy
                && st.problem.as_ref().is_some_and(|p| {
                    p.kind == daemon::ProblemKind::StoreReplaced
                        && p.detail.contains(&db.display().to_string())
                })
        })
    });
    let revision = tina_session::store::sqlite::SqliteStore::open(&db)
        .unwrap()
        .revision()
        .unwrap();
    env.write_task(&lead.team_name, "2", "after", "pending");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let now = tina_session::store::sqlite::SqliteStore::open(&db)
        .unwrap()
        .revision()
        .unwrap();
    assert_eq!(now, revision, "the daemon wrote into the new file");
    assert!(
        env.log()
            .contains("replaced while this process had it open")
    );
}
