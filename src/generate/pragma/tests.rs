//! The pragma scanner's edge cases: which lines each spelling covers, and its errors.

use super::*;

fn scan(source: &str) -> Result<Pragmas, PragmaError> {
    let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
    Pragmas::scan(source, parsed.tokens())
}

fn pragmas(source: &str) -> Pragmas {
    scan(source).expect("no pragma error")
}

/// 1-based lines left alone, with their reasons.
fn skipped_lines(p: &Pragmas) -> Vec<(usize, SkipReason)> {
    (0..p.line.len())
        .filter_map(|l| p.line_reason(l).map(|r| (l + 1, r)))
        .collect()
}

fn lines_of(p: &Pragmas) -> Vec<usize> {
    skipped_lines(p).into_iter().map(|(l, _)| l).collect()
}

fn whole_lines(p: &Pragmas) -> Vec<usize> {
    (0..p.whole.len())
        .filter(|&l| p.whole[l].is_some())
        .map(|l| l + 1)
        .collect()
}

#[test]
fn spellings_are_read_as_mutmut_reads_them() {
    assert_eq!(classify("# pragma: no mutate"), Some(PragmaKind::Bare));
    assert_eq!(
        classify("# pragma: no mutate block"),
        Some(PragmaKind::Block)
    );
    assert_eq!(
        classify("# pragma: no mutate: block"),
        Some(PragmaKind::Block)
    );
    assert_eq!(
        classify("# pragma: no mutate start"),
        Some(PragmaKind::Start)
    );
    assert_eq!(classify("# pragma: no mutate: end"), Some(PragmaKind::End));
    assert_eq!(
        classify("# pragma: no mutate: function"),
        Some(PragmaKind::Block)
    );
    assert_eq!(
        classify("# pragma: no cover, no mutate"),
        Some(PragmaKind::Bare)
    );
    assert_eq!(
        classify("# pragma: no mutate block, because"),
        Some(PragmaKind::Block)
    );
    assert_eq!(
        classify("# pragma: no mutate because reasons"),
        Some(PragmaKind::Bare)
    );
    // mutmut looks for `# pragma:` exactly.
    assert_eq!(classify("#pragma: no mutate"), None);
    assert_eq!(classify("# no mutate"), None);
    assert_eq!(classify("# pragma: no cover"), None);
}

#[test]
fn a_line_pragma_covers_its_line_and_its_statements_first_line() {
    let src = "\
def f(a, b):
    x = g(a,
          b + 1)  # pragma: no mutate
    y = h(a,  # pragma: no mutate
          b - 1)
    return x + y
";
    let p = pragmas(src);
    // Statement ending on line 3: mutmut marks its first line (2); the comment's own line too.
    // Inside brackets (line 4): that line only.
    assert_eq!(lines_of(&p), vec![2, 3, 4]);
    assert!(whole_lines(&p).is_empty());
    assert!(!p.excludes_definition(src.find("f(").expect("f")));
}

#[test]
fn a_line_pragma_on_a_def_covers_only_the_signature_line() {
    let src = "def f(x=1):  # pragma: no mutate\n    return x + 1\n";
    let p = pragmas(src);
    assert_eq!(lines_of(&p), vec![1]);
    assert!(!p.excludes_definition(src.find("f(").expect("f")));
}

