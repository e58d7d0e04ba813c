"""CPython's own ``concurrent.futures`` test suite (``Lib/test/test_concurrent_futures``),
run against ``torcpy.futures.TorcPoolExecutor``.

::

    TORCPY_WORKERS=2 python tests/conformance/run_cpython_futures.py
    TORCPY_WORKERS=1 mpirun --oversubscribe -np 3 python -m torcpy \\
        tests/conformance/run_cpython_futures.py
    python tests/conformance/run_cpython_futures.py --list    # no runtime, no torcpy needed

The suite is not copied here: it is imported at run time from the running interpreter's
``test`` package (``test.test_concurrent_futures``: one module on Python 3.9-3.11, a package
of modules on 3.12+). Where this interpreter was installed without it (pyenv and some
distributions leave parts of ``Lib/test`` out), the same suite of the same Python minor
version is looked for in ``$TORCPY_CPYTHON_TESTS`` (a ``Lib/test`` directory, or the
directory holding it), in the distribution's copy (Debian/Ubuntu:
``libpython3.X-testsuite`` installs ``/usr/lib/python3.X/test``; Fedora: ``python3-test``)
and in other pyenv installs of the same minor version. If it is nowhere, the program says
so and exits 2: it never passes without running the suite.

The only adaptation is ``TorcPoolMixin``: the suite's own ``ExecutorMixin`` naming
``TorcPoolExecutor`` as the executor type. It is combined, as the suite's
``create_executor_tests`` does for CPython's executors, with

* the suite's generic test classes (``GENERIC``: every test, inherited ones too);
* the suite's per-executor classes (``OWN_TESTS``: only the tests each defines itself, so
  that the generic ones do not run twice), where some tests are generic in substance and
  the rest are listed in ``EXCLUDED`` with the reason;

and ``FutureTests`` runs as it is (it needs no executor). Each excluded test is skipped with
its reason, so it shows in the output. ``EXCLUDED_MULTI_RANK`` adds the tests that only
cannot apply once tasks may run in another process (more than one rank). Every test class
of the suite must be accounted for: one this program does not know (a newer suite) fails
the run rather than being left out unseen.

The functions the suite submits are defined in the suite's modules, which this program
imports at module level: under ``python -m torcpy`` every rank imports it, so they unpickle
by reference on every rank.

Prints ``conformance: N run, F failures, E errors, S skipped`` last and exits 0 only when
every test that ran passed (1 on a failure or error, 2 when the suite cannot be run).
``--check-harness`` runs the same classes with CPython's ``ThreadPoolExecutor`` in place of
``TorcPoolExecutor``, to show that this program adds no failure of its own. README.md beside
this file lists the exclusions by Python version.
"""

import argparse
import faulthandler
import glob
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
import time
import traceback
import unittest

SUITE = "test.test_concurrent_futures"
#: A CPython ``Lib/test`` directory (or the directory holding it) to take the suite from.
ENV_DIR = "TORCPY_CPYTHON_TESTS"
#: Seconds one test may take before the whole run is stopped with every thread's stack.
TEST_TIMEOUT = float(os.environ.get("TORCPY_CONFORMANCE_TEST_TIMEOUT", "120"))
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"

# -- which of the suite's classes run, and how

#: Generic classes (executor-independent; the suite combines them with each executor's
#: mixin): every test they have, inherited ones too.
GENERIC = ["ExecutorTest", "WaitTests", "AsCompletedTests", "ExecutorShutdownTest",
           "InitializerMixin", "FailingInitializerMixin"]
#: Per-executor classes: only the tests defined in the class itself.
OWN_TESTS = ["ThreadPoolExecutorTest", "ThreadPoolWaitTests", "ThreadPoolShutdownTest",
             "ProcessPoolExecutorTest", "ProcessPoolShutdownTest", "ExecutorDeadlockTest"]
#: Run as they are: they need no executor.
AS_IS = ["FutureTests"]
#: The suite's executor mixins (the classes the generic ones are combined with).
SUITE_MIXINS = ["ThreadPoolMixin", "ProcessPoolForkMixin", "ProcessPoolForkserverMixin",
                "ProcessPoolSpawnMixin"]
