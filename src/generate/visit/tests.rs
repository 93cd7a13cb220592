//! Tests of the mutation-site visitor: exact mutated text per operator, the skip rules, the
//! catalog examples, and a Python parse of every variant of a varied snippet.

use super::*;
use crate::domain::operators::Operator;

/// The mutations of the `default` group in the first top-level `def` of `source` (the skip-rule
/// tests below predate the opt-in `statement` group).
fn mutations_of(source: &str) -> Vec<Mutation> {
    let mut found = all_mutations_of(source);
    found.retain(|m| m.operator.is_default());
    found
}

/// Every mutation in the first top-level `def` of `source` (the trampolined function).
fn all_mutations_of(source: &str) -> Vec<Mutation> {
    let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
    let def = parsed
        .syntax()
        .body
        .iter()
        .find_map(|stmt| match stmt {
            Stmt::FunctionDef(def) => Some(def),
            _ => None,
        })
        .expect("a function");
    function_mutations(source, parsed.tokens(), def)
}

fn apply(source: &str, m: &Mutation) -> String {
    format!(
        "{}{}{}",
        &source[..m.start],
        m.replacement,
        &source[m.end..]
    )
}

/// Every mutated version of `source` made by `operator`, in mutation order.
fn variants(source: &str, operator: Operator) -> Vec<String> {
    all_mutations_of(source)
        .iter()
        .filter(|m| m.operator == operator)
        .map(|m| apply(source, m))
        .collect()
}

