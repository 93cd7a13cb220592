//! The coverage a run plans with: the stored stats while nothing under `mutants/` changed (no
//! Python is started), else a new stats pass (pytest) or reach pass (a test command).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::coverage::{self, Coverage, StatsFile};
use crate::domain::error::{Error, Result};
use crate::domain::hash::sha256_hex;
use crate::execute::suite::{self, LazySuite, Suite};
use crate::execute::test_command::{self, TestCommand};
use crate::execute::worker::PytestCommand;
use crate::generate::slash_path;
use crate::workspace::Workspace;
use crate::workspace::MUTANTS_DIR;

/// The coverage for this run, or `None` when the run was interrupted before it was known.
pub fn learn(
    ws: &Workspace,
    suite: &mut LazySuite,
    interrupted: &AtomicBool,
) -> Result<Option<Coverage>> {
    let inputs = inputs_hash(ws)?;
    let watched = watched_files_sha256(ws)?;
    say_when_watched_files_changed(ws, watched.as_deref());
    if let Some(stats) = coverage::reusable(&ws.mutants_dir, &inputs) {
        return Ok(Some(Coverage::of(ws, watch(stats, watched.as_deref()))));
    }
    let coverage = match suite.get()? {
        Suite::Command(command) => reach_pass(ws, command, &inputs, interrupted)?,
        Suite::Pytest(pytest) => Some(stats_pass(ws, pytest, &inputs, interrupted)?),
    };
    Ok(coverage.map(|stats| Coverage::of(ws, watch(stats, watched.as_deref()))))
}

/// The hash that decides whether stored stats still hold: the files under `mutants/` (but
/// `cache_invalidation_exclude`'s, unless `cache_invalidation_files` names them, and the debug
/// log) and what
/// [`suite::stats_args`] adds.
pub fn inputs_hash(ws: &Workspace) -> Result<String> {
    let config = &ws.config;
    let mut builder = GlobSetBuilder::new();
    for pattern in &config.cache_invalidation_exclude {
        builder.add(glob("cache_invalidation_exclude", pattern, false)?);
    }
    let exclude = builder.build().map_err(|e| Error::usage(e.to_string()))?;
    let watched = watched_globs(ws)?;
    let log_file = ws.log_file_in_mutants().map(|rel| slash_path(&rel));
    Ok(coverage::inputs_hash(
        &ws.mutants_dir,
        &suite::stats_args(ws),
        |rel| (exclude.is_match(rel) && !watched.is_match(rel)) || Some(rel) == log_file.as_deref(),
    ))
}

/// `cache_invalidation_files`: every stored verdict depends on these files' content. A hash of
/// them (relative path and bytes, sorted), or `None` when the key is not set.
fn watched_files_sha256(ws: &Workspace) -> Result<Option<String>> {
    if ws.config.cache_invalidation_files.is_empty() {
        return Ok(None);
    }
    let watched = watched_globs(ws)?;
    let mut all = Vec::new();
    for rel in watched_files(&ws.root, &watched) {
        let path = ws.root.join(&rel);
        all.extend(rel.as_bytes());
        all.push(0);
        all.extend(std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?);
        all.push(0);
    }
    Ok(Some(sha256_hex(&all)))
}

/// The files of the project (not `mutants/`, not `.git/`) `watched` matches, relative and
/// `/`-separated, sorted.
fn watched_files(root: &Path, watched: &GlobSet) -> Vec<String> {
    if watched.is_empty() {
        return Vec::new();
    }
    let mut files: Vec<String> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() != 1 || (e.file_name() != MUTANTS_DIR && e.file_name() != ".git")
        })
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = slash_path(e.path().strip_prefix(root).ok()?);
            watched.is_match(&rel).then_some(rel)
        })
        .collect();
    files.sort();
    files
}

/// `cache_invalidation_files` as globs over paths from the project root, as `pathlib`'s glob
/// reads them (`*` within one folder, `**` across folders).
fn watched_globs(ws: &Workspace) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for pattern in &ws.config.cache_invalidation_files {
        builder.add(glob("cache_invalidation_files", pattern, true)?);
    }
    builder.build().map_err(|e| Error::usage(e.to_string()))
}

fn glob(key: &str, pattern: &str, literal_separator: bool) -> Result<Glob> {
    GlobBuilder::new(pattern)
        .literal_separator(literal_separator)
        .build()
        .map_err(|e| {
            Error::usage(format!(
                "{key}: `{pattern}` is not a valid glob: {}",
                e.kind()
            ))
        })
}