#: Test classes of the suite that are not run at all, with the reason.
NOT_RUN = {
    "FailingInitializerResourcesTest":
        "checks ProcessPoolExecutor's multiprocessing resource tracker, through the suite's "
        "ProcessPoolSpawn/Forkserver classes: it takes no executor type",
}

# -- the tests that cannot apply, keyed "Class.test" (the suite's class defining the test)

_CHILD_IMPORT = (
    "runs a child interpreter (python -c) that does `from concurrent.futures import "
    "<executor_type.__name__>`: the executor is named inside concurrent.futures, where "
    "TorcPoolExecutor is not (interpreter-exit behaviour of a separate program)")
_THREADS = ("inspects ThreadPoolExecutor's worker threads (`executor._threads`), which a "
            "torcpy executor does not have: its workers are the job's, made at start-up")
_OWN_TPE = ("constructs concurrent.futures.ThreadPoolExecutor itself (not executor_type) and "
            "checks its threads")
_PROCESSES = ("ProcessPoolExecutor only: constructs futures.ProcessPoolExecutor itself or "
              "passes mp_context=, and inspects its worker processes (`_processes`, "
              "`_call_queue`, `_executor_manager_thread`)")
_MP_CONTEXT = ("ProcessPoolExecutor only: needs a multiprocessing start method "
               "(self.get_context(): fork/spawn/forkserver mp_context)")
_DEADLOCK = ("ProcessPoolExecutor only: builds the executor with mp_context= and checks that "
             "it survives a worker process that crashes, exits or fails to (un)pickle "
             "(BrokenProcessPool, `_processes`)")
_CLOSURE = ("the task is a closure appending to a list of the test: it cannot be pickled to "
            "run on another rank, and what it did there could not be seen by the test (it "
            "runs at 1 process)")

