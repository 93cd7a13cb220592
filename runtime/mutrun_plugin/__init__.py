"""mutrun's pytest plugin, loaded with `-p mutrun_plugin`. ENV_MODE selects what it does, each mode
in its own module (names from mutrun_protocol, shared helpers in `common`):

- stats:  record, per test, its duration, the trampolines it reached and (ENV_LINES) the lines of
          the mutated files it executed (setup, call, teardown, and through session/module
          fixtures it uses); write them to ENV_STATS_OUT.
- worker: collect once, then serve requests from mutrun on stdin: fork one child per request,
          run the listed tests in it with the mutant active, report on the original stdout.
- zygote: configure pytest but collect nothing; per request fork a child that activates the
          mutant, then collects the files of its tests and runs them (a cheap fresh process).
- fresh:  a plain run of the tests listed in ENV_TESTS, in that order, stopping at the first
          failure, with the result written to ENV_RESULT.

In every mode the project's configuration cannot move tests out of the process, reorder or
deselect them, or load the original conftest.py files beside their copies (`isolation`).

The protocol and file formats are in ARCHITECTURE.md.
"""

import json
import os

import pytest

import mutrun_protocol as P
import mutrun_runtime
from mutrun_plugin import common, isolation

MODE = os.environ.get(P.ENV_MODE, "")

if MODE in (P.MODE_WORKER, P.MODE_ZYGOTE):
    common.serve_on_original_pipes()
elif MODE == P.MODE_STATS:
    from mutrun_plugin import stats as _stats

    # Before any conftest.py imports the project: the lines that run at import count too.
    _stats.start_lines_early()

# In a zygote's child: (the request it serves, the write end of its result pipe).
_zygote_child = None


def zygote_child_started(request, write_end):
    """In a child a zygote's stage forked while the conftests load: the request it serves."""
    global _zygote_child
    _zygote_child = (request, write_end)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Zygote: serve requests here, before any conftest is imported (see `zygote.serve`).
    Fresh runs: a conftest.py that fails to import under the mutant (it imports a module that
    runs the mutated function at import) stops pytest before any plugin is configured. Plain
    pytest on the patched source stops the same way: report it as the failure it is."""
    global _zygote_child
    isolation.only_copied_conftests(early_config)
    if MODE == P.MODE_ZYGOTE:
        from mutrun_plugin import zygote

        _zygote_child = zygote.serve()
    outcome = yield
    if MODE == P.MODE_ZYGOTE and _zygote_child is None:
        zygote.stage_not_reached()  # only a stage gets here without a request
    if outcome.excinfo is None:
        return
    if MODE == P.MODE_ZYGOTE:
        common.write_result(_zygote_child[1], common.conftest_failure(outcome.excinfo[1]))
        os._exit(0)
    if MODE != P.MODE_FRESH:
        return
    common.write_own_file(os.environ[P.ENV_RESULT], json.dumps(common.conftest_failure(outcome.excinfo[1])))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    """Before xdist, the cache plugin and stepwise read their options: tests run in this process,
    in the order mutrun asks for."""
    isolation.in_process_as_asked(config)
    yield


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    isolation.drop_cache_writers(config)
    if MODE in (P.MODE_STATS, P.MODE_FRESH):
        # Orphans of what the tests start come here, and end with this process (`unconfigure`).
        common.become_subreaper()
    if MODE == P.MODE_STATS:
        from mutrun_plugin.stats import Stats

        config.pluginmanager.register(Stats(os.environ[P.ENV_STATS_OUT]), "mutrun-stats")
    elif MODE == P.MODE_WORKER:
        from mutrun_plugin.worker import Worker

        mutrun_runtime.activate(None)
        config.pluginmanager.register(Worker(), "mutrun-worker")
    elif MODE == P.MODE_ZYGOTE:
        from mutrun_plugin.zygote import ZygoteChild

        # Only a zygote's children get here: the zygote itself serves before conftests load.
        child = ZygoteChild(*_zygote_child)
        if child.request.get(P.MUTANT) not in (None, P.MUTANT_FORCED_FAIL):
            config.option.tbstyle = "line"
            common.brief_failures()
        config.pluginmanager.register(child, "mutrun-zygote-child")
        config.pluginmanager.register(child.fresh(), "mutrun-fresh")
    elif MODE == P.MODE_FRESH:
        from mutrun_plugin.fresh import Fresh, result_file_sink

        common.limit_memory()
        with open(os.environ[P.ENV_TESTS]) as f:
            test_ids = [line.strip() for line in f if line.strip()]
        fresh = Fresh(test_ids, result_file_sink(os.environ[P.ENV_RESULT]))
        config.pluginmanager.register(fresh, "mutrun-fresh")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test that forked and let the new process return ends that process here, before it runs
    teardowns, more tests, or reports (`common.leave_if_forked_by_a_test`)."""
    yield
    common.leave_if_forked_by_a_test()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    yield
    common.leave_if_forked_by_a_test()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """What the tests started and left running ends with this process (a worker's children's
    leftovers ended with each child)."""
    if MODE:
        common.end_strays()
