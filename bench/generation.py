#!/usr/bin/env python3
"""Times mutant generation: `mutrun generate` on a copy of the CPython standard library's Lib/ and
on marshmallow 4.4.0, against mutmut 3.8.1's "Generating mutants" phase on marshmallow. mutmut has
no generate-only command: its `mutmut run` is stopped once it prints that phase's "done in N ms",
and that printed time is its figure; mutrun's is the wall clock of the whole `mutrun generate`
process (copy, parse, rewrite, write). Every repeat starts without mutants/. Prints a Markdown table
of medians with the ratio mutmut / mutrun, then the goals (stdlib under 10 s, marshmallow at least
50x faster than mutmut).

The stdlib copy is bench/work/stdlib-project/Lib: the interpreter's stdlib directory without
site-packages, __pycache__, lib-dynload and config-*. It is timed twice: with mutrun's own source
rules (`paths_to_mutate = ["Lib"]`, which leave out test modules and test directories, as in any
project), and with every .py file of Lib/ listed explicitly (Lib/test included). Files in another
encoding are copied unmutated with a warning.

Needs `bench/setup.sh` and `cargo build --release`.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sysconfig
from pathlib import Path

from _common import (LOGS, PROJECTS, RUNS, VENVS, WORK, BenchError, fmt_seconds, fresh_copy, main_wrapper,
                     markdown_table, median, mutmut_generation, mutrun_binary, require_setup, run_timed,
                     venv_env)

STDLIB_PROJECT = WORK / "stdlib-project"


def stdlib_project(stdlib: Path) -> Path:
    """bench/work/stdlib-project, made once from `stdlib`."""
    marker = STDLIB_PROJECT / ".bench-ok"
    if marker.exists() and (STDLIB_PROJECT / ".source").read_text() == str(stdlib):
        return STDLIB_PROJECT
    if STDLIB_PROJECT.exists():
        shutil.rmtree(STDLIB_PROJECT)
    print(f"[generation] copying {stdlib} to {STDLIB_PROJECT}/Lib", flush=True)

    def ignore(directory, names):
        skip = {"__pycache__", "site-packages", "lib-dynload"}
        if Path(directory) == stdlib:
            skip |= {n for n in names if n.startswith("config-")}
        return [n for n in names if n in skip]

    shutil.copytree(stdlib, STDLIB_PROJECT / "Lib", symlinks=True, ignore=ignore)
    (STDLIB_PROJECT / "pyproject.toml").write_text(
        '[project]\nname = "stdlib-copy"\nversion = "0"\n\n[tool.mutrun]\npaths_to_mutate = ["Lib"]\n')
    (STDLIB_PROJECT / ".source").write_text(str(stdlib))
    marker.touch()
    return STDLIB_PROJECT


def count_mutants(project: Path, key: str) -> tuple[int, int]:
    """(files with mutants, mutants) from the .meta files under project/mutants; `key` is the
    list or dict of mutants in each (mutrun: "mutants", mutmut: "exit_code_by_key")."""
    files = mutants = 0
    for meta in (project / "mutants").rglob("*.meta"):
        try:
            n = len(json.loads(meta.read_text()).get(key) or ())
        except (OSError, ValueError, AttributeError):
            continue
        files += n > 0
        mutants += n
    return files, mutants


def time_mutrun(binary: Path, project: Path, label: str, tag: str, repeats: int, sources: list[Path],
                explicit=False) -> dict:
    """`mutrun generate` on `project` (on exactly `sources` when `explicit`); logs named by `tag`."""
    env = venv_env(VENVS / "fixtures")
    argv = [binary, "-C", project, "generate"]
    if explicit:
        argv += ["--paths-to-mutate", *(p.relative_to(project) for p in sources)]
    times, failures, files, mutants = [], [], 0, 0
    for i in range(1, repeats + 1):
        shutil.rmtree(project / "mutants", ignore_errors=True)
        t = run_timed(argv, project, env, LOGS / "generation" / f"mutrun-{tag}-{i}.log", timeout=1800)
        if t.returncode != 0 or t.timed_out:
            failures.append(f"exit {t.returncode}: {t.tail(1)[:160]}")
            continue
        times.append(t.seconds)
        files, mutants = count_mutants(project, "mutants")
        print(f"[generation]   mutrun, {label} #{i}: {t.seconds:.2f} s, {mutants} mutants in {files} files",
              flush=True)
    shutil.rmtree(project / "mutants", ignore_errors=True)  # the stdlib's is gigabytes
    return {"tool": "mutrun", "target": label, "times": times, "files": files, "mutants": mutants,
            "sources": len(sources), "failures": failures}


def time_mutmut(project: str, repeats: int) -> dict:
    printed, failures, files, mutants = [], [], 0, 0
    for i in range(1, repeats + 1):
        copy = fresh_copy(PROJECTS / project, RUNS / f"generation-mutmut-{project}")
        try:
            seconds, wall = mutmut_generation(copy, LOGS / "generation" / f"mutmut-{project}-{i}.log")
        except BenchError as e:
            failures.append(str(e))
            continue
        printed.append(seconds)
        files, mutants = count_mutants(copy, "exit_code_by_key")
        print(f"[generation]   mutmut, {project} #{i}: {seconds:.2f} s (printed; {wall:.2f} s to that line), "
              f"{mutants} mutants in {files} files", flush=True)
    return {"tool": "mutmut 3.8.1", "target": project, "times": printed, "files": files, "mutants": mutants,
            "sources": len(list((PROJECTS / project / "src").rglob("*.py"))), "failures": failures}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3, help="timed repeats per row (default 3)")
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    p.add_argument("--stdlib", help="stdlib directory to copy (default: this python3's sysconfig stdlib)")
    p.add_argument("--skip", default="", help="comma-separated rows to skip: stdlib, marshmallow, mutmut")
    args = p.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    require_setup(["marshmallow"], ["mutmut", "fixtures"])
    binary = mutrun_binary(args.mutrun)

    rows = []
    if "stdlib" not in skip:
        project = stdlib_project(Path(args.stdlib or sysconfig.get_paths()["stdlib"]))
        every = sorted((project / "Lib").rglob("*.py"))
        print("[generation] mutrun generate on the stdlib copy", flush=True)
        rows.append(time_mutrun(binary, project, "stdlib Lib/, source rules", "stdlib", args.repeats, every))
        rows.append(time_mutrun(binary, project, "stdlib Lib/, every .py", "stdlib-all", args.repeats, every,
                                explicit=True))
    if "marshmallow" not in skip:
        print("[generation] mutrun generate on marshmallow 4.4.0", flush=True)
        project = fresh_copy(PROJECTS / "marshmallow", RUNS / "generation-mutrun-marshmallow")
        rows.append(time_mutrun(binary, project, "marshmallow", "marshmallow", args.repeats,
                                sorted((project / "src").rglob("*.py"))))
    if "mutmut" not in skip:
        print("[generation] mutmut 3.8.1 'Generating mutants' on marshmallow 4.4.0", flush=True)
        rows.append(time_mutmut("marshmallow", args.repeats))

    medians = {(r["tool"], r["target"]): median(r["times"]) for r in rows}
    ours, theirs = medians.get(("mutrun", "marshmallow")), medians.get(("mutmut 3.8.1", "marshmallow"))
    table = []
    for r in rows:
        m = medians[(r["tool"], r["target"])]
        ratio = f"{theirs / ours:.0f}×" if r["tool"] != "mutrun" and ours and theirs else ""
        table.append([r["target"], r["tool"], r["sources"], r["files"], r["mutants"],
                      fmt_seconds(m) if m is not None else "failed",
                      f"{len(r['times'])}/{len(r['times']) + len(r['failures'])}", ratio,
                      "; ".join(sorted(set(r["failures"])))])
    print(f"\nMutant generation, median of {args.repeats} (s)\n")
    print(markdown_table(["target", "tool", ".py files", "files with mutants", "mutants", "median s",
                          "ok runs", "mutmut / mutrun", "failures"], table))
    print()
    for (tool, target), m in medians.items():
        if tool == "mutrun" and target.startswith("stdlib") and m is not None:
            print(f"goal: {target} under 10 s: {m:.2f} s, {'met' if m < 10 else 'NOT met'}")
    if ours and theirs:
        print(f"goal: marshmallow at least 50× faster than mutmut: {theirs / ours:.0f}×, "
              f"{'met' if theirs / ours >= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    main_wrapper(main)
