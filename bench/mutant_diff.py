#!/usr/bin/env python3
"""Why mutrun and mutmut 3.8.1 count different mutants on a corpus project.

Both tools generate their mutants of a fresh copy (`mutrun generate`; mutmut's `mutmut run`
stopped after its "Generating mutants" phase). Each mutant becomes the mutated function's AST
(body and parameter defaults, without names, annotations or decorators): mutrun's by splicing its
replacement into the original source, mutmut's from the `x_f__mutmut_N` / `xǁClassǁf__mutmut_N`
copies in its mutants/ files. Mutants with the same function and AST are the same mutant. Prints
a table of the rest: mutrun-only mutants by mutrun operator, mutmut-only mutants by the smallest
AST change that makes them, and both sides' mutants in functions the other tool leaves alone.

With --verdicts it reads the copies the last `bench/compare.py` run left (bench/work/runs/) instead
of generating, and adds a table of the verdicts of the mutants both tools made: how many got the
same verdict from both, and for the rest, which functions they sit in.

Usage: bench/mutant_diff.py [--project NAME] [--examples N] [--verdicts]     (after bench/setup.sh)
"""
from __future__ import annotations

import argparse
import ast
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from _common import (CORPUS, LOGS, MUTMUT_STATUS, PROJECTS, RUNS, VENVS, BenchError, fresh_copy,
                     main_wrapper, markdown_table, mutmut_generation, mutrun_binary, require_setup,
                     run_timed, venv_env)

MUTMUT_NAME = re.compile(r"^x(?:_|ǁ(?P<cls>.+)ǁ)(?P<name>.+)__mutmut_(?P<n>\d+|orig)$")


SHAPES: dict[str, list] = {}  # shape → the ASTs it was made from, for `describe`


