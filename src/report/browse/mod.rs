//! `mutrun browse`: a terminal browser of the stored verdicts. Loads the `.meta` files (and the
//! stats, for the covering tests) and nothing else, so it starts at once on large projects.
//! `app.rs` holds the state and what each key does, `view.rs` draws it, `input.rs` reads keys;
//! this file owns the terminal (restored on every exit path: return, panic, signal), re-runs
//! mutants with `mutrun run` in the background, and applies mutants to the source.

pub mod app;
pub mod input;
pub mod view;

#[cfg(test)]
mod tests;

use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Once;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::coverage::{self, Coverage};
use crate::domain::atomic::write_atomic;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::hash::sha256_hex;
use crate::plan::marks::{self, Marks};
use crate::record::meta::{self, FileMeta, MutantMeta};
use crate::workspace::MUTANTS_DIR;

use app::{App, Effect, FileData, RunEnded, RunRequest};

/// Reads every `.meta` under `root/mutants/` and the stats. An error that says how to start a run
/// when there is nothing to browse.
pub fn load(root: &Path) -> Result<App> {
    let mutants_dir = root.join(MUTANTS_DIR);
    let paths = meta::find_all(&mutants_dir);
    let mut metas = Vec::new();
    let mut warnings = Vec::new();
    for path in &paths {
        match meta::read(path) {
            Ok(Some(meta)) => metas.push(meta),
            Ok(None) => {}
            Err(e) => warnings.push(e.to_string()),
        }
    }
    let stale = Marks::load(root)?.overlay(&mut metas);
    warnings.extend(marks::stale_warnings(&stale));
    let files: Vec<FileData> = metas.into_iter().map(FileData::new).collect();
    if files.is_empty() {
        let mut message = format!(
            "nothing to browse: no mutation results in {} yet.\n\
             Start a run with `mutrun run` in {} (it generates the mutants and tests each one), \
             then run `mutrun browse` again.",
            mutants_dir.display(),
            root.display()
        );
        if let Some(first) = warnings.first() {
            message.push_str(&format!("\n({} unreadable: {first})", warnings.len()));
        }
        return Err(Error::usage(message));
    }
    let coverage = coverage::read(&mutants_dir).map(Coverage::new);
    let mut app = App::new(root.to_path_buf(), files, coverage);
    if let Some(first) = warnings.first() {
        app.set_status(
            format!("{} warnings: {first}", warnings.len()),
            app::Tone::Bad,
        );
    }
    Ok(app)
}

/// `mutrun browse`. `run_args` are passed on to every `mutrun run` a re-run starts (the
/// interpreter and paths the user gave `browse`).
pub fn browse(dir: &Path, run_args: Vec<String>) -> Result<ExitCode> {
    let root = dir.canonicalize().map_err(|e| {
        Error::usage(format!(
            "cannot use {} as the project root: {e}",
            dir.display()
        ))
    })?;
    let mut app = load(&root)?;
    if !std::io::stdout().is_terminal() {
        return Err(Error::usage(
            "mutrun browse needs a terminal; `mutrun results` prints the survivors as text",
        ));
    }
    let session =
        Session::start().map_err(|e| Error::other(format!("cannot set up the terminal: {e}")))?;
    let outcome = event_loop(&mut app, &root, &run_args);
    drop(session);
    let runner_left = outcome?;
    if let Some(runner) = runner_left {
        crate::info!("stopping the re-run in progress (its finished verdicts are kept)");
        runner.stop();
    }
    Ok(ExitCode::Success)
}

/// The running child's pid, for the signal handler (0: none).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// Leaves raw mode and the alternate screen; safe to call more than once.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// The terminal in raw mode on the alternate screen, for as long as this lives. Whatever ends
/// the browser — a return, an error, a panic (the hook), a signal (the handler) — restores it.
struct Session;

impl Session {
    fn start() -> std::io::Result<Session> {
        static HOOKS: Once = Once::new();
        HOOKS.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_terminal();
                previous(info);
            }));
            // Raw mode turns Ctrl-C into a key, but `kill`, a closed terminal (SIGHUP) or a
            // SIGTERM still end the process: restore the terminal and stop the re-run first.
            let _ = ctrlc::set_handler(|| {
                restore_terminal();
                let pid = CHILD.load(Ordering::SeqCst);
                if pid > 0 {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                }
                std::process::exit(ExitCode::Interrupted.code());
            });
        });
        terminal::enable_raw_mode()?;
        let session = Session;
        crossterm::execute!(std::io::stdout(), EnterAlternateScreen)?;
        Ok(session)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Runs until the user quits; returns the re-run still in progress, if any, to be stopped
