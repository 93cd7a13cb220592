//! The protocol-agreement test: the runtime's `mutrun_protocol.py` declares the same names, with
//! the same values, as this module, and each message's keys as its serde type writes them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;
use crate::coverage::lines::TracedLines;
use crate::coverage::{LineRecord, StatsFile, TestStats};
use crate::execute::runtime;

const PYTHON_FILE: &str = "mutrun_protocol.py";

/// One declaration of `mutrun_protocol.py`.
#[derive(Debug)]
enum Declared {
    Name(String),
    /// The keys of one message, resolved to their values.
    Keys(Vec<String>),
}

fn python_source() -> &'static str {
    runtime::FILES
        .iter()
        .find(|(name, _)| *name == PYTHON_FILE)
        .map(|(_, text)| *text)
        .expect("the runtime installs mutrun_protocol.py")
}

/// Reads `NAME = "value"` and `NAME = (NAME, ...)` lines (after the docstring); anything else
/// that is not a comment or blank is an error, so the file keeps to what this test can read.
fn python_side() -> BTreeMap<String, Declared> {
    let mut declared = BTreeMap::new();
    let mut in_docstring = false;
    for (number, line) in python_source().lines().enumerate() {
        let quotes = line.matches("\"\"\"").count();
        if in_docstring || quotes > 0 {
            in_docstring ^= quotes % 2 == 1;
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{PYTHON_FILE}:{}: not `NAME = ...`: {line}", number + 1));
        assert!(
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
            "{PYTHON_FILE}:{}: `{name}` is not an upper-case name",
            number + 1
        );
        let entry = if let Some(text) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            assert!(!text.contains(['"', '\\']), "{PYTHON_FILE}:{}", number + 1);
            Declared::Name(text.to_string())
        } else if let Some(list) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
            let keys = list
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| match declared.get(k) {
                    Some(Declared::Name(v)) => v.clone(),
                    _ => panic!(
                        "{PYTHON_FILE}:{}: `{k}` is not a name declared above",
                        number + 1
                    ),
                })
                .collect();
            Declared::Keys(keys)
        } else {
            panic!(
                "{PYTHON_FILE}:{}: neither a string nor a tuple of names: {line}",
                number + 1
            );
        };
        assert!(
            declared.insert(name.to_string(), entry).is_none(),
            "{PYTHON_FILE}: `{name}` declared twice"
        );
    }
    declared
}

/// Every name this module declares, and the two the trampoline writer owns.
fn rust_names() -> BTreeMap<&'static str, &'static str> {
    let mut names: BTreeMap<&str, &str> = NAMES.iter().copied().collect();
    names.insert("RUNTIME_MODULE", RUNTIME_MODULE);
    names.insert("RUNTIME_ALIAS", RUNTIME_ALIAS);
    names
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("protocol types serialize")
}

