//! Keeps every `.meta` file of a run in memory, records verdicts as they arrive, and writes the
//! changed files back atomically at most once a second, so `kill -9` loses only mutants in flight.

pub mod merge;
pub mod meta;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::domain::error::Result;
use crate::domain::mutant::MutantId;
use crate::workspace::Workspace;
use meta::{FileMeta, MutantMeta, VerdictRecord};

const FLUSH_EVERY: Duration = Duration::from_secs(1);

pub struct Recorder {
    files: Vec<(PathBuf, FileMeta)>,
    index: HashMap<MutantId, (usize, usize)>,
    dirty: HashSet<usize>,
    last_flush: Instant,
}

impl Recorder {
    /// Every `.meta` file of the project's sources, loaded; a damaged one is named in a warning
    /// (generation makes it again).
    pub fn load_project(ws: &Workspace) -> Recorder {
        let meta_paths: Vec<_> = ws
            .project
            .sources
            .iter()
            .map(|s| meta::meta_path(&ws.mutants_dir, &s.path))
            .collect();
        let (recorder, warnings) = Recorder::load(&meta_paths);
        for warning in warnings {
            crate::warning!("{warning}");
        }
        recorder
    }

    /// Loads the `.meta` files at `paths`; unreadable ones are skipped with a warning line.
    pub fn load(paths: &[PathBuf]) -> (Recorder, Vec<String>) {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        for path in paths {
            match meta::read(path) {
                Ok(Some(meta)) => files.push((path.clone(), meta)),
                Ok(None) => {}
                Err(e) => warnings.push(e.to_string()),
            }
        }
        let mut index = HashMap::new();
        for (f, (_, meta)) in files.iter().enumerate() {
            for (m, mutant) in meta.mutants.iter().enumerate() {
                index.insert(mutant.id.clone(), (f, m));
            }
        }
        let recorder = Recorder {
            files,
            index,
            dirty: HashSet::new(),
            last_flush: Instant::now(),
        };
        (recorder, warnings)
    }

    /// Every mutant with its file's metadata, in file order.
    pub fn mutants(&self) -> impl Iterator<Item = (&FileMeta, &MutantMeta)> {
        self.files
            .iter()
            .flat_map(|(_, meta)| meta.mutants.iter().map(move |m| (meta, m)))
    }

    pub fn files(&self) -> impl Iterator<Item = &FileMeta> {
        self.files.iter().map(|(_, meta)| meta)
    }

    pub fn get(&self, id: &MutantId) -> Option<(&FileMeta, &MutantMeta)> {
        let (f, m) = *self.index.get(id)?;
        let meta = &self.files[f].1;
        Some((meta, &meta.mutants[m]))
    }

    /// The hash a verdict for `id` must carry (its function's current hash).
    pub fn function_hash(&self, id: &MutantId) -> Option<String> {
        let (meta, mutant) = self.get(id)?;
        meta.function(&mutant.function).map(|f| f.sha256.clone())
    }

    pub fn record(&mut self, id: &MutantId, record: VerdictRecord) {
        crate::domain::debug_log::event(|| {
            let mut line = format!(
                "{id}: {} ({:.3} s, {} tests run)",
                record.verdict,
                record.seconds,
                record.tests_run.len()
            );
            if let Some(killer) = &record.killer {
                line.push_str(&format!(", killed by {killer}"));
            }
            if let Some(detail) = &record.detail {
                line.push_str(&format!(": {}", detail.lines().next().unwrap_or_default()));
            }
            line
        });
        if let Some(&(f, m)) = self.index.get(id) {
            self.files[f].1.mutants[m].verdict = Some(record);
            self.dirty.insert(f);
        }
    }

    /// Writes changed files if the last write was over a second ago.
    pub fn flush_if_due(&mut self) -> Result<()> {
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        let mut dirty: Vec<usize> = self.dirty.drain().collect();
        dirty.sort();
        for f in dirty {
            let (path, meta) = &self.files[f];
            meta::write(path, meta)?;
        }
        self.last_flush = Instant::now();
        Ok(())
    }

    pub fn meta_path_of(&self, id: &MutantId) -> Option<&Path> {
        let (f, _) = *self.index.get(id)?;
        Some(&self.files[f].0)
    }
}
