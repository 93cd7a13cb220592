//! Keeps mutrun inside the project: configured paths that lead out of it through a symbolic link,
//! a `mutants/` that is a link, and links under `mutants/.mutrun/` that lead out of `mutants/`
//! are refused before anything is read or written.
//!
//! `config.rs` already refuses absolute paths and `..` that climb out; what only the file system
//! knows — where a link really points — is checked here, against the canonical project root.

use std::path::{Path, PathBuf};

use crate::config::{CliOverrides, Config};
use crate::domain::error::{Error, Result};
use crate::workspace::copy_tree::normalize;

/// What to do, said after every refusal.
const KEEP_INSIDE: &str = "mutrun reads, mutates and writes only inside the project root";

/// Refuses configured paths (`paths_to_mutate`, `tests_dir`, `also_copy`) that resolve outside
/// `root` through a symbolic link. A path that does not exist is left to the stage that uses it.
pub fn check_config_paths(root: &Path, config: &Config, cli: &CliOverrides) -> Result<()> {
    let root = canonical_root(root)?;
    let log_file: &[PathBuf] = match config.debug || config.log_to_file {
        true => std::slice::from_ref(&config.log_file_path),
        false => &[],
    };
    let keys: [(&str, &str, bool, &[PathBuf]); 4] = [
        (
            "paths_to_mutate",
            "--paths-to-mutate",
            cli.paths_to_mutate.is_some(),
            config.paths_to_mutate.as_deref().unwrap_or(&[]),
        ),
        (
            "tests_dir",
            "--tests-dir",
            cli.tests_dir.is_some(),
            &config.tests_dir,
        ),
        ("also_copy", "", false, &config.also_copy),
        ("log_file_path", "", false, log_file),
    ];
    for (key, flag, from_cli, paths) in keys {
        for path in paths {
            let Some(target) = resolve(&root.join(path)) else {
                continue;
            };
            if target.starts_with(&root) {
                continue;
            }
            let origin = if from_cli {
                flag.to_string()
            } else {
                match &config.source {
                    Some(source) => {
                        format!("{}: {} key `{key}`", source.file.display(), source.section)
                    }
                    None => format!("`{key}`"),
                }
            };
            return Err(Error::usage(format!(
                "{origin}: `{}` leads outside the project through a symbolic link (to {}); \
                 {KEEP_INSIDE}: name a path inside it, or copy what is needed into the project",
                path.display(),
                target.display()
            )));
        }
    }
    Ok(())
}

/// Refuses a `mutants/` that is a link (out of the project, or onto the project's own files), and
/// a `mutants/.mutrun/` holding a link (itself included) that leads out of `mutants/`: mutrun
/// would write its copy, logs, runtime and stats through them. Nothing is created here.
pub fn check_mutants_dir(root: &Path, mutants_dir: &Path) -> Result<()> {
    // A root that cannot be opened is reported by the command itself.
    let Ok(root) = root.canonicalize() else {
        return Ok(());
    };
    if std::fs::symlink_metadata(mutants_dir).is_err() {
        return Ok(());
    }
    let Some(mutants) = resolve(mutants_dir) else {
        return Ok(());
    };
    if mutants_dir.is_symlink() {
        // Outside, it leads out; inside, mutrun's copy would land on the project's own files.
        let place = if mutants.starts_with(&root) {
            "into the project's own files"
        } else {
            "outside the project"
        };
        return Err(Error::usage(format!(
            "{} is a symbolic link to {} ({place}); {KEEP_INSIDE}, into a real mutants/ folder, \
             so it will not write there. Remove the link (`rm {}`) and run again: mutrun makes \
             the folder",
            mutants_dir.display(),
            mutants.display(),
            mutants_dir.display()
        )));
    }
    let own = mutants_dir.join(".mutrun");
    if std::fs::symlink_metadata(&own).is_err() {
        return Ok(());
    }
    let walker = walkdir::WalkDir::new(&own)
        .follow_links(false)
        .follow_root_links(false)
        .into_iter()
        .filter_map(|e| e.ok());
    for entry in walker {
        if !entry.path_is_symlink() {
            continue;
        }
        let Some(target) = resolve(entry.path()) else {
            continue;
        };
        if !target.starts_with(&mutants) {
            return Err(Error::usage(format!(
                "{} is a symbolic link to {}, outside {}; {KEEP_INSIDE}, so it will not write \
                 there. Remove the link (`rm {}`) and run again",
                entry.path().display(),
                target.display(),
                mutants_dir.display(),
                entry.path().display()
            )));
        }
    }
    Ok(())
}

