//! What mutrun wrote under `mutants/`: a record of every path it created there
//! (`mutants/.mutrun/written`), appended *before* the path is written, so that mutrun deletes or
//! overwrites only its own files and a `kill -9` mid-copy never leaves one of them unrecorded.
//!
//! The record is a text file: a header line, then one line per change, applied in order:
//! `f PATH` (a file or link mutrun is about to write), `d PATH` (a directory it is about to
//! create), `- PATH` (a path it removed). PATH is relative to `mutants/`, `/`-separated, with
//! `%`, control characters and bytes that are not UTF-8 written as `%XX`. A last line without
//! its newline is ignored (the write it announced never started). `.mutrun/` itself and
//! `.mutrun-tmp-*` files (atomic writes in progress) are mutrun's by name and not listed.
//!
//! A `mutants/` without a record is claimed only when it is empty, or when an earlier mutrun
//! wrote it (its `.mutrun/` and mutrun-format `.meta` files): then what matches the project is
//! adopted and anything else is left alone. mutmut's output (`mutmut-stats.json`, `*.spans`,
//! `.meta` files in mutmut's format), or anything else, stops the command with exit 2, saying
//! what was found and what to do; mutrun never deletes it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::FileExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::domain::error::{Error, Result};
use crate::record::meta;

/// The record, relative to `mutants/`.
pub const RECORD: &str = ".mutrun/written";
const HEADER: &str = "mutrun: what mutrun wrote under mutants/ (format 1)";
/// Prefix of the temporary files of atomic writes (`domain::atomic`, the copy).
pub const TEMP_PREFIX: &str = ".mutrun-tmp-";
/// What mutmut writes at the top of `mutants/`.
const MUTMUT_STATS: &str = "mutmut-stats.json";
/// Keys of mutmut's `.meta` files (`SourceFileMutationData`).
const MUTMUT_META_KEYS: &[&str] = &[
    "exit_code_by_key",
    "durations_by_key",
    "hash_by_function_name",
    "estimated_durations_by_key",
    "type_check_error_by_key",
];
/// How many paths a message names.
const EXAMPLES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file or a symbolic link.
    File,
    Dir,
}

/// The record of one `mutants/`, shared by the threads that write into it.
pub struct Owned {
    mutants_dir: PathBuf,
    /// `None` for a folder inside `.mutrun/` (`verify`'s copies): all of it is mutrun's.
    state: Option<Mutex<State>>,
}

struct State {
    paths: BTreeMap<PathBuf, Kind>,
    /// The record, open for reading and appending, holding a shared lock while this process runs
    /// (compaction needs the only lock).
    file: File,
    /// How far the record has been read.
    read_to: u64,
    /// Lines in the record (to decide when to compact it).
    lines: usize,
}

/// What a `mutants/` without a record holds.
#[derive(Debug, Default)]
struct Survey {
    /// Files and links (relative), but `.mutrun/` and temp files.
    entries: Vec<(PathBuf, Kind)>,
    has_mutrun_dir: bool,
    mutrun_metas: usize,
    mutmut: Vec<PathBuf>,
    /// `.meta` files that are neither mutrun's nor mutmut's.
    other_metas: Vec<PathBuf>,
}

impl Owned {
    /// Opens the record of `mutants_dir` (which exists), or claims a `mutants/` that has none:
    /// an empty one, or one an earlier mutrun wrote (adopting what matches the project at
    /// `root`). Anything else is refused (exit 2) with what was found and what to do.
    pub fn claim(root: &Path, mutants_dir: &Path) -> Result<Owned> {
        let record = mutants_dir.join(RECORD);
        let exists = fs::symlink_metadata(&record).is_ok();
        if !exists {
            let survey = survey(mutants_dir)?;
            if !survey.mutmut.is_empty() {
                return Err(mutmut_refusal(mutants_dir, &survey.mutmut));
            }
            let old_mutrun =
                (survey.has_mutrun_dir || survey.mutrun_metas > 0) && survey.other_metas.is_empty();
            if !survey.entries.is_empty() && !old_mutrun {
                return Err(foreign_refusal(mutants_dir, &survey));
            }
            let owned = Owned::open(mutants_dir)?;
            if old_mutrun {
                owned.adopt(root, &survey)?;
            }
            return Ok(owned);
        }
        let owned = Owned::open(mutants_dir)?;
        let stats = Path::new(MUTMUT_STATS);
        if fs::symlink_metadata(mutants_dir.join(stats)).is_ok() && owned.owns(stats).is_none() {
            return Err(mutmut_refusal(mutants_dir, &[stats.to_path_buf()]));
        }
        Ok(owned)
    }

