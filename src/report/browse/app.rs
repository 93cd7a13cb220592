//! The browser's state machine: what is loaded, what is selected, and how each key changes it.
//! Pure apart from reading source files for diffs (lazily, once per file): no terminal, no
//! processes. Work that touches the outside (re-running mutants, writing a source file) leaves
//! as an [`Effect`] for the event loop, whose results come back through [`App::run_finished`]
//! and [`App::applied`].

use std::cell::{Cell, OnceCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::coverage::Coverage;
use crate::domain::hash::sha256_hex;
use crate::domain::mutant::{FunctionKey, MutantId};
use crate::domain::verdict::Verdict;
use crate::record::meta::{FileMeta, MutantMeta};
use crate::report::{self, Summary};

/// What a mutant shows in the lists: its valid verdict, or not run yet (also when the verdict
/// was computed for an older version of its function).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Verdict(Verdict),
    NotRun,
}

impl Status {
    /// The order statuses are counted, shown and cycled through by the filter: what needs
    /// attention first.
    pub const ORDER: [Status; 10] = [
        Status::Verdict(Verdict::Survived),
        Status::Verdict(Verdict::Timeout),
        Status::Verdict(Verdict::Crashed),
        Status::Verdict(Verdict::Suspicious),
        Status::Verdict(Verdict::NoTests),
        Status::NotRun,
        Status::Verdict(Verdict::Killed),
        Status::Verdict(Verdict::Skipped),
        Status::Verdict(Verdict::CaughtByTypeCheck),
        Status::Verdict(Verdict::Ignored),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Verdict(v) => v.name(),
            Status::NotRun => "not run",
        }
    }

    /// One letter for the per-function counts (`2S 5K`).
    pub fn letter(self) -> char {
        match self {
            Status::Verdict(Verdict::Killed) => 'K',
            Status::Verdict(Verdict::Survived) => 'S',
            Status::Verdict(Verdict::NoTests) => 'N',
            Status::Verdict(Verdict::Timeout) => 'T',
            Status::Verdict(Verdict::Crashed) => 'C',
            Status::Verdict(Verdict::Suspicious) => '?',
            Status::Verdict(Verdict::Skipped) => '-',
            Status::Verdict(Verdict::Ignored) => 'I',
            Status::Verdict(Verdict::CaughtByTypeCheck) => 'Y',
            Status::NotRun => 'P',
        }
    }

    fn index(self) -> usize {
        Status::ORDER.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// How many mutants have each status, in [`Status::ORDER`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [usize; 10]);

impl Counts {
    fn add(&mut self, status: Status) {
        self.0[status.index()] += 1;
    }

    pub fn get(&self, status: Status) -> usize {
        self.0[status.index()]
    }

    /// The non-zero counts, in [`Status::ORDER`].
    pub fn nonzero(&self) -> impl Iterator<Item = (Status, usize)> + '_ {
        Status::ORDER
            .iter()
            .map(|s| (*s, self.get(*s)))
            .filter(|(_, n)| *n > 0)
    }
}

/// The original source file of a `.meta`, as the diff view needs it.
#[derive(Debug, Clone)]
pub enum SourceText {
    /// The file as the mutants were generated from.
    Current(String),
    /// The file changed since (edited, or a mutant was applied): offsets no longer fit.
    Changed,
    /// It cannot be read (the message says why).
    Unreadable(String),
}

/// One `.meta` file with what the lists need precomputed.
pub struct FileData {
    pub meta: FileMeta,
    /// Per mutant (same index as `meta.mutants`).
    pub statuses: Vec<Status>,
    /// Per function (same index as `meta.functions`): its mutants' indices, in catalog order.
    pub by_function: Vec<Vec<usize>>,
    pub function_counts: Vec<Counts>,
    pub counts: Counts,
    source: OnceCell<SourceText>,
}

