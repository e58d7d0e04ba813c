# Type stubs for torcpy: the torcpy API (from torcpy._core) and the runtime's entry points.

from collections.abc import Callable
from typing import TypeVar, overload

from . import futures as futures
from ._core import (
    AsCompleted as AsCompleted,
    RemoteTraceback as RemoteTraceback,
    Task as Task,
    TaskError as TaskError,
    as_completed as as_completed,
    disable_stealing as disable_stealing,
    enable_stealing as enable_stealing,
    gettime as gettime,
    map as map,
    node_id as node_id,
    num_local_workers as num_local_workers,
    num_nodes as num_nodes,
    num_workers as num_workers,
    set_serializer as set_serializer,
    spmd as spmd,
    submit as submit,
    wait as wait,
    waitall as waitall,
    worker_id as worker_id,
    worker_local_id as worker_local_id,
)
# Imported on first use at run time (the module's __getattr__).
from .futures import TorcPoolExecutor as TorcPoolExecutor

__all__ = [
    "AsCompleted", "RemoteTraceback", "Task", "TaskError", "TorcPoolExecutor", "as_completed",
    "disable_stealing", "enable_stealing", "finalize", "gettime", "init", "launch", "map",
    "node_id", "num_local_workers", "num_nodes", "num_workers", "set_serializer", "shutdown",
    "spmd", "start", "submit", "wait", "waitall", "worker_id", "worker_local_id",
]

_T = TypeVar("_T")

def init() -> None: ...

# Rank 0 returns main's result (main=None: at once); the other ranks return None, or with
# main=None leave the process.
@overload
def launch(main: None = None) -> None: ...
@overload
def launch(main: Callable[[], _T]) -> _T | None: ...

# main's result on rank 0, None on the other ranks.
def start(main: Callable[[], _T]) -> _T | None: ...
def shutdown() -> None: ...
def finalize() -> None: ...