    /// Opens (or starts) the record and reads it, under a shared lock.
    fn open(mutants_dir: &Path) -> Result<Owned> {
        let path = mutants_dir.join(RECORD);
        let own_dir = mutants_dir.join(".mutrun");
        fs::create_dir_all(&own_dir).map_err(|e| Error::io("create directory", &own_dir, e))?;
        let file = loop {
            let file = File::options()
                .read(true)
                .append(true)
                .create(true)
                .open(&path)
                .map_err(|e| Error::io("open", &path, e))?;
            file.lock_shared()
                .map_err(|e| Error::io("lock", &path, e))?;
            // Another mutrun may have compacted (replaced) the record before the lock was ours.
            if same_file(&file, &path) {
                break file;
            }
        };
        let mut state = State {
            paths: BTreeMap::new(),
            file,
            read_to: 0,
            lines: 0,
        };
        state.refresh(&path)?;
        if state.read_to == 0 {
            state.append(&format!("{HEADER}\n"), &path)?;
            state.read_to = (HEADER.len() + 1) as u64;
        }
        Ok(Owned {
            mutants_dir: mutants_dir.to_path_buf(),
            state: Some(Mutex::new(state)),
        })
    }

    /// A folder inside mutrun's own `.mutrun/` (`verify`'s copies of the project): everything in
    /// it is mutrun's, and no record is kept.
    pub fn all_of(dir: &Path) -> Owned {
        Owned {
            mutants_dir: dir.to_path_buf(),
            state: None,
        }
    }

    /// The state, or `None` for a folder that is all mutrun's.
    fn lock(&self) -> Result<Option<std::sync::MutexGuard<'_, State>>> {
        match &self.state {
            None => Ok(None),
            Some(state) => state
                .lock()
                .map(Some)
                .map_err(|_| Error::other("internal error: the record of mutants/ is poisoned")),
        }
    }

    fn record_path(&self) -> PathBuf {
        self.mutants_dir.join(RECORD)
    }

    /// Whether mutrun wrote `rel` (relative to `mutants/`), and as what. `.mutrun/` and temp
    /// files are mutrun's by name. Another mutrun running in the same folder may have just
    /// recorded it: the record is read again before answering no.
    pub fn owns(&self, rel: &Path) -> Option<Kind> {
        if let Some(kind) = by_name(rel) {
            return Some(kind);
        }
        let Some(mut state) = self.lock().ok()? else {
            let meta = fs::symlink_metadata(self.mutants_dir.join(rel)).ok()?;
            return Some(if meta.is_dir() { Kind::Dir } else { Kind::File });
        };
        if let Some(kind) = state.paths.get(rel) {
            return Some(*kind);
        }
        state.refresh(&self.record_path()).ok()?;
        state.paths.get(rel).copied()
    }

    /// Records that mutrun is about to write `rel` as `kind`; call it before the write.
    pub fn will_write(&self, rel: &Path, kind: Kind) -> Result<()> {
        if by_name(rel).is_some() {
            return Ok(());
        }
        let Some(mut state) = self.lock()? else {
            return Ok(());
        };
        if state.paths.get(rel) == Some(&kind) {
            return Ok(());
        }
        let tag = match kind {
            Kind::File => 'f',
            Kind::Dir => 'd',
        };
        state.append(&format!("{tag} {}\n", encode(rel)), &self.record_path())?;
        state.paths.insert(rel.to_path_buf(), kind);
        Ok(())
    }

    /// Records that mutrun removed `rel`; call it after the removal.
    pub fn removed(&self, rel: &Path) -> Result<()> {
        if by_name(rel).is_some() {
            return Ok(());
        }
        let Some(mut state) = self.lock()? else {
            return Ok(());
        };
        if state.paths.remove(rel).is_some() {
            state.append(&format!("- {}\n", encode(rel)), &self.record_path())?;
        }
        Ok(())
    }

    /// Rewrites the record with only the paths mutrun still owns, when it has grown to more than
    /// twice that, and no other mutrun has it open. Atomic (write, then rename).
    pub fn compact(&self) -> Result<()> {
        let Some(mut state) = self.lock()? else {
            return Ok(());
        };
        if state.lines <= 2 * state.paths.len() + 64 {
            return Ok(());
        }
        let path = self.record_path();
        if state.file.try_lock().is_err() {
            return Ok(()); // another mutrun is using it: compact another time
        }
        let mut text = format!("{HEADER}\n");
        for (rel, kind) in &state.paths {
            let tag = if *kind == Kind::Dir { 'd' } else { 'f' };
            text.push_str(&format!("{tag} {}\n", encode(rel)));
        }
        crate::domain::atomic::write_atomic(&path, text.as_bytes())?;
        let file = File::options()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        file.lock_shared()
            .map_err(|e| Error::io("lock", &path, e))?;
        state.file = file; // dropping the old handle releases its lock
        state.read_to = text.len() as u64;
        state.lines = state.paths.len() + 1;
        Ok(())
    }

    /// Records, in a `mutants/` an earlier mutrun wrote without a record, what it wrote: each
    /// entry whose path the project has too (the copy and the mutated sources), and its
    /// mutrun-format `.meta` files. Anything else is left alone, and named once.
    fn adopt(&self, root: &Path, survey: &Survey) -> Result<()> {
        let mut left = Vec::new();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (rel, kind) in &survey.entries {
            let in_project = fs::symlink_metadata(root.join(rel))
                .is_ok_and(|m| m.is_dir() == (*kind == Kind::Dir));
            let is_meta = rel.extension().is_some_and(|e| e == "meta");
            if in_project || is_meta {
                for dir in rel.ancestors().skip(1) {
                    if !dir.as_os_str().is_empty() && root.join(dir).is_dir() {
                        dirs.push(dir.to_path_buf());
                    }
                }
                self.will_write(rel, *kind)?;
            } else if *kind == Kind::File {
                left.push(rel.clone());
            }
        }
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            self.will_write(&dir, Kind::Dir)?;
        }
        let adopted = self.lock()?.map_or(0, |state| state.paths.len());
        let mut message = format!(
            "{} was written by an earlier mutrun, which kept no record of its files; adopted the \
             {adopted} that are mutrun's (the copy of the project and the .meta files with their \
             verdicts)",
            self.mutants_dir.display()
        );
        if !left.is_empty() {
            message.push_str(&format!(
                "; left alone {} files that are not the project's (mutrun will never delete \
                 them): {}",
                left.len(),
                examples(&left)
            ));
        }
        crate::warning!("{message}");
        Ok(())
    }
}