def shape(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A function's body and parameter defaults, without its name, annotations or decorators."""
    args = func.args
    nodes = [ast.Module(body=[*func.body], type_ignores=[]),
             ast.Tuple(elts=[*args.defaults, *(d or ast.Constant(None) for d in args.kw_defaults)])]
    key = "".join(ast.dump(n) for n in nodes)
    SHAPES.setdefault(key, nodes)
    return key


def functions(tree: ast.AST, prefix=""):
    """(qualname, def) of every function reachable through classes and if/try/with blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, (ast.If, ast.Try, ast.With)) or type(node).__name__ == "TryStar":
            yield from functions(node, prefix)


def mutrun_mutants(copy: Path, verdicts: dict | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """function key → [(shape, operator, "original → replacement")]; fills `verdicts` with
    (function key, shape) → [verdict] when given."""
    out = defaultdict(list)
    for meta_path in (copy / "mutants").rglob("*.meta"):
        meta = json.loads(meta_path.read_text())
        if not meta.get("mutants"):
            continue
        source = (copy / meta["source"]).read_bytes()
        qualnames = {f["key"]: f["qualname"] for f in meta["functions"]}
        for m in meta["mutants"]:
            text = source[:m["start"]] + m["replacement"].encode() + source[m["end"]:]
            found = dict(functions(ast.parse(text)))
            made = shape(found[qualnames[m["function"]]])
            out[m["function"]].append((made, m["operator"], f"{m['original']} → {m['replacement']}"))
            if verdicts is not None:
                verdict = (m.get("verdict") or {}).get("verdict", "not run")
                verdicts.setdefault((m["function"], made), []).append(verdict.replace("_", " "))
    return out


def mutmut_mutants(copy: Path, module_of, verdicts: dict | None = None) -> tuple[dict, dict]:
    """(function key → [shape], function key → original shape) from mutmut's mutants/ files;
    fills `verdicts` with (function key, shape) → [verdict] when given."""
    out, originals = defaultdict(list), {}
    for path in (copy / "mutants").rglob("*.py"):
        meta = path.with_name(path.name + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {}) if verdicts is not None else {}
        module = module_of(path.relative_to(copy / "mutants"))
        for qualname, func in functions(ast.parse(path.read_bytes())):
            m = MUTMUT_NAME.match(qualname.rsplit(".", 1)[-1])
            if not m:
                continue
            owner = (m["cls"].replace("ǁ", ".") + ".") if m["cls"] else ""
            key = f"{module}.{owner}{m['name']}"
            if m["n"] == "orig":
                originals[key] = shape(func)
            else:
                made = shape(func)
                out[key].append(made)
                if verdicts is not None:
                    code = codes.get(f"{module}.{qualname.rsplit('.', 1)[-1]}")
                    verdicts.setdefault((key, made), []).append(MUTMUT_STATUS.get(code, "suspicious"))
    return out, originals


def verdict_table(ours: dict, theirs: dict) -> tuple[list, list]:
    """(rows of [mutmut verdict, mutrun verdict, mutants], rows of [function, mutmut → mutrun,
    mutants] for the disagreements) over the mutants both tools made, paired by function and shape."""
    pairs, where = Counter(), Counter()
    for key, mine in ours.items():
        other = theirs.get(key, [])
        for a, b in zip(sorted(other), sorted(mine)):
            pairs[(a, b)] += 1
            if a != b:
                where[(key[0], f"{a} → {b}")] += 1
    rows = [[a, b, n] for (a, b), n in sorted(pairs.items(), key=lambda kv: -kv[1])]
    return rows, [[f, change, n] for (f, change), n in sorted(where.items(), key=lambda kv: -kv[1])]


def same(x, y) -> bool:
    if isinstance(x, ast.AST) and isinstance(y, ast.AST):
        return ast.dump(x) == ast.dump(y)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(same(i, j) for i, j in zip(x, y))
    return x == y


def describe(a, b, context=None) -> tuple[str, str]:
    """(kind, example) of the smallest difference between two ASTs; the example shows the
    innermost call, simple statement or condition around it."""
    if isinstance(a, ast.Call) or (isinstance(a, ast.stmt) and not hasattr(a, "body")):
        context = (a, b)
    example = "{} → {}".format(*map(unparse, context or (a, b)))
    if type(a) is not type(b):
        return f"{type(a).__name__} → {type(b).__name__}", example
    if isinstance(a, list):
        if len(a) != len(b):
            return f"list of {len(a)} → {len(b)}", example
        return describe(*next((x, y) for x, y in zip(a, b) if not same(x, y)), context)
    if not isinstance(a, ast.AST):
        return f"{type(a).__name__} value", example
    for field in a._fields:
        x, y = getattr(a, field, None), getattr(b, field, None)
        if same(x, y):
            continue
        if isinstance(x, list) and len(x) != len(y):
            return f"{type(a).__name__}.{field}: {len(x)} → {len(y)}", example
        if hasattr(a, "body") and field != "body" and isinstance(x, ast.expr):
            context = (x, y)  # the condition of an if/while, the iterable of a for
        return describe(x, y, context)
    return "identical", example


def unparse(node) -> str:
    if isinstance(node, list):
        return "; ".join(unparse(n) for n in node)
    try:
        text = ast.unparse(node) if isinstance(node, ast.AST) else repr(node)
    except Exception:  # noqa: BLE001 - a fragment ast.unparse cannot print
        text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) < 70 else text[:67] + "..."


def generate(binary: Path, project: str) -> tuple[Path, Path]:
    mr = fresh_copy(PROJECTS / project, RUNS / f"diff-{project}-mutrun")
    t = run_timed([binary, "-C", mr, "generate"], mr, venv_env(VENVS / project),
                  LOGS / "diff" / f"{project}-mutrun.log", timeout=600)
    if t.returncode != 0:
        raise BenchError(f"`mutrun generate` exited {t.returncode}: {t.tail(2)}")
    mm = fresh_copy(PROJECTS / project, RUNS / f"diff-{project}-mutmut")
    mutmut_generation(mm, LOGS / "diff" / f"{project}-mutmut.log")
    return mr, mm


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--project", default="isodate", choices=CORPUS)
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    p.add_argument("--examples", type=int, default=1, help="examples per row (default 1)")
    p.add_argument("--verdicts", action="store_true",
                   help="use the last bench/compare.py run's copies and compare verdicts too")
    args = p.parse_args()
    require_setup([args.project], [args.project, "mutmut"])
    our_verdicts = their_verdicts = None
    if args.verdicts:
        mr, mm = RUNS / f"mutrun-{args.project}", RUNS / f"mutmut-{args.project}"
        for copy in (mr, mm):
            if not (copy / "mutants").is_dir():
                raise BenchError(f"{copy} has no mutants/: run bench/compare.py --projects {args.project} first")
        our_verdicts, their_verdicts = {}, {}
    else:
        mr, mm = generate(mutrun_binary(args.mutrun), args.project)

    ours = mutrun_mutants(mr, our_verdicts)
    root = "src/" if (mr / "src").is_dir() else ""

    def module_of(rel: Path) -> str:
        dotted = str(rel.with_suffix("")).removeprefix(root).replace("/", ".")
        return dotted.removesuffix(".__init__")

    theirs, originals = mutmut_mutants(mm, module_of, their_verdicts)
    rows = Counter()
    examples = defaultdict(list)
    matched = 0
    for key in sorted(set(ours) | set(theirs)):
        mine = Counter(s for s, _, _ in ours.get(key, ()))
        other = Counter(theirs.get(key, ()))
        matched += sum((mine & other).values())
        left, right = mine - other, other - mine
        for s, op, change in ours.get(key, ()):
            if left[s] > 0:
                left[s] -= 1
                row = ("mutrun only", op if key in theirs else f"{op} (function mutmut leaves alone)")
                rows[row] += 1
                examples[row].append(" ".join(f"{key}: {change}".split()))
        for s, n in right.items():
            if key not in ours:
                row = ("mutmut only", "in a function mutrun leaves alone")
                example = key
            else:
                kind, example = describe(SHAPES[originals[key]], SHAPES[s])
                row = ("mutmut only", kind)
                example = f"{key}: {example}"
            rows[row] += n
            examples[row].append(example)
    total_ours = sum(len(v) for v in ours.values())
    total_theirs = sum(len(v) for v in theirs.values())
    table = [[side, kind, n, " | ".join(examples[(side, kind)][:args.examples])]
             for (side, kind), n in sorted(rows.items(), key=lambda kv: (kv[0][0], -kv[1]))]
    print(f"\n{args.project}: mutrun {total_ours} mutants, mutmut 3.8.1 {total_theirs}; "
          f"{matched} are the same mutant in both\n")
    print(markdown_table(["side", "operator / change", "mutants", "example"], table))
    if args.verdicts:
        pairs, where = verdict_table(our_verdicts, their_verdicts)
        print(f"\nVerdicts of the {matched} mutants both tools made:\n")
        print(markdown_table(["mutmut 3.8.1", "mutrun", "mutants"], pairs))
        if where:
            print("\nWhere they disagree:\n")
            print(markdown_table(["function", "mutmut → mutrun", "mutants"], where[:15]))
    return 0


if __name__ == "__main__":
    main_wrapper(main)
