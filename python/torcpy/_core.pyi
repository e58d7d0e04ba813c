# Type stubs for torcpy._core, the extension module built from python/src/*.rs (its
# #[pyfunction]s, #[pyclass]es and #[pymethods]). `python -m mypy.stubtest torcpy` compares
# them with the built module. The names starting with one underscore, and `Pool`, are the
# executor's private side (torcpy._executor, torcpy.futures); they may change at any time.

from collections.abc import Callable, Iterable
from typing import Any, Final, Generic, Literal, NoReturn, TypeVar, final, overload

from typing_extensions import ParamSpec, Self, TypeVarTuple, Unpack

from ._executor import TorcFuture

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
_R = TypeVar("_R")
_T1 = TypeVar("_T1")
_T2 = TypeVar("_T2")
_T3 = TypeVar("_T3")
_T4 = TypeVar("_T4")
_P = ParamSpec("_P")
_Ts = TypeVarTuple("_Ts")

# What the module registers (lib.rs), in that order.
__all__ = [
    "Task", "Pool", "_FOREIGN", "_remote_claim", "_gc_track", "AsCompleted", "TaskError",
    "RemoteTraceback", "init", "launch", "start", "shutdown", "finalize", "role",
    "hold_tasks", "note_signal", "release_tasks", "on_worker", "level", "abort", "ended",
    "serve_phase", "end_phase", "node_id", "num_nodes", "worker_id", "worker_local_id",
    "num_workers", "num_local_workers", "gettime", "enable_stealing", "disable_stealing",
    "submit", "set_serializer", "map", "spmd", "wait", "waitall", "as_completed",
]

# --- the future of torcpy.submit, and the iterator of torcpy.as_completed

# Generic in the stubs only: at run time `Task[int]` is not subscriptable (quote it, or use
# `from __future__ import annotations`, in annotations that are evaluated).
@final
class Task(Generic[_T_co]):
    """The future of a torcpy task."""

    def result(self) -> _T_co:
        """Waits for the task and returns its result, or raises the exception it raised."""
    def exception(self) -> BaseException | None:
        """Waits for the task and returns the exception it raised, or None."""
    def done(self) -> bool: ...
    def input(self) -> Any:
        """The positional arguments as submitted: the argument itself when there is one,
        else the tuple."""
    def kw_input(self) -> dict[str, Any]:
        """The keyword arguments as submitted."""
    def wait(self) -> None: ...
    # The executor future's side (torcpy._executor.TorcFuture calls these).
    def _state(self) -> Literal[0, 1, 2, 3]: ...  # pending, running, cancelled, finished
    def _final(self) -> bool: ...
    def _cancel(self) -> Literal[0, 1, 2]: ...  # not cancelled, cancelled now, before
    def _set_running(self) -> bool: ...
    def _watch(self, notify: Callable[[], TorcFuture[Any] | None]) -> None: ...
    def _watched_future(self) -> TorcFuture[Any] | None: ...
    def _xwait(self, timeout: float | None = None) -> Literal[0, 1, 2]: ...
    def _wait_final(self) -> None: ...
    def _xget(self, timeout: float | None = None, exception: bool = False) -> Any: ...

