#!/usr/bin/env python3
"""Incremental runs on isodate: a full `mutrun run`, then re-runs with its cached mutants/ —
once with nothing changed, and three times after editing one function (fquotmod in
isodate/duration.py). Prints the full run's time, the re-runs' medians, and their ratio to the
full run (target: a one-function change under 10% of the full run; no change under 2 s).

Usage: bench/incremental.py [--mutrun PATH] [--jobs N]     (after bench/setup.sh)
"""
from __future__ import annotations

import argparse
import re

from _common import (
    LOGS, PROJECTS, RUNS, VENVS, BenchError, fmt_seconds, fresh_copy, main_wrapper,
    markdown_table, median, mutrun_binary, require_setup, run_timed, venv_env,
)

PROJECT = "isodate"
FILE = "src/isodate/duration.py"
FUNCTION_BODY_START = "    a, b = val - low, high - low\n"


def mutants_to_run(output: str) -> int:
    """The N of mutrun's "N mutants to run" line (0 when it had nothing to run)."""
    match = re.search(r"(\d+) mutants to run", output)
    return int(match.group(1)) if match else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutrun", help="the mutrun binary (default: target/release/mutrun)")
    parser.add_argument("--jobs", type=int, default=2, help="workers (default 2)")
    args = parser.parse_args()
    require_setup(projects=[PROJECT], venvs=[PROJECT])
    binary = mutrun_binary(args.mutrun)
    env = venv_env(VENVS / PROJECT)
    copy = fresh_copy(PROJECTS / PROJECT, RUNS / "incremental" / PROJECT)
    logs = LOGS / "incremental"
    command = [binary, "-C", copy, "run", "--no-progress", "-j", str(args.jobs)]

    full = run_timed(command, copy, env, logs / "full.log")
    if full.returncode != 0:
        raise BenchError(f"the full run exited {full.returncode}:\n{full.tail()}")
    rows = [["full run", mutants_to_run(full.output), fmt_seconds(full.seconds), "100%"]]

    unchanged = []
    for rep in range(3):
        t = run_timed(command, copy, env, logs / f"unchanged-{rep}.log")
        if t.returncode != 0 or mutants_to_run(t.output) != 0:
            raise BenchError(f"a re-run with nothing changed ran mutants:\n{t.tail()}")
        unchanged.append(t.seconds)
    rows.append(["nothing changed", 0, fmt_seconds(median(unchanged)),
                 f"{100 * median(unchanged) / full.seconds:.1f}%"])

    path = copy / FILE
    edited, counts = [], []
    for rep in range(3):
        text = path.read_text()
        if FUNCTION_BODY_START not in text:
            raise BenchError(f"{FILE} no longer has the line this bench edits")
        # A comment inside fquotmod changes its source, so its mutants (only) must run again.
        text = text.replace(FUNCTION_BODY_START, f"    # bench edit {rep}\n" + FUNCTION_BODY_START, 1)
        path.write_text(text)
        t = run_timed(command, copy, env, logs / f"one-function-{rep}.log")
        if t.returncode != 0:
            raise BenchError(f"the re-run after an edit exited {t.returncode}:\n{t.tail()}")
        edited.append(t.seconds)
        counts.append(mutants_to_run(t.output))
    rows.append(["one function edited (fquotmod)", median(counts), fmt_seconds(median(edited)),
                 f"{100 * median(edited) / full.seconds:.1f}%"])

    print(f"\nisodate, mutrun with {args.jobs} workers; re-runs are medians of 3\n")
    print(markdown_table(["run", "mutants run", "wall clock", "of the full run"], rows))
    return 0


if __name__ == "__main__":
    main_wrapper(main)
