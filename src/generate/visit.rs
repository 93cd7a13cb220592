//! Finds the mutation sites inside one function: walks its body (nested functions, classes,
//! lambdas and comprehensions included) and its own parameter defaults, and turns each site into
//! the minimal text edit of every [`Operator`] that applies there.
//!
//! Rules (see `Operator`'s docs for what each operator does):
//! - Never mutated: the function's own decorators, annotations (parameters, returns, the `T` of
//!   `x: T = v`), type parameters and `type` aliases, string expression statements (docstrings),
//!   f-strings and t-strings (whole, interpolations included), `if TYPE_CHECKING:` bodies,
//!   imports, and the arguments of `len()`, `isinstance()` and `issubclass()` calls.
//! - Inside `case` patterns only literals change (`number`, `string`, `string_case`), because
//!   patterns accept nothing else; mapping-pattern keys never change (duplicates are an error).
//! - Edits that delete or replace code never remove a `yield` of the function itself: a variant
//!   must stay a generator exactly when the original is one (the trampoline delegates with
//!   `yield from`). For the same reason `return_none` is not applied in generators, where a
//!   returned value is rarely observed.
//! - Operator swaps replace only the operator token; replacements are padded with a space where
//!   they would otherwise fuse with a neighbouring word (`else-1` → `else 1`, not `else1`).
//!
//! - The opt-in `statement` group (`call_value`, `assign_drop`, `statement_drop`) never writes an
//!   edit another operator writes too: at the same range such an edit sorts after the default
//!   operator's and is the one dropped as a duplicate.
//!
//! Mutations in the function's own parameter defaults carry `in_default: true`; each lies wholly
//! inside one default expression.

use std::collections::HashSet;

use ruff_python_ast::token::{parenthesized_range, Token, TokenKind, Tokens};
use ruff_python_ast::visitor::{walk_comprehension, walk_decorator};
use ruff_python_ast::visitor::{walk_expr, walk_pattern, walk_stmt, Visitor};
use ruff_python_ast::{
    BoolOp, CmpOp, Comprehension, Decorator, Expr, ExprBoolOp, ExprCall, ExprCompare, ExprContext,
    ExprNumberLiteral, ExprUnaryOp, MatchCase, Number, Operator as BinOp, Pattern, Stmt,
    StmtFunctionDef, TypeParams, UnaryOp,
};
use ruff_text_size::{Ranged, TextRange};

use crate::domain::mutant::Mutation;
use crate::domain::operators::Operator;

/// Every mutation inside `function` (body and the function's own parameter defaults), in source
/// order. `source` is the whole file's text; `tokens` its token stream.
///
/// Sorted by `(start, end, operator name)`, without duplicates (same range and replacement) and
/// without edits that would leave the text unchanged.
pub fn function_mutations(
    source: &str,
    tokens: &Tokens,
    function: &StmtFunctionDef,
) -> Vec<Mutation> {
    let mut finder = Finder {
        source,
        tokens,
        out: Vec::new(),
        in_default: true,
        in_pattern: false,
        generators: Vec::new(),
        unused_values: HashSet::new(),
        truth_tests: HashSet::new(),
        final_returns: HashSet::new(),
        nonlocal_names: nonlocal_names(&function.body),
        enclosing: Vec::new(),
        deferred: 0,
    };
    finder.note_final_return(&function.body);
    for parameter in function.parameters.iter_non_variadic_params() {
        if let Some(default) = parameter.default.as_deref() {
            finder.visit_expr(default);
        }
    }
    finder.in_default = false;
    let resumable = function.is_async || body_has_own_yield(&function.body);
    finder.generators.push(body_has_own_yield(&function.body));
    finder.deferred = usize::from(resumable);
    finder.visit_body(&function.body);
    finder.finish()
}

struct Finder<'s> {
    source: &'s str,
    tokens: &'s Tokens,
    out: Vec<Mutation>,
    /// Visiting the trampolined function's own parameter defaults.
    in_default: bool,
    /// Visiting a `case` pattern.
    in_pattern: bool,
    /// Per enclosing `def` (innermost last): whether it is a generator.
    generators: Vec<bool>,
    /// Ranges of calls (and awaits) whose value is not used (statements, decorators, an awaited
    /// call's own call): no `call_value` there.
    unused_values: HashSet<(usize, usize)>,
    /// Ranges of expressions whose value is only tested for truth (`None` acts as `False`).
    truth_tests: HashSet<(usize, usize)>,
    /// Starts of the `return` statements that end a `def`'s body.
    final_returns: HashSet<usize>,
    /// Names a `nonlocal` statement anywhere in the function declares.
    nonlocal_names: HashSet<String>,
    /// The ranges of the statements and expressions being visited, outermost first: an edit's
    /// `reach` is the innermost that holds it whole.
    enclosing: Vec<(usize, usize)>,
    /// How many scopes whose code may run after the call are open around the visit (nested
    /// `def`s, classes, lambdas, generator expressions; the function's own body when it is a
    /// generator or coroutine): an edit inside one is not `only_in_call`.
    deferred: usize,
}

