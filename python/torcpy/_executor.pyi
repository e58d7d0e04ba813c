# Type stubs for torcpy._executor: the executor's future, waiting on futures, and the
# iterator of TorcPoolExecutor.map (the public names are re-exported by torcpy.futures).

from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures._base import DoneAndNotDoneFutures
from typing import Any, NoReturn, TypeVar

from ._core import Task
from .futures import TorcPoolExecutor

_T = TypeVar("_T")
_U = TypeVar("_U")
_F = TypeVar("_F", bound=Future[Any])

class TorcFuture(Future[_T]):
    """The future of a task submitted through ``torcpy.futures.TorcPoolExecutor``: a
    ``concurrent.futures.Future`` that also gives the task's arguments back."""

    # Not created by programs: TorcPoolExecutor.submit makes them.
    _task: Task[_T]
    def cancel(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def running(self) -> bool: ...
    def done(self) -> bool: ...
    def result(self, timeout: float | None = None) -> _T: ...
    def exception(self, timeout: float | None = None) -> BaseException | None: ...
    # The callback gets this future (a TorcFuture, with input() and kw_input()).
    def add_done_callback(self, fn: Callable[[TorcFuture[_T]], object]) -> None: ...
    def set_running_or_notify_cancel(self) -> bool: ...
    # A torcpy future is completed by its task only: these raise RuntimeError.
    def set_result(self, result: _T) -> NoReturn: ...
    def set_exception(self, exception: BaseException | None) -> NoReturn: ...
    def input(self) -> Any:
        """The positional arguments as submitted: the argument itself when there is one,
        else the tuple."""
    def kw_input(self) -> dict[str, Any]:
        """The keyword arguments as submitted."""
    def __reduce__(self) -> NoReturn: ...

def on_worker() -> bool: ...

# concurrent.futures.wait and as_completed, which run other tasks while they wait inside
# the runtime. as_completed yields the very futures it was given (their own type).
def wait(
    fs: Iterable[Future[_T]], timeout: float | None = None, return_when: str = "ALL_COMPLETED"
) -> DoneAndNotDoneFutures[_T]: ...
def as_completed(fs: Iterable[_F], timeout: float | None = None) -> Generator[_F, None, None]: ...

# The iterator of TorcPoolExecutor.map: `fs` (per item, or per chunk with `chunked`),
# `more` the units not submitted yet, `end` the deadline (time.monotonic()).
def map_results(
    executor: TorcPoolExecutor,
    fs: list[TorcFuture[Any]],
    more: Iterator[_U] | None,
    submit_unit: Callable[[_U], TorcFuture[Any]],
    end: float | None,
    unordered: bool,
    chunked: bool,
) -> Generator[Any, None, None]: ...
def chunks(args: Iterator[_U], size: int) -> Generator[list[_U], None, None]: ...
def end_phase() -> None: ...
def run_initializer(initializer: Callable[..., object], initargs: Iterable[Any]) -> None: ...