/// One sample of every message type with every optional field present, as its serde type writes
/// it, by the name of the Python tuple that declares its keys.
fn rust_messages() -> BTreeMap<&'static str, Value> {
    let failure = FailedTest {
        test: "t.py::a".into(),
        when: "call".into(),
        message: "assert 1 == 2".into(),
        out_of_memory: true,
    };
    let result = ChildResult {
        ran: vec!["t.py::a".into()],
        failed: vec![failure.clone()],
        unknown: vec!["t.py::b".into()],
        forced_raises: 2,
    };
    let error = CollectError {
        location: "t.py".into(),
        message: "ImportError".into(),
    };
    let test = TestStats {
        id: "t.py::a".into(),
        duration: 0.1,
        outcome: OUTCOME_PASSED.into(),
        functions: vec!["m.f".into()],
        sha256: "00".into(),
        lines: vec![],
    };
    let traced = TracedLines {
        files: vec!["m.py".into()],
        code: vec![(0, vec![1, 3])],
        tests: vec![vec![(0, vec![2, 2])]],
        collection: vec![(0, vec![1, 1])],
        within_calls: true,
    };
    let mut stats = json(&StatsFile {
        format: 1,
        python: "3.12.0".into(),
        tests: vec![test.clone()],
        collection_hits: vec!["m.f".into()],
        collection_hit_files: [("m.f".to_string(), vec!["t.py".to_string()])].into(),
        collect_errors: vec![error.clone()],
        shadowed: [("m".to_string(), "/elsewhere/m.py".to_string())].into(),
        preload: vec!["json".into()],
        regexes: vec![("a+".into(), 2)],
        inputs_sha256: "00".into(),
        traced: Some(traced.clone()),
        line_files: Some(vec![]),
        lines_within_calls: true,
    });
    // Written by mutrun after the pass, never by the runtime.
    for key in ["inputs_sha256", "line_files", "lines_within_calls"] {
        stats
            .as_object_mut()
            .and_then(|o| o.remove(key))
            .unwrap_or_else(|| panic!("stats.json has {key}"));
    }
    let request = Request {
        id: 7,
        mutant: Some("m.f:1".into()),
        tests: vec!["t.py::a".into()],
        stop_on_failure: true,
        recollect: vec!["t.py".into()],
    };
    [
        ("REQUEST_KEYS", json(&request)),
        (
            "READY_KEYS",
            json(&Event::Ready {
                tests: 3,
                preimported: vec!["m.f".into()],
            }),
        ),
        (
            "COLLECT_ERROR_KEYS",
            json(&Event::CollectError {
                errors: vec![error.clone()],
            }),
        ),
        ("STARTED_KEYS", json(&Event::Started { id: 7, pid: 42 })),
        ("PROGRESS_KEYS", json(&Event::Progress { id: 7, index: 3 })),
        (
            "DONE_KEYS",
            json(&Event::Done {
                id: 7,
                exit_code: Some(0),
                signal: Some(9),
                result: Some(result.clone()),
                seconds: 0.5,
                cpu_seconds: Some(0.25),
                stderr: Some("+++ Timeout +++".into()),
                phases: Some(ChildPhases::default()),
            }),
        ),
        ("PHASES_KEYS", json(&ChildPhases::default())),
        ("RESULT_KEYS", json(&result)),
        (
            "OWN_FILE_ERROR_KEYS",
            json(&OwnFileError {
                path: "stats.json".into(),
                errno: 28,
                error: "No space left on device".into(),
            }),
        ),
        ("FAILURE_KEYS", json(&failure)),
        ("ERROR_KEYS", json(&error)),
        ("STATS_KEYS", stats),
        ("TEST_STATS_KEYS", json(&test)),
        ("TRACED_KEYS", json(&traced)),
        (
            "LINES_KEYS",
            json(&LineRecord {
                executed: vec![1],
                code: vec![1, 2],
            }),
        ),
    ]
    .into_iter()
    .collect()
}

/// Which `EVENT_*` name each event's tag must equal.
const EVENT_TAGS: &[(&str, &str)] = &[
    ("READY_KEYS", "EVENT_READY"),
    ("COLLECT_ERROR_KEYS", "EVENT_COLLECT_ERROR"),
    ("STARTED_KEYS", "EVENT_STARTED"),
    ("PROGRESS_KEYS", "EVENT_PROGRESS"),
    ("DONE_KEYS", "EVENT_DONE"),
];

