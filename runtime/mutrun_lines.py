"""Which lines of the mutated files run during the stats pass: per window (a test, a fixture's
setup, collection, the time between tests) for line-level test selection, and all windows
together for `mutate_only_covered_lines` (lines.json).

Only functions' code of the mutated files (those with a `.meta` beside them under mutants/) is
traced: mutants live in functions, and a module or class body (code without CO_NEWLOCALS) runs
at import, where lines are nobody's; a trampolined module body is long (every variant's `def`),
and tracing it made each import of it cost tenths of a second.
- Python 3.12+: sys.monitoring. PY_START is a global event that every code object reports once
  (then DISABLE); a mutated file's code object gets local LINE events. Each line reports once
  (DISABLE) until the next window opens: opening one re-arms the code objects that reported
  (their local LINE events off and on again), so the rest of the suite never calls back here and
  a mutated line costs one call per window it runs in.
- Python 3.9-3.11: sys.settrace, switched on only while a trampolined function runs: its
  trampoline calls `enter_call` (mutrun_runtime's `_on_stats_call`), which traces that frame and
  turns the trace function on until the frame returns. So the suite's own code (pytest, the
  tests, libraries they call directly) never calls back here; within a call, frames of other
  files get None and the mutated files' frames a local tracer. Code that runs after its
  function's call returned (a generator resumed later, a closure, a generator expression: the
  mutants whose `only_in_call` is false) may go unrecorded; `within_calls` in TRACED tells mutrun
  to choose their tests by function.

A window is a set of (file name, line) the plugin hands over with `swap`; a line that ran in a
nested window (a fixture set up inside a test) is in the nested set only, and the plugin adds
the nested set to the outer one (as it does with trampoline hits).

Also imported by mutrun_runtime in a Python subprocess a test starts (stats mode): it records
one window for the whole process and leaves it beside the hits file at exit (`leave`).
"""

import json
import os
import sys

import mutrun_protocol as P

# inspect.CO_NEWLOCALS, without importing inspect: set on functions' code, not on module or class
# bodies.
_CO_NEWLOCALS = 0x2


