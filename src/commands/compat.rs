//! mutmut 3.8's commands on mutrun's data: `print-time-estimates`, `export-cicd-stats` (the same
//! JSON, in the same place), `badge`; mutmut-style mutant ids recognised with a pointer to
//! mutrun's; and `completions`.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use clap::CommandFactory;
use serde::Serialize;

use crate::cli::{Cli, Shell};
use crate::coverage::learn::learn;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::domain::verdict::Verdict;
use crate::execute::suite::LazySuite;
use crate::plan::prefilter;
use crate::plan::select::Selector;
use crate::record::Recorder;
use crate::report::Summary;
use crate::workspace::{print_generate_report, Workspace, MUTANTS_DIR};

/// Where `export-cicd-stats` writes, under `mutants/` (mutmut's name).
pub const CICD_STATS_FILE: &str = "mutmut-cicd-stats.json";

/// `mutrun print-time-estimates [ID-OR-GLOB…]`: as mutmut's, each mutant's worst case (every
/// test that reaches its function runs: the summed durations from the stats pass), shortest
/// first, `<no tests>` for a mutant no test reaches. The stats pass runs first when there are
/// no valid stats.
pub fn print_time_estimates(ws: &Workspace, patterns: &[String]) -> Result<ExitCode> {
    let selector = Selector::new(patterns)?;
    let generated = ws.prepare()?;
    print_generate_report(&generated);
    let recorder = Recorder::load_project(ws);
    prefilter::prepare_stats(ws);
    let mut suite = LazySuite::new(ws);
    let Some(coverage) = learn(ws, &mut suite, &AtomicBool::new(false))? else {
        return Ok(ExitCode::Interrupted);
    };
    let mut rows: Vec<(f64, usize, &str)> = recorder
        .mutants()
        .filter(|(_, m)| selector.matches(&m.id))
        .map(|(_, m)| {
            let tests = coverage.tests_for(&m.function);
            let seconds: f64 = tests.iter().map(|t| t.duration).sum();
            (seconds, tests.len(), m.id.as_str())
        })
        .collect();
    if rows.is_empty() && !patterns.is_empty() {
        return Err(Error::usage(format!(
            "no mutant matches {}; `mutrun list` shows the ids",
            patterns.join(" ")
        )));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(b.2)));
    let mut text = String::new();
    for (seconds, tests, id) in &rows {
        if *tests == 0 {
            text.push_str(&format!("<no tests>  {id}\n"));
        } else {
            text.push_str(&format!("{:>9.1} ms  {id}\n", seconds * 1000.0));
        }
    }
    crate::out!("{text}");
    let total: f64 = rows.iter().map(|r| r.0).sum();
    let untested = rows.iter().filter(|r| r.1 == 0).count();
    let workers = ws.config.workers.unwrap_or_else(num_cpus::get).max(1);
    crate::info!(
        "{} mutants, {untested} with no tests: at most {total:.1} s of tests in all, about \
         {:.1} s on {workers} workers (a killed mutant stops at its first failing test)",
        rows.len(),
        total / workers as f64
    );
    Ok(ExitCode::Success)
}

/// mutmut's `mutmut-cicd-stats.json`: its nine fields with their meanings, then mutrun's own.
#[derive(Debug, Serialize, PartialEq)]
pub struct CicdStats {
    pub killed: usize,
    pub survived: usize,
    /// Every mutant, whatever its verdict (or none yet).
    pub total: usize,
    pub no_tests: usize,
    /// `skipped` and `ignored` (marked equivalent): the mutants mutmut's score formula leaves out.
    pub skipped: usize,
    pub suspicious: usize,
    pub timeout: usize,
    /// mutrun records no such verdict: an interrupted mutant is `not_checked`.
    pub check_was_interrupted_by_user: usize,
    /// `crashed`: the test process died from a signal.
    pub segfault: usize,
    pub caught_by_type_check: usize,
    pub not_checked: usize,
    pub ignored: usize,
    /// mutrun's mutation score in percent (`null` with no judged mutant).
    pub score: Option<f64>,
    pub covered_score: Option<f64>,
}

