"""Fresh mode (MODE_FRESH): a plain run of the tests listed in ENV_TESTS, in that order, stopping at
the first failure, in a process where the mutant was active before anything was imported; the
result goes to ENV_RESULT. A zygote's child runs the same plugin, its result going to a pipe."""

import json

import pytest

import mutrun_protocol as P
from mutrun_plugin import common
from mutrun_plugin.common import (
    Outcomes,
    adopt_moved_ids,
    failure,
    first_error_lines,
    result,
    test_file,
    write_own_file,
)


class Fresh:
    """Runs the listed tests, in order, stopping at the first failure, in a process in which the
    mutant was active before anything was imported; `sink(result)` receives the result."""

    def __init__(self, test_ids, sink):
        self.test_ids = test_ids
        self.sink = sink
        self.outcomes = Outcomes()
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
        wanted = [t for t in self.test_ids if (test_file(t) in self.deferred) == deferred]
        by_id = {item.nodeid: item for item in items}
        if any(t not in by_id for t in wanted):
            adopt_moved_ids(by_id)
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
            where = report.nodeid or "<collection>"
            self.outcomes.failed.append(failure(where, "collect", first_error_lines(report)))
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
        common.progress(self.asked.get(nodeid, nodeid))

    def pytest_runtest_logreport(self, report):
        self.outcomes.pytest_runtest_logreport(report)
        # `shouldfail`, not `shouldstop`: pytest ends a stopped session as an `Interrupted`
        # (a KeyboardInterrupt) and formats a long traceback of it, 2/3 of a killed fresh
        # mutant's time on isodate; a failed session ends without one.
        if report.failed and self.session is not None:
            self.session.shouldfail = "mutrun: first failure"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        for failed in self.outcomes.failed:
            failed[P.TEST] = self.asked.get(failed[P.TEST], failed[P.TEST])
        self.sink(result(self.ran, self.outcomes.failed, self.unknown))


def result_file_sink(path):
    """A sink that writes the result to the file `path` (ENV_RESULT)."""

    def write(reported):
        write_own_file(path, json.dumps(reported))

    return write
