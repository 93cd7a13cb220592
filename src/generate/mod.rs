//! Generation: turns each source file into its mutant catalog and its trampolined text, and
//! writes both into `mutants/` — only for files whose source changed since the last run.

pub mod functions;
pub mod line_map;
pub mod line_patterns;
pub mod pragma;
pub mod state;
pub mod trampoline;
pub mod visit;

use std::path::{Path, PathBuf};

use crate::domain::hash::sha256_hex;
use ruff_text_size::Ranged;

use crate::domain::error::Result;
use crate::domain::lines::LineIndex;
use crate::domain::mutant::{MutantKey, Mutation};
use crate::domain::operators::OperatorSet;
use crate::record::meta::{self, FileMeta, FunctionMeta, MutantMeta, META_FORMAT};
use crate::workspace::owned::{self, Kind, Owned};
use line_patterns::LinePatterns;
use pragma::{CoverageExclusions, PragmaError, Pragmas, SkipReason};
use trampoline::PlannedFunction;

pub const MUTRUN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a source file was copied unmutated.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceProblem {
    /// Bytes that are not UTF-8 at `line`:`column` (1-based) and no coding cookie.
    NotUtf8 { line: usize, column: usize },
    /// A coding cookie other than UTF-8: the generated names and ids are written as UTF-8.
    Encoding(String),
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A misplaced `start`/`end`/`block` pragma. Unlike the others, this one stops generation
    /// (mutmut refuses such a file too): mutating the file anyway would mutate code its author
    /// asked to leave alone.
    Pragma(PragmaError),
}

impl SourceProblem {
    /// `path:line:col: what` for the warning list.
    pub fn describe(&self, path: &Path) -> String {
        match self {
            SourceProblem::NotUtf8 { line, column } => format!(
                "{}:{line}:{column}: not valid UTF-8 and no coding cookie (Python cannot import it \
                 either); copied unmutated. Save it as UTF-8, or declare its encoding on line 1 \
                 (`# -*- coding: latin-1 -*-`)",
                path.display()
            ),
            SourceProblem::Encoding(enc) => format!(
                "{}:1:1: declares encoding {enc}; mutrun mutates UTF-8 sources only, copied \
                 unmutated (save it as UTF-8 to have it mutated)",
                path.display()
            ),
            SourceProblem::Syntax {
                line,
                column,
                message,
            } => format!(
                "{}:{line}:{column}: syntax error: {message}; copied unmutated",
                path.display()
            ),
            SourceProblem::Pragma(error) => error.describe(path),
        }
    }
}

/// What generation depends on besides a file's source and the mutrun version. A change of any
/// of it regenerates every file (`mutants/.mutrun/generation` holds the last fingerprint).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateSettings {
    /// The operators mutants are generated with.
    pub operators: OperatorSet,
    /// Variants keep their annotations, for the type checker (`type_check_command`).
    pub annotate_variants: bool,
    /// Lines coverage.py is configured to exclude are left alone; `None` when they are mutated
    /// like any other.
    pub coverage_exclusions: Option<CoverageExclusions>,
    /// `do_not_mutate_patterns`: no mutant touches a line one of them matches.
    pub line_patterns: LinePatterns,
}

/// Bumped when the reading of pragmas changes, so every file is read again.
const PRAGMA_RULES: u32 = 2;

impl GenerateSettings {
    pub fn fingerprint(&self) -> String {
        let exclusions = match &self.coverage_exclusions {
            None => "none".to_string(),
            Some(e) => format!("{:?}", e.patterns),
        };
        let mut fingerprint = format!(
            "operators={}\nannotate_variants={}\npragmas={PRAGMA_RULES}\ncoverage_exclusions={exclusions}\n",
            self.operators.fingerprint(),
            self.annotate_variants
        );
        // Only when set, so fingerprints written before the setting existed still match.
        if !self.line_patterns.is_empty() {
            fingerprint.push_str(&format!(
                "do_not_mutate_patterns={:?}\n",
                self.line_patterns.fingerprint()
            ));
        }
        fingerprint
    }
}

/// A file's catalog and (when asked for) its trampolined text.
pub struct FileMutants {
    pub meta: FileMeta,
    pub rendered: Option<String>,
    /// With `rendered`: where it inserts lines into the source (`trampoline::inserted_lines`).
    pub inserted_lines: Vec<(usize, usize)>,
    /// The source lines of each trampolined function's body (first statement to last line):
    /// what runs when the function is called with no mutant active. A mutant outside them (in a
    /// default value) changes what runs when the `def` does.
    pub body_lines: Vec<(usize, usize)>,
}

