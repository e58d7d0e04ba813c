"""The private core of ``torcpy.futures``: the executor's future (a
``concurrent.futures.Future`` whose state lives in its torc task), waiting on such futures
inside the runtime, and the iterator of ``map``.

A ``TorcFuture`` never takes the GIL when its task completes unless something watches it:
waiters of ``concurrent.futures.wait``/``as_completed``, a thread that is not one of the
runtime's workers waiting for it, a done callback. Those attach a condition and a notifier
(``_watchers``), which the completion then calls (see ``python/src/pool.rs``). A worker of
the runtime (the script's main thread on rank 0 is one) waits inside the runtime instead,
running other tasks meanwhile.
"""

import collections
import concurrent.futures as _cf
import itertools
import threading
import time
import weakref
from concurrent.futures import _base

from . import _core
from ._core import _FOREIGN

#: ``concurrent.futures``' names of the states, by the task's state number.
_STATE_NAMES = (_base.PENDING, _base.RUNNING, _base.CANCELLED_AND_NOTIFIED, _base.FINISHED)
_PENDING, _RUNNING, _CANCELLED, _FINISHED = range(4)
#: Guards the one-time creation of a future's watchers.
_WATCH_LOCK = threading.Lock()
_LOGGER = _base.LOGGER


class TorcFuture(_cf.Future):
    """The future of a task submitted through ``torcpy.futures.TorcPoolExecutor``: a
    ``concurrent.futures.Future`` (``result``, ``exception``, ``cancel``, ``done``,
    ``add_done_callback``; ``concurrent.futures.wait``/``as_completed`` and
    ``asyncio.wrap_future`` accept it) that also gives the task's arguments back
    (``input()``, ``kw_input()``, as torcpy's ``Task``)."""

    # No state of concurrent.futures' own: it lives in the task (`_task`, set by the
    # executor right after creation); `_w` holds the watchers once there are any.
    __slots__ = ("_task", "_w")
    __init__ = object.__init__

    # -- what concurrent.futures.wait/as_completed read directly

    @property
    def _state(self):
        return _STATE_NAMES[self._task._state()]

    @property
    def _condition(self):
        return self._watchers()[0]

    @property
    def _waiters(self):
        return self._watchers()[1]

    def _watchers(self):
        """(condition, waiters, done callbacks), made and attached once."""
        w = getattr(self, "_w", None)
        if w is None:
            with _WATCH_LOCK:
                w = getattr(self, "_w", None)
                if w is None:
                    w = (threading.Condition(), [], [])
                    _core._gc_track(self)
                    self._w = w
                    self._task._watch(weakref.ref(self))
        return w

    def _notify(self):
        # Called once after the task's completion (state FINISHED, outcome known) when it is
        # watched, by the notifier thread (python/src/notifier.rs).
        cond, waiters, callbacks = self._w
        with cond:
            failed = self._task._xget(0, True) is not None
            for w in waiters:
                if failed:
                    w.add_exception(self)
                else:
                    w.add_result(self)
            cond.notify_all()
            todo = callbacks[:]
            del callbacks[:]
        self._invoke(todo)

    def _invoke(self, callbacks):
        for fn in callbacks:
            try:
                fn(self)
            except Exception:
                _LOGGER.exception("exception calling callback for %r", self)

    # -- the public interface

    def cancel(self):
        """Cancels the task if it has not started (it is still queued on the submitting
        node); returns whether it is cancelled. A task that runs, ran, or went to another
        node cannot be cancelled."""
        r = self._task._cancel()
        if r == 0:
            return False
        if r == 1:
            self._cancelled_now()
        return True

    def _cancelled_now(self):
        # Called once, by whoever cancelled it: its waiters and callbacks learn it now.
        w = getattr(self, "_w", None)
        if w is not None:
            cond, waiters, callbacks = w
            with cond:
                for x in waiters:
                    x.add_cancelled(self)
                cond.notify_all()
                todo = callbacks[:]
                del callbacks[:]
            self._invoke(todo)

    def cancelled(self):
        return self._task._state() == _CANCELLED

    def running(self):
        return self._task._state() == _RUNNING

    def done(self):
        return self._task._state() >= _CANCELLED

    def _wait(self, timeout):
        """Waits until final or `timeout` seconds; whether it is final."""
        t = self._task
        if t._final():
            return True
        r = t._xwait(timeout)
        if r == 2:
            return self._wait_foreign(timeout)
        return r == 0

    def _wait_foreign(self, timeout):
        # A thread that is no worker of the runtime: the completion notifies the condition.
        cond = self._watchers()[0]
        with cond:
            return cond.wait_for(self._task._final, timeout)

    def result(self, timeout=None):
        """The task's result, waiting up to ``timeout`` seconds (None: no limit); raises
        the task's exception, ``CancelledError``, or ``TimeoutError``. Inside a task, or on
        the script's thread, the worker runs other tasks while it waits."""
        r = self._task._xget(timeout, False)
        return self._get_foreign(timeout, False) if r is _FOREIGN else r

    def exception(self, timeout=None):
        """The task's exception (None if it returned), waiting as ``result`` does."""
        r = self._task._xget(timeout, True)
        return self._get_foreign(timeout, True) if r is _FOREIGN else r

    def _get_foreign(self, timeout, exception):
        # A thread that is no worker of the runtime: wait on the condition, then read.
        if not self._wait_foreign(timeout):
            raise _cf.TimeoutError()
        return self._task._xget(0, exception)

    def add_done_callback(self, fn):
        """Calls ``fn(future)`` on this node once the future is done (at once if it is);
        an exception in ``fn`` is logged and ignored."""
        cond, _, callbacks = self._watchers()
        with cond:
            if not self._task._final():
                callbacks.append(fn)
                return
        self._invoke((fn,))

    def set_running_or_notify_cancel(self):
        return self._task._set_running()

    def set_result(self, result):
        raise RuntimeError("TorcFuture.set_result: a torcpy future is completed by its task")

    def set_exception(self, exception):
        raise RuntimeError(
            "TorcFuture.set_exception: a torcpy future is completed by its task")

    def input(self):
        """The positional arguments as submitted: the argument itself when there is one,
        else the tuple."""
        return self._task.input()

    def kw_input(self):
        """The keyword arguments as submitted."""
        return self._task.kw_input()

    def __repr__(self):
        state = self._task._state()
        name = _STATE_NAMES[state].lower().replace("_and_notified", "")
        if state == _FINISHED and self._task.done():
            exc = self._task._xget(0, True)
            if exc is not None:
                return (f"<{type(self).__name__} at {id(self):#x} state={name} raised "
                        f"{type(exc).__name__}>")
            return (f"<{type(self).__name__} at {id(self):#x} state={name} returned "
                    f"{type(self._task._xget(0, False)).__name__}>")
        return f"<{type(self).__name__} at {id(self):#x} state={name}>"

    def __reduce__(self):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