/// Wraps body lines in `def f(a, b, c, d):`, indenting them.
fn func(body: &str) -> String {
    let mut out = String::from("def f(a, b, c, d):\n");
    for line in body.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Asserts the variants of `func(body)` by `operator` are exactly `func(each expected body)`.
#[track_caller]
fn check(body: &str, operator: Operator, expected: &[&str]) {
    let got = variants(&func(body), operator);
    let want: Vec<String> = expected.iter().map(|b| func(b)).collect();
    assert_eq!(got, want, "operator {operator} on:\n{body}");
}

#[test]
fn number() {
    check(
        "x = 0x1_0 + 1.5 - 2j\ny = 99999999999999999999999 * 0",
        Operator::Number,
        &[
            "x = 17 + 1.5 - 2j\ny = 99999999999999999999999 * 0",
            "x = 0x1_0 + 2.5 - 2j\ny = 99999999999999999999999 * 0",
            "x = 0x1_0 + 1.5 - 3j\ny = 99999999999999999999999 * 0",
            "x = 0x1_0 + 1.5 - 2j\ny = 100000000000000000000000 * 0",
            "x = 0x1_0 + 1.5 - 2j\ny = 99999999999999999999999 * 1",
        ],
    );
    check(
        "x = 0b11.bit_length()",
        Operator::Number,
        &["x = (4).bit_length()"],
    );
    check("x = 1E-3", Operator::Number, &["x = 1.001"]);
    // Adding one does not change this float: no (equivalent) mutant.
    check("x = 1E16", Operator::Number, &[]);
    check("x = 1e999", Operator::Number, &[]);
}

#[test]
fn string_and_string_case() {
    check("s = 'Foo\\n'", Operator::String, &["s = 'XXFoo\\nXX'"]);
    check(
        "s = 'Foo\\n'",
        Operator::StringCase,
        &["s = 'foo\\n'", "s = 'FOO\\n'"],
    );
    check(
        "s = rb\"ab\\x0A\" b'c'",
        Operator::String,
        &["s = rb\"XXab\\x0AXX\" b'c'", "s = rb\"ab\\x0A\" b'XXcXX'"],
    );
    check("s = b'\\x0a\\N{X}'", Operator::StringCase, &[]);
    check(
        "s = u'\\N{bullet}a'",
        Operator::StringCase,
        &["s = u'\\N{bullet}A'"],
    );
    check("s = ''", Operator::String, &["s = 'XXXX'"]);
    check("s = '''Text'''", Operator::String, &[]);
    check("s = '''Text'''", Operator::StringCase, &[]);
    check("s = '123'", Operator::StringCase, &[]);
}

#[test]
fn bool_literal_and_deepcopy() {
    check(
        "x = True or False",
        Operator::BoolLiteral,
        &["x = False or False", "x = True or True"],
    );
    check(
        "y = copy.deepcopy(x)\nz = deepcopy(x)",
        Operator::Deepcopy,
        &[
            "y = copy.copy(x)\nz = deepcopy(x)",
            "y = copy.deepcopy(x)\nz = copy(x)",
        ],
    );
}

#[test]
fn assign_none() {
    check(
        "x = a + 1\ny: int = b\nz = None\nw = v = (a,\n     b)\nq: int",
        Operator::AssignNone,
        &[
            "x = None\ny: int = b\nz = None\nw = v = (a,\n     b)\nq: int",
            "x = a + 1\ny: int = None\nz = None\nw = v = (a,\n     b)\nq: int",
            "x = a + 1\ny: int = b\nz = \"\"\nw = v = (a,\n     b)\nq: int",
            "x = a + 1\ny: int = b\nz = None\nw = v = None\nq: int",
        ],
    );
}

#[test]
fn augmented_assignment() {
    check("a += b", Operator::AugAssign, &["a = b"]);
    check("a += b", Operator::AugOp, &["a -= b"]);
    check("a.x[0] //= b", Operator::AugOp, &["a.x[0] /= b"]);
    check("a **= b", Operator::AugOp, &["a *= b"]);
    check("a ^= b", Operator::AugOp, &["a &= b"]);
    check("a @= b", Operator::AugOp, &[]);
    check("a @= b", Operator::AugAssign, &["a = b"]);
}

#[test]
fn unary_op() {
    check(
        "x = not a\ny = -(b)\nz = ~ c\nw = +d",
        Operator::UnaryOp,
        &[
            "x = a\ny = -(b)\nz = ~ c\nw = +d",
            "x = not a\ny = (b)\nz = ~ c\nw = +d",
            "x = not a\ny = -(b)\nz = c\nw = +d",
            "x = not a\ny = -(b)\nz = ~ c\nw = -d",
        ],
    );
    // Removing the operator must not fuse the neighbouring words.
    check(
        "return a if b else-c",
        Operator::UnaryOp,
        &["return a if b else c"],
    );
    check("return(not(a))", Operator::UnaryOp, &["return((a))"]);
}

#[test]
fn binary_op() {
    check(
        "x = a + b - c * d",
        Operator::BinaryOp,
        &[
            "x = a - b - c * d",
            "x = a + b + c * d",
            "x = a + b - c / d",
        ],
    );
    check(
        "x = (a) / (b) // c % d ** a",
        Operator::BinaryOp,
        &[
            "x = (a) * (b) // c % d ** a",
            "x = (a) / (b) / c % d ** a",
            "x = (a) / (b) // c / d ** a",
            "x = (a) / (b) // c % d * a",
        ],
    );
    check(
        "x = a << b >> c & d | a ^ b @ c",
        Operator::BinaryOp,
        &[
            "x = a >> b >> c & d | a ^ b @ c",
            "x = a << b << c & d | a ^ b @ c",
            "x = a << b >> c | d | a ^ b @ c",
            "x = a << b >> c & d & a ^ b @ c",
            "x = a << b >> c & d | a & b @ c",
        ],
    );
    check("x = a - -b", Operator::BinaryOp, &["x = a + -b"]);
}

#[test]
fn comparisons() {
    check(
        "x = a < b <= c > d >= a",
        Operator::CompareBoundary,
        &[
            "x = a <= b <= c > d >= a",
            "x = a < b < c > d >= a",
            "x = a < b <= c >= d >= a",
            "x = a < b <= c > d > a",
        ],
    );
    check(
        "x = a == b != c",
        Operator::CompareNegate,
        &["x = a != b != c", "x = a == b == c"],
    );
    check(
        "x = a is None\ny = b is not  None",
        Operator::IsSwap,
        &[
            "x = a is not None\ny = b is not  None",
            "x = a is None\ny = b is  None",
        ],
    );
    check(
        "x = a in b\ny = (c)not in(d)",
        Operator::InSwap,
        &[
            "x = a not in b\ny = (c)not in(d)",
            "x = a in b\ny = (c)in(d)",
        ],
    );
}

#[test]
fn bool_op() {
    check("x = a and b", Operator::BoolOp, &["x = a or b"]);
    check(
        "x = a and b and c",
        Operator::BoolOp,
        &["x = a or b and c", "x = a and b or c"],
    );
    check(
        "x = (a) or b or (c)",
        Operator::BoolOp,
        &["x = ((a) or b) and (c)", "x = (a) and (b or (c))"],
    );
    check(
        "x = (a or  # why\n     b or c)",
        Operator::BoolOp,
        &[
            "x = ((a or  # why\n     b) and c)",
            "x = (a and  # why\n     (b or c))",
        ],
    );
}

#[test]
fn break_continue() {
    check(
        "for x in a:\n    if x:\n        break\n    continue",
        Operator::BreakContinue,
        &[
            "for x in a:\n    if x:\n        continue\n    continue",
            "for x in a:\n    if x:\n        break\n    break",
        ],
    );
}

#[test]
fn call_arguments() {
    check(
        "x = g(a, (b), *c, k=d, n=None, **e)",
        Operator::CallArgNone,
        &[
            "x = g(None, (b), *c, k=d, n=None, **e)",
            "x = g(a, (None), *c, k=d, n=None, **e)",
            "x = g(a, (b), *c, k=None, n=None, **e)",
        ],
    );
    check(
        "x = g(a, (b), *c, k=d, **e)",
        Operator::CallArgDrop,
        &[
            "x = g((b), *c, k=d, **e)",
            "x = g(a, *c, k=d, **e)",
            "x = g(a, (b), k=d, **e)",
            "x = g(a, (b), *c, **e)",
            "x = g(a, (b), *c, k=d)",
        ],
    );
    // A single argument is set to None, never dropped.
    check("x = g(a)", Operator::CallArgDrop, &[]);
    check("x = g(a)", Operator::CallArgNone, &["x = g(None)"]);
    check(
        "x = g(\n    a,  # first\n    b,\n)",
        Operator::CallArgDrop,
        &["x = g(\n    b,\n)", "x = g(\n    a,\n)"],
    );
    check(
        "x = g(y for y in a)",
        Operator::CallArgNone,
        &["x = g(None)"],
    );
}

#[test]
fn dict_kwarg_name() {
    check(
        "x = dict(a=1, **b)\ny = other(a=1)",
        Operator::DictKwargName,
        &["x = dict(aXX=1, **b)\ny = other(a=1)"],
    );
}

#[test]
fn string_method() {
    check(
        "x = s.lower().lstrip()\ny = s.startswith(p)",
        Operator::StringMethod,
        &[
            "x = s.upper().lstrip()\ny = s.startswith(p)",
            "x = s.lower().rstrip()\ny = s.startswith(p)",
            "x = s.lower().lstrip()\ny = s.endswith(p)",
        ],
    );
    // split and rsplit only differ with a maxsplit.
    check(
        "x = s.split(',')\ny = s.split(',', 1)\nz = s.rsplit(maxsplit=1)",
        Operator::StringMethod,
        &[
            "x = s.split(',')\ny = s.rsplit(',', 1)\nz = s.rsplit(maxsplit=1)",
            "x = s.split(',')\ny = s.split(',', 1)\nz = s.split(maxsplit=1)",
        ],
    );
}

#[test]
fn lambda_body() {
    check(
        "k = lambda p: p.age\nn = lambda: None",
        Operator::LambdaBody,
        &[
            "k = lambda p: None\nn = lambda: None",
            "k = lambda p: p.age\nn = lambda: 0",
        ],
    );
}

#[test]
fn match_case_removal() {
    let body = "match a:\n    case 1:\n        x()\n    case [b, *_]:  # seq\n        y()\n    case _:\n        z()";
    check(
        body,
        Operator::MatchCaseRemoval,
        &[
            "match a:\n    case [b, *_]:  # seq\n        y()\n    case _:\n        z()",
            "match a:\n    case 1:\n        x()\n    case _:\n        z()",
            "match a:\n    case 1:\n        x()\n    case [b, *_]:  # seq\n        y()",
        ],
    );
    check(
        "match a:\n    case 1:\n        x()",
        Operator::MatchCaseRemoval,
        &[],
    );
}

#[test]
fn patterns_only_change_literals() {
    let source = func("match a:\n    case -1 | 'k' | {'x': 2}:\n        pass\n    case (True | None):\n        pass");
    let ops: Vec<&str> = mutations_of(&source)
        .iter()
        .filter(|m| m.operator != Operator::MatchCaseRemoval)
        .map(|m| m.operator.name())
        .collect();
    assert_eq!(
        ops,
        // -1, 'k' (twice), and the 2 of `{'x': 2}`: the key 'x' stays, since a changed key could
        // duplicate another key of the pattern.
        ["number", "string", "string_case", "number"]
    );
}

#[test]
fn mapping_pattern_keys_never_change() {
    let source = func("match a:\n    case {0: x, 1: y}:\n        pass");
    let ops: Vec<&str> = mutations_of(&source)
        .iter()
        .map(|m| m.operator.name())
        .collect();
    assert!(ops.is_empty(), "{ops:?}");
}

#[test]
fn ternary_negate() {
    check(
        "x = a if b or c else d",
        Operator::TernaryNegate,
        &["x = a if not (b or c) else d"],
    );
}

#[test]
fn return_none() {
    check(
        "if a:\n    return a + 1\nelif b:\n    return\nreturn None",
        Operator::ReturnNone,
        &["if a:\n    return None\nelif b:\n    return\nreturn None"],
    );
    // Not in generators; a nested non-generator still gets it.
    check(
        "def inner():\n    return 1\nyield a\nreturn b",
        Operator::ReturnNone,
        &["def inner():\n    return None\nyield a\nreturn b"],
    );
}

#[test]
fn condition_negate() {
    check(
        "if a or b:\n    pass\nelif(c):\n    pass\nwhile d:\n    pass",
        Operator::ConditionNegate,
        &[
            "if not (a or b):\n    pass\nelif(c):\n    pass\nwhile d:\n    pass",
            "if a or b:\n    pass\nelif(not (c)):\n    pass\nwhile d:\n    pass",
            "if a or b:\n    pass\nelif(c):\n    pass\nwhile not (d):\n    pass",
        ],
    );
    check(
        "if-a:\n    pass",
        Operator::ConditionNegate,
        &["if not (-a):\n    pass"],
    );
}

#[test]
fn call_statement_removal() {
    check(
        "log(a); x = g(b)\n(h(\n    c))\nawait k()\nyield m()",
        Operator::CallStatementRemoval,
        &[
            "pass; x = g(b)\n(h(\n    c))\nawait k()\nyield m()",
            "log(a); x = g(b)\npass\nawait k()\nyield m()",
            "log(a); x = g(b)\n(h(\n    c))\npass\nyield m()",
        ],
    );
}

/// Every variant of the whole module `source` made by `operator`, in mutation order (all
/// top-level functions).
fn module_variants(source: &str, operator: Operator) -> Vec<String> {
    let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
    parsed
        .syntax()
        .body
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::FunctionDef(def) => Some(def),
            _ => None,
        })
        .flat_map(|def| function_mutations(source, parsed.tokens(), def))
        .filter(|m| m.operator == operator)
        .map(|m| apply(source, &m))
        .collect()
}