EXCLUDED = {
    # ExecutorShutdownTest (generic)
    "ExecutorShutdownTest.test_interpreter_shutdown": _CHILD_IMPORT,
    "ExecutorShutdownTest.test_submit_after_interpreter_shutdown": _CHILD_IMPORT,
    "ExecutorShutdownTest.test_hang_gh83386": _CHILD_IMPORT,
    # ThreadPoolShutdownTest
    "ThreadPoolShutdownTest.test_threads_terminate": _THREADS,
    "ThreadPoolShutdownTest.test_context_manager_shutdown": _OWN_TPE,
    "ThreadPoolShutdownTest.test_del_shutdown": _OWN_TPE,
    "ThreadPoolShutdownTest.test_shutdown_no_wait": _OWN_TPE,
    "ThreadPoolShutdownTest.test_thread_names_assigned":
        _OWN_TPE + " (thread_name_prefix: thread names)",
    "ThreadPoolShutdownTest.test_thread_names_default": _OWN_TPE + " (default thread names)",
    "ThreadPoolShutdownTest.test_cancel_futures_wait_false":
        "runs a child interpreter with concurrent.futures.ThreadPoolExecutor itself "
        "(interpreter exit after shutdown(wait=False, cancel_futures=True))",
    # ThreadPoolExecutorTest
    "ThreadPoolExecutorTest.test_default_workers":
        "checks ThreadPoolExecutor's default thread count (`_max_workers == min(32, "
        "cpu_count + 4)`); a torcpy executor's default is the job's worker count",
    "ThreadPoolExecutorTest.test_saturation": _THREADS + " (one thread per max_workers)",
    "ThreadPoolExecutorTest.test_idle_thread_reuse": _THREADS + " (idle-thread reuse)",
    "ThreadPoolExecutorTest.test_hang_global_shutdown_lock":
        "constructs ThreadPoolExecutor and a fork ProcessPoolExecutor itself (bpo-45021: "
        "their global shutdown lock after fork)",
    "ThreadPoolExecutorTest.test_executor_map_current_future_cancel":
        "needs max_workers=1 to bound the tasks running at once (one blocking task "
        "saturates the pool, so map's tasks cannot start before its timeout cancels them); "
        "max_workers is checked but does not bound a torcpy executor: the job's workers run "
        "its tasks",
    # ProcessPoolShutdownTest
    "ProcessPoolShutdownTest.test_processes_terminate": _PROCESSES,
    "ProcessPoolShutdownTest.test_context_manager_shutdown": _PROCESSES,
    "ProcessPoolShutdownTest.test_del_shutdown": _PROCESSES,
    "ProcessPoolShutdownTest.test_shutdown_no_wait": _PROCESSES,
    # ProcessPoolExecutorTest
    "ProcessPoolExecutorTest.test_max_workers_too_large":
        "ProcessPoolExecutor only: its Windows limit of 61 workers (constructs "
        "futures.ProcessPoolExecutor itself)",
    "ProcessPoolExecutorTest.test_killed_child":
        "ProcessPoolExecutor only: terminates one of `executor._processes` and expects "
        "BrokenProcessPool (worker process death)",
    "ProcessPoolExecutorTest.test_traceback":
        "expects the remote traceback as `exc.__cause__` of type "
        "concurrent.futures.process._RemoteTraceback, ProcessPoolExecutor's private class",
    "ProcessPoolExecutorTest.test_ressources_gced_in_workers":
        _MP_CONTEXT + " for a multiprocessing Manager",
    "ProcessPoolExecutorTest.test_saturation":
        _MP_CONTEXT + " (a multiprocessing Semaphore) and counts `executor._processes`",
    "ProcessPoolExecutorTest.test_idle_process_reuse_one":
        _MP_CONTEXT + " and counts `executor._processes` (idle-process reuse)",
    "ProcessPoolExecutorTest.test_idle_process_reuse_multiple":
        _MP_CONTEXT + " and counts `executor._processes` (idle-process reuse)",
    "ProcessPoolExecutorTest.test_max_tasks_per_child":
        "ProcessPoolExecutor only: max_tasks_per_child and mp_context (worker process "
        "replacement, pids)",
    "ProcessPoolExecutorTest.test_max_tasks_per_child_defaults_to_spawn_context":
        "ProcessPoolExecutor only: max_tasks_per_child and `_mp_context`",
    "ProcessPoolExecutorTest.test_max_tasks_early_shutdown":
        "ProcessPoolExecutor only: max_tasks_per_child and mp_context",
    "ProcessPoolExecutorTest.test_python_finalization_error":
        "ProcessPoolExecutor only: mp_context, and fails its internal thread creation "
        "(BrokenProcessPool)",
}
for _name in [
        "test_error_at_task_pickle", "test_exit_at_task_unpickle",
        "test_error_at_task_unpickle", "test_crash_at_task_unpickle",
        "test_crash_during_func_exec_on_worker", "test_exit_during_func_exec_on_worker",
        "test_error_during_func_exec_on_worker", "test_crash_during_result_pickle_on_worker",
        "test_exit_during_result_pickle_on_worker", "test_error_during_result_pickle_on_worker",
        "test_error_during_result_unpickle_in_result_handler",
        "test_exit_during_result_unpickle_in_result_handler", "test_shutdown_deadlock",
        "test_shutdown_deadlock_pickle", "test_crash_big_data",
        "test_gh105829_should_not_deadlock_if_wakeup_pipe_full"]:
    EXCLUDED["ExecutorDeadlockTest." + _name] = _DEADLOCK
del _name

#: Excluded only when the job has more than one rank. (ThreadPoolWaitTests'
#: test_pending_calls_race submits a closure too, but runs: the tasks that cannot go to
#: another rank complete with the pickling error, and what it checks, that wait() returns
#: once all are done, still holds.)
EXCLUDED_MULTI_RANK = {
    "ThreadPoolExecutorTest.test_map_submits_without_iteration": _CLOSURE,
}

#: At one process only.
EXCLUDED_ONE_PROCESS = {
    "ExecutorShutdownTest.test_cancel_futures": (
        "asserts that a worker started one of 50 tasks while the program submitted them "
        "(ThreadPoolExecutor starts its threads synchronously inside submit); an idle torc "
        "worker starts a task a wake-up later, ~0.2 ms on this machine, about as long as the "
        "50 submits take, so all 50 may still be queued and are then rightly cancelled "
        "(cancel_futures cancels what has not started). Timing, not semantics: it passes at "
        "3 ranks, where the tasks other ranks took count as started; faster wake-ups are "
        "issue 27's"),
}

