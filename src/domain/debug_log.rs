//! `debug` and `log_to_file`: one line per event worth following (a Python process started, a
//! verdict recorded), printed on stderr with `debug` and appended to `log_file_path` with either.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

struct DebugLog {
    print: bool,
    /// The log file; opened (and its folder created) at the first event.
    file: Option<Mutex<Option<std::fs::File>>>,
    path: PathBuf,
}

static LOG: OnceLock<DebugLog> = OnceLock::new();

/// Turns the log on for this process: `print` on stderr, and/or append to `file`. Called once,
/// when the configuration is read; later calls change nothing.
pub fn init(print: bool, file: Option<PathBuf>) {
    if !print && file.is_none() {
        return;
    }
    let _ = LOG.set(DebugLog {
        print,
        file: file.as_ref().map(|_| Mutex::new(None)),
        path: file.unwrap_or_default(),
    });
}

/// Whether events are wanted at all (so callers can skip building their message).
pub fn enabled() -> bool {
    LOG.get().is_some()
}

/// Records one event; `message` is only built when the log is on.
pub fn event(message: impl FnOnce() -> String) {
    let Some(log) = LOG.get() else { return };
    let message = message();
    if log.print {
        eprintln!("mutrun: debug: {message}");
    }
    let Some(file) = &log.file else { return };
    let Ok(mut file) = file.lock() else { return };
    if file.is_none() {
        if let Some(dir) = log.path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log.path)
        {
            Ok(opened) => *file = Some(opened),
            Err(e) => {
                crate::warning!("cannot write the log file {}: {e}", log.path.display());
                return;
            }
        }
    }
    if let Some(file) = file.as_mut() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let _ = writeln!(file, "{now:.3} [{}] {message}", std::process::id());
    }
}