#[test]
fn call_value() {
    check(
        "x = f(a) + g()\nif h(b):\n    k()\nreturn m(c)",
        Operator::CallValue,
        &[
            "x = None + g()\nif h(b):\n    k()\nreturn m(c)",
            "x = True + g()\nif h(b):\n    k()\nreturn m(c)",
            "x = False + g()\nif h(b):\n    k()\nreturn m(c)",
            "x = f(a) + None\nif h(b):\n    k()\nreturn m(c)",
            "x = f(a) + True\nif h(b):\n    k()\nreturn m(c)",
            "x = f(a) + False\nif h(b):\n    k()\nreturn m(c)",
            // A condition: None would act as False.
            "x = f(a) + g()\nif True:\n    k()\nreturn m(c)",
            "x = f(a) + g()\nif False:\n    k()\nreturn m(c)",
            // `return None` is return_none's mutant; the call statement k() is
            // call_statement_removal's.
            "x = f(a) + g()\nif h(b):\n    k()\nreturn True",
            "x = f(a) + g()\nif h(b):\n    k()\nreturn False",
        ],
    );
    // The None of `x = f()` and `g(f())` is assign_none's and call_arg_none's.
    check("x = f()", Operator::CallValue, &["x = True", "x = False"]);
    check("g(f())", Operator::CallValue, &["g(True)", "g(False)"]);
    let source = "async def f(a):\n    x = await g(a)\n    await h()\n    \
                  return [i for i in a if p(i)] or not q()\n";
    assert_eq!(
        module_variants(source, Operator::CallValue),
        [
            source.replace("await g(a)", "True"),
            source.replace("await g(a)", "False"),
            source.replace("p(i)", "True"),
            source.replace("p(i)", "False"),
            source.replace("q()", "True"),
            source.replace("q()", "False"),
        ]
    );
    // Decorators stay (`@None` needs Python 3.9), and so does a call holding the own yield.
    let source = "def f(a):\n    @deco(a)\n    def g():\n        pass\n    x = h((yield))\n";
    assert_eq!(
        module_variants(source, Operator::CallValue),
        Vec::<String>::new()
    );
}