/// What differs between the two sides, one line each.
fn disagreements() -> Vec<String> {
    let python = python_side();
    let rust = rust_names();
    let messages = rust_messages();
    let mut wrong = Vec::new();
    let name = |n: &str| match python.get(n) {
        Some(Declared::Name(v)) => Some(v.clone()),
        _ => None,
    };

    for (constant, value) in &rust {
        match name(constant) {
            Some(v) if v == *value => {}
            Some(v) => wrong.push(format!("{constant}: Rust {value:?}, Python {v:?}")),
            None => wrong.push(format!("{constant} = {value:?}: not declared in Python")),
        }
    }

    let mut keys_in_messages = BTreeSet::new();
    for (tuple, sample) in &messages {
        let Some(Declared::Keys(keys)) = python.get(*tuple) else {
            wrong.push(format!("{tuple}: not declared in Python"));
            continue;
        };
        keys_in_messages.extend(keys.iter().cloned());
        let python_keys: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let rust_keys: BTreeSet<&str> = sample
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if python_keys.len() != keys.len() || python_keys != rust_keys {
            wrong.push(format!(
                "{tuple}: Rust writes {rust_keys:?}, Python declares {keys:?}"
            ));
        }
    }
    for (tuple, tag) in EVENT_TAGS {
        let written = messages[tuple]["event"].as_str().map(str::to_string);
        if written != name(tag) {
            wrong.push(format!("{tag}: Rust {written:?}, Python {:?}", name(tag)));
        }
    }

    let tags: BTreeSet<&str> = EVENT_TAGS.iter().map(|(_, tag)| *tag).collect();
    for (constant, entry) in &python {
        let known = match entry {
            Declared::Name(value) => {
                rust.contains_key(constant.as_str())
                    || tags.contains(constant.as_str())
                    || keys_in_messages.contains(value)
            }
            Declared::Keys(_) => messages.contains_key(constant.as_str()),
        };
        if !known {
            wrong.push(format!("{constant}: declared in Python only"));
        }
    }
    wrong
}

#[test]
fn the_runtime_declares_every_name_and_message_as_the_binary_does() {
    let wrong = disagreements();
    assert!(
        wrong.is_empty(),
        "src/execute/protocol.rs and runtime/{PYTHON_FILE} disagree:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_mode_is_a_declared_name() {
    for mode in Mode::ALL {
        assert!(
            NAMES
                .iter()
                .any(|(n, v)| n.starts_with("MODE_") && *v == mode.as_str()),
            "{mode}"
        );
    }
    assert_eq!(
        NAMES.iter().filter(|(n, _)| n.starts_with("MODE_")).count(),
        Mode::ALL.len()
    );
}

/// A line of another runtime file that copies a name instead of importing it (`mutrun_runtime`,
/// whose import every process pays for): `_X = "value"  # mutrun_protocol.NAME`.
fn copied_name(line: &str) -> Option<(&str, &str)> {
    let (code, source) = line.split_once("  # mutrun_protocol.")?;
    let value = code
        .split_once(" = ")?
        .1
        .strip_prefix('"')?
        .strip_suffix('"')?;
    Some((source.trim(), value))
}

#[test]
fn the_runtimes_copies_of_names_agree() {
    let python = python_side();
    let mut copies = 0;
    for (file, text) in runtime::FILES {
        for line in text.lines() {
            let Some((name, value)) = copied_name(line) else {
                continue;
            };
            copies += 1;
            assert!(
                matches!(python.get(name), Some(Declared::Name(v)) if v == value),
                "runtime/{file}: {line:?} disagrees with {PYTHON_FILE}"
            );
        }
    }
    assert!(copies > 0, "mutrun_runtime.py's copies were not found");
}

/// The other runtime files take these names from `mutrun_protocol` (or copy them as above),
/// never spell them out.
#[test]
fn no_other_runtime_file_spells_out_a_protocol_name() {
    let distinctive: Vec<String> = python_side()
        .into_values()
        .filter_map(|d| match d {
            Declared::Name(v) if v.contains('_') => Some(v),
            _ => None,
        })
        .collect();
    for (file, text) in runtime::FILES {
        if *file == PYTHON_FILE {
            continue;
        }
        for line in text.lines().filter(|l| copied_name(l).is_none()) {
            for value in &distinctive {
                for quoted in [format!("\"{value}\""), format!("'{value}'")] {
                    assert!(
                        !line.contains(&quoted),
                        "runtime/{file} spells out {quoted}: use the name from {PYTHON_FILE}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_parser_refuses_what_it_cannot_read() {
    // A sanity check of the reader itself: it found names, tuples and the docstring's end.
    let python = python_side();
    assert!(matches!(python.get("ENV_MUTANT"), Some(Declared::Name(v)) if v == ENV_MUTANT));
    assert!(matches!(python.get("REQUEST_KEYS"), Some(Declared::Keys(k)) if k.len() == 5));
}
