//! Writes a trampolined module: each mutated function keeps its place, decorators and signature,
//! gains one dispatch line, and is preceded by its variants. ARCHITECTURE.md shows the shape.
//!
//! All edits are insertions (plus the mutated copies of bodies), so the original code keeps its
//! formatting and comments, and every line of the original survives verbatim.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ModModule, Parameters, Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;

use crate::domain::mutant::Mutation;
use crate::generate::functions::FunctionSite;

/// The runtime module rewritten modules import (`runtime/mutrun_runtime.py`).
pub const RUNTIME_MODULE: &str = "mutrun_runtime";
/// The name under which rewritten modules import the runtime.
pub const RUNTIME_ALIAS: &str = "_mutrun_rt";

/// A function and the mutations that survived deduplication; mutant `n` is `mutations[n - 1]`.
pub struct PlannedFunction<'a> {
    pub site: FunctionSite<'a>,
    pub mutations: Vec<Mutation>,
    /// Index of the function in its file, for the generated names `_mutrun_f{index}`.
    pub index: usize,
    /// Variants keep the parameters' and the return annotations (`type_check_command`), so a
    /// type checker checks their bodies as it checks the original's.
    pub annotate: bool,
}

/// Keeps the first of mutations that would produce the same variant, and drops any that would
/// produce the original function.
pub fn dedupe(source: &str, def: &StmtFunctionDef, mutations: Vec<Mutation>) -> Vec<Mutation> {
    let mut seen = std::collections::HashSet::new();
    mutations
        .into_iter()
        .filter(|m| {
            if source.get(m.start..m.end) == Some(m.replacement.as_str()) {
                return false;
            }
            let text = if m.in_default {
                defaults_expression(source, &def.parameters, Some(m))
            } else {
                body_text(source, def, Some(m))
            };
            seen.insert((m.in_default, text))
        })
        .collect()
}

/// The trampolined text of a whole module. `planned` must be in source order.
pub fn render_module(source: &str, module: &ModModule, planned: &[PlannedFunction]) -> String {
    let inserts = all_inserts(source, module, planned);
    let extra: usize = inserts.iter().map(|(_, text)| text.len()).sum();
    let mut out = String::with_capacity(source.len() + extra);
    let mut copied = 0;
    for (offset, text) in inserts {
        out.push_str(&source[copied..offset]);
        out.push_str(&text);
        copied = offset;
    }
    out.push_str(&source[copied..]);
    out
}

/// Every text the rewrite inserts, as (byte offset in `source`, text), by offset.
fn all_inserts(
    source: &str,
    module: &ModModule,
    planned: &[PlannedFunction],
) -> Vec<(usize, String)> {
    let mut inserts: Vec<(usize, String)> = Vec::new();
    if let Some(import) = runtime_import(source, module) {
        inserts.push(import);
    }
    for function in planned {
        inserts.extend(function_inserts(source, function));
    }
    inserts.sort_by_key(|(offset, _)| *offset);
    inserts
}

/// Where the rewrite adds lines: (byte offset in `source`, number of line breaks inserted there),
/// by offset. The rewritten file is `source` with these insertions, so a line of the original
/// can be found in it (`covered_lines`).
pub fn inserted_lines(
    source: &str,
    module: &ModModule,
    planned: &[PlannedFunction],
) -> Vec<(usize, usize)> {
    all_inserts(source, module, planned)
        .into_iter()
        .map(|(offset, text)| (offset, text.matches('\n').count()))
        .collect()
}

/// `import mutrun_runtime as _mutrun_rt`, after the docstring and `from __future__` imports.
fn runtime_import(source: &str, module: &ModModule) -> Option<(usize, String)> {
    let first = module.body.iter().enumerate().find(|(i, stmt)| {
        let docstring = *i == 0 && is_docstring(stmt);
        let future = matches!(stmt, Stmt::ImportFrom(f)
            if f.module.as_ref().is_some_and(|m| m.as_str() == "__future__"));
        !docstring && !future
    })?;
    let start = usize::from(first.1.start());
    let line_start = line_start(source, start);
    let import = format!("import {RUNTIME_MODULE} as {RUNTIME_ALIAS}");
    if source[line_start..start].trim().is_empty() {
        Some((line_start, format!("{import}\n")))
    } else {
        // The statement shares its line with an earlier one (`from __future__ import x; import y`).
        Some((start, format!("{import}; ")))
    }
}

