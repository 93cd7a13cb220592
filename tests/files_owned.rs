//! mutrun deletes or overwrites only what it wrote (issue 17): a project whose own package is
//! named `mutants`, a `mutants/` folder mutmut wrote, and one holding the user's files are each
//! refused (exit 2) with what was found and what to do, and not one of their files changes; once
//! mutrun owns `mutants/`, files someone else puts there survive every run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` (links as their target text) with a hash of its content, but the
/// bytecode Python writes beside the sources.
fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.file_name() != "__pycache__")
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("under dir").to_path_buf();
            let content = if e.file_type().is_symlink() {
                std::fs::read_link(e.path())
                    .expect("link")
                    .display()
                    .to_string()
                    .into_bytes()
            } else {
                std::fs::read(e.path()).expect("read")
            };
            (rel, sha256(&content))
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

fn run(project: &Path) -> (Option<i32>, String) {
    let out = common::mutrun(project, &["run", "--no-progress", "-j", "2"]);
    (out.status.code(), common::text(&out))
}

/// `mutrun verify` on every stored verdict: plain pytest on the patched source agrees.
fn assert_verified(project: &Path) {
    let out = common::mutrun(project, &["verify"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 disagree"), "{text}");
}

fn assert_no_processes(project: &Path) {
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

// --- a project with its own package named `mutants` -------------------------------------------

#[test]
fn the_projects_own_mutants_package_is_refused_and_untouched() {
    let (_guard, project) = common::fixture("files/mutants_package");
    let before = files(&project);
    assert!(
        before.contains_key(Path::new("mutants/core.py")),
        "{before:?}"
    );

    // Configured to be mutated: refused from the configuration, before anything is read.
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(
            "mutrun: error: pyproject.toml: [tool.mutrun] key `paths_to_mutate` names `mutants`, \
             but mutants/ is where mutrun writes its copy of the project"
        ),
        "{text}"
    );
    assert!(text.contains("Rename the package"), "{text}");
    assert_eq!(files(&project), before, "{text}");

    // Not configured (sources found automatically, the package `helpers`): the folder is seen
    // to be the project's package, not mutrun's.
    let pyproject = project.join("pyproject.toml");
    let config = std::fs::read_to_string(&pyproject).expect("read");
    std::fs::write(
        &pyproject,
        config.replace("paths_to_mutate = [\"mutants\"]\n", ""),
    )
    .expect("write");
    let before = files(&project);
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "mutrun: error: {} is a Python package of the project (it has __init__.py), not a \
             folder mutrun wrote (mutants/__init__.py, mutants/core.py): mutrun writes its copy \
             of the project into mutants/ and would overwrite it, so it stopped and changed \
             nothing. Rename the package",
            project
                .canonicalize()
                .expect("path")
                .join("mutants")
                .display()
        )),
        "{text}"
    );
    assert_eq!(files(&project), before, "{text}");
    // The project's own tests still pass with plain pytest.
    let plain = std::process::Command::new(common::python())
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .current_dir(&project)
        .output()
        .expect("pytest");
    assert!(plain.status.success(), "{}", common::text(&plain));
    assert_no_processes(&project);
}

// --- a mutants/ folder mutmut wrote ------------------------------------------------------------

