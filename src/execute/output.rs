//! A test process's output, copied into its log file as it comes, with the last part kept in
//! memory: when the log cannot be written (a full disk), an error message still has the output,
//! and says why the log is empty.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::error::{Error, Result};
use crate::execute::protocol::OwnFileError;

/// How much of the output is kept in memory.
const KEEP: usize = 64 * 1024;

#[derive(Default)]
struct Seen {
    tail: Vec<u8>,
    /// The first error writing the log.
    log_error: Option<std::io::Error>,
}

/// The output of one process: give it [`Self::stdout`] and [`Self::stderr`], then, once the
/// process ended, read [`Self::finish`].
pub struct CapturedOutput {
    log: PathBuf,
    seen: Arc<Mutex<Seen>>,
    done: Receiver<()>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
}

/// What a process wrote, once it ended.
pub struct Output {
    pub log: PathBuf,
    /// The last lines (at most 64 KiB), whether or not the log could be written.
    pub tail: String,
    /// Why the log could not be written, if it could not.
    pub log_error: Option<std::io::Error>,
}

impl CapturedOutput {
    /// Creates `log` (and its folder) and the pipe both of the process's outputs go to.
    pub fn new(log: &Path) -> Result<CapturedOutput> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        }
        let mut file = std::fs::File::create(log).map_err(|e| Error::io("create", log, e))?;
        let (mut reader, writer) =
            std::io::pipe().map_err(|e| Error::other(format!("cannot make a pipe: {e}")))?;
        let second = writer
            .try_clone()
            .map_err(|e| Error::other(format!("cannot make a pipe: {e}")))?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (finished, done) = channel();
        let shared = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            loop {
                let n = match reader.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let written = file.write_all(&buffer[..n]);
                let Ok(mut seen) = shared.lock() else { break };
                if let Err(e) = written {
                    seen.log_error.get_or_insert(e);
                }
                seen.tail.extend_from_slice(&buffer[..n]);
                if seen.tail.len() > 2 * KEEP {
                    let cut = seen.tail.len() - KEEP;
                    seen.tail.drain(..cut);
                }
            }
            let _ = finished.send(());
        });
        Ok(CapturedOutput {
            log: log.to_path_buf(),
            seen,
            done,
            stdout: Some(Stdio::from(writer)),
            stderr: Some(Stdio::from(second)),
        })
    }

    pub fn stdout(&mut self) -> Stdio {
        self.stdout.take().unwrap_or_else(Stdio::null)
    }

    pub fn stderr(&mut self) -> Stdio {
        self.stderr.take().unwrap_or_else(Stdio::null)
    }

    /// The output so far, once the process ended: waits up to a second for the pipe to close (a
    /// process the test started may still hold it open).
    pub fn finish(self) -> Output {
        // Our copies of the write ends, if they were never handed out, must not keep it open.
        drop(self.stdout);
        drop(self.stderr);
        let _ = self.done.recv_timeout(Duration::from_secs(1));
        let seen = match self.seen.lock() {
            Ok(mut seen) => std::mem::take(&mut *seen),
            Err(_) => Seen::default(),
        };
        let text = String::from_utf8_lossy(&seen.tail);
        let start = text.len().saturating_sub(KEEP);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        Output {
            log: self.log,
            tail: text[start..].to_string(),
            log_error: seen.log_error,
        }
    }
}

impl Output {
    /// The last `lines` lines.
    pub fn last_lines(&self, lines: usize) -> String {
        let all: Vec<&str> = self.tail.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// When the process could not write a file of its own, or its log could not be written: that
    /// OS error as mutrun's error (exit 1), naming `what` ran ("the stats pass").
    pub fn os_error(&self, what: &str) -> Option<Error> {
        if let Some(own) = OwnFileError::find_in(&self.tail) {
            return Some(Error::other(format!(
                "{what} could not write {}: {} (os error {}). Free space on that device (or \
                 make it writable) and run mutrun again.",
                own.path, own.error, own.errno
            )));
        }
        self.log_error.as_ref().map(|e| {
            Error::other(format!(
                "{what} failed, and its log {} could not be written: {e}. Free space on that \
                 device (or make it writable) and run mutrun again. Its last lines:\n{}",
                self.log.display(),
                self.last_lines(25)
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(tail: &str, log_error: Option<std::io::Error>) -> Output {
        Output {
            log: PathBuf::from("stats.log"),
            tail: tail.to_string(),
            log_error,
        }
    }

    #[test]
    fn an_own_file_error_or_an_unwritable_log_is_the_error_said() {
        let said = output(
            "E   some noise\nmutrun-own-file-error: {\"path\": \"/m/.mutrun/stats.json\", \"errno\": 28, \"error\": \"No space left on device\"}\nINTERNALERROR\n",
            None,
        )
        .os_error("the stats pass")
        .expect("an OS error");
        assert_eq!(said.exit_code().code(), 1);
        assert!(said.message().contains(
            "could not write /m/.mutrun/stats.json: No space left on device (os error 28)"
        ));

        let log_full = std::io::Error::from_raw_os_error(28);
        let said = output("collected 3 items\n", Some(log_full))
            .os_error("the stats pass")
            .expect("an OS error");
        assert!(
            said.message().contains("could not be written"),
            "{}",
            said.message()
        );
        assert!(said.message().contains("collected 3 items"));

        assert!(output("1 failed\n", None)
            .os_error("the stats pass")
            .is_none());
    }
}