/// A range as a set key.
fn key(range: TextRange) -> (usize, usize) {
    (range.start().into(), range.end().into())
}

impl<'s> Finder<'s> {
    fn finish(mut self) -> Vec<Mutation> {
        let source = self.source;
        self.out
            .retain(|m| source.get(m.start..m.end) != Some(m.replacement.as_str()));
        self.out.sort_by(|a, b| {
            let order =
                |m: &Mutation| (m.start, m.end, !m.operator.is_default(), m.operator.name());
            order(a).cmp(&order(b))
        });
        let mut seen = HashSet::new();
        self.out
            .retain(|m| seen.insert((m.start, m.end, m.replacement.clone())));
        self.out
    }

    /// Records replacing `source[start..end]` with `replacement`, padded with a space on a side
    /// where it would otherwise fuse with the neighbouring word.
    fn push(
        &mut self,
        operator: Operator,
        start: usize,
        end: usize,
        replacement: impl Into<String>,
    ) {
        if self.in_pattern
            && !matches!(
                operator,
                Operator::Number | Operator::String | Operator::StringCase
            )
        {
            return;
        }
        let Some(original) = self.source.get(start..end) else {
            return;
        };
        let mut replacement: String = replacement.into();
        let prev = self.source[..start].chars().next_back();
        let next = self.source[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let word_or_quote = |c: Option<char>| word(c) || matches!(c, Some('"' | '\''));
        if replacement.is_empty() {
            if word(prev) && word_or_quote(next) {
                replacement.push(' ');
            }
        } else {
            if word(prev) && word(replacement.chars().next()) {
                replacement.insert(0, ' ');
            }
            if word(replacement.chars().next_back()) && word_or_quote(next) {
                replacement.push(' ');
            }
        }
        if replacement == original {
            return;
        }
        let reach = self
            .enclosing
            .iter()
            .rev()
            .find(|(s, e)| *s <= start && end <= *e)
            .copied()
            .unwrap_or((start, end));
        self.out.push(Mutation {
            operator,
            start,
            end,
            replacement,
            in_default: self.in_default,
            reach,
            only_in_call: !self.in_default && self.deferred == 0,
        });
    }

    fn push_range(&mut self, operator: Operator, range: TextRange, replacement: impl Into<String>) {
        self.push(
            operator,
            range.start().into(),
            range.end().into(),
            replacement,
        );
    }

    fn text(&self, range: TextRange) -> &'s str {
        self.source
            .get(usize::from(range.start())..usize::from(range.end()))
            .unwrap_or("")
    }