/// Parses `bytes` (the file at `rel_path`, module `module`), finds every mutant, and renders the
/// trampolined module when `render` is set and the file has mutants.
pub fn analyze(
    bytes: &[u8],
    rel_path: &Path,
    module: &str,
    render: bool,
    settings: &GenerateSettings,
) -> Result<FileMutants, SourceProblem> {
    let source = std::str::from_utf8(bytes).map_err(|e| not_utf8(bytes, e.valid_up_to()))?;
    if let Some(encoding) = declared_encoding(source) {
        return Err(SourceProblem::Encoding(encoding));
    }
    let lines = LineIndex::new(source);
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let (line, column) =
            lines.position(source, usize::from(e.location.start()).min(source.len()));
        SourceProblem::Syntax {
            line,
            column,
            message: e.error.to_string(),
        }
    })?;
    let pragmas = Pragmas::scan_with(
        source,
        parsed.tokens(),
        settings.coverage_exclusions.as_ref(),
    )
    .map_err(SourceProblem::Pragma)?;
    let pattern_lines = settings.line_patterns.matching_lines(source);
    let touches_pattern_line = |m: &Mutation| {
        if pattern_lines.is_empty() {
            return false;
        }
        let first = lines.position(source, m.start).0;
        let last = lines.position(source, m.end.max(m.start + 1) - 1).0;
        (first..=last).any(|line| pattern_lines.contains(&line))
    };
    let all_sites = functions::find_all(parsed.syntax(), module, &pragmas);
    let skipped = skipped_code(source, &lines, &pragmas, &all_sites);
    let sites = all_sites.into_iter().filter(|s| s.skipped.is_none());

    let mut planned: Vec<PlannedFunction> = Vec::new();
    let mut body_lines = Vec::new();
    let mut function_metas = Vec::new();
    let mut mutant_metas = Vec::new();
    for (index, site) in sites.enumerate() {
        let found: Vec<Mutation> = visit::function_mutations(source, parsed.tokens(), site.def)
            .into_iter()
            .filter(|m| !pragmas.excludes_range(m.start, m.end))
            .filter(|m| !touches_pattern_line(m))
            .filter(|m| settings.operators.contains(m.operator))
            .collect();
        let mutations = trampoline::dedupe(source, site.def, found);
        if mutations.is_empty() {
            continue;
        }
        let def_range = site.def.range();
        if let Some(first) = site.def.body.first() {
            body_lines.push((
                lines.position(source, usize::from(first.start())).0,
                lines.position(source, usize::from(def_range.end())).0,
            ));
        }
        let sha256 =
            function_hash(&source[usize::from(def_range.start())..usize::from(def_range.end())]);
        function_metas.push(FunctionMeta {
            key: site.key.clone(),
            qualname: site.qualname.clone(),
            line: lines.position(source, usize::from(site.def.name.start())).0,
            sha256,
            keeps_state: state::keeps_state(site.def),
        });
        for (i, m) in mutations.iter().enumerate() {
            let (line, column) = lines.position(source, m.start);
            let (end_line, end_column) = lines.position(source, m.end);
            let reach = (
                lines.position(source, m.reach.0).0,
                lines.position(source, m.reach.1).0,
            );
            mutant_metas.push(MutantMeta {
                id: site.key.mutant_id(i + 1),
                function: site.key.clone(),
                operator: m.operator,
                line,
                column,
                end_line,
                end_column,
                start: m.start,
                end: m.end,
                original: source[m.start..m.end].to_string(),
                replacement: m.replacement.clone(),
                reach: (reach != (line, end_line)).then_some(reach),
                only_in_call: m.only_in_call,
                verdict: None,
            });
        }
        planned.push(PlannedFunction {
            annotate: settings.annotate_variants,
            site,
            mutations,
            index,
        });
    }
    let rendered = (render && !planned.is_empty())
        .then(|| trampoline::render_module(source, parsed.syntax(), &planned));
    let inserted_lines = match rendered {
        Some(_) => trampoline::inserted_lines(source, parsed.syntax(), &planned),
        None => Vec::new(),
    };
    Ok(FileMutants {
        inserted_lines,
        body_lines,
        meta: FileMeta {
            format: META_FORMAT,
            mutrun_version: MUTRUN_VERSION.to_string(),
            source: slash_path(rel_path),
            module: module.to_string(),
            source_sha256: sha256_hex(bytes),
            rendered_sha256: None,
            functions: function_metas,
            mutants: mutant_metas,
            skipped,
        },
        rendered,
    })
}

