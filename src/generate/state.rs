//! Whether a function may leave what it computed where a later call, in a later test, finds it:
//! module state (a cache dict, a registry), class state, or any name declared `global`.
//!
//! Line-level test selection trusts that a test which runs none of a mutant's lines cannot see
//! the mutant. A function that fills a module-level cache breaks that: only the first test to
//! ask runs the filling lines, and every later test is served what they computed. Plain pytest
//! runs those later tests after the first, with the mutant's value in the cache, and one of them
//! may kill it. Such a function's mutants select by function ([`crate::coverage`]).
//!
//! The rule is syntactic and errs towards "keeps state":
//! - a store into an attribute of a name the function does not bind (`module.x = v`), of `cls`,
//!   or through `__class__`;
//! - a store into an item of, or a call of a mutating method on, a container the function did
//!   not make: one named by a name it does not bind (`CACHE[key] = v`, `REGISTRY.append(c)`) or
//!   held in an attribute (`self._memo[key] = v`: a memoizer object often lives at module level);
//! - any `global` statement.
//!
//! A parameter whose default is not an immutable literal (`cache={}`, `seen=set()`,
//! `registry=REGISTRY`) is not a name the function binds: the default object outlives the call.
//!
//! Setting `self.x = v` does not count: an instance usually lives in one test, and a rule that
//! took every setter would leave line selection to few functions. Hence what this misses: a lazy
//! attribute (`if self._x is None: self._x = …`) on an object kept across tests; README's
//! `coverage` says to select by function there.

use std::collections::HashSet;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt, StmtFunctionDef};

/// Methods of Python's containers that change the container.
const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "add",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "remove",
    "discard",
    "clear",
    "__setitem__",
];

/// Whether `function` (its nested functions and lambdas included) may store into state that
/// outlives the call: see the module docs for the rule.
pub fn keeps_state(function: &StmtFunctionDef) -> bool {
    let mut bound = Bound::default();
    for parameter in function.parameters.iter() {
        let shared_default = parameter
            .default()
            .is_some_and(|default| !immutable_literal(default));
        if !shared_default {
            bound.names.insert(parameter.name().to_string());
        }
    }
    for stmt in &function.body {
        bound.visit_stmt(stmt);
    }
    if bound.declares_global {
        return true;
    }
    let mut stores = Stores {
        local: &bound.names,
        found: false,
    };
    for stmt in &function.body {
        stores.visit_stmt(stmt);
    }
    stores.found
}

/// Whether `expr` is a literal no call can change: a default made of these is not shared state.
fn immutable_literal(expr: &Expr) -> bool {
    match expr {
        Expr::NoneLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        Expr::UnaryOp(unary) => immutable_literal(&unary.operand),
        Expr::Tuple(tuple) => tuple.elts.iter().all(immutable_literal),
        _ => false,
    }
}

/// The names a function binds, and whether it declares any `global`.
#[derive(Default)]
struct Bound {
    names: HashSet<String>,
    declares_global: bool,
}