    /// The tokens lying wholly inside `start..end`.
    fn tokens_in(&self, start: usize, end: usize) -> &'s [Token] {
        let all: &'s [Token] = self.tokens;
        let first = all.partition_point(|t| usize::from(t.start()) < start);
        let rest = &all[first..];
        let count = rest.partition_point(|t| usize::from(t.end()) <= end);
        &rest[..count]
    }

    /// The first token inside `start..end` whose kind satisfies `wanted`.
    fn token_between(
        &self,
        start: usize,
        end: usize,
        wanted: impl Fn(TokenKind) -> bool,
    ) -> Option<Token> {
        self.tokens_in(start, end)
            .iter()
            .find(|t| wanted(t.kind()))
            .copied()
    }

    fn in_generator(&self) -> bool {
        self.generators.last().copied().unwrap_or(false)
    }

    /// `if c:` → `if not (c):` (and `elif`, `while`).
    fn negate_condition(&mut self, test: &Expr) {
        let text = self.text(test.range());
        self.push_range(
            Operator::ConditionNegate,
            test.range(),
            format!("not ({text})"),
        );
    }

    fn assignment_value(&mut self, value: &Expr) {
        if expr_has_own_yield(value) {
            return;
        }
        let replacement = if matches!(value, Expr::NoneLiteral(_)) {
            "\"\""
        } else {
            "None"
        };
        self.push_range(Operator::AssignNone, value.range(), replacement);
    }

    fn string_part(&mut self, range: TextRange) {
        let text = self.text(range);
        let Some(open) = text.find(['"', '\'']) else {
            return;
        };
        let (prefix, quoted) = text.split_at(open);
        if quoted.starts_with("\"\"\"") || quoted.starts_with("'''") {
            return;
        }
        let quote = &quoted[..1];
        if quoted.len() < 2 || !quoted.ends_with(quote) {
            return;
        }
        let content = &quoted[1..quoted.len() - 1];
        let raw = prefix.contains(['r', 'R']);
        self.push_range(
            Operator::String,
            range,
            format!("{prefix}{quote}XX{content}XX{quote}"),
        );
        for upper in [false, true] {
            let changed = change_case(content, raw, upper);
            if changed != content {
                self.push_range(
                    Operator::StringCase,
                    range,
                    format!("{prefix}{quote}{changed}{quote}"),
                );
            }
        }
    }

    fn number(&mut self, literal: &ExprNumberLiteral) {
        let range = literal.range();
        let replacement = match &literal.value {
            Number::Int(_) => int_plus_one(self.text(range)),
            Number::Float(value) => float_literal(*value),
            Number::Complex { imag, .. } => {
                float_literal(*imag).map(|v| format!("{}j", v.trim_end_matches(".0")))
            }
        };
        let Some(mut replacement) = replacement else {
            return;
        };
        // `0x1.real` is an attribute of an int, `17.real` a syntax error.
        let followed_by_dot = self.source[usize::from(range.end())..].starts_with('.');
        if followed_by_dot && replacement.chars().all(|c| c.is_ascii_digit()) {
            replacement = format!("({replacement})");
        }
        self.push_range(Operator::Number, range, replacement);
    }

    fn unary(&mut self, unary: &ExprUnaryOp) {
        let start = usize::from(unary.start());
        let tokens = self.tokens_in(start, usize::from(unary.end()));
        let [op, next, ..] = tokens else {
            return;
        };
        if usize::from(op.start()) != start {
            return;
        }
        match unary.op {
            UnaryOp::UAdd => self.push_range(Operator::UnaryOp, op.range(), "-"),
            UnaryOp::USub | UnaryOp::Not | UnaryOp::Invert => {
                self.push(Operator::UnaryOp, start, next.start().into(), "")
            }
        }
    }

    fn binary(&mut self, left: &Expr, op: BinOp, right: &Expr) {
        let replacement = match op {
            BinOp::Add => "-",
            BinOp::Sub => "+",
            BinOp::Mult => "/",
            BinOp::Div => "*",
            BinOp::FloorDiv => "/",
            BinOp::Mod => "/",
            BinOp::Pow => "*",
            BinOp::LShift => ">>",
            BinOp::RShift => "<<",
            BinOp::BitAnd => "|",
            BinOp::BitOr => "&",
            BinOp::BitXor => "&",
            BinOp::MatMult => return,
        };
        let token = self.token_between(left.end().into(), right.start().into(), |k| {
            k.as_binary_operator() == Some(op)
        });
        if let Some(token) = token {
            self.push_range(Operator::BinaryOp, token.range(), replacement);
        }
    }

    /// `and` ↔ `or`. In a chain of three or more operands the swapped operator splits the chain
    /// in two: `a or b or c` → `(a or b) and c` / `a and (b or c)`. (For `and` → `or` the
    /// precedence already groups that way, so only the token changes.)
    fn bool_op(&mut self, bool_op: &ExprBoolOp) {
        let values = &bool_op.values;
        let (wanted, replacement) = match bool_op.op {
            BoolOp::And => (TokenKind::And, "or"),
            BoolOp::Or => (TokenKind::Or, "and"),
        };
        let node_start = usize::from(bool_op.start());
        let node_end = usize::from(bool_op.end());
        for i in 1..values.len() {
            let between = (
                usize::from(values[i - 1].end()),
                usize::from(values[i].start()),
            );
            let Some(op) = self.token_between(between.0, between.1, |k| k == wanted) else {
                continue;
            };
            let (op_start, op_end) = (usize::from(op.start()), usize::from(op.end()));
            let left_group = bool_op.op == BoolOp::Or && i >= 2;
            let right_group = bool_op.op == BoolOp::Or && values.len() - i >= 2;
            if !left_group && !right_group {
                self.push(Operator::BoolOp, op_start, op_end, replacement);
                continue;
            }
            let significant = |t: &&Token| {
                !matches!(
                    t.kind(),
                    TokenKind::Comment | TokenKind::NonLogicalNewline | TokenKind::Newline
                )
            };
            let Some(left_end) = self
                .tokens_in(node_start, op_start)
                .iter()
                .rev()
                .find(significant)
                .map(|t| usize::from(t.end()))
            else {
                continue;
            };
            let Some(right_start) = self
                .tokens_in(op_end, node_end)
                .iter()
                .find(significant)
                .map(|t| usize::from(t.start()))
            else {
                continue;
            };
            let src = self.source;
            let mut text = String::new();
            let start = if left_group {
                text.push_str(&format!(
                    "({}){}",
                    &src[node_start..left_end],
                    &src[left_end..op_start]
                ));
                node_start
            } else {
                op_start
            };
            text.push_str(replacement);
            let end = if right_group {
                text.push_str(&format!(
                    "{}({})",
                    &src[op_end..right_start],
                    &src[right_start..node_end]
                ));
                node_end
            } else {
                op_end
            };
            self.push(Operator::BoolOp, start, end, text);
        }
    }

    fn compare(&mut self, compare: &ExprCompare) {
        let mut previous_end = usize::from(compare.left.end());
        for (op, comparator) in compare.ops.iter().zip(compare.comparators.iter()) {
            let next_start = usize::from(comparator.start());
            let op_tokens: Vec<&Token> = self
                .tokens_in(previous_end, next_start)
                .iter()
                .filter(|t| {
                    matches!(
                        t.kind(),
                        TokenKind::EqEqual
                            | TokenKind::NotEqual
                            | TokenKind::Less
                            | TokenKind::LessEqual
                            | TokenKind::Greater
                            | TokenKind::GreaterEqual
                            | TokenKind::Is
                            | TokenKind::Not
                            | TokenKind::In
                    )
                })
                .collect();
            previous_end = usize::from(comparator.end());
            let (Some(first), Some(last)) = (op_tokens.first(), op_tokens.last()) else {
                continue;
            };
            let (operator, replacement) = match op {
                CmpOp::Eq => (Operator::CompareNegate, "!="),
                CmpOp::NotEq => (Operator::CompareNegate, "=="),
                CmpOp::Lt => (Operator::CompareBoundary, "<="),
                CmpOp::LtE => (Operator::CompareBoundary, "<"),
                CmpOp::Gt => (Operator::CompareBoundary, ">="),
                CmpOp::GtE => (Operator::CompareBoundary, ">"),
                CmpOp::Is => (Operator::IsSwap, "is not"),
                CmpOp::IsNot => (Operator::IsSwap, "is"),
                CmpOp::In => (Operator::InSwap, "not in"),
                CmpOp::NotIn => (Operator::InSwap, "in"),
            };
            self.push(
                operator,
                first.start().into(),
                last.end().into(),
                replacement,
            );
        }
    }

    fn call(&mut self, call: &ExprCall) {
        // (full range of the argument, range to replace by None)
        let mut arguments: Vec<(TextRange, Option<TextRange>, bool)> = Vec::new();
        for arg in call.arguments.args.iter() {
            let full = parenthesized_range(arg.into(), (&call.arguments).into(), self.tokens)
                .unwrap_or_else(|| arg.range());
            let none_target = match arg {
                Expr::Starred(_) | Expr::NoneLiteral(_) => None,
                _ => Some(arg.range()),
            };
            arguments.push((full, none_target, expr_has_own_yield(arg)));
        }
        for keyword in call.arguments.keywords.iter() {
            let none_target = match (&keyword.arg, &keyword.value) {
                (None, _) | (_, Expr::NoneLiteral(_)) => None,
                (Some(_), value) => Some(value.range()),
            };
            arguments.push((
                keyword.range(),
                none_target,
                expr_has_own_yield(&keyword.value),
            ));
        }
        arguments.sort_by_key(|(full, _, _)| full.start());
        for (_, none_target, has_yield) in &arguments {
            if let (Some(target), false) = (none_target, has_yield) {
                self.push_range(Operator::CallArgNone, *target, "None");
            }
        }
        if arguments.len() >= 2 {
            for i in 0..arguments.len() {
                if arguments[i].2 {
                    continue;
                }
                let (start, end) = if i + 1 < arguments.len() {
                    (arguments[i].0.start(), arguments[i + 1].0.start())
                } else {
                    (arguments[i - 1].0.end(), arguments[i].0.end())
                };
                self.push(Operator::CallArgDrop, start.into(), end.into(), "");
            }
        }

        match &*call.func {
            Expr::Name(name) if name.id.as_str() == "dict" => {
                for keyword in call.arguments.keywords.iter() {
                    if let Some(arg) = &keyword.arg {
                        self.push_range(
                            Operator::DictKwargName,
                            arg.range(),
                            format!("{}XX", arg.id),
                        );
                    }
                }
            }
            Expr::Name(name) if name.id.as_str() == "deepcopy" => {
                self.push_range(Operator::Deepcopy, name.range(), "copy");
            }
            Expr::Attribute(attribute) => {
                let method = attribute.attr.id.as_str();
                if method == "deepcopy" {
                    self.push_range(Operator::Deepcopy, attribute.attr.range(), "copy");
                } else if let Some(mirror) = mirror_method(method) {
                    let split = matches!(method, "split" | "rsplit");
                    let has_maxsplit =
                        arguments.len() == 2
                            || call.arguments.keywords.iter().any(|k| {
                                k.arg.as_ref().is_some_and(|a| a.id.as_str() == "maxsplit")
                            });
                    if !split || has_maxsplit {
                        self.push_range(Operator::StringMethod, attribute.attr.range(), mirror);
                    }
                }
            }
            _ => {}
        }
    }

    fn note_final_return(&mut self, body: &[Stmt]) {
        if let Some(last @ Stmt::Return(_)) = body.last() {
            self.final_returns.insert(last.start().into());
        }
    }

    /// `call_value`: the call (or awaited call) `expr` replaced by `None`, `True` and `False`.
    fn call_value(&mut self, expr: &Expr) {
        let range = expr.range();
        if self.unused_values.contains(&key(range)) || expr_has_own_yield(expr) {
            return;
        }
        if !self.truth_tests.contains(&key(range)) {
            self.push_range(Operator::CallValue, range, "None");
        }
        self.push_range(Operator::CallValue, range, "True");
        self.push_range(Operator::CallValue, range, "False");
    }

    fn truth_test(&mut self, expr: &Expr) {
        self.truth_tests.insert(key(expr.range()));
    }

    /// `assign_drop`: `a.x = value` (every target an attribute or subscript) → `value`.
    fn assign_drop(&mut self, stmt: &Stmt, targets: &[&Expr], value: &Expr) {
        let stores_into_objects = targets
            .iter()
            .all(|t| matches!(t, Expr::Attribute(_) | Expr::Subscript(_)));
        if !stores_into_objects || is_name_or_literal(value) {
            return;
        }
        let range = parenthesized_range(value.into(), stmt.into(), self.tokens)
            .unwrap_or_else(|| value.range());
        let text = self.text(range);
        // A bare value spread over lines (`a +\` newline `b`) is a statement only in parentheses.
        let replacement = if text.contains('\n') && range == value.range() {
            format!("({text})")
        } else {
            text.to_string()
        };
        self.push_range(Operator::AssignDrop, stmt.range(), replacement);
    }

    /// `statement_drop`: a simple statement → `pass` (see [`Operator::StatementDrop`]).
    fn statement_drop(&mut self, stmt: &Stmt) {
        let droppable = match stmt {
            Stmt::Expr(statement) => {
                !is_string_like(&statement.value)
                    && !matches!(*statement.value, Expr::EllipsisLiteral(_))
                    && !is_call_statement(&statement.value)
            }
            Stmt::AnnAssign(statement) => statement.value.is_some(),
            Stmt::Return(_) => !self.final_returns.contains(&stmt.start().into()),
            Stmt::Assign(_)
            | Stmt::AugAssign(_)
            | Stmt::Delete(_)
            | Stmt::Assert(_)
            | Stmt::Raise(_)
            | Stmt::Break(_)
            | Stmt::Continue(_) => true,
            _ => false,
        };
        if !droppable || body_has_own_yield(std::slice::from_ref(stmt)) {
            return;
        }
        if !self.nonlocal_names.is_empty() {
            let mut bound = BoundNames::default();
            bound.visit_stmt(stmt);
            if bound.names.iter().any(|n| self.nonlocal_names.contains(n)) {
                return;
            }
        }
        self.push_range(Operator::StatementDrop, stmt.range(), "pass");
    }

    fn match_cases(&mut self, cases: &[MatchCase]) {
        if cases.len() < 2 {
            return;
        }
        for (i, case) in cases.iter().enumerate() {
            if case.guard.as_deref().is_some_and(expr_has_own_yield)
                || body_has_own_yield(&case.body)
            {
                continue;
            }
            let (start, end) = if i + 1 < cases.len() {
                (case.start(), cases[i + 1].start())
            } else {
                (cases[i - 1].end(), case.end())
            };
            self.push(Operator::MatchCaseRemoval, start.into(), end.into(), "");
        }
    }
}

