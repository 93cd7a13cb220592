//! The mutation operator catalog: every kind of change mutrun makes, with its name and an example.
//!
//! Names are stable: they are written into `.meta` files and shown by `list`/`show`/`results`, so
//! an operator is never renamed once released. `src/generate/visit.rs` finds the sites; each
//! [`Operator::example`] is checked against it by a test there.

use serde::{Deserialize, Serialize};

/// One kind of mutation. Serialised (and shown) as its snake_case [`Operator::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// A number literal plus one, written in decimal: `n` → `n + 1`, `x.y` → `x.y + 1.0`,
    /// `nj` → `(n + 1)j`.
    Number,
    /// A string or bytes literal's content wrapped in `XX` (prefix and quotes kept).
    /// Triple-quoted literals are left alone, as in mutmut: they are nearly always prose.
    String,
    /// A string or bytes literal's content lower- or upper-cased (when that changes it), escape
    /// sequences untouched.
    StringCase,
    /// `True` ↔ `False`.
    BoolLiteral,
    /// `deepcopy(x)` / `copy.deepcopy(x)` → `copy(x)` / `copy.copy(x)`.
    Deepcopy,
    /// The value of an assignment (`x = v`, `x: T = v`) replaced by `None`; `None` by `""`.
    AssignNone,
    /// An augmented assignment turned into a plain one: `a += b` → `a = b`.
    AugAssign,
    /// An augmented assignment's operator swapped: `+=` ↔ `-=`, `*=` ↔ `/=`, `//=` → `/=`, …
    AugOp,
    /// A unary operator removed (`not x`, `-x`, `~x` → `x`), or `+x` → `-x`.
    UnaryOp,
    /// A binary operator swapped: `+` ↔ `-`, `*` ↔ `/`, `//` → `/`, `%` → `/`, `**` → `*`,
    /// `<<` ↔ `>>`, `&` ↔ `|`, `^` → `&` (`@` is left alone).
    BinaryOp,
    /// An order comparison moved across its boundary: `<` ↔ `<=`, `>` ↔ `>=`.
    CompareBoundary,
    /// An equality test negated: `==` ↔ `!=`.
    CompareNegate,
    /// `is` ↔ `is not`.
    IsSwap,
    /// `in` ↔ `not in`.
    InSwap,
    /// `and` ↔ `or` (parenthesised so the swapped operator splits the chain in two).
    BoolOp,
    /// `break` ↔ `continue`.
    BreakContinue,
    /// One argument of a call with at least two arguments removed.
    CallArgDrop,
    /// One argument of a call (positional or keyword, not `*a`/`**k`) replaced by `None`.
    CallArgNone,
    /// A keyword name in a `dict(...)` call misspelt: `dict(a=1)` → `dict(aXX=1)`.
    DictKwargName,
    /// A method call swapped for its mirror image: `lower` ↔ `upper`, `lstrip` ↔ `rstrip`,
    /// `find` ↔ `rfind`, `index` ↔ `rindex`, `ljust` ↔ `rjust`, `partition` ↔ `rpartition`,
    /// `removeprefix` ↔ `removesuffix`, `startswith` ↔ `endswith`, and `split` ↔ `rsplit` when
    /// a `maxsplit` is given (otherwise the two agree).
    StringMethod,
    /// A lambda's body replaced by `None` (by `0` when it is `None`).
    LambdaBody,
    /// One `case` block of a `match` with at least two cases removed.
    MatchCaseRemoval,
    /// A conditional expression's condition negated: `a if c else b` → `a if not (c) else b`.
    TernaryNegate,
    /// A returned value replaced by `None` (not in generators, where the value is rarely used).
    ReturnNone,
    /// The condition of an `if`, `elif` or `while` negated: `if c:` → `if not (c):`.
    ConditionNegate,
    /// A statement that is only a call (or an awaited call) replaced by `pass`.
    CallStatementRemoval,
    /// (`statement` group) A call whose value is used replaced by `None`, `True` or `False`
    /// (only `True`/`False` where the value is only tested for truth: an `if`/`while`/`assert`
    /// condition, a ternary's test, `not`'s operand, a comprehension's `if`, a case guard). Not
    /// applied to call statements (`call_statement_removal`), decorators, calls whose argument
    /// holds the function's own `yield`, or where another operator already writes `None`
    /// (`return f()`, `x = f()`, `g(f())`): an awaited call is replaced with its `await`.
    CallValue,
    /// (`statement` group) An assignment to attributes or subscripts (`=`, `+=`, `: T =`)
    /// replaced by its right side alone, still evaluated: `self.x = f()` → `f()`. Not applied
    /// when the right side is a name or a literal (then it is `statement_drop`'s mutant).
    AssignDrop,
    /// (`statement` group) A simple statement replaced by `pass`: assignments, `del`, `assert`,
    /// `raise`, `break`, `continue`, `return` (not the last statement of a function body, whose
    /// removal is `return_none`'s mutant or no change), and expression statements that are not
    /// calls (`call_statement_removal`), strings or `...`. Never `pass`, imports, `global` /
    /// `nonlocal`, `def`/`class` or other compound statements, a statement holding the
    /// function's own `yield`, nor one that binds a name a nested function declares `nonlocal`
    /// (that would not compile).
    StatementDrop,
}

