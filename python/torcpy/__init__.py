"""torcpy: task parallelism for Python over MPI and threads, on the torc runtime.

The API of the torcpy paper (PEP 3148 futures, map, spmd) on torc's Rust core::

    import torcpy

    def square(x):
        return x * x

    def main():
        tasks = [torcpy.submit(square, i) for i in range(10)]
        torcpy.wait()
        print([t.result() for t in tasks])

    if __name__ == "__main__":
        torcpy.start(main)

Run it with ``python prog.py`` (one process) or ``mpirun -np 4 python prog.py``.
``TORCPY_WORKERS`` sets the worker threads per process (default 1), ``TORCPY_STEALING``
turns inter-node stealing on; torc's own ``TORC_*`` variables apply too.
"""

import signal as _signal
import threading as _threading

from . import _core
from ._core import (
    AsCompleted,
    Task,
    TaskError,
    as_completed,
    disable_stealing,
    enable_stealing,
    gettime,
    map,
    node_id,
    num_local_workers,
    num_nodes,
    num_workers,
    spmd,
    submit,
    wait,
    waitall,
    worker_id,
    worker_local_id,
)

__all__ = [
    "AsCompleted", "Task", "TaskError", "TorcPoolExecutor", "as_completed",
    "disable_stealing", "enable_stealing", "finalize", "gettime", "init", "launch", "map",
    "node_id", "num_local_workers", "num_nodes", "num_workers", "shutdown", "spmd", "start",
    "submit", "wait", "waitall", "worker_id", "worker_local_id",
]


def _interrupt_stops_everything():
    # While torc waits (the GIL released, no bytecode running) Python's own SIGINT handler
    # would only set a flag nobody looks at: a Ctrl-C, or mpirun passing one on, must end the
    # process at once (mpirun then ends the other ranks).
    if _threading.current_thread() is _threading.main_thread():
        if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
            _signal.signal(_signal.SIGINT, _signal.SIG_DFL)


def init():
    """Starts the runtime on every rank (collective). A second call does nothing."""
    _interrupt_stops_everything()
    _core.init()


def launch(main=None):
    """Rank 0: runs ``main()`` as the primary task, then shuts the job down; returns its
    result. Other ranks: serve tasks until then; return None."""
    _interrupt_stops_everything()
    return _core.launch(main)


def start(main):
    """``init()`` then ``launch(main)``: runs ``main`` on rank 0 as the primary task while
    the other ranks serve tasks; returns when the job is over (``main``'s result on rank 0,
    None elsewhere). Call it from ``__main__`` on every rank."""
    _interrupt_stops_everything()
    return _core.start(main)


def shutdown():
    """Rank 0, primary task: waits for every task and stops all ranks."""
    _core.shutdown()


def finalize():
    """Ends torcpy in this process (as ``shutdown``; a no-op after the end)."""
    _core.finalize()


class TorcPoolExecutor:
    """A ``concurrent.futures``-style executor over the running torcpy job::

        with torcpy.TorcPoolExecutor() as ex:
            futures = [ex.submit(f, x) for x in xs]
            ys = list(ex.map(f, xs))

    Leaving the ``with`` block waits for the tasks submitted through it. It may be used
    several times in one ``main``; it needs no start-up of its own (``torcpy.start`` does
    that).
    """

    def __init__(self, max_workers=None):
        self._tasks = []
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.shutdown(wait=True)
        return False

    def submit(self, fn, *args, **kwargs):
        """``torcpy.submit(fn, *args, **kwargs)``; returns the task (its future)."""
        if self._closed:
            raise RuntimeError("TorcPoolExecutor.submit: the executor was shut down")
        t = _core.submit(fn, *args, **kwargs)
        self._tasks.append(t)
        return t

    def map(self, fn, *iterables, timeout=None, chunksize=1, progress=False):
        """``torcpy.map(fn, *iterables, chunksize=chunksize, progress=progress)``: the
        results in input order (``progress``: see ``torcpy.map``)."""
        if self._closed:
            raise RuntimeError("TorcPoolExecutor.map: the executor was shut down")
        return iter(_core.map(fn, *iterables, chunksize=chunksize, progress=progress))

    def wait(self):
        """Waits for every task submitted through this executor."""
        tasks, self._tasks = self._tasks, []
        _core.wait(tasks)

    def shutdown(self, wait=True, cancel_futures=False):
        """Waits (if asked) for the executor's tasks; later submits are refused."""
        if wait:
            self.wait()
        self._closed = True