impl FileData {
    pub fn new(meta: FileMeta) -> FileData {
        let index: HashMap<&FunctionKey, usize> = meta
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| (&f.key, i))
            .collect();
        let mut by_function = vec![Vec::new(); meta.functions.len()];
        let mut function_counts = vec![Counts::default(); meta.functions.len()];
        let mut counts = Counts::default();
        let mut statuses = Vec::with_capacity(meta.mutants.len());
        for (i, mutant) in meta.mutants.iter().enumerate() {
            let status =
                report::current_verdict(&meta, mutant).map_or(Status::NotRun, Status::Verdict);
            statuses.push(status);
            counts.add(status);
            if let Some(&f) = index.get(&mutant.function) {
                by_function[f].push(i);
                function_counts[f].add(status);
            }
        }
        FileData {
            meta,
            statuses,
            by_function,
            function_counts,
            counts,
            source: OnceCell::new(),
        }
    }

    /// Gives the source text directly (tests; or a caller that already read it).
    pub fn with_source(self, text: SourceText) -> FileData {
        let _ = self.source.set(text);
        self
    }
}

/// A mutant: (file index, mutant index in that file's catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MutantRef {
    pub file: usize,
    pub mutant: usize,
}

/// A row of the left list: a file, or one function in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    File(usize),
    Function(usize, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Functions,
    Mutants,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query after `/`.
    Search,
    /// Waiting for y/n before applying this mutant to the source.
    ConfirmApply(MutantRef),
    /// Waiting for y/N before marking equivalent a mutant the tests kill (almost always a slip).
    ConfirmMark(MutantRef),
}

/// What the bottom (or right) pane shows for the selected mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Diff,
    Tests,
    /// The output of the last re-run.
    Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Good,
    Bad,
}

/// A key press, independent of the terminal library (see `input.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Left,
    Right,
    Enter,
    Esc,
    Tab,
    Backspace,
    Char(char),
    /// Ctrl-C.
    Interrupt,
}

/// A `mutrun run` of some mutants, started by `r` (one mutant) or `R` (its function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// The id or glob passed to `mutrun run`.
    pub pattern: String,
    /// What the status line calls it.
    pub label: String,
    /// The file whose `.meta` to reload when it ends.
    pub file: usize,
    pub ids: Vec<MutantId>,
}

/// How a re-run ended, as the event loop saw it.
pub struct RunEnded {
    /// The exit code of `mutrun run` (None: killed by a signal, or could not start).
    pub code: Option<i32>,
    /// The file's `.meta` read again (None when it could not be read; the message says why).
    pub meta: Result<FileMeta, String>,
    /// The stats read again (a run may have redone the stats pass).
    pub coverage: Option<Coverage>,
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    Run(RunRequest),
    Apply(MutantRef),
    /// Record this mutant as equivalent in the project's marks file.
    MarkEquivalent(MutantRef),
}

pub struct App {
    /// The project root: sources are read from here, re-runs run here.
    pub root: PathBuf,
    pub files: Vec<FileData>,
    pub coverage: Option<Coverage>,
    pub summary: Summary,
    pub rows: Vec<Row>,
    pub row_sel: usize,
    pub row_offset: Cell<usize>,
    /// The mutants of the selected row that pass the filter and search.
    pub mutants: Vec<MutantRef>,
    pub mutant_sel: usize,
    pub mutant_offset: Cell<usize>,
    pub focus: Focus,
    pub mode: Mode,
    pub pane: Pane,
    pub pane_scroll: u16,
    /// `None`: every status.
    pub filter: Option<Status>,
    pub search: String,
    pub status: Option<(String, Tone)>,
    /// The re-run in progress, and the ones waiting for it.
    pub running: Option<RunRequest>,
    pub queue: VecDeque<RunRequest>,
    /// Output lines of the current or last re-run.
    pub output: Vec<String>,
    /// Re-run mutants stay listed, with their new verdict, until the filter or search changes.
    pinned: HashSet<MutantId>,
    /// Rows of the lists the view last drew (for page up/down).
    pub list_height: Cell<usize>,
    pub quit: bool,
}

impl App {
    pub fn new(root: PathBuf, files: Vec<FileData>, coverage: Option<Coverage>) -> App {
        let mut app = App {
            root,
            files,
            coverage,
            summary: Summary::default(),
            rows: Vec::new(),
            row_sel: 0,
            row_offset: Cell::new(0),
            mutants: Vec::new(),
            mutant_sel: 0,
            mutant_offset: Cell::new(0),
            focus: Focus::Functions,
            mode: Mode::Normal,
            pane: Pane::Diff,
            pane_scroll: 0,
            filter: None,
            search: String::new(),
            status: None,
            running: None,
            queue: VecDeque::new(),
            output: Vec::new(),
            pinned: HashSet::new(),
            list_height: Cell::new(10),
            quit: false,
        };
        app.resummarise();
        app.recompute();
        if app.summary.total > 0 && app.summary.pending == app.summary.total {
            app.set_status(
                "no verdicts yet: press R to run the selected function's mutants, or quit and run `mutrun run`",
                Tone::Info,
            );
        }
        app
    }

