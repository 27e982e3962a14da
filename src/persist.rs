//! Durable state: the `--state-file` (a `GET /_sim/state` dump on disk), checked at
//! start, restored from, and written behind every change.
//!
//! - [`Changes`] is the dirty signal: every change marks it (`crate::sim` and
//!   `crate::pipeline` do), which costs one atomic load when it is already marked, and
//!   wakes the writer when it was not.
//! - [`write_behind`] is the writer: a task that waits for a change, then writes the
//!   whole state at most once per [`WRITE_INTERVAL`] of real time (changes in between
//!   coalesce into the next write), off the runtime's workers. A change acknowledged at
//!   time T is on disk by about T + [`WRITE_INTERVAL`] + one write.
//! - [`write_with`] is atomic and durable: a temporary file beside the target, fsync'd, renamed
//!   over it, then the directory fsync'd, so that a crash (SIGKILL, power loss) leaves the
//!   old file or the new one, whole.
//! - [`read`] refuses a file that is not a dump of this simulator, or of a version this
//!   build does not read (`crate::sim::check_format`), so that such a file is never
//!   restored over, nor overwritten; an empty file is no state yet.
//!
//! May touch: `crate::sim` (the streamed dump, the change signal, the format check).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{watch, Notify};

use crate::sim::{check_format, Core};

/// The writer's pace: at most one write per this much real time.
pub const WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// The dirty signal: set by every change, cleared by the writer before it dumps.
#[derive(Default)]
pub struct Changes {
    dirty: AtomicBool,
    wake: Notify,
}

impl Changes {
    /// Something changed. Cheap when already marked (one load), so that it can sit on
    /// the request path.
    pub fn mark(&self) {
        // SeqCst on both sides: the writer clears the mark before it dumps, so a change
        // that finds the mark set is either in that dump or marks again.
        if !self.dirty.load(Ordering::SeqCst) && !self.dirty.swap(true, Ordering::SeqCst) {
            self.wake.notify_one();
        }
    }

    /// Clears the mark: answers whether there was one.
    fn take(&self) -> bool {
        self.dirty.swap(false, Ordering::SeqCst)
    }

    /// Waits until marked (at once when it already is).
    async fn marked(&self) {
        loop {
            let notified = self.wake.notified();
            if self.dirty.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

/// A state file and the lock that keeps two writes of it apart.
pub struct StateFile {
    path: PathBuf,
    writing: Mutex<()>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        StateFile { path, writing: Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the core's state now (see [`write_with`]).
    pub fn save(&self, core: &Core) -> std::io::Result<()> {
        let _one_at_a_time = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        // Cleared before the dump: a change during it marks again and is written next.
        core.changes.take();
        write_with(&self.path, |out| core.write_dump(out, true))
    }
}

/// Whether the state can be written where `path` says, checked before anything is
/// served, so that a typo does not lose the state later.
pub fn check_writable(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err("is a directory".into());
    }
    let dir = state_dir(path);
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    let probe = temp_path(path);
    std::fs::write(&probe, b"").map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    if path.exists() {
        std::fs::OpenOptions::new().append(true).open(path).map_err(|e| format!("cannot write: {e}"))?;
    }
    Ok(())
}

/// The dump a state file holds: `None` when there is no file yet, or an empty one.
pub fn read(path: &Path) -> Result<Option<Value>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read: {e}")),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("is not a dbaas-sim state dump (not JSON: {e}); it was left as it is"))?;
    check_format(&value, true)?;
    Ok(Some(value))
}

fn state_dir(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The temporary file beside the state file: written, then renamed over it.
fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "state".into());
    state_dir(path).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes what `dump` writes to `path` atomically and durably: into a temporary file
/// beside it (through a buffer, as it goes: the state is streamed, never held whole),
/// fsync'd, renamed over it, and the directory fsync'd (so the rename itself survives a
/// crash). A failed `dump` leaves the old file as it was.
pub fn write_with(path: &Path, dump: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = (|| {
        let mut file = File::create(&tmp)?;
        {
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut file);
            dump(&mut out)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(state_dir(path))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The writer task: after each change, writes the state (at most once per
/// [`WRITE_INTERVAL`]) on a blocking thread, until `shutdown` changes. A failed write is
/// logged and tried again at the next change. The write at shutdown is the caller's.
pub async fn write_behind(core: Arc<Core>, file: Arc<StateFile>, mut shutdown: watch::Receiver<()>) {
    let mut last: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = core.changes.marked() => {}
            _ = shutdown.changed() => return,
        }
        if let Some(at) = last {
            tokio::select! {
                _ = tokio::time::sleep_until(at + WRITE_INTERVAL) => {}
                _ = shutdown.changed() => return,
            }
        }
        last = Some(tokio::time::Instant::now());
        let (core, file) = (core.clone(), file.clone());
        let path = file.path().display().to_string();
        match tokio::task::spawn_blocking(move || file.save(&core)).await {
            Ok(Ok(())) => tracing::debug!(path, "state written"),
            Ok(Err(e)) => tracing::error!(path, error = %e, "cannot write the state file"),
            Err(e) => tracing::error!(path, error = %e, "the state write did not finish"),
        }
    }
}