#[test]
fn assign_drop() {
    check(
        "self.x = f()\nself.y[0] += g(a)\nself.z: int = h(\n    a)\nself.w = 1\na.b = c.d = (k +\n    1)\nx = f()\nself.t = -a",
        Operator::AssignDrop,
        &[
            "f()\nself.y[0] += g(a)\nself.z: int = h(\n    a)\nself.w = 1\na.b = c.d = (k +\n    1)\nx = f()\nself.t = -a",
            "self.x = f()\ng(a)\nself.z: int = h(\n    a)\nself.w = 1\na.b = c.d = (k +\n    1)\nx = f()\nself.t = -a",
            "self.x = f()\nself.y[0] += g(a)\n(h(\n    a))\nself.w = 1\na.b = c.d = (k +\n    1)\nx = f()\nself.t = -a",
            "self.x = f()\nself.y[0] += g(a)\nself.z: int = h(\n    a)\nself.w = 1\n(k +\n    1)\nx = f()\nself.t = -a",
            "self.x = f()\nself.y[0] += g(a)\nself.z: int = h(\n    a)\nself.w = 1\na.b = c.d = (k +\n    1)\nx = f()\n-a",
        ],
    );
    // A walrus value keeps its parentheses; a tuple target is left alone.
    check("self.x = (y := f())", Operator::AssignDrop, &["(y := f())"]);
    check("self.x, self.y = f()", Operator::AssignDrop, &[]);
}

