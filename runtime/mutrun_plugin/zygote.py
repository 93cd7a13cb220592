"""Zygote mode (MODE_ZYGOTE): fresh processes without the start-up cost. pytest is configured but no
conftest.py (and so no project module) is imported yet; per request the zygote forks a child that
activates the mutant, then collects the files of its tests and runs them, as a new process would."""

import gc
import json
import os
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