@final
class AsCompleted(Generic[_T_co]):
    """The iterator `as_completed` returns."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> Task[_T_co]: ...
    def __len__(self) -> int: ...
    # (timed out, the next task or None when there is none left)
    def _next(self, timeout: float | None = None) -> tuple[bool, Task[_T_co] | None]: ...

class TaskError(RuntimeError):
    """A torcpy task could not run or report its outcome (its exception could not be sent,
    its function or arguments could not be pickled, or the runtime failed it)."""

class RemoteTraceback(Exception):
    """On Python 3.9 and 3.10 (no PEP 678 notes printed): the cause of an exception that
    another node raised, carrying its torcpy notes (task, node, worker, traceback there)."""

# --- the runtime

def init(caller: Literal["counted", "extra"] = "counted") -> None: ...
@overload
def launch(main: None = None) -> None: ...
@overload
def launch(main: Callable[[], _T]) -> _T | None: ...
def start(main: Callable[[], _T]) -> _T | None: ...
def shutdown(caller: str = "torcpy.shutdown") -> None: ...  # caller: named in errors
def finalize() -> None: ...
def role() -> Literal["primary", "server"] | None: ...
def on_worker() -> bool: ...
def level() -> int | None: ...
def abort(status: int) -> NoReturn: ...
def ended() -> bool: ...
def serve_phase() -> None: ...
def end_phase() -> None: ...
def hold_tasks() -> None: ...
def release_tasks() -> None: ...
def note_signal() -> None: ...
def node_id() -> int: ...
def num_nodes() -> int: ...
def worker_id() -> int: ...
def worker_local_id() -> int: ...
def num_workers() -> int: ...
def num_local_workers() -> int: ...
def gettime() -> float: ...
def enable_stealing() -> None: ...
def disable_stealing() -> None: ...

# --- tasks

# `qid` and `callback` are torcpy's own keywords, between `*args` and `**kwargs`, which a
# ParamSpec does not allow (PEP 612): the arguments of `f` are not checked, its result is.
def submit(
    f: Callable[..., _T],
    *args: Any,
    qid: int = ...,
    callback: Callable[[Task[_T]], object] | None = None,
    **kwargs: Any,
) -> Task[_T]: ...

# What crosses ranks is serialized with `dumps` and `loads` (the same on every node);
# None, None: back to the default (pickle, and cloudpickle where pickle cannot).
@overload
def set_serializer(dumps: Callable[[Any], bytes], loads: Callable[[bytes], object]) -> None: ...
@overload
def set_serializer(dumps: None, loads: None) -> None: ...

# `f` over zip(*seq): one overload per number of sequences (as builtins.map), so that the
# items are checked against `f`'s parameters; five sequences or more are not checked. (No
# sequence: an empty list.)
@overload
def map(
    f: Callable[..., object], *, chunksize: int = 1, progress: bool | float | None = False
) -> list[Any]: ...
@overload
def map(
    f: Callable[[_T1], _R],
    seq1: Iterable[_T1],
    /,
    *,
    chunksize: int = 1,
    progress: bool | float | None = False,
) -> list[_R]: ...
@overload
def map(
    f: Callable[[_T1, _T2], _R],
    seq1: Iterable[_T1],
    seq2: Iterable[_T2],
    /,
    *,
    chunksize: int = 1,
    progress: bool | float | None = False,
) -> list[_R]: ...
@overload
def map(
    f: Callable[[_T1, _T2, _T3], _R],
    seq1: Iterable[_T1],
    seq2: Iterable[_T2],
    seq3: Iterable[_T3],
    /,
    *,
    chunksize: int = 1,
    progress: bool | float | None = False,
) -> list[_R]: ...
@overload
def map(
    f: Callable[[_T1, _T2, _T3, _T4], _R],
    seq1: Iterable[_T1],
    seq2: Iterable[_T2],
    seq3: Iterable[_T3],
    seq4: Iterable[_T4],
    /,
    *,
    chunksize: int = 1,
    progress: bool | float | None = False,
) -> list[_R]: ...
@overload
def map(
    f: Callable[..., _R],
    seq1: Iterable[Any],
    seq2: Iterable[Any],
    seq3: Iterable[Any],
    seq4: Iterable[Any],
    seq5: Iterable[Any],
    /,
    *seq: Iterable[Any],
    chunksize: int = 1,
    progress: bool | float | None = False,
) -> list[_R]: ...
def spmd(f: Callable[[Unpack[_Ts]], object], *args: Unpack[_Ts]) -> None: ...

# --- waiting

def wait(tasks: Iterable[Task[Any]] | None = None) -> None: ...
def waitall(tasks: Iterable[Task[Any]] | None = None) -> None: ...
@overload
def as_completed(tasks: None = None) -> AsCompleted[Any]: ...
@overload
def as_completed(tasks: Iterable[Task[_T]]) -> AsCompleted[_T]: ...

# --- the executor's private side

_FOREIGN: Final[object]

def _remote_claim(cancelled: bool) -> bool: ...
def _gc_track(obj: object) -> None: ...

@final
class Pool:
    """The submitting side of one `TorcPoolExecutor` (private)."""

    def __new__(cls, future_class: type[TorcFuture[Any]], /) -> Self: ...
    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> TorcFuture[_T]: ...
    def submit_to(
        self, qid: int, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> TorcFuture[_T]: ...
    def map_one(self, fn: Callable[..., _T], args: tuple[Any, ...]) -> TorcFuture[_T]: ...
    # items: argument tuples, or with star=False the single arguments themselves
    def map_chunk(
        self, fn: Callable[..., _T], items: list[Any], star: bool = True
    ) -> TorcFuture[list[_T]]: ...
    def set_broken(self, why: str) -> None: ...
    def check_open(self, api: str) -> None: ...
    def in_flight(self, close: bool = False) -> list[Task[Any]]: ...
