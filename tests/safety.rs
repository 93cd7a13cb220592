//! mutrun reads and writes only inside the project (writing only under `mutants/`): configured
//! paths that leave it are refused with the key, the value, the file and what to do (exit 2);
//! symbolic links that leave it are never followed; a `mutants/` or `mutants/.mutrun/` that is
//! a link out is refused. Each case checks that a sentinel folder beside the project is untouched.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// A copy of `fixtures/simple` with a sentinel folder beside it (holding a Python package and a
/// data file a link could reach), and a snapshot of that folder.
struct Setup {
    _guard: tempfile::TempDir,
    project: PathBuf,
    sentinel: PathBuf,
    before: BTreeMap<PathBuf, String>,
}

impl Setup {
    fn new() -> Setup {
        let (guard, project) = common::fixture("simple");
        let sentinel = project.with_file_name("sentinel");
        std::fs::create_dir_all(sentinel.join("other")).expect("sentinel dir");
        std::fs::write(
            sentinel.join("other/__init__.py"),
            "def double(x):\n    return x * 2\n",
        )
        .expect("sentinel file");
        std::fs::write(sentinel.join("secret.txt"), "secret\n").expect("sentinel file");
        let before = snapshot(&sentinel);
        Setup {
            _guard: guard,
            project,
            sentinel,
            before,
        }
    }

    /// Replaces the fixture's `[tool.mutrun]` section (the last one in its pyproject.toml).
    fn configure(&self, section: &str) {
        let path = self.project.join("pyproject.toml");
        let text = std::fs::read_to_string(&path).expect("read pyproject.toml");
        let start = text.find("[tool.mutrun]").expect("a [tool.mutrun] section");
        std::fs::write(
            &path,
            format!("{}[tool.mutrun]\n{section}\n", &text[..start]),
        )
        .expect("write pyproject.toml");
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut all = vec!["run", "--no-progress"];
        all.extend_from_slice(args);
        let out = common::mutrun(&self.project, &all);
        (out.status.code(), common::text(&out))
    }

    fn assert_sentinel_untouched(&self, output: &str) {
        assert_eq!(
            snapshot(&self.sentinel),
            self.before,
            "the folder beside the project changed:\n{output}"
        );
    }
}

/// Every entry under `dir`: its kind, size and modification time, and a file's text.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| {
            let meta = e.path().symlink_metadata().expect("metadata");
            let text = if meta.is_file() {
                std::fs::read_to_string(e.path()).unwrap_or_default()
            } else {
                String::new()
            };
            let rel = e.path().strip_prefix(dir).expect("under dir").to_path_buf();
            let kind = format!("{:?}", meta.file_type());
            (
                rel,
                format!("{kind} {} {:?} {text}", meta.len(), meta.modified().ok()),
            )
        })
        .collect()
}

/// A refused configuration: exit code 2, a message naming the file, key and value, nothing
/// written (no `mutants/`), the sentinel untouched.
fn assert_refused(setup: &Setup, code: Option<i32>, output: &str, expected: &[&str]) {
    assert_eq!(code, Some(2), "{output}");
    for part in expected {
        assert!(output.contains(part), "want `{part}` in:\n{output}");
    }
    assert!(
        !setup.project.join("mutants").exists(),
        "mutants/ was written:\n{output}"
    );
    setup.assert_sentinel_untouched(output);
}

#[test]
fn also_copy_that_climbs_out_is_refused() {
    let setup = Setup::new();
    setup.configure("paths_to_mutate = [\"simple\"]\nalso_copy = [\"../..\"]");
    let (code, output) = setup.run(&[]);
    assert_refused(
        &setup,
        code,
        &output,
        &[
            "mutrun: error: pyproject.toml: [tool.mutrun] key `also_copy`: `../..` is outside \
             the project; paths must stay inside the project root",
            "copy what is needed into the project",
        ],
    );
}

#[test]
fn absolute_also_copy_is_refused() {
    let setup = Setup::new();
    setup.configure("paths_to_mutate = [\"simple\"]\nalso_copy = [\"/etc\"]");
    let (code, output) = setup.run(&[]);
    assert_refused(
        &setup,
        code,
        &output,
        &[
            "pyproject.toml: [tool.mutrun] key `also_copy`: `/etc` is an absolute path; paths \
             must be relative to the project root",
            "mutrun reads, mutates and writes only inside it",
        ],
    );
}

