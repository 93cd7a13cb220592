#!/usr/bin/env python3
"""Line-level against function-level test selection: runs mutrun twice on each project, in fresh
copies, once with `coverage = "line"` and once with `coverage = "function"`, and compares the
verdict of every mutant. Prints a table: mutants, verdict counts of each, the mutants whose
verdicts differ, wall seconds, and tests run per survivor and per killed mutant; then each
differing mutant (id, the two verdicts, the line-level tests it ran).

Line selection must not change what is killed: the goal is 0 "other" differences (exit 1
otherwise, after the table). The one expected difference is a survivor by function whose code no
test executes: `no tests` by line, without running anything ("no tests" column of differences).
Any other difference names a mutant to judge with `mutrun verify` or plain pytest.

Needs `bench/setup.sh` and `cargo build --release`. Logs: bench/work/logs/selection/.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from _common import (CORPUS, LOGS, PROJECTS, RUNS, VENVS, BenchError, fmt_seconds, fresh_copy, main_wrapper,
                     markdown_table, median, mutrun_binary, require_setup, run_timed, set_pyproject_key, venv_env)

LEVELS = ["line", "function"]


def verdicts(copy: Path) -> dict[str, dict]:
    """{mutant id: its verdict record} from the run's .meta files."""
    found = {}
    for meta in (copy / "mutants").rglob("*.meta"):
        if ".mutrun" in meta.parts:
            continue
        data = json.loads(meta.read_text())
        for mutant in data.get("mutants", []):
            record = mutant.get("verdict")
            if record is not None:
                found[mutant["id"]] = record
    return found


def run_level(binary, project: str, level: str, jobs: int, timeout: float) -> dict:
    copy = fresh_copy(PROJECTS / project, RUNS / f"selection-{project}-{level}")
    set_pyproject_key(copy, "tool.mutrun", f'coverage = "{level}"')
    log = LOGS / "selection" / f"{project}-{level}.log"
    t = run_timed([binary, "run", "--no-progress", "-j", jobs], copy, venv_env(VENVS / project), log, timeout)
    if t.timed_out or t.returncode not in (0, 3):
        raise BenchError(f"mutrun run ({level}) on {project} failed (exit {t.returncode}): {t.tail(3)}; see {log}")
    return {"seconds": t.seconds, "verdicts": verdicts(copy)}


def tests_per(records, verdict: str) -> str:
    runs = [len(r.get("tests_run", [])) for r in records if r["verdict"] == verdict]
    return f"{median(runs):.0f}" if runs else "-"


def compare(project: str, runs: dict) -> tuple[list, list]:
    line, function = runs["line"]["verdicts"], runs["function"]["verdicts"]
    differing = sorted(i for i in line.keys() & function.keys() if line[i]["verdict"] != function[i]["verdict"])
    unexecuted = [i for i in differing if (function[i]["verdict"], line[i]["verdict"]) == ("survived", "no_tests")]
    other = len(differing) - len(unexecuted)
    rows = []
    for level in LEVELS:
        records = list(runs[level]["verdicts"].values())
        counts = Counter(r["verdict"] for r in records)
        rows.append([project, level, len(records), counts["killed"], counts["survived"], counts["no_tests"],
                     counts["timeout"], len(unexecuted), other, fmt_seconds(runs[level]["seconds"]),
                     tests_per(records, "killed"), tests_per(records, "survived")])
    details = [(project, i, function[i]["verdict"], line[i]["verdict"], line[i].get("tests_run", []))
               for i in differing if i not in unexecuted]
    return rows, details


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", nargs="+", default=CORPUS[:2], choices=CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--mutrun", help="the mutrun binary (default: target/release/mutrun)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    args = parser.parse_args()
    require_setup(projects=args.projects, venvs=args.projects)
    binary = mutrun_binary(args.mutrun)
    rows, details = [], []
    for project in args.projects:
        runs = {level: run_level(binary, project, level, args.jobs, args.timeout) for level in LEVELS}
        r, d = compare(project, runs)
        rows += r
        details += d
    print(markdown_table(["project", "coverage", "mutants", "killed", "survived", "no tests", "timeout",
                          "differ: no tests", "differ: other", "wall", "tests/killed", "tests/survivor"], rows))
    for project, mutant, by_function, by_line, tests in details:
        print(f"{project}: {mutant}: {by_function} by function, {by_line} by line (ran {len(tests)} tests)")
    return 1 if details else 0


if __name__ == "__main__":
    main_wrapper(main)
