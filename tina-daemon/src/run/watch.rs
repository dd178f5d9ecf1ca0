//! Watching `$CLAUDE_HOME`: the watched roots (re-watched when removed or replaced),
//! the signal thread, and the event loop that debounces changes into the engine.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Instant;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};

use super::{DEBOUNCE, MAX_DELAY, ROOT_CHECK, RunError, TICK, startup};
use crate::source::{Change, ClaudeSource};
use crate::sync::{Engine, Report};

enum Msg {
    Fs(notify::Result<notify::Event>),
    Shutdown,
}

/// Whether a notify event can mean new content. Reads (including our own) are not.
fn relevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The watched roots and the inode each had, to notice one removed or replaced.
struct Roots {
    paths: Vec<PathBuf>,
    inodes: Vec<Option<u64>>,
}

impl Roots {
    fn new(source: &ClaudeSource) -> Self {
        let paths: Vec<PathBuf> = source
            .watch_roots()
            .iter()
            .map(|p| p.to_path_buf())
            .collect();
        let inodes = vec![None; paths.len()];
        Self { paths, inodes }
    }

    /// Creates and (re-)watches any root that is new, missing or replaced. Returns true
    /// when something was (re-)watched, so the caller rescans.
    fn ensure(&mut self, watcher: &mut impl Watcher) -> Result<bool, RunError> {
        let mut changed = false;
        for (path, inode) in self.paths.iter().zip(self.inodes.iter_mut()) {
            let current = std::fs::metadata(path).ok().map(|m| m.ino());
            if current.is_some() && current == *inode {
                continue;
            }
            std::fs::create_dir_all(path).map_err(|source| RunError::Io {
                action: "create",
                path: path.clone(),
                source,
            })?;
            let _ = watcher.unwatch(path);
            watcher
                .watch(path, RecursiveMode::Recursive)
                .map_err(|source| RunError::Watch {
                    path: path.clone(),
                    source,
                })?;
            *inode = std::fs::metadata(path).ok().map(|m| m.ino());
            changed = true;
        }
        Ok(changed)
    }
}

pub(super) fn watch(engine: &mut Engine, ready: &AtomicBool) -> Result<Report, RunError> {
    let (tx, rx) = channel::<Msg>();
    let fs_tx = tx.clone();
    // Never through a directory symlink: an agent's link to /usr must add no watches.
    let mut watcher = notify::RecommendedWatcher::new(
        move |res| {
            let _ = fs_tx.send(Msg::Fs(res));
        },
        notify::Config::default().with_follow_symlinks(false),
    )
    .map_err(|source| RunError::Watch {
        path: PathBuf::new(),
        source,
    })?;
    let mut roots = Roots::new(engine.source());
    roots.ensure(&mut watcher)?;
    spawn_signal_thread(tx)?;

    engine.pulse().beat();
    let mut total = startup(engine)?;
    ready.store(true, Ordering::Relaxed);
    total += event_loop(engine, &rx, &mut watcher, &mut roots)?;
    tracing::info!(events = total.events_recorded, "tina-daemon stopped");
    Ok(total)
}

fn spawn_signal_thread(tx: Sender<Msg>) -> Result<(), RunError> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGTERM, SIGINT]).map_err(|source| RunError::Io {
            action: "install signal handlers for",
            path: PathBuf::from("SIGTERM/SIGINT"),
            source,
        })?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            tracing::info!(signal = sig, "shutting down");
            let _ = tx.send(Msg::Shutdown);
        }
    });
    Ok(())
}

fn event_loop(
    engine: &mut Engine,
    rx: &Receiver<Msg>,
    watcher: &mut impl Watcher,
    roots: &mut Roots,
) -> Result<Report, RunError> {
    let mut total = Report::default();
    let mut changes: Vec<Change> = Vec::new();
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    let mut next_tick = Instant::now() + TICK;
    let mut next_root_check = Instant::now() + ROOT_CHECK;
    let mut rescan = false;
    let mut shutdown = false;
    while !shutdown {
        // Each pass says the loop is alive; the heartbeat thread follows it.
        engine.pulse().beat();
        let now = Instant::now();
        let wake = match first {
            Some(first) => (last + DEBOUNCE).min(first + MAX_DELAY).min(next_tick),
            None => next_tick,
        };
        match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(Msg::Fs(Ok(event))) => {
                if event.need_rescan() {
                    rescan = true;
                }
                if relevant(&event.kind) {
                    let before = changes.len();
                    changes.extend(
                        event
                            .paths
                            .iter()
                            .filter_map(|p| engine.source().classify(p)),
                    );
                    if changes.len() > before {
                        first.get_or_insert_with(Instant::now);
                        last = Instant::now();
                    }
                }
            }
            Ok(Msg::Fs(Err(e))) => {
                tracing::warn!(error = %e, "file watcher error; rescanning");
                rescan = true;
            }
            Ok(Msg::Shutdown) | Err(RecvTimeoutError::Disconnected) => shutdown = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        if let Some(f) = first
            && (shutdown || now >= last + DEBOUNCE || now >= f + MAX_DELAY)
        {
            first = None;
            let batch = std::mem::take(&mut changes);
            total += engine.apply(batch)?;
        }
        if shutdown {
            break;
        }
        if now >= next_root_check {
            next_root_check = now + ROOT_CHECK;
            engine.check_store();
            if roots.ensure(watcher)? {
                tracing::info!("a watched directory was re-created; rescanning");
                rescan = true;
            }
        }
        if rescan {
            rescan = false;
            total += engine.full_scan()?;
        }
        if now >= next_tick {
            next_tick = now + TICK;
            total += engine.tick()?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::LOOP_FRESH_MS;
    use crate::state::StateDb;
    use tina_session::Config;
    use tina_session::daemon as control;

    #[test]
    fn each_pass_of_the_event_loop_beats_the_pulse() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        std::fs::create_dir_all(&config.tina_home).unwrap();
        let store = config.open_store().unwrap();
        let state = StateDb::open(&control::state_path(&config)).unwrap();
        let mut engine = Engine::new(store, ClaudeSource::new(&config.claude_home), state);
        let stale = engine.pulse().last() - 60_000;
        engine.pulse().set_for_test(stale);

        let (tx, rx) = channel();
        tx.send(Msg::Shutdown).unwrap();
        let mut watcher = notify::NullWatcher;
        let mut roots = Roots::new(engine.source());
        event_loop(&mut engine, &rx, &mut watcher, &mut roots).unwrap();
        assert!(engine.pulse().last() > stale + LOOP_FRESH_MS);
    }
}