impl Operator {
    /// Every operator, in catalog order.
    pub const ALL: &'static [Operator] = &[
        Operator::Number,
        Operator::String,
        Operator::StringCase,
        Operator::BoolLiteral,
        Operator::Deepcopy,
        Operator::AssignNone,
        Operator::AugAssign,
        Operator::AugOp,
        Operator::UnaryOp,
        Operator::BinaryOp,
        Operator::CompareBoundary,
        Operator::CompareNegate,
        Operator::IsSwap,
        Operator::InSwap,
        Operator::BoolOp,
        Operator::BreakContinue,
        Operator::CallArgDrop,
        Operator::CallArgNone,
        Operator::DictKwargName,
        Operator::StringMethod,
        Operator::LambdaBody,
        Operator::MatchCaseRemoval,
        Operator::TernaryNegate,
        Operator::ReturnNone,
        Operator::ConditionNegate,
        Operator::CallStatementRemoval,
        Operator::CallValue,
        Operator::AssignDrop,
        Operator::StatementDrop,
    ];

    /// What runs without a selection: every operator but the `statement` group's, which add
    /// many mutants (`--operators all` or `statement` selects them).
    pub const DEFAULT: &'static [Operator] = &[
        Operator::Number,
        Operator::String,
        Operator::StringCase,
        Operator::BoolLiteral,
        Operator::Deepcopy,
        Operator::AssignNone,
        Operator::AugAssign,
        Operator::AugOp,
        Operator::UnaryOp,
        Operator::BinaryOp,
        Operator::CompareBoundary,
        Operator::CompareNegate,
        Operator::IsSwap,
        Operator::InSwap,
        Operator::BoolOp,
        Operator::BreakContinue,
        Operator::CallArgDrop,
        Operator::CallArgNone,
        Operator::DictKwargName,
        Operator::StringMethod,
        Operator::LambdaBody,
        Operator::MatchCaseRemoval,
        Operator::TernaryNegate,
        Operator::ReturnNone,
        Operator::ConditionNegate,
        Operator::CallStatementRemoval,
    ];

    /// The opt-in `statement` group (Infection's statement mutators and `mutation`'s statement
    /// drop).
    pub const STATEMENT: &'static [Operator] = &[
        Operator::CallValue,
        Operator::AssignDrop,
        Operator::StatementDrop,
    ];

    /// Whether the operator is in the `default` group.
    pub fn is_default(self) -> bool {
        Operator::DEFAULT.contains(&self)
    }

    /// The stable snake_case name (the serialised form).
    pub fn name(self) -> &'static str {
        match self {
            Operator::Number => "number",
            Operator::String => "string",
            Operator::StringCase => "string_case",
            Operator::BoolLiteral => "bool_literal",
            Operator::Deepcopy => "deepcopy",
            Operator::AssignNone => "assign_none",
            Operator::AugAssign => "aug_assign",
            Operator::AugOp => "aug_op",
            Operator::UnaryOp => "unary_op",
            Operator::BinaryOp => "binary_op",
            Operator::CompareBoundary => "compare_boundary",
            Operator::CompareNegate => "compare_negate",
            Operator::IsSwap => "is_swap",
            Operator::InSwap => "in_swap",
            Operator::BoolOp => "bool_op",
            Operator::BreakContinue => "break_continue",
            Operator::CallArgDrop => "call_arg_drop",
            Operator::CallArgNone => "call_arg_none",
            Operator::DictKwargName => "dict_kwarg_name",
            Operator::StringMethod => "string_method",
            Operator::LambdaBody => "lambda_body",
            Operator::MatchCaseRemoval => "match_case_removal",
            Operator::TernaryNegate => "ternary_negate",
            Operator::ReturnNone => "return_none",
            Operator::ConditionNegate => "condition_negate",
            Operator::CallStatementRemoval => "call_statement_removal",
            Operator::CallValue => "call_value",
            Operator::AssignDrop => "assign_drop",
            Operator::StatementDrop => "statement_drop",
        }
    }

    /// The operator called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// One line saying what the operator does.
    pub fn description(self) -> &'static str {
        match self {
            Operator::Number => "adds one to a number literal (written in decimal)",
            Operator::String => "wraps a string or bytes literal's content in XX",
            Operator::StringCase => "lower- or upper-cases a string or bytes literal's content",
            Operator::BoolLiteral => "swaps True and False",
            Operator::Deepcopy => "replaces deepcopy with copy",
            Operator::AssignNone => "assigns None instead of the value (\"\" instead of None)",
            Operator::AugAssign => "turns an augmented assignment into a plain one",
            Operator::AugOp => "swaps an augmented assignment's operator",
            Operator::UnaryOp => "removes not, - or ~; turns +x into -x",
            Operator::BinaryOp => "swaps an arithmetic, shift or bitwise operator",
            Operator::CompareBoundary => "moves an order comparison across its boundary",
            Operator::CompareNegate => "swaps == and !=",
            Operator::IsSwap => "swaps is and is not",
            Operator::InSwap => "swaps in and not in",
            Operator::BoolOp => "swaps and and or",
            Operator::BreakContinue => "swaps break and continue",
            Operator::CallArgDrop => "removes one argument of a call with two or more",
            Operator::CallArgNone => "passes None instead of one argument",
            Operator::DictKwargName => "misspells a keyword name in a dict(...) call",
            Operator::StringMethod => "calls the mirror-image string method",
            Operator::LambdaBody => "makes a lambda return None (0 if it returned None)",
            Operator::MatchCaseRemoval => "removes one case of a match statement",
            Operator::TernaryNegate => "negates a conditional expression's condition",
            Operator::ReturnNone => "returns None instead of the value",
            Operator::ConditionNegate => "negates the condition of an if, elif or while",
            Operator::CallStatementRemoval => "replaces a call statement with pass",
            Operator::CallValue => {
                "replaces a call whose value is used with None, True or False (statement group)"
            }
            Operator::AssignDrop => {
                "keeps only the right side of an assignment to an attribute or subscript (statement group)"
            }
            Operator::StatementDrop => "replaces a simple statement with pass (statement group)",
        }
    }

    /// A one-line example: the code before and after the mutation.
    pub fn example(self) -> (&'static str, &'static str) {
        match self {
            Operator::Number => ("x = 0x10", "x = 17"),
            Operator::String => ("s = 'foo'", "s = 'XXfooXX'"),
            Operator::StringCase => ("s = 'Foo'", "s = 'foo'"),
            Operator::BoolLiteral => ("flag = True", "flag = False"),
            Operator::Deepcopy => ("y = copy.deepcopy(x)", "y = copy.copy(x)"),
            Operator::AssignNone => ("x = compute()", "x = None"),
            Operator::AugAssign => ("total += x", "total = x"),
            Operator::AugOp => ("total += x", "total -= x"),
            Operator::UnaryOp => ("ok = not done", "ok = done"),
            Operator::BinaryOp => ("y = a + b", "y = a - b"),
            Operator::CompareBoundary => ("ok = a < b", "ok = a <= b"),
            Operator::CompareNegate => ("ok = a == b", "ok = a != b"),
            Operator::IsSwap => ("ok = a is None", "ok = a is not None"),
            Operator::InSwap => ("ok = a in b", "ok = a not in b"),
            Operator::BoolOp => ("ok = a and b", "ok = a or b"),
            Operator::BreakContinue => ("break", "continue"),
            Operator::CallArgDrop => ("y = f(a, b)", "y = f(b)"),
            Operator::CallArgNone => ("y = f(a, key=b)", "y = f(a, key=None)"),
            Operator::DictKwargName => ("d = dict(a=1)", "d = dict(aXX=1)"),
            Operator::StringMethod => ("y = s.lower()", "y = s.upper()"),
            Operator::LambdaBody => ("key = lambda p: p.age", "key = lambda p: None"),
            Operator::MatchCaseRemoval => (
                "match x:\n    case 1:\n        a()\n    case _:\n        b()",
                "match x:\n    case _:\n        b()",
            ),
            Operator::TernaryNegate => ("y = a if c else b", "y = a if not (c) else b"),
            Operator::ReturnNone => ("return total", "return None"),
            Operator::ConditionNegate => ("if x > 0:\n    f()", "if not (x > 0):\n    f()"),
            Operator::CallStatementRemoval => ("log(x)", "pass"),
            Operator::CallValue => ("if ready(x):\n    go()", "if True:\n    go()"),
            Operator::AssignDrop => ("self.total = compute()", "compute()"),
            Operator::StatementDrop => ("total = 0", "pass"),
        }
    }
}