fn function_inserts(source: &str, function: &PlannedFunction) -> Vec<(usize, String)> {
    let def = function.site.def;
    let def_start = usize::from(def.start());
    let block_at = line_start(source, def_start);
    let indent = &source[block_at..def_start];
    let table = format!("_mutrun_f{}", function.index);
    let variant_name = |n: usize| format!("{table}_{n}");

    let mut block = String::new();
    let body_variants: Vec<usize> = (1..=function.mutations.len())
        .filter(|n| !function.mutations[n - 1].in_default)
        .collect();
    if function.site.in_class {
        let mut names = vec![table.clone()];
        names.extend(body_variants.iter().map(|n| variant_name(*n)));
        block.push_str(&format!("{indent}global {}\n", names.join(", ")));
    }
    let header_params = variant_parameters(source, &def.parameters, function.annotate);
    let returns = match (&def.returns, function.annotate) {
        (Some(returns), true) => format!(
            " -> {}",
            &source[usize::from(returns.start())..usize::from(returns.end())]
        ),
        _ => String::new(),
    };
    let type_params = def.type_params.as_ref().map_or("", |tp| {
        &source[tp.range().start().into()..tp.range().end().into()]
    });
    let keyword = if def.is_async { "async def" } else { "def" };
    let mut entries = vec!["None".to_string()];
    for (i, mutation) in function.mutations.iter().enumerate() {
        let n = i + 1;
        if mutation.in_default {
            entries.push(defaults_expression(source, &def.parameters, Some(mutation)));
        } else {
            let name = variant_name(n);
            let body = body_text(source, def, Some(mutation));
            block.push_str(&format!(
                "{indent}{keyword} {name}{type_params}({header_params}){returns}:{body}\n"
            ));
            entries.push(name);
        }
    }
    block.push_str(&format!(
        "{indent}{table} = {RUNTIME_ALIAS}.variants({}, {}, {}, ({},))\n",
        py_str(function.site.key.as_str()),
        py_str(def.name.id.as_str()),
        py_str(&function.site.qualname),
        entries.join(", ")
    ));
    if !body_variants.is_empty() {
        let names: Vec<String> = body_variants.iter().map(|n| variant_name(*n)).collect();
        block.push_str(&format!("{indent}del {}\n", names.join(", ")));
    }
    let mut inserts = vec![(block_at, block)];

    if function.mutations.iter().any(|m| m.in_default) {
        let def_line = line_start(source, usize::from(def.name.start()));
        let own = format!(
            "{indent}@{RUNTIME_ALIAS}.own({})\n",
            py_str(function.site.key.as_str())
        );
        inserts.push((def_line, own));
    }
    if !body_variants.is_empty() {
        inserts.push(dispatch_insert(source, function, &table, indent));
    }
    inserts
}