/// What mutmut 3 leaves in `mutants/` after a run, written by hand: the copied project, a
/// trampolined source, its `.meta` (mutmut's format) and `.spans`, and `mutmut-stats.json`.
fn write_mutmut_folder(project: &Path) {
    let mutants = project.join("mutants");
    std::fs::create_dir_all(mutants.join("calc")).expect("mkdir");
    std::fs::create_dir_all(mutants.join("tests")).expect("mkdir");
    for file in ["pyproject.toml", "calc/__init__.py", "tests/test_core.py"] {
        std::fs::copy(project.join(file), mutants.join(file)).expect("copy");
    }
    std::fs::write(
        mutants.join("calc/core.py"),
        "from inspect import signature as _mutmut_signature\n\
         def x_add__mutmut_orig(a, b):\n    return a + b\n\
         def x_add__mutmut_1(a, b):\n    return a - b\n",
    )
    .expect("write");
    std::fs::write(
        mutants.join("calc/core.py.meta"),
        r#"{"exit_code_by_key": {"calc.core.x_add__mutmut_1": 1}, "durations_by_key": {"calc.core.x_add__mutmut_1": 0.1}, "hash_by_function_name": {}, "estimated_durations_by_key": {}}"#,
    )
    .expect("write");
    std::fs::write(mutants.join("calc/core.py.spans"), "[[1, 0, 2, 16]]\n").expect("write");
    std::fs::write(
        mutants.join("mutmut-stats.json"),
        r#"{"tests_by_mangled_function_name": {"calc.core.x_add": ["tests.test_core.test_add"]}, "duration_by_test": {"tests.test_core.test_add": 0.01}, "stats_time": 0.2}"#,
    )
    .expect("write");
}

const MUTMUT_ADVICE: &str = "not mutrun's: mutrun writes its copy of the project there, and it \
    never deletes or overwrites what it did not write, so it stopped and changed nothing. Keep \
    mutmut's results somewhere else (`mv mutants mutants-mutmut`), or, if you no longer need \
    them, delete them yourself (`rm -rf mutants/`); then run mutrun again";

#[test]
fn a_mutants_folder_mutmut_wrote_is_refused_and_kept_and_mutrun_runs_once_it_is_moved() {
    let (_guard, project) = common::fixture("files/mutmut_folder");
    write_mutmut_folder(&project);
    let before = files(&project);
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "mutrun: error: {} holds mutmut's results (mutants/calc/core.py.meta, \
             mutants/calc/core.py.spans, mutants/mutmut-stats.json), {MUTMUT_ADVICE}",
            project
                .canonicalize()
                .expect("path")
                .join("mutants")
                .display()
        )),
        "{text}"
    );
    assert!(!text.contains("corrupt"), "{text}");
    assert_eq!(files(&project), before, "{text}");
    assert!(!project.join("mutants/.mutrun").exists(), "{text}");

    // The user moves mutmut's results away (outside the project), as the message says.
    let kept = project.with_file_name("mutants-mutmut");
    std::fs::rename(project.join("mutants"), &kept).expect("move");
    let kept_before = files(&kept);
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    for id in ["calc.core.add:1", "calc.core.add:2", "calc.core.scale:1"] {
        assert_eq!(v.get(id).map(String::as_str), Some("killed"), "{id}: {v:?}");
    }
    assert!(v.values().all(|v| v != "none"), "{v:?}");
    assert_verified(&project);
    assert_eq!(files(&kept), kept_before);

    // mutmut run again in mutrun's folder: its stats file is refused, mutrun's verdicts stay.
    std::fs::copy(
        kept.join("mutmut-stats.json"),
        project.join("mutants/mutmut-stats.json"),
    )
    .expect("copy");
    let before = files(&project);
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("holds mutmut's results (mutants/mutmut-stats.json), not mutrun's"),
        "{text}"
    );
    assert_eq!(files(&project), before, "{text}");
    assert_eq!(common::verdicts(&project), v);
    assert_no_processes(&project);
}

// --- the user's files in mutants/ --------------------------------------------------------------