#: With --check-harness only (ThreadPoolExecutor in place of TorcPoolExecutor): the tests of
#: the classes run here that ThreadPoolExecutor does not pass by design.
HARNESS_SKIP = {
    "ProcessPoolExecutorTest.test_map_chunksize":
        "ThreadPoolExecutor ignores chunksize (Executor.map), so chunksize=-1 raises no "
        "ValueError there; TorcPoolExecutor chunks as ProcessPoolExecutor does, and runs it",
}


# -- finding and importing the suite

class SuiteMissing(Exception):
    """The suite cannot be imported: the message says why and what to do."""


def _suite_file(d):
    """The suite's entry file in ``Lib/test`` directory `d` (the module, or the package's
    ``__init__.py``), or None."""
    for f in (os.path.join(d, "test_concurrent_futures", "__init__.py"),
              os.path.join(d, "test_concurrent_futures.py")):
        if os.path.isfile(f):
            return f
    return None


def _version_key(path):
    m = re.search(r"/versions/(\d+)\.(\d+)\.(\d+)", path)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def _candidate_dirs(own):
    """Other installs' ``Lib/test`` directories for this Python minor version: the
    distribution's, then pyenv's (this exact version first); not `own`."""
    lib = f"python{PY}"
    dirs = [f"/usr/lib/{lib}/test", f"/usr/local/lib/{lib}/test", f"/usr/lib64/{lib}/test"]
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = glob.glob(os.path.join(root, "versions", f"{PY}.*", "lib", lib, "test"))
    exact = "%d.%d.%d" % sys.version_info[:3]
    found.sort(key=lambda p: (f"/versions/{exact}/" not in p, [-x for x in _version_key(p)]))
    own = {os.path.realpath(d) for d in own}
    return [d for d in dirs + found if os.path.realpath(d) not in own]


def _env_dir():
    d = os.environ.get(ENV_DIR)
    if not d:
        return None
    for c in (d, os.path.join(d, "test"), os.path.join(d, "Lib", "test")):
        if _suite_file(c):
            c = os.path.abspath(c)
            m = re.search(r"python(\d+\.\d+)", c)
            if m and m.group(1) != PY:
                raise SuiteMissing(f"{ENV_DIR}={d} is Python {m.group(1)}'s suite; this is "
                                   f"Python {PY}: give the suite of the same version")
            return c
    raise SuiteMissing(f"{ENV_DIR}={d}: no test_concurrent_futures there (give CPython "
                       f"{PY}'s Lib/test directory, or the directory holding it)")


