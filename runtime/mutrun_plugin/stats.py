"""The stats pass (MODE_STATS): one plain run of the suite with every trampoline recording; writes,
per test, its duration, outcome and the trampolines it reached (in setup, call and teardown, and
through the session and module fixtures it uses), with ENV_LINES the lines of the mutated files it
executed (charged the same way), and what ran at import and collection."""

import json
import os
import sys

import pytest

import mutrun_protocol as P
import mutrun_runtime
from mutrun_plugin import common
from mutrun_plugin.common import first_error_lines, report_own_file_error, write_own_file
from mutrun_lines import Lines, ranges

# The line every trampolined module starts with (generate/trampoline.rs writes it).
_TRAMPOLINE_IMPORT = ("import %s as %s" % (P.RUNTIME_MODULE, P.RUNTIME_ALIAS)).encode()


# Started by `start_lines_early` when the plugin is imported (before the conftests, and so before
# the project's modules are imported), taken over by `Stats`.
_early_lines = None


def _mutants_dir(out_path):
    return os.path.dirname(os.path.dirname(os.path.abspath(out_path)))


def start_lines_early():
    """Line recording from now on (ENV_LINES): the lines that run at import and collection form
    the first window, before any test (`Stats.collection_lines`). A mutant none of whose lines
    ran there changed nothing a forked child inherits."""
    global _early_lines
    if os.environ.get(P.ENV_LINES) == P.LINES_ON and P.ENV_STATS_OUT in os.environ:
        _early_lines = Lines(_mutants_dir(os.environ[P.ENV_STATS_OUT]), mutrun_runtime)