def on_worker():
    """Whether the calling thread is one of the runtime's workers (it then waits inside the
    runtime, running other tasks)."""
    return _core.on_worker()


def _all_torc(fs):
    return all(type(f) is TorcFuture or isinstance(f, TorcFuture) for f in fs)


def _remaining(end):
    return None if end is None else max(0.0, end - time.monotonic())


def wait(fs, timeout=None, return_when=_cf.ALL_COMPLETED):
    """``concurrent.futures.wait``: inside the runtime (a task, or the script's thread),
    waiting for torcpy futures runs other tasks meanwhile; any other case is
    ``concurrent.futures.wait`` itself."""
    fs = set(fs)
    if not fs or not on_worker() or not _all_torc(fs):
        return _cf.wait(fs, timeout=timeout, return_when=return_when)
    if return_when not in (_cf.FIRST_COMPLETED, _cf.FIRST_EXCEPTION, _cf.ALL_COMPLETED):
        raise ValueError(f"Invalid return condition: {return_when!r}")
    end = None if timeout is None else time.monotonic() + timeout
    done = {f for f in fs if f.done()}
    not_done = fs - done

    def failed(f):
        return not f.cancelled() and f.exception() is not None

    if (not not_done or (return_when == _cf.FIRST_COMPLETED and done)
            or (return_when == _cf.FIRST_EXCEPTION and any(failed(f) for f in done))):
        return _base.DoneAndNotDoneFutures(done, not_done)
    by_task = {id(f._task): f for f in not_done}
    it = _core.as_completed([f._task for f in not_done])
    while not_done:
        timed_out, t = it._next(_remaining(end))
        if timed_out or t is None:
            break
        f = by_task[id(t)]
        done.add(f)
        not_done.discard(f)
        if return_when == _cf.FIRST_COMPLETED:
            break
        if return_when == _cf.FIRST_EXCEPTION and failed(f):
            break
    return _base.DoneAndNotDoneFutures(done, not_done)


