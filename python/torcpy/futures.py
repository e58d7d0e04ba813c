"""torcpy as a standard Python executor (PEP 3148): a drop-in for ``concurrent.futures`` and
``mpi4py.futures``.

::

    from torcpy.futures import TorcPoolExecutor

    def square(x):
        return x * x

    if __name__ == "__main__":
        with TorcPoolExecutor() as ex:
            print(list(ex.map(square, range(10))))

Run it with ``python prog.py`` (one process: ``TORCPY_WORKERS`` worker threads) or
``mpirun -np 4 python -m torcpy prog.py`` (rank 0 runs the script; the other ranks run its
tasks). ``TorcCommExecutor`` serves SPMD scripts started with plain ``mpirun``, as
``mpi4py.futures.MPICommExecutor`` does. ``wait``, ``as_completed`` and the names a
``concurrent.futures`` program uses come from here too.
"""

import atexit
import functools
import itertools
import sys
import threading
import time
from concurrent.futures import (ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION,
                                BrokenExecutor, CancelledError, Executor, Future,
                                TimeoutError)

from . import _core, _signals
from ._executor import TorcFuture, as_completed, wait
from . import _executor

__all__ = [
    "ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION", "BrokenExecutor", "CancelledError",
    "Executor", "Future", "TimeoutError", "TorcCommExecutor", "TorcFuture", "TorcPoolExecutor",
    "as_completed", "wait",
]


def _end_at_exit():
    # Rank 0, at the end of a script that started the runtime itself: wait for every task
    # and stop every rank; after an uncaught Ctrl-C, stop at once (status 130).
    if _core.ended():
        return
    if isinstance(getattr(sys, "last_value", None), KeyboardInterrupt):
        _signals.end_interrupted()
    _core.shutdown()


def _start_runtime():
    """Starts the runtime if nothing has (collective on every rank of an MPI job): rank 0's
    calling thread goes on as the primary task, with ``TORCPY_WORKERS`` worker threads
    beside it, and the job ends when the script does. Returns this process's role."""
    role = _core.role()
    if role is None:
        _core.init("extra")
        role = _core.role()
        atexit.register(_end_at_exit)
        _signals.sigterm_interrupts()
    elif _core.ended():
        raise RuntimeError("torcpy.futures: the torcpy runtime has ended in this process")
    return role