#[test]
fn user_files_in_mutants_are_refused_then_never_removed_once_mutrun_owns_the_folder() {
    let (_guard, project) = common::fixture("files/user_files");
    let before = files(&project);
    assert!(
        before.contains_key(Path::new("mutants/catalog.csv")),
        "{before:?}"
    );
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "mutrun: error: {} holds files mutrun did not write (mutants/catalog.csv, \
             mutants/notes/ideas.txt): mutrun writes its copy of the project there, and it never \
             deletes or overwrites what it did not write, so it stopped and changed nothing. \
             Move these files out of mutants/",
            project
                .canonicalize()
                .expect("path")
                .join("mutants")
                .display()
        )),
        "{text}"
    );
    assert_eq!(files(&project), before, "{text}");

    // The user moves them out; mutrun runs and owns the folder.
    let notes = project.join("notes-moved");
    std::fs::rename(project.join("mutants"), &notes).expect("move");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    for id in ["shop.cart.total:1", "shop.cart.discount:1"] {
        assert_eq!(v.get(id).map(String::as_str), Some("killed"), "{id}: {v:?}");
    }
    assert!(v.values().all(|v| v != "none"), "{v:?}");
    assert_verified(&project);

    // Someone puts files into mutrun's folder, one of them in a directory that then leaves the
    // project, and a test file is deleted from the project: mutrun removes its copy of that
    // test, and nothing it did not write.
    let mutants = project.join("mutants");
    std::fs::write(mutants.join("scratch.txt"), "mine\n").expect("write");
    std::fs::create_dir_all(mutants.join("extra")).expect("mkdir");
    std::fs::create_dir_all(project.join("extra")).expect("mkdir");
    std::fs::write(project.join("extra/data.txt"), "data\n").expect("write");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    std::fs::write(mutants.join("extra/mine.txt"), "mine too\n").expect("write");
    std::fs::remove_dir_all(project.join("extra")).expect("remove");
    std::fs::write(
        project.join("tests/test_more.py"),
        "def test_nothing():\n    pass\n",
    )
    .expect("write");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    assert!(mutants.join("tests/test_more.py").is_file(), "{text}");
    std::fs::remove_file(project.join("tests/test_more.py")).expect("remove");
    let mine = files(&mutants);
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    let after = files(&mutants);
    assert!(
        !after.contains_key(Path::new("tests/test_more.py")),
        "{text}"
    );
    assert!(!after.contains_key(Path::new("extra/data.txt")), "{text}");
    for kept in ["scratch.txt", "extra/mine.txt"] {
        assert_eq!(
            after.get(Path::new(kept)),
            mine.get(Path::new(kept)),
            "{kept}: {text}"
        );
    }
    assert_eq!(common::verdicts(&project), v);

    // A file of the project now where the user's file is: refused, the user's file kept.
    std::fs::write(project.join("scratch.txt"), "the project's\n").expect("write");
    let (code, text) = run(&project);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(
            "mutrun: error: mutrun must write mutants/scratch.txt, but mutrun did not write what \
             is there now (a test run in mutants/, or someone, did), and it never deletes or \
             overwrites what it did not write: move or delete it"
        ),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(mutants.join("scratch.txt")).expect("read"),
        "mine\n"
    );
    assert_no_processes(&project);
}

// --- a mutants/ an older mutrun wrote, without a record ------------------------------------------

#[test]
fn a_folder_an_older_mutrun_wrote_is_adopted_with_its_verdicts() {
    let (_guard, project) = common::fixture("files/user_files");
    std::fs::remove_dir_all(project.join("mutants")).expect("remove the user's folder");
    let (code, text) = run(&project);
    assert_eq!(code, Some(0), "{text}");
    let v = common::verdicts(&project);
    let mutants = project.join("mutants");
    // What an older mutrun left: no record, `.meta` files without the rendered file's hash, and
    // a file a test wrote.
    std::fs::remove_file(mutants.join(".mutrun/written")).expect("remove the record");
    let meta_path = mutants.join("shop/cart.py.meta");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).expect("read")).expect("json");
    meta.as_object_mut()
        .expect("object")
        .remove("rendered_sha256");
    std::fs::write(
        &meta_path,
        serde_json::to_string_pretty(&meta).expect("json"),
    )
    .expect("write");
    std::fs::write(mutants.join("tests/output.log"), "a test wrote this\n").expect("write");

    let out = common::mutrun(&project, &["run", "--no-progress", "--explain"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "was written by an earlier mutrun, which kept no record of its files; adopted the"
        ),
        "{text}"
    );
    assert!(
        text.contains("left alone 1 files that are not the project's (mutrun will never delete them): mutants/tests/output.log"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "all {} selected verdicts are still valid; nothing to run",
            v.len()
        )),
        "{text}"
    );
    assert_eq!(common::verdicts(&project), v);
    assert!(mutants.join("tests/output.log").is_file());
    assert_no_processes(&project);
}