/// Named groups of operators for `operators` / `disable_operators` (and `--operators`): `all`,
/// `default` (what runs without a selection: all but `statement`), and one group per kind of
/// change. Each operator is in exactly one kind group. README.md repeats this list.
pub const GROUPS: &[(&str, &[Operator])] = &[
    ("all", Operator::ALL),
    ("default", Operator::DEFAULT),
    (
        "literals",
        &[
            Operator::Number,
            Operator::String,
            Operator::StringCase,
            Operator::BoolLiteral,
        ],
    ),
    (
        "arithmetic",
        &[
            Operator::UnaryOp,
            Operator::BinaryOp,
            Operator::AugOp,
            Operator::AugAssign,
        ],
    ),
    (
        "comparisons",
        &[
            Operator::CompareBoundary,
            Operator::CompareNegate,
            Operator::IsSwap,
            Operator::InSwap,
        ],
    ),
    (
        "logic",
        &[
            Operator::BoolOp,
            Operator::ConditionNegate,
            Operator::TernaryNegate,
        ],
    ),
    (
        "calls",
        &[
            Operator::Deepcopy,
            Operator::CallArgDrop,
            Operator::CallArgNone,
            Operator::DictKwargName,
            Operator::StringMethod,
            Operator::CallStatementRemoval,
        ],
    ),
    (
        "control_flow",
        &[Operator::BreakContinue, Operator::MatchCaseRemoval],
    ),
    (
        "values",
        &[
            Operator::AssignNone,
            Operator::ReturnNone,
            Operator::LambdaBody,
        ],
    ),
    ("statement", Operator::STATEMENT),
];