#[test]
fn statement_drop() {
    let body = "x = 1\ny: int = 2\nz: int\ndel x\nassert y, 'm'\nf()\na.b\n...\n'text'\n\
                for i in a:\n    if i:\n        return i\n    break\nglobal g\npass\n\
                raise ValueError(y)\nreturn y";
    let dropped = [
        "x = 1",
        "y: int = 2",
        "del x",
        "assert y, 'm'",
        "a.b",
        "return i",
        "break",
        "raise ValueError(y)",
    ];
    let expected: Vec<String> = dropped
        .iter()
        .map(|statement| body.replacen(statement, "pass", 1))
        .collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    check(body, Operator::StatementDrop, &expected);
    // A block whose only statement goes keeps `pass`; a nested def's final return stays.
    check(
        "if a:\n    b = 1\ndef g():\n    return 2",
        Operator::StatementDrop,
        &["if a:\n    pass\ndef g():\n    return 2"],
    );
    // Binding a name a nested function declares nonlocal must stay (else: SyntaxError); a
    // statement holding the own yield stays.
    let source = "def f(a):\n    x = 1\n    y = 2\n    def inner():\n        nonlocal x\n        \
                  x = 3\n    z = yield y\n    return inner\n";
    assert_eq!(
        module_variants(source, Operator::StatementDrop),
        [source.replace("y = 2", "pass")]
    );
}

#[test]
fn statement_operators_never_duplicate_default_edits() {
    // At the same range and text the default operator's edit is the one kept.
    let source = func("return f(x)\nx = g()\nh(k())");
    let found = all_mutations_of(&source);
    let none_edits: Vec<Operator> = found
        .iter()
        .filter(|m| m.replacement == "None")
        .map(|m| m.operator)
        .collect();
    assert_eq!(
        none_edits,
        [
            Operator::ReturnNone,
            Operator::CallArgNone,
            Operator::AssignNone,
            Operator::CallArgNone
        ]
    );
}

