//! Mutants of default values are evaluated only when activated: a mutated default that raises
//! (`"-" - "-"`) must not break the import of the module for every other mutant, and must be
//! killed, as plain pytest on the patched source (an import error) says.

mod common;

fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn a_default_that_raises_when_mutated_is_killed_and_breaks_nothing_else() {
    let temp = tempfile::tempdir().expect("temp dir");
    let root = temp.path().join("defaults");
    write(
        &root,
        "pyproject.toml",
        "[project]\nname = \"texts\"\nversion = \"0\"\n",
    );
    write(&root, "texts/__init__.py", "");
    write(
        &root,
        "texts/join.py",
        "def joined(parts, sep=\"-\" + \"-\"):\n    return sep.join(parts)\n\n\ndef shout(text):\n    return text.upper()\n",
    );
    write(
        &root,
        "tests/test_join.py",
        "from texts.join import joined, shout\n\n\ndef test_joined():\n    assert joined([\"a\", \"b\"]) == \"a--b\"\n\n\ndef test_shout():\n    assert shout(\"a\") == \"A\"\n",
    );
    let run = common::mutrun(&root, &["run", "--no-progress"]);
    let out = common::text(&run);
    assert!(run.status.success(), "{out}");

    let results = common::mutrun(&root, &["results", "--all", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&results.stdout).expect("JSON");
    let mutants = doc["mutants"].as_array().expect("mutants");
    let raising = mutants
        .iter()
        .find(|m| m["operator"] == "binary_op" && m["replacement"] == "-")
        .unwrap_or_else(|| panic!("no `+` → `-` mutant of the default: {mutants:?}"));
    assert_eq!(raising["verdict"], "killed", "{raising}");
    assert!(
        mutants.iter().all(|m| m["verdict"] == "killed"),
        "every mutant here is killable: {mutants:?}"
    );

    let verify = common::mutrun(&root, &["verify"]);
    let text = common::text(&verify);
    assert!(verify.status.success(), "{text}");
    assert!(text.contains(" 0 disagree"), "{text}");
}