#[test]
fn paths_to_mutate_and_tests_dir_outside_are_refused() {
    let setup = Setup::new();
    setup.configure("paths_to_mutate = [\"../sentinel/other\"]");
    let (code, output) = setup.run(&[]);
    assert_refused(
        &setup,
        code,
        &output,
        &["pyproject.toml: [tool.mutrun] key `paths_to_mutate`: `../sentinel/other` is outside the project"],
    );

    setup.configure("paths_to_mutate = [\"simple\"]\ntests_dir = [\"tests\", \"../sentinel\"]");
    let (code, output) = setup.run(&[]);
    assert_refused(
        &setup,
        code,
        &output,
        &["pyproject.toml: [tool.mutrun] key `tests_dir`: `../sentinel` is outside the project"],
    );

    // mutmut's setup.cfg section is read the same way.
    setup.configure("");
    std::fs::write(
        setup.project.join("setup.cfg"),
        "[mutmut]\npaths_to_mutate = simple\ntests_dir = /tmp\n",
    )
    .expect("write setup.cfg");
    let pyproject = setup.project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("read");
    std::fs::write(&pyproject, text.replace("[tool.mutrun]\n", "")).expect("write");
    let (code, output) = setup.run(&[]);
    assert_refused(
        &setup,
        code,
        &output,
        &["setup.cfg: [mutmut] key `tests_dir`: `/tmp` is an absolute path"],
    );
}

#[test]
fn command_line_paths_outside_are_refused() {
    let setup = Setup::new();
    let (code, output) = setup.run(&["--paths-to-mutate", "../sentinel/other"]);
    assert_refused(
        &setup,
        code,
        &output,
        &["--paths-to-mutate: `../sentinel/other` is outside the project"],
    );
    let outside = setup.sentinel.join("other").display().to_string();
    let (code, output) = setup.run(&["--paths-to-mutate", &outside]);
    assert_refused(
        &setup,
        code,
        &output,
        &[&format!(
            "--paths-to-mutate: `{outside}` is outside the project root"
        )],
    );
}

#[test]
fn configured_paths_that_leave_through_a_link_are_refused() {
    let setup = Setup::new();
    symlink(&setup.sentinel, setup.project.join("elsewhere")).expect("symlink");
    for (section, key) in [
        ("paths_to_mutate = [\"elsewhere/other\"]", "paths_to_mutate"),
        (
            "paths_to_mutate = [\"simple\"]\ntests_dir = [\"elsewhere\"]",
            "tests_dir",
        ),
        (
            "paths_to_mutate = [\"simple\"]\nalso_copy = [\"elsewhere\"]",
            "also_copy",
        ),
    ] {
        setup.configure(section);
        let (code, output) = setup.run(&[]);
        let canonical = setup.sentinel.canonicalize().expect("canonical");
        let value = if key == "paths_to_mutate" {
            "elsewhere/other"
        } else {
            "elsewhere"
        };
        let shown = if key == "paths_to_mutate" {
            canonical.join("other")
        } else {
            canonical
        };
        assert_refused(
            &setup,
            code,
            &output,
            &[
                &format!(
                    "pyproject.toml: [tool.mutrun] key `{key}`: `{value}` leads outside the \
                     project through a symbolic link (to {})",
                    shown.display()
                ),
                "name a path inside it, or copy what is needed into the project",
            ],
        );
    }
}