impl State {
    fn append(&mut self, line: &str, path: &Path) -> Result<()> {
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| Error::io("write", path, e))?;
        self.lines += 1;
        Ok(())
    }

    /// Applies the lines appended since the last read (by this or another mutrun).
    fn refresh(&mut self, path: &Path) -> Result<()> {
        let mut bytes = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut at = self.read_to;
        loop {
            let n = self
                .file
                .read_at(&mut buf, at)
                .map_err(|e| Error::io("read", path, e))?;
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
            at += n as u64;
        }
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        for line in bytes[..end].split(|&b| b == b'\n') {
            self.lines += 1;
            let (tag, rest) = match line {
                [tag, b' ', rest @ ..] => (*tag, rest),
                _ => continue, // the header, or a line of another format
            };
            let Some(rel) = decode(rest) else {
                continue;
            };
            match tag {
                b'f' => {
                    self.paths.insert(rel, Kind::File);
                }
                b'd' => {
                    self.paths.insert(rel, Kind::Dir);
                }
                b'-' => {
                    self.paths.remove(&rel);
                }
                _ => {}
            }
        }
        self.read_to += end as u64 + 1;
        Ok(())
    }
}

/// mutrun's by name: its own folder and the temp files of its atomic writes.
fn by_name(rel: &Path) -> Option<Kind> {
    let first = rel.components().next()?;
    if first.as_os_str() == ".mutrun" {
        return Some(if rel.components().count() == 1 {
            Kind::Dir
        } else {
            Kind::File
        });
    }
    rel.file_name()
        .is_some_and(|n| n.as_bytes().starts_with(TEMP_PREFIX.as_bytes()))
        .then_some(Kind::File)
}

fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// A relative path as one line: `/`-separated, `%`, control bytes and non-UTF-8 bytes as `%XX`.
fn encode(rel: &Path) -> String {
    let parts: Vec<&[u8]> = rel.components().map(|c| c.as_os_str().as_bytes()).collect();
    let bytes = parts.join(&b'/');
    let escaped = |c: u32| c == u32::from(b'%') || c < 0x20 || c == 0x7f;
    let mut out = String::new();
    match std::str::from_utf8(&bytes) {
        // UTF-8 names stay readable.
        Ok(text) => {
            for c in text.chars() {
                if escaped(c as u32) {
                    out.push_str(&format!("%{:02X}", c as u32));
                } else {
                    out.push(c);
                }
            }
        }
        Err(_) => {
            for &b in &bytes {
                if escaped(u32::from(b)) || b >= 0x80 {
                    out.push_str(&format!("%{b:02X}"));
                } else {
                    out.push(char::from(b));
                }
            }
        }
    }
    out
}

fn decode(text: &[u8]) -> Option<PathBuf> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' {
            let hex = std::str::from_utf8(text.get(i + 1..i + 3)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(text[i]);
            i += 1;
        }
    }
    let path = PathBuf::from(std::ffi::OsString::from_vec(bytes));
    // Only plain relative paths: a damaged record never names anything outside `mutants/`.
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !path.as_os_str().is_empty()).then_some(path)
}

/// Walks a `mutants/` that has no record (not following links, not into `.mutrun/`).
fn survey(mutants_dir: &Path) -> Result<Survey> {
    let mut survey = Survey {
        has_mutrun_dir: mutants_dir.join(".mutrun").is_dir(),
        ..Survey::default()
    };
    let walker = walkdir::WalkDir::new(mutants_dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !(e.depth() == 1 && e.file_name() == ".mutrun"));
    for entry in walker {
        let entry = entry
            .map_err(|e| Error::other(format!("cannot list {}: {e}", mutants_dir.display())))?;
        let rel = entry
            .path()
            .strip_prefix(mutants_dir)
            .unwrap_or(entry.path())
            .to_path_buf();
        if by_name(&rel).is_some() {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() {
            if name != "__pycache__" {
                survey.entries.push((rel, Kind::Dir));
            }
            continue;
        }
        if rel.components().any(|c| c.as_os_str() == "__pycache__") {
            continue; // bytecode Python wrote
        }
        if (rel == Path::new(MUTMUT_STATS)) || name.ends_with(".spans") {
            survey.mutmut.push(rel.clone());
        } else if name.ends_with(".meta") && entry.file_type().is_file() {
            match meta_owner(entry.path()) {
                MetaOwner::Mutrun => survey.mutrun_metas += 1,
                MetaOwner::Mutmut => survey.mutmut.push(rel.clone()),
                MetaOwner::Other => survey.other_metas.push(rel.clone()),
            }
        }
        survey.entries.push((rel, Kind::File));
    }
    // Directories alone (empty, or holding only bytecode) are nothing to protect or refuse.
    if survey.entries.iter().all(|(_, kind)| *kind == Kind::Dir) {
        survey.entries.clear();
    }
    Ok(survey)
}

enum MetaOwner {
    Mutrun,
    Mutmut,
    Other,
}

fn meta_owner(path: &Path) -> MetaOwner {
    if let Ok(Some(_)) = meta::read(path) {
        return MetaOwner::Mutrun;
    }
    if is_mutmut_meta(path) {
        MetaOwner::Mutmut
    } else {
        MetaOwner::Other
    }
}

/// A `.meta` file in mutmut's format (a JSON object with mutmut's keys).
pub fn is_mutmut_meta(path: &Path) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return false;
    };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes) else {
        return false;
    };
    MUTMUT_META_KEYS.iter().any(|k| map.contains_key(*k))
}

/// `a, b, c and 4 more`, each path shown under `mutants/`.
fn examples(paths: &[PathBuf]) -> String {
    let mut shown: Vec<String> = paths
        .iter()
        .take(EXAMPLES)
        .map(|p| format!("mutants/{}", p.display()))
        .collect();
    if paths.len() > EXAMPLES {
        shown.push(format!("and {} more", paths.len() - EXAMPLES));
    }
    shown.join(", ")
}

fn mutmut_refusal(mutants_dir: &Path, found: &[PathBuf]) -> Error {
    Error::usage(format!(
        "{} holds mutmut's results ({}), not mutrun's: mutrun writes its copy of the project \
         there, and it never deletes or overwrites what it did not write, so it stopped and \
         changed nothing. Keep mutmut's results somewhere else (`mv mutants mutants-mutmut`), or, \
         if you no longer need them, delete them yourself (`rm -rf mutants/`); then run mutrun \
         again",
        mutants_dir.display(),
        examples(found)
    ))
}

