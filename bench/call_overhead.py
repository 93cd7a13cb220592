#!/usr/bin/env python3
"""Per-call cost of a mutated function with no mutant active: plain, mutrun-trampolined and
mutmut 3.8.1-trampolined. Prints a Markdown table: ns per call (median of --repeats timeit repeats
of --number calls), overhead vs plain, and the ratio of the two overheads.

Functions timed:
- `add_one(x): return x + 1` from a tiny project made in bench/work/overhead/ (trivial function);
- isodate 0.7.2's `fquotmod(Decimal("-3"), 0, 12)` (a real one; the corpus notes give mutmut's
  figures for it: 0.87 µs plain, 2.72 µs trampolined). --no-isodate skips it.

Each tool rewrites its own copy (`mutrun generate`; mutmut's `mutmut run` stopped once its
"Generating mutants" phase is done), then every variant is imported in a fresh interpreter — the
mutmut venv's, so all three run on the same CPython — with the rewritten tree first on sys.path
(and `mutants/.mutrun/runtime` for mutrun). MUTANT_UNDER_TEST is "" for mutmut (its state during
a clean run) and unset for mutrun.

Needs `bench/setup.sh` and `cargo build --release`.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from _common import (LOGS, PROJECTS, VENVS, WORK, BenchError, fresh_copy, main_wrapper, markdown_table,
                     median, mutmut_generation, mutrun_binary, require_setup, run_timed, venv_env)

OVERHEAD = WORK / "overhead"

TIMER = r"""
import json, sys, timeit
sys.path[:0] = json.loads(sys.argv[1])
module = __import__(sys.argv[2], fromlist=["_"])
f = getattr(module, sys.argv[3])
args = eval(sys.argv[4], {"Decimal": __import__("decimal").Decimal})
number, repeat = int(sys.argv[5]), int(sys.argv[6])
assert module.__file__.startswith(sys.argv[7]), (module.__file__, sys.argv[7])
f(*args)
times = timeit.repeat(lambda: f(*args), number=number, repeat=repeat)
print(json.dumps([t / number * 1e9 for t in times]))
"""


def tiny_project() -> Path:
    src = OVERHEAD / "tiny"
    if src.exists():
        shutil.rmtree(src)
    (src / "ovh").mkdir(parents=True)
    (src / "tests").mkdir()
    (src / "ovh" / "__init__.py").write_text("")
    (src / "ovh" / "calls.py").write_text("def add_one(x):\n    return x + 1\n")
    (src / "tests" / "test_calls.py").write_text(
        "from ovh.calls import add_one\n\n\ndef test_add_one():\n    assert add_one(1) == 2\n")
    (src / "pyproject.toml").write_text(
        '[project]\nname = "ovh"\nversion = "0"\n\n'
        '[tool.mutrun]\npaths_to_mutate = ["ovh"]\n\n'
        '[tool.mutmut]\nsource_paths = ["ovh/"]\n')
    return src


def time_call(paths, module, func, call_args, number, repeats, env_extra, expect_prefix) -> list[float]:
    python = VENVS / "mutmut" / "bin" / "python"
    env = venv_env(VENVS / "mutmut")
    for key, value in env_extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    r = subprocess.run([str(python), "-c", TIMER, json.dumps([str(p) for p in paths]), module, func,
                        call_args, str(number), str(repeats), str(expect_prefix)],
                       env=env, capture_output=True, text=True, cwd=OVERHEAD)
    if r.returncode != 0:
        raise BenchError(f"timing {module}.{func} from {paths[0]} failed:\n{r.stderr.strip()[-1500:]}")
    return json.loads(r.stdout)


def prepare(name: str, source: Path, binary: Path, src_subdir: str):
    """Returns {variant: (sys.path entries, env additions, expected file prefix)}."""
    variants = {"plain": ([source / src_subdir], {}, source / src_subdir)}
    # mutrun
    mr = fresh_copy(source, OVERHEAD / f"{name}-mutrun")
    t = run_timed([binary, "-C", mr, "generate"], mr, venv_env(VENVS / "fixtures"),
                  LOGS / "overhead" / f"{name}-mutrun-generate.log", timeout=600)
    if t.returncode != 0:
        raise BenchError(f"`mutrun generate` failed on {name} (exit {t.returncode}): {t.tail(3)}")
    runtime = mr / "mutants" / ".mutrun" / "runtime"
    if not runtime.is_dir():
        raise BenchError(f"`mutrun generate` wrote no {runtime}")
    mutated = mr / "mutants" / src_subdir
    variants["mutrun"] = ([mutated, runtime], {"MUTANT_UNDER_TEST": None}, mutated)
    # mutmut
    mm = fresh_copy(source, OVERHEAD / f"{name}-mutmut")
    mutmut_generation(mm, LOGS / "overhead" / f"{name}-mutmut-generate.log")
    mutated = mm / "mutants" / src_subdir
    variants["mutmut 3.8.1"] = ([mutated], {"MUTANT_UNDER_TEST": ""}, mutated)
    return variants


def measure(label, variants, module, func, call_args, number, repeats):
    """(table rows, {variant: overhead ns over plain}) for calls of `module.func(*call_args)`."""
    rows = []
    per_call = {}
    for variant, (paths, env_extra, prefix) in variants.items():
        if variant != "plain":
            text = (Path(prefix) / (module.replace(".", "/") + ".py")).read_text()
            marker = "_mutrun_rt" if variant == "mutrun" else "mutmut"
            if marker not in text:
                raise BenchError(f"{variant} did not rewrite {module} ({marker} not found in it)")
        ns = time_call(paths, module, func, call_args, number, repeats, env_extra, prefix)
        per_call[variant] = median(ns)
        print(f"[overhead]   {label} {variant}: {per_call[variant]:.1f} ns/call "
              f"(min {min(ns):.1f}, max {max(ns):.1f})", flush=True)
    plain = per_call["plain"]
    over = {v: per_call[v] - plain for v in per_call}
    for v in per_call:
        ratio = ""
        if v == "mutrun" and over.get("mutmut 3.8.1") and over["mutrun"] > 0:
            ratio = f"{over['mutmut 3.8.1'] / over['mutrun']:.0f}× less overhead"
        elif v == "mutrun" and over["mutrun"] <= 0:
            ratio = "no measurable overhead"
        rows.append([label, v, f"{per_call[v]:.1f}", "" if v == "plain" else f"{over[v]:+.1f}",
                     "" if v == "plain" else f"{per_call[v] / plain:.2f}×", ratio])
    return rows, over


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--number", type=int, default=1_000_000, help="calls per timed repeat (default 1e6)")
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per variant (default 7)")
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    p.add_argument("--no-isodate", action="store_true", help="only the trivial function")
    args = p.parse_args()
    require_setup(["isodate"], ["mutmut", "fixtures"])
    binary = mutrun_binary(args.mutrun)
    OVERHEAD.mkdir(parents=True, exist_ok=True)

    rows, overheads = [], []
    print("[overhead] trivial function add_one(x): return x + 1", flush=True)
    variants = prepare("tiny", tiny_project(), binary, "")
    r, over = measure("add_one(1)", variants, "ovh.calls", "add_one", "(1,)", args.number, args.repeats)
    rows += r
    overheads.append(("add_one(1)", over))
    if not args.no_isodate:
        print("[overhead] isodate 0.7.2 fquotmod", flush=True)
        variants = prepare("isodate", PROJECTS / "isodate", binary, "src")
        label = 'fquotmod(Decimal("-3"), 0, 12)'
        r, over = measure(label, variants, "isodate.duration", "fquotmod", '(Decimal("-3"), 0, 12)',
                          max(args.number // 5, 1000), args.repeats)
        rows += r
        overheads.append((label, over))
    print()
    print(f"{args.number:,} calls per repeat (isodate: a fifth of that), median of {args.repeats} repeats, "
          "no mutant active")
    print()
    print(markdown_table(["call", "variant", "ns per call", "overhead ns", "vs plain", "mutmut / mutrun overhead"],
                         rows))
    print()
    for label, over in overheads:
        ours, theirs = over["mutrun"], over["mutmut 3.8.1"]
        print(f"goal: {label}, mutrun's overhead at most a third of mutmut's: {ours:+.1f} ns vs "
              f"{theirs:+.1f} ns, {'met' if ours <= theirs / 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    main_wrapper(main)