/// The code inside trampolinable functions that pragmas or coverage exclusions leave alone:
/// each function left alone whole, and the runs of lines left alone in the others.
fn skipped_code(
    source: &str,
    lines: &LineIndex,
    pragmas: &Pragmas,
    sites: &[functions::FunctionSite],
) -> Vec<meta::SkippedCode> {
    let mut skipped = Vec::new();
    for site in sites {
        let first = lines.line_of(usize::from(site.def.name.start()));
        let end = usize::from(site.def.range().end()).saturating_sub(1);
        let last = lines.line_of(end.max(usize::from(site.def.name.start())));
        if let Some(reason) = site.skipped {
            skipped.push(meta::SkippedCode {
                function: site.key.clone(),
                first_line: first + 1,
                last_line: last + 1,
                lines: code_lines(source, lines, first, last),
                whole_function: true,
                reason,
            });
            continue;
        }
        // (first line, last line, code lines, reason) of the current run.
        let mut run: Option<(usize, usize, usize, SkipReason)> = None;
        for line in first..=last {
            // Blank and comment-only lines hold nothing to mutate: they neither count nor split a run.
            if !is_code(source, lines, line) {
                continue;
            }
            let reason = pragmas.line_reason(line);
            match (&mut run, reason) {
                (Some((_, last_line, count, r)), Some(reason)) if *r == reason => {
                    *last_line = line;
                    *count += 1;
                }
                (_, reason) => {
                    skipped.extend(run.take().map(|run| partial(&site.key, run)));
                    run = reason.map(|r| (line, line, 1, r));
                }
            }
        }
        skipped.extend(run.map(|run| partial(&site.key, run)));
    }
    skipped
}

fn partial(
    function: &crate::domain::mutant::FunctionKey,
    (first, last, lines, reason): (usize, usize, usize, SkipReason),
) -> meta::SkippedCode {
    meta::SkippedCode {
        function: function.clone(),
        first_line: first + 1,
        last_line: last + 1,
        lines,
        whole_function: false,
        reason,
    }
}

/// The 0-based `line` holds code (not only blanks or a comment).
fn is_code(source: &str, lines: &LineIndex, line: usize) -> bool {
    let start = lines.line_start(line).min(source.len());
    let end = lines.line_start(line + 1).min(source.len());
    let text = source[start..end].trim();
    !text.is_empty() && !text.starts_with('#')
}

fn code_lines(source: &str, lines: &LineIndex, first: usize, last: usize) -> usize {
    (first..=last)
        .filter(|&line| is_code(source, lines, line))
        .count()
}

fn function_hash(def_text: &str) -> String {
    sha256_hex(format!("mutrun {MUTRUN_VERSION}\n{def_text}").as_bytes())
}

pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Why bytes that are not UTF-8 (the first bad byte at `valid_up_to`) cannot be mutated: their
/// coding cookie, else the position of that byte.
fn not_utf8(bytes: &[u8], valid_up_to: usize) -> SourceProblem {
    if let Some(encoding) = declared_encoding(&String::from_utf8_lossy(bytes)) {
        return SourceProblem::Encoding(encoding);
    }
    let valid = &bytes[..valid_up_to.min(bytes.len())];
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    SourceProblem::NotUtf8 { line, column }
}

/// The encoding named by a PEP 263 cookie on line 1 or 2, unless it is UTF-8.
fn declared_encoding(source: &str) -> Option<String> {
    for line in source.lines().take(2) {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            continue;
        }
        let Some(at) = trimmed.find("coding").map(|i| i + "coding".len()) else {
            continue;
        };
        let rest = &trimmed[at..];
        let Some(rest) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) else {
            continue;
        };
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let normalized = name.to_ascii_lowercase().replace('_', "-");
        if name.is_empty()
            || normalized == "utf-8"
            || normalized == "utf8"
            || normalized.starts_with("utf-8-")
        {
            return None;
        }
        return Some(name);
    }
    None
}

