"""mutrun's pytest plugin, loaded with `-p mutrun_plugin`. MUTRUN_MODE selects what it does:

- stats:  record, per test, its duration and the trampolines it reached (setup, call, teardown,
          and through session/module fixtures it uses); write them to MUTRUN_STATS_OUT.
- worker: collect once, then serve requests from mutrun on stdin: fork one child per request,
          run the listed tests in it with the mutant active, report on the original stdout.
- zygote: configure pytest but collect nothing; per request fork a child that activates the
          mutant, then collects the files of its tests and runs them (a cheap fresh process).
- fresh:  a plain run of the tests listed in MUTRUN_TESTS, in that order, stopping at the first
          failure, with the result written to MUTRUN_RESULT.

The protocol and file formats are in ARCHITECTURE.md.
"""

import gc
import json
import os
import sys
import time

import pytest

import mutrun_runtime

MODE = os.environ.get("MUTRUN_MODE", "")

# The worker speaks on the stdin/stdout it was started with. pytest's fd capture later points
# fds 0 and 1 elsewhere, so keep our own copies now (`-p` plugins load before capture starts)
# and send anything else written to fd 1 to the log (fd 2).
if MODE in ("worker", "zygote"):
    _requests = os.fdopen(os.dup(0), "rb", buffering=0)
    _events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    _devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(_devnull, 0)
    os.close(_devnull)


def _first_error_lines(report, limit=12):
    """The `E   ...` lines of a failure, else its last lines: what a person reads first."""
    text = report.longreprtext or ""
    lines = text.splitlines()
    errors = [line for line in lines if line.startswith("E ")]
    chosen = errors[:limit] if errors else lines[-limit:]
    return "\n".join(chosen)


class _Outcomes:
    """Failures of the tests run in this process, in the shape of the result JSON."""

    def __init__(self):
        self.failed = []

    def pytest_runtest_logreport(self, report):
        if report.failed:
            failure = {"test": report.nodeid, "when": report.when, "message": _first_error_lines(report)}
            if _memory_capped and _raised_memory_error(report):
                failure["out_of_memory"] = True
            self.failed.append(failure)