fn foreign_refusal(mutants_dir: &Path, survey: &Survey) -> Error {
    let files: Vec<PathBuf> = survey
        .entries
        .iter()
        .filter(|(_, kind)| *kind == Kind::File)
        .map(|(rel, _)| rel.clone())
        .collect();
    let package = mutants_dir.join("__init__.py").is_file();
    let what = if package {
        format!(
            "{} is a Python package of the project (it has __init__.py), not a folder mutrun \
             wrote",
            mutants_dir.display()
        )
    } else {
        format!("{} holds files mutrun did not write", mutants_dir.display())
    };
    let fix = if package {
        "mutrun writes its copy of the project into mutants/ and would overwrite it, so it \
         stopped and changed nothing. Rename the package (mutrun's folder name is fixed), then \
         run mutrun again"
    } else {
        "mutrun writes its copy of the project there, and it never deletes or overwrites what it \
         did not write, so it stopped and changed nothing. Move these files out of mutants/ (or \
         delete them, if they are not needed), then run mutrun again"
    };
    Error::usage(format!("{what} ({}): {fix}", examples(&files)))
}

/// A path the copy or generation must write, but which mutrun did not write: refused (exit 2).
pub fn in_the_way(paths: &[PathBuf]) -> Error {
    Error::usage(format!(
        "mutrun must write {}, but mutrun did not write what is there now (a test run in \
         mutants/, or someone, did), and it never deletes or overwrites what it did not write: \
         move or delete it, then run mutrun again",
        examples(paths)
    ))
}

