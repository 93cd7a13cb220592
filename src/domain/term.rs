//! Terminal conventions every command shares: colour (`--color`, `NO_COLOR`), how much goes to
//! stderr (`-q`, `-v`), messages in one style (`mutrun: error: …`, `mutrun: warning: …`,
//! `mutrun: …`), and stdout that ends quietly when its reader goes away (`mutrun list | head`).
//!
//! `main` calls [`init`] once from the global flags; every stage prints through the macros
//! below ([`info!`](crate::info), [`detail!`](crate::detail), [`warning!`](crate::warning),
//! [`out!`](crate::out), [`outln!`](crate::outln)) instead of `eprintln!`/`println!`.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicI8, AtomicU8, Ordering};

/// `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and `NO_COLOR` is not set (to a non-empty value).
    #[default]
    Auto,
    Always,
    Never,
}

/// How much mutrun says on stderr: `-q` (errors, warnings and what was asked for), the default
/// (progress and what each step did), `-v` (also timings of each step and the commands started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

static COLOR: AtomicU8 = AtomicU8::new(0);
static VERBOSITY: AtomicI8 = AtomicI8::new(0);

/// Sets the process-wide choices (from the global flags); before it is called they are `auto`
/// and normal.
pub fn init(color: ColorChoice, verbosity: Verbosity) {
    COLOR.store(
        match color {
            ColorChoice::Auto => 0,
            ColorChoice::Always => 1,
            ColorChoice::Never => 2,
        },
        Ordering::Relaxed,
    );
    VERBOSITY.store(
        match verbosity {
            Verbosity::Quiet => -1,
            Verbosity::Normal => 0,
            Verbosity::Verbose => 1,
        },
        Ordering::Relaxed,
    );
}

pub fn color_choice() -> ColorChoice {
    match COLOR.load(Ordering::Relaxed) {
        1 => ColorChoice::Always,
        2 => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        i8::MIN..=-1 => Verbosity::Quiet,
        0 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// `NO_COLOR` set to anything but the empty string (<https://no-color.org>).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether to colour a stream that is (`is_terminal`) or is not a terminal.
pub fn color_for(is_terminal: bool) -> bool {
    match color_choice() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color_env(),
    }
}

/// Colour on stdout (diffs of `show`).
pub fn color_stdout() -> bool {
    color_for(std::io::stdout().is_terminal())
}

/// Colour on stderr (the progress bar, `error:` and `warning:`).
pub fn color_stderr() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// `text` in the SGR style `code` (e.g. `"1;31"`) when `on`.
pub fn paint(text: &str, code: &str, on: bool) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `mutrun: error: MESSAGE` on stderr, always.
pub fn error(message: impl fmt::Display) {
    let label = paint("error:", "1;31", color_stderr());
    eprintln!("mutrun: {label} {message}");
}

/// `mutrun: warning: MESSAGE` on stderr, always (`-q` too: a warning is something to act on).
pub fn warning(args: fmt::Arguments) {
    let label = paint("warning:", "1;33", color_stderr());
    eprintln!("mutrun: {label} {args}");
}

/// `mutrun: MESSAGE` on stderr, unless `-q`: what a step did, progress.
pub fn info(args: fmt::Arguments) {
    if verbosity() >= Verbosity::Normal {
        eprintln!("mutrun: {args}");
    }
}

/// `mutrun: MESSAGE` on stderr with `-v` only: timings, the commands mutrun starts, why.
pub fn detail(args: fmt::Arguments) {
    if verbosity() >= Verbosity::Verbose {
        eprintln!("mutrun: {args}");
    }
}

/// Writes to stdout. When the reader has gone (`mutrun show ID | head`), the process ends here,
/// quietly, with exit code 0: what was asked for was read as far as the reader wanted. Any other
/// write error ends it with exit code 1 and the error.
pub fn out(args: fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        stdout_failed(&e);
    }
}

fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    error(format_args!("cannot write to stdout: {e}"));
    std::process::exit(1);
}

/// [`info`] with `format!` arguments.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::domain::term::info(format_args!($($arg)*)) };
}

/// [`detail`] with `format!` arguments.
#[macro_export]
macro_rules! detail {
    ($($arg:tt)*) => { $crate::domain::term::detail(format_args!($($arg)*)) };
}

/// [`warning`] with `format!` arguments.
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::domain::term::warning(format_args!($($arg)*)) };
}

/// `print!` through [`out`]: a closed pipe ends the process quietly.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::domain::term::out(format_args!($($arg)*)) };
}

/// `println!` through [`out`]: a closed pipe ends the process quietly.
#[macro_export]
macro_rules! outln {
    () => { $crate::domain::term::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::domain::term::out(format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_only_when_on() {
        assert_eq!(paint("x", "31", false), "x");
        assert_eq!(paint("x", "31", true), "\x1b[31mx\x1b[0m");
    }
}
