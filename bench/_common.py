"""Shared helpers for the bench/ scripts (stdlib only): paths, the setup check, fresh copies,
timed runs, result parsing for mutrun and mutmut, and Markdown tables."""
from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
PROJECTS = WORK / "projects"
VENVS = WORK / "venv"
RUNS = WORK / "runs"
LOGS = WORK / "logs"

CORPUS = ["python-slugify", "isodate", "marshmallow", "semver", "cachetools"]


class BenchError(Exception):
    """A problem the user must fix (printed without a traceback, exit 2)."""


def main_wrapper(main):
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def require_setup(projects=(), venvs=()):
    missing = []
    for name in projects:
        if not (PROJECTS / name / ".bench-ok").exists():
            missing.append(f"bench/work/projects/{name}")
    for name in venvs:
        if not (VENVS / name / ".bench-ok").exists():
            missing.append(f"bench/work/venv/{name}")
    if missing:
        raise BenchError(
            "missing " + ", ".join(missing) + ": run `bench/setup.sh` first (it fetches the corpus "
            "sdists and makes the venvs under bench/work/)"
        )


def mutrun_binary(arg: str | None) -> Path:
    path = Path(arg) if arg else REPO / "target" / "release" / "mutrun"
    if not path.exists():
        raise BenchError(f"no mutrun binary at {path}: run `cargo build --release` (or pass --mutrun PATH)")
    return path.resolve()


def mutmut_binary() -> Path:
    require_setup(venvs=["mutmut"])
    return VENVS / "mutmut" / "bin" / "mutmut"


def venv_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell with `venv` activated (and nothing from the caller's venv)."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "MUTANT_UNDER_TEST", "PYTEST_ADDOPTS"):
        env.pop(key, None)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def fresh_copy(src: Path, dest: Path) -> Path:
    """`dest` becomes a copy of `src` (without an earlier mutants/ or caches)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        src, dest, symlinks=True,
        ignore=shutil.ignore_patterns("mutants", "__pycache__", ".pytest_cache", ".bench-ok"),
    )
    return dest


def set_pyproject_key(copy: Path, table: str, line: str) -> None:
    """Writes `line` (`key = value`) first in the copy's `[table]` of pyproject.toml."""
    pyproject = copy / "pyproject.toml"
    text, n = re.subn(rf"^\[{re.escape(table)}\]\n", f"[{table}]\n{line}\n", pyproject.read_text(),
                      count=1, flags=re.M)
    if n != 1:
        raise BenchError(f"no [{table}] table in {pyproject}")
    pyproject.write_text(text)


class Timed:
    """The outcome of one timed command."""

    def __init__(self, argv, returncode, seconds, log: Path, timed_out=False):
        self.argv = argv
        self.returncode = returncode
        self.seconds = seconds
        self.log = log
        self.timed_out = timed_out

    @property
    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, n=8) -> str:
        text = strip_ansi(self.output).replace("\r", "\n")
        lines = [line for line in text.splitlines() if line.strip()]
        return "\n".join(lines[-n:])


def run_timed(argv, cwd: Path, env, log: Path, timeout: float | None = None) -> Timed:
    """Runs `argv` in its own process group, output (both streams) to `log`; kills the group on
    timeout or Ctrl-C."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        start = time.monotonic()
        proc = subprocess.Popen(
            [str(a) for a in argv], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc)
        except KeyboardInterrupt:
            kill_group(proc)
            raise
        seconds = time.monotonic() - start
    return Timed(argv, proc.returncode, seconds, log, timed_out)


def kill_group(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_seconds(s) -> str:
    if s is None:
        return "—"
    return f"{s:.1f}" if s >= 10 else f"{s:.2f}"


def markdown_table(headers, rows) -> str:
    cells = [[str(h) for h in headers]] + [[("—" if c is None else str(c)) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    def line(r):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


# ---------------------------------------------------------------- mutmut 3.8.1

# mutmut/stats.py: status_by_exit_code (3.8.1), anything else is "suspicious"
MUTMUT_STATUS = {
    1: "killed", 3: "killed", 0: "survived", 5: "no tests", 2: "interrupted", None: "not checked",
    33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout", 37: "caught by type check",
    -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", -11: "segfault", -9: "segfault",
}


def mutmut_counts(project_dir: Path) -> Counter:
    """Verdict counts from mutmut's .meta files under `project_dir/mutants`."""
    counts: Counter = Counter()
    for meta in (project_dir / "mutants").rglob("*.meta"):
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        for code in data.get("exit_code_by_key", {}).values():
            counts[MUTMUT_STATUS.get(code, "suspicious")] += 1
    return counts