impl<'a> Finder<'_> {
    /// The edits of `stmt` itself; then its parts.
    fn statement(&mut self, stmt: &'a Stmt) {
        if !matches!(
            stmt,
            Stmt::TypeAlias(_) | Stmt::Import(_) | Stmt::ImportFrom(_)
        ) {
            self.statement_drop(stmt);
        }
        match stmt {
            Stmt::Expr(statement) => {
                if is_string_like(&statement.value) {
                    return;
                }
                self.unused_values.insert(key(statement.value.range()));
                if is_call_statement(&statement.value) && !expr_has_own_yield(&statement.value) {
                    self.push_range(Operator::CallStatementRemoval, stmt.range(), "pass");
                }
            }
            Stmt::If(statement) => {
                self.truth_test(&statement.test);
                for test in statement
                    .elif_else_clauses
                    .iter()
                    .filter_map(|c| c.test.as_ref())
                {
                    self.truth_test(test);
                }
                if !is_type_checking(&statement.test) {
                    self.negate_condition(&statement.test);
                    self.visit_expr(&statement.test);
                    self.visit_body(&statement.body);
                }
                for clause in &statement.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        if is_type_checking(test) {
                            continue;
                        }
                        self.negate_condition(test);
                        self.visit_expr(test);
                    }
                    self.visit_body(&clause.body);
                }
                return;
            }
            Stmt::While(statement) => {
                self.truth_test(&statement.test);
                self.negate_condition(&statement.test);
            }
            Stmt::Assert(statement) => self.truth_test(&statement.test),
            Stmt::Assign(statement) => {
                self.assignment_value(&statement.value);
                let targets: Vec<&Expr> = statement.targets.iter().collect();
                self.assign_drop(stmt, &targets, &statement.value);
            }
            Stmt::AnnAssign(statement) => {
                if let Some(value) = &statement.value {
                    self.assignment_value(value);
                    self.assign_drop(stmt, &[&statement.target], value);
                }
            }
            Stmt::AugAssign(statement) => {
                self.assign_drop(stmt, &[&statement.target], &statement.value);
                let token = self.token_between(
                    statement.target.end().into(),
                    statement.value.start().into(),
                    |k| k.as_augmented_assign_operator() == Some(statement.op),
                );
                if let Some(token) = token {
                    self.push_range(Operator::AugAssign, token.range(), "=");
                    let swapped = match statement.op {
                        BinOp::Add => Some("-="),
                        BinOp::Sub => Some("+="),
                        BinOp::Mult => Some("/="),
                        BinOp::Div => Some("*="),
                        BinOp::FloorDiv => Some("/="),
                        BinOp::Mod => Some("/="),
                        BinOp::Pow => Some("*="),
                        BinOp::LShift => Some(">>="),
                        BinOp::RShift => Some("<<="),
                        BinOp::BitAnd => Some("|="),
                        BinOp::BitOr => Some("&="),
                        BinOp::BitXor => Some("&="),
                        BinOp::MatMult => None,
                    };
                    if let Some(swapped) = swapped {
                        self.push_range(Operator::AugOp, token.range(), swapped);
                    }
                }
            }
            Stmt::Return(statement) => {
                if let Some(value) = &statement.value {
                    if !matches!(**value, Expr::NoneLiteral(_))
                        && !self.in_generator()
                        && !expr_has_own_yield(value)
                    {
                        self.push_range(Operator::ReturnNone, value.range(), "None");
                    }
                }
            }
            Stmt::Break(_) => self.push_range(Operator::BreakContinue, stmt.range(), "continue"),
            Stmt::Continue(_) => self.push_range(Operator::BreakContinue, stmt.range(), "break"),
            Stmt::Match(statement) => {
                for guard in statement.cases.iter().filter_map(|c| c.guard.as_deref()) {
                    self.truth_test(guard);
                }
                self.match_cases(&statement.cases);
            }
            Stmt::TypeAlias(_) | Stmt::Import(_) | Stmt::ImportFrom(_) => return,
            Stmt::FunctionDef(def) => {
                self.note_final_return(&def.body);
                self.generators.push(body_has_own_yield(&def.body));
                walk_stmt(self, stmt);
                self.generators.pop();
                return;
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    /// The edits of `expr` itself; then its parts.
    fn expression(&mut self, expr: &'a Expr) {
        match expr {
            Expr::StringLiteral(literal) => {
                for part in literal.value.iter() {
                    self.string_part(part.range());
                }
            }
            Expr::BytesLiteral(literal) => {
                for part in literal.value.iter() {
                    self.string_part(part.range());
                }
            }
            Expr::FString(_) | Expr::TString(_) => return,
            Expr::NumberLiteral(literal) => self.number(literal),
            Expr::BooleanLiteral(literal) => {
                let replacement = if literal.value { "False" } else { "True" };
                self.push_range(Operator::BoolLiteral, literal.range(), replacement);
            }
            Expr::UnaryOp(unary) => {
                if unary.op == UnaryOp::Not {
                    self.truth_test(&unary.operand);
                }
                self.unary(unary);
            }
            Expr::Await(awaited) if matches!(*awaited.value, Expr::Call(_)) => {
                // The awaited value is what is used: `x = await f()` → `x = None`.
                self.unused_values.insert(key(awaited.value.range()));
                self.call_value(expr);
            }
            Expr::BinOp(binary) => self.binary(&binary.left, binary.op, &binary.right),
            Expr::BoolOp(bool_op) => self.bool_op(bool_op),
            Expr::Compare(compare) => self.compare(compare),
            Expr::Call(call) => {
                self.call_value(expr);
                if let Expr::Name(name) = &*call.func {
                    if matches!(name.id.as_str(), "len" | "isinstance" | "issubclass") {
                        return;
                    }
                }
                self.call(call);
            }
            Expr::Lambda(lambda) => {
                let replacement = if matches!(*lambda.body, Expr::NoneLiteral(_)) {
                    "0"
                } else {
                    "None"
                };
                self.push_range(Operator::LambdaBody, lambda.body.range(), replacement);
            }
            Expr::If(ternary) => {
                self.truth_test(&ternary.test);
                let text = self.text(ternary.test.range());
                self.push_range(
                    Operator::TernaryNegate,
                    ternary.test.range(),
                    format!("not ({text})"),
                );
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

impl<'a> Visitor<'a> for Finder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let deferred = matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_));
        self.deferred += usize::from(deferred);
        self.enclosing.push(key(stmt.range()));
        self.statement(stmt);
        self.enclosing.pop();
        self.deferred -= usize::from(deferred);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let deferred = matches!(expr, Expr::Lambda(_) | Expr::Generator(_));
        self.deferred += usize::from(deferred);
        self.enclosing.push(key(expr.range()));
        self.expression(expr);
        self.enclosing.pop();
        self.deferred -= usize::from(deferred);
    }

    fn visit_annotation(&mut self, _expr: &'a Expr) {}

    fn visit_decorator(&mut self, decorator: &'a Decorator) {
        // `@None` is not a decorator before Python 3.9.
        self.unused_values.insert(key(decorator.expression.range()));
        walk_decorator(self, decorator);
    }

    fn visit_comprehension(&mut self, comprehension: &'a Comprehension) {
        for condition in &comprehension.ifs {
            self.truth_test(condition);
        }
        walk_comprehension(self, comprehension);
    }

    fn visit_type_params(&mut self, _type_params: &'a TypeParams) {}

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        let was = self.in_pattern;
        self.in_pattern = true;
        if let Pattern::MatchMapping(mapping) = pattern {
            // Keys are left alone: a changed key can equal another key of the same pattern,
            // which is a SyntaxError ("mapping pattern checks duplicate key").
            for value in &mapping.patterns {
                self.visit_pattern(value);
            }
        } else {
            walk_pattern(self, pattern);
        }
        self.in_pattern = was;
    }
}

fn is_string_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_) | Expr::TString(_)
    )
}