class Stats:
    """The stats pass: per test, its duration, outcome and the trampolines it reached."""

    def __init__(self, out_path):
        self.out_path = out_path
        self.collect_errors = []
        # Keep what the runtime recorded before this plugin was configured (modules that
        # conftest.py files imported, and the functions they ran at import), and go on recording
        # through collection, noting which test file each hit came from.
        self.collecting = None  # absolute path of the test module being collected
        self.collection_hits = CollectionHits(mutrun_runtime._hits, self)
        mutrun_runtime._hits = self.collection_hits
        # Python subprocesses the tests start (with MUTANT_UNDER_TEST=stats) leave their hits
        # here at exit; each test takes those that arrived while it ran.
        self.subprocess_hits = os.path.join(os.path.dirname(os.path.abspath(out_path)), "subprocess-hits")
        try:
            os.makedirs(self.subprocess_hits, exist_ok=True)
        except OSError as error:
            report_own_file_error(self.subprocess_hits, error)
            raise
        os.environ[P.ENV_SUBPROCESS_HITS] = self.subprocess_hits
        mutrun_runtime._subprocess_hits = None
        self.tests = []
        self.fixture_hits = {}
        self.current = None
        # Line selection and `mutate_only_covered_lines`: the lines of the mutated files that run,
        # from here on; per test (aligned with self.tests) and per fixture definition.
        self.lines = None
        self.collection_lines = None  # the first window: what ran before the first test
        self.test_lines = []
        self.fixture_lines = {}
        self.subprocess_code = []  # (relative file, line) holding code, from subprocesses
        self.subprocess_executed = []  # (relative file, line) executed in subprocesses
        if os.environ.get(P.ENV_LINES) == P.LINES_ON:
            self.lines = _early_lines or Lines(self.mutants_dir(), mutrun_runtime)
        else:
            # Lines of an earlier pass would not describe these stats.
            try:
                os.remove(os.path.join(os.path.dirname(os.path.abspath(out_path)), P.LINES_FILE))
            except OSError:
                pass

    def mutants_dir(self):
        return _mutants_dir(self.out_path)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.current = {P.ID: item.nodeid, P.DURATION: 0.0, P.OUTCOME: P.OUTCOME_PASSED, "hits": set()}
        mutrun_runtime._hits = self.current["hits"]
        lines = set()
        if self.lines is not None:
            before = self.lines.swap(lines)
            if self.collection_lines is None:
                self.collection_lines = before
        yield
        test = self.current
        test["hits"] |= self._take_subprocess_hits()
        for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
            for fixturedef in fixturedefs:
                test["hits"] |= self.fixture_hits.get(fixturedef, set())
                lines |= self.fixture_lines.get(fixturedef, set())
        if self.lines is not None:
            # Lines between tests (session teardown, plugins) are nobody's, as hits are.
            self.lines.swap(set())
            lines |= self._take_subprocess_lines()
            self.test_lines.append(lines)
        self.tests.append(
            {
                P.ID: test[P.ID],
                P.DURATION: round(test[P.DURATION], 6),
                P.OUTCOME: test[P.OUTCOME],
                P.FUNCTIONS: sorted(test["hits"]),
                P.SHA256: _test_source_hash(item),
            }
        )
        self.current = None
        # Hits between tests (session teardown, plugins) are nobody's; drop them.
        mutrun_runtime._hits = set()

    def _take_subprocess_lines(self):
        """The lines subprocesses left since the last test, as (absolute file name, line)."""
        executed = set()
        for path in self._subprocess_files(P.LINES_EXTENSION):
            try:
                with open(path) as f:
                    record = json.load(f)
                os.remove(path)
            except (OSError, ValueError):
                continue
            for name, entry in record.items():
                filename = os.path.join(self.lines.here, name)
                executed.update((filename, line) for line in entry.get(P.EXECUTED, ()))
                self.subprocess_executed.extend((name, line) for line in entry.get(P.EXECUTED, ()))
                self.subprocess_code.extend((name, line) for line in entry.get(P.CODE, ()))
        return executed

    def _subprocess_files(self, extension):
        try:
            names = [n for n in os.listdir(self.subprocess_hits) if n.endswith("." + extension)]
        except OSError:
            return []
        return [os.path.join(self.subprocess_hits, name) for name in names]

    def _take_subprocess_hits(self):
        hits = set()
        for path in self._subprocess_files(P.HITS_EXTENSION):
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
        inner_lines = set()
        outer_lines = self.lines.swap(inner_lines) if self.lines is not None else None
        try:
            yield
        finally:
            mutrun_runtime._hits = outer
            outer |= inner
            # A session/module fixture runs once but serves many tests: remember what it reached.
            self.fixture_hits.setdefault(fixturedef, set()).update(inner)
            if self.lines is not None:
                self.lines.swap(outer_lines, rearm=False)
                outer_lines |= inner_lines
                self.fixture_lines.setdefault(fixturedef, set()).update(inner_lines)

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
                {P.WHERE: report.nodeid or "<session>", P.MESSAGE: first_error_lines(report, 25)}
            )

    def pytest_runtest_logreport(self, report):
        if self.current is None or report.nodeid != self.current[P.ID]:
            return
        self.current[P.DURATION] += report.duration
        if report.failed:
            self.current[P.OUTCOME] = P.OUTCOME_FAILED
        elif report.skipped and self.current[P.OUTCOME] == P.OUTCOME_PASSED:
            self.current[P.OUTCOME] = P.OUTCOME_SKIPPED

    def pytest_sessionfinish(self, session):
        root = str(session.config.rootpath)
        data = {
            P.FORMAT: 1,
            P.PYTHON: "%d.%d.%d" % sys.version_info[:3],
            P.TESTS: self.tests,
            P.COLLECTION_HITS: sorted(self.collection_hits),
            P.COLLECTION_HIT_FILES: self.collection_hits.files_relative_to(root),
            P.COLLECT_ERRORS: self.collect_errors,
            P.SHADOWED: _shadowed_modules(self.mutants_dir()),
            P.PRELOAD: _modules_from_outside(self.mutants_dir()),
            P.REGEXES: common.cached_regexes(),
        }
        if self.lines is not None:
            self.lines.stop()
            self._take_subprocess_lines()
            record = self.lines.record(self.subprocess_executed)
            for name, line in self.subprocess_code:
                record.setdefault(name, {P.EXECUTED: [], P.CODE: []})[P.CODE].append(line)
            for entry in record.values():
                entry[P.CODE] = sorted(set(entry[P.CODE]))
            data[P.TRACED] = self._traced(record)
            lines_path = os.path.join(os.path.dirname(os.path.abspath(self.out_path)), P.LINES_FILE)
            if not write_own_file(lines_path, json.dumps(record)):
                return
        write_own_file(self.out_path, json.dumps(data))


    def _traced(self, record):
        """Per test, the lines it executed, in the trampolined files' numbering (mutrun maps
        them to the sources' and stores them as each test's `lines`): the files, the lines
        holding code of each, per test (in TESTS order) [[file index, ranges], ...], and the
        same for what ran before the first test (COLLECTION)."""
        files = sorted(record)
        index = {name: i for i, name in enumerate(files)}
        names = {}

        def by_file(lines):
            found = {}
            for filename, line in lines:
                name = names.get(filename)
                if name is None:
                    name = names[filename] = self.lines.relative(filename)
                found.setdefault(name, set()).add(line)
            return sorted([index[name], ranges(ls)] for name, ls in found.items() if name in index)

        return {
            P.FILES: files,
            P.CODE: [[i, ranges(record[name][P.CODE])] for i, name in enumerate(files)],
            P.TESTS: [by_file(lines) for lines in self.test_lines],
            P.COLLECTION: by_file(self.collection_lines or ()),
            P.WITHIN_CALLS: self.lines.within_calls,
        }


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


def _modules_from_outside(mutants_dir):
    """The loaded modules whose files lie outside the project (the standard library, installed
    packages; not mutrun's own), in load order: what a zygote may import before it forks."""
    found = []
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if not isinstance(origin, str) or name == "__main__" or name.startswith("mutrun"):
            continue
        if not common.in_project(origin, mutants_dir):
            found.append(name)
    return found


def _is_trampolined(path):
    try:
        with open(path, "rb") as f:
            return _TRAMPOLINE_IMPORT in f.read()
    except OSError:
        return False


class CollectionHits(set):
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