/// Keeps the verdicts of `old` for the same edits in `new`: same function, operator, edited text
/// and replacement, and the same occurrence of that change in the function (`FileMeta::mutant_keys`), so a
/// verdict follows its edit when the mutants are renumbered (another operator selection, a mutant
/// added above it) and never lands on another edit that took its id. Whether it still holds is
/// decided later from the function's hash (and the tests): a stale one is kept so
/// `run --explain` can say "function changed".
pub fn carry_verdicts(new: &mut FileMeta, old: &FileMeta) {
    let previous: std::collections::HashMap<MutantKey, &MutantMeta> =
        old.mutant_keys().into_iter().zip(&old.mutants).collect();
    let keys = new.mutant_keys();
    for (mutant, key) in new.mutants.iter_mut().zip(keys) {
        if let Some(previous) = previous.get(&key) {
            mutant.verdict = previous.verdict.clone();
        }
    }
}

/// What one generation pass did.
#[derive(Debug, Default)]
pub struct GenerateReport {
    pub files_rewritten: usize,
    pub files_unchanged: usize,
    pub files_without_mutants: usize,
    pub mutants: usize,
    /// Code inside functions left alone by pragmas and coverage exclusions.
    pub skipped: SkipCounts,
    /// One line per source file that was copied unmutated (`file:line:col: why`).
    pub problems: Vec<String>,
    /// One line per `.meta` file that could not be read (corrupt, truncated) and was recomputed.
    pub warnings: Vec<String>,
}

/// Where a source file goes in `mutants/`.
pub fn mutated_path(mutants_dir: &Path, rel_path: &Path) -> PathBuf {
    mutants_dir.join(rel_path)
}

/// Generates one file into `mutants_dir`; returns the number of mutants, or the problem that left
/// it unmutated (the original is then copied as it is), and a warning when its `.meta` was corrupt.
pub fn generate_file(
    root: &Path,
    mutants_dir: &Path,
    rel_path: &Path,
    module: &str,
    settings: &GenerateSettings,
    settings_changed: bool,
    owned: &Owned,
) -> Result<Generated> {
    let source_path = root.join(rel_path);
    let bytes = std::fs::read(&source_path)
        .map_err(|e| crate::domain::error::Error::io("read", &source_path, e))?;
    let meta_path = meta::meta_path(mutants_dir, rel_path);
    let target = mutated_path(mutants_dir, rel_path);
    let meta_rel = meta::meta_path(Path::new(""), rel_path);
    // Only what mutrun wrote is replaced: anything else at either path stops here.
    let foreign: Vec<PathBuf> = [rel_path, meta_rel.as_path()]
        .into_iter()
        .filter(|rel| {
            std::fs::symlink_metadata(mutants_dir.join(rel)).is_ok()
                && owned.owns(rel) != Some(Kind::File)
        })
        .map(Path::to_path_buf)
        .collect();
    if !foreign.is_empty() {
        return Err(owned::in_the_way(&foreign));
    }
    // A corrupt or truncated `.meta` loses only its own file's verdicts: the file is generated
    // again (its mutants run again), with a warning naming it.
    let (old, warning) = match meta::read(&meta_path) {
        Ok(old) => (old, None),
        Err(_) if owned::is_mutmut_meta(&meta_path) => {
            return Err(mutmut_meta(&meta_path));
        }
        Err(e) => (
            None,
            Some(format!(
                "{e}; its mutants are generated again and run again (other files' verdicts are kept)"
            )),
        ),
    };
    let mut warning = warning;
    let source_sha = sha256_hex(&bytes);
    if let Some(old) = &old {
        if old.source_sha256 == source_sha
            && old.mutrun_version == MUTRUN_VERSION
            && !settings_changed
        {
            // Hash only the files generation wrote: a test that writes package sources may have
            // overwritten one in mutants/ (then it is rendered again).
            let current = std::fs::read(&target).ok().map(|b| sha256_hex(&b));
            match (&current, &old.rendered_sha256) {
                (Some(now), Some(wrote)) if now == wrote => {
                    let skips = SkipCounts::of(&old.skipped);
                    return Ok((
                        match old.mutants.len() {
                            0 => FileOutcome::NoMutants(skips),
                            n => FileOutcome::Unchanged(n, skips),
                        },
                        warning,
                    ));
                }
                (Some(_), Some(_)) => {
                    warning = Some(format!(
                        "mutants/{} changed since mutrun wrote it (a test that writes package \
                         sources?); wrote its mutated copy again",
                        slash_path(rel_path)
                    ));
                }
                _ => {}
            }
        }
    }
    let generated = |outcome| Ok((outcome, warning.clone()));
    match analyze(&bytes, rel_path, module, true, settings) {
        Ok(mut file) => {
            if let Some(old) = &old {
                carry_verdicts(&mut file.meta, old);
            }
            let text = file
                .rendered
                .as_deref()
                .map_or(&bytes[..], |t| t.as_bytes());
            file.meta.rendered_sha256 = Some(sha256_hex(text));
            let previous_mtime = std::fs::metadata(&target).and_then(|m| m.modified()).ok();
            make_parents(mutants_dir, rel_path, owned)?;
            owned.will_write(rel_path, Kind::File)?;
            crate::domain::atomic::write_atomic(&target, text)?;
            advance_mtime(&target, previous_mtime)?;
            owned.will_write(&meta_rel, Kind::File)?;
            meta::write(&meta_path, &file.meta)?;
            let skips = SkipCounts::of(&file.meta.skipped);
            if file.meta.mutants.is_empty() {
                generated(FileOutcome::NoMutants(skips))
            } else {
                generated(FileOutcome::Rewritten(file.meta.mutants.len(), skips))
            }
        }
        Err(SourceProblem::Pragma(error)) => Err(crate::domain::error::Error::usage(format!(
            "{}\n(the file's pragmas must be fixed before it can be mutated; mutmut 3.8 stops on \
             it too)",
            error.describe(rel_path)
        ))),
        Err(problem) => {
            make_parents(mutants_dir, rel_path, owned)?;
            owned.will_write(rel_path, Kind::File)?;
            crate::domain::atomic::write_atomic(&target, &bytes)?;
            if meta_path.exists() {
                std::fs::remove_file(&meta_path)
                    .map_err(|e| crate::domain::error::Error::io("remove", &meta_path, e))?;
                owned.removed(&meta_rel)?;
            }
            generated(FileOutcome::Problem(problem.describe(rel_path)))
        }
    }
}