#[test]
fn own_decorators_and_annotations_are_left_alone() {
    let source = "@cache(maxsize=1)\ndef f(a: int = 1, *, b: 'x' = 'y') -> Dict[str, 2]:\n    @wraps(f, 3)\n    def g(c: int = 4) -> 5:\n        v: 6 = 7\n        return c\n    return g\n";
    let got: Vec<(&str, &str, bool)> = mutations_of(source)
        .iter()
        .map(|m| (&source[m.start..m.end], m.operator.name(), m.in_default))
        .collect();
    assert_eq!(
        got,
        [
            ("1", "number", true),
            ("'y'", "string", true),
            ("'y'", "string_case", true),
            ("f", "call_arg_none", false),
            ("f, ", "call_arg_drop", false),
            (", 3", "call_arg_drop", false),
            ("3", "call_arg_none", false),
            ("3", "number", false),
            ("4", "number", false),
            ("7", "assign_none", false),
            ("7", "number", false),
            ("c", "return_none", false),
            ("g", "return_none", false),
        ]
    );
}

#[test]
fn defaults_are_flagged_and_lie_inside_one_default() {
    let source =
        "def f(a=[1, 2], /, b=x + 1, *args, c=lambda: 0, **kw):\n    def g(d=3):\n        pass\n";
    let parsed = ruff_python_parser::parse_module(source).expect("parses");
    let Stmt::FunctionDef(def) = &parsed.syntax().body[0] else {
        panic!("def expected")
    };
    let defaults: Vec<TextRange> = def
        .parameters
        .iter_non_variadic_params()
        .filter_map(|p| p.default.as_deref().map(Ranged::range))
        .collect();
    let mutations = function_mutations(source, parsed.tokens(), def);
    for m in &mutations {
        let inside = defaults
            .iter()
            .any(|d| usize::from(d.start()) <= m.start && m.end <= usize::from(d.end()));
        assert_eq!(m.in_default, inside, "{m:?}");
    }
    let flagged: Vec<String> = mutations
        .iter()
        .filter(|m| m.in_default)
        .map(|m| {
            let mutated = apply(source, m);
            let end = mutated.find("):\n").unwrap_or(mutated.len());
            mutated[6..end].to_string()
        })
        .collect();
    assert_eq!(
        flagged,
        [
            "a=[2, 2], /, b=x + 1, *args, c=lambda: 0, **kw",
            "a=[1, 3], /, b=x + 1, *args, c=lambda: 0, **kw",
            "a=[1, 2], /, b=x - 1, *args, c=lambda: 0, **kw",
            "a=[1, 2], /, b=x + 2, *args, c=lambda: 0, **kw",
            "a=[1, 2], /, b=x + 1, *args, c=lambda: None, **kw",
            "a=[1, 2], /, b=x + 1, *args, c=lambda: 1, **kw",
        ]
    );
    assert!(mutations
        .iter()
        .any(|m| !m.in_default && &source[m.start..m.end] == "3"));
}

#[test]
fn docstrings_and_string_statements_are_skipped() {
    let source = func("\"\"\"Doc.\"\"\"\n'not a docstring but a statement'\nclass C:\n    'class doc'\n    x = 'v'");
    let got: Vec<&str> = mutations_of(&source)
        .iter()
        .map(|m| &source[m.start..m.end])
        .collect();
    assert_eq!(got, ["'v'", "'v'", "'v'"]);
}

#[test]
fn type_checking_blocks_are_skipped() {
    let source =
        func("if TYPE_CHECKING:\n    x = 1\nelse:\n    x = 2\nif typing.TYPE_CHECKING:\n    y = 3");
    let got: Vec<&str> = mutations_of(&source)
        .iter()
        .map(|m| &source[m.start..m.end])
        .collect();
    assert_eq!(got, ["2", "2"]);
}

#[test]
fn len_isinstance_issubclass_and_fstrings_are_skipped() {
    let source = func(
        "x = len(a + 1)\ny = isinstance(b, (int, 'str'))\nz = issubclass(c, d)\nw = f'a{b + 1}c'",
    );
    let got: Vec<&str> = mutations_of(&source)
        .iter()
        .map(|m| m.operator.name())
        .collect();
    assert_eq!(
        got,
        ["assign_none", "assign_none", "assign_none", "assign_none"]
    );
}

#[test]
fn type_aliases_and_imports_are_skipped() {
    let source = func("type X = list[1]\nfrom a import b\nimport c");
    assert_eq!(mutations_of(&source), []);
}

#[test]
fn deletions_never_remove_the_functions_own_yield() {
    let source = func("x = yield 1\ng((yield), 2)\nmatch a:\n    case 1:\n        yield\n    case _:\n        pass\nself.x = h((yield))");
    for m in all_mutations_of(&source) {
        let mutated = apply(&source, &m);
        assert!(
            mutated.matches("yield").count() == 4,
            "{} removed a yield:\n{mutated}",
            m.operator
        );
    }
}

