#!/usr/bin/env python3
"""`mutrun verify --sample N` after a full run, on python-slugify and isodate by default: each
sampled mutant is written as plain source into a fresh copy of the project and judged by plain
pytest, and compared with the verdict the run stored. Prints a table: mutants, sampled, agree,
disagree, could not be checked, and the seconds of the run and of the check. The goal is 0
disagreements (exit 1 otherwise, after the table).

Needs `bench/setup.sh` and `cargo build --release`. Logs: bench/work/logs/verify/.
"""
from __future__ import annotations

import argparse
import re

from _common import (LOGS, PROJECTS, RUNS, VENVS, BenchError, fresh_copy, main_wrapper, markdown_table,
                     mutrun_binary, require_setup, run_timed, venv_env)

SUMMARY = re.compile(r"verify: (\d+) mutants checked: (\d+) agree, (\d+) disagree, (\d+) could not be checked")


def verify_project(binary, project: str, sample: int, seed: int, jobs: int, timeout: float) -> dict:
    copy = fresh_copy(PROJECTS / project, RUNS / f"verify-{project}")
    env = venv_env(VENVS / project)
    logs = LOGS / "verify"
    logs.mkdir(parents=True, exist_ok=True)
    run = run_timed([binary, "run", "--no-progress", "-j", jobs], copy, env, logs / f"{project}-run.log", timeout)
    if run.timed_out or run.returncode not in (0, 3):
        raise BenchError(f"mutrun run on {project} failed (exit {run.returncode}): {run.tail(3)}; see {run.log}")
    total = re.search(r"mutrun: (\d+) mutants:", run.output)
    check = run_timed([binary, "verify", "--sample", sample, "--seed", seed, "-j", jobs], copy, env,
                      logs / f"{project}-verify.log", timeout)
    found = SUMMARY.search(check.output)
    if found is None:
        raise BenchError(f"mutrun verify on {project} printed no summary (exit {check.returncode}): "
                         f"{check.tail(3)}; see {check.log}")
    checked, agree, disagree, unchecked = (int(g) for g in found.groups())
    return {"project": project, "mutants": total.group(1) if total else "?", "sampled": checked, "agree": agree,
            "disagree": disagree, "unchecked": unchecked, "run_s": run.seconds, "verify_s": check.seconds,
            "log": str(check.log)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--projects", default="python-slugify,isodate", help="comma-separated corpus projects")
    p.add_argument("--sample", type=int, default=100, help="mutants checked per project (default 100)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-j", "--jobs", type=int, default=2)
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    p.add_argument("--timeout", type=float, default=3600)
    args = p.parse_args()
    projects = [name for name in args.projects.split(",") if name]
    require_setup(projects=projects, venvs=projects)
    binary = mutrun_binary(args.mutrun)
    rows = []
    for project in projects:
        print(f"[verify] {project}: mutrun run, then mutrun verify --sample {args.sample} --seed {args.seed} …",
              flush=True)
        rows.append(verify_project(binary, project, args.sample, args.seed, args.jobs, args.timeout))
    print()
    print(markdown_table(
        ["project", "mutants", "sampled", "agree", "disagree", "not checkable", "run s", "verify s"],
        [[r["project"], r["mutants"], r["sampled"], r["agree"], r["disagree"], r["unchecked"],
          f"{r['run_s']:.1f}", f"{r['verify_s']:.1f}"] for r in rows]))
    bad = [r for r in rows if r["disagree"]]
    for r in bad:
        print(f"{r['project']}: {r['disagree']} disagreements, see {r['log']}")
    print(f"\ngoal: 0 disagreements: {'met' if not bad else 'NOT met'}")
    return 1 if bad else 0


if __name__ == "__main__":
    main_wrapper(main)
