//! Finds the functions a file's trampolines are built around: every `def` whose enclosing scopes
//! are only the module and class bodies (through `if`/`try`/`with`/loop/`match` blocks).
//!
//! A function nested in another function is not a site of its own: it is re-created each time the
//! outer function runs, so its mutations belong to the outer function's variants.

use std::collections::HashMap;

use ruff_python_ast::{Expr, ModModule, Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;

use crate::domain::mutant::FunctionKey;
use crate::generate::pragma::{Pragmas, SkipReason};

/// One trampolinable function.
#[derive(Debug, Clone)]
pub struct FunctionSite<'a> {
    pub def: &'a StmtFunctionDef,
    /// `Class.method` or `function`, as Python's `__qualname__`.
    pub qualname: String,
    /// The id prefix of its mutants; the qualname plus `~N` for a repeated definition.
    pub key: FunctionKey,
    /// Defined directly in a class body (its variants are declared `global` there).
    pub in_class: bool,
    /// Left alone whole, and why: a `no mutate block` pragma on it or around it, a coverage
    /// exclusion, or every line of it inside a pragma's reach.
    pub skipped: Option<SkipReason>,
}

/// The trampolinable functions of `module` that may be mutated, in source order.
pub fn find<'a>(
    module: &'a ModModule,
    module_name: &str,
    pragmas: &Pragmas,
) -> Vec<FunctionSite<'a>> {
    let mut sites = find_all(module, module_name, pragmas);
    sites.retain(|site| site.skipped.is_none());
    sites
}

/// Every trampolinable function of `module`, in source order, those left alone included (with
/// [`FunctionSite::skipped`] set). A skipped definition still counts for the `~N` of a repeated
/// qualname, so ids do not move when a pragma is added or removed.
pub fn find_all<'a>(
    module: &'a ModModule,
    module_name: &str,
    pragmas: &Pragmas,
) -> Vec<FunctionSite<'a>> {
    let mut finder = Finder {
        module_name,
        pragmas,
        sites: Vec::new(),
        seen: HashMap::new(),
    };
    finder.suite(&module.body, &mut Vec::new(), false);
    finder.sites
}

struct Finder<'a, 'p> {
    module_name: &'p str,
    pragmas: &'p Pragmas,
    sites: Vec<FunctionSite<'a>>,
    seen: HashMap<String, usize>,
}

impl<'a> Finder<'a, '_> {
    fn suite(&mut self, body: &'a [Stmt], classes: &mut Vec<String>, in_class: bool) {
        for stmt in body {
            self.stmt(stmt, classes, in_class);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt, classes: &mut Vec<String>, in_class: bool) {
        match stmt {
            Stmt::FunctionDef(def) => self.function(def, classes, in_class),
            Stmt::ClassDef(class) => {
                classes.push(class.name.id.to_string());
                self.suite(&class.body, classes, true);
                classes.pop();
            }
            Stmt::If(if_stmt) => {
                if !is_type_checking(&if_stmt.test) {
                    self.suite(&if_stmt.body, classes, in_class);
                }
                for clause in &if_stmt.elif_else_clauses {
                    let skip = clause.test.as_ref().is_some_and(is_type_checking);
                    if !skip {
                        self.suite(&clause.body, classes, in_class);
                    }
                }
            }
            Stmt::Try(try_stmt) => {
                self.suite(&try_stmt.body, classes, in_class);
                for handler in &try_stmt.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    self.suite(&handler.body, classes, in_class);
                }
                self.suite(&try_stmt.orelse, classes, in_class);
                self.suite(&try_stmt.finalbody, classes, in_class);
            }
            Stmt::With(with) => self.suite(&with.body, classes, in_class),
            Stmt::For(for_stmt) => {
                self.suite(&for_stmt.body, classes, in_class);
                self.suite(&for_stmt.orelse, classes, in_class);
            }
            Stmt::While(while_stmt) => {
                self.suite(&while_stmt.body, classes, in_class);
                self.suite(&while_stmt.orelse, classes, in_class);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    self.suite(&case.body, classes, in_class);
                }
            }
            _ => {}
        }
    }

    fn function(&mut self, def: &'a StmtFunctionDef, classes: &[String], in_class: bool) {
        if is_overload(def) {
            return;
        }
        let name = usize::from(def.name.start());
        let skipped = self.pragmas.definition_reason(name).or_else(|| {
            self.pragmas
                .whole_range_reason(name, usize::from(def.range().end()).saturating_sub(1))
        });
        let mut qualname = classes.join(".");
        if !qualname.is_empty() {
            qualname.push('.');
        }
        qualname.push_str(def.name.id.as_str());
        let count = self.seen.entry(qualname.clone()).or_insert(0);
        *count += 1;
        let key_name = if *count == 1 {
            qualname.clone()
        } else {
            format!("{qualname}~{count}")
        };
        self.sites.push(FunctionSite {
            def,
            key: FunctionKey::new(self.module_name, &key_name),
            qualname,
            in_class,
            skipped,
        });
    }
}

/// `TYPE_CHECKING` or `typing.TYPE_CHECKING` (and `t.TYPE_CHECKING` for any alias).
pub fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => attr.attr.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// `@overload` / `@typing.overload` stubs have no behaviour to mutate.
fn is_overload(def: &StmtFunctionDef) -> bool {
    def.decorator_list.iter().any(|d| match &d.expression {
        Expr::Name(name) => name.id.as_str() == "overload",
        Expr::Attribute(attr) => attr.attr.as_str() == "overload",
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qualnames(source: &str) -> Vec<(String, String, bool)> {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        let pragmas = Pragmas::scan(source, parsed.tokens()).expect("pragmas");
        find(parsed.syntax(), "pkg.mod", &pragmas)
            .into_iter()
            .map(|s| (s.qualname, s.key.0, s.in_class))
            .collect()
    }

    #[test]
    fn finds_module_and_class_level_functions_only() {
        let src = "\
def top(): pass
class A:
    def m(self):
        def inner(): pass
    class B:
        async def n(self): pass
if X:
    def alt(): pass
else:
    def alt(): pass
";
        assert_eq!(
            qualnames(src),
            vec![
                ("top".into(), "pkg.mod.top".into(), false),
                ("A.m".into(), "pkg.mod.A.m".into(), true),
                ("A.B.n".into(), "pkg.mod.A.B.n".into(), true),
                ("alt".into(), "pkg.mod.alt".into(), false),
                ("alt".into(), "pkg.mod.alt~2".into(), false),
            ]
        );
    }

    #[test]
    fn skips_overloads_type_checking_and_excluded_definitions() {
        let src = "\
from typing import overload, TYPE_CHECKING
if TYPE_CHECKING:
    def hidden(): pass
@overload
def f(x: int) -> int: ...
def f(x): return x
def g():  # pragma: no mutate: function
    return 1
class C:  # pragma: no mutate: class
    def m(self): return 2
";
        let names: Vec<String> = qualnames(src).into_iter().map(|q| q.0).collect();
        assert_eq!(names, vec!["f".to_string()]);
    }
}