/// The operators a run generates mutants with (`operators` minus `disable_operators`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSet(std::collections::BTreeSet<Operator>);

impl Default for OperatorSet {
    /// The `default` group.
    fn default() -> OperatorSet {
        OperatorSet(Operator::DEFAULT.iter().copied().collect())
    }
}

impl OperatorSet {
    /// `enable` (operator or group names; `None`: the `default` group) minus `disable`. The error
    /// names the unknown name and lists the valid ones.
    pub fn select(enable: Option<&[String]>, disable: &[String]) -> Result<OperatorSet, String> {
        let mut set = match enable {
            Some(names) => {
                let mut set = std::collections::BTreeSet::new();
                for name in names {
                    set.extend(resolve(name)?);
                }
                set
            }
            None => OperatorSet::default().0,
        };
        for name in disable {
            for op in resolve(name)? {
                set.remove(&op);
            }
        }
        if set.is_empty() {
            return Err("no operator is left enabled; enable at least one".to_string());
        }
        Ok(OperatorSet(set))
    }

    pub fn contains(&self, op: Operator) -> bool {
        self.0.contains(&op)
    }

    /// This selection with `extra` added (`run --dead-code` adds the statement removals).
    pub fn with(&self, extra: &[Operator]) -> OperatorSet {
        let mut set = self.0.clone();
        set.extend(extra.iter().copied());
        OperatorSet(set)
    }

