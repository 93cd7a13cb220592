//! Every `.py` file of the installed CPython standard library, rewritten into trampolines, must
//! compile; no mutant may equal its original and no two mutants of a function may be the same.
//! Every mutant of the opt-in `statement` group must compile too, checked one function at a time
//! (rendering every file with them writes gigabytes: a long test function's statements each
//! make a variant of the whole function).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mutrun::generate::analyze;

fn stdlib_dir() -> PathBuf {
    let out = Command::new(common::python())
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .expect("run python");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Runs the Python `script` with `input` as its one argument.
fn run_script(script: &str, input: &Path) -> std::process::Output {
    Command::new(common::python())
        .arg("-c")
        .arg(script)
        .arg(input)
        .output()
        .expect("run python")
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != "site-packages" && e.file_name() != "__pycache__")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "py"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_stdlib_file_rewrites_into_valid_python() {
    let lib = stdlib_dir();
    let files = python_files(&lib);
    assert!(
        files.len() > 500,
        "expected the stdlib under {}",
        lib.display()
    );
    let started = std::time::Instant::now();
    let out_dir = tempfile::tempdir().expect("temp dir");
    let mut written = Vec::new();
    let mut mutants = 0;
    let mut unparsable = 0;
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).expect("read stdlib file");
        let rel = file.strip_prefix(&lib).expect("under lib");
        let Ok(result) = analyze(&bytes, rel, "m", true, &Default::default()) else {
            // Deliberately broken test inputs (bad syntax, other encodings) are copied unmutated.
            unparsable += 1;
            continue;
        };
        let text = std::str::from_utf8(&bytes).expect("analyze accepted it, so it is UTF-8");
        let mut per_function: HashMap<&str, Vec<(usize, usize, &str)>> = HashMap::new();
        for m in &result.meta.mutants {
            mutants += 1;
            assert_ne!(
                m.original,
                m.replacement,
                "{}: {} changes nothing",
                rel.display(),
                m.id
            );
            per_function.entry(m.function.as_str()).or_default().push((
                m.start,
                m.end,
                m.replacement.as_str(),
            ));
        }
        let hasher = TextHasher::new(text.as_bytes());
        for (function, edits) in per_function {
            // Two edits give the same file iff the edited files are equal: compare their hashes,
            // then confirm a collision by comparing the texts over the union of the two edits.
            let mut seen: HashMap<u64, (usize, usize, &str)> = HashMap::new();
            for edit in edits {
                let key = hasher.edited(edit.0, edit.1, edit.2.as_bytes());
                if let Some(other) = seen.insert(key, edit) {
                    let lo = edit.0.min(other.0);
                    let hi = edit.1.max(other.1);
                    let apply = |(s, e, r): (usize, usize, &str)| {
                        format!("{}{r}{}", &text[lo..s], &text[e..hi])
                    };
                    assert_ne!(
                        apply(edit),
                        apply(other),
                        "{}: two mutants of {function} are the same program",
                        rel.display()
                    );
                }
            }
        }
        if let Some(rendered) = result.rendered {
            let path = out_dir.path().join(format!("f{i}.py"));
            std::fs::write(&path, rendered).expect("write rendered file");
            written.push((path, file.clone()));
        }
    }
    eprintln!(
        "rewrote {} files in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    let list = out_dir.path().join("files.txt");
    let lines: Vec<String> = written
        .iter()
        .map(|(p, orig)| format!("{}\t{}", p.display(), orig.display()))
        .collect();
    std::fs::write(&list, lines.join("\n")).expect("write list");
    let script = r#"
import sys, warnings
warnings.simplefilter("ignore")  # SyntaxWarnings of the originals' own test data
bad = 0
invalid_originals = 0
for line in open(sys.argv[1], encoding="utf-8"):
    path, original = line.rstrip("\n").split("\t")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        with open(original, "rb") as f:
            compile(f.read(), original, "exec", dont_inherit=True)
    except SyntaxError:
        invalid_originals += 1  # deliberately invalid test inputs: nothing to compare with
        continue
    try:
        compile(source, original, "exec", dont_inherit=True)
    except SyntaxError as e:
        bad += 1
        if bad <= 20:
            print(f"{original}:{e.lineno}: {e.msg}: {e.text!r}")
print(f"{bad} files failed to compile ({invalid_originals} originals do not compile either; skipped)")
sys.exit(1 if bad else 0)
"#;
    let output = run_script(script, &list);
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!(
        "{} files, {} rewritten, {unparsable} copied unmutated, {mutants} mutants; {report}",
        files.len(),
        written.len()
    );
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        mutants > 10_000,
        "only {mutants} mutants in the whole stdlib"
    );
}

