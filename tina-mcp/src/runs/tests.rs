//! The daemon lease and the run registry, without running a scenario.

use std::sync::Barrier;

use tina_session::Config;

use super::*;

fn config() -> Config {
    Config::at("/nonexistent/tina", "/nonexistent/claude")
}

fn found_running(_: &Config) -> Result<bool, String> {
    Ok(false)
}

fn cannot_start(_: &Config) -> Result<bool, String> {
    Err("no tina-daemon binary (test)".into())
}

/// How many runs hold the daemon; `None` when the server has let it go.
fn holders(slot: &DaemonSlot) -> Option<usize> {
    lock_slot(slot).as_ref().map(|d| d.holders)
}

#[test]
fn a_failed_start_holds_nothing_and_releases_nothing() {
    let slot = DaemonSlot::default();
    // Run A cannot start the daemon; run B, starting later, can.
    let a = LeaseGuard::acquire_with(&slot, &config(), cannot_start);
    assert!(a.is_none());
    assert_eq!(holders(&slot), None);
    let b = LeaseGuard::acquire_with(&slot, &config(), found_running);
    assert_eq!(holders(&slot), Some(1));
    // A ending must not take B's hold with it.
    drop(a);
    assert_eq!(holders(&slot), Some(1), "run A released run B's hold");
    drop(b);
    assert_eq!(holders(&slot), None);
}

#[test]
fn later_runs_join_the_held_daemon_without_starting_another() {
    let slot = DaemonSlot::default();
    let a = LeaseGuard::acquire_with(&slot, &config(), found_running);
    let b = LeaseGuard::acquire_with(&slot, &config(), |_| panic!("started a second daemon"));
    assert_eq!(holders(&slot), Some(2));
    drop(a);
    assert_eq!(holders(&slot), Some(1));
    drop(b);
    assert_eq!(holders(&slot), None);
}

#[test]
fn a_panicking_run_releases_its_hold() {
    let slot = DaemonSlot::default();
    let outer = LeaseGuard::acquire_with(&slot, &config(), found_running);
    let in_run = slot.clone();
    let run = std::thread::spawn(move || {
        let _lease = LeaseGuard::acquire_with(&in_run, &config(), found_running);
        assert_eq!(holders(&in_run), Some(2));
        panic!("scenario run panicked (test)");
    });
    assert!(run.join().is_err());
    assert_eq!(holders(&slot), Some(1), "the panicked run kept its hold");
    drop(outer);
    assert_eq!(holders(&slot), None);
}

fn live(scenario: &str) -> Arc<Mutex<LiveRun>> {
    Arc::new(Mutex::new(LiveRun {
        scenario: scenario.into(),
        progress: VecDeque::new(),
        report: None,
        failure: None,
    }))
}

#[test]
fn a_running_scenario_is_not_registered_twice() {
    let runs = RunRegistry::default();
    let first = live("01-single-phase");
    assert_eq!(
        runs.insert_unless_running("r1", first.clone()).ok(),
        Some(Ok(()))
    );
    assert_eq!(
        runs.insert_unless_running("r2", live("01-single-phase"))
            .ok(),
        Some(Err("r1".into()))
    );
    assert!(runs.get("r2").is_none(), "the refused run was registered");
    // Another scenario may run alongside.
    assert_eq!(
        runs.insert_unless_running("r3", live("02-two-phase-refactor"))
            .ok(),
        Some(Ok(()))
    );
    // Once the first run ended, the scenario may run again.
    first.lock().expect("lock").failure = Some("ended".into());
    assert_eq!(
        runs.insert_unless_running("r4", live("01-single-phase"))
            .ok(),
        Some(Ok(()))
    );
}

#[test]
fn of_concurrent_starts_of_one_scenario_exactly_one_registers() {
    const STARTS: usize = 8;
    for round in 0..50 {
        let runs = Arc::new(RunRegistry::default());
        let barrier = Arc::new(Barrier::new(STARTS));
        let starts: Vec<_> = (0..STARTS)
            .map(|i| {
                let (runs, barrier) = (runs.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    runs.insert_unless_running(&format!("r{i}"), live("s"))
                        .is_ok_and(|r| r.is_ok())
                })
            })
            .collect();
        let registered = starts
            .into_iter()
            .map(|t| t.join().expect("join"))
            .filter(|&ok| ok)
            .count();
        assert_eq!(
            registered, 1,
            "round {round}: {registered} runs of one scenario"
        );
    }
}