/// A statement that is only a call or an awaited call (`call_statement_removal`'s sites).
fn is_call_statement(value: &Expr) -> bool {
    match value {
        Expr::Call(_) => true,
        Expr::Await(awaited) => matches!(*awaited.value, Expr::Call(_)),
        _ => false,
    }
}

/// A name or a literal: evaluating it alone does nothing.
fn is_name_or_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        Expr::UnaryOp(unary) => matches!(*unary.operand, Expr::NumberLiteral(_)),
        _ => false,
    }
}

/// Every name a `nonlocal` statement declares anywhere in `body` (nested functions included).
fn nonlocal_names(body: &[Stmt]) -> HashSet<String> {
    #[derive(Default)]
    struct Finder(HashSet<String>);
    impl<'a> Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::Nonlocal(nonlocal) = stmt {
                self.0
                    .extend(nonlocal.names.iter().map(|n| n.id.to_string()));
            }
            walk_stmt(self, stmt);
        }
    }
    let mut finder = Finder::default();
    finder.visit_body(body);
    finder.0
}

/// The names a statement binds or deletes (walrus targets included).
#[derive(Default)]
struct BoundNames {
    names: Vec<String>,
}

impl<'a> Visitor<'a> for BoundNames {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            if matches!(name.ctx, ExprContext::Store | ExprContext::Del) {
                self.names.push(name.id.to_string());
            }
        }
        walk_expr(self, expr);
    }
}

