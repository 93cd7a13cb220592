#!/usr/bin/env python3
"""Runs mutrun and mutmut 3.8.1 with the same worker count on the pinned corpus (python-slugify
9.2.0, isodate 0.7.2, marshmallow 4.4.0, semver 3.0.4, cachetools 5.5.2), each run in a fresh
copy, and prints a Markdown table: mutants, verdict counts, median wall seconds, and the ratio
of the faster mutmut mode to mutrun. The tools: mutmut in its default `fork` mode and with
`process_isolation = "forkserver"` (each is faster on some projects), mutrun with its default
line-level test selection, and mutrun with `coverage = "function"`. Also times a mutrun re-run
with nothing changed on isodate.

The floor of a mutrun run: for every killed mutant the duration of its killing test, for every
survivor the durations of the tests it ran (by line: those that execute its code), plus 1.7 ms
per forked child (a measured fork and reap of a collected worker), divided by the workers.
Timeouts and the imports of fresh-start mutants add nothing to it. The durations come from one
plain pytest run of the project (setup + call + teardown per test, `test_durations_plugin.py`),
not from mutrun's stats pass, whose recording makes them longer. The table gives mutrun's wall
time as a multiple of it.

mutmut 3.8.1 fails marshmallow's and semver's clean-test phases (state left by its in-process
stats run: marshmallow's class registry, a context manager in semver's parametrize table that
cannot be entered twice): that is recorded as its result, not an error of this script. After the table, a profile of each mutrun
run: stats and clean passes, and the per-mutant seconds in forked children, in forked children
that re-collect test files, and in fresh processes; then by verdict (killed, survived, timeout:
mutants, child seconds, share of the child time, tests per mutant).

Needs `bench/setup.sh` (corpus + venvs) and `cargo build --release`. With 2 workers on 2 cores
the full comparison (5 projects x 4 tools x 3 runs) takes hours; start with `--runs 1`.

Logs of every run: bench/work/logs/compare/. Raw results: bench/work/results/compare-*.json.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter

from pathlib import Path

from _common import (CORPUS, LOGS, PROJECTS, RUNS, VENVS, WORK, BenchError, fmt_seconds, fresh_copy,
                     main_wrapper, markdown_table, median, mutmut_binary, mutmut_counts, mutrun_binary, set_pyproject_key,
                     mutrun_results, plain_pytest, require_setup, run_timed, venv_env)

COLUMNS = ["killed", "survived", "no tests", "timeout"]


# --tools names → the labels of the table.
TOOLS = {
    "mutmut": "mutmut 3.8.1 fork",
    "mutmut-forkserver": "mutmut 3.8.1 forkserver",
    "mutrun": "mutrun",
    "mutrun-function": "mutrun function",
}
MUTMUT = [TOOLS["mutmut"], TOOLS["mutmut-forkserver"]]
FORK_SECONDS = 0.0017


def run_mutmut(project: str, index: int, jobs: int, timeout: float, forkserver: bool) -> dict:
    tool = "mutmut-forkserver" if forkserver else "mutmut"
    copy = fresh_copy(PROJECTS / project, RUNS / f"{tool}-{project}")
    if forkserver:
        set_pyproject_key(copy, "tool.mutmut", 'process_isolation = "forkserver"')
    log = LOGS / "compare" / f"{project}-{tool}-{index}.log"
    t = run_timed([mutmut_binary(), "run", "--max-children", jobs], copy,
                  venv_env(VENVS / "mutmut", PYTHONUNBUFFERED="1"), log, timeout)
    counts = mutmut_counts(copy)
    total = sum(counts.values())
    result = {"tool": TOOLS[tool], "project": project, "run": index, "seconds": t.seconds,
              "total": total, "counts": dict(counts), "ok": True, "note": "", "log": str(log)}
    out = t.output
    if t.timed_out:
        result.update(ok=False, note=f"timed out after {timeout:.0f} s")
    elif "Failed to run clean test" in out:
        result.update(ok=False, note="failed its clean-test phase" + failing_test(out))
    elif t.returncode != 0:
        result.update(ok=False, note=f"exit {t.returncode}: {t.tail(1)[:120]}")
    elif counts.get("not checked"):
        result["note"] = f"{counts['not checked']} not checked"
    return result


def failing_test(output: str) -> str:
    for line in output.replace("\r", "\n").splitlines():
        if line.startswith("FAILED "):
            return f" ({line[7:].split(' - ')[0].strip()})"
    return ""


def run_mutrun(binary, project: str, index: int, jobs: int, timeout: float, rerun: bool,
               by_function: bool) -> dict:
    tool = "mutrun-function" if by_function else "mutrun"
    copy = fresh_copy(PROJECTS / project, RUNS / f"{tool}-{project}")
    if by_function:
        set_pyproject_key(copy, "tool.mutrun", 'coverage = "function"')
    env = venv_env(VENVS / project)
    log = LOGS / "compare" / f"{project}-{tool}-{index}.log"
    t = run_timed([binary, "-C", copy, "run", "-j", jobs], copy, env, log, timeout)
    result = {"tool": TOOLS[tool], "project": project, "run": index, "seconds": t.seconds, "total": None,
              "counts": {}, "ok": True, "note": "", "log": str(log), "exit": t.returncode}
    if t.timed_out:
        result.update(ok=False, note=f"timed out after {timeout:.0f} s")
        return result
    if t.returncode not in (0, 3):
        result.update(ok=False, note=f"exit {t.returncode}: {t.tail(1)[:160]}")
    try:
        total, counts = mutrun_results(binary, copy, env, log.with_suffix(".results.json"))
        result.update(total=total, counts=dict(counts), profile=profile(copy, t.output),
                      floor=floor(copy, jobs, plain_durations(project)))
    except BenchError as e:
        result.update(ok=False, note=(result["note"] + "; " if result["note"] else "") + str(e)[:200])
    if rerun and result["ok"]:
        rlog = LOGS / "compare" / f"{project}-mutrun-{index}-rerun.log"
        r = run_timed([binary, "-C", copy, "run", "-j", jobs], copy, env, rlog, timeout)
        result["rerun_seconds"] = r.seconds
        if r.returncode not in (0, 3) or "nothing to run" not in r.output:
            result["note"] = f"the re-run ran mutants or failed (exit {r.returncode}), see {rlog.name}"
    return result


_PLAIN_DURATIONS: dict[str, dict[str, float]] = {}


def plain_durations(project: str) -> dict[str, float]:
    """{test id: seconds} from one plain pytest run of `project` (once per script run)."""
    if project not in _PLAIN_DURATIONS:
        copy = fresh_copy(PROJECTS / project, RUNS / f"plain-{project}")
        out = WORK / "results" / f"durations-{project}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        log = LOGS / "compare" / f"{project}-plain-durations.log"
        t = plain_pytest(copy, VENVS / project, ["-p", "test_durations_plugin"], log, 3600,
                         extra_path=[Path(__file__).resolve().parent],
                         extra_env={"BENCH_DURATIONS_OUT": str(out)})
        if t.returncode != 0 or not out.exists():
            raise BenchError(f"plain pytest on {project} failed (exit {t.returncode}), see {log}")
        _PLAIN_DURATIONS[project] = json.loads(out.read_text())
    return _PLAIN_DURATIONS[project]


def floor(copy, jobs: int, duration: dict[str, float]) -> float:
    """The floor of the run in `copy` (see the module docs), in seconds, with plain pytest's
    `duration` of each test."""
    total = 0.0
    for meta in (copy / "mutants").rglob("*.meta"):
        if ".mutrun" in meta.parts:
            continue
        for m in json.loads(meta.read_text()).get("mutants", []):
            v = m.get("verdict") or {}
            if v.get("verdict") == "killed" and v.get("killer"):
                total += duration.get(v["killer"], 0.0) + FORK_SECONDS
            elif v.get("verdict") == "survived":
                total += sum(duration.get(t, 0.0) for t in v.get("tests_run") or []) + FORK_SECONDS
    return total / max(jobs, 1)


def profile(copy, output: str) -> dict:
    """Where a mutrun run's time went: the stats and clean passes (from its log); the summed
    per-mutant seconds of mutants tested in forked children, in forked children that first
    re-collect test files (functions only test files' module-level code ran at collection), and
    in fresh processes (the other functions the stats pass saw run at import or collection, but
    mutants none of whose lines ran there: `start_of`); and the same by verdict."""
    def seconds(pattern):
        m = re.search(pattern, output)
        return float(m.group(1)) if m else None

    stats_file = copy / "mutants" / ".mutrun" / "stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    parts = {"forked": [0, 0.0, 0], "recollect": [0, 0.0, 0], "fresh": [0, 0.0, 0]}  # mutants, seconds, tests
    verdicts = {"killed": [0, 0.0, 0], "survived": [0, 0.0, 0], "timeout": [0, 0.0, 0]}
    for meta_file in (copy / "mutants").rglob("*.meta"):
        meta = json.loads(meta_file.read_text())
        for m in meta.get("mutants", []):
            v = m.get("verdict") or {}
            if v.get("verdict") in (None, "no tests"):
                continue
            for part in (parts[start_of(m, meta, stats)], verdicts.get(v["verdict"])):
                if part is not None:
                    part[0] += 1
                    part[1] += v.get("seconds") or 0.0
                    part[2] += len(v.get("tests_run") or [])
    return {"stats pass": seconds(r"stats pass done: \d+ tests in ([0-9.]+) s"),
            "clean pass": seconds(r"clean pass: .*\(([0-9.]+) s\)"), **parts, "verdicts": verdicts}


def start_of(mutant: dict, meta: dict, stats: dict) -> str:
    """Where mutrun ran `mutant` (of the file `meta`): the same rule as its
    `Coverage::start_for`, read from stats.json and the .meta."""
    function = mutant["function"]
    if function not in set(stats.get("collection_hits", [])):
        return "forked"
    start = "recollect" if function in stats.get("collection_hit_files", {}) else "fresh"
    keeps_state = any(f["key"] == function and f.get("keeps_state") for f in meta.get("functions", []))
    files = {f["path"]: f for f in stats.get("line_files") or []}
    lines = files.get(meta.get("source"))
    if keeps_state or not mutant.get("only_in_call") or not lines or lines.get("at_collection") is None:
        return start
    first, last = mutant.get("reach") or (mutant["line"], mutant["end_line"])
    runs = lambda r: [(r[i], r[i + 1]) for i in range(0, len(r), 2)]
    overlaps = lambda r, a, b: any(s <= b and a <= e for s, e in runs(r))
    in_body = all(overlaps(lines["body"], n, n) for n in range(first, last + 1))
    return "forked" if in_body and not overlaps(lines["at_collection"], first, last) else start


def profile_table(results: list[dict]) -> str:
    rows = []
    for r in results:
        p = r.get("profile")
        if not p:
            continue
        cells = []
        p.setdefault("recollect", [0, 0.0, 0])  # results saved before the split
        for part in ("forked", "recollect", "fresh"):
            n, secs, tests = p[part]
            cells.append(f"{n} mutants, {secs:.0f} s ({1000 * secs / n:.0f} ms each, {tests / n:.0f} tests)"
                         if n else "—")
        rows.append([r["project"], r["tool"], r["run"], fmt_seconds(r["seconds"]), fmt_seconds(p["stats pass"]),
                     fmt_seconds(p["clean pass"]), *cells])
    return markdown_table(["project", "tool", "run", "wall s", "stats pass s", "clean pass s",
                           "forked children (summed over workers)", "re-collecting forked children",
                           "fresh processes"],
                          rows)


def verdict_table(results: list[dict]) -> str:
    """Per run: each verdict's mutants, child seconds, share of all child seconds, tests each."""
    rows = []
    for r in results:
        by_verdict = (r.get("profile") or {}).get("verdicts")
        if not by_verdict:
            continue
        total = sum(secs for _, secs, _ in by_verdict.values()) or 1.0
        cells = [f"{n} mutants, {secs:.1f} s ({100 * secs / total:.0f}%, {tests / n:.1f} tests each)" if n else "—"
                 for n, secs, tests in (by_verdict[v] for v in ("killed", "survived", "timeout"))]
        rows.append([r["project"], r["tool"], r["run"], *cells])
    return markdown_table(["project", "tool", "run", "killed", "survived", "timeout"], rows)


def summarise(results: list[dict]) -> str:
    rows = []
    by_key: dict[tuple, list[dict]] = {}
    for r in results:
        by_key.setdefault((r["project"], r["tool"]), []).append(r)
    medians = {}
    for (project, tool), rs in by_key.items():
        ok = [r for r in rs if r["ok"]]
        medians[(project, tool)] = median([r["seconds"] for r in ok]) if ok else None
    projects = list(dict.fromkeys(r["project"] for r in results))
    for project in projects:
        faster_mutmut = fastest(medians, project, MUTMUT)
        for tool in TOOLS.values():
            rs = by_key.get((project, tool))
            if not rs:
                continue
            last = rs[-1]
            counts = Counter(last["counts"])
            total = last["total"]
            other = None
            if total is not None:
                other = total - sum(counts.get(c, 0) for c in COLUMNS)
            other_names = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k not in COLUMNS and v)
            ok = [r for r in rs if r["ok"]]
            secs = [r["seconds"] for r in ok]
            spread = f"{fmt_seconds(min(secs))}–{fmt_seconds(max(secs))}" if len(secs) > 1 else ""
            ratio = ""
            ours = medians.get((project, tool))
            if tool not in MUTMUT:
                if faster_mutmut and ours:
                    ratio = f"{faster_mutmut / ours:.1f}×"
                elif ours and any((project, m) in by_key for m in MUTMUT):
                    ratio = "mutmut failed"
            floors = [r["floor"] for r in ok if r.get("floor")]
            to_floor = f"{median(secs) / median(floors):.1f}× of {median(floors):.1f} s" if floors and secs else ""
            notes = sorted({r["note"] for r in rs if r["note"]})
            if other_names:
                notes.append(other_names)
            rows.append([
                project, tool, total if total is not None else "—",
                *(counts.get(c, 0) if total is not None else "—" for c in COLUMNS),
                other if other is not None else "—",
                fmt_seconds(ours) if ok else "failed",
                f"{len(ok)}/{len(rs)}" + (f" ({spread})" if spread else ""),
                ratio, to_floor, "; ".join(notes),
            ])
            reruns = [r["rerun_seconds"] for r in rs if "rerun_seconds" in r]
            if reruns:
                rows.append([project, f"{tool} re-run, nothing changed", "", "", "", "", "", "",
                             fmt_seconds(median(reruns)), f"{len(reruns)}", "", "", ""])
    headers = ["project", "tool", "mutants", "killed", "survived", "no tests", "timeout", "other",
               "median s", "ok runs (min–max)", "faster mutmut / this", "wall / floor", "notes"]
    return markdown_table(headers, rows) + "\n\n" + "\n".join(goals(by_key, medians, projects))