def _load(name, entry, package_dir=None):
    """Imports `entry` as module `name` (a package when `package_dir` is given)."""
    spec = importlib.util.spec_from_file_location(
        name, entry, submodule_search_locations=[package_dir] if package_dir else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_suite():
    """Imports the suite for this interpreter: the interpreter's own ``test`` package's,
    else ``$TORCPY_CPYTHON_TESTS``'s, else another install's of the same minor version.
    Returns (its modules, the path it came from, whether that is the interpreter's own)."""
    try:
        import test
    except ImportError:
        test = None
    own_dirs = list(getattr(test, "__path__", []))
    extra = _env_dir()
    if extra is None and not any(_suite_file(d) for d in own_dirs):
        extra = next((d for d in _candidate_dirs(own_dirs) if _suite_file(d)), None)
        if extra is None:
            where = (f"the interpreter's test package ({', '.join(own_dirs)})" if own_dirs
                     else "the interpreter (it has no test package)")
            raise SuiteMissing(
                f"CPython's test.test_concurrent_futures for Python {PY} is not in {where}, "
                f"nor in {', '.join(_candidate_dirs(own_dirs))}.\n"
                f"Install it (Debian/Ubuntu: apt-get install libpython{PY}-testsuite; "
                f"Fedora: python3-test; pyenv: an install with its Lib/test), or set "
                f"{ENV_DIR} to a CPython {PY} Lib/test directory.")
    try:
        if extra is not None:
            if test is None:
                # No test package at all: that install's (test.support with it).
                test = _load("test", os.path.join(extra, "__init__.py"), extra)
            # test.support & co. stay the interpreter's own; only the suite comes from there.
            entry = _suite_file(extra)
            if entry.endswith("__init__.py"):
                pkg = _load(SUITE, entry, os.path.dirname(entry))
            else:
                pkg = _load(SUITE, entry)
            test.test_concurrent_futures = pkg
        else:
            pkg = importlib.import_module(SUITE)
        modules = [pkg]
        if hasattr(pkg, "__path__"):  # 3.12+: a package of modules
            for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                modules.append(importlib.import_module(f"{SUITE}.{m.name}"))
    except unittest.SkipTest as e:
        raise SuiteMissing(f"importing {SUITE} skipped it: {e}") from e
    except Exception as e:
        raise SuiteMissing(f"importing {SUITE} failed:\n{traceback.format_exc()}") from e
    path = os.path.abspath(pkg.__file__)
    if hasattr(pkg, "__path__"):
        path = os.path.dirname(path)
    return modules, path, extra is None


# -- the executor under test

try:
    from torcpy.futures import TorcPoolExecutor
    from torcpy import _core as _torc_core
    TORCPY_ERROR = None
except ImportError as _e:  # --list with an interpreter torcpy is not built for
    TORCPY_ERROR = f"{type(_e).__name__}: {_e}"

    class TorcPoolExecutor:
        def __init__(self, *args, **kwargs):
            raise RuntimeError(f"torcpy cannot be imported: {TORCPY_ERROR}")
    _torc_core = None


# -- building the test classes

def _classes(modules):
    """name -> class, over every module of the suite."""
    out = {}
    for m in modules:
        for name, obj in vars(m).items():
            if isinstance(obj, type):
                out.setdefault(name, obj)
    return out


def _test_names(cls):
    return unittest.TestLoader().getTestCaseNames(cls)


def _defining_class(cls, name):
    # The suite's class defining the test (not the class built here, which may hold the
    # skip put in its place).
    for c in cls.__mro__[1:]:
        if name in vars(c):
            return c
    return None


class Plan:
    """The suite's classes, and the classes built from them: [(class, test names)]."""

    def __init__(self, modules, namespace):
        self.modules = modules
        self.problems = []
        self.not_run = {}
        self.cases = []
        byname = _classes(modules)
        missing = [n for n in GENERIC + OWN_TESTS + AS_IS + ["ExecutorMixin", "BaseTestCase"]
                   if n not in byname]
        for n in missing:
            self.problems.append(f"the suite has no class {n}")
        if missing:
            return
        self.mixin = type("TorcPoolMixin", (byname["ExecutorMixin"],),
                          {"executor_type": TorcPoolExecutor, "__module__": __name__,
                           "__doc__": "The suite's ExecutorMixin, on TorcPoolExecutor."})
        namespace["TorcPoolMixin"] = self.mixin
        base = byname["BaseTestCase"]
        self._account(modules, byname)

        def add(name, cls, names):
            namespace[name] = cls
            cls.__module__ = __name__
            cls.__qualname__ = name
            self.cases.append((cls, names))

        for n in GENERIC:
            src = byname[n]
            cls = type(f"TorcPool{_strip(n)}Test", (src, self.mixin, base), {})
            add(cls.__name__, cls, _test_names(cls))
        for n in OWN_TESTS:
            src = byname[n]
            bases = (self.mixin, src) if issubclass(src, unittest.TestCase) \
                else (self.mixin, src, base)
            cls = type(f"TorcPool_{n}", bases, {})
            add(cls.__name__, cls, [t for t in _test_names(cls) if t in vars(src)])
        for n in AS_IS:
            src = byname[n]
            cls = type(n, (src,), {})
            add(n, cls, _test_names(cls))

    def _account(self, modules, byname):
        """Checks that every TestCase class of the suite is run, or an instance of a generic
        class for CPython's executors, or in NOT_RUN."""
        known = set(GENERIC + OWN_TESTS + AS_IS)
        mixins = tuple(byname[n] for n in SUITE_MIXINS if n in byname)
        for m in modules:
            for name, obj in vars(m).items():
                if not (isinstance(obj, type) and issubclass(obj, unittest.TestCase)
                        and obj.__module__ == m.__name__):
                    continue
                if name in known or name == "BaseTestCase":
                    continue
                if name in NOT_RUN:
                    self.not_run[name] = NOT_RUN[name]
                    continue
                own = [t for t in _test_names(obj) if t in vars(obj)]
                generic = obj.__bases__[0]
                if not own and mixins and any(b in mixins for b in obj.__bases__):
                    # create_executor_tests' class of a generic class for one of CPython's
                    # executors: the generic class must be one run here.
                    if generic.__name__ not in known:
                        self.problems.append(
                            f"{m.__name__}.{name} runs {generic.__name__} on CPython's "
                            f"executors, and this program does not run {generic.__name__}")
                    continue
                self.problems.append(
                    f"{m.__name__}.{name}: a test class this program does not know (add it "
                    f"to GENERIC, OWN_TESTS, AS_IS or NOT_RUN)")

    def keyed(self):
        """[(class, test name, "Class.test" key)]."""
        out = []
        for cls, names in self.cases:
            for t in names:
                d = _defining_class(cls, t)
                out.append((cls, t, f"{d.__name__}.{t}"))
        return out

    def exclusions(self, ranks, harness=False):
        """{key: reason} for the tests of this suite that are excluded at `ranks` ranks."""
        table = dict(EXCLUDED)
        if ranks > 1:
            table.update(EXCLUDED_MULTI_RANK)
        elif not harness:
            table.update(EXCLUDED_ONE_PROCESS)
        if harness:
            table.update(HARNESS_SKIP)
        keys = {k for _, _, k in self.keyed()}
        return {k: r for k, r in table.items() if k in keys}

    def unused_exclusions(self):
        keys = {k for _, _, k in self.keyed()}
        every = list(EXCLUDED) + list(EXCLUDED_MULTI_RANK) + list(EXCLUDED_ONE_PROCESS)
        return sorted(k for k in every if k not in keys)

    def suite(self, ranks, harness=False):
        """The unittest suite, the excluded tests replaced by skips with their reason."""
        excluded = self.exclusions(ranks, harness)
        suite = unittest.TestSuite()
        for cls, t, key in self.keyed():
            if key in excluded and not getattr(vars(cls).get(t), "__unittest_skip__", False):
                setattr(cls, t, unittest.skip(f"excluded: {excluded[key]}")(getattr(cls, t)))
            suite.addTest(cls(t))
        return suite


def _strip(name):
    # As the suite's create_executor_tests names its classes.
    if name.endswith(("Mixin", "Tests")):
        return name[:-5]
    if name.endswith("Test"):
        return name[:-4]
    return name


# -- module level: every rank imports the suite (the submitted functions live there)

try:
    MODULES, SUITE_PATH, SUITE_OWN = import_suite()
    SUITE_ERROR = None
except SuiteMissing as _e:
    MODULES, SUITE_PATH, SUITE_OWN, SUITE_ERROR = None, None, False, str(_e)

PLAN = Plan(MODULES, globals()) if MODULES else None


# -- running

class _Result(unittest.TextTestResult):
    """Stops the whole run, with every thread's stack, when one test hangs."""

    def startTest(self, test):
        super().startTest(test)
        faulthandler.dump_traceback_later(TEST_TIMEOUT, exit=True)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)


