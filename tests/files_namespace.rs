//! Namespace packages (PEP 420, no `__init__.py`, issue 17): `nspkg/a/ops.py` and
//! `nspkg/b/ops.py` are the modules `nspkg.a.ops` and `nspkg.b.ops`, as Python imports them, so
//! their mutants have distinct ids and each gets its own verdict; two files that would share a
//! module name are refused.

mod common;

#[test]
fn modules_of_a_namespace_package_have_their_own_ids_and_verdicts() {
    let (_guard, project) = common::fixture("files/namespace");
    let out = common::mutrun(&project, &["run", "--no-progress", "-j", "2"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let v = common::verdicts(&project);
    // `x + y` → `x - y`, `x * y` → `x / y`, and each `return None`.
    for id in [
        "nspkg.a.ops.combine:1",
        "nspkg.a.ops.combine:2",
        "nspkg.b.ops.combine:1",
        "nspkg.b.ops.combine:2",
        "nspkg.a.ops.label:1",
        "nspkg.b.ops.label:1",
    ] {
        assert_eq!(v.get(id).map(String::as_str), Some("killed"), "{id}: {v:?}");
    }
    assert!(
        v.keys()
            .all(|id| id.starts_with("nspkg.a.ops.") || id.starts_with("nspkg.b.ops.")),
        "{v:?}"
    );
    assert!(v.values().all(|v| v != "none"), "not run yet: {v:?}");
    let show = common::mutrun(&project, &["show", "nspkg.b.ops.combine:2"]);
    let shown = String::from_utf8_lossy(&show.stdout).to_string();
    assert!(shown.contains("nspkg/b/ops.py:2"), "{shown}");
    assert!(shown.contains("+    return x / y"), "{shown}");

    let verify = common::mutrun(&project, &["verify"]);
    let checked = common::text(&verify);
    assert_eq!(verify.status.code(), Some(0), "{checked}");
    assert!(
        checked.contains(&format!(
            "{} mutants checked: {} agree, 0 disagree",
            v.len(),
            v.len()
        )),
        "{checked}"
    );

    // Nothing changed: every verdict is reused, and the count says so.
    let out = common::mutrun(&project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "mutrun: all {} selected verdicts are still valid; nothing to run",
            v.len()
        )),
        "{text}"
    );
    // One function changed: its mutants run, the others' verdicts are counted as reused.
    let path = project.join("nspkg/b/ops.py");
    let source = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, source.replace("return x * y", "return y * x")).expect("write");
    let out = common::mutrun(&project, &["run", "--no-progress"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let rerun = v
        .keys()
        .filter(|id| id.starts_with("nspkg.b.ops.combine:"))
        .count();
    assert!(
        text.contains(&format!(", {} verdicts reused", v.len() - rerun)),
        "{text}"
    );
    let left = common::wait_for_no_processes_under(&project);
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

#[test]
fn two_files_python_would_import_under_one_name_are_refused() {
    let (_guard, project) = common::fixture("files/namespace");
    for dir in ["lib1/pkg", "lib2/pkg"] {
        std::fs::create_dir_all(project.join(dir)).expect("mkdir");
        std::fs::write(project.join(dir).join("__init__.py"), "").expect("write");
        std::fs::write(
            project.join(dir).join("util.py"),
            "def one():\n    return 1\n",
        )
        .expect("write");
    }
    let out = common::mutrun(
        &project,
        &[
            "run",
            "--no-progress",
            "--paths-to-mutate",
            "lib1",
            "--paths-to-mutate",
            "lib2",
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(
            "mutrun: error: 2 module names belong to more than one file to mutate, so their \
             mutant ids would collide:\n  `pkg`: lib1/pkg/__init__.py and lib2/pkg/__init__.py\n  \
             `pkg.util`: lib1/pkg/util.py and lib2/pkg/util.py\n"
        ),
        "{text}"
    );
    assert!(!project.join("mutants").exists(), "{text}");
}