fn canonical_root(root: &Path) -> Result<PathBuf> {
    root.canonicalize()
        .map_err(|e| Error::io("open the project directory", root, e))
}

/// Where `path` really is: the canonical form of its longest existing prefix (a dangling link
/// resolved lexically from its parent) with the rest appended. `None` when nothing of it exists.
fn resolve(path: &Path) -> Option<PathBuf> {
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    let mut prefix = path;
    loop {
        if let Ok(canonical) = prefix.canonicalize() {
            return Some(normalize(
                &canonical.join(rest.iter().rev().collect::<PathBuf>()),
            ));
        }
        if let (Ok(link), Some(parent)) = (std::fs::read_link(prefix), prefix.parent()) {
            let parent = parent.canonicalize().ok()?;
            let target = parent
                .join(link)
                .join(rest.iter().rev().collect::<PathBuf>());
            return Some(normalize(&target));
        }
        rest.push(prefix.file_name()?);
        prefix = prefix.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn config(paths: &[&str], tests: &[&str], also: &[&str]) -> Config {
        Config {
            paths_to_mutate: Some(paths.iter().map(PathBuf::from).collect()),
            tests_dir: tests.iter().map(PathBuf::from).collect(),
            also_copy: also.iter().map(PathBuf::from).collect(),
            source: Some(crate::config::ConfigSource {
                file: PathBuf::from("pyproject.toml"),
                section: "[tool.mutrun]",
            }),
            ..Config::default()
        }
    }

    #[test]
    fn links_out_of_the_project_are_refused_and_links_inside_are_fine() {
        let outside = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        std::fs::create_dir_all(root.join("src/pkg")).unwrap();
        symlink(outside.path(), root.join("out")).unwrap();
        symlink("src/pkg", root.join("pkg")).unwrap();
        symlink("/nowhere/at/all", root.join("dangling")).unwrap();
        let cli = CliOverrides::default();
        let ok = config(&["pkg", "src/pkg", "missing"], &["pkg"], &["pkg"]);
        check_config_paths(root, &ok, &cli).unwrap();

        let err = check_config_paths(root, &config(&["out/x"], &[], &[]), &cli)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "pyproject.toml: [tool.mutrun] key `paths_to_mutate`: `out/x` leads outside"
            ),
            "{err}"
        );
        let err = check_config_paths(root, &config(&[], &["dangling"], &[]), &cli)
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `tests_dir`: `dangling` leads outside the project through a symbolic link (to /nowhere/at/all)"), "{err}");
        let err = check_config_paths(root, &config(&[], &[], &["out"]), &cli)
            .unwrap_err()
            .to_string();
        assert!(err.contains("key `also_copy`"), "{err}");
        let from_cli = CliOverrides {
            paths_to_mutate: Some(vec![PathBuf::from("out")]),
            ..CliOverrides::default()
        };
        let err = check_config_paths(root, &config(&["out"], &[], &[]), &from_cli)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--paths-to-mutate: `out` leads outside"),
            "{err}"
        );
    }

    #[test]
    fn mutants_and_its_own_folder_must_not_lead_out() {
        let outside = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        let mutants = root.join("mutants");
        check_mutants_dir(root, &mutants).unwrap();
        symlink(outside.path(), &mutants).unwrap();
        let err = check_mutants_dir(root, &mutants).unwrap_err().to_string();
        assert!(err.contains("(outside the project)"), "{err}");
        std::fs::remove_file(&mutants).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        symlink("src", &mutants).unwrap();
        let err = check_mutants_dir(root, &mutants).unwrap_err().to_string();
        assert!(err.contains("(into the project's own files)"), "{err}");
        std::fs::remove_file(&mutants).unwrap();

        std::fs::create_dir_all(mutants.join(".mutrun/logs")).unwrap();
        symlink("../../pkg", mutants.join(".mutrun/logs/inside.log")).unwrap();
        check_mutants_dir(root, &mutants).unwrap();
        symlink(
            outside.path().join("x.log"),
            mutants.join(".mutrun/logs/worker-0.log"),
        )
        .unwrap();
        let err = check_mutants_dir(root, &mutants).unwrap_err().to_string();
        assert!(err.contains("worker-0.log is a symbolic link to"), "{err}");
    }
}
