"""Zygote mode (MODE_ZYGOTE): fresh processes without the start-up cost. pytest is configured but no
conftest.py (and so no project module) is imported yet; per request the zygote forks a child that
activates the mutant, then collects the files of its tests and runs them, as a new process would."""

import gc
import importlib
import importlib.machinery
import json
import os
import sys
import time

import pytest

import mutrun_protocol as P
import mutrun_runtime
from mutrun_plugin import common
from mutrun_plugin.common import collect_items, enter_child, report_child, send, test_file, write_result
from mutrun_plugin.fresh import Fresh


def serve():
    """Fresh processes without the start-up cost: the zygote forks before any conftest.py is
    imported (from `pytest_load_initial_conftests`, so the project is not imported yet), one child
    per request. This returns only in a child, with the mutant active: pytest then goes on to load
    the conftests, configure and collect only the files of the child's tests, all under the
    mutant, as a new process would. Same protocol as a worker."""
    preload(common.MUTANTS_DIR)
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
    while True:
        line = common.requests.readline()
        if not line:
            os._exit(0)
        if not line.strip():
            continue
        request = json.loads(line)
        request["_parent"] = os.getpid()
        read_end, write_end = os.pipe()
        started = time.monotonic()
        common.empty_child_stderr()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            enter_child(request, write_end)
            return request, write_end
        os.close(write_end)
        report_child(request, pid, read_end, started)


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