impl<'a> Visitor<'a> for Bound {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(_) => self.declares_global = true,
            Stmt::FunctionDef(def) => {
                self.names.insert(def.name.to_string());
                for parameter in def.parameters.iter() {
                    self.names.insert(parameter.name().to_string());
                }
            }
            Stmt::ClassDef(class) => {
                self.names.insert(class.name.to_string());
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    let first = name.split('.').next().unwrap_or(name.as_str());
                    self.names.insert(first.to_string());
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.names.insert(name.to_string());
                }
            }
            Stmt::Try(statement) => {
                for handler in &statement.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    if let Some(name) = &handler.name {
                        self.names.insert(name.to_string());
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx == ExprContext::Store => {
                self.names.insert(name.id.to_string());
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    for parameter in parameters.iter() {
                        self.names.insert(parameter.name().to_string());
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &'a ruff_python_ast::Pattern) {
        use ruff_python_ast::Pattern;
        match pattern {
            Pattern::MatchAs(p) => self.names.extend(p.name.iter().map(|n| n.to_string())),
            Pattern::MatchStar(p) => self.names.extend(p.name.iter().map(|n| n.to_string())),
            Pattern::MatchMapping(p) => self.names.extend(p.rest.iter().map(|n| n.to_string())),
            _ => {}
        }
        ruff_python_ast::visitor::walk_pattern(self, pattern);
    }
}

/// Finds a store into state the function does not own.
struct Stores<'n> {
    local: &'n HashSet<String>,
    found: bool,
}

impl Stores<'_> {
    /// Whether the container `expr` (stored into, or changed by a method) may outlive the call:
    /// it is held in an attribute, or named by a name the function does not bind.
    fn shared_container(&self, expr: &Expr) -> bool {
        matches!(expr, Expr::Attribute(_)) || self.outlives_call(expr)
    }

    /// Whether the object `expr` names may outlive the call: a name the function does not bind,
    /// `cls`, anything reached through `__class__`, or an item or attribute of those.
    fn outlives_call(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Name(name) => name.id.as_str() == "cls" || !self.local.contains(name.id.as_str()),
            Expr::Attribute(attribute) => {
                attribute.attr.as_str() == "__class__" || self.outlives_call(&attribute.value)
            }
            Expr::Subscript(subscript) => self.outlives_call(&subscript.value),
            _ => false,
        }
    }

    fn target(&mut self, target: &Expr) {
        match target {
            Expr::Attribute(attribute) => self.found |= self.outlives_call(&attribute.value),
            Expr::Subscript(subscript) => self.found |= self.shared_container(&subscript.value),
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|t| self.target(t)),
            Expr::List(list) => list.elts.iter().for_each(|t| self.target(t)),
            Expr::Starred(starred) => self.target(&starred.value),
            _ => {}
        }
    }
}

impl<'a> Visitor<'a> for Stores<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => assign.targets.iter().for_each(|t| self.target(t)),
            Stmt::AugAssign(assign) => self.target(&assign.target),
            Stmt::AnnAssign(assign) if assign.value.is_some() => self.target(&assign.target),
            Stmt::Delete(delete) => delete.targets.iter().for_each(|t| self.target(t)),
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(method) = &*call.func {
                if MUTATING_METHODS.contains(&method.attr.as_str()) {
                    self.found |= self.shared_container(&method.value);
                }
            }
        }
        walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps(source: &str) -> bool {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        let Some(Stmt::FunctionDef(def)) = parsed.syntax().body.last() else {
            panic!("the last statement is a def");
        };
        keeps_state(def)
    }

    #[test]
    fn filling_a_module_cache_keeps_state() {
        assert!(keeps(
            "CACHE = {}\ndef f(k):\n    if k not in CACHE:\n        CACHE[k] = k * 2\n    return CACHE[k]"
        ));
        assert!(keeps("def f(c):\n    REGISTRY.append(c)"));
        assert!(keeps("def f(c):\n    settings.debug = c"));
        assert!(keeps("def f(c):\n    global N\n    N = c"));
        assert!(keeps("def f(cls, c):\n    cls.instances[c] = c"));
        assert!(keeps("def f(self, c):\n    self.__class__.count += 1"));
        assert!(keeps(
            "def f(self, k):\n    if k not in self._memo:\n        self._memo[k] = k * 2\n    return self._memo[k]"
        ));
        assert!(keeps("def f(self, k):\n    self.seen.add(k)"));
        assert!(keeps(
            "def f(k, _cache={}):\n    if k not in _cache:\n        _cache[k] = k * 2\n    return _cache[k]"
        ));
        assert!(keeps("def f(k, seen=set()):\n    seen.add(k)"));
    }

    #[test]
    fn local_work_keeps_no_state() {
        assert!(!keeps(
            "def f(k):\n    out = {}\n    out[k] = 1\n    out.update(a=2)\n    return out"
        ));
        assert!(!keeps(
            "def f(self, k):\n    self.k = k\n    self.count += 1"
        ));
        assert!(!keeps("def f(k):\n    for x, y in k:\n        y.append(x)"));
        assert!(!keeps("def f(k):\n    log.info(k)\n    return len(k)"));
        assert!(!keeps(
            "def f(k, out=None, sep=', ', n=-1):\n    out = out or []\n    out.append(k)\n    return out"
        ));
    }
}