/// `TYPE_CHECKING` or `<anything>.TYPE_CHECKING`.
fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attribute) => attribute.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

fn mirror_method(method: &str) -> Option<&'static str> {
    Some(match method {
        "lower" => "upper",
        "upper" => "lower",
        "lstrip" => "rstrip",
        "rstrip" => "lstrip",
        "find" => "rfind",
        "rfind" => "find",
        "index" => "rindex",
        "rindex" => "index",
        "ljust" => "rjust",
        "rjust" => "ljust",
        "partition" => "rpartition",
        "rpartition" => "partition",
        "removeprefix" => "removesuffix",
        "removesuffix" => "removeprefix",
        "startswith" => "endswith",
        "endswith" => "startswith",
        "split" => "rsplit",
        "rsplit" => "split",
        _ => return None,
    })
}

/// The decimal text of an integer literal (any base, underscores allowed) plus one.
fn int_plus_one(literal: &str) -> Option<String> {
    let cleaned: String = literal
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = cleaned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = cleaned.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = cleaned.strip_prefix("0b") {
        (2, d)
    } else {
        (10, cleaned.as_str())
    };
    if digits.is_empty() {
        return None;
    }
    // Little-endian decimal digits, so integers of any size work.
    let mut decimal: Vec<u32> = vec![0];
    for c in digits.chars() {
        let mut carry = c.to_digit(radix)?;
        for d in decimal.iter_mut() {
            let v = *d * radix + carry;
            *d = v % 10;
            carry = v / 10;
        }
        while carry > 0 {
            decimal.push(carry % 10);
            carry /= 10;
        }
    }
    let mut carry = 1;
    for d in decimal.iter_mut() {
        let v = *d + carry;
        *d = v % 10;
        carry = v / 10;
        if carry == 0 {
            break;
        }
    }
    if carry > 0 {
        decimal.push(carry);
    }
    while decimal.len() > 1 && decimal.last() == Some(&0) {
        decimal.pop();
    }
    decimal
        .iter()
        .rev()
        .map(|d| char::from_digit(*d, 10))
        .collect()
}

