# Type stubs for torcpy.futures: the standard executor (PEP 3148) on torcpy, with the names
# of concurrent.futures a program uses.

from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import (
    ALL_COMPLETED as ALL_COMPLETED,
    FIRST_COMPLETED as FIRST_COMPLETED,
    FIRST_EXCEPTION as FIRST_EXCEPTION,
    BrokenExecutor as BrokenExecutor,
    CancelledError as CancelledError,
    Executor as Executor,
    Future as Future,
    TimeoutError as TimeoutError,
)
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from typing_extensions import ParamSpec, TypeVarTuple, Unpack

from ._executor import TorcFuture as TorcFuture, as_completed as as_completed, wait as wait

__all__ = [
    "ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION", "BrokenExecutor", "CancelledError",
    "Executor", "Future", "TimeoutError", "TorcCommExecutor", "TorcFuture", "TorcPoolExecutor",
    "as_completed", "wait",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
_T1 = TypeVar("_T1")
_T2 = TypeVar("_T2")
_T3 = TypeVar("_T3")
_T4 = TypeVar("_T4")
_P = ParamSpec("_P")
_Ts = TypeVarTuple("_Ts")

class TorcPoolExecutor(Executor):
    """A ``concurrent.futures.Executor`` running tasks on every worker of the torcpy job."""

    # False, or why the initializer broke the executor (tests/programs read it).
    _broken: bool | str
    _max_workers: int
    # `initializer(*initargs)` runs once in every process of the job, before its first task.
    @overload
    def __init__(
        self,
        max_workers: int | None = None,
        *,
        initializer: Callable[[], object] | None = None,
        initargs: tuple[()] = (),
    ) -> None: ...
    @overload
    def __init__(
        self,
        max_workers: int | None = None,
        *,
        initializer: Callable[[Unpack[_Ts]], object],
        initargs: tuple[Unpack[_Ts]],
    ) -> None: ...
    @property
    def num_workers(self) -> int:
        """The workers of the job (every rank's)."""
    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> TorcFuture[_T]: ...
    # On worker `qid` of the job (0 .. num_workers - 1; -1: round robin).
    def submit_to(
        self, qid: int, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> TorcFuture[_T]: ...
    # `fn` over zip(*iterables), as a lazy generator of the results; closing it cancels what
    # was not consumed. One overload per number of iterables (as builtins.map) checks the
    # items against `fn`'s parameters; five iterables or more are not checked. `progress`
    # (a torcpy extension: True or seconds between lines) runs torcpy.map and iterates over
    # its list. The override ignore: no single overload takes any number of iterables, as
    # Executor.map does; one that did would accept what the others refuse.
    @overload  # type: ignore[override]
    def map(
        self,
        fn: Callable[..., object],
        *,
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[Any, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[[_T1], _R],
        iterable1: Iterable[_T1],
        /,
        *,
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[_R, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[[_T1, _T2], _R],
        iterable1: Iterable[_T1],
        iterable2: Iterable[_T2],
        /,
        *,
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[_R, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[[_T1, _T2, _T3], _R],
        iterable1: Iterable[_T1],
        iterable2: Iterable[_T2],
        iterable3: Iterable[_T3],
        /,
        *,
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[_R, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[[_T1, _T2, _T3, _T4], _R],
        iterable1: Iterable[_T1],
        iterable2: Iterable[_T2],
        iterable3: Iterable[_T3],
        iterable4: Iterable[_T4],
        /,
        *,
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[_R, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[..., _R],
        iterable1: Iterable[Any],
        iterable2: Iterable[Any],
        iterable3: Iterable[Any],
        iterable4: Iterable[Any],
        iterable5: Iterable[Any],
        /,
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: Literal[False] | None = None,
    ) -> Generator[_R, None, None]: ...
    @overload
    def map(
        self,
        fn: Callable[..., _R],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
        progress: float,
    ) -> Iterator[_R]: ...
    # `map` with each call's arguments already grouped: fn(*a) for a in iterable.
    def starmap(
        self,
        fn: Callable[..., _R],
        iterable: Iterable[Iterable[Any]],
        timeout: float | None = None,
        chunksize: int = 1,
        unordered: bool = False,
        buffersize: int | None = None,
    ) -> Generator[_R, None, None]: ...
    # Waits for every task submitted through this executor so far (it stays usable).
    def wait(self) -> None: ...
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...

class TorcCommExecutor:
    """A context manager for SPMD scripts under plain ``mpirun``, as
    ``mpi4py.futures.MPICommExecutor``: rank 0 gets a ``TorcPoolExecutor``, the other ranks
    ``None``."""

    # `comm`: MPI.COMM_WORLD or None; the keywords go to TorcPoolExecutor.
    @overload
    def __init__(
        self,
        comm: object = None,
        root: int = 0,
        *,
        max_workers: int | None = None,
        initializer: Callable[[], object] | None = None,
        initargs: tuple[()] = (),
    ) -> None: ...
    @overload
    def __init__(
        self,
        comm: object = None,
        root: int = 0,
        *,
        max_workers: int | None = None,
        initializer: Callable[[Unpack[_Ts]], object],
        initargs: tuple[Unpack[_Ts]],
    ) -> None: ...
    def __enter__(self) -> TorcPoolExecutor | None: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]: ...
