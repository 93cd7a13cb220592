"""Zygote mode (MODE_ZYGOTE): fresh processes without the start-up cost. pytest is configured but no
conftest.py (and so no project module) is imported yet; per request the zygote forks a child that
activates the mutant, then collects the files of its tests and runs them, as a new process would."""

import gc
import importlib
import importlib.machinery
import json
import os
import select
import sys
import threading
import time

import pytest

import mutrun_plugin
import mutrun_protocol as P
import mutrun_runtime
from mutrun_plugin import common
from mutrun_plugin.common import collect_items, enter_child, send, test_file, write_result
from mutrun_plugin.fresh import Fresh


def serve():
    """Fresh processes without the start-up cost: the zygote forks before any conftest.py is
    imported (from `pytest_load_initial_conftests`, so the project is not imported yet), one child
    per request. This returns only in a child, with the mutant active: pytest then goes on to load
    the conftests, configure and collect only the files of the child's tests, all under the
    mutant, as a new process would. Same protocol as a worker. A mutant may instead be served by
    a stage of its function (`Stages`); in a new stage process this returns None."""
    preload(common.MUTANTS_DIR)
    common.warm_regex_cache()
    send(
        {
            P.EVENT: P.EVENT_READY,
            P.TESTS: 0,
            # Functions whose module was imported before the fork (by a `-p` plugin): a child
            # would inherit what their import computed, so they need a real fresh process.
            P.PREIMPORTED: sorted(mutrun_runtime._tables),
        }
    )
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
    common.keep_current_children()
    stages = Stages()
    while True:
        line = common.requests.readline()
        if not line:
            os._exit(0)
        if not line.strip():
            continue
        request = json.loads(line)
        served = stages.serve(request)
        if served is IN_NEW_STAGE:
            return None
        if served:
            continue
        write_end = common.fork_child(request)
        if write_end is not None:
            enter_child(request, write_end)
            return request, write_end


def preload(mutants_dir):
    """Imports, before the zygote forks, the modules from outside the project that the stats pass
    had loaded (stats.json's PRELOAD): the standard library and installed packages the project
    and its tests use. Every child then starts with them and imports only the project and its
    tests. A module that would import one of the project's is refused here (`_ProjectRefused`)
    and left to the children: no project code runs before the fork."""
    try:
        with open(common.STATS_JSON) as f:
            names = json.load(f).get(P.PRELOAD) or []
    except (OSError, ValueError, AttributeError):
        return
    refuse = _ProjectRefused(mutants_dir)
    sys.meta_path.insert(0, refuse)
    try:
        for name in names:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except (Exception, SystemExit):  # refused, or fails here: the child imports it
                pass
    finally:
        sys.meta_path.remove(refuse)


class _ProjectRefused:
    """A meta path finder, first while the zygote preloads: refuses every module found in the
    project (`common.in_project`), so nothing of it is imported before the fork."""

    def __init__(self, mutants_dir):
        self.mutants_dir = mutants_dir

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None:
            return None
        places = [spec.origin] if spec.origin and spec.has_location else []
        places += list(spec.submodule_search_locations or [])
        if any(common.in_project(place, self.mutants_dir) for place in places):
            raise ImportError("mutrun preloads nothing of the project: %s" % name)
        return None  # the usual finders import it


