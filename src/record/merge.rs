//! `mutrun merge DIR…`: brings the verdicts of other `mutants/` folders (the shards of a CI
//! matrix) into this project's, so one folder holds the whole run. A verdict is taken only for
//! the same mutant (id and edit) of a function whose source hash matches here, and only where
//! this folder has no valid verdict of its own.

use std::path::{Path, PathBuf};

use crate::coverage;
use crate::domain::error::{Error, Result};
use crate::domain::exit_code::ExitCode;
use crate::record::meta;
use crate::record::Recorder;
use crate::workspace::{print_generate_report, Workspace};

pub fn merge(ws: &Workspace, dirs: &[PathBuf]) -> Result<ExitCode> {
    let generated = ws.prepare()?;
    print_generate_report(&generated);
    let sources: Vec<PathBuf> = ws.project.sources.iter().map(|s| s.path.clone()).collect();
    let meta_paths: Vec<PathBuf> = sources
        .iter()
        .map(|s| meta::meta_path(&ws.mutants_dir, s))
        .collect();
    let (mut recorder, warnings) = Recorder::load(&meta_paths);
    for warning in warnings {
        crate::warning!("{warning}");
    }
    let inputs = coverage::learn::inputs_hash(ws)?;
    let mut have_stats = coverage::reusable(&ws.mutants_dir, &inputs).is_some();
    let mut taken = 0;
    for dir in dirs {
        let other = mutants_folder(dir)?;
        if other == ws.mutants_dir {
            continue;
        }
        for source in &sources {
            let Some(theirs) = meta::read(&meta::meta_path(&other, source))? else {
                continue;
            };
            for mutant in &theirs.mutants {
                let Some(record) = theirs.valid_verdict(mutant) else {
                    continue;
                };
                let Some((ours_file, ours)) = recorder.get(&mutant.id) else {
                    continue;
                };
                let same_edit = ours.operator == mutant.operator
                    && ours.original == mutant.original
                    && ours.replacement == mutant.replacement;
                let same_function = ours_file.function(&ours.function).map(|f| &f.sha256)
                    == Some(&record.function_sha256);
                if same_edit && same_function && ours_file.valid_verdict(ours).is_none() {
                    let id = mutant.id.clone();
                    recorder.record(&id, record.clone());
                    taken += 1;
                }
            }
        }
        // The verdicts were stamped against that run's tests: keep its stats when they describe
        // the same files as ours, so the next `mutrun run` can tell which verdicts still hold.
        if !have_stats {
            if let Some(theirs) = coverage::reusable(&other, &inputs) {
                let json = serde_json::to_vec(&theirs)
                    .map_err(|e| Error::other(format!("cannot encode stats: {e}")))?;
                crate::domain::atomic::write_atomic(&coverage::stats_path(&ws.mutants_dir), &json)?;
                have_stats = true;
            }
        }
    }
    recorder.flush()?;
    let missing = recorder
        .mutants()
        .filter(|(f, m)| f.valid_verdict(m).is_none())
        .count();
    crate::info!(
        "merged {taken} verdicts from {} folders; {missing} mutants have no verdict yet",
        dirs.len()
    );
    if !have_stats {
        crate::warning!(
            "no merged folder has test stats for these exact files; the next \
             `mutrun run` runs the stats pass and re-checks which verdicts still hold"
        );
    }
    Ok(ExitCode::Success)
}

/// `DIR` itself when it is a mutants/ folder (it has `.mutrun/`), else `DIR/mutants`.
fn mutants_folder(dir: &Path) -> Result<PathBuf> {
    let candidates = [dir.to_path_buf(), dir.join(crate::workspace::MUTANTS_DIR)];
    candidates
        .into_iter()
        .find(|c| c.join(".mutrun").is_dir())
        .and_then(|c| c.canonicalize().ok())
        .ok_or_else(|| {
            Error::usage(format!(
                "{} is not a mutants/ folder of a mutrun run (no .mutrun/ inside it or in its mutants/)",
                dir.display()
            ))
        })
}
