//! Finds the configuration section: the first of pyproject.toml's `[tool.mutrun]` and
//! `[tool.mutmut]`, then setup.cfg's `[mutmut]`, and hands over its keys and raw values in file
//! order.

use std::path::{Path, PathBuf};

use configparser::ini::{Ini, IniDefault};

use super::value::Raw;
use super::ConfigSource;
use crate::domain::error::{Error, Result};

/// A section mutrun reads its keys from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// pyproject.toml `[tool.mutrun]`.
    ToolMutrun,
    /// pyproject.toml `[tool.mutmut]` (mutmut 3).
    ToolMutmut,
    /// setup.cfg `[mutmut]` (mutmut 2 and 3).
    SetupCfgMutmut,
}

impl Section {
    /// Every section, in the order they are looked for; the first one present is read.
    pub const ALL: [Section; 3] = [
        Section::ToolMutrun,
        Section::ToolMutmut,
        Section::SetupCfgMutmut,
    ];

    /// The section as written in its file, e.g. `[tool.mutrun]`.
    pub fn header(self) -> &'static str {
        match self {
            Section::ToolMutrun => "[tool.mutrun]",
            Section::ToolMutmut => "[tool.mutmut]",
            Section::SetupCfgMutmut => "[mutmut]",
        }
    }

    /// mutmut's own sections, where mutmut's options mutrun does not use are tolerated.
    pub fn is_mutmut(self) -> bool {
        self != Section::ToolMutrun
    }
}

/// The section found, with its keys and raw values in file order.
pub struct FoundSection {
    pub source: ConfigSource,
    pub section: Section,
    pub entries: Vec<(String, Raw)>,
}

/// The first of `[tool.mutrun]`, `[tool.mutmut]` (pyproject.toml), `[mutmut]` (setup.cfg).
pub fn read_section(root: &Path) -> Result<Option<FoundSection>> {
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        let text =
            std::fs::read_to_string(&pyproject).map_err(|e| Error::io("read", &pyproject, e))?;
        if let Some(found) = toml_section(&text)? {
            return Ok(Some(found));
        }
    }
    let setup_cfg = root.join("setup.cfg");
    if setup_cfg.is_file() {
        let text =
            std::fs::read_to_string(&setup_cfg).map_err(|e| Error::io("read", &setup_cfg, e))?;
        let entries = ini_section(&text, "mutmut")
            .map_err(|problem| Error::usage(format!("setup.cfg: not valid INI: {problem}")))?;
        if let Some(entries) = entries {
            return Ok(Some(found(
                "setup.cfg",
                Section::SetupCfgMutmut,
                entries.into_iter().map(|(k, v)| (k, Raw::Ini(v))).collect(),
            )));
        }
    }
    Ok(None)
}

fn found(file: &str, section: Section, entries: Vec<(String, Raw)>) -> FoundSection {
    FoundSection {
        source: ConfigSource {
            file: PathBuf::from(file),
            section: section.header(),
        },
        section,
        entries,
    }
}

/// pyproject.toml's `[tool.mutrun]`, else its `[tool.mutmut]`.
fn toml_section(text: &str) -> Result<Option<FoundSection>> {
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, col) = e
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((1, 1));
        Error::usage(format!(
            "pyproject.toml:{line}:{col}: not valid TOML: {}",
            e.message().trim_end()
        ))
    })?;
    let Some(tool) = doc.get("tool") else {
        return Ok(None);
    };
    let toml::Value::Table(tool) = tool else {
        return Err(Error::usage(
            "pyproject.toml: `tool` must be a table ([tool.*] sections)",
        ));
    };
    for (name, section) in [
        ("mutrun", Section::ToolMutrun),
        ("mutmut", Section::ToolMutmut),
    ] {
        let Some(value) = tool.get(name) else {
            continue;
        };
        let toml::Value::Table(table) = value else {
            return Err(Error::usage(format!(
                "pyproject.toml: `tool.{name}` must be a table ({}), got {value}",
                section.header()
            )));
        };
        let entries = table
            .iter()
            .map(|(k, v)| (k.clone(), Raw::Toml(v.clone())))
            .collect();
        return Ok(Some(found("pyproject.toml", section, entries)));
    }
    Ok(None)
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The entries of `[section]` in an INI file, read as Python's configparser reads setup.cfg:
/// keys lowercased (a key given twice keeps its first place and its last value), `=` or `:`
/// separators, `#`/`;` comment lines, values continued on lines indented deeper than their key
/// (blank lines inside kept). `Ok(None)` when the section is absent.
fn ini_section(text: &str, section: &str) -> Result<Option<Vec<(String, String)>>, String> {
    let mut options = IniDefault::default();
    // Section names are case-sensitive (as in Python); keys are lowercased below.
    options.case_sensitive = true;
    options.multiline = true;
    options.enable_inline_comments = false;
    let sections = Ini::new_from_defaults(options).read(text.to_string())?;
    let Some(values) = sections.get(section) else {
        return Ok(None);
    };
    let mut entries: Vec<(String, String)> = Vec::new();
    for (key, value) in values {
        let key = key.to_lowercase();
        let value = value.as_deref().unwrap_or_default().trim().to_string();
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    Ok(Some(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_reader() {
        let text = "[mutmut]\nA = 1\n  continued\n\n  after blank\n; c\nb: 2\n[x]\nc = 3\n";
        let entries = ini_section(text, "mutmut").unwrap().unwrap();
        assert_eq!(
            entries,
            vec![
                ("a".to_string(), "1\ncontinued\n\nafter blank".to_string()),
                ("b".to_string(), "2".to_string()),
            ]
        );
        assert_eq!(ini_section(text, "missing").unwrap(), None);
    }

    #[test]
    fn ini_reader_reads_setup_cfg_as_python_does() {
        let text =
            "[metadata]\nname = x\n[mutmut]\npaths_to_mutate =\n    a\n    # a comment\n    b\n\
                    Workers = 2 ; not a comment\nWORKERS = 3\nbare\n[Mutmut]\ntests_dir = t\n";
        assert_eq!(
            ini_section(text, "mutmut").unwrap().unwrap(),
            vec![
                ("paths_to_mutate".to_string(), "a\nb".to_string()),
                ("workers".to_string(), "3".to_string()),
                ("bare".to_string(), String::new()),
            ]
        );
        let crlf = "[mutmut]\r\npaths_to_mutate = a\r\n    b\r\n";
        assert_eq!(
            ini_section(crlf, "mutmut").unwrap().unwrap(),
            vec![("paths_to_mutate".to_string(), "a\nb".to_string())]
        );
    }
}
