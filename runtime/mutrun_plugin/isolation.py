"""What every pytest process mutrun starts needs, whatever the project's configuration says:

- only the copies' conftest.py files load. mutants/ sits inside the project, and pytest loads the
  conftest.py of every folder from its confcutdir (the config file's folder: in a monorepo, a
  parent of the project) down to the tests, so the originals in the project root would load
  beside their copies ("option names already added"). Folders from the project root down to the
  working directory (mutants/, or a copy of `mutrun verify` below it) are skipped; conftest.py
  files above the project (a monorepo's shared ones) load as under plain pytest;
- the tests run in this process: distributing plugins in `addopts` (pytest-xdist's `-n`, `--dist`,
  `--tx`, `-f`; pytest-forked's `--forked`) are turned off;
- pytest's cache cannot reorder or deselect the tests mutrun asks for: `--lf`, `--ff`, `--nf`,
  `--sw`, `--sw-skip` and `--cache-show` are turned off (the cache plugin stays loaded, so they
  are accepted; each process has a cache folder of its own, set by mutrun with `-o cache_dir=`).

`mutrun_plugin` applies all three in every mode; `mutrun verify`'s plain pytest loads this module
as a plugin of its own (`-p mutrun_plugin.isolation`) for the first only.
"""

import os

import pytest

# Options (argparse dests) that would move tests out of this process, or reorder or deselect
# them, with the value that turns each off. Set only when the plugin that owns it is loaded.
_IN_PROCESS_AS_ASKED = (
    ("numprocesses", 0),  # pytest-xdist -n
    ("maxprocesses", None),
    ("distload", False),
    ("dist", "no"),
    ("tx", []),
    ("looponfail", False),
    ("forked", False),  # pytest-forked
    ("lf", False),  # the cache plugin: --lf, --ff, --nf, --cache-show
    ("failedfirst", False),
    ("newfirst", False),
    ("cacheshow", False),
    ("stepwise", False),  # stepwise: --sw, --sw-skip
    ("stepwise_skip", False),
)

# mutants/: this file is mutants/.mutrun/runtime/mutrun_plugin/isolation.py.
_MUTANTS_DIR = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
)


def in_process_as_asked(config):
    """Turns off the options of `_IN_PROCESS_AS_ASKED` that are set (from `pytest_cmdline_main`,
    before xdist, the cache plugin and stepwise read them)."""
    for dest, off in _IN_PROCESS_AS_ASKED:
        if hasattr(config.option, dest):
            setattr(config.option, dest, off)


def drop_cache_writers(config):
    """With their options off, the cache plugin's last-failed and new-first plugins and stepwise
    only write the cache (every node id, at each session's end): unregister them. The cache
    itself (`config.cache`, the `cache` fixture) stays."""
    manager = config.pluginmanager
    for name in ("lfplugin", "nfplugin", "stepwiseplugin"):
        plugin = manager.get_plugin(name)
        if plugin is not None:
            manager.unregister(plugin)


def skipped_conftest_dirs(invocation_dir):
    """The folders whose conftest.py must not load: the project root and every folder between it
    and `invocation_dir` (their conftest.py files are originals of the copies below)."""
    project = os.path.dirname(os.path.realpath(_MUTANTS_DIR))
    here = os.path.realpath(str(invocation_dir))
    skipped = set()
    parent = os.path.dirname(here)
    while parent != here and (parent == project or parent.startswith(project + os.sep)):
        skipped.add(parent)
        here, parent = parent, os.path.dirname(parent)
    return skipped


def only_copied_conftests(early_config):
    """Keeps pytest from loading the conftest.py files of `skipped_conftest_dirs` (idempotent)."""
    manager = early_config.pluginmanager
    if getattr(manager, "_mutrun_conftests_cut", False):
        return
    manager._mutrun_conftests_cut = True
    params = getattr(early_config, "invocation_params", None)
    skipped = skipped_conftest_dirs(getattr(params, "dir", None) or os.getcwd())
    if not skipped:
        return
    original = getattr(manager, "_is_in_confcutdir", None)
    if original is None:
        # pytest before 7.1 has no such method: cut at the working directory instead (conftest.py
        # files above the project are then not loaded either).
        namespace = getattr(early_config, "known_args_namespace", None)
        if namespace is not None:
            namespace.confcutdir = os.getcwd()
        return

    def is_in_confcutdir(path):
        return original(path) and os.path.realpath(str(path)) not in skipped

    manager._is_in_confcutdir = is_in_confcutdir


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """As a plugin of its own (`mutrun verify`): only the copies' conftest.py files load."""
    only_copied_conftests(early_config)
    yield