/// A `.meta` mutmut wrote where mutrun keeps its own: mutmut ran in `mutants/` after mutrun.
fn mutmut_meta(meta_path: &Path) -> crate::domain::error::Error {
    crate::domain::error::Error::usage(format!(
        "{} is mutmut's (it has mutmut's keys), not mutrun's: mutmut has run in mutants/ since \
         mutrun did, and mutrun never overwrites what it did not write, so it stopped. Keep \
         mutmut's results somewhere else (`mv mutants mutants-mutmut`), or, if you no longer need \
         them, delete them yourself (`rm -rf mutants/`); then run mutrun again",
        meta_path.display()
    ))
}

/// Creates (and records) the directories above `rel_path` in `mutants_dir` that do not exist yet
/// (the copy normally made them already).
fn make_parents(mutants_dir: &Path, rel_path: &Path, owned: &Owned) -> Result<()> {
    let Some(parent) = rel_path.parent() else {
        return Ok(());
    };
    let mut so_far = PathBuf::new();
    for part in parent.components() {
        so_far.push(part);
        let path = mutants_dir.join(&so_far);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        owned.will_write(&so_far, Kind::Dir)?;
        std::fs::create_dir(&path)
            .map_err(|e| crate::domain::error::Error::io("create directory", &path, e))?;
    }
    Ok(())
}

/// Python trusts a cached `.pyc` while the source's mtime (whole seconds) and size are unchanged,
/// and a rewrite of a trampolined file can keep its size (`+` → `-` in the source). So a rewritten
/// file's mtime must differ from the one it replaced: when both fall in the same second, the new
/// one is set a second later.
fn advance_mtime(path: &Path, previous: Option<std::time::SystemTime>) -> Result<()> {
    let Some(previous) = previous else {
        return Ok(());
    };
    let seconds = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let now = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| crate::domain::error::Error::io("stat", path, e))?;
    if seconds(now) <= seconds(previous) {
        let later = previous + std::time::Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(later))
            .map_err(|e| {
                crate::domain::error::Error::io("set the modification time of", path, e)
            })?;
    }
    Ok(())
}