def as_completed(fs, timeout=None):
    """``concurrent.futures.as_completed``: the futures as they complete (those done already
    first); ``TimeoutError`` when ``timeout`` seconds pass first. Inside the runtime the
    wait runs other tasks meanwhile; any other case is ``concurrent.futures.as_completed``."""
    end = None if timeout is None else time.monotonic() + timeout
    fs = set(fs)
    total = len(fs)
    if not fs or not on_worker() or not _all_torc(fs):
        yield from _cf.as_completed(fs, timeout=timeout)
        return
    finished = [f for f in fs if f.done()]
    pending = fs - set(finished)
    yield from finished
    del finished
    if not pending:
        return
    by_task = {id(f._task): f for f in pending}
    it = _core.as_completed([f._task for f in pending])
    while pending:
        timed_out, t = it._next(_remaining(end))
        if timed_out:
            raise _cf.TimeoutError(f"{len(pending)} (of {total}) futures unfinished")
        if t is None:
            return
        f = by_task.pop(id(t))
        pending.discard(f)
        yield f


_END = object()


def map_results(executor, fs, more, submit_unit, end, unordered, chunked):
    """The iterator of ``TorcPoolExecutor.map``: the results of futures ``fs`` (one per item,
    or per chunk of items when ``chunked``), in input order or (``unordered``) as they
    complete; ``more`` (when a buffer size bounds the items in flight) yields the units not
    submitted yet, one of which is submitted per result taken. Whatever was not consumed is
    cancelled when the iterator is closed or raises."""
    pending = collections.deque(fs)
    del fs
    try:
        while pending:
            if unordered:
                f = _next_done(pending, end)
            else:
                f = pending.popleft()
            if more is not None:
                u = next(more, _END)
                if u is _END:
                    more = None
                else:
                    pending.append(submit_unit(u))
            if not f._wait(_remaining(end)):
                pending.appendleft(f)
                raise _cf.TimeoutError()
            # Nothing here keeps the future, or its result, once the result is handed out
            # (the caller may drop it at once).
            if chunked:
                try:
                    values = f.result()
                except BaseException as e:
                    del f
                    partial = e.__dict__.pop("_torcpy_done", None) if hasattr(e, "__dict__") \
                        else None
                    if partial:
                        partial.reverse()
                        while partial:
                            yield partial.pop()
                    raise
                del f
                values.reverse()
                while values:
                    yield values.pop()
            else:
                value = [f.result()]
                del f
                yield value.pop()
    finally:
        for f in pending:
            f.cancel()


def _next_done(pending, end):
    """Takes the first of `pending` to complete out of it (waiting up to `end`)."""
    for i, f in enumerate(pending):
        if f.done():
            del pending[i]
            return f
    if on_worker():
        by_task = {id(f._task): f for f in pending}
        timed_out, t = _core.as_completed([f._task for f in pending])._next(_remaining(end))
        if timed_out or t is None:
            raise _cf.TimeoutError()
        f = by_task[id(t)]
    else:
        done, _ = _cf.wait(pending, timeout=_remaining(end), return_when=_cf.FIRST_COMPLETED)
        if not done:
            raise _cf.TimeoutError()
        f = next(iter(done))
    pending.remove(f)
    return f


def chunks(args, size):
    """Lists of `size` argument tuples from the iterator `args` (the last may be shorter)."""
    while True:
        chunk = list(itertools.islice(args, size))
        if not chunk:
            return
        yield chunk


def end_phase():
    """Ends a ``TorcCommExecutor`` block's task phase on this rank (run on every rank by
    rank 0 through ``spmd`` when it leaves the block)."""
    _core.end_phase()


def run_initializer(initializer, initargs):
    """Runs an executor's initializer on this rank (through ``spmd`` on every rank); an
    exception is logged here and fails the ``spmd``."""
    try:
        initializer(*initargs)
    except BaseException:
        _LOGGER.critical("Exception in initializer:", exc_info=True)
        raise