/// The project's own `mutants` package or module, configured to be mutated, copied or tested:
/// `mutants/` is where mutrun writes its copy, so the configuration is refused (exit 2).
pub fn refuse_configured_mutants(keys: &[(&str, &[PathBuf])], origin: &str) -> Result<()> {
    for (key, paths) in keys {
        for path in *paths {
            let first = path.components().find(|c| !matches!(c, Component::CurDir));
            if first.is_some_and(|c| c.as_os_str() == "mutants") {
                return Err(Error::usage(format!(
                    "{origin}`{key}` names `{}`, but mutants/ is where mutrun writes its copy of \
                     the project: the project's own `mutants` package cannot be mutated, copied \
                     or tested there, and mutrun never deletes or overwrites what it did not \
                     write, so it stopped and changed nothing. Rename the package (mutrun's \
                     folder name is fixed), then run mutrun again",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    #[test]
    fn paths_round_trip_through_the_record() {
        for raw in ["a/b.py", "ma\u{df}e/gr\u{f6}\u{df}e.py", "odd%name/x\ny.py"] {
            let rel = PathBuf::from(raw);
            assert_eq!(decode(encode(&rel).as_bytes()), Some(rel.clone()), "{raw}");
            assert!(!encode(&rel).contains('\n'));
        }
        let bytes = PathBuf::from(std::ffi::OsString::from_vec(b"x/\xff.py".to_vec()));
        assert_eq!(encode(&bytes), "x/%FF.py");
        assert_eq!(decode(encode(&bytes).as_bytes()), Some(bytes));
        assert_eq!(decode(b"../etc/passwd"), None);
        assert_eq!(decode(b"/etc/passwd"), None);
    }

    #[test]
    fn a_record_survives_being_cut_and_is_read_by_the_next_run() {
        let dir = tempfile::tempdir().expect("temp");
        let mutants = dir.path().join("mutants");
        fs::create_dir_all(&mutants).expect("mkdir");
        let owned = Owned::claim(dir.path(), &mutants).expect("claim");
        owned.will_write(Path::new("pkg"), Kind::Dir).expect("dir");
        owned
            .will_write(Path::new("pkg/a.py"), Kind::File)
            .expect("file");
        owned
            .will_write(Path::new("pkg/b.py"), Kind::File)
            .expect("file");
        owned.removed(Path::new("pkg/b.py")).expect("removed");
        drop(owned);
        // kill -9 in the middle of an append: the cut line is ignored.
        let mut record = File::options()
            .append(true)
            .open(mutants.join(RECORD))
            .expect("open");
        record.write_all(b"f pkg/c.p").expect("append");
        drop(record);
        let again = Owned::claim(dir.path(), &mutants).expect("claim");
        assert_eq!(again.owns(Path::new("pkg")), Some(Kind::Dir));
        assert_eq!(again.owns(Path::new("pkg/a.py")), Some(Kind::File));
        assert_eq!(again.owns(Path::new("pkg/b.py")), None);
        assert_eq!(again.owns(Path::new("pkg/c.p")), None);
        assert_eq!(
            again.owns(Path::new(".mutrun/stats.json")),
            Some(Kind::File)
        );
        assert_eq!(again.owns(Path::new("pkg/.mutrun-tmp-x")), Some(Kind::File));
        assert_eq!(again.owns(Path::new("notes.txt")), None);
    }

    #[test]
    fn another_runs_record_is_seen() {
        let dir = tempfile::tempdir().expect("temp");
        let mutants = dir.path().join("mutants");
        fs::create_dir_all(&mutants).expect("mkdir");
        let first = Owned::claim(dir.path(), &mutants).expect("claim");
        let second = Owned::claim(dir.path(), &mutants).expect("claim");
        first
            .will_write(Path::new("x.py"), Kind::File)
            .expect("file");
        assert_eq!(second.owns(Path::new("x.py")), Some(Kind::File));
    }

    #[test]
    fn compaction_keeps_what_is_owned() {
        let dir = tempfile::tempdir().expect("temp");
        let mutants = dir.path().join("mutants");
        fs::create_dir_all(&mutants).expect("mkdir");
        let owned = Owned::claim(dir.path(), &mutants).expect("claim");
        for i in 0..200 {
            let rel = PathBuf::from(format!("f{i}.py"));
            owned.will_write(&rel, Kind::File).expect("file");
            if i % 2 == 0 {
                owned.removed(&rel).expect("removed");
            }
        }
        owned.compact().expect("compact");
        let text = fs::read_to_string(mutants.join(RECORD)).expect("read");
        assert_eq!(text.lines().count(), 101, "{text}");
        owned
            .will_write(Path::new("late.py"), Kind::File)
            .expect("file");
        drop(owned);
        let again = Owned::claim(dir.path(), &mutants).expect("claim");
        assert_eq!(again.owns(Path::new("f1.py")), Some(Kind::File));
        assert_eq!(again.owns(Path::new("f2.py")), None);
        assert_eq!(again.owns(Path::new("late.py")), Some(Kind::File));
    }

    #[test]
    fn mutmut_output_and_other_files_are_refused_and_untouched() {
        let dir = tempfile::tempdir().expect("temp");
        let mutants = dir.path().join("mutants");
        write(&mutants, "mutmut-stats.json", "{}");
        write(&mutants, "calc/core.py.meta", r#"{"exit_code_by_key": {}}"#);
        let err = Owned::claim(dir.path(), &mutants).err().expect("refused");
        assert_eq!(err.exit_code(), crate::domain::exit_code::ExitCode::Usage);
        assert!(
            err.to_string().contains(
                "holds mutmut's results (mutants/calc/core.py.meta, mutants/mutmut-stats.json)"
            ),
            "{err}"
        );
        assert!(!mutants.join(".mutrun").exists());

        let other = tempfile::tempdir().expect("temp");
        let mutants = other.path().join("mutants");
        write(&mutants, "notes/todo.txt", "mine");
        let err = Owned::claim(other.path(), &mutants).err().expect("refused");
        assert!(
            err.to_string()
                .contains("holds files mutrun did not write (mutants/notes/todo.txt)"),
            "{err}"
        );
    }

    #[test]
    fn an_old_mutrun_folder_is_adopted_but_for_what_is_not_the_project() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path();
        write(root, "pkg/__init__.py", "");
        write(root, "pkg/a.py", "x = 1\n");
        let mutants = root.join("mutants");
        write(&mutants, "pkg/__init__.py", "");
        write(&mutants, "pkg/a.py", "trampolined");
        write(&mutants, "pkg/__pycache__/a.cpython-312.pyc", "");
        write(&mutants, ".mutrun/generation", "operators=default\n");
        write(&mutants, "pkg/written_by_a_test.txt", "out");
        let owned = Owned::claim(root, &mutants).expect("adopted");
        assert_eq!(owned.owns(Path::new("pkg")), Some(Kind::Dir));
        assert_eq!(owned.owns(Path::new("pkg/a.py")), Some(Kind::File));
        assert_eq!(owned.owns(Path::new("pkg/written_by_a_test.txt")), None);
        assert!(mutants.join("pkg/written_by_a_test.txt").exists());
    }
}