    fn resummarise(&mut self) {
        self.summary = Summary::of(self.files.iter().flat_map(|f| {
            f.statuses.iter().map(|s| match s {
                Status::Verdict(v) => Some(*v),
                Status::NotRun => None,
            })
        }));
    }

    pub fn set_status(&mut self, text: impl Into<String>, tone: Tone) {
        self.status = Some((text.into(), tone));
    }

    pub fn mutant(&self, r: MutantRef) -> Option<(&FileData, &MutantMeta)> {
        let file = self.files.get(r.file)?;
        Some((file, file.meta.mutants.get(r.mutant)?))
    }

    pub fn status_of(&self, r: MutantRef) -> Status {
        self.files
            .get(r.file)
            .and_then(|f| f.statuses.get(r.mutant))
            .copied()
            .unwrap_or(Status::NotRun)
    }

    /// Whether `id` is being re-run (`Some(true)`) or waits its turn (`Some(false)`).
    pub fn run_state(&self, id: &MutantId) -> Option<bool> {
        if self.running.as_ref().is_some_and(|r| r.ids.contains(id)) {
            Some(true)
        } else if self.queue.iter().any(|r| r.ids.contains(id)) {
            Some(false)
        } else {
            None
        }
    }

    pub fn selected_row(&self) -> Option<Row> {
        self.rows.get(self.row_sel).copied()
    }

    pub fn selected_mutant(&self) -> Option<MutantRef> {
        self.mutants.get(self.mutant_sel).copied()
    }

    /// The functions' key of a row, for keeping the selection across reloads.
    fn row_key(&self, row: Row) -> (usize, Option<FunctionKey>) {
        match row {
            Row::File(f) => (f, None),
            Row::Function(f, i) => (
                f,
                self.files
                    .get(f)
                    .and_then(|d| d.meta.functions.get(i))
                    .map(|m| m.key.clone()),
            ),
        }
    }

    fn mutant_visible(&self, r: MutantRef) -> bool {
        let Some((file, mutant)) = self.mutant(r) else {
            return false;
        };
        if self.pinned.contains(&mutant.id) {
            return true;
        }
        if let Some(filter) = self.filter {
            if self.status_of(r) != filter {
                return false;
            }
        }
        if self.search.is_empty() {
            return true;
        }
        let query = self.search.to_lowercase();
        [
            mutant.id.as_str(),
            file.meta.source.as_str(),
            mutant.operator.name(),
            mutant.original.as_str(),
            mutant.replacement.as_str(),
        ]
        .iter()
        .any(|text| text.to_lowercase().contains(&query))
    }

    fn row_mutants(&self, row: Row) -> Vec<MutantRef> {
        let (file, indices): (usize, Box<dyn Iterator<Item = usize>>) = match row {
            Row::File(f) => (
                f,
                Box::new(0..self.files.get(f).map_or(0, |d| d.meta.mutants.len())),
            ),
            Row::Function(f, i) => (
                f,
                Box::new(
                    self.files
                        .get(f)
                        .and_then(|d| d.by_function.get(i))
                        .cloned()
                        .unwrap_or_default()
                        .into_iter(),
                ),
            ),
        };
        indices
            .map(|mutant| MutantRef { file, mutant })
            .filter(|r| self.mutant_visible(*r))
            .collect()
    }

    /// Rebuilds both lists after the data, the filter or the search changed, keeping the
    /// selected row and mutant when they are still listed.
    fn recompute(&mut self) {
        let keep_row = self.selected_row().map(|r| self.row_key(r));
        let keep_mutant = self
            .selected_mutant()
            .and_then(|r| self.mutant(r))
            .map(|(_, m)| m.id.clone());
        let mut rows = Vec::new();
        for (f, file) in self.files.iter().enumerate() {
            let visible: Vec<usize> = (0..file.by_function.len())
                .filter(|i| {
                    file.by_function[*i].iter().any(|m| {
                        self.mutant_visible(MutantRef {
                            file: f,
                            mutant: *m,
                        })
                    })
                })
                .collect();
            if visible.is_empty() {
                continue;
            }
            rows.push(Row::File(f));
            rows.extend(visible.into_iter().map(|i| Row::Function(f, i)));
        }
        self.rows = rows;
        if let Some(key) = keep_row {
            if let Some(pos) = self.rows.iter().position(|r| self.row_key(*r) == key) {
                self.row_sel = pos;
            } else if let Some(pos) = self.rows.iter().position(|r| self.row_key(*r).0 == key.0) {
                self.row_sel = pos;
            }
        }
        self.row_sel = self.row_sel.min(self.rows.len().saturating_sub(1));
        self.refresh_mutants(keep_mutant);
    }

