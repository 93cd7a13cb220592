"""Worker mode (MODE_WORKER): collect the suite once, then serve mutrun's requests from stdin: fork
one child per request, run the listed tests in it with the mutant active, report on the original
stdout. A child that must see the mutant at collection collects those test files again first."""

import gc
import json
import os
import sys
import time

import pytest

import mutrun_protocol as P
import mutrun_runtime
from mutrun_plugin import common
from mutrun_plugin.common import (
    Outcomes,
    adopt_moved_ids,
    collect_items,
    enter_child,
    failure,
    first_error_lines,
    result,
    send,
    test_file,
    write_result,
)


class Worker:
    """Collects once, then serves requests: one forked child per request."""

    def __init__(self):
        self.collect_errors = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(
                {P.WHERE: report.nodeid or "<session>", P.MESSAGE: first_error_lines(report, 25)}
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        common.leave_if_forked_by_a_test()
        if self.collect_errors:
            send({P.EVENT: P.EVENT_COLLECT_ERROR, P.ERRORS: self.collect_errors})
            return True
        items = {item.nodeid: item for item in session.items}
        adopt_moved_ids(items)
        session.config.pluginmanager.register(_CHILD_OUTCOMES, "mutrun-outcomes")
        _fill_pytest_caches(session.items)
        common.warm_regex_cache()
        send({P.EVENT: P.EVENT_READY, P.TESTS: len(items)})
        # Objects alive now are shared with every child; keep the collector from touching them
        # (which would copy their pages into each child).
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()
        common.keep_current_children()
        while True:
            line = common.requests.readline()
            if not line:
                return True
            if not line.strip():
                continue
            request = json.loads(line)
            _serve(session, items, request)


def _fill_pytest_caches(items):
    """Computes, once in the worker, what pytest caches lazily on each item and would otherwise
    compute again in every child: `item.location` (reportinfo reads the test's source lines to
    find its line; isodate: 0.4 ms of a 4 ms child). pytest's own bookkeeping only: no test or
    project code runs."""
    for item in items:
        try:
            item.location
        except Exception:  # a plugin's item whose reportinfo fails: the child will say so
            pass


def _serve(session, items, request):
    write_end = common.fork_child(request)
    if write_end is not None:
        _child(session, items, request, write_end)


def _child(session, items, request, write_end):
    """Runs in the forked child; never returns."""
    times = [time.monotonic()]  # started, entered, collected, ran: the worker's `phases`
    try:
        enter_child(request, write_end)
        common.skip_terminal_progress(session.config)
        times.append(time.monotonic())
        mutant = request.get(P.MUTANT)
        brief = mutant and mutant != P.MUTANT_FORCED_FAIL
        if brief:
            # A killed mutant needs only the killing test's id; formatting a long traceback
            # would triple the cost of every killed mutant. Sanity passes keep the full text.
            session.config.option.tbstyle = "line"
        if request.get(P.RECOLLECT):
            items, failed = _recollect(session, items, request[P.RECOLLECT])
            if failed is not None:
                write_result(write_end, result([], [failed], []))
                os._exit(0)
            if any(t not in items for t in request[P.TESTS]):
                adopt_moved_ids(items)
        times.append(time.monotonic())
        stop_on_failure = request.get(P.STOP_ON_FAILURE, True)
        reported = _run_items(session, items, request[P.TESTS], stop_on_failure, brief)
        times.append(time.monotonic())
        reported[P.CHILD_TIMES] = times
        if mutant == P.MUTANT_FORCED_FAIL:
            # Whether the tests reached the mutated code, even when none failed (strict xfail).
            reported[P.FORCED_RAISES] = mutrun_runtime._forced_raises
        write_result(write_end, reported)
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
        file = test_file(nodeid)
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
    collected, failed = collect_items(session, nodes)
    if failed is not None:
        return None, failed
    kept.update((item.nodeid, item) for item in collected)
    return kept, None


# Registered once in the worker before it forks: registering a plugin in every child costs a
# rebuild of pluggy's hook tables per mutant. Children start with its list empty.
_CHILD_OUTCOMES = Outcomes()


def _run_items(session, items, test_ids, stop_on_failure, brief):
    outcomes = _CHILD_OUTCOMES
    selected = [items[t] for t in test_ids if t in items]
    if brief:
        common.brief_failures(selected)
    unknown = [t for t in test_ids if t not in items]
    asked = {items[t].nodeid: t for t in test_ids if t in items}
    ran = []
    for index, item in enumerate(selected):
        nextitem = selected[index + 1] if index + 1 < len(selected) else None
        ran.append(asked[item.nodeid])
        common.progress(asked[item.nodeid])
        try:
            item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        except BaseException as error:  # pytest.exit(), KeyboardInterrupt from the code under test
            common.leave_if_forked_by_a_test()
            outcomes.failed.append(failure(item.nodeid, "call", repr(error)))
        common.leave_if_forked_by_a_test()
        if outcomes.failed and stop_on_failure:
            break
    for failed in outcomes.failed:
        failed[P.TEST] = asked.get(failed[P.TEST], failed[P.TEST])
    return result(ran, outcomes.failed, unknown)