/// The statement added at the top of the body (after the docstring) that hands the call to the
/// active variant.
fn dispatch_insert(
    source: &str,
    function: &PlannedFunction,
    table: &str,
    def_indent: &str,
) -> (usize, String) {
    let def = function.site.def;
    let unit = if def_indent.contains('\t') {
        "\t"
    } else {
        "    "
    };
    let condition = format!(
        "if {RUNTIME_ALIAS}.active is not None and {RUNTIME_ALIAS}.hit({}):",
        py_str(function.site.key.as_str())
    );
    let call = format!(
        "{table}[{RUNTIME_ALIAS}.variant]({})",
        forwarded_arguments(&def.parameters)
    );
    let generator = contains_yield(&def.body);
    let lines: Vec<String> = match (def.is_async, generator) {
        (false, false) => vec![format!("{condition} return {call}")],
        (false, true) => vec![format!("{condition} return (yield from {call})")],
        (true, false) => vec![format!("{condition} return await {call}")],
        (true, true) => async_generator_delegation(&condition, &call, unit),
    };

    let first = if def.body.len() > 1 && is_docstring(&def.body[0]) {
        &def.body[1]
    } else {
        &def.body[0]
    };
    let first_start = usize::from(first.start());
    let first_line = line_start(source, first_start);
    if source[first_line..first_start].trim().is_empty() {
        let indent = &source[first_line..first_start];
        let text: String = lines.iter().map(|l| format!("{indent}{l}\n")).collect();
        (first_line, text)
    } else {
        // The body starts on the `def` line or shares a line with the docstring: move the rest
        // of that line onto a new line at the body's indentation.
        let body_line = line_start(source, usize::from(def.body[0].start()));
        let body_start = usize::from(def.body[0].start());
        let indent = if source[body_line..body_start].trim().is_empty() {
            source[body_line..body_start].to_string()
        } else {
            format!("{def_indent}{unit}")
        };
        let mut text = String::from("\n");
        for line in &lines {
            text.push_str(&format!("{indent}{line}\n"));
        }
        text.push_str(&indent);
        (first_start, text)
    }
}

/// Async generators cannot `yield from`; delegate `asend`/`athrow`/`aclose` by hand.
fn async_generator_delegation(condition: &str, call: &str, unit: &str) -> Vec<String> {
    let i1 = unit;
    let i2 = unit.repeat(2);
    let i3 = unit.repeat(3);
    vec![
        condition.to_string(),
        format!("{i1}_mutrun_agen = {call}"),
        format!("{i1}_mutrun_sent = _mutrun_thrown = None"),
        format!("{i1}while True:"),
        format!("{i2}try:"),
        format!("{i3}_mutrun_item = await (_mutrun_agen.asend(_mutrun_sent) if _mutrun_thrown is None else _mutrun_agen.athrow(_mutrun_thrown))"),
        format!("{i2}except StopAsyncIteration:"),
        format!("{i3}return"),
        format!("{i2}_mutrun_sent = _mutrun_thrown = None"),
        format!("{i2}try:"),
        format!("{i3}_mutrun_sent = yield _mutrun_item"),
        format!("{i2}except GeneratorExit:"),
        format!("{i3}await _mutrun_agen.aclose()"),
        format!("{i3}raise"),
        format!("{i2}except BaseException as _mutrun_exc:"),
        format!("{i3}_mutrun_thrown = _mutrun_exc"),
    ]
}

/// The text after the `def`'s colon up to the end of its body, with `mutation` spliced in.
pub fn body_text(source: &str, def: &StmtFunctionDef, mutation: Option<&Mutation>) -> String {
    let start = header_colon(source, def) + 1;
    let end = usize::from(def.end());
    splice(source, start, end, mutation)
}

/// `Defaults('(d1, d2,)', "{'k': v}", globals(), locals())` for the function's current defaults,
/// with `mutation` applied.
pub fn defaults_expression(
    source: &str,
    parameters: &Parameters,
    mutation: Option<&Mutation>,
) -> String {
    let positional: Vec<String> = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .filter_map(|p| p.default.as_deref())
        .map(|d| {
            format!(
                "({})",
                splice(source, d.start().into(), d.end().into(), mutation)
            )
        })
        .collect();
    let keyword: Vec<String> = parameters
        .kwonlyargs
        .iter()
        .filter_map(|p| {
            let d = p.default.as_deref()?;
            let value = splice(source, d.start().into(), d.end().into(), mutation);
            Some(format!(
                "{}: ({value})",
                py_str(p.parameter.name.id.as_str())
            ))
        })
        .collect();
    let tuple = if positional.is_empty() {
        "()".to_string()
    } else {
        format!("({},)", positional.join(", "))
    };
    // Passed as source text and evaluated only when the mutant is activated: a mutated default
    // can raise (`"a" - "b"`) or have side effects, which must not happen on every import.
    // `globals(), locals()` is the scope the `def` evaluates its defaults in (module or class).
    format!(
        "{RUNTIME_ALIAS}.Defaults({}, {}, globals(), locals())",
        py_str(&tuple),
        py_str(&format!("{{{}}}", keyword.join(", ")))
    )
}

