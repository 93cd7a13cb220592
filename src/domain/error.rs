//! The one error type every stage returns: a message a user can act on.
//!
//! Errors are user-facing text, not a taxonomy: each says what went wrong, where (a path, a key,
//! a `file:line:col`) and, where there is one, what to do. `main` prints it and maps it to an
//! [`crate::domain::exit_code::ExitCode`].

use std::fmt;
use std::path::Path;

use crate::domain::exit_code::ExitCode;

/// A failure to report to the user, with the exit code it ends the process with.
#[derive(Debug)]
pub struct Error {
    message: String,
    exit_code: ExitCode,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error in what the user asked for or configured (exit code [`ExitCode::Usage`]).
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            exit_code: ExitCode::Usage,
        }
    }

    /// A failure of the environment or of mutrun itself (exit code [`ExitCode::Software`]).
    pub fn other(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            exit_code: ExitCode::Software,
        }
    }

    /// An error with an explicit exit code (e.g. a failed sanity pass).
    pub fn with_code(message: impl Into<String>, exit_code: ExitCode) -> Error {
        Error {
            message: message.into(),
            exit_code,
        }
    }

    /// An I/O error on `path`, naming the operation that failed.
    pub fn io(action: &str, path: &Path, err: std::io::Error) -> Error {
        Error::other(format!("cannot {action} {}: {err}", path.display()))
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn exit_code(&self) -> ExitCode {
        self.exit_code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