def _suite_line():
    whose = ("the interpreter's own" if SUITE_OWN else
             f"not the interpreter's own: taken from another Python {PY} install")
    return f"conformance: Python {sys.version.split()[0]}, suite {SUITE_PATH} ({whose})"


def _fail_setup(msg):
    print(f"conformance: cannot run CPython's concurrent.futures suite: {msg}",
          file=sys.stderr, flush=True)
    print("conformance: 0 run, 0 failures, 1 errors, 0 skipped", flush=True)
    sys.exit(2)


def list_plan(markdown=False):
    ranks_note = "at more than one rank"
    if markdown:
        print("| test (defining class) | excluded because |")
        print("| --- | --- |")
        for k, r in sorted(PLAN.exclusions(1).items()):
            print(f"| `{k}` | {r} |")
        for k, r in sorted(EXCLUDED_MULTI_RANK.items()):
            if k in PLAN.exclusions(2):
                print(f"| `{k}` ({ranks_note}) | {r} |")
        for n, r in sorted(PLAN.not_run.items()):
            print(f"| `{n}` (whole class, not run) | {r} |")
        return
    one, many = PLAN.exclusions(1), PLAN.exclusions(2)
    for cls, t, key in PLAN.keyed():
        if key in one:
            what = f"EXCLUDED: {one[key]}"
        elif key in many:
            what = f"runs at 1 process; EXCLUDED {ranks_note}: {many[key]}"
        else:
            what = "runs"
        print(f"{cls.__name__}.{t}  [{key}]  {what}")
    for n, r in sorted(PLAN.not_run.items()):
        print(f"{n}  [whole class]  NOT RUN: {r}")
    n_all = len(PLAN.keyed())
    print(_suite_line())
    print(f"conformance: {n_all} tests in {len(PLAN.cases)} classes; {n_all - len(one)} run "
          f"at 1 process, {n_all - len(many)} at more than one rank; {len(one)} excluded "
          f"always, {len(many) - len(one)} more at more than one rank")
    unused = PLAN.unused_exclusions()
    if unused:
        print(f"conformance: exclusions for tests this Python's suite does not have: "
              f"{', '.join(unused)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true",
                    help="list the tests and the exclusions, run nothing (no runtime)")
    ap.add_argument("--markdown", action="store_true",
                    help="with --list: the exclusions as a Markdown table")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="run only the tests whose id contains this (as unittest -k)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="the suite's own verbose output (test.support.verbose)")
    ap.add_argument("--check-harness", action="store_true",
                    help="run the same classes with CPython's ThreadPoolExecutor in place of "
                         "TorcPoolExecutor (no torcpy): checks that this program adds no "
                         "failure of its own, with any interpreter that has the suite")
    args = ap.parse_args(argv)
    if SUITE_ERROR:
        _fail_setup(SUITE_ERROR)
    if PLAN.problems:
        _fail_setup("the suite does not fit this program:\n  " + "\n  ".join(PLAN.problems))
    if args.list:
        list_plan(args.markdown)
        return 0
    if TORCPY_ERROR and not args.check_harness:
        _fail_setup(f"torcpy cannot be imported: {TORCPY_ERROR}")

    from test import support
    support.verbose = int(args.verbose)  # regrtest's default; the suite's output stays quiet

    print(_suite_line(), flush=True)
    if args.check_harness:
        from concurrent.futures import ThreadPoolExecutor
        PLAN.mixin.executor_type = ThreadPoolExecutor
        ranks = 1
        print("conformance: harness check: ThreadPoolExecutor in place of TorcPoolExecutor",
              flush=True)
    else:
        # Starts the runtime (under plain python; `python -m torcpy` has): the job's size.
        probe = TorcPoolExecutor()
        ranks, workers = _torc_core.num_nodes(), probe.num_workers
        probe.shutdown()
        print(f"conformance: TorcPoolExecutor on {ranks} rank(s), {workers} worker(s) in "
              f"all", flush=True)

    suite = PLAN.suite(ranks, args.check_harness)
    if args.patterns:
        suite = unittest.TestSuite(
            t for t in suite if any(p in t.id() for p in args.patterns))
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=_Result)
    result = runner.run(suite)
    run, skipped = result.testsRun, len(result.skipped)
    failures = len(result.failures) + len(result.unexpectedSuccesses)
    errors = len(result.errors)
    bad = [t.id() for t, _ in result.failures + result.errors] + \
        [t.id() for t in result.unexpectedSuccesses]
    for b in bad:
        print(f"conformance: FAILED {b}")
    print(f"conformance: {time.monotonic() - t0:.1f} s")
    print(f"conformance: {run} run, {failures} failures, {errors} errors, {skipped} skipped",
          flush=True)
    if run - skipped <= 0:
        print("conformance: no test ran", file=sys.stderr)
        return 2
    return 0 if not (failures or errors) else 1


if __name__ == "__main__":
    sys.exit(main())