    fn refresh_mutants(&mut self, keep: Option<MutantId>) {
        self.mutants = self
            .selected_row()
            .map(|r| self.row_mutants(r))
            .unwrap_or_default();
        let found = keep.and_then(|id| {
            self.mutants
                .iter()
                .position(|r| self.mutant(*r).is_some_and(|(_, m)| m.id == id))
        });
        self.mutant_sel = found
            .unwrap_or(self.mutant_sel)
            .min(self.mutants.len().saturating_sub(1));
        if self.mutants.is_empty() && self.focus == Focus::Mutants {
            self.focus = Focus::Functions;
        }
    }

    /// The row selection moved: list that row's mutants from the top.
    fn row_changed(&mut self) {
        self.mutant_sel = 0;
        self.mutant_offset.set(0);
        self.pane_scroll = 0;
        self.refresh_mutants(None);
    }

    fn move_by(&mut self, delta: isize) {
        let (len, sel) = match self.focus {
            Focus::Functions => (self.rows.len(), self.row_sel),
            Focus::Mutants => (self.mutants.len(), self.mutant_sel),
        };
        if len == 0 {
            return;
        }
        let target = (sel as isize + delta).clamp(0, len as isize - 1) as usize;
        if target == sel {
            return;
        }
        match self.focus {
            Focus::Functions => {
                self.row_sel = target;
                self.row_changed();
            }
            Focus::Mutants => {
                self.mutant_sel = target;
                self.pane_scroll = 0;
            }
        }
    }

    /// The statuses the filter cycles through: every status some mutant has.
    fn filter_choices(&self) -> Vec<Option<Status>> {
        let mut total = Counts::default();
        for file in &self.files {
            for (i, n) in file.counts.0.iter().enumerate() {
                total.0[i] += n;
            }
        }
        std::iter::once(None)
            .chain(total.nonzero().map(|(s, _)| Some(s)))
            .collect()
    }

    fn cycle_filter(&mut self, forward: bool) {
        let choices = self.filter_choices();
        let at = choices.iter().position(|c| *c == self.filter).unwrap_or(0);
        let n = choices.len();
        let next = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.filter = choices.get(next).copied().flatten();
        self.pinned.clear();
        self.recompute();
        let shown: usize = self.rows_mutant_total();
        let what = self.filter.map_or("every status", |s| s.name());
        self.set_status(format!("filter: {what} ({shown} mutants)"), Tone::Info);
    }