class TorcPoolExecutor(Executor):
    """A ``concurrent.futures.Executor`` running tasks on every worker of the torcpy job.

    ``max_workers`` is checked as ``concurrent.futures`` does and otherwise does not change
    anything: the job's workers (``num_workers``: ``TORCPY_WORKERS`` per rank, times the
    ranks) run the tasks. ``initializer(*initargs)`` runs once in every process of the job
    at the executor's first submit, before its first task; if it raises, the error is logged
    there, the executor is broken, and that submit and every later one raise
    ``BrokenExecutor``.

    Created outside a running job (plain ``python script.py``, or every rank of a plain
    ``mpirun``), it starts the runtime: rank 0 goes on with the script, which ends the job
    when it ends; the other ranks run tasks until then and exit. Executors are views of the
    one job: several may be used, one after the other or at once.
    """

    def __init__(self, max_workers=None, *, initializer=None, initargs=()):
        if max_workers is not None and max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        role = _start_runtime()
        if role == "server" and _core.level() is None:
            # A rank other than 0 of a plain `mpirun`: serve the job to its end, then leave
            # (the script goes on on rank 0 only, as under `python -m torcpy`).
            _core.shutdown("torcpy.futures.TorcPoolExecutor")
            sys.exit(0)
        self._max_workers = max_workers if max_workers is not None else _core.num_workers()
        self._pool = _core.Pool(TorcFuture)
        self._broken = False
        # Run at the first submit (as concurrent.futures' workers run it when they start).
        self._initializer = None if initializer is None else (initializer, tuple(initargs))
        self._init_lock = threading.Lock()
        self._fast_path()

    def _fast_path(self):
        # The common calls go straight to the pool (one call less per task), unless a
        # subclass overrides them or the initializer has yet to run.
        if self._initializer is not None:
            return
        if type(self).submit is TorcPoolExecutor.submit:
            self.submit = self._pool.submit
        if type(self).submit_to is TorcPoolExecutor.submit_to:
            self.submit_to = self._pool.submit_to

    def _start_workers(self):
        """Runs the initializer once, before the first task (on every rank: spmd, from the
        script's thread on rank 0)."""
        with self._init_lock:
            if self._initializer is None:
                return
            initializer, initargs = self._initializer
            self._initializer = None
            self._initialize(initializer, initargs)
            self._fast_path()

    def _initialize(self, initializer, initargs):
        try:
            if _core.num_nodes() == 1:
                _executor.run_initializer(initializer, initargs)
            else:
                _core.spmd(_executor.run_initializer, initializer, initargs)
        except BaseException as e:
            self._broken = (f"torcpy.futures.TorcPoolExecutor: the initializer failed, the "
                            f"executor is not usable: {type(e).__name__}: {e}")
            self._pool.set_broken(self._broken)

    @property
    def num_workers(self):
        """The workers of the job (every rank's)."""
        return _core.num_workers()

    def submit(self, fn, /, *args, **kwargs):
        """Runs ``fn(*args, **kwargs)`` as a task on some worker of the job (round robin)
        and returns its future, a ``concurrent.futures.Future``. Every keyword goes to
        ``fn``. Any thread of the process may submit."""
        if self._initializer is not None:
            self._start_workers()
        return self._pool.submit(fn, *args, **kwargs)

    def submit_to(self, qid, fn, /, *args, **kwargs):
        """``submit`` on worker ``qid`` of the job (0 .. ``num_workers - 1``; -1: round
        robin)."""
        if self._initializer is not None:
            self._start_workers()
        return self._pool.submit_to(qid, fn, *args, **kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1, unordered=False,
            buffersize=None, progress=None):
        """``fn`` over the items of ``iterables`` (``fn(a, b)`` for ``a, b`` in
        ``zip(*iterables)``), as a lazy iterator of the results: in input order, or in the
        order they complete with ``unordered``. An item's exception is raised when the
        iteration reaches it; ``TimeoutError`` once ``timeout`` seconds have passed since
        the call. Tasks of ``chunksize`` items each. Every task is submitted at once, or,
        with ``buffersize``, at most that many are in flight (one more is submitted per
        result taken), so that an endless iterable works. ``progress`` (a torcpy extension:
        True or seconds) prints progress lines as ``torcpy.map`` does and then takes only
        ``chunksize``."""
        self._pool.check_open("map")
        if progress is not None and progress is not False:
            if chunksize < 1:
                raise ValueError("chunksize must be >= 1.")
            return iter(_core.map(fn, *iterables, chunksize=chunksize, progress=progress))
        if chunksize > 1 and len(iterables) == 1:
            # Chunks of the items themselves: no argument tuple made per item.
            return self._map(fn, iter(iterables[0]), timeout, chunksize, unordered,
                             buffersize, star=False)
        return self._map(fn, zip(*iterables), timeout, chunksize, unordered, buffersize)

    def starmap(self, fn, iterable, timeout=None, chunksize=1, unordered=False,
                buffersize=None):
        """``map`` with the arguments of each call already grouped: ``fn(*a)`` for ``a`` in
        ``iterable``."""
        self._pool.check_open("starmap")
        return self._map(fn, (tuple(a) for a in iterable), timeout, chunksize, unordered,
                         buffersize)

    def _map(self, fn, args, timeout, chunksize, unordered, buffersize, star=True):
        if self._initializer is not None:
            self._start_workers()
        if buffersize is not None and not isinstance(buffersize, int):
            raise TypeError("buffersize must be an integer or None")
        if buffersize is not None and buffersize < 1:
            raise ValueError("buffersize must be None or > 0")
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        if not callable(fn):
            raise TypeError(f"TorcPoolExecutor.map: fn = {fn!r} is not callable")
        end = None if timeout is None else time.monotonic() + timeout
        if chunksize == 1:
            units = args
            submit_unit = functools.partial(self._pool.map_one, fn)
        else:
            units = _executor.chunks(args, chunksize)
            submit_unit = functools.partial(self._pool.map_chunk, fn, star=star)
        if buffersize is None:
            fs = [submit_unit(u) for u in units]
            more = None
        else:
            fs = [submit_unit(u) for u in itertools.islice(units, buffersize)]
            more = units
        return _executor.map_results(self, fs, more, submit_unit, end, unordered,
                                     chunksize > 1)

    def wait(self):
        """Waits for every task submitted through this executor so far (torcpy's executor
        API); the executor stays usable."""
        for t in self._pool.in_flight():
            t._wait_final()

    def shutdown(self, wait=True, *, cancel_futures=False):
        """No more submits; with ``cancel_futures``, the tasks that have not started are
        cancelled; with ``wait``, returns once every task submitted through this executor
        is done. The job itself goes on (it ends with the script)."""
        tasks = self._pool.in_flight(close=True)
        if cancel_futures:
            for t in tasks:
                if t._cancel() == 1:
                    f = t._watched_future()
                    if f is not None:
                        f._cancelled_now()
        if wait:
            for t in tasks:
                t._wait_final()


def _comm_is_world(comm):
    if comm is None:
        return True
    try:
        from mpi4py import MPI
    except ImportError:
        return False
    try:
        return MPI.Comm.Compare(comm, MPI.COMM_WORLD) in (MPI.IDENT, MPI.CONGRUENT)
    except Exception:
        return False


class TorcCommExecutor:
    """A context manager for SPMD scripts under plain ``mpirun``, as
    ``mpi4py.futures.MPICommExecutor``: every rank enters the block; rank 0 (the root) gets
    a ``TorcPoolExecutor``, every other rank gets ``None`` and runs tasks until the root
    leaves the block; then every rank goes on with the script. It may be used several times
    in one script. ``comm`` must be ``MPI.COMM_WORLD`` (or None); the root must be rank 0.
    Keyword arguments go to ``TorcPoolExecutor``."""

    def __init__(self, comm=None, root=0, **kwargs):
        if not _comm_is_world(comm):
            raise ValueError(f"TorcCommExecutor: comm = {comm!r}: only MPI.COMM_WORLD (or "
                             f"None) is supported")
        if root != 0:
            raise ValueError(f"TorcCommExecutor: root = {root!r}: the root must be rank 0 "
                             f"(torcpy's primary rank)")
        self._kwargs = kwargs
        self._executor = None

    def __enter__(self):
        role = _start_runtime()
        if role == "primary":
            self._executor = TorcPoolExecutor(**self._kwargs)
            return self._executor
        _core.serve_phase()
        return None

    def __exit__(self, exc_type, exc, tb):
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=True)
            if _core.num_nodes() > 1:
                _core.spmd(_executor.end_phase)
        return False