def _raised_memory_error(report):
    """Whether the failure is a MemoryError: under the memory cap, the test ran out of memory."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or ""
    return message.split(":", 1)[0].strip() == "MemoryError"


# --- stats -----------------------------------------------------------------------------------


class _Stats:
    def __init__(self, out_path):
        self.out_path = out_path
        self.collect_errors = []
        # Keep what the runtime recorded before this plugin was configured (modules that
        # conftest.py files imported, and the functions they ran at import), and go on recording
        # through collection, noting which test file each hit came from.
        self.collecting = None  # absolute path of the test module being collected
        self.collection_hits = _CollectionHits(mutrun_runtime._hits, self)
        mutrun_runtime._hits = self.collection_hits
        # Python subprocesses the tests start (with MUTANT_UNDER_TEST=stats) leave their hits
        # here at exit; each test takes those that arrived while it ran.
        self.subprocess_hits = os.path.join(os.path.dirname(os.path.abspath(out_path)), "subprocess-hits")
        os.makedirs(self.subprocess_hits, exist_ok=True)
        os.environ["MUTRUN_SUBPROCESS_HITS"] = self.subprocess_hits
        mutrun_runtime._subprocess_hits = None
        self.tests = []
        self.fixture_hits = {}
        self.current = None
        # `mutate_only_covered_lines`: the lines of the mutated files that run, from here on.
        self.lines = None
        if os.environ.get("MUTRUN_LINES") == "1":
            self.lines = _Lines(self.mutants_dir())
        else:
            # Lines of an earlier pass would not describe these stats.
            try:
                os.remove(os.path.join(os.path.dirname(os.path.abspath(out_path)), "lines.json"))
            except OSError:
                pass

    def mutants_dir(self):
        return os.path.dirname(os.path.dirname(os.path.abspath(self.out_path)))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.current = {"id": item.nodeid, "duration": 0.0, "outcome": "passed", "hits": set()}
        mutrun_runtime._hits = self.current["hits"]
        yield
        test = self.current
        test["hits"] |= self._take_subprocess_hits()
        for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
            for fixturedef in fixturedefs:
                test["hits"] |= self.fixture_hits.get(fixturedef, set())
        self.tests.append(
            {
                "id": test["id"],
                "duration": round(test["duration"], 6),
                "outcome": test["outcome"],
                "functions": sorted(test["hits"]),
                "sha256": _test_source_hash(item),
            }
        )
        self.current = None
        # Hits between tests (session teardown, plugins) are nobody's; drop them.
        mutrun_runtime._hits = set()

    def _take_subprocess_hits(self):
        hits = set()
        try:
            names = [n for n in os.listdir(self.subprocess_hits) if n.endswith(".hits")]
        except OSError:
            return hits
        for name in names:
            path = os.path.join(self.subprocess_hits, name)
            try:
                with open(path) as f:
                    hits.update(line for line in f.read().splitlines() if line)
                os.remove(path)
            except OSError:
                pass
        return hits

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        outer = mutrun_runtime._hits
        inner = set()
        mutrun_runtime._hits = inner
        try:
            yield
        finally:
            mutrun_runtime._hits = outer
            outer |= inner
            # A session/module fixture runs once but serves many tests: remember what it reached.
            self.fixture_hits.setdefault(fixturedef, set()).update(inner)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector):
        outer = self.collecting
        if isinstance(collector, pytest.Module):
            self.collecting = os.path.abspath(str(collector.path))
        try:
            yield
        finally:
            self.collecting = outer

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(
                {"where": report.nodeid or "<session>", "message": _first_error_lines(report, 25)}
            )

    def pytest_runtest_logreport(self, report):
        if self.current is None or report.nodeid != self.current["id"]:
            return
        self.current["duration"] += report.duration
        if report.failed:
            self.current["outcome"] = "failed"
        elif report.skipped and self.current["outcome"] == "passed":
            self.current["outcome"] = "skipped"

    def pytest_sessionfinish(self, session):
        root = str(session.config.rootpath)
        data = {
            "format": 1,
            "python": "%d.%d.%d" % sys.version_info[:3],
            "tests": self.tests,
            "collection_hits": sorted(self.collection_hits),
            "collection_hit_files": self.collection_hits.files_relative_to(root),
            "collect_errors": self.collect_errors,
            "shadowed": _shadowed_modules(os.path.dirname(os.path.dirname(os.path.abspath(self.out_path)))),
        }
        if self.lines is not None:
            lines_path = os.path.join(os.path.dirname(os.path.abspath(self.out_path)), "lines.json")
            with open(lines_path + ".tmp", "w") as f:
                json.dump(self.lines.stop(self.mutants_dir()), f)
            os.replace(lines_path + ".tmp", lines_path)
        tmp = self.out_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.out_path)


class _Lines:
    """Records which lines of the mutated files (those with a `.meta` beside them) execute, and
    which lines hold code of the code objects that started (a line of a function that ran but
    absent here has no instruction of its own: a folded constant, a continuation line).
    sys.monitoring on 3.12+ (each location reports once, then is disabled), else a sys.settrace
    tracer that traces only frames of those files. The stats pass runs once, so this costs once."""

    def __init__(self, mutants_dir):
        self.root = os.path.realpath(mutants_dir) + os.sep
        self.executed = {}
        self.code = {}
        self.seen = set()
        self.wanted = {}
        self.tool = None
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            free = [i for i in range(6) if monitoring.get_tool(i) is None and i != monitoring.COVERAGE_ID]
            if free:
                self.tool = free[-1]
                events = monitoring.events
                monitoring.use_tool_id(self.tool, "mutrun-lines")
                monitoring.register_callback(self.tool, events.LINE, self._on_line)
                monitoring.register_callback(self.tool, events.PY_START, self._on_start)
                monitoring.set_events(self.tool, events.LINE | events.PY_START)
                return
        import threading

        sys.settrace(self._on_call)
        threading.settrace(self._on_call)

    def _want(self, filename):
        wanted = self.wanted.get(filename)
        if wanted is None:
            real = os.path.realpath(filename)
            wanted = real.startswith(self.root) and os.path.exists(real + ".meta")
            self.wanted[filename] = wanted
        return wanted

    def _code_started(self, code):
        if id(code) in self.seen:
            return
        self.seen.add(id(code))
        lines = self.code.setdefault(code.co_filename, set())
        lines.update(line for _, _, line in code.co_lines() if line is not None)

    def _on_start(self, code, offset):
        if self._want(code.co_filename):
            self._code_started(code)
        return sys.monitoring.DISABLE

    def _on_line(self, code, line):
        if self._want(code.co_filename):
            self.executed.setdefault(code.co_filename, set()).add(line)
        return sys.monitoring.DISABLE

    def _on_call(self, frame, event, arg):
        if self._want(frame.f_code.co_filename):
            self._code_started(frame.f_code)
            return self._on_local
        return None

    def _on_local(self, frame, event, arg):
        if event == "line":
            self.executed.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return self._on_local

    def stop(self, mutants_dir):
        """{file relative to mutants/, with /: {"executed": [lines], "code": [lines]}}"""
        if self.tool is not None:
            sys.monitoring.set_events(self.tool, 0)
            sys.monitoring.free_tool_id(self.tool)
        else:
            sys.settrace(None)
        here = os.path.realpath(mutants_dir)
        out = {}
        for name in set(self.executed) | set(self.code):
            relative = os.path.relpath(os.path.realpath(name), here).replace(os.sep, "/")
            entry = out.setdefault(relative, {"executed": set(), "code": set()})
            entry["executed"] |= self.executed.get(name, set())
            entry["code"] |= self.code.get(name, set())
        return {k: {"executed": sorted(v["executed"]), "code": sorted(v["code"])} for k, v in out.items()}


def _shadowed_modules(mutants_dir):
    """{module: file} for each loaded module whose mutated copy is in `mutants_dir` but which was
    loaded from elsewhere (the original checkout, an installed copy): the tests then exercise
    code no mutant can change. Found by name on the import roots inside `mutants_dir`, and by
    path for files of the original project loaded under any name."""
    here = os.path.realpath(mutants_dir)
    project = os.path.dirname(here)
    roots = {here}
    for entry in sys.path:
        real = os.path.realpath(entry or ".")
        if real.startswith(here + os.sep):
            roots.add(real)
    found = {}
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if not isinstance(origin, str):
            continue
        origin = os.path.realpath(origin)
        if origin.startswith(here + os.sep):
            continue
        relative = name.replace(".", os.sep)
        copies = [os.path.join(root, relative + ".py") for root in roots]
        copies += [os.path.join(root, relative, "__init__.py") for root in roots]
        if origin.startswith(project + os.sep):
            copies.append(os.path.join(here, os.path.relpath(origin, project)))
        if any(_is_trampolined(copy) for copy in copies):
            found[name] = origin
    return found


def _is_trampolined(path):
    try:
        with open(path, "rb") as f:
            return b"import mutrun_runtime as _mutrun_rt" in f.read()
    except OSError:
        return False


class _CollectionHits(set):
    """The stats pass's hit set until the first test: every function that ran at import or
    collection. For each, also where its calls came from: when every call was made by the
    module-level code of test files being collected (a parametrize table built with the
    function), only those files' tests can hold what it computed; any other call (a project
    module's import, a conftest, a hook) may have left state every test sees."""

    def __init__(self, before_configure, stats):
        super().__init__(before_configure)
        self.stats = stats
        self.project_root = os.path.realpath(stats.mutants_dir()) + os.sep
        self.in_project = {}  # code file name -> under mutants/?
        # key -> set of test-file paths; None: reached from elsewhere, so every test covers it
        self.files = {key: None for key in before_configure}

    def add(self, key):
        set.add(self, key)
        if key in self.files and self.files[key] is None:
            return
        where = self._calling_test_file()
        if where is None:
            self.files[key] = None
        else:
            self.files.setdefault(key, set()).add(where)

    def _calling_test_file(self):
        """The test module being collected, when the innermost module-level code on the stack is
        that module's own (a table it builds), or is no project file's (pytest itself, building
        that module's items: parametrize ids read attributes of the table's values); else None
        (a project module or conftest.py being imported)."""
        collecting = self.stats.collecting
        if collecting is None:
            return None
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_name != "<module>":
            frame = frame.f_back
        if frame is None:
            return collecting
        module_file = frame.f_code.co_filename
        if os.path.abspath(module_file) == collecting or not self._in_project(module_file):
            return collecting
        return None

    def _in_project(self, filename):
        inside = self.in_project.get(filename)
        if inside is None:
            inside = self.in_project[filename] = os.path.realpath(filename).startswith(self.project_root)
        return inside

    def files_relative_to(self, root):
        relative = {}
        for key, files in self.files.items():
            if files is not None:
                relative[key] = sorted(os.path.relpath(f, root).replace(os.sep, "/") for f in files)
        return relative


