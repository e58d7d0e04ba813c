"""Ctrl-C in a torcpy job: how it reaches the script, and how an uncaught one ends the job.

Python raises ``KeyboardInterrupt`` for SIGINT in the main thread; torcpy's waits let it
through within 50 ms wherever the script waits (``python/src/blocking.rs``). Open MPI's
``mpirun`` does not pass SIGINT on: it sends SIGTERM to every rank a second later, then
kills them. So on rank 0 of a job of several ranks, SIGTERM raises ``KeyboardInterrupt`` in
the script too, unless the program handles SIGTERM itself.
"""

import os
import signal
import sys
import threading
import traceback

from . import _core


def _interrupt(signum, frame):
    # Marked as a signal's: a task that the main thread runs inside a wait and that gets
    # this KeyboardInterrupt fails with it, and the wait raises it too (a task raising
    # KeyboardInterrupt itself only fails).
    _core.note_signal()
    raise KeyboardInterrupt()


def sigterm_interrupts():
    """Installs torcpy's handling of interrupts, on the main thread: SIGINT raises
    ``KeyboardInterrupt`` as Python's own handler does, marked as a signal's. In a job of
    several ranks, unless the program handles SIGTERM itself: on rank 0 SIGTERM raises
    ``KeyboardInterrupt`` too (see the module documentation); the other ranks ignore it, so
    that rank 0 decides how the job ends (it ends it at once when the interrupt is not
    caught)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    if _core.role() is None or _core.num_nodes() == 1:
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        primary = _core.role() == "primary"
        signal.signal(signal.SIGTERM, _interrupt if primary else signal.SIG_IGN)


def print_program_traceback(exc, skip_files):
    """Prints `exc`'s traceback as Python would for the program, without the launcher's own
    frames (those of `skip_files` and of runpy) at its top."""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name in skip_files or "runpy" in name or "importlib" in name:
            tb = tb.tb_next
        else:
            break
    traceback.print_exception(type(exc), exc, tb)


def end_interrupted():
    """Ends the job after an uncaught ``KeyboardInterrupt``: status 130 on every rank, at
    once (queued tasks are dropped)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if _core.role() is None or _core.num_nodes() == 1:
        os._exit(130)
    _core.abort(130)