/// Each `statement` group mutant of every stdlib function, applied to that function's text alone,
/// compiles (`compile`, so a dropped binding a nested `nonlocal` needs is caught too).
#[test]
fn every_statement_group_mutant_of_the_stdlib_compiles() {
    let lib = stdlib_dir();
    let mut variants = String::new();
    let mut count = 0usize;
    for file in python_files(&lib) {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(parsed) = ruff_python_parser::parse_module(&source) else {
            continue;
        };
        let pragmas = mutrun::generate::pragma::Pragmas::scan(&source, parsed.tokens())
            .expect("no pragma errors in the standard library");
        for site in mutrun::generate::functions::find(parsed.syntax(), "m", &pragmas) {
            let def_start = usize::from(ruff_text_size::Ranged::start(site.def));
            let start = source[..def_start].rfind('\n').map_or(0, |i| i + 1);
            let end = usize::from(ruff_text_size::Ranged::end(site.def));
            for m in mutrun::generate::visit::function_mutations(&source, parsed.tokens(), site.def)
            {
                if m.operator.is_default() {
                    continue;
                }
                let line = serde_json::json!({
                    "file": file.display().to_string(),
                    "indented": def_start > start,
                    "text": format!("{}{}{}", &source[start..m.start], m.replacement, &source[m.end..end]),
                    "orig": &source[start..end],
                    "op": m.operator.name(),
                    "original": &source[m.start..m.end],
                    "replacement": m.replacement,
                });
                variants.push_str(&line.to_string());
                variants.push('\n');
                count += 1;
            }
        }
    }
    assert!(
        count > 100_000,
        "only {count} statement-group mutants in the stdlib"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("variants.jsonl");
    std::fs::write(&list, variants).expect("write variants");
    let script = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
bad = compiled = 0
originals = {}
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)
    prefix = "if 1:\n" if v["indented"] else ""  # a method, indented in its class
    if v["orig"] not in originals:
        try:
            compile(prefix + v["orig"], v["file"], "exec", dont_inherit=True)
            originals[v["orig"]] = True
        except SyntaxError:
            originals[v["orig"]] = False  # does not compile alone either (test data)
    if not originals[v["orig"]]:
        continue
    compiled += 1
    try:
        compile(prefix + v["text"], v["file"], "exec", dont_inherit=True)
    except SyntaxError as e:
        bad += 1
        if bad <= 20:
            print(v["file"], v["op"], repr(v["original"][:80]), "->", repr(v["replacement"][:80]), e)
print(f"{compiled} statement-group mutants compiled, {bad} failed")
sys.exit(1 if bad else 0)
"#;
    let output = run_script(script, &list);
    let report = String::from_utf8_lossy(&output.stdout);
    eprintln!("{report}");
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Polynomial hashes (mod 2^61 - 1) of a text and of that text with one span replaced, in time
/// proportional to the replacement only.
struct TextHasher {
    prefix: Vec<u64>,
    powers: Vec<u64>,
}

const MODULUS: u64 = (1 << 61) - 1;
const BASE: u64 = 1_000_003;

fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % MODULUS as u128) as u64
}

impl TextHasher {
    fn new(text: &[u8]) -> TextHasher {
        let mut prefix = vec![0u64; text.len() + 1];
        let mut powers = vec![1u64; text.len() + 1];
        for (i, &byte) in text.iter().enumerate() {
            prefix[i + 1] = (mul(prefix[i], BASE) + byte as u64 + 1) % MODULUS;
            powers[i + 1] = mul(powers[i], BASE);
        }
        TextHasher { prefix, powers }
    }

    fn power(&self, n: usize) -> u64 {
        match self.powers.get(n) {
            Some(&p) => p,
            None => (0..n).fold(1, |acc, _| mul(acc, BASE)),
        }
    }

    /// Hash of `text[start..end]`.
    fn span(&self, start: usize, end: usize) -> u64 {
        (self.prefix[end] + MODULUS - mul(self.prefix[start], self.powers[end - start])) % MODULUS
    }

    /// Hash of the whole text with `text[start..end]` replaced by `replacement`.
    fn edited(&self, start: usize, end: usize, replacement: &[u8]) -> u64 {
        let len = self.prefix.len() - 1;
        let mut hash = self.span(0, start);
        for &byte in replacement {
            hash = (mul(hash, BASE) + byte as u64 + 1) % MODULUS;
        }
        (mul(hash, self.power(len - end)) + self.span(end, len)) % MODULUS
    }
}

#[test]
fn the_text_hasher_sees_equal_edits_as_equal() {
    let hasher = TextHasher::new(b"return a + b");
    // Replacing `+` by `-` and `a + b` by `a - b` give the same text.
    assert_eq!(hasher.edited(9, 10, b"-"), hasher.edited(7, 12, b"a - b"));
    assert_ne!(hasher.edited(9, 10, b"-"), hasher.edited(9, 10, b"*"));
    assert_eq!(hasher.edited(0, 0, b""), hasher.span(0, 12));
}