def _test_source_hash(item):
    """Hash of the test function's source (its node id when there is no source to read)."""
    import hashlib
    import inspect

    try:
        text = inspect.getsource(getattr(item, "function", None) or item.obj)
    except (TypeError, OSError, AttributeError):
        text = item.nodeid
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- worker ----------------------------------------------------------------------------------


class _Worker:
    def __init__(self):
        self.collect_errors = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(
                {"where": report.nodeid or "<session>", "message": _first_error_lines(report, 25)}
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if self.collect_errors:
            _send({"event": "collect_error", "errors": self.collect_errors})
            return True
        items = {item.nodeid: item for item in session.items}
        _adopt_moved_ids(items)
        session.config.pluginmanager.register(_CHILD_OUTCOMES, "mutrun-outcomes")
        _send({"event": "ready", "tests": len(items)})
        # Objects alive now are shared with every child; keep the collector from touching them
        # (which would copy their pages into each child).
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()
        while True:
            line = _requests.readline()
            if not line:
                return True
            if not line.strip():
                continue
            request = json.loads(line)
            _serve(session, items, request)


def _send(event):
    _events.write(json.dumps(event) + "\n")
    _events.flush()


def _serve(session, items, request):
    request["_parent"] = os.getpid()
    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(session, items, request, write_end)
    os.close(write_end)
    _report_child(request, pid, read_end, started)


def _report_child(request, pid, read_end, started):
    """Sends `started`, reads the child's result from the pipe, reaps it, sends `done`."""
    _send({"event": "started", "id": request["id"], "pid": pid})
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - started
    result = None
    if chunks:
        try:
            result = json.loads(b"".join(chunks))
        except ValueError:
            result = None
    _send(
        {
            "event": "done",
            "id": request["id"],
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "result": result,
            "seconds": seconds,
        }
    )


def _child(session, items, request, write_end):
    """Runs in the forked child; never returns."""
    try:
        _enter_child(session, request, write_end)
        mutant = request.get("mutant")
        if mutant and mutant != "fail":
            # A killed mutant needs only the killing test's id; formatting a long traceback
            # would triple the cost of every killed mutant. Sanity passes keep the full text.
            session.config.option.tbstyle = "line"
        if request.get("recollect"):
            items, failure = _recollect(session, items, request["recollect"])
            if failure is not None:
                _write_result(write_end, {"ran": [], "failed": [failure], "unknown": []})
                os._exit(0)
            if any(t not in items for t in request["tests"]):
                _adopt_moved_ids(items)
        result = _run_items(session, items, request["tests"], request.get("stop_on_failure", True))
        _write_result(write_end, result)
    except BaseException:
        try:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(70)
    os._exit(0)


def _recollect(session, items, files):
    """Collects the test files `files` again, with the mutant active: their module-level code
    called the mutated function at collection (a parametrize table built with it), so the worker's
    items hold what the original computed. Each file's module is imported anew under the node that
    held it, so conftest fixtures still apply. Returns (items with those files' items replaced,
    None), or (None, the failure) when a file fails to collect under the mutant: plain pytest on
    the patched source fails there too."""
    files = set(files)
    kept = {}
    olds = {}  # file -> the Module node that holds its items
    for nodeid, item in items.items():
        file = _test_file(nodeid)
        if file not in files:
            kept[nodeid] = item
        elif file not in olds and (module := item.getparent(pytest.Module)) is not None:
            olds[file] = module
    nodes = []
    for file in sorted(olds):
        old = olds[file]
        loaded = getattr(old, "_obj", None)
        if loaded is not None:
            sys.modules.pop(loaded.__name__, None)
        nodes.append(type(old).from_parent(old.parent, path=old.path))
    collected, failure = _collect_items(session, nodes)
    if failure is not None:
        return None, failure
    kept.update((item.nodeid, item) for item in collected)
    return kept, None


def _collect_items(session, nodes):
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
            return None, {"test": where, "when": "collect", "message": _first_error_lines(report)}
        pending[0:0] = report.result or []
    session.config.hook.pytest_collection_modifyitems(session=session, config=session.config, items=collected)
    return collected, None


def _enter_child(session, request, write_end):
    """What every forked child does first: its own process group, death with its parent, no
    output, the memory cap, and the mutant active (in the environment too, for subprocesses)."""
    os.setpgid(0, 0)
    _die_with_parent(request["_parent"])
    _quiet()
    _limit_memory()
    mutant = request.get("mutant")
    if mutant:
        os.environ["MUTANT_UNDER_TEST"] = mutant
    else:
        os.environ.pop("MUTANT_UNDER_TEST", None)
    try:
        mutrun_runtime.activate(mutant)
    except Exception as error:
        # A mutated default value that raises: with a plain patch the module's import fails,
        # so the first test fails.
        first = request["tests"][0] if request["tests"] else "<import>"
        message = "activating the mutant raised %r" % (error,)
        failed = [{"test": first, "when": "setup", "message": message}]
        _write_result(write_end, {"ran": [first], "failed": failed, "unknown": []})
        os._exit(0)


def _write_result(write_end, result):
    view = memoryview(json.dumps(result).encode())
    while view:
        written = os.write(write_end, view)
        view = view[written:]
    os.close(write_end)


# Registered once in the worker before it forks: registering a plugin in every child costs a
# rebuild of pluggy's hook tables per mutant. Children start with its list empty.
_CHILD_OUTCOMES = _Outcomes()


def _run_items(session, items, test_ids, stop_on_failure):
    outcomes = _CHILD_OUTCOMES
    selected = [items[t] for t in test_ids if t in items]
    unknown = [t for t in test_ids if t not in items]
    asked = {items[t].nodeid: t for t in test_ids if t in items}
    ran = []
    for index, item in enumerate(selected):
        nextitem = selected[index + 1] if index + 1 < len(selected) else None
        ran.append(asked[item.nodeid])
        try:
            item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        except BaseException as error:  # pytest.exit(), KeyboardInterrupt from the code under test
            outcomes.failed.append({"test": item.nodeid, "when": "call", "message": repr(error)})
        if outcomes.failed and stop_on_failure:
            break
    for failure in outcomes.failed:
        failure["test"] = asked.get(failure["test"], failure["test"])
    return {"ran": ran, "failed": outcomes.failed, "unknown": unknown}


_STATS_JSON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "stats.json")