class Lines:
    def __init__(self, mutants_dir, runtime):
        """`runtime`: the mutrun_runtime module, whose trampolines call `enter_call` (3.9-3.11)."""
        self.here = os.path.realpath(mutants_dir)
        self.root = self.here + os.sep
        self.wanted = {}  # co_filename -> is it a mutated file?
        self.code = {}  # co_filename -> lines holding code of a code object that started
        self.started = set()  # code objects whose code lines are known (3.9-3.11)
        self.current = set()  # the open window: (co_filename, line)
        self.windows = [self.current]  # every window, for the overall executed lines
        self.dirty = set()  # 3.12+: code objects with a LINE event disabled since the last re-arm
        self.tool = None
        self.within_calls = False  # lines are recorded only within trampolined calls
        self.enter_call = None
        self.runtime = runtime
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            free = [i for i in range(6) if monitoring.get_tool(i) is None and i != monitoring.COVERAGE_ID]
            if free:
                self.tool = free[-1]
                self.monitoring = monitoring
                self.line_event = monitoring.events.LINE
                self.disable = monitoring.DISABLE
                monitoring.use_tool_id(self.tool, "mutrun-lines")
                monitoring.register_callback(self.tool, monitoring.events.LINE, self._on_line)
                monitoring.register_callback(self.tool, monitoring.events.PY_START, self._on_start)
                monitoring.set_events(self.tool, monitoring.events.PY_START)
                return
        self.within_calls = True
        self.enter_call = self._tracer()
        runtime._on_stats_call = self.enter_call

    def swap(self, window, rearm=True):
        """Makes `window` (a set) the open window and returns the one it replaces. `rearm`: every
        line reports again (a new window); without it (back to an outer window after a nested
        one) lines that reported in the nested window stay quiet, and the plugin adds the nested
        window's lines to the outer one."""
        previous = self.current
        if rearm:
            self._rearm()
            self.windows.append(window)
        self.current = window
        return previous

    def _rearm(self):
        if self.tool is None or not self.dirty:
            return
        set_local = self.monitoring.set_local_events
        for code in self.dirty:
            try:
                set_local(self.tool, code, 0)
                set_local(self.tool, code, self.line_event)
            except ValueError:
                pass
        self.dirty.clear()

    def _want(self, filename):
        wanted = self.wanted.get(filename)
        if wanted is None:
            real = os.path.realpath(filename)
            wanted = real.startswith(self.root) and os.path.exists(real + ".meta")
            self.wanted[filename] = wanted
        return wanted

    def _code_started(self, code):
        lines = self.code.setdefault(code.co_filename, set())
        if hasattr(code, "co_lines"):
            lines.update(line for _, _, line in code.co_lines() if line is not None)
        else:  # Python 3.9
            import dis

            lines.update(line for _, line in dis.findlinestarts(code) if line is not None)

    # sys.monitoring (3.12+)
    def _on_start(self, code, offset):
        if code.co_flags & _CO_NEWLOCALS and self._want(code.co_filename):
            self._code_started(code)
            try:
                self.monitoring.set_local_events(self.tool, code, self.line_event)
            except ValueError:
                pass
        return self.disable

    def _on_line(self, code, line):
        self.current.add((code.co_filename, line))
        self.dirty.add(code)
        return self.disable

    # sys.settrace (3.9-3.11): called for every frame within a trampolined call, so closures over
    # locals rather than attribute lookups.
    def _tracer(self):
        wanted = self.wanted
        want = self._want
        started = self.started
        code_started = self._code_started
        recorder = self
        settrace = sys.settrace
        gettrace = sys.gettrace
        getframe = sys._getframe
        # The outermost trampolined frame of each thread's traced call -> the trace function it
        # replaced, restored when that frame returns (or yields: a generator resumed later runs
        # untraced, see the module's doc).
        outermost = {}
        absent = object()

        def on_line(frame, event, arg):
            if event == "line":
                recorder.current.add((frame.f_code.co_filename, frame.f_lineno))
            elif event == "return" and outermost:
                previous = outermost.pop(frame, absent)
                if previous is not absent:
                    settrace(previous)
            return on_line

        def on_call(frame, event, arg):
            code = frame.f_code
            if not code.co_flags & _CO_NEWLOCALS:
                return None
            mutated = wanted.get(code.co_filename)
            if mutated is None:
                mutated = want(code.co_filename)
            if not mutated:
                return None
            if code not in started:
                started.add(code)
                code_started(code)
            return on_line

        def enter_call():
            """A trampolined function starts (called through the runtime's `hit`): trace its
            frame, and every frame it calls, until it returns."""
            previous = gettrace()
            if previous is on_call:
                return
            frame = getframe(2)  # 0: this function, 1: the runtime's hit(), 2: the function
            if on_call(frame, "call", None) is None:
                return
            outermost[frame] = previous
            frame.f_trace = on_line
            settrace(on_call)

        return enter_call

    def stop(self):
        if self.tool is not None:
            self.monitoring.set_events(self.tool, 0)
            for code in self.dirty:
                try:
                    self.monitoring.set_local_events(self.tool, code, 0)
                except ValueError:
                    pass
            self.monitoring.free_tool_id(self.tool)
            self.tool = None
        elif self.runtime._on_stats_call is self.enter_call:
            self.runtime._on_stats_call = None
            sys.settrace(None)

    def relative(self, filename):
        """`filename` relative to mutants/, with `/`."""
        return os.path.relpath(os.path.realpath(filename), self.here).replace(os.sep, "/")

    def record(self, extra_executed=()):
        """{file relative to mutants/: {"executed": [lines], "code": [lines]}}: every window, and
        `extra_executed` (pairs of relative file and line, from subprocesses)."""
        out = {}
        for filename, lines in self.code.items():
            out.setdefault(self.relative(filename), {P.EXECUTED: set(), P.CODE: set()})[P.CODE] |= lines
        names = {}
        for window in self.windows:
            for filename, line in window:
                name = names.get(filename)
                if name is None:
                    name = names[filename] = self.relative(filename)
                out.setdefault(name, {P.EXECUTED: set(), P.CODE: set()})[P.EXECUTED].add(line)
        for name, line in extra_executed:
            out.setdefault(name, {P.EXECUTED: set(), P.CODE: set()})[P.EXECUTED].add(line)
        return {k: {P.EXECUTED: sorted(v[P.EXECUTED]), P.CODE: sorted(v[P.CODE])} for k, v in out.items()}

    def leave(self, path):
        """A subprocess's lines, written at exit to `path` (lines.json's format)."""
        self.stop()
        try:
            with open(path + ".tmp", "w") as f:
                json.dump(self.record(), f)
            os.replace(path + ".tmp", path)
        except OSError:
            pass


def ranges(lines):
    """Sorted lines as flattened inclusive runs: [1, 2, 3, 7] -> [1, 3, 7, 7]."""
    out = []
    for line in sorted(lines):
        if out and line == out[-1] + 1:
            out[-1] = line
        else:
            out += [line, line]
    return out
