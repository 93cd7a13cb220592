#!/usr/bin/env python3
"""Checks a sample of mutrun's verdicts with plain pytest (the truth; mutmut's verdicts are not).

`mutrun run` on a fresh copy of the project (isodate 0.7.2 by default), then a seeded sample of
its survivors and of its killed mutants. Each sampled mutant is written into another fresh copy of
the pristine project with `mutrun apply ID`, and plain `python -m pytest -x` runs twice there, with
src/ on PYTHONPATH and no mutrun code at all: once on the mutant's covering tests (`mutrun tests-for
ID`), once on the whole suite. A verdict agrees when pytest fails for "killed" (any failure,
collection error or timeout) and passes for "survived". The whole-suite column also catches a
survivor whose killing test mutrun did not count as covering.

Needs `bench/setup.sh` and `cargo build --release`. Logs: bench/work/logs/verify/.
"""
from __future__ import annotations

import argparse
import random

from _common import (CORPUS, LOGS, PROJECTS, RUNS, VENVS, BenchError, fresh_copy, main_wrapper,
                     markdown_table, mutrun_binary, mutrun_json, mutrun_tests_for, plain_pytest,
                     require_setup, run_timed, venv_env)


def pytest_says(t) -> str:
    """'killed', 'survived' or 'error: …' from a plain pytest run."""
    if t.timed_out or t.returncode in (1, 2):  # 2: interrupted, e.g. a collection error
        return "killed"
    if t.returncode == 0:
        return "survived"
    return f"error: exit {t.returncode}: {t.tail(1)[:100]}"


def check(binary, project: str, run_copy, mutant_id: str, timeout: float) -> tuple[str, str]:
    """(covering-tests outcome, whole-suite outcome) of one mutant applied as a plain patch."""
    env = venv_env(VENVS / project)
    tests = mutrun_tests_for(binary, run_copy, env, mutant_id)
    patched = fresh_copy(PROJECTS / project, RUNS / f"verify-{project}-patched")
    t = run_timed([binary, "-C", patched, "apply", mutant_id], patched, env,
                  LOGS / "verify" / "apply.log", timeout=120)
    if t.returncode != 0:
        raise BenchError(f"`mutrun apply {mutant_id}` exited {t.returncode}: {t.tail(2)}")
    safe = mutant_id.replace("/", "_").replace(":", "-")
    covering = plain_pytest(patched, VENVS / project, tests, LOGS / "verify" / f"{safe}-covering.log", timeout)
    whole = plain_pytest(patched, VENVS / project, [], LOGS / "verify" / f"{safe}-suite.log", timeout)
    return pytest_says(covering), pytest_says(whole)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--project", default="isodate", choices=CORPUS)
    p.add_argument("--survivors", type=int, default=20, help="survivors to check (default 20)")
    p.add_argument("--killed", type=int, default=20, help="killed mutants to check (default 20)")
    p.add_argument("--seed", type=int, default=1, help="sample seed (default 1)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="workers for `mutrun run` (default 2)")
    p.add_argument("--reuse", action="store_true",
                   help="keep the verdicts of an earlier run of this script instead of running again")
    p.add_argument("--timeout", type=float, default=300, help="seconds per plain pytest run (default 300)")
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    args = p.parse_args()
    require_setup([args.project], [args.project])
    binary = mutrun_binary(args.mutrun)
    env = venv_env(VENVS / args.project)

    run_copy = RUNS / f"verify-{args.project}"
    if not (args.reuse and (run_copy / "mutants").is_dir()):
        fresh_copy(PROJECTS / args.project, run_copy)
        print(f"[verify] mutrun run -j {args.jobs} on {args.project} …", flush=True)
        t = run_timed([binary, "-C", run_copy, "run", "--no-progress", "-j", args.jobs], run_copy, env,
                      LOGS / "verify" / "run.log")
        if t.returncode not in (0, 3):
            raise BenchError(f"`mutrun run` exited {t.returncode}:\n{t.tail()}")
    mutants = mutrun_json(binary, run_copy, env, LOGS / "verify" / "results.json")["mutants"]

    rng = random.Random(args.seed)
    rows, disagreements = [], []
    for verdict, n in (("survived", args.survivors), ("killed", args.killed)):
        ids = sorted(m["id"] for m in mutants if m["verdict"] == verdict)
        sample = sorted(rng.sample(ids, min(n, len(ids))))
        agree = {"covering": 0, "suite": 0}
        for i, mutant_id in enumerate(sample, 1):
            covering, suite = check(binary, args.project, run_copy, mutant_id, args.timeout)
            print(f"[verify] {verdict} {i}/{len(sample)} {mutant_id}: covering tests {covering}, "
                  f"whole suite {suite}", flush=True)
            agree["covering"] += covering == verdict
            agree["suite"] += suite == verdict
            if verdict not in (covering, suite) or covering != suite:
                disagreements.append([mutant_id, verdict, covering, suite])
        rows.append([verdict, f"{len(sample)} of {len(ids)}", f"{agree['covering']}/{len(sample)}",
                     f"{agree['suite']}/{len(sample)}"])

    print(f"\n{args.project}: mutrun's verdicts against plain pytest on the mutant applied as a plain "
          f"patch (seed {args.seed})\n")
    print(markdown_table(["mutrun verdict", "sampled", "plain pytest agrees (covering tests)",
                          "plain pytest agrees (whole suite)"], rows))
    if disagreements:
        print("\nDisagreements:\n")
        print(markdown_table(["mutant", "mutrun", "covering tests", "whole suite"], disagreements))
    return 0


if __name__ == "__main__":
    main_wrapper(main)
