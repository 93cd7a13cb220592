"""mutrun's trampoline dispatch, imported by every rewritten module as `_mutrun_rt`.

A trampoline's first statement is

    if _mutrun_rt.active is not None and _mutrun_rt.hit(KEY): return TABLE[_mutrun_rt.variant](...)

so with no mutant active a call costs one global load and one `is not None` test. `active` and
`variant` are set once: from MUTANT_UNDER_TEST when this module is imported (fresh processes,
stats pass, test commands) or by `activate()` in a forked worker child. See ARCHITECTURE.md.
"""

import os
import sys

# None: nothing to do (the fast path). Otherwise one of the mode strings below.
active = None
# The active mutant's number: the index into a trampoline's variant table.
variant = 0

# Names from mutrun_protocol, copied rather than imported: every Python process that imports a
# trampolined module pays for this module's import. The Rust protocol test checks each copy.
_ENV_MUTANT = "MUTANT_UNDER_TEST"  # mutrun_protocol.ENV_MUTANT
_ENV_SUBPROCESS_HITS = "MUTRUN_SUBPROCESS_HITS"  # mutrun_protocol.ENV_SUBPROCESS_HITS
_ENV_MAX_STACK_DEPTH = "MUTRUN_MAX_STACK_DEPTH"  # mutrun_protocol.ENV_MAX_STACK_DEPTH
_ENV_SOURCE_ROOTS = "MUTRUN_SOURCE_ROOTS"  # mutrun_protocol.ENV_SOURCE_ROOTS
_HITS_EXTENSION = "hits"  # mutrun_protocol.HITS_EXTENSION
_ENV_LINES = "MUTRUN_LINES"  # mutrun_protocol.ENV_LINES
_LINES_ON = "1"  # mutrun_protocol.LINES_ON
_LINES_EXTENSION = "lines"  # mutrun_protocol.LINES_EXTENSION
_STATS = "stats"  # mutrun_protocol.MUTANT_STATS
_FAIL = "fail"  # mutrun_protocol.MUTANT_FORCED_FAIL
_MUTANT = "mutant"
_STAGE = "stage"  # a zygote's stage: originals run until _target_key's first call

_target_key = None  # function key of the active mutant
_target_is_body = True  # False when the active mutant only changes a default value
_tables = {}  # function key -> variant table (None, variant 1, variant 2, ...)
_owned = {}  # function key -> the function object whose defaults a Defaults mutant replaces
_hits = set()  # stats mode: keys of the trampolines reached, swapped per test by the plugin
_max_depth = None  # stats mode, max_stack_depth: frames of project code a hit may be under
_source_roots = ()  # with _max_depth: the project code's paths, each ending in a separator
_in_source = {}  # with _max_depth: code file name -> is it project code?
_forced_raises = 0  # forced-fail mode: how many times a trampoline raised
# Stats mode with line recording on Python 3.9-3.11: called as a trampolined function starts, to
# record its lines (mutrun_lines.Lines.enter_call).
_on_stats_call = None
# A zygote's stage (`stage`): called at the first call of `_target_key`; returns only in a child
# that activated a mutant of it.
_on_stage_reached = None


class MutrunForcedFail(Exception):
    """Raised by every trampoline in the forced-fail pass."""


class Defaults:
    """A variant that changes default values: the source of the full `__defaults__` tuple and
    `__kwdefaults__` dict, evaluated in the `def`'s own scope only when the mutant is activated
    (a mutated default may raise or have side effects; with a plain patch that happens at import,
    so an error here fails the mutant's first test)."""

    __slots__ = ("positional_source", "keyword_source", "globals", "locals")

    def __init__(self, positional_source, keyword_source, globals_, locals_):
        self.positional_source = positional_source
        self.keyword_source = keyword_source
        self.globals = globals_
        self.locals = locals_

    def evaluate(self):
        positional = eval(self.positional_source, self.globals, self.locals)
        keyword = eval(self.keyword_source, self.globals, self.locals)
        return positional, keyword


def hit(key):
    """Called by a trampoline when `active` is set: True when it must call the variant."""
    if active is _MUTANT:
        return key == _target_key and _target_is_body
    if active is _STATS:
        if _max_depth is None or _within_depth():
            _hits.add(key)
        if _on_stats_call is not None:
            _on_stats_call()
        return False
    if active is _STAGE:
        if key != _target_key:
            return False
        _on_stage_reached()
        return active is _MUTANT and hit(key)
    global _forced_raises
    _forced_raises += 1
    raise MutrunForcedFail("mutrun forced-fail pass: %s was called" % key)


def _within_depth():
    """max_stack_depth, as mutmut counts it: the frames of project code from the trampolined
    function up to the test (the first pytest or unittest frame outside it) are at most
    `_max_depth`."""
    frame = sys._getframe(2)  # 0: this function, 1: hit(), 2: the trampolined function
    budget = _max_depth
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = _in_source.get(filename)
        if inside is None:
            real = os.path.realpath(filename)
            inside = _in_source[filename] = real.startswith(_source_roots)
        if inside:
            budget -= 1
            if budget < 0:
                return False
        elif "pytest" in filename or "unittest" in filename:
            return True
        frame = frame.f_back
    return True


