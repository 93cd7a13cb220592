"""The names mutrun's binary and this runtime share: environment variables, special values, modes,
module and file names, and the keys of every message and file that crosses between them.

The binary declares the same in src/execute/protocol.rs; a Rust test parses this file and fails
when the two disagree. So keep to two kinds of line: a name bound to a string literal, and a name
bound to a one-line tuple of such names (the keys of one message, compared with the Rust type's).
Every runtime file reads its names from here, but mutrun_runtime, which copies the few it needs
(its import is a cost every Python process pays) and is checked by the same test.
"""

# Environment variables.
ENV_MUTANT = "MUTANT_UNDER_TEST"
ENV_MODE = "MUTRUN_MODE"
ENV_TESTS = "MUTRUN_TESTS"
ENV_RESULT = "MUTRUN_RESULT"
ENV_STATS_OUT = "MUTRUN_STATS_OUT"
ENV_LINES = "MUTRUN_LINES"
ENV_SUBPROCESS_HITS = "MUTRUN_SUBPROCESS_HITS"
ENV_MAX_STACK_DEPTH = "MUTRUN_MAX_STACK_DEPTH"
ENV_SOURCE_ROOTS = "MUTRUN_SOURCE_ROOTS"
ENV_MEMORY_LIMIT_MB = "MUTRUN_MEMORY_LIMIT_MB"
ENV_CHILD_STDERR = "MUTRUN_CHILD_STDERR"

# Values: of ENV_MUTANT (or a request's mutant) besides a mutant id, and of ENV_LINES.
MUTANT_STATS = "stats"
MUTANT_FORCED_FAIL = "fail"
LINES_ON = "1"

# Modes: the values of ENV_MODE.
MODE_STATS = "stats"
MODE_WORKER = "worker"
MODE_ZYGOTE = "zygote"
MODE_FRESH = "fresh"

# Modules and files.
PLUGIN_MODULE = "mutrun_plugin"
ISOLATION_PLUGIN = "mutrun_plugin.isolation"
RUNTIME_MODULE = "mutrun_runtime"
RUNTIME_ALIAS = "_mutrun_rt"
STATS_FILE = "stats.json"
LINES_FILE = "lines.json"
HITS_EXTENSION = "hits"
LINES_EXTENSION = "lines"
OWN_FILE_ERROR = "mutrun-own-file-error:"
OUTCOME_FAILED = "failed"
OUTCOME_PASSED = "passed"
OUTCOME_SKIPPED = "skipped"

# Message keys.
EVENT = "event"
ID = "id"
MUTANT = "mutant"
TESTS = "tests"
STOP_ON_FAILURE = "stop_on_failure"
RECOLLECT = "recollect"
PREIMPORTED = "preimported"
ERRORS = "errors"
WHERE = "where"
MESSAGE = "message"
PID = "pid"
INDEX = "index"
EXIT_CODE = "exit_code"
SIGNAL = "signal"
RESULT = "result"
SECONDS = "seconds"
CPU_SECONDS = "cpu_seconds"
RAN = "ran"
FAILED = "failed"
UNKNOWN = "unknown"
FORCED_RAISES = "forced_raises"
STDERR = "stderr"
PHASES = "phases"
# A worker's child adds this to its result (the monotonic times it started, entered, collected
# and ran its tests); the worker takes it out and sends PHASES instead.
CHILD_TIMES = "child_times"
FORK = "fork"
ENTER = "enter"
COLLECT = "collect"
PHASE_TESTS = "tests"
REPORT = "report"
REAP = "reap"
TEST = "test"
WHEN = "when"
OUT_OF_MEMORY = "out_of_memory"
PATH = "path"
ERRNO = "errno"
ERROR = "error"

# The values of EVENT.
EVENT_READY = "ready"
EVENT_COLLECT_ERROR = "collect_error"
EVENT_STARTED = "started"
EVENT_DONE = "done"
EVENT_PROGRESS = "progress"

# Requests (one JSON line on a worker's or zygote's stdin) and events (one on its stdout).
REQUEST_KEYS = (ID, MUTANT, TESTS, STOP_ON_FAILURE, RECOLLECT)
READY_KEYS = (EVENT, TESTS, PREIMPORTED)
COLLECT_ERROR_KEYS = (EVENT, ERRORS)
STARTED_KEYS = (EVENT, ID, PID)
# A forked child starts the test at INDEX of its request's TESTS (sent by the child itself).
PROGRESS_KEYS = (EVENT, ID, INDEX)
DONE_KEYS = (EVENT, ID, EXIT_CODE, SIGNAL, RESULT, SECONDS, CPU_SECONDS, STDERR, PHASES)
# Where a forked child's SECONDS went (done's PHASES).
PHASES_KEYS = (FORK, ENTER, COLLECT, PHASE_TESTS, REPORT, REAP)
# A child's result (done's RESULT, or the file ENV_RESULT names), one failure in it, and one
# collection error (in collect_error's ERRORS and in stats.json).
RESULT_KEYS = (RAN, FAILED, UNKNOWN, FORCED_RAISES)
FAILURE_KEYS = (TEST, WHEN, MESSAGE, OUT_OF_MEMORY)
ERROR_KEYS = (WHERE, MESSAGE)
# A file of its own a test process could not write: the line OWN_FILE_ERROR + this as JSON on its
# stderr.
OWN_FILE_ERROR_KEYS = (PATH, ERRNO, ERROR)

# stats.json (written in stats mode), one test in it, one file of lines.json, and the lines each
# test executed.
FORMAT = "format"
PYTHON = "python"
COLLECTION_HITS = "collection_hits"
COLLECTION_HIT_FILES = "collection_hit_files"
COLLECT_ERRORS = "collect_errors"
SHADOWED = "shadowed"
PRELOAD = "preload"
REGEXES = "regexes"
DURATION = "duration"
OUTCOME = "outcome"
FUNCTIONS = "functions"
SHA256 = "sha256"
EXECUTED = "executed"
CODE = "code"
TRACED = "traced"
FILES = "files"
COLLECTION = "collection"
WITHIN_CALLS = "within_calls"
STATS_KEYS = (FORMAT, PYTHON, TESTS, COLLECTION_HITS, COLLECTION_HIT_FILES, COLLECT_ERRORS, SHADOWED, PRELOAD, REGEXES, TRACED)
TEST_STATS_KEYS = (ID, DURATION, OUTCOME, FUNCTIONS, SHA256)
LINES_KEYS = (EXECUTED, CODE)
# stats.json's TRACED: the lines each test executed, and those that ran before the first test
# (COLLECTION: imports, conftests, collection), in the trampolined files' numbering; WITHIN_CALLS:
# lines were recorded only while trampolined functions ran (Python 3.9-3.11).
TRACED_KEYS = (FILES, CODE, TESTS, COLLECTION, WITHIN_CALLS)