_MUTMUT_GEN = re.compile(r"done in (\d+)ms")


def mutmut_generation(project_dir: Path, log: Path, max_children=2, timeout=900.0):
    """Runs `mutmut run` in `project_dir` until it prints the end of its "Generating mutants" phase
    ("done in Nms (...)"), then kills it. Returns (printed seconds, wall seconds to that line)."""
    env = venv_env(VENVS / "mutmut", PYTHONUNBUFFERED="1")
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [str(mutmut_binary()), "run", "--max-children", str(max_children)]
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=project_dir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    seen = b""
    printed = wall = None
    try:
        with open(log, "wb") as out:
            fd = proc.stdout.fileno()
            while True:
                left = timeout - (time.monotonic() - start)
                if left <= 0:
                    break
                ready, _, _ = select.select([fd], [], [], min(left, 5.0))
                if not ready:
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                out.write(chunk)
                seen = (seen + chunk)[-4096:]
                m = _MUTMUT_GEN.search(seen.decode(errors="replace"))
                if m:
                    wall = time.monotonic() - start
                    printed = int(m.group(1)) / 1000
                    break
    finally:
        kill_group(proc)
        proc.stdout.close()
    if printed is None:
        raise BenchError(f"mutmut did not finish generating (see {log})")
    return printed, wall


# ---------------------------------------------------------------- mutrun

def normalise_verdict(name: str) -> str:
    return name.strip().lower().replace("_", " ").replace("-", " ")


def mutrun_json(binary: Path, project_dir: Path, env, log: Path) -> dict:
    """The parsed output of `mutrun results --all --json` (summary and every mutant)."""
    r = subprocess.run([str(binary), "-C", str(project_dir), "results", "--all", "--json"],
                       env=env, capture_output=True, text=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(r.stdout + "\n--- stderr ---\n" + r.stderr)
    if r.returncode not in (0, 3):
        raise BenchError(f"`mutrun results --all --json` exited {r.returncode}: {r.stderr.strip()[:300]}")
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise BenchError(f"cannot read `mutrun results --all --json` output ({e}); see {log}")


def mutrun_results(binary: Path, project_dir: Path, env, log: Path):
    """`mutrun results --all --json` → (total, Counter of verdicts) or raises BenchError."""
    data = mutrun_json(binary, project_dir, env, log)
    try:
        summary = data["summary"]
        counts = Counter({normalise_verdict(k): int(v) for k, v in summary["counts"].items()})
        total = int(summary.get("total", sum(counts.values())))
    except (KeyError, TypeError, ValueError) as e:
        raise BenchError(f"unexpected `mutrun results --all --json` output ({e}); see {log}")
    return total, counts


def mutrun_tests_for(binary: Path, project_dir: Path, env, mutant_id: str) -> list[str]:
    """The covering tests of a mutant, as `mutrun tests-for ID` prints them (fastest first)."""
    r = subprocess.run([str(binary), "-C", str(project_dir), "tests-for", mutant_id],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"`mutrun tests-for {mutant_id}` exited {r.returncode}: {r.stderr.strip()[:300]}")
    return [m.group(1) for m in re.finditer(r"^\s*[0-9.]+ s\s+(\S.*)$", r.stdout, re.M)]


# ---------------------------------------------------------------- plain pytest

def plain_pytest(project_dir: Path, venv: Path, args, log: Path, timeout: float,
                 extra_path=(), extra_env=None) -> Timed:
    """`python -m pytest -x ARGS` in `project_dir` with the project's import root (src/ or the
    root) on PYTHONPATH: how a developer runs the suite, without any mutrun or mutmut code
    (`extra_path`: folders after it, for a bench plugin; `extra_env`: more variables).
    As mutrun runs pytest: PYTHONHASHSEED=0 (unless set) and address randomisation off (`setarch
    -R`), so test ids that follow a set's order are the ones mutrun recorded (isodate parametrizes
    over a set of tuples holding None, and before Python 3.12 hash(None) is an address)."""
    root = project_dir / "src" if (project_dir / "src").is_dir() else project_dir
    path = os.pathsep.join([str(root), *map(str, extra_path)])
    env = venv_env(venv, PYTHONPATH=path, PYTHONHASHSEED=os.environ.get("PYTHONHASHSEED", "0"),
                   **(extra_env or {}))
    setarch = shutil.which("setarch")
    argv = ([setarch, "-R"] if setarch else []) + [
        venv / "bin" / "python", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args]
    return run_timed(argv, project_dir, env, log, timeout)