class ZygoteChild:
    """A zygote's child after the fork: collects only the files of its tests, and of those, the
    ones in the first test's directory but its own only when every test collected so far passed.
    Collecting is most of a fresh mutant's cost (marshmallow: 200 ms for the whole suite, 27 ms for
    one file), and a mutant is usually killed by its first test: the one that killed its
    siblings, else the fastest that calls it."""

    def __init__(self, request, write_end):
        self.request = request
        self.write_end = write_end
        files = []
        for test in request[P.TESTS]:
            if test_file(test) not in files:
                files.append(test_file(test))
        self.first_dir = os.path.dirname(files[0]) if files else None
        self.now = files[:1] + [f for f in files[1:] if os.path.dirname(f) != self.first_dir]
        self.later = [f for f in files if f not in self.now]
        self.later_parent = None  # the collector of the first test's directory
        self.fresh_plugin = None

    def fresh(self):
        def sink(reported):
            try:
                write_result(self.write_end, reported)
            finally:
                os._exit(0)

        self.fresh_plugin = Fresh(self.request[P.TESTS], sink)
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
            fresh.unknown += [t for t in fresh.test_ids if test_file(t) in fresh.deferred]
            return True
        parent = self.later_parent
        root = session.config.rootpath
        nodes = []
        for file in self.later:
            nodes.extend(parent.ihook.pytest_collect_file(file_path=root / file, parent=parent))
        items, failed = collect_items(session, nodes)
        if failed is not None:
            fresh.outcomes.failed.append(failed)
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


# Stages: a zygote's child forks before the project is imported, so each fresh mutant imports the
# project again, though everything computed before its function's first call is what the
# original computes (marshmallow: `SchemaOpts.__init__` first runs when `schema.py` defines
# `Schema`, after ~80 ms of the package's import). A stage of function F is a process forked from
# the zygote that goes on with the original code, loading the conftests, until F is first called
# (`mutrun_runtime.stage`), and there forks one child per mutant of F: the child activates the
# mutant, the call goes to its variant, and the child goes on as a zygote's child would. Only
# while the initial conftests load: a stage that gets past them without F's call (F first runs
# when a test file is collected, or never) is "unreachable", and the zygote serves F's mutants
# itself. Nor a default-value mutant: the `def` evaluated its defaults before any call.

IN_NEW_STAGE = object()  # `Stages.serve` in the stage process it just forked
STAGES_KEPT = 4  # stages a zygote keeps (each holds a part-imported project), least recent out
# How long a new stage may take to reach its function: before it does, no child of the job exists
# for mutrun to time out, so a conftest that hangs would hang the run.
REACH_SECONDS = 60.0
REACHED = b"reached\n"
SERVED = b"served\n"
DECLINED = b"declined\n"
UNREACHABLE = b"unreachable\n"


class _Stage:
    """The zygote's end of one stage: its pid, the pipe it reads requests from and the one it
    answers on, one line per request (SERVED, DECLINED or UNREACHABLE)."""

    def __init__(self, pid, requests, answers):
        self.pid = pid
        self.requests = requests
        self.answers = answers

    def reached(self):
        """Waits for the new stage's first line: None when it reached its function, else why not."""
        try:
            ready, _, _ = select.select([self.answers], [], [], REACH_SECONDS)
            if not ready:
                return "not at it within %.0f s" % REACH_SECONDS
            if self.answers.readline() == REACHED:
                return None
        except (OSError, ValueError):
            pass
        return "not called while the conftests loaded"

    def ask(self, request):
        """Hands `request` to the stage: its answer, or UNREACHABLE when it is gone."""
        try:
            view = memoryview((json.dumps(request) + "\n").encode())
            while view:
                view = view[os.write(self.requests, view) :]
            return self.answers.readline() or UNREACHABLE
        except OSError:
            return UNREACHABLE

    def close_pipes(self):
        try:
            os.close(self.requests)
        except OSError:
            pass
        self.answers.close()

    def end(self, kill=False):
        """Closes its pipes, so it leaves (or kills it), and reaps it."""
        self.close_pipes()
        if kill:
            try:
                os.kill(self.pid, 9)
            except OSError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        common.forget_child(self.pid)


