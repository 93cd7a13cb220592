"""What the modes share: the worker's pipes to mutrun, the result of a run and its failures, the
life of a forked child (its own group, death with its parent, no output, the memory cap, the
mutant active), collecting nodes again, and matching test ids that moved between processes."""

import json
import os
import sys
import time
import types

import pytest

import mutrun_protocol as P
import mutrun_runtime

# A worker's or zygote's pipes to mutrun (`serve_on_original_pipes`): requests in, events out.
requests = None
events = None


def serve_on_original_pipes():
    """The worker speaks on the stdin/stdout it was started with. pytest's fd capture later points
    fds 0 and 1 elsewhere, so keep our own copies now (`-p` plugins load before capture starts)
    and send anything else written to fd 1 to the log (fd 2). Also loads prctl for the children."""
    global requests, events, _prctl, _worker_log
    # Buffered: a request lists up to every test id (a fresh mutant's, 100 KB on marshmallow),
    # and an unbuffered readline reads it one byte per system call (80 ms for 100 KB).
    requests = os.fdopen(os.dup(0), "rb")
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.close(devnull)
    _prctl = _load_prctl()
    become_subreaper()
    _open_child_stderr()
    stat = os.fstat(2)
    _worker_log = (stat.st_dev, stat.st_ino)


# The stderr this process started with, kept before pytest's capture can point fd 2 elsewhere
# (`-p` plugins load before capture starts): mutrun reads it, or keeps it in a log.
_original_stderr = os.dup(2)


def write_own_file(path, text):
    """Writes one of mutrun's own files (stats.json, a result) atomically: a temporary file, then
    a rename. When the system refuses (a full disk, no permission), removes the partial file and
    says so in the line mutrun looks for on this process's original stderr (the log file may be
    on the same full disk): whether the file was written."""
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
        return True
    except OSError as error:
        try:
            os.remove(tmp)
        except OSError:
            pass
        report_own_file_error(path, error)
        return False


def report_own_file_error(path, error):
    """The line OWN_FILE_ERROR {path, errno, error} on the original stderr."""
    detail = {P.PATH: str(path), P.ERRNO: error.errno or 0, P.ERROR: error.strerror or str(error)}
    line = "\n%s %s\n" % (P.OWN_FILE_ERROR, json.dumps(detail))
    try:
        os.write(_original_stderr, line.encode())
    except OSError:
        pass


# The process that reports: this one, or a forked child from `enter_child` on. A test that calls
# os.fork() and lets the new process return (no os._exit) sends that process back into pytest and
# this plugin: it must not run more tests or report; it leaves quietly at the first check.
_reporter = os.getpid()


def leave_if_forked_by_a_test():
    """Ends this process quietly when a test forked it (see `_reporter`)."""
    if os.getpid() != _reporter:
        os._exit(0)


def send(event):
    """One event to mutrun, on the worker's original stdout."""
    events.write(json.dumps(event) + "\n")
    events.flush()


def failure(test, when, message):
    """One failure of a result."""
    return {P.TEST: test, P.WHEN: when, P.MESSAGE: message}


def result(ran, failed, unknown):
    """What a child or fresh process reports: the tests it ran, the failures, the unknown ids."""
    return {P.RAN: ran, P.FAILED: failed, P.UNKNOWN: unknown}


def first_error_lines(report, limit=12):
    """The `E   ...` lines of a failure, else its last lines: what a person reads first."""
    text = report.longreprtext or ""
    lines = text.splitlines()
    errors = [line for line in lines if line.startswith("E ")]
    chosen = errors[:limit] if errors else lines[-limit:]
    return "\n".join(chosen)


class Outcomes:
    """Failures of the tests run in this process, in the shape of the result JSON."""

    def __init__(self):
        self.failed = []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            entry = failure(report.nodeid, report.when, first_error_lines(report))
            if _memory_capped and _raised_memory_error(report):
                entry[P.OUT_OF_MEMORY] = True
            self.failed.append(entry)