def _case_positions(ids):
    """{node id: (the test function's node id, n)}: the n-th case of each test, in this order."""
    seen = {}
    positions = {}
    for nodeid in ids:
        function = nodeid.split("[", 1)[0]
        positions[nodeid] = (function, seen.get(function, 0))
        seen[function] = positions[nodeid][1] + 1
    return positions


def _adopt_moved_ids(by_id):
    """A test id holding a per-process value (marshmallow parametrizes over datetime.now()) is not
    the id the stats pass recorded. Maps each stats id this process did not collect, in `by_id`,
    to the case in the same position of the same test function, when that case's id is one the
    stats pass never saw."""
    try:
        with open(_STATS_JSON) as f:
            stats_ids = [t["id"] for t in json.load(f)["tests"]]
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


def _load_prctl():
    """libc's prctl, loaded once in the worker so children do not pay for importing ctypes."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # not Linux, or no ctypes: children then rely on the timeout alone
        return None


_prctl = _load_prctl() if MODE in ("worker", "zygote") else None


def _die_with_parent(parent):
    """PR_SET_PDEATHSIG(SIGKILL): a child must not outlive its worker. If the worker died before
    the signal was armed, the child has been re-parented already: leave now."""
    if _prctl is not None:
        _prctl(1, 9, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _quiet():
    """Children's own output goes nowhere: failures are reported through the result."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    if not os.environ.get("MUTRUN_CHILD_STDERR"):
        os.dup2(devnull, 2)
    os.close(devnull)