#[test]
fn links_out_of_the_project_are_not_followed_and_links_inside_still_work() {
    let setup = Setup::new();
    let project = &setup.project;
    // Out: a directory, a data file, and a module inside the package being mutated.
    symlink(&setup.sentinel, project.join("outside_dir")).expect("symlink");
    symlink(
        setup.sentinel.join("secret.txt"),
        project.join("tests/secret.txt"),
    )
    .expect("symlink");
    symlink(
        setup.sentinel.join("other/__init__.py"),
        project.join("simple/borrowed.py"),
    )
    .expect("symlink");
    // In: a data file the tests read through a relative link, and a directory link.
    std::fs::create_dir_all(project.join("data")).expect("data dir");
    std::fs::write(project.join("data/values.txt"), "42\n").expect("data file");
    symlink("../data/values.txt", project.join("tests/values.txt")).expect("symlink");
    symlink("simple", project.join("simple_alias")).expect("symlink");
    std::fs::write(
        project.join("tests/test_links.py"),
        "import pathlib\n\n\
         def test_reads_through_an_inside_link():\n\
         \x20   here = pathlib.Path(__file__).parent\n\
         \x20   assert (here / 'values.txt').read_text() == '42\\n'\n\
         \x20   assert (here.parent / 'simple_alias' / 'calc.py').is_file()\n\
         \x20   assert not (here / 'secret.txt').exists()\n",
    )
    .expect("test file");

    let (code, output) = setup.run(&[]);
    assert_eq!(code, Some(0), "{output}");
    for skipped in ["outside_dir", "simple/borrowed.py", "tests/secret.txt"] {
        assert!(
            output.contains(&format!("mutrun: warning: skipped symlink {skipped} -> "))
                && output.contains("it points outside the project"),
            "no warning for {skipped}:\n{output}"
        );
        assert!(
            std::fs::symlink_metadata(project.join("mutants").join(skipped)).is_err(),
            "{skipped} is in mutants/:\n{output}"
        );
    }
    // The module behind the link is not mutated.
    let verdicts = common::verdicts(project);
    assert!(!verdicts.is_empty(), "{output}");
    assert!(
        verdicts.keys().all(|id| !id.starts_with("simple.borrowed")),
        "{verdicts:?}"
    );
    // The inside links point into the copy, and the test that reads through them passed the
    // clean pass (it would have stopped the run with exit 4).
    let link = project.join("mutants/tests/values.txt");
    assert_eq!(
        std::fs::read_link(&link).expect("a link"),
        PathBuf::from("../data/values.txt")
    );
    assert_eq!(
        link.canonicalize().expect("resolves"),
        project
            .join("mutants/data/values.txt")
            .canonicalize()
            .expect("copied")
    );
    assert_eq!(
        std::fs::read_link(project.join("mutants/simple_alias")).expect("a link"),
        PathBuf::from("simple")
    );
    setup.assert_sentinel_untouched(&output);
    let left = common::wait_for_no_processes_under(project);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_mutants_folder_that_is_a_link_is_refused() {
    let setup = Setup::new();
    let mutants = setup.project.join("mutants");
    symlink(&setup.sentinel, &mutants).expect("symlink");
    for command in [&["run", "--no-progress"][..], &["results"][..]] {
        let out = common::mutrun(&setup.project, command);
        let output = common::text(&out);
        assert_eq!(out.status.code(), Some(2), "{output}");
        assert!(
            output.contains(&format!(
                "mutrun: error: {} is a symbolic link to {} (outside the project)",
                mutants.display(),
                setup.sentinel.canonicalize().expect("canonical").display()
            )),
            "{output}"
        );
        assert!(output.contains("Remove the link (`rm "), "{output}");
        setup.assert_sentinel_untouched(&output);
    }
}

#[test]
fn links_out_of_mutrun_own_folder_are_refused() {
    let setup = Setup::new();
    let (code, output) = setup.run(&[]);
    assert_eq!(code, Some(0), "{output}");
    let own = setup.project.join("mutants/.mutrun");
    // The logs folder replaced by a link out, then the whole of .mutrun/.
    let logs = own.join("logs");
    std::fs::remove_dir_all(&logs).expect("remove logs");
    symlink(&setup.sentinel, &logs).expect("symlink");
    let (code, output) = setup.run(&["--rerun"]);
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "mutrun: error: {} is a symbolic link to",
            logs.display()
        )),
        "{output}"
    );
    setup.assert_sentinel_untouched(&output);

    std::fs::remove_dir_all(&own).expect("remove .mutrun");
    symlink(&setup.sentinel, &own).expect("symlink");
    let (code, output) = setup.run(&["--rerun"]);
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains(&format!(
            "mutrun: error: {} is a symbolic link to",
            own.display()
        )),
        "{output}"
    );
    setup.assert_sentinel_untouched(&output);
}
