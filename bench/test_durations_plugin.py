"""A pytest plugin for the benchmarks: at the end of the session, writes {node id: seconds of
setup + call + teardown} to the file $BENCH_DURATIONS_OUT. Loaded with `-p test_durations_plugin`
and bench/ on PYTHONPATH, in a plain pytest run (no mutrun or mutmut code)."""

import json
import os
from collections import Counter

_SECONDS = Counter()


def pytest_runtest_logreport(report):
    _SECONDS[report.nodeid] += report.duration


def pytest_unconfigure(config):
    with open(os.environ["BENCH_DURATIONS_OUT"], "w") as f:
        json.dump(_SECONDS, f)