#[test]
fn mutations_are_sorted_unique_and_stable() {
    let source = func("x = a + 1 if b < 2 else g(c, 'd')\nreturn x");
    let first = all_mutations_of(&source);
    assert_eq!(first, all_mutations_of(&source));
    for pair in first.windows(2) {
        let key = |m: &Mutation| (m.start, m.end, !m.operator.is_default(), m.operator.name());
        assert!(key(&pair[0]) <= key(&pair[1]), "{pair:?}");
        assert!(
            (pair[0].start, pair[0].end, &pair[0].replacement)
                != (pair[1].start, pair[1].end, &pair[1].replacement)
        );
    }
    for m in &first {
        assert_ne!(source[m.start..m.end], m.replacement);
    }
}

/// Each catalog example, as a function body, is one of the mutations the visitor makes.
#[test]
fn catalog_examples_are_what_the_visitor_does() {
    for &op in Operator::ALL {
        let (before, after) = op.example();
        let body = format!("for _ in a:\n{}", indent(before));
        let expected = func(&format!("for _ in a:\n{}", indent(after)));
        let got = variants(&func(&body), op);
        assert!(
            got.contains(&expected),
            "{op}: example {before:?} → {after:?} not produced; got {got:#?}"
        );
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

const VARIED: &str = r#"import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from os import PathLike


def decorate(n=2):
    return lambda f: f


@decorate(n=3)
async def ünïcode_fn(xs: list[int], *args, scale: float = 1.5, **kwargs) -> dict:
    """Docstring stays."""
    total = 0
    for i, x in enumerate(xs):
        if x > 0 and not x % 2 == 1 or x is None:
            total += x * scale
        elif x in args:
            continue
        else:
            break
    while (n := len(xs)) > 10:
        xs = xs[1:]
    await asyncio.sleep(0)
    print(f"{total!r:>10} {x + 1}", *args, sep="", **kwargs)
    squares = {k: v ** 2 for k, v in zip(xs, xs) if k != v}
    xs[0] = sum(xs)
    gen = (y for y in xs if y < -1)
    λ = lambda a, b=2: (a + b) if a >= b else ~a
    match xs:
        case [1, *rest] if rest:
            total = -total
        case {"k": 2.5}:
            total = None
        case _:
            pass

    def nested(a, /, b=[1, 2], *, c=dict(d=4)):
        @decorate(n=5)
        class Inner:
            attr: int = 6
            def meth(self):
                return self.attr << 1 | 2 ^ 3 & 4 >> 5
        yield from range(a, b[0])
        return a // 2

    async def agen():
        async for v in agen():
            yield v.lower().split(",", 1)
        async with asyncio.Lock() as lock:
            assert lock is not None, "msg"

    try:
        raise ValueError("bad")
    except (ValueError, TypeError) as e:
        total -= 1
    finally:
        del squares
    return {"total": total, "ok": True, "raw": rb'\x00AB', "copy": deepcopy(gen)}
"#;

/// Every variant of a varied snippet is valid Python and differs from the original's AST.
#[test]
fn every_variant_of_a_varied_snippet_parses_in_python() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        println!("note: python3 not found; skipping the variant parse check");
        return;
    }
    let parsed = ruff_python_parser::parse_module(VARIED).expect("snippet parses");
    let mut mutations = Vec::new();
    for stmt in &parsed.syntax().body {
        if let Stmt::FunctionDef(def) = stmt {
            mutations.extend(function_mutations(VARIED, parsed.tokens(), def));
        }
    }
    let operators: HashSet<Operator> = mutations.iter().map(|m| m.operator).collect();
    for op in Operator::ALL {
        assert!(operators.contains(op), "the snippet should exercise {op}");
    }
    assert!(mutations.len() > 100, "only {} mutations", mutations.len());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("original.py"), VARIED).expect("write");
    for (i, m) in mutations.iter().enumerate() {
        std::fs::write(dir.path().join(format!("v{i:04}.py")), apply(VARIED, m)).expect("write");
    }
    let script = r#"