/// Writes back each mutated file in `mutants/` that no longer holds what generation wrote (a
/// test that regenerates a package source overwrote it during a pass), so the processes started
/// afterwards import the trampolined code. Only files with a `.meta` are checked, by hash;
/// returns their source paths. A file whose source changed since generation is left for the
/// next run's generation.
pub fn restore<'m>(
    root: &Path,
    mutants_dir: &Path,
    metas: impl Iterator<Item = &'m FileMeta>,
    settings: &GenerateSettings,
) -> Result<Vec<PathBuf>> {
    let mut restored = Vec::new();
    for meta in metas {
        let Some(wrote) = &meta.rendered_sha256 else {
            continue;
        };
        let rel = PathBuf::from(&meta.source);
        let target = mutated_path(mutants_dir, &rel);
        if std::fs::read(&target).is_ok_and(|b| sha256_hex(&b) == *wrote) {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(&rel)) else {
            continue;
        };
        let text = match analyze(&bytes, &rel, &meta.module, true, settings) {
            Ok(file) => file.rendered.map_or(bytes, String::into_bytes),
            Err(_) => continue,
        };
        if sha256_hex(&text) != *wrote {
            continue;
        }
        let previous_mtime = std::fs::metadata(&target).and_then(|m| m.modified()).ok();
        crate::domain::atomic::write_atomic(&target, &text)?;
        advance_mtime(&target, previous_mtime)?;
        restored.push(rel);
    }
    Ok(restored)
}

/// What [`generate_file`] did to one file, and the warning about its `.meta`, if any.
pub type Generated = (FileOutcome, Option<String>);

/// The result of [`generate_file`]: mutants, and the code left alone.
#[derive(Debug)]
pub enum FileOutcome {
    Rewritten(usize, SkipCounts),
    Unchanged(usize, SkipCounts),
    NoMutants(SkipCounts),
    Problem(String),
}

/// How much code inside functions pragmas and coverage exclusions left alone.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SkipCounts {
    /// Functions left alone whole by a pragma, and lines of code in the others.
    pub pragma_functions: usize,
    pub pragma_lines: usize,
    /// The same, by coverage.py's exclusions.
    pub coverage_functions: usize,
    pub coverage_lines: usize,
}

impl SkipCounts {
    pub fn of(skipped: &[meta::SkippedCode]) -> SkipCounts {
        let mut counts = SkipCounts::default();
        for code in skipped {
            let (functions, lines) = if code.reason.is_pragma() {
                (&mut counts.pragma_functions, &mut counts.pragma_lines)
            } else {
                (&mut counts.coverage_functions, &mut counts.coverage_lines)
            };
            if code.whole_function {
                *functions += 1;
            } else {
                *lines += code.lines;
            }
        }
        counts
    }

    pub fn add(&mut self, other: SkipCounts) {
        self.pragma_functions += other.pragma_functions;
        self.pragma_lines += other.pragma_lines;
        self.coverage_functions += other.coverage_functions;
        self.coverage_lines += other.coverage_lines;
    }

    pub fn is_empty(&self) -> bool {
        *self == SkipCounts::default()
    }
}

/// Generates every `(path, module)` in `files` (paths relative to `root`) using all cores.
pub fn generate_all(
    root: &Path,
    mutants_dir: &Path,
    files: &[(PathBuf, String)],
    settings: &GenerateSettings,
    owned: &Owned,
) -> Result<GenerateReport> {
    let stamp = mutants_dir.join(".mutrun").join("generation");
    let fingerprint = settings.fingerprint();
    let changed = std::fs::read_to_string(&stamp).map_or(true, |old| old != fingerprint);
    let threads = num_cpus::get().max(1).min(files.len().max(1));
    let chunk = files.len().div_ceil(threads).max(1);
    let outcomes: Vec<Result<Vec<Generated>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(path, module)| {
                            generate_file(root, mutants_dir, path, module, settings, changed, owned)
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(crate::domain::error::Error::other(
                        "a generator thread panicked",
                    ))
                })
            })
            .collect()
    });
    let mut report = GenerateReport::default();
    for part in outcomes {
        for (outcome, warning) in part? {
            report.warnings.extend(warning);
            match outcome {
                FileOutcome::Rewritten(n, skips) => {
                    report.files_rewritten += 1;
                    report.mutants += n;
                    report.skipped.add(skips);
                }
                FileOutcome::Unchanged(n, skips) => {
                    report.files_unchanged += 1;
                    report.mutants += n;
                    report.skipped.add(skips);
                }
                FileOutcome::NoMutants(skips) => {
                    report.files_without_mutants += 1;
                    report.skipped.add(skips);
                }
                FileOutcome::Problem(line) => report.problems.push(line),
            }
        }
    }
    report.problems.sort();
    report.warnings.sort();
    if changed {
        crate::domain::atomic::write_atomic(&stamp, fingerprint.as_bytes())?;
    }
    Ok(report)
}