def fastest(medians, project, tools):
    found = [medians.get((project, t)) for t in tools]
    found = [m for m in found if m]
    return min(found) if found else None


def goals(by_key, medians, projects) -> list[str]:
    """One line per goal: mutrun at least 5x faster than the faster mutmut mode per project, and
    within 2x of its floor; a re-run with nothing changed under 2 s."""
    lines = []
    for project in projects:
        ours, theirs = medians.get((project, TOOLS["mutrun"])), fastest(medians, project, MUTMUT)
        if ours and theirs:
            lines.append(f"goal: {project}, mutrun at least 5× faster than the faster mutmut mode: "
                         f"{theirs / ours:.1f}×, {'met' if theirs / ours >= 5 else 'NOT met'}")
        elif ours and any((project, m) in by_key for m in MUTMUT):
            why = "; ".join(sorted({r["note"] for m in MUTMUT for r in by_key.get((project, m), []) if r["note"]}))
            lines.append(f"goal: {project}: mutmut cannot test it ({why}); mutrun did, in {ours:.1f} s")
        floors = [r["floor"] for r in by_key.get((project, TOOLS["mutrun"]), []) if r["ok"] and r.get("floor")]
        if ours and floors:
            ratio = ours / median(floors)
            lines.append(f"goal: {project}, mutrun within 2× of its floor ({median(floors):.1f} s): "
                         f"{ratio:.1f}×, {'met' if ratio <= 2 else 'NOT met'}")
        reruns = [r["rerun_seconds"] for r in by_key.get((project, TOOLS["mutrun"]), []) if "rerun_seconds" in r]
        if reruns:
            lines.append(f"goal: {project}, a second `mutrun run` with nothing changed under 2 s: "
                         f"{median(reruns):.2f} s, {'met' if median(reruns) < 2 else 'NOT met'}")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="runs per project and tool (default 3)")
    p.add_argument("--quick", action="store_true", help="one project (isodate), one run")
    p.add_argument("--projects", default=",".join(CORPUS),
                   help=f"comma-separated subset of {','.join(CORPUS)}")
    p.add_argument("--tools", default=",".join(TOOLS),
                   help=f"comma-separated subset of {','.join(TOOLS)} (default: all)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="workers for both tools (default 2)")
    p.add_argument("--mutrun", help="mutrun binary (default target/release/mutrun)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds before one run is killed")
    p.add_argument("--no-rerun", action="store_true", help="skip the re-run-with-nothing-changed timing")
    args = p.parse_args()

    projects = [x.strip() for x in args.projects.split(",") if x.strip()]
    runs = args.runs
    if args.quick:
        projects, runs = ["isodate"], 1
    unknown = [x for x in projects if x not in CORPUS]
    if unknown:
        raise BenchError(f"unknown project(s) {', '.join(unknown)}; choose from {', '.join(CORPUS)}")
    tools = [x.strip() for x in args.tools.split(",") if x.strip()]
    if not tools or any(t not in TOOLS for t in tools):
        raise BenchError(f"--tools takes a comma-separated subset of {', '.join(TOOLS)}")
    uses_mutmut = any(t.startswith("mutmut") for t in tools)
    require_setup(projects, list(projects) + (["mutmut"] if uses_mutmut else []))
    binary = mutrun_binary(args.mutrun) if any(t.startswith("mutrun") for t in tools) else None

    results = []
    started = time.strftime("%Y%m%d-%H%M%S")
    for i in range(1, runs + 1):
        for project in projects:
            for tool in tools:
                print(f"[compare] run {i}/{runs}: {tool} on {project} …", flush=True)
                if tool.startswith("mutmut"):
                    r = run_mutmut(project, i, args.jobs, args.timeout, forkserver=tool == "mutmut-forkserver")
                else:
                    r = run_mutrun(binary, project, i, args.jobs, args.timeout,
                                   rerun=(project == "isodate" and tool == "mutrun" and not args.no_rerun),
                                   by_function=tool == "mutrun-function")
                extra = f", re-run {r['rerun_seconds']:.2f} s" if "rerun_seconds" in r else ""
                status = "ok" if r["ok"] else f"FAILED ({r['note']})"
                print(f"[compare]   {r['seconds']:.1f} s, {r['total']} mutants {dict(r['counts'])}{extra}: {status}",
                      flush=True)
                results.append(r)
                out = WORK / "results" / f"compare-{started}.json"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=1))
    print()
    print(f"Workers: {args.jobs} per tool; {runs} run(s) each; fresh copy per run.")
    print()
    print(summarise(results))
    if any(r.get("profile") for r in results):
        print("\nWhere mutrun's time went (per-mutant seconds are summed over the workers):\n")
        print(profile_table(results))
        print("\nBy verdict (child seconds summed over the workers; share of all child seconds):\n")
        print(verdict_table(results))
    return 0


if __name__ == "__main__":
    main_wrapper(main)
