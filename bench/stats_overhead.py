#!/usr/bin/env python3
"""What the stats pass costs over the plain suite, per project and Python version: plain pytest
on the original source, then mutrun's stats pass (one pytest process with every trampoline
recording which tests reach which functions) with `coverage = "function"`, and with `coverage =
"line"` (which also records the lines each test executes: sys.monitoring on 3.12+, a tracer of
the mutated files' frames before). Each is timed `--runs` times, interleaved, in fresh copies;
prints the medians and the ratios to the plain suite.

The stats pass is timed as mutrun prints it ("stats pass done: N tests in X s": the pytest
process from start to exit, collection included), by `mutrun print-time-estimates`, which runs
only generation and the stats pass. Plain pytest is timed as a process too.

Python 3.11 uses bench/setup.sh's venvs; another version (`--pythons 3.12`) gets venvs of its own
under bench/work/venv-py3.12/, made from the first `python3.12` found (PATH, then pyenv).

Needs `bench/setup.sh` and `cargo build --release`. Logs: bench/work/logs/stats_overhead/.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from pathlib import Path

from _common import (CORPUS, LOGS, PROJECTS, RUNS, VENVS, WORK, BenchError, fresh_copy, main_wrapper,
                     markdown_table, median, mutrun_binary, plain_pytest, require_setup, run_timed,
                     set_pyproject_key, venv_env)

# Test dependencies of each corpus project (as bench/setup.sh installs them), pytest pinned alike.
TEST_DEPS = {"python-slugify": ["text-unidecode"], "isodate": [], "marshmallow": ["simplejson"], "semver": ["packaging"], "cachetools": []}
PYTEST_PIN = "pytest==9.2.0"
STATS_DONE = re.compile(r"stats pass done: (\d+) tests in ([0-9.]+) s")


def interpreter(version: str) -> Path:
    """The `pythonX.Y` to make venvs from: the newest pyenv build of it, else one on PATH (not a
    pyenv shim, which fails unless that version is selected)."""
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    builds = sorted(Path(root, "versions").glob(f"{version}.*/bin/python{version}"))
    if builds:
        return builds[-1]
    found = shutil.which(f"python{version}")
    if found and "shims" not in Path(found).parts:
        return Path(found)
    raise BenchError(f"no python{version} under {root}/versions or on PATH")


def venv_for(project: str, version: str) -> Path:
    if version == "3.11":
        return VENVS / project
    venv = WORK / f"venv-py{version}" / project
    if not (venv / ".bench-ok").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(interpreter(version)), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", PYTEST_PIN, *TEST_DEPS[project]], check=True)
        (venv / ".bench-ok").touch()
    return venv


def stats_seconds(binary, project: str, venv: Path, level: str, tag: str, timeout: float) -> float:
    copy = fresh_copy(PROJECTS / project, RUNS / f"stats-{project}")
    set_pyproject_key(copy, "tool.mutrun", f'coverage = "{level}"')
    log = LOGS / "stats_overhead" / f"{project}-{tag}-{level}.log"
    t = run_timed([binary, "print-time-estimates"], copy, venv_env(venv), log, timeout)
    found = STATS_DONE.search(t.output)
    if t.returncode != 0 or not found:
        raise BenchError(f"stats pass ({level}) on {project} failed (exit {t.returncode}): {t.tail(3)}; see {log}")
    return float(found.group(2))


def plain_seconds(project: str, venv: Path, tag: str, timeout: float) -> float:
    copy = fresh_copy(PROJECTS / project, RUNS / f"stats-{project}")
    log = LOGS / "stats_overhead" / f"{project}-{tag}-plain.log"
    t = plain_pytest(copy, venv, [], log, timeout)
    if t.returncode != 0:
        raise BenchError(f"plain pytest on {project} failed (exit {t.returncode}): {t.tail(3)}; see {log}")
    return t.seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", nargs="+", default=CORPUS, choices=CORPUS)
    parser.add_argument("--pythons", nargs="+", default=["3.11"], help="e.g. 3.11 3.12")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mutrun", help="the mutrun binary (default: target/release/mutrun)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per process")
    args = parser.parse_args()
    require_setup(projects=args.projects, venvs=args.projects)
    binary = mutrun_binary(args.mutrun)
    rows = []
    for project in args.projects:
        for version in args.pythons:
            venv = venv_for(project, version)
            tag = f"py{version}"
            plain, function, line = [], [], []
            for _ in range(args.runs):
                plain.append(plain_seconds(project, venv, tag, args.timeout))
                function.append(stats_seconds(binary, project, venv, "function", tag, args.timeout))
                line.append(stats_seconds(binary, project, venv, "line", tag, args.timeout))
            p, f, l = median(plain), median(function), median(line)
            rows.append([project, version, f"{p:.2f}", f"{f:.2f}", f"{f / p:.2f}x", f"{l:.2f}",
                         f"{l / p:.2f}x", f"{l / f:.2f}x"])
    print(markdown_table(["project", "python", "plain pytest s", "stats (function) s", "/ plain",
                          "stats (line) s", "/ plain", "line / function"], rows))
    return 0


if __name__ == "__main__":
    main_wrapper(main)