def _raised_memory_error(report):
    """Whether the failure is a MemoryError: under the memory cap, the test ran out of memory."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or ""
    return message.split(":", 1)[0].strip() == "MemoryError"


def test_file(test_id):
    """The file part of a node id, as mutrun writes it (`tests/test_x.py`)."""
    return test_id.split("::", 1)[0]


def conftest_failure(error):
    """The result of a run whose conftest.py failed to import (under the mutant)."""
    path = getattr(error, "path", None)
    where = os.path.relpath(str(path)) if path else "<conftest>"
    cause = getattr(error, "cause", None) or error.__cause__ or error
    message = "ImportError while loading conftest %s: %s: %s" % (where, type(cause).__name__, cause)
    return result([], [failure(where, "collect", message)], [])


# This file is mutants/.mutrun/runtime/mutrun_plugin/common.py.
_MUTRUN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MUTANTS_DIR = os.path.dirname(_MUTRUN_DIR)
STATS_JSON = os.path.join(_MUTRUN_DIR, P.STATS_FILE)


def _case_positions(ids):
    """{node id: (the test function's node id, n)}: the n-th case of each test, in this order."""
    seen = {}
    positions = {}
    for nodeid in ids:
        function = nodeid.split("[", 1)[0]
        positions[nodeid] = (function, seen.get(function, 0))
        seen[function] = positions[nodeid][1] + 1
    return positions


def adopt_moved_ids(by_id):
    """A test id holding a per-process value (marshmallow parametrizes over datetime.now()) is not
    the id the stats pass recorded. Maps each stats id this process did not collect, in `by_id`,
    to the case in the same position of the same test function, when that case's id is one the
    stats pass never saw."""
    try:
        with open(STATS_JSON) as f:
            stats_ids = [t[P.ID] for t in json.load(f)[P.TESTS]]
    except (OSError, ValueError, KeyError, TypeError):
        return
    missing = [t for t in stats_ids if t not in by_id]
    if not missing:
        return
    known = set(stats_ids)
    here = {position: nodeid for nodeid, position in _case_positions(list(by_id)).items()}
    there = _case_positions(stats_ids)
    for old in missing:
        new = here.get(there[old])
        if new is not None and new not in known:
            by_id[old] = by_id[new]


def in_project(path, mutants_dir):
    """Whether the file `path` belongs to the project: under `mutants_dir`, or under the project
    root beside it but not inside the running interpreter's environment (a venv in the project)."""
    real = os.path.realpath(path)
    here = os.path.realpath(mutants_dir)
    if real.startswith(here + os.sep):
        return True
    project = os.path.dirname(here) + os.sep
    if not real.startswith(project):
        return False
    environments = {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.exec_prefix, sys.base_prefix)}
    return not any(real.startswith(env) for env in environments)


def collect_items(session, nodes):
    """The items under the collector `nodes`, after `pytest_collection_modifyitems` (plugins' and
    conftests' marks and skips, as the first collection had them): (items, None), or (None, the
    failure) when one fails to collect."""
    from _pytest.runner import collect_one_node

    collected = []
    pending = list(nodes)
    while pending:
        node = pending.pop(0)
        if isinstance(node, pytest.Item):
            collected.append(node)
            continue
        report = collect_one_node(node)
        if report.failed:
            where = report.nodeid or str(node.path)
            return None, failure(where, "collect", first_error_lines(report))
        pending[0:0] = report.result or []
    session.config.hook.pytest_collection_modifyitems(session=session, config=session.config, items=collected)
    return collected, None


# --- what the stats pass left in the standard library's caches ---------------------------------
#
# A worker collects but runs no test, so a pattern the code under test compiles on its first call
# (`re.match(r"...", s)` in a function) is compiled again in every child, where plain pytest finds
# it in `re`'s cache after the first test that used it (isodate: 13% of its children's Python
# time, by cProfile). `re`'s cache holds only compiled patterns, immutable and keyed by (pattern,
# flags): filling it changes nothing a test can see but what a later compile costs, and whether
# it warns (`warm_regex_cache` leaves out the patterns that warn).


def cached_regexes():
    """[[pattern, flags]] of the str patterns in `re`'s cache now (stats.json's REGEXES), oldest
    first, each once (3.12+ keeps a pattern in two caches). Not re.DEBUG ones: compiling those
    prints."""
    import re

    found = {}
    for cache in (getattr(re, "_cache", None), getattr(re, "_cache2", None)):
        if not isinstance(cache, dict):
            continue
        for key in list(cache):
            if not (isinstance(key, tuple) and len(key) == 3):
                continue
            kind, pattern, flags = key
            if kind is str and isinstance(pattern, str) and isinstance(flags, int) and not flags & re.DEBUG:
                found[(pattern, flags)] = None
    return [list(entry) for entry in found]


def warm_regex_cache():
    """Compiles the patterns of stats.json's REGEXES into `re`'s cache, in a worker or zygote
    before it forks: each child finds them there. Not a pattern whose compile warns (a nested
    set's FutureWarning, re.TEMPLATE's DeprecationWarning): `re` warns only when it compiles, so
    a child that found it cached would miss the warning its test sees in plain pytest (which
    `pytest.warns` expects, or `-W error` turns into a failure). Each is first compiled by `re`'s
    uncached compiler to see whether it warns; a Python without one warms nothing."""
    import re
    import warnings

    uncached = getattr(re, "_compiler", None) or getattr(re, "sre_compile", None)
    if not hasattr(uncached, "compile"):
        return
    try:
        with open(STATS_JSON) as f:
            patterns = json.load(f).get(P.REGEXES) or []
    except (OSError, ValueError, AttributeError):
        return
    refused = re.DEBUG | getattr(re, "TEMPLATE", 0)  # DEBUG prints; TEMPLATE warns in `re` itself
    for entry in patterns:
        try:
            pattern, flags = entry
            if not (isinstance(pattern, str) and isinstance(flags, int)) or flags & refused:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                uncached.compile(pattern, flags)
            if not caught:
                re.compile(pattern, flags)
        except Exception:  # a pattern this Python refuses: the child compiles it as plain pytest
            pass


# --- a forked child's life ---------------------------------------------------------------------


def _load_prctl():
    """libc's prctl, loaded once in the worker so children do not pay for importing ctypes."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # not Linux, or no ctypes: children then rely on the timeout alone
        return None


_prctl = None  # loaded by `serve_on_original_pipes` in a worker or zygote, or `become_subreaper`


# --- processes the tests start -----------------------------------------------------------------
#
# What a test process or a forked child starts ends with it. A child is the leader of its own
# process group, so what its tests started and left running is killed with the group once the
# child ended. A process started in a session of its own (`start_new_session=True`) leaves that
# group; when its parent ends it is re-parented to the nearest "subreaper" up the tree: every
# process mutrun starts makes itself one, so such orphans come to it, and it kills them (and
# whatever they started) after each child and when it ends. Only its own descendants: nothing of
# the user's outside the run.

PR_SET_CHILD_SUBREAPER = 36
# The children a worker or zygote had when it began serving (started at collection, by a plugin):
# kept; any other child it has after a forked child ended was re-parented to it.
_own_children = frozenset()


def become_subreaper():
    """PR_SET_CHILD_SUBREAPER: orphans of this process's descendants come to it, not to init."""
    global _prctl
    if _prctl is None:
        _prctl = _load_prctl()
    if _prctl is not None:
        _prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def keep_current_children():
    """Remembers this process's children now as its own (see `_own_children`)."""
    global _own_children
    _own_children = frozenset(children())


def keep_child(pid):
    """Adds `pid` to this process's own children (a zygote's stage)."""
    global _own_children
    _own_children = _own_children | {pid}


def forget_child(pid):
    global _own_children
    _own_children = _own_children - {pid}


def children():
    """The pids of this process's children (Linux: /proc; elsewhere none are known)."""
    found = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open("/proc/self/task/%s/children" % task) as f:
                found.update(int(pid) for pid in f.read().split())
        except (OSError, ValueError):
            pass
    return found


def end_strays(keep=frozenset()):
    """Kills every child of this process but `keep`, then what that re-parented here in turn,
    until none is left, reaping each."""
    for _ in range(1000):
        strays = children() - keep
        if not strays:
            return
        for pid in strays:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        for pid in strays:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


def _end_child(pid):
    """Waits for the forked child `pid` to end, kills what is left of its process group (what its
    tests started), reaps it, and ends the orphans re-parented here: (its exit status, the CPU
    seconds it used)."""
    if hasattr(os, "waitid"):
        # Not reaped yet, so its pid (its group's id) cannot be reused before the group is killed.
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    try:
        os.killpg(pid, 9)
    except OSError:
        pass
    _, status, usage = os.wait4(pid, 0)
    end_strays(_own_children)
    return status, usage.ru_utime + usage.ru_stime


def fork_child(request):
    """Forks the child that serves `request`. In the child: the write end of its result pipe. In
    this process, once the child is reported (`started`, `done`) and reaped: None."""
    request["_parent"] = os.getpid()
    read_end, write_end = os.pipe()
    started = time.monotonic()
    empty_child_stderr()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        return write_end
    os.close(write_end)
    report_child(request, pid, read_end, started)
    return None


def report_child(request, pid, read_end, started):
    """Sends `started`, reads the child's result from the pipe, reaps it (and ends what it left
    running), sends `done`."""
    send({P.EVENT: P.EVENT_STARTED, P.ID: request[P.ID], P.PID: pid})
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    read = time.monotonic()
    status, cpu_seconds = _end_child(pid)
    reaped = time.monotonic()
    seconds = reaped - started
    reported = None
    if chunks:
        try:
            reported = json.loads(b"".join(chunks))
        except ValueError:
            reported = None
    times = reported.pop(P.CHILD_TIMES, None) if isinstance(reported, dict) else None
    done = {
        P.EVENT: P.EVENT_DONE,
        P.ID: request[P.ID],
        P.EXIT_CODE: os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        P.SIGNAL: os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        P.RESULT: reported,
        P.SECONDS: seconds,
        P.CPU_SECONDS: cpu_seconds,
    }
    if reported is None:
        done[P.STDERR] = _child_stderr_tail()
    if isinstance(times, list) and len(times) == 4:
        child, entered, collected, ran = times
        done[P.PHASES] = {
            P.FORK: child - started,
            P.ENTER: entered - child,
            P.COLLECT: collected - entered,
            P.PHASE_TESTS: ran - collected,
            P.REPORT: read - ran,
            P.REAP: reaped - read,
        }
    send(done)


# In a forked child: (its request's id, {test id: its index in the request's tests}).
_child_request = None


def progress(test_id):
    """In a forked child, before it runs `test_id`: tells mutrun which of its tests it is at, on
    the worker's events pipe (the worker is waiting for this child and writes nothing), so the
    child's time budget grows test by test (`lab::Lab::allowed`)."""
    if _child_request is None or events is None or os.getpid() != _reporter:
        return
    index = _child_request[1].get(test_id)
    if index is not None:
        send({P.EVENT: P.EVENT_PROGRESS, P.ID: _child_request[0], P.INDEX: index})


def enter_child(request, write_end):
    """What every forked child does first: its own process group, death with its parent, no
    output, the memory cap, and the mutant active (in the environment too, for subprocesses)."""
    global _reporter, _child_request
    _reporter = os.getpid()
    tests = request.get(P.TESTS) or []
    _child_request = (request.get(P.ID), {test: i for i, test in reversed(list(enumerate(tests)))})
    os.setpgid(0, 0)
    die_with(request["_parent"])
    _quiet()
    limit_memory()
    mutant = request.get(P.MUTANT)
    if mutant:
        os.environ[P.ENV_MUTANT] = mutant
    else:
        os.environ.pop(P.ENV_MUTANT, None)
    try:
        mutrun_runtime.activate(mutant)
    except Exception as error:
        # A mutated default value that raises: with a plain patch the module's import fails,
        # so the first test fails.
        first = request[P.TESTS][0] if request[P.TESTS] else "<import>"
        message = "activating the mutant raised %r" % (error,)
        write_result(write_end, result([first], [failure(first, "setup", message)], []))
        os._exit(0)


def brief_failures(items=None):
    """In a mutant's child (with `--tb=line` set): a failure needs only its test's id (the mutant
    is killed), not its text. Even with `--tb=line` pytest first filters a failure's traceback
    (paths, hidden frames) and renders each entry. This child renders only the exception's own
    text, for `items` (a worker's child: its tests; assigning to the class would empty the
    method cache of every node type, 0.2 ms), or for every node (a zygote's child, before it
    collects). The outcome is pytest's (decided before the text), and `reprcrash`, which plugins
    and `out_of_memory` read, is pytest's too. The sanity passes keep the full text."""
    if items is None:
        import _pytest.nodes

        if hasattr(_pytest.nodes.Node, "_repr_failure_py"):
            _pytest.nodes.Node._repr_failure_py = _exception_only
        return
    for item in items:
        try:
            item._repr_failure_py = types.MethodType(_exception_only, item)
        except AttributeError:  # an item type with __slots__: pytest's own text, as before
            pass


def _exception_only(node, excinfo, style=None):
    """`Node._repr_failure_py` for `brief_failures`."""
    return excinfo.getrepr(style="value", tbfilter=False)


def skip_terminal_progress(config):
    """pytest's terminal reporter writes its progress (a test file's path before its first test,
    a letter per test, a percentage) to fd 1, which in a worker's child ends up in the child's
    stderr file (`_quiet`): computing the path and the percentage was 10% of a child's Python
    time on isodate (cProfile), for output nobody reads. A child skips both with pytest's own
    switches (`showfspath`, `_show_progress_info`; a pytest without them writes them as before).
    The writer itself stays: pytest-timeout's thread method writes its `Timeout` banner through
    it, which is how mutrun tells that ending from a test's `os._exit`."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    try:
        reporter.showfspath = False
    except AttributeError:  # a pytest whose showfspath cannot be set
        pass
    if hasattr(reporter, "_show_progress_info"):
        reporter._show_progress_info = False


def write_result(write_end, reported):
    """Writes a child's result into its pipe and closes it."""
    view = memoryview(json.dumps(reported).encode())
    while view:
        written = os.write(write_end, view)
        view = view[written:]
    os.close(write_end)


def die_with(parent):
    """PR_SET_PDEATHSIG(SIGKILL): a child must not outlive its worker. If the worker died before
    the signal was armed, the child has been re-parented already: leave now."""
    if _prctl is not None:
        _prctl(1, 9, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _quiet():
    """Children's stdout goes nowhere: failures are reported through the result. Their stderr
    goes to the worker's `_child_stderr` file, whose end the worker reads when a child ended
    without a result (what pytest-timeout or a test said before os._exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    if not os.environ.get(P.ENV_CHILD_STDERR):
        target = _child_stderr if _child_stderr is not None else devnull
        os.dup2(target, 2)
        # pytest's capture keeps copies of the worker's fds 1 and 2 (its log) and writes through
        # them while suspended (pytest-timeout's banner): point those at the same place.
        for fd in _fds_of(_worker_log):
            if fd != target:
                os.dup2(target, fd)
    os.close(devnull)


# (st_dev, st_ino) of the worker's stderr, its log; set by `serve_on_original_pipes`.
_worker_log = None


def _fds_of(identity):
    """This process's fds open on the file `identity` (Linux: /proc)."""
    if identity is None:
        return []
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        return []
    found = []
    for fd in fds:
        try:
            stat = os.fstat(fd)
        except OSError:
            continue
        if (stat.st_dev, stat.st_ino) == identity:
            found.append(fd)
    return found


# A worker's or zygote's file for its children's stderr, one child at a time: unlinked, appended
# to, emptied before each fork.
_child_stderr = None
STDERR_TAIL = 4096


def _open_child_stderr():
    global _child_stderr
    try:
        import fcntl
        import tempfile

        fd, path = tempfile.mkstemp(prefix="mutrun-child-stderr-")
        os.unlink(path)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
        _child_stderr = fd
    except (OSError, ImportError):
        _child_stderr = None


def empty_child_stderr():
    """Before a fork: the next child's stderr starts empty."""
    if _child_stderr is not None:
        try:
            os.ftruncate(_child_stderr, 0)
        except OSError:
            pass


def _child_stderr_tail():
    """The last lines the child wrote to its stderr (None when it wrote nothing)."""
    if _child_stderr is None:
        return None
    try:
        size = os.fstat(_child_stderr).st_size
        data = os.pread(_child_stderr, min(size, STDERR_TAIL), max(0, size - STDERR_TAIL))
    except OSError:
        return None
    text = data.decode("utf-8", "replace").strip()
    return text or None


_memory_capped = False  # set in a test process once `limit_memory` capped it


def limit_memory():
    """`memory_limit_mb`: caps this test process's address space. A MemoryError that then ends a
    test is reported as `out_of_memory` (verdict crashed), not as a plain failure."""
    global _memory_capped
    limit_mb = os.environ.get(P.ENV_MEMORY_LIMIT_MB)
    if not limit_mb:
        return
    try:
        import resource

        limit = int(limit_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        _memory_capped = True
    except (ValueError, OSError, ImportError):
        pass