class Stages:
    """The zygote's stages, by function key."""

    def __init__(self):
        self.alive = {}  # key -> _Stage, least recently used first
        self.unreachable = set()

    def serve(self, request):
        """Serves `request` through its function's stage: True when the stage ran it (and sent
        `started` and `done`), False when the zygote must. IN_NEW_STAGE in a new stage process."""
        mutant = request.get(P.MUTANT)
        if not mutant or mutant == P.MUTANT_FORCED_FAIL or ":" not in mutant:
            return False
        key = mutant.rpartition(":")[0]
        if key in self.unreachable:
            return False
        stage = self.alive.pop(key, None)
        if stage is None:
            stage = self._start(key)
            if stage is IN_NEW_STAGE:
                return IN_NEW_STAGE
            why_not = stage.reached()
            if why_not is not None:
                _log("stage of %s: %s; its mutants start here" % (key, why_not))
                return self._give_up(key, stage)
        self.alive[key] = stage
        answer = stage.ask(request)
        if answer in (SERVED, DECLINED):
            return answer == SERVED
        _log("stage of %s: ended; its mutants start here" % key)
        del self.alive[key]
        return self._give_up(key, stage)

    def _give_up(self, key, stage):
        stage.end(kill=True)
        self.unreachable.add(key)
        return False

    def _start(self, key):
        while len(self.alive) >= STAGES_KEPT:
            oldest = next(iter(self.alive))
            self.alive.pop(oldest).end()
        to_stage, from_zygote = os.pipe()
        from_stage, to_zygote = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(from_zygote)
            os.close(from_stage)
            # The other stages' pipes: each must see its end when the zygote closes them.
            for other in self.alive.values():
                other.close_pipes()
            _become_stage(key, os.fdopen(to_stage, "rb"), to_zygote)
            return IN_NEW_STAGE
        os.close(to_stage)
        os.close(to_zygote)
        common.keep_child(pid)
        return _Stage(pid, from_zygote, os.fdopen(from_stage, "rb"))


def _log(line):
    """One line in the zygote's log (`.mutrun/logs/zygote-N.log`: the stderr it started with; a
    stage's fd 2 is pytest's capture while the conftests load)."""
    try:
        os.write(common._original_stderr, ("mutrun zygote: %s\n" % line).encode())
    except OSError:
        pass


# In a stage process: (its function key, its requests, its answers' fd), and when it started.
_stage = None
_stage_started = None


def _become_stage(key, requests, answers):
    """In the new stage process: dies with the zygote, adopts its descendants' orphans, and runs
    the original code until `key` is first called (then `_serve_stage`)."""
    global _stage, _stage_started
    _stage_started = time.monotonic()
    common.die_with(os.getppid())
    common.become_subreaper()
    common.keep_current_children()
    _stage = (key, requests, answers)
    mutrun_runtime.stage(key, _serve_stage)


def stage_not_reached():
    """In a stage process whose initial conftests loaded without its function's call: tells the
    zygote, which serves its mutants itself from now on."""
    os.write(_stage[2], UNREACHABLE)
    os._exit(0)


def _serve_stage():
    """In a stage process, at its function's first call: forks one child per request, which
    activates the mutant and returns (the call goes on into the mutant's variant, and pytest
    loads the rest of the conftests as in a zygote's child). Never returns in the stage."""
    key, requests, answers = _stage
    if threading.current_thread() is not threading.main_thread():
        # A child forked here would have only this thread, not pytest's: run on as the original
        # and say "unreachable" once the conftests loaded.
        mutrun_runtime.activate(None)
        return
    _log("stage of %s: at its first call, %.3f s after the fork" % (key, time.monotonic() - _stage_started))
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()
    # What the conftests started so far serves every child, as a worker's session does.
    common.keep_current_children()
    os.write(answers, REACHED)
    try:
        while True:
            line = requests.readline()
            if not line:
                os._exit(0)
            request = json.loads(line)
            if not mutrun_runtime.body_variant(request[P.MUTANT]):
                os.write(answers, DECLINED)
                continue
            write_end = common.fork_child(request)
            if write_end is not None:
                requests.close()
                os.close(answers)
                enter_child(request, write_end)
                mutrun_plugin.zygote_child_started(request, write_end)
                return
            os.write(answers, SERVED)
    except BaseException:
        os._exit(70)