impl CicdStats {
    pub fn of(summary: &Summary) -> CicdStats {
        let percent = |s: Option<f64>| s.map(|s| (s * 10000.0).round() / 100.0);
        CicdStats {
            killed: summary.count(Verdict::Killed),
            survived: summary.count(Verdict::Survived),
            total: summary.total,
            no_tests: summary.count(Verdict::NoTests),
            skipped: summary.count(Verdict::Skipped) + summary.count(Verdict::Ignored),
            suspicious: summary.count(Verdict::Suspicious),
            timeout: summary.count(Verdict::Timeout),
            check_was_interrupted_by_user: 0,
            segfault: summary.count(Verdict::Crashed),
            caught_by_type_check: summary.count(Verdict::CaughtByTypeCheck),
            not_checked: summary.pending,
            ignored: summary.count(Verdict::Ignored),
            score: percent(summary.score),
            covered_score: percent(summary.covered_score),
        }
    }
}

/// JSON indented by four spaces, as Python's `json.dump(..., indent=4)` writes it.
fn python_style_json(value: &impl Serialize) -> Result<String> {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value
        .serialize(&mut ser)
        .map_err(|e| Error::other(format!("cannot write JSON: {e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `mutrun export-cicd-stats`: the stored verdicts' counts in `mutants/mutmut-cicd-stats.json`.
pub fn export_cicd_stats(mutants_dir: &Path) -> Result<ExitCode> {
    let files = super::stored_results(mutants_dir)?;
    let summary = Summary::of(files.iter().flat_map(|f| {
        f.mutants
            .iter()
            .map(move |m| crate::report::current_verdict(f, m))
    }));
    let path = mutants_dir.join(CICD_STATS_FILE);
    let json = python_style_json(&CicdStats::of(&summary))?;
    crate::domain::atomic::write_atomic(&path, json.as_bytes())?;
    crate::info!(
        "saved CI/CD stats to {MUTANTS_DIR}/{CICD_STATS_FILE} ({} mutants)",
        summary.total
    );
    Ok(ExitCode::Success)
}

/// mutmut's badge colour: red (0%) through yellow to green (100%), as `#rrggbb`.
pub fn score_color(score: f64) -> String {
    let hue = score.clamp(0.0, 100.0) / 100.0 * (120.0 / 360.0);
    let (r, g, b) = hls_to_rgb(hue, 0.5, 1.0);
    let byte = |v: f64| (v * 255.0).round_ties_even() as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// Python's `colorsys.hls_to_rgb`.
fn hls_to_rgb(h: f64, l: f64, s: f64) -> (f64, f64, f64) {
    let m2 = if l <= 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let m1 = 2.0 * l - m2;
    let v = |hue: f64| {
        let hue = hue.rem_euclid(1.0);
        if hue < 1.0 / 6.0 {
            m1 + (m2 - m1) * hue * 6.0
        } else if hue < 0.5 {
            m2
        } else if hue < 2.0 / 3.0 {
            m1 + (m2 - m1) * (2.0 / 3.0 - hue) * 6.0
        } else {
            m1
        }
    };
    (v(h + 1.0 / 3.0), v(h), v(h - 1.0 / 3.0))
}

#[derive(Serialize)]
struct Badge<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    label: &'a str,
    message: String,
    color: String,
}

/// `mutrun badge --output FILE`: a Shields endpoint badge from `export-cicd-stats`'s file. The
/// score is mutrun's (`score`) when the file has it, else mutmut's formula on its counts.
pub fn badge(input: &Path, output: &Path, label: &str) -> Result<ExitCode> {
    let text = std::fs::read_to_string(input).map_err(|e| {
        Error::usage(format!(
            "cannot read {}: {e}; run `mutrun export-cicd-stats` first",
            input.display()
        ))
    })?;
    let stats: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{} does not hold valid JSON: {e}", input.display())))?;
    let count = |key: &str| stats.get(key).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let score = match stats.get("score").and_then(|v| v.as_f64()) {
        Some(score) => score,
        None => {
            let tested = count("total") - count("skipped");
            if tested <= 0.0 {
                0.0
            } else {
                (count("killed") + count("timeout")) / tested * 100.0
            }
        }
    };
    let badge = Badge {
        schema_version: 1,
        label,
        message: format!("{score:.1}%"),
        color: score_color(score),
    };
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
    }
    let json = python_style_json(&badge)? + "\n";
    std::fs::write(output, json).map_err(|e| Error::io("write", output, e))?;
    crate::info!("saved the mutation badge to {}", output.display());
    Ok(ExitCode::Success)
}

/// A mutmut 3 mutant name as mutrun sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct MutmutName<'a> {
    /// `pkg.mod` (mutmut's module: `src.` and `.__init__` left out, as in mutrun's).
    pub module: &'a str,
    /// mutrun's function key: `pkg.mod.func`, `pkg.mod.Class.method`.
    pub function: String,
    /// mutmut's number of the mutant in that function (not mutrun's).
    pub number: &'a str,
}

/// Reads a mutmut 3 mutant name (`pkg.mod.x_func__mutmut_3`,
/// `pkg.mod.xǁClassǁmethod__mutmut_3`).
pub fn mutmut_name(id: &str) -> Option<MutmutName<'_>> {
    let (mangled, number) = id.rsplit_once("__mutmut_")?;
    let (module, name) = mangled.rsplit_once('.').unwrap_or(("", mangled));
    let qualname = if let Some(rest) = name.strip_prefix("xǁ") {
        let (class, method) = rest.split_once('ǁ')?;
        format!("{class}.{method}")
    } else {
        name.strip_prefix("x_")?.to_string()
    };
    let function = if module.is_empty() {
        qualname
    } else {
        format!("{module}.{qualname}")
    };
    Some(MutmutName {
        module,
        function,
        number,
    })
}

/// The error for a mutmut-style id given where a mutrun id belongs: how to find the mutrun id,
/// naming the function when the project has it (with mutants, in its current source).
pub fn mutmut_id_error(ws: &Workspace, id: &str) -> Option<Error> {
    let name = mutmut_name(id)?;
    let (module, function, number) = (name.module, &name.function, name.number);
    let known = ws
        .project
        .sources
        .iter()
        .filter(|source| source.module == module)
        .filter_map(|source| super::file_mutants(ws, source).ok().flatten())
        .any(|(_, file)| {
            file.meta
                .mutants
                .iter()
                .any(|m| m.function.as_str() == function)
        });
    Some(Error::usage(if known {
        format!(
            "`{id}` is a mutmut id; mutrun's ids are `module.function:N`, numbered its own way, \
             so mutmut's mutant {number} is not mutrun's {number}. It is a mutant of {function}: \
             `mutrun list '{function}:*'` lists them, with their changes"
        )
    } else {
        format!(
            "`{id}` is a mutmut id; mutrun's ids are `module.function:N` (numbered its own way), \
             and mutrun has no mutant of {function}: `mutrun list '{module}.*'` lists the \
             mutants of {module}"
        )
    }))
}

/// `mutrun completions SHELL`: the completion script on stdout.
pub fn completions(shell: Shell) -> ExitCode {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mutrun", &mut script);
    crate::out!("{}", String::from_utf8_lossy(&script));
    ExitCode::Success
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutmut_names_map_to_function_keys() {
        assert_eq!(
            mutmut_name("pkg.mod.x_add__mutmut_3"),
            Some(MutmutName {
                module: "pkg.mod",
                function: "pkg.mod.add".to_string(),
                number: "3"
            })
        );
        let method = mutmut_name("pkg.mod.xǁCounterǁincrement__mutmut_12");
        assert_eq!(
            method.map(|n| (n.module, n.function)),
            Some(("pkg.mod", "pkg.mod.Counter.increment".to_string()))
        );
        assert_eq!(mutmut_name("pkg.mod.add:3"), None);
        assert_eq!(mutmut_name("pkg.mod.add__mutmut_3"), None);
    }

    #[test]
    fn badge_colors_follow_mutmut() {
        assert_eq!(score_color(0.0), "#ff0000");
        assert_eq!(score_color(50.0), "#ffff00");
        assert_eq!(score_color(100.0), "#00ff00");
        assert_eq!(score_color(150.0), "#00ff00");
    }

    #[test]
    fn cicd_stats_have_mutmuts_fields_first() {
        let summary = Summary::of(
            [
                Some(Verdict::Killed),
                Some(Verdict::Survived),
                Some(Verdict::Crashed),
                Some(Verdict::Ignored),
                None,
            ]
            .into_iter(),
        );
        let stats = CicdStats::of(&summary);
        assert_eq!((stats.total, stats.segfault, stats.skipped), (5, 1, 1));
        assert_eq!(stats.not_checked, 1);
        let json = python_style_json(&stats).unwrap_or_default();
        let keys: Vec<&str> = json
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(
            keys[..9],
            [
                "killed",
                "survived",
                "total",
                "no_tests",
                "skipped",
                "suspicious",
                "timeout",
                "check_was_interrupted_by_user",
                "segfault"
            ]
        );
        assert!(json.starts_with("{\n    \"killed\": 1,"));
    }
}