_memory_capped = False  # set in a test process once `_limit_memory` capped it


def _limit_memory():
    """`memory_limit_mb`: caps this test process's address space. A MemoryError that then ends a
    test is reported as `out_of_memory` (verdict crashed), not as a plain failure."""
    global _memory_capped
    limit_mb = os.environ.get("MUTRUN_MEMORY_LIMIT_MB")
    if not limit_mb:
        return
    try:
        import resource

        limit = int(limit_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        _memory_capped = True
    except (ValueError, OSError, ImportError):
        pass


# --- fresh -----------------------------------------------------------------------------------


class _Fresh:
    """Runs the listed tests, in order, stopping at the first failure, in a process in which the
    mutant was active before anything was imported; `sink(result)` receives the result."""

    def __init__(self, test_ids, sink):
        self.test_ids = test_ids
        self.sink = sink
        self.outcomes = _Outcomes()
        self.ran = []
        self.unknown = []
        self.asked = {}  # this process's node id → the id mutrun asked for
        self.session = None
        # Files whose tests are collected only if the others' tests all pass (zygote children).
        self.deferred = set()
        self.selected_once = False

    def pytest_sessionstart(self, session):
        self.session = session

    def select(self, items, deferred):
        """The asked tests among `items`, in the asked order: those of the `deferred` files, or
        of the others."""
        wanted = [t for t in self.test_ids if (_test_file(t) in self.deferred) == deferred]
        by_id = {item.nodeid: item for item in items}
        if any(t not in by_id for t in wanted):
            _adopt_moved_ids(by_id)
        selected = [by_id[t] for t in wanted if t in by_id]
        self.unknown += [t for t in wanted if t not in by_id]
        self.asked.update((by_id[t].nodeid, t) for t in wanted if t in by_id)
        return selected

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        if self.selected_once:
            return  # a later collection (of deferred files): its caller selects
        self.selected_once = True
        selected = self.select(items, deferred=False)
        chosen = set(id(item) for item in selected)
        deselected = [item for item in items if id(item) not in chosen]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected

    def pytest_collectreport(self, report):
        # With the mutant active from start-up, an import that fails is the mutant's doing.
        if report.failed:
            self.outcomes.failed.append(
                {"test": report.nodeid or "<collection>", "when": "collect", "message": _first_error_lines(report)}
            )
            if self.session is not None:
                self.session.shouldfail = "mutrun: first failure"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        # A collection error is the first failure: run nothing. (pytest's own loop would raise
        # `Interrupted`, whose report re-parses every test module: most of a fresh process's time.)
        if self.outcomes.failed:
            return True
        return None

    def pytest_runtest_logstart(self, nodeid, location):
        self.ran.append(self.asked.get(nodeid, nodeid))

    def pytest_runtest_logreport(self, report):
        self.outcomes.pytest_runtest_logreport(report)
        # `shouldfail`, not `shouldstop`: pytest ends a stopped session as an `Interrupted`
        # (a KeyboardInterrupt) and formats a long traceback of it, 2/3 of a killed fresh
        # mutant's time on isodate; a failed session ends without one.
        if report.failed and self.session is not None:
            self.session.shouldfail = "mutrun: first failure"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        for failure in self.outcomes.failed:
            failure["test"] = self.asked.get(failure["test"], failure["test"])
        self.sink({"ran": self.ran, "failed": self.outcomes.failed, "unknown": self.unknown})


def _result_file_sink(path):
    def write(result):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(result, f)
        os.replace(tmp, path)

    return write


# In a zygote's child: (the request it serves, the write end of its result pipe).
_zygote_child = None


def _serve_zygote():
    """Fresh processes without the start-up cost: the zygote forks before any conftest.py is
    imported (from `pytest_load_initial_conftests`, so the project is not imported yet), one child
    per request. This returns only in a child, with the mutant active: pytest then goes on to load
    the conftests, configure and collect only the files of the child's tests, all under the
    mutant, as a new process would. Same protocol as a worker."""
    _send(
        {
            "event": "ready",
            "tests": 0,
            # Functions whose module was imported before the fork (by a `-p` plugin): a child
            # would inherit what their import computed, so they need a real fresh process.
            "preimported": sorted(mutrun_runtime._tables),
        }
    )
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
    while True:
        line = _requests.readline()
        if not line:
            os._exit(0)
        if not line.strip():
            continue
        request = json.loads(line)
        request["_parent"] = os.getpid()
        read_end, write_end = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _enter_child(None, request, write_end)
            return request, write_end
        os.close(write_end)
        _report_child(request, pid, read_end, started)


class _ZygoteChild:
    """A zygote's child after the fork: collects only the files of its tests, and of those, the
    ones in the first test's directory but its own only when every test collected so far passed.
    Collecting is most of a fresh mutant's cost (marshmallow: 200 ms for the whole suite, 27 ms for
    one file), and a mutant is usually killed by its first test: the one that killed its
    siblings, else the fastest that calls it."""

    def __init__(self, request, write_end):
        self.request = request
        self.write_end = write_end
        files = []
        for test in request["tests"]:
            if _test_file(test) not in files:
                files.append(_test_file(test))
        self.first_dir = os.path.dirname(files[0]) if files else None
        self.now = files[:1] + [f for f in files[1:] if os.path.dirname(f) != self.first_dir]
        self.later = [f for f in files if f not in self.now]
        self.later_parent = None  # the collector of the first test's directory
        self.fresh_plugin = None

    def fresh(self):
        def sink(result):
            try:
                _write_result(self.write_end, result)
            finally:
                os._exit(0)

        self.fresh_plugin = _Fresh(self.request["tests"], sink)
        self.fresh_plugin.deferred = set(self.later)
        return self.fresh_plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        root = str(session.config.rootpath)
        session.config.args = [os.path.join(root, f) for f in self.now]

    def pytest_collectstart(self, collector):
        if self.later_parent is None and isinstance(collector, pytest.Module):
            relative = os.path.relpath(str(collector.path), str(collector.config.rootpath))
            if os.path.dirname(relative.replace(os.sep, "/")) == self.first_dir:
                self.later_parent = collector.parent

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if not _run_until_failure(session, session.items) or not self.later:
            return True
        fresh = self.fresh_plugin
        if self.later_parent is None:
            # Nothing of that directory was collected, so there is no node to collect under.
            fresh.unknown += [t for t in fresh.test_ids if _test_file(t) in fresh.deferred]
            return True
        parent = self.later_parent
        root = session.config.rootpath
        nodes = []
        for file in self.later:
            nodes.extend(parent.ihook.pytest_collect_file(file_path=root / file, parent=parent))
        items, failure = _collect_items(session, nodes)
        if failure is not None:
            fresh.outcomes.failed.append(failure)
            return True
        _run_until_failure(session, fresh.select(items, deferred=True))
        return True


def _run_until_failure(session, items):
    """pytest's test loop over `items`, ending at the first failure (`session.shouldfail`, which
    `_Fresh` sets): whether every item ran."""
    for index, item in enumerate(items):
        nextitem = items[index + 1] if index + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if session.shouldfail or session.shouldstop:
            return False
    return True


def _test_file(test_id):
    """The file part of a node id, as mutrun writes it (`tests/test_x.py`)."""
    return test_id.split("::", 1)[0]


def _conftest_failure(error):
    """The result of a run whose conftest.py failed to import (under the mutant)."""
    path = getattr(error, "path", None)
    where = os.path.relpath(str(path)) if path else "<conftest>"
    cause = getattr(error, "cause", None) or error.__cause__ or error
    message = "ImportError while loading conftest %s: %s: %s" % (where, type(cause).__name__, cause)
    return {"ran": [], "failed": [{"test": where, "when": "collect", "message": message}], "unknown": []}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Zygote: serve requests here, before any conftest is imported (see `_serve_zygote`).
    Fresh runs: a conftest.py that fails to import under the mutant (it imports a module that
    runs the mutated function at import) stops pytest before any plugin is configured. Plain
    pytest on the patched source stops the same way: report it as the failure it is."""
    global _zygote_child
    if MODE == "zygote":
        _zygote_child = _serve_zygote()
    outcome = yield
    if outcome.excinfo is None:
        return
    if MODE == "zygote":
        _write_result(_zygote_child[1], _conftest_failure(outcome.excinfo[1]))
        os._exit(0)
    if MODE != "fresh":
        return
    result_path = os.environ["MUTRUN_RESULT"]
    with open(result_path + ".tmp", "w") as f:
        json.dump(_conftest_failure(outcome.excinfo[1]), f)
    os.replace(result_path + ".tmp", result_path)


def pytest_configure(config):
    if MODE == "stats":
        config.pluginmanager.register(_Stats(os.environ["MUTRUN_STATS_OUT"]), "mutrun-stats")
    elif MODE == "worker":
        mutrun_runtime.activate(None)
        config.pluginmanager.register(_Worker(), "mutrun-worker")
    elif MODE == "zygote":
        # Only a zygote's children get here: the zygote itself serves before conftests load.
        child = _ZygoteChild(*_zygote_child)
        if child.request.get("mutant") not in (None, "fail"):
            config.option.tbstyle = "line"
        config.pluginmanager.register(child, "mutrun-zygote-child")
        config.pluginmanager.register(child.fresh(), "mutrun-fresh")
    elif MODE == "fresh":
        _limit_memory()
        with open(os.environ["MUTRUN_TESTS"]) as f:
            test_ids = [line.strip() for line in f if line.strip()]
        fresh = _Fresh(test_ids, _result_file_sink(os.environ["MUTRUN_RESULT"]))
        config.pluginmanager.register(fresh, "mutrun-fresh")