/// A Python float literal for `value + 1.0` (shortest round-trip form); `None` when that is not
/// finite or equals `value` (too large for the one to count).
fn float_literal(value: f64) -> Option<String> {
    let plus_one = value + 1.0;
    (plus_one.is_finite() && plus_one != value).then(|| format!("{plus_one:?}"))
}

/// `content` (the text between a literal's quotes) lower- or upper-cased, escape sequences kept.
fn change_case(content: &str, raw: bool, upper: bool) -> String {
    let mut out = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            continue;
        }
        out.push(c);
        let Some(escaped) = chars.next() else {
            break;
        };
        out.push(escaped);
        if raw {
            continue;
        }
        let hex_digits = match escaped {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            'N' if chars.peek() == Some(&'{') => {
                for c in chars.by_ref() {
                    out.push(c);
                    if c == '}' {
                        break;
                    }
                }
                0
            }
            _ => 0,
        };
        for _ in 0..hex_digits {
            match chars.peek() {
                Some(c) if c.is_ascii_hexdigit() => {
                    out.push(*c);
                    chars.next();
                }
                _ => break,
            }
        }
    }
    out
}

/// Finds `yield`/`yield from` of the scope being searched, not of nested functions, lambdas or
/// classes.
#[derive(Default)]
struct YieldFinder {
    found: bool,
}

impl<'a> Visitor<'a> for YieldFinder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !self.found && !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Yield(_) | Expr::YieldFrom(_) => self.found = true,
            Expr::Lambda(_) => {}
            _ if !self.found => walk_expr(self, expr),
            _ => {}
        }
    }
}

fn expr_has_own_yield(expr: &Expr) -> bool {
    let mut finder = YieldFinder::default();
    finder.visit_expr(expr);
    finder.found
}

fn body_has_own_yield(body: &[Stmt]) -> bool {
    let mut finder = YieldFinder::default();
    finder.visit_body(body);
    finder.found
}

#[cfg(test)]
#[path = "visit/tests.rs"]
mod tests;