#[test]
fn block_on_a_def_class_or_decorator_leaves_the_whole_definition_alone() {
    let src = "\
def f():  # pragma: no mutate block
    return 1

class C:  # pragma: no mutate block
    def m(self):
        return 2

@decorate  # pragma: no mutate block
@other
def g(
    x=1,
):
    return x

def h():
    return 3
";
    let p = pragmas(src);
    assert_eq!(whole_lines(&p), vec![1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
    for name in ["f(", "C:", "m(self", "g("] {
        let at = src.find(name).expect("name");
        assert_eq!(
            p.definition_reason(at),
            Some(SkipReason::NoMutateBlock),
            "{name}"
        );
    }
    assert!(!p.excludes_definition(src.find("h(").expect("h")));
}

#[test]
fn block_on_an_if_covers_its_body_but_not_the_else() {
    let src = "\
def f(x):
    if x > 1:  # pragma: no mutate block
        x = x + 1
        x = x * 2
    else:
        x = x - 1
    return x
";
    assert_eq!(lines_of(&pragmas(src)), vec![2, 3, 4]);
}

#[test]
fn block_on_its_own_line_covers_the_rest_of_the_enclosing_block() {
    let src = "\
def f(val=1):
    # pragma: no mutate block
    x = 1
    if x:
        x = 2
    return x + val

def g():
    return 42
";
    let p = pragmas(src);
    assert_eq!(lines_of(&p), vec![2, 3, 4, 5, 6]);
    // The signature (its default) stays mutable, as in mutmut.
    assert!(!p.excludes_range(
        src.find("1)").expect("default"),
        src.find("1)").expect("d") + 1
    ));
}

#[test]
fn block_after_the_last_statement_of_a_block_belongs_to_that_block() {
    // Indented as deep as the body that ends: it is that body's trailing comment, not the next
    // statement's.
    let src = "\
def f():
    return 1
    # pragma: no mutate block
def g():
    return 2
";
    assert_eq!(lines_of(&pragmas(src)), vec![3]);
    let src = "\
def f():
    return 1
# pragma: no mutate block
def g():
    return 2
";
    assert_eq!(lines_of(&pragmas(src)), vec![3, 4, 5]);
}

#[test]
fn start_end_region_covers_every_line_between_inclusive() {
    let src = "\
a = 1
# pragma: no mutate start
b = 2
c = 3
# pragma: no mutate end
d = 4
";
    let p = pragmas(src);
    assert_eq!(
        skipped_lines(&p),
        vec![
            (2, SkipReason::NoMutateRegion),
            (3, SkipReason::NoMutateRegion),
            (4, SkipReason::NoMutateRegion),
            (5, SkipReason::NoMutateRegion),
        ]
    );
}

#[test]
fn a_region_may_cross_indentation() {
    let src = "\
def f():
    x = 1
    # pragma: no mutate start
    return x
# pragma: no mutate end
def g():
    return 2
";
    assert_eq!(lines_of(&pragmas(src)), vec![3, 4, 5]);
}

#[test]
fn start_or_end_after_code_is_a_line_pragma() {
    let src = "x = 1  # pragma: no mutate start\ny = 2  # pragma: no mutate end\n";
    assert_eq!(lines_of(&pragmas(src)), vec![1, 2]);
}

#[test]
fn an_unclosed_start_is_an_error_at_its_line() {
    let src = "a = 1\n# pragma: no mutate start\nb = 2\n";
    let e = scan(src).expect_err("unclosed");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("never ended"), "{}", e.message);
    assert!(
        e.message.contains("# pragma: no mutate end"),
        "{}",
        e.message
    );
}

#[test]
fn an_end_without_start_is_an_error_at_its_line() {
    let e = scan("a = 1\n# pragma: no mutate end\n").expect_err("unopened");
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("without a `# pragma: no mutate start`"),
        "{}",
        e.message
    );
}

#[test]
fn nested_regions_and_blocks_inside_regions_are_errors() {
    let src = "# pragma: no mutate start\na = 1\n# pragma: no mutate start\nb = 2\n# pragma: no mutate end\n";
    let e = scan(src).expect_err("nested");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("opened at line 1"), "{}", e.message);

    let src = "# pragma: no mutate start\na = 1\n# pragma: no mutate block\nb = 2\n# pragma: no mutate end\n";
    assert_eq!(scan(src).expect_err("block in region").line, 3);

    let src = "# pragma: no mutate block\na = 1\n# pragma: no mutate start\nb = 2\n# pragma: no mutate end\n";
    let e = scan(src).expect_err("start after block");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("block` at line 1"), "{}", e.message);
}

#[test]
fn a_block_in_a_nested_body_does_not_conflict_with_one_outside() {
    let src = "\
def f():
    # pragma: no mutate block
    return 1
def g():
    # pragma: no mutate block
    return 2
";
    assert_eq!(lines_of(&pragmas(src)), vec![2, 3, 5, 6]);
}

#[test]
fn pragma_inside_a_string_is_not_a_pragma() {
    let src = "x = '# pragma: no mutate'\ny = '''\n# pragma: no mutate start\n'''\n";
    assert!(lines_of(&pragmas(src)).is_empty());
}