    fn rows_mutant_total(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r, Row::File(_)))
            .map(|r| self.row_mutants(*r).len())
            .sum()
    }

    /// Handles one key; returns what the event loop must do.
    pub fn on_key(&mut self, key: Key) -> Effect {
        if key == Key::Interrupt {
            self.quit = true;
            return Effect::Quit;
        }
        match self.mode {
            Mode::Search => {
                self.search_key(key);
                Effect::None
            }
            Mode::ConfirmApply(r) => self.confirm_key(key, r),
            Mode::ConfirmMark(r) => self.confirm_mark_key(key, r),
            Mode::Normal => self.normal_key(key),
        }
    }

    fn search_key(&mut self, key: Key) {
        match key {
            Key::Enter => self.mode = Mode::Normal,
            Key::Esc => {
                self.mode = Mode::Normal;
                self.search.clear();
                self.recompute();
            }
            Key::Backspace => {
                self.search.pop();
                self.pinned.clear();
                self.recompute();
            }
            Key::Char(c) => {
                self.search.push(c);
                self.pinned.clear();
                self.recompute();
            }
            Key::Up | Key::Down => {
                self.mode = Mode::Normal;
                self.normal_key(key);
            }
            _ => {}
        }
    }

    fn confirm_key(&mut self, key: Key, r: MutantRef) -> Effect {
        match key {
            Key::Char('y') | Key::Char('Y') => {
                self.mode = Mode::Normal;
                Effect::Apply(r)
            }
            Key::Char('n') | Key::Char('N') | Key::Esc | Key::Char('q') => {
                self.mode = Mode::Normal;
                self.set_status("apply cancelled", Tone::Info);
                Effect::None
            }
            _ => Effect::None,
        }
    }

    /// y marks; n, esc, q or enter (the default, No) cancel.
    fn confirm_mark_key(&mut self, key: Key, r: MutantRef) -> Effect {
        match key {
            Key::Char('y') | Key::Char('Y') => {
                self.mode = Mode::Normal;
                Effect::MarkEquivalent(r)
            }
            Key::Char('n') | Key::Char('N') | Key::Esc | Key::Char('q') | Key::Enter => {
                self.mode = Mode::Normal;
                self.set_status("not marked", Tone::Info);
                Effect::None
            }
            _ => Effect::None,
        }
    }

    /// `e`: marks the selected mutant equivalent; one the tests kill (or that timed out) only
    /// after a y/N question in the status line.
    fn ask_mark(&mut self) -> Effect {
        let Some(r) = self.selected_mutant() else {
            self.set_status("no mutant selected", Tone::Bad);
            return Effect::None;
        };
        match self.status_of(r) {
            Status::Verdict(Verdict::Ignored) => {
                self.set_status(
                    "already marked equivalent (`mutrun unmark ID` undoes it)",
                    Tone::Info,
                );
                Effect::None
            }
            Status::Verdict(verdict @ (Verdict::Killed | Verdict::Timeout)) => {
                let id = self
                    .mutant(r)
                    .map_or(String::new(), |(_, m)| m.id.to_string());
                self.set_status(
                    format!(
                        "{id} is {verdict}: the tests tell it from the original, so it is not \
                         equivalent. Mark it anyway? y/N"
                    ),
                    Tone::Bad,
                );
                self.mode = Mode::ConfirmMark(r);
                Effect::None
            }
            _ => Effect::MarkEquivalent(r),
        }
    }

    fn normal_key(&mut self, key: Key) -> Effect {
        let page = self.list_height.get().max(1) as isize;
        match key {
            Key::Up | Key::Char('k') => self.move_by(-1),
            Key::Down | Key::Char('j') => self.move_by(1),
            Key::PageUp => self.move_by(-page),
            Key::PageDown => self.move_by(page),
            Key::Home | Key::Char('g') => self.move_by(isize::MIN / 2),
            Key::End | Key::Char('G') => self.move_by(isize::MAX / 2),
            Key::Enter | Key::Right | Key::Char('l') => {
                if self.focus == Focus::Functions && !self.mutants.is_empty() {
                    self.focus = Focus::Mutants;
                } else if self.focus == Focus::Mutants {
                    self.pane = Pane::Diff;
                }
            }
            Key::Esc | Key::Left | Key::Char('h') => {
                if self.focus == Focus::Mutants {
                    self.focus = Focus::Functions;
                } else if !self.search.is_empty() {
                    self.search.clear();
                    self.pinned.clear();
                    self.recompute();
                }
            }
            Key::Tab => {
                self.focus = match self.focus {
                    Focus::Functions if !self.mutants.is_empty() => Focus::Mutants,
                    _ => Focus::Functions,
                }
            }
            Key::Char('f') => self.cycle_filter(true),
            Key::Char('F') => self.cycle_filter(false),
            Key::Char('/') => self.mode = Mode::Search,
            Key::Char('t') => self.toggle_pane(Pane::Tests),
            Key::Char('o') => self.toggle_pane(Pane::Output),
            Key::Char('d') => self.pane = Pane::Diff,
            Key::Char('J') => self.pane_scroll = self.pane_scroll.saturating_add(3),
            Key::Char('K') => self.pane_scroll = self.pane_scroll.saturating_sub(3),
            Key::Char('r') => return self.request_run(false),
            Key::Char('R') => return self.request_run(true),
            Key::Char('a') => self.ask_apply(),
            Key::Char('e') => return self.ask_mark(),
            Key::Char('q') => {
                self.quit = true;
                return Effect::Quit;
            }
            _ => {}
        }
        Effect::None
    }

    fn toggle_pane(&mut self, pane: Pane) {
        self.pane = if self.pane == pane { Pane::Diff } else { pane };
        self.pane_scroll = 0;
    }

    fn request_run(&mut self, whole_function: bool) -> Effect {
        let Some(r) = self.selected_mutant() else {
            self.set_status("no mutant selected", Tone::Bad);
            return Effect::None;
        };
        let Some((file, mutant)) = self.mutant(r) else {
            return Effect::None;
        };
        let request = if whole_function {
            let ids = file
                .meta
                .mutants
                .iter()
                .filter(|m| m.function == mutant.function)
                .map(|m| m.id.clone())
                .collect();
            RunRequest {
                pattern: format!("{}:*", glob_escape(mutant.function.as_str())),
                label: format!("{} (function)", mutant.function),
                file: r.file,
                ids,
            }
        } else {
            RunRequest {
                pattern: glob_escape(mutant.id.as_str()),
                label: mutant.id.to_string(),
                file: r.file,
                ids: vec![mutant.id.clone()],
            }
        };
        if self.run_state(&mutant.id).is_some() && !whole_function {
            self.set_status(format!("{} is already queued", mutant.id), Tone::Info);
            return Effect::None;
        }
        // Keep the listed ones listed while their verdicts change under the filter.
        let listed: Vec<MutantId> = self
            .mutants
            .iter()
            .filter_map(|r| self.mutant(*r))
            .map(|(_, m)| m.id.clone())
            .filter(|id| request.ids.contains(id))
            .collect();
        self.pinned.extend(listed);
        if self.running.is_some() {
            self.set_status(
                format!("queued {} (after the re-run in progress)", request.label),
                Tone::Info,
            );
            self.queue.push_back(request);
            return Effect::None;
        }
        self.start(request.clone());
        Effect::Run(request)
    }

    fn start(&mut self, request: RunRequest) {
        self.output.clear();
        self.set_status(format!("re-running {} …", request.label), Tone::Info);
        self.running = Some(request);
    }

    /// A line of the running re-run's output.
    pub fn run_output(&mut self, line: String) {
        if let Some(running) = &self.running {
            if !line.trim().is_empty() {
                let text = format!("re-running {} … {}", running.label, line.trim());
                self.status = Some((text, Tone::Info));
            }
        }
        self.output.push(line);
    }

    /// The re-run ended: its file's verdicts are replaced in place. Returns the next queued
    /// re-run, which the caller starts.
    pub fn run_finished(&mut self, ended: RunEnded) -> Option<RunRequest> {
        let request = self.running.take()?;
        if ended.coverage.is_some() {
            self.coverage = ended.coverage;
        }
        let failed = ended.code != Some(0);
        match ended.meta {
            Ok(meta) => {
                if let Some(slot) = self.files.get_mut(request.file) {
                    *slot = FileData::new(meta);
                }
                self.resummarise();
                self.recompute();
            }
            Err(message) => self.set_status(message, Tone::Bad),
        }
        if failed {
            let last = self
                .output
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .unwrap_or_default();
            let code = ended
                .code
                .map_or("a signal".to_string(), |c| format!("exit {c}"));
            self.set_status(
                format!("re-run of {} failed ({code}): {last}", request.label),
                Tone::Bad,
            );
            self.pane = Pane::Output;
            self.pane_scroll = 0;
        } else {
            let verdicts = self.verdicts_of(&request.ids);
            let tone = if verdicts.contains("survived") {
                Tone::Bad
            } else {
                Tone::Good
            };
            self.set_status(format!("re-ran {}: {verdicts}", request.label), tone);
        }
        let next = self.queue.pop_front()?;
        self.start(next.clone());
        Some(next)
    }

    /// `survived` for one mutant; `2 killed, 1 survived` for several.
    fn verdicts_of(&self, ids: &[MutantId]) -> String {
        let wanted: HashSet<&MutantId> = ids.iter().collect();
        let mut counts = Counts::default();
        let mut found = 0;
        for file in &self.files {
            for (m, status) in file.meta.mutants.iter().zip(&file.statuses) {
                if wanted.contains(&m.id) {
                    counts.add(*status);
                    found += 1;
                }
            }
        }
        if found == 0 {
            return "no longer in the catalog (its source changed)".to_string();
        }
        if ids.len() == 1 {
            if let Some((status, _)) = counts.nonzero().next() {
                return status.name().to_string();
            }
        }
        counts
            .nonzero()
            .map(|(s, n)| format!("{n} {}", s.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ask_apply(&mut self) {
        let Some(r) = self.selected_mutant() else {
            self.set_status("no mutant selected", Tone::Bad);
            return;
        };
        if self.running.is_some() {
            self.set_status(
                "wait for the re-run to finish before applying a mutant",
                Tone::Bad,
            );
            return;
        }
        if let SourceText::Changed = self.source(r.file) {
            let source = self
                .files
                .get(r.file)
                .map_or("", |f| f.meta.source.as_str());
            self.set_status(
                format!(
                    "{source} changed since its mutants were generated; run `mutrun run` first"
                ),
                Tone::Bad,
            );
            return;
        }
        self.mode = Mode::ConfirmApply(r);
    }

    /// The result of an apply the event loop performed.
    /// The mark `e` asked for was written (or not): a marked mutant shows as ignored at once.
    pub fn marked(&mut self, r: MutantRef, result: Result<String, String>) {
        match result {
            Ok(message) => {
                if let Some(slot) = self.files.get_mut(r.file) {
                    let mut meta = slot.meta.clone();
                    let hash = meta
                        .mutants
                        .get(r.mutant)
                        .and_then(|m| meta.function(&m.function).map(|f| f.sha256.clone()));
                    if let (Some(mutant), Some(hash)) = (meta.mutants.get_mut(r.mutant), hash) {
                        mutant.verdict =
                            Some(crate::plan::marks::ignored_record("marked in browse", hash));
                    }
                    let source = std::mem::take(&mut slot.source);
                    *slot = FileData::new(meta);
                    slot.source = source;
                }
                self.resummarise();
                self.recompute();
                self.set_status(message, Tone::Good);
            }
            Err(message) => self.set_status(message, Tone::Bad),
        }
    }

    pub fn applied(&mut self, r: MutantRef, result: Result<String, String>) {
        match result {
            Ok(message) => {
                if let Some(file) = self.files.get_mut(r.file) {
                    file.source = OnceCell::new();
                }
                self.set_status(message, Tone::Good);
            }
            Err(message) => self.set_status(message, Tone::Bad),
        }
    }

    /// The original source of file `f`, read on first use.
    pub fn source(&self, f: usize) -> &SourceText {
        static MISSING: SourceText = SourceText::Changed;
        let Some(file) = self.files.get(f) else {
            return &MISSING;
        };
        file.source
            .get_or_init(|| read_source(&self.root, &file.meta))
    }

    /// The unified diff of mutant `r` (without the `---`/`+++` header), or why there is none.
    pub fn diff(&self, r: MutantRef) -> Result<Vec<String>, String> {
        let (file, mutant) = self.mutant(r).ok_or("no such mutant")?;
        let text = match self.source(r.file) {
            SourceText::Current(text) => text,
            SourceText::Changed => {
                return Err(format!(
                "{} changed since its mutants were generated (edited, or a mutant was applied); \
                     `mutrun run` regenerates them. The stored edit, line {}: {} → {}",
                file.meta.source,
                mutant.line,
                report::one_line(&mutant.original),
                report::one_line(&mutant.replacement)
            ))
            }
            SourceText::Unreadable(message) => return Err(message.clone()),
        };
        let mutated = mutant.applied_to(text).ok_or_else(|| {
            format!(
                "the stored offsets of {} do not fit {}",
                mutant.id, file.meta.source
            )
        })?;
        let diff = report::unified_diff(&file.meta.source, text, &mutated, false);
        Ok(diff
            .lines()
            .skip_while(|l| l.starts_with("---") || l.starts_with("+++"))
            .map(str::to_string)
            .collect())
    }
}

fn read_source(root: &Path, meta: &FileMeta) -> SourceText {
    let path = root.join(&meta.source);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == meta.source_sha256 => match String::from_utf8(bytes) {
            Ok(text) => SourceText::Current(text),
            Err(_) => SourceText::Unreadable(format!("{} is not UTF-8", meta.source)),
        },
        Ok(_) => SourceText::Changed,
        Err(e) => SourceText::Unreadable(format!("cannot read {}: {e}", path.display())),
    }
}

/// A mutant id or function key as a glob matching exactly itself.
fn glob_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '*' | '?' | '[' | ']' | '{' | '}' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}