/// Says so when the `cache_invalidation_files` changed since the last run (their hash is kept in
/// `mutants/.mutrun/watched_sha256`): `--explain` then names the killing or covering tests as
/// changed.
fn say_when_watched_files_changed(ws: &Workspace, watched: Option<&str>) {
    let path = ws.mutants_dir.join(".mutrun").join("watched_sha256");
    let Some(watched) = watched else {
        let _ = std::fs::remove_file(&path);
        return;
    };
    if let Ok(before) = std::fs::read_to_string(&path) {
        if before.trim() != watched {
            crate::info!(
                "a file `cache_invalidation_files` names changed: every stored verdict \
                 that ran tests is tested again"
            );
        }
    }
    let _ = crate::domain::atomic::write_atomic(&path, watched.as_bytes());
}

/// Stats whose tests' hashes also hold the `cache_invalidation_files` hash: a change of those
/// files changes every verdict's `tests_sha256` and `killer_sha256`, so each is tested again.
fn watch(mut stats: StatsFile, watched: Option<&str>) -> StatsFile {
    if let Some(watched) = watched {
        for test in &mut stats.tests {
            test.sha256 = sha256_hex(format!("{}\n{watched}", test.sha256).as_bytes());
        }
    }
    stats
}

/// Test-command mode's stats pass: which functions the command reaches at all.
fn reach_pass(
    ws: &Workspace,
    command: &TestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<Option<StatsFile>> {
    let t = Instant::now();
    crate::info!("reach pass: running the test command once to see which functions it reaches");
    let sources: Vec<_> = ws.project.sources.iter().map(|s| s.path.clone()).collect();
    let test_side = test_command::test_side_sha256(&command.name, &ws.mutants_dir, &sources);
    let Some(mut stats) =
        test_command::reach_pass(command, &ws.mutants_dir, test_side, interrupted)?
    else {
        return Ok(None);
    };
    stats.inputs_sha256 = inputs.to_string();
    coverage::save(&ws.mutants_dir, &stats)?;
    crate::info!(
        "reach pass done: {} functions reached in {:.1} s",
        stats.tests.first().map_or(0, |t| t.functions.len()),
        t.elapsed().as_secs_f64()
    );
    Ok(Some(stats))
}

fn stats_pass(
    ws: &Workspace,
    pytest: &PytestCommand,
    inputs: &str,
    interrupted: &AtomicBool,
) -> Result<StatsFile> {
    let t = Instant::now();
    crate::info!("stats pass: running the tests once to see which reach which functions");
    let compiling = BytecodeCompile::start(ws, pytest, interrupted);
    let stats = coverage::run_stats_pass(pytest, &ws.mutants_dir, inputs, interrupted);
    drop(compiling);
    let mut stats = stats?;
    let pass = t.elapsed().as_secs_f64();
    coverage::lines::map_traced(
        &mut stats,
        &ws.root,
        &ws.mutants_dir,
        &ws.settings(),
        &ws.project.sources,
    );
    coverage::save(&ws.mutants_dir, &stats)?;
    crate::info!(
        "stats pass done: {} tests in {pass:.1} s",
        stats.tests.len()
    );
    Ok(stats)
}

/// The trampolined sources compiled to bytecode beside the stats pass, on a core it leaves idle:
/// the stats pass is the first process to import them, and compiling a module that holds every
/// variant of its functions is a large part of its time (`compile()` of isodate's trampolined
/// files takes 0.32 s, of marshmallow's 0.62 s). The stats pass imports what is compiled by then
/// from the cache; both write each `.pyc` atomically, so a module both compile is only work done
/// twice. Not on one core, where the two would take turns.
struct BytecodeCompile<'a> {
    child: std::process::Child,
    interrupted: &'a AtomicBool,
}

impl<'a> BytecodeCompile<'a> {
    fn start(
        ws: &Workspace,
        pytest: &PytestCommand,
        interrupted: &'a AtomicBool,
    ) -> Option<BytecodeCompile<'a>> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores < 2 || ws.project.sources.is_empty() {
            return None;
        }
        // Largest first: the stats pass imports the package after its own start-up (about a
        // quarter of a second), by when the module it would take longest to compile is done.
        let mut files: Vec<PathBuf> = ws
            .project
            .sources
            .iter()
            .map(|s| ws.mutants_dir.join(&s.path))
            .collect();
        files.sort_by_cached_key(|path| {
            std::cmp::Reverse(std::fs::metadata(path).map_or(0, |m| m.len()))
        });
        // Only a speed-up: a compiler that cannot start leaves the compiling to the import.
        let child = pytest.compile_files(&files).spawn().ok()?;
        Some(BytecodeCompile { child, interrupted })
    }
}

impl Drop for BytecodeCompile<'_> {
    /// Waits for it (it ends before the stats pass on any real suite), so no process outlives the
    /// stats pass; on Ctrl-C, ends it first.
    fn drop(&mut self) {
        if self.interrupted.load(Ordering::SeqCst) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