def _read_depth_limit():
    global _max_depth, _source_roots
    depth = os.environ.get(_ENV_MAX_STACK_DEPTH)
    if not depth:
        return
    _max_depth = int(depth)
    roots = os.environ.get(_ENV_SOURCE_ROOTS, "")
    _source_roots = tuple(
        os.path.realpath(root) + ("" if root.endswith(".py") else os.sep) for root in roots.split(os.pathsep) if root
    )


def variants(key, name, qualname, table):
    """Registers a function's variant table; renames each variant to the original's name."""
    for entry in table:
        if entry is not None and not isinstance(entry, Defaults):
            _rename(entry, name, qualname)
    _tables[key] = table
    if key == _target_key:
        _refresh_target()
    return table


def own(key):
    """Decorator (innermost) on a function that has default-value mutants; returns it unchanged."""

    def register(function):
        _owned[key] = (function, function.__defaults__, function.__kwdefaults__)
        if key == _target_key:
            _refresh_target()
        return function

    return register


def activate(mutant_id):
    """Selects what trampolines do from now on: a mutant id, "fail", "stats" or None."""
    global active, variant, _target_key, _target_is_body
    _restore_defaults()
    _target_key = None
    _target_is_body = True
    variant = 0
    if not mutant_id:
        active = None
    elif mutant_id == _FAIL:
        active = _FAIL
    elif mutant_id == _STATS:
        active = _STATS
    else:
        key, _, number = mutant_id.rpartition(":")
        try:
            variant = int(number)
        except ValueError:
            raise ValueError("%s=%r is not a mutant id (module.function:N)" % (_ENV_MUTANT, mutant_id))
        _target_key = key
        active = _MUTANT
        _refresh_target()


def stage(key, on_reached):
    """A zygote's stage for the function `key`: the original code runs, as with no mutant, until
    `key` is first called; then `on_reached()`, which returns only in a forked child that
    activated a mutant of it (the call then goes to that mutant's variant)."""
    global active, _target_key, _on_stage_reached
    activate(None)
    _target_key = key
    _on_stage_reached = on_reached
    active = _STAGE


def body_variant(mutant_id):
    """Whether `mutant_id` is a variant of its function's body, not of its default values, which
    the `def` evaluated before any call (its function's module must be imported)."""
    key, _, number = mutant_id.rpartition(":")
    table = _tables.get(key)
    try:
        entry = table[int(number)] if table is not None else None
    except (ValueError, IndexError):
        return False
    return entry is not None and not isinstance(entry, Defaults)


def _refresh_target():
    """Applies the active mutant to its function once both are known (import order varies)."""
    global _target_is_body
    table = _tables.get(_target_key)
    if table is None or variant >= len(table):
        return
    entry = table[variant]
    _target_is_body = not isinstance(entry, Defaults)
    owned = _owned.get(_target_key)
    if owned is not None and not _target_is_body:
        positional, keyword = entry.evaluate()
        function = owned[0]
        function.__defaults__ = positional or None
        function.__kwdefaults__ = dict(keyword) or None


def _restore_defaults():
    owned = _owned.get(_target_key) if _target_key else None
    if owned is not None:
        function, positional, keyword = owned
        function.__defaults__ = positional
        function.__kwdefaults__ = keyword


def _rename(function, name, qualname):
    function.__name__ = name
    function.__qualname__ = qualname
    code = function.__code__
    try:
        function.__code__ = code.replace(co_name=name, co_qualname=qualname)
    except TypeError:  # Python < 3.11 has no co_qualname
        function.__code__ = code.replace(co_name=name)


# Stats mode in a Python subprocess a test started: the stats plugin's process points this at a
# folder, and the hits of this process (and, with line recording, the lines of the mutated files
# it ran) are left there at exit for the plugin to add to the test that started it. The plugin's
# own process sets it to None.
_subprocess_hits = os.environ.get(_ENV_SUBPROCESS_HITS)
_lines = None  # that subprocess's line recorder (mutrun_lines.Lines)


def _leave_hits():
    if active is not _STATS or not _subprocess_hits:
        return
    if _lines is not None:
        _lines.leave(os.path.join(_subprocess_hits, "%d.%s" % (os.getpid(), _LINES_EXTENSION)))
    if not _hits:
        return
    path = os.path.join(_subprocess_hits, "%d.%s" % (os.getpid(), _HITS_EXTENSION))
    try:
        with open(path + ".tmp", "w") as f:
            f.write("\n".join(sorted(_hits)))
        os.replace(path + ".tmp", path)
    except OSError:
        pass


activate(os.environ.get(_ENV_MUTANT))
if active is _STATS:
    _read_depth_limit()
if active is _STATS and _subprocess_hits:
    import atexit

    if os.environ.get(_ENV_LINES) == _LINES_ON:
        import mutrun_lines

        # The hits folder is mutants/.mutrun/subprocess-hits.
        _lines = mutrun_lines.Lines(os.path.dirname(os.path.dirname(_subprocess_hits)), sys.modules[__name__])
    atexit.register(_leave_hits)