    /// What `.meta` files record to notice a change of selection: empty for the default set,
    /// else the enabled names in catalog order, comma-separated.
    pub fn fingerprint(&self) -> String {
        if *self == OperatorSet::default() {
            return String::new();
        }
        self.0
            .iter()
            .map(|op| op.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The operators `name` stands for: one operator, or a group.
fn resolve(name: &str) -> Result<Vec<Operator>, String> {
    let name = name.trim();
    if let Some(op) = Operator::from_name(name) {
        return Ok(vec![op]);
    }
    if let Some((_, ops)) = GROUPS.iter().find(|(group, _)| *group == name) {
        return Ok(ops.to_vec());
    }
    let operators: Vec<&str> = Operator::ALL.iter().map(|op| op.name()).collect();
    let groups: Vec<&str> = GROUPS.iter().map(|(group, _)| *group).collect();
    Err(format!(
        "unknown operator `{name}`; operators: {}; groups: {}",
        operators.join(", "),
        groups.join(", ")
    ))
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &op in Operator::ALL {
            let name = op.name();
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
            assert_eq!(Operator::from_name(name), Some(op));
            assert_eq!(op.to_string(), name);
        }
        assert_eq!(Operator::from_name("no_such_operator"), None);
    }

    #[test]
    fn kind_groups_split_the_catalog() {
        let mut seen: Vec<Operator> = GROUPS
            .iter()
            .filter(|(name, _)| *name != "all" && *name != "default")
            .flat_map(|(_, ops)| ops.iter().copied())
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            Operator::ALL,
            "each operator in exactly one kind group"
        );
    }

    #[test]
    fn selections_by_name_and_group() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let set =
            OperatorSet::select(Some(&names(&["comparisons", "number"])), &[]).expect("valid");
        assert!(set.contains(Operator::IsSwap) && set.contains(Operator::Number));
        assert!(!set.contains(Operator::String));
        assert_eq!(
            set.fingerprint(),
            "number,compare_boundary,compare_negate,is_swap,in_swap"
        );
        let set = OperatorSet::select(None, &names(&["literals"])).expect("valid");
        assert!(!set.contains(Operator::String) && set.contains(Operator::BinaryOp));
        assert_eq!(OperatorSet::select(None, &[]), Ok(OperatorSet::default()));
        assert_eq!(OperatorSet::default().fingerprint(), "");
        let error = OperatorSet::select(Some(&names(&["binary"])), &[]).expect_err("unknown");
        assert!(
            error.contains("`binary`") && error.contains("binary_op"),
            "{error}"
        );
        assert!(error.contains("groups: all, default"), "{error}");
        assert!(OperatorSet::select(None, &names(&["all"])).is_err());
        let statement = OperatorSet::select(Some(&names(&["statement"])), &[]).expect("valid");
        assert_eq!(
            statement.fingerprint(),
            "call_value,assign_drop,statement_drop"
        );
        let all = OperatorSet::select(Some(&names(&["all"])), &[]).expect("valid");
        assert!(all.contains(Operator::StatementDrop) && all.contains(Operator::Number));
    }

    #[test]
    fn the_statement_group_is_opt_in() {
        let default = OperatorSet::default();
        for &op in Operator::ALL {
            assert_eq!(
                default.contains(op),
                !Operator::STATEMENT.contains(&op),
                "{op}"
            );
            assert_eq!(op.is_default(), default.contains(op), "{op}");
        }
    }

    #[test]
    fn serde_form_is_the_name() {
        for &op in Operator::ALL {
            let json = serde_json::to_string(&op).expect("serialises");
            assert_eq!(json, format!("\"{}\"", op.name()));
            let back: Operator = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, op);
        }
    }

    #[test]
    fn all_lists_every_variant_in_declaration_order() {
        // `Ord` follows declaration order, so a sorted ALL means it is in catalog order; the
        // exhaustive match in `name` makes a forgotten variant a compile error there, and this
        // length check catches one forgotten here.
        let mut sorted = Operator::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Operator::ALL);
        assert_eq!(Operator::ALL.len(), 29);
    }

    #[test]
    fn every_operator_has_a_description_and_a_real_example() {
        for &op in Operator::ALL {
            assert!(!op.description().is_empty());
            let (before, after) = op.example();
            assert_ne!(before, after, "{op}");
        }
    }

    #[test]
    fn readme_has_a_row_for_every_operator() {
        let readme = include_str!("../../README.md");
        for &op in Operator::ALL {
            let row = format!("| `{}` | {} |", op.name(), op.description());
            assert!(
                readme.contains(&row),
                "README.md lacks the row for {op}: {row}"
            );
        }
    }
}