/// `source[start..end]`, with `mutation` applied when it lies inside.
fn splice(source: &str, start: usize, end: usize, mutation: Option<&Mutation>) -> String {
    match mutation {
        Some(m) if m.start >= start && m.end <= end => {
            format!(
                "{}{}{}",
                &source[start..m.start],
                m.replacement,
                &source[m.end..end]
            )
        }
        _ => source[start..end].to_string(),
    }
}

/// Offset of the `:` that ends the `def` header.
fn header_colon(source: &str, def: &StmtFunctionDef) -> usize {
    let after = def
        .returns
        .as_ref()
        .map_or(def.parameters.end(), |r| r.end().max(def.parameters.end()));
    let after = usize::from(after);
    let body_start = usize::from(def.body[0].start());
    source[after..body_start]
        .find(':')
        .map_or(after, |i| after + i)
}

/// A variant's parameter list: the original's without defaults (the dispatch line passes every
/// argument), `self, x, /, y, *args, k, **kw`; with `annotate`, each keeps its annotation as
/// written (`x: int, *args: str`), so a type checker checks the variant's body as the original's.
fn variant_parameters(source: &str, parameters: &Parameters, annotate: bool) -> String {
    let text = |p: &ruff_python_ast::Parameter| -> String {
        match &p.annotation {
            Some(annotation) if annotate => format!(
                "{}: {}",
                p.name.id,
                &source[usize::from(annotation.start())..usize::from(annotation.end())]
            ),
            _ => p.name.id.to_string(),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for p in &parameters.posonlyargs {
        parts.push(text(&p.parameter));
    }
    if !parameters.posonlyargs.is_empty() {
        parts.push("/".into());
    }
    for p in &parameters.args {
        parts.push(text(&p.parameter));
    }
    match &parameters.vararg {
        Some(v) => parts.push(format!("*{}", text(v))),
        None if !parameters.kwonlyargs.is_empty() => parts.push("*".into()),
        None => {}
    }
    for p in &parameters.kwonlyargs {
        parts.push(text(&p.parameter));
    }
    if let Some(k) = &parameters.kwarg {
        parts.push(format!("**{}", text(k)));
    }
    parts.join(", ")
}

/// The arguments that pass every parameter on unchanged: `self, x, y, *args, k=k, **kw`.
fn forwarded_arguments(parameters: &Parameters) -> String {
    let mut parts: Vec<String> = Vec::new();
    for p in parameters.posonlyargs.iter().chain(&parameters.args) {
        parts.push(p.parameter.name.id.to_string());
    }
    if let Some(v) = &parameters.vararg {
        parts.push(format!("*{}", v.name.id));
    }
    for p in &parameters.kwonlyargs {
        let name = &p.parameter.name.id;
        parts.push(format!("{name}={name}"));
    }
    if let Some(k) = &parameters.kwarg {
        parts.push(format!("**{}", k.name.id));
    }
    parts.join(", ")
}

fn is_docstring(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(e) if matches!(*e.value, Expr::StringLiteral(_)))
}

fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// A Python string literal for an identifier-like text (ids never hold quotes or backslashes,
/// but escape them anyway so the output is always valid).
fn py_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 && c != '\t' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Whether a function body yields (ignoring nested functions, classes and lambdas).
fn contains_yield(body: &[Stmt]) -> bool {
    struct YieldFinder(bool);
    impl<'a> Visitor<'a> for YieldFinder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => walk_expr(self, expr),
            }
        }
    }
    let mut finder = YieldFinder(false);
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operators::Operator;
    use crate::generate::functions;
    use crate::generate::pragma::Pragmas;

    /// Renders `source` with one mutation per `(function index, needle, replacement, in_default)`.
    fn render(source: &str, edits: &[(usize, &str, &str, bool)]) -> String {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        let pragmas = Pragmas::scan(source, parsed.tokens()).expect("pragmas");
        let sites = functions::find(parsed.syntax(), "m", &pragmas);
        let planned: Vec<PlannedFunction> = sites
            .into_iter()
            .enumerate()
            .filter_map(|(index, site)| {
                let mutations: Vec<Mutation> = edits
                    .iter()
                    .filter(|e| e.0 == index)
                    .map(|(_, needle, replacement, in_default)| {
                        let start = source.find(needle).expect("needle in source");
                        Mutation {
                            operator: Operator::Number,
                            start,
                            end: start + needle.len(),
                            replacement: replacement.to_string(),
                            in_default: *in_default,
                            only_in_call: !*in_default,
                            reach: (start, start + needle.len()),
                        }
                    })
                    .collect();
                (!mutations.is_empty()).then_some(PlannedFunction {
                    annotate: false,
                    site,
                    mutations,
                    index,
                })
            })
            .collect();
        render_module(source, parsed.syntax(), &planned)
    }

    #[test]
    fn plain_function_gets_variants_and_a_dispatch_line() {
        let source = r#""""Doc."""
from __future__ import annotations
import os


def add(a, b: int = 1, *rest, k, **kw) -> int:
    """Add."""
    return a + b
"#;
        let expected = r#""""Doc."""
from __future__ import annotations
import mutrun_runtime as _mutrun_rt
import os


def _mutrun_f0_1(a, b, *rest, k, **kw):
    """Add."""
    return a - b
_mutrun_f0 = _mutrun_rt.variants('m.add', 'add', 'add', (None, _mutrun_f0_1, _mutrun_rt.Defaults('((2),)', '{}', globals(), locals()),))
del _mutrun_f0_1
@_mutrun_rt.own('m.add')
def add(a, b: int = 1, *rest, k, **kw) -> int:
    """Add."""
    if _mutrun_rt.active is not None and _mutrun_rt.hit('m.add'): return _mutrun_f0[_mutrun_rt.variant](a, b, *rest, k=k, **kw)
    return a + b
"#;
        let out = render(source, &[(0, "+ b", "- b", false), (0, "1", "2", true)]);
        assert_eq!(out, expected);
    }

    #[test]
    fn methods_declare_their_variants_global_and_one_liners_are_split() {
        let source = "class A(B):\n    @property\n    def x(self): return self._x + 1\n";
        let out = render(source, &[(0, "+ 1", "- 1", false)]);
        assert_eq!(
            out,
            "import mutrun_runtime as _mutrun_rt\nclass A(B):\n    global _mutrun_f0, _mutrun_f0_1\n    def _mutrun_f0_1(self): return self._x - 1\n    _mutrun_f0 = _mutrun_rt.variants('m.A.x', 'x', 'A.x', (None, _mutrun_f0_1,))\n    del _mutrun_f0_1\n    @property\n    def x(self): \n        if _mutrun_rt.active is not None and _mutrun_rt.hit('m.A.x'): return _mutrun_f0[_mutrun_rt.variant](self)\n        return self._x + 1\n"
        );
    }

    #[test]
    fn generators_delegate_with_yield_from_and_coroutines_await() {
        let source = "def g(n):\n    yield n + 1\nasync def c(n):\n    return n + 1\n";
        let out = render(
            source,
            &[(0, "+ 1", "- 1", false), (1, "+ 1\n", "- 1\n", false)],
        );
        assert!(
            out.contains("return (yield from _mutrun_f0[_mutrun_rt.variant](n))"),
            "{out}"
        );
        assert!(
            out.contains("return await _mutrun_f1[_mutrun_rt.variant](n)"),
            "{out}"
        );
        assert!(out.contains("async def _mutrun_f1_1(n):"), "{out}");
    }
}