fn excluded(source: &str, patterns: &[&str]) -> Vec<usize> {
    let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
    let exclusions =
        CoverageExclusions::new("test", patterns.iter().map(|p| p.to_string()).collect())
            .expect("regexes");
    let p = Pragmas::scan_with(source, parsed.tokens(), Some(&exclusions)).expect("pragmas");
    skipped_lines(&p)
        .into_iter()
        .filter(|(_, r)| *r == SkipReason::CoverageExcluded)
        .map(|(l, _)| l)
        .collect()
}

const NO_COVER: &str = r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)";

#[test]
fn coverage_exclusion_of_a_line_covers_its_whole_statement() {
    let src = "\
def f(a):
    x = g(a,
          1)  # pragma: no cover
    return x + 1
";
    assert_eq!(excluded(src, &[NO_COVER]), vec![2, 3]);
}

#[test]
fn coverage_exclusion_of_an_if_covers_its_elif_and_else_as_mutmut_does() {
    let src = "\
def f(x):
    if x > 1:  # pragma: no cover
        x = 2
    elif x < 0:
        x = 3
    else:
        x = 4
    return x
";
    assert_eq!(excluded(src, &[NO_COVER]), vec![2, 3, 4, 5, 6, 7]);
    // An excluded `else` leaves only its own clause alone.
    let src = "\
def f(x):
    if x > 1:
        x = 2
    else:  # pragma: no cover
        x = 4
    return x
";
    assert_eq!(excluded(src, &[NO_COVER]), vec![4, 5]);
}

#[test]
fn coverage_exclusion_of_a_def_or_its_decorator_covers_the_function() {
    let src = "\
class A:
    @abc.abstractmethod
    def area(self):
        raise NotImplementedError(
            'subclasses'
        )

    def __repr__(self):
        return 'A'

    def ok(self):
        return 1
";
    let parsed = ruff_python_parser::parse_module(src).expect("parses");
    let exclusions = CoverageExclusions::new(
        "test",
        vec![r"@(abc\.)?abstractmethod".into(), "def __repr__".into()],
    )
    .expect("regexes");
    let p = Pragmas::scan_with(src, parsed.tokens(), Some(&exclusions)).expect("pragmas");
    assert_eq!(whole_lines(&p), vec![2, 3, 4, 5, 6, 8, 9]);
    assert!(p.excludes_definition(src.find("area").expect("area")));
    assert!(p.excludes_definition(src.find("__repr__").expect("repr")));
    assert!(!p.excludes_definition(src.find("ok(").expect("ok")));
}

#[test]
fn real_projects_exclusion_regexes_compile_and_match() {
    let src = "\
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import os

class P(Protocol):
    def f(self) -> int:
        ...

def g():
    raise NotImplementedError

if __name__ == '__main__':
    g()
";
    let lines = excluded(
        src,
        &[
            r"^\s*if (typing\.)?TYPE_CHECKING:",
            "if TYPE_CHECKING:",
            "raise NotImplementedError",
            r"@(abc\.)?abstractmethod",
            r"^\s*\.\.\.$",
            "if __name__ == .__main__.:",
            r"class .*\bProtocol\):",
            r"(?s)no cover: start.*?no cover: stop",
            r"\A.*# pragma: exclude file.*\Z",
        ],
    );
    assert_eq!(lines, vec![2, 3, 5, 6, 7, 10, 12, 13]);
}

#[test]
fn a_multi_line_regex_excludes_every_line_it_spans() {
    let src = "\
def f(x):
    # no cover: start
    x = x + 1
    x = x * 2
    # no cover: stop
    return x
";
    assert_eq!(
        excluded(src, &[r"# no cover: start(?s:.)*?# no cover: stop"]),
        vec![2, 3, 4, 5]
    );
}

#[test]
fn crlf_sources_match_end_of_line_anchors() {
    let src = "def f():\r\n    ...\r\n\r\ndef g():\r\n    return 1\r\n";
    assert_eq!(excluded(src, &[r"^\s*\.\.\.$"]), vec![2]);
}

#[test]
fn lookaround_is_an_error_naming_origin_and_pattern() {
    let e = CoverageExclusions::new("setup.cfg [coverage:report]", vec!["foo(?=bar)".into()])
        .expect_err("look-ahead");
    assert!(
        e.contains("setup.cfg [coverage:report]") && e.contains("\"foo(?=bar)\""),
        "{e}"
    );
}
