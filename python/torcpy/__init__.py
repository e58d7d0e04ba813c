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
turns inter-node stealing on; ``TORCPY_SERIALIZER=module`` (e.g. ``dill``) serializes what
crosses ranks with that module's ``dumps`` and ``loads`` (see ``set_serializer``); torc's own
``TORC_*`` variables apply too.
"""

import importlib as _importlib
import os as _os
import sys as _sys

from . import _core, _signals
from ._core import (
    AsCompleted,
    RemoteTraceback,
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
    set_serializer,
    spmd,
    submit,
    wait,
    waitall,
    worker_id,
    worker_local_id,
)

__all__ = [
    "AsCompleted", "RemoteTraceback", "Task", "TaskError", "TorcPoolExecutor", "as_completed",
    "disable_stealing", "enable_stealing", "finalize", "gettime", "init", "launch", "map",
    "node_id", "num_local_workers", "num_nodes", "num_workers", "set_serializer", "shutdown",
    "spmd", "start", "submit", "wait", "waitall", "worker_id", "worker_local_id",
]


def _serializer_from_environment():
    """``TORCPY_SERIALIZER=module``: that module's ``dumps`` and ``loads`` for everything that
    crosses ranks (the same on every rank, as the environment of an MPI job is)."""
    name = _os.environ.get("TORCPY_SERIALIZER", "").strip()
    if not name:
        return
    try:
        module = _importlib.import_module(name)
    except ImportError as e:
        raise ImportError(f"torcpy: TORCPY_SERIALIZER={name}: cannot import {name}: {e}") \
            from None
    missing = [f for f in ("dumps", "loads") if not callable(getattr(module, f, None))]
    if missing:
        raise ImportError(f"torcpy: TORCPY_SERIALIZER={name}: the module has no "
                          f"{' and no '.join(missing)} function")
    set_serializer(module.dumps, module.loads)


_serializer_from_environment()


def init():
    """Starts the runtime on every rank (collective). A second call does nothing."""
    _core.init()
    _signals.sigterm_interrupts()


def launch(main=None):
    """Rank 0: runs ``main()`` as the primary task, then shuts the job down; returns its
    result. With ``main=None`` (the late switch from SPMD to master-worker), rank 0 returns
    at once and goes on as the primary task until it calls ``shutdown()``. Other ranks serve
    tasks until then; they return None, or, with ``main=None``, leave the process (exit
    status 0), as the original torcpy does."""
    _core.init()
    _signals.sigterm_interrupts()
    r = _core.launch(main)
    if main is None and _core.role() == "server":
        _sys.exit(0)
    return r


def start(main):
    """``init()`` then ``launch(main)``: runs ``main`` on rank 0 as the primary task while
    the other ranks serve tasks; returns when the job is over (``main``'s result on rank 0,
    None elsewhere). Call it from ``__main__`` on every rank. Under ``python -m torcpy``,
    where the runtime runs already, it runs ``main`` on rank 0 and ends the job after it."""
    _core.init()
    _signals.sigterm_interrupts()
    return _core.launch(main)


def shutdown():
    """Rank 0, primary task: waits for every task and stops all ranks."""
    _core.shutdown()


def finalize():
    """Ends torcpy in this process (as ``shutdown``; a no-op after the end)."""
    _core.finalize()


def __getattr__(name):
    # torcpy.TorcPoolExecutor is torcpy.futures' (imported on first use).
    if name == "TorcPoolExecutor":
        from .futures import TorcPoolExecutor
        return TorcPoolExecutor
    if name == "futures":
        from . import futures
        return futures
    raise AttributeError(f"module 'torcpy' has no attribute {name!r}")