import ast, glob, os, sys
d = sys.argv[1]
original = ast.dump(ast.parse(open(os.path.join(d, "original.py"), encoding="utf-8").read()))
bad = 0
for path in sorted(glob.glob(os.path.join(d, "v*.py"))):
    try:
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
    except SyntaxError as e:
        bad += 1
        print(f"{os.path.basename(path)}: {e}")
        continue
    if ast.dump(tree) == original:
        bad += 1
        print(f"{os.path.basename(path)}: same AST as the original")
sys.exit(1 if bad else 0)
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let mut details = String::new();
    for line in report.lines().take(20) {
        let n: usize = line[1..5].parse().unwrap_or(0);
        let m = &mutations[n];
        details.push_str(&format!(
            "{line}\n    {} {:?} → {:?}\n",
            m.operator,
            &VARIED[m.start..m.end],
            m.replacement
        ));
    }
    assert!(
        output.status.success(),
        "invalid variants:\n{details}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every variant of every function in the `.py` files under `$MUTRUN_CORPUS` parses in Python.
/// Slow; run with `MUTRUN_CORPUS=/usr/lib/python3.11 cargo test --lib corpus -- --ignored`.
#[test]
#[ignore]
fn corpus_variants_parse_in_python() {
    let Ok(root) = std::env::var("MUTRUN_CORPUS") else {
        println!("note: MUTRUN_CORPUS not set; nothing to check");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("variants.jsonl");
    let mut lines = String::new();
    let mut count = 0usize;
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(parsed) = ruff_python_parser::parse_module(&source) else {
            continue;
        };
        let pragmas =
            crate::generate::pragma::Pragmas::scan(&source, parsed.tokens()).expect("pragmas");
        for site in crate::generate::functions::find(parsed.syntax(), "m", &pragmas) {
            let def_start = usize::from(site.def.start());
            let start = source[..def_start].rfind('\n').map_or(0, |i| i + 1);
            let end = usize::from(site.def.end());
            for m in function_mutations(&source, parsed.tokens(), site.def) {
                let text = format!(
                    "{}{}{}",
                    &source[start..m.start],
                    m.replacement,
                    &source[m.end..end]
                );
                let line = serde_json::json!({
                    "file": path.display().to_string(),
                    "indented": def_start > start,
                    "text": text,
                    "orig": &source[start..end],
                    "op": m.operator.name(),
                    "original": &source[m.start..m.end],
                    "replacement": m.replacement,
                });
                lines.push_str(&line.to_string());
                lines.push('\n');
                count += 1;
            }
        }
    }
    std::fs::write(&list, lines).expect("write");
    println!("{count} variants");
    let script = r#"
import ast, json, sys, warnings
warnings.simplefilter("ignore")
bad = 0
originals = {}
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)
    prefix = "if 1:\n" if v["indented"] else ""
    try:
        tree = ast.dump(ast.parse(prefix + v["text"]))
        original = originals.get(v["orig"])
        if original is None:
            original = originals[v["orig"]] = ast.dump(ast.parse(prefix + v["orig"]))
        problem = "same AST" if tree == original else None
    except SyntaxError as e:
        problem = e
    if problem:
        bad += 1
        if bad <= 30:
            print(v["file"], v["op"], repr(v["original"]), "->", repr(v["replacement"]), problem)
print("bad:", bad)
sys.exit(1 if bad else 0)
"#;
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&list)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The text of a mutation's reach: the code whose evaluation the edit changes.
fn reach_text<'s>(source: &'s str, m: &Mutation) -> &'s str {
    &source[m.reach.0..m.reach.1]
}

#[test]
fn an_operator_swap_reaches_the_whole_expression_it_changes() {
    // A test where `a` is true never runs line 3, yet `or` → `and` changes what it sees.
    let source = func("if (\n    a\n    or b\n    or c\n):\n    return 1");
    let found = all_mutations_of(&source);
    let swap = found
        .iter()
        .find(|m| m.operator == Operator::BoolOp && source[m.start..m.end].starts_with("or b"))
        .expect("the second `or` is swapped");
    assert_eq!(reach_text(&source, swap), "a\n        or b\n        or c");
    let number = found
        .iter()
        .find(|m| m.operator == Operator::Number)
        .expect("`return 1` has a number mutant");
    assert_eq!(reach_text(&source, number), "1");
    let drop_return = found
        .iter()
        .find(|m| m.operator == Operator::ReturnNone)
        .expect("`return 1` has a return_none mutant");
    assert_eq!(reach_text(&source, drop_return), "return 1");
}
