"""`mutate_only_covered_lines`: which lines of the mutated files run during the stats pass."""

import os
import sys

import mutrun_protocol as P


class Lines:
    """Records which lines of the mutated files (those with a `.meta` beside them) execute, and
    which lines hold code of the code objects that started (a line of a function that ran but
    absent here has no instruction of its own: a folded constant, a continuation line).
    sys.monitoring on 3.12+ (each location reports once, then is disabled), else a sys.settrace
    tracer that traces only frames of those files. The stats pass runs once, so this costs once."""

    def __init__(self, mutants_dir):
        self.root = os.path.realpath(mutants_dir) + os.sep
        self.executed = {}
        self.code = {}
        self.seen = set()
        self.wanted = {}
        self.tool = None
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            free = [i for i in range(6) if monitoring.get_tool(i) is None and i != monitoring.COVERAGE_ID]
            if free:
                self.tool = free[-1]
                events = monitoring.events
                monitoring.use_tool_id(self.tool, "mutrun-lines")
                monitoring.register_callback(self.tool, events.LINE, self._on_line)
                monitoring.register_callback(self.tool, events.PY_START, self._on_start)
                monitoring.set_events(self.tool, events.LINE | events.PY_START)
                return
        import threading

        sys.settrace(self._on_call)
        threading.settrace(self._on_call)

    def _want(self, filename):
        wanted = self.wanted.get(filename)
        if wanted is None:
            real = os.path.realpath(filename)
            wanted = real.startswith(self.root) and os.path.exists(real + ".meta")
            self.wanted[filename] = wanted
        return wanted

    def _code_started(self, code):
        if id(code) in self.seen:
            return
        self.seen.add(id(code))
        lines = self.code.setdefault(code.co_filename, set())
        lines.update(line for _, _, line in code.co_lines() if line is not None)

    def _on_start(self, code, offset):
        if self._want(code.co_filename):
            self._code_started(code)
        return sys.monitoring.DISABLE

    def _on_line(self, code, line):
        if self._want(code.co_filename):
            self.executed.setdefault(code.co_filename, set()).add(line)
        return sys.monitoring.DISABLE

    def _on_call(self, frame, event, arg):
        if self._want(frame.f_code.co_filename):
            self._code_started(frame.f_code)
            return self._on_local
        return None

    def _on_local(self, frame, event, arg):
        if event == "line":
            self.executed.setdefault(frame.f_code.co_filename, set()).add(frame.f_lineno)
        return self._on_local

    def stop(self, mutants_dir):
        """{file relative to mutants/, with /: {"executed": [lines], "code": [lines]}}"""
        if self.tool is not None:
            sys.monitoring.set_events(self.tool, 0)
            sys.monitoring.free_tool_id(self.tool)
        else:
            sys.settrace(None)
        here = os.path.realpath(mutants_dir)
        out = {}
        for name in set(self.executed) | set(self.code):
            relative = os.path.relpath(os.path.realpath(name), here).replace(os.sep, "/")
            entry = out.setdefault(relative, {P.EXECUTED: set(), P.CODE: set()})
            entry[P.EXECUTED] |= self.executed.get(name, set())
            entry[P.CODE] |= self.code.get(name, set())
        return {k: {P.EXECUTED: sorted(v[P.EXECUTED]), P.CODE: sorted(v[P.CODE])} for k, v in out.items()}