/// once the terminal is restored.
fn event_loop(app: &mut App, root: &Path, run_args: &[String]) -> Result<Option<Runner>> {
    let io = |e: std::io::Error| Error::other(format!("terminal error: {e}"));
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(io)?;
    terminal.clear().map_err(io)?;
    let mut runner: Option<Runner> = None;
    let mut dirty = true;
    // `--color never`, NO_COLOR: bold and reverse video only.
    let color = crate::domain::term::color_stdout();
    loop {
        if dirty {
            terminal
                .draw(|frame| {
                    view::draw(frame, app);
                    if !color {
                        view::without_color(frame.buffer_mut());
                    }
                })
                .map_err(io)?;
            dirty = false;
        }
        if let Some(run) = &mut runner {
            while let Ok(line) = run.lines.try_recv() {
                app.run_output(line);
                dirty = true;
            }
            if let Some(code) = run.finished() {
                // The rest of its output: the pipes close when it exits.
                let deadline = Instant::now() + Duration::from_millis(500);
                while let Ok(line) = run
                    .lines
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    app.run_output(line);
                }
                let ended = RunEnded {
                    code,
                    meta: reload(root, &app.files, run.file),
                    coverage: coverage::read(&root.join(MUTANTS_DIR)).map(Coverage::new),
                };
                runner = None;
                CHILD.store(0, Ordering::SeqCst);
                if let Some(next) = app.run_finished(ended) {
                    runner = start_run(app, root, run_args, next);
                }
                dirty = true;
            }
        }
        if !event::poll(Duration::from_millis(50)).map_err(io)? {
            continue;
        }
        match event::read().map_err(io)? {
            Event::Key(key) => {
                let Some(key) = input::key(key) else {
                    continue;
                };
                dirty = true;
                match app.on_key(key) {
                    Effect::None => {}
                    Effect::Quit => return Ok(runner),
                    Effect::Run(request) => runner = start_run(app, root, run_args, request),
                    Effect::Apply(r) => {
                        let result = match app.mutant(r) {
                            Some((file, mutant)) => apply(root, &file.meta, mutant),
                            None => Err("no such mutant".to_string()),
                        };
                        app.applied(r, result);
                    }
                    Effect::MarkEquivalent(r) => {
                        let result = match app.mutant(r) {
                            Some((file, mutant)) => mark_equivalent(root, &file.meta, mutant),
                            None => Err("no such mutant".to_string()),
                        };
                        app.marked(r, result);
                    }
                }
            }
            Event::Resize(..) => {
                terminal.autoresize().map_err(io)?;
                dirty = true;
            }
            _ => {}
        }
        if app.quit {
            return Ok(runner);
        }
    }
}

/// Starts `request`; when `mutrun run` cannot even start, the app hears it ended at once.
fn start_run(
    app: &mut App,
    root: &Path,
    run_args: &[String],
    request: RunRequest,
) -> Option<Runner> {
    let mut request = Some(request);
    loop {
        let current = request.take()?;
        match Runner::spawn(root, run_args, &current) {
            Ok(runner) => return Some(runner),
            Err(e) => {
                app.run_output(format!("cannot start `mutrun run`: {e}"));
                let meta = reload(root, &app.files, current.file);
                request = app.run_finished(RunEnded {
                    code: None,
                    meta,
                    coverage: None,
                });
            }
        }
    }
}

fn reload(root: &Path, files: &[FileData], file: usize) -> std::result::Result<FileMeta, String> {
    let source = files
        .get(file)
        .map(|f| f.meta.source.clone())
        .ok_or("no such file")?;
    let path = meta::meta_path(&root.join(MUTANTS_DIR), Path::new(&source));
    match meta::read(&path) {
        Ok(Some(meta)) => {
            let mut metas = vec![meta];
            if let Ok(marks) = Marks::load(root) {
                marks.overlay(&mut metas);
            }
            metas.pop().ok_or_else(|| "no such file".to_string())
        }
        Ok(None) => Err(format!(
            "{} is gone or from another mutrun version",
            path.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// A `mutrun run` in the background, its output arriving line by line.
struct Runner {
    child: Child,
    lines: Receiver<String>,
    file: usize,
}

impl Runner {
    fn spawn(root: &Path, run_args: &[String], request: &RunRequest) -> std::io::Result<Runner> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("-C")
            .arg(root)
            // The pattern goes first: after `--` would be a test command (test-command mode).
            .args(["run", request.pattern.as_str(), "--rerun", "--no-progress"])
            .args(run_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        CHILD.store(child.id() as i32, Ordering::SeqCst);
        let (send, lines) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            forward_lines(out, send.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward_lines(err, send);
        }
        Ok(Runner {
            child,
            lines,
            file: request.file,
        })
    }

    /// The exit code once the child ended (`Some(None)`: ended by a signal).
    fn finished(&mut self) -> Option<Option<i32>> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.code()),
            Ok(None) => None,
            Err(_) => Some(None),
        }
    }

    /// SIGTERM (mutrun saves what it finished and stops its workers), then SIGKILL after 10 s.
    fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward_lines(stream: impl Read + Send + 'static, send: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
}

/// Writes `mutant` into its original source file, refusing when that file changed since the
/// mutants were generated (the stored offsets would land in the wrong place). Same rule as
/// `mutrun apply`.
pub fn apply(
    root: &Path,
    file: &FileMeta,
    mutant: &MutantMeta,
) -> std::result::Result<String, String> {
    let path = root.join(&file.source);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if sha256_hex(&bytes) != file.source_sha256 {
        return Err(format!(
            "{} changed since its mutants were generated; run `mutrun run` and check the mutant before applying it",
            file.source
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", file.source))?;
    let mutated = mutant.applied_to(&text).ok_or_else(|| {
        format!(
            "the stored offsets of {} do not fit {}",
            mutant.id, file.source
        )
    })?;
    write_atomic(&path, mutated.as_bytes()).map_err(|e| e.to_string())?;
    Ok(format!(
        "applied {} to {}:{} (`git diff` shows it)",
        mutant.id, file.source, mutant.line
    ))
}

/// `e`: records `mutant` as equivalent in the project's marks file, with a reason to edit there.
pub fn mark_equivalent(
    root: &Path,
    file: &FileMeta,
    mutant: &MutantMeta,
) -> std::result::Result<String, String> {
    let key = file.key_of(mutant).ok_or("no such mutant")?;
    let mut all = Marks::load(root).map_err(|e| e.to_string())?;
    all.insert(key, "marked in mutrun browse".to_string());
    all.save(root).map_err(|e| e.to_string())?;
    Ok(format!(
        "marked {} equivalent in {} (edit its reason there; `mutrun unmark {}` undoes it)",
        mutant.id,
        marks::MARKS_FILE,
        mutant.id
    ))
}
