"""Ctrl-C while the script waits on a torcpy.futures executor (tests/test_launch.py).

``python launch_sigint.py WHERE CATCH DIR`` (or under ``python -m torcpy`` / ``mpirun``):
rank 0 prints ``sigint: PID <pid>`` (the process the test sends SIGINT to), starts a
``blocker`` task (placed on the last worker of the job, another node when there are several;
``map`` places it round robin) that waits until the file ``DIR/gate`` exists, waits until
the task has started (it creates ``DIR/started-<WHERE>``; the script polls for the file, so
the task runs on a worker thread and not on the script's), prints ``sigint: READY <WHERE>``
and waits for the task in one of these ways (WHERE):

* ``result``: ``future.result()``;
* ``wait``: ``torcpy.futures.wait([future])``;
* ``map``: iterating ``ex.map(blocker, ...)``;
* ``with``: leaving a ``with TorcPoolExecutor() as inner:`` block that submitted it (a
  subclass whose ``shutdown``, called by ``__exit__``, prints READY first).

With CATCH = ``catch`` the script catches ``KeyboardInterrupt`` (``sigint: CAUGHT ...``),
opens the gate, prints what the blocker returned (``sigint: blockers gave [...]``, empty for
``map``, whose future the script does not hold), waits for every task of the executor, uses
it again (``sigint: after catching: ...``) and ends normally (``sigint: END``). With
``nocatch`` it only prints ``sigint: FINALLY <WHERE>`` in a ``finally`` block and lets the
interrupt end the job. ``sigint: NOT INTERRUPTED`` means the wait returned.
"""
import os
import sys
import time

import torcpy
from torcpy.futures import TorcPoolExecutor, wait


def say(text):
    """One line in one write (lines of ranks printing at once must not interleave)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def poll_for(path, seconds=60):
    """Waits until ``path`` exists (or ``seconds`` passed: the test then fails on its own
    timeout or on the missing lines); returns whether it exists."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def blocker(directory, tag):
    """A task: marks itself started, then returns once the gate opens."""
    open(os.path.join(directory, f"started-{tag}"), "w").close()
    say(f"sigint: BLOCKING {tag} on node {torcpy.node_id()}")
    if not poll_for(os.path.join(directory, "gate")):
        return f"gate never opened for {tag}"
    return f"released {tag} on node {torcpy.node_id()}"


def square(x):
    return x * x


class ReadyWhenLeaving(TorcPoolExecutor):
    """Prints READY as the ``with`` block is left (``__exit__`` calls ``shutdown``), before
    the wait: an interrupt that comes at once is raised there, in the leaving, and never
    in the block's body (whose ``__exit__`` would then wait for the blocker, which only
    ends after the interrupt is caught)."""

    def shutdown(self, wait=True, **kwargs):
        say("sigint: READY with")
        super().shutdown(wait, **kwargs)


def interrupted_wait(ex, where, directory, blockers):
    """Starts a blocker (its future goes into ``blockers`` when the script has one), prints
    READY once it runs, then waits for it as ``where`` says."""
    last = ex.num_workers - 1
    started = os.path.join(directory, f"started-{where}")
    if where in ("result", "wait"):
        f = ex.submit_to(last, blocker, directory, where)
        blockers.append(f)
        poll_for(started)
        say(f"sigint: READY {where}")
        if where == "result":
            f.result()
        else:
            wait([f])
    elif where == "map":
        results = ex.map(blocker, [directory], [where])
        poll_for(started)
        say(f"sigint: READY {where}")
        for _ in results:
            pass
    elif where == "with":
        with ReadyWhenLeaving() as inner:
            blockers.append(inner.submit_to(last, blocker, directory, where))
            poll_for(started)
    else:
        raise SystemExit(f"launch_sigint.py: unknown WHERE {where!r}")


def main(where, catch, directory):
    ex = TorcPoolExecutor()
    say(f"sigint: PID {os.getpid()} on node {torcpy.node_id()} of {torcpy.num_nodes()}")
    blockers: list[torcpy.futures.TorcFuture[str]] = []
    if catch == "catch":
        try:
            interrupted_wait(ex, where, directory, blockers)
            say("sigint: NOT INTERRUPTED")
        except KeyboardInterrupt:
            say(f"sigint: CAUGHT KeyboardInterrupt in {where}")
        open(os.path.join(directory, "gate"), "w").close()
        say(f"sigint: blockers gave {[f.result() for f in blockers]}")
        ex.wait()
        g = ex.submit_to(ex.num_workers - 1, square, 12)
        mapped = list(ex.map(square, range(6)))
        say(f"sigint: after catching: {g.result()} {mapped}")
        say("sigint: END")
    else:
        try:
            interrupted_wait(ex, where, directory, blockers)
            say("sigint: NOT INTERRUPTED")
        finally:
            say(f"sigint: FINALLY {where}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
