"""A program for ``python -m torcpy`` (tests/test_launch.py): run as a script
(``python -m torcpy launch_script.py MODE args...``) or as a package's module (the test copies
it and launch_helper.py into a package: ``python -m torcpy -m launchpkg.launch_script MODE``).

Module-level code runs in every process: it prints one ``launch: module level`` line with the
node and the module's name and one ``launch: module argv`` line with ``sys.argv``, and fills ``LOADS`` and ``TABLE``, which the tasks read. Rank 0's
``if __name__ == "__main__"`` block prints ``launch: MAIN BLOCK`` and ``launch: argv``, then,
depending on MODE (sys.argv[1]):

* ``ok``: one task placed on every worker of the job (``submit_to``) returns its node, an
  entry of ``TABLE``, whether the module was loaded once in that process, its ``__name__``,
  and the helper module's answer; the results are printed as ``launch:`` lines;
* ``exit0`` / ``exit3``: ``sys.exit(0)`` / ``sys.exit(3)`` after a task;
* ``raise``: an uncaught ``ValueError`` raised two calls deep (``# THE RAISING LINE``);
* ``travel``: objects of the script going from another rank back to rank 0: a task on the
  job's last worker returns an instance of the script's class ``Point``, and a task there
  submits a child task (a function of the script) to worker 0, on node 0.
"""

import os
import sys
from typing import TYPE_CHECKING

import torcpy
from torcpy.futures import TorcPoolExecutor

# (mypy checks this file as a script, where a relative import is an error: it takes the
# first branch.)
if TYPE_CHECKING or not __package__:
    import launch_helper
else:
    from . import launch_helper


def say(text):
    """One line in one write (lines of ranks printing at once must not interleave)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


#: Module-level code: runs once in every process of the job.
LOADS = []
LOADS.append(os.getpid())
TABLE = [3 * k + 7 for k in range(16)]
say(f"launch: module level on node {torcpy.node_id()} as {__name__}")
say(f"launch: module argv on node {torcpy.node_id()}: {sys.argv!r}")


def probe(k):
    """A task: (node, TABLE[k], module loaded once here, __name__, helper's answer)."""
    node, shifted, helper_once = launch_helper.shifted(k)
    return (torcpy.node_id(), TABLE[k], LOADS == [os.getpid()], __name__, shifted,
            helper_once and node == torcpy.node_id())


class Point:
    def __init__(self, x):
        self.x = x


def make_point(x):
    """A task: an instance of the script's class."""
    return Point(x)


def leaf(x):
    return torcpy.node_id(), x


def parent(x):
    """A task: runs ``leaf(x)`` as a child task on worker 0 (node 0)."""
    child = torcpy.submit(leaf, x, qid=0)
    return torcpy.node_id(), child.result()


def travel(ex):
    last = ex.num_workers - 1
    try:
        p = ex.submit_to(last, make_point, 5).result()
        say(f"launch: travel point {type(p).__name__} {isinstance(p, Point)} {p.x}")
    except Exception as e:
        say(f"launch: travel point failed: {type(e).__name__}: {e}")
    try:
        say(f"launch: travel nested {ex.submit_to(last, parent, 3).result()}")
    except Exception as e:
        say(f"launch: travel nested failed: {type(e).__name__}: {e}")


def inner_failure(x):
    raise ValueError(f"launch-script-failure-{x}")  # THE RAISING LINE


def outer_failure(x):
    return inner_failure(x + 1)


def main(mode):
    with TorcPoolExecutor() as ex:
        n = ex.num_workers
        results = [f.result() for f in [ex.submit_to(q, probe, q % len(TABLE))
                                        for q in range(n)]]
        if mode == "ok":
            nodes = sorted({r[0] for r in results})
            say(f"launch: {n} workers on {torcpy.num_nodes()} nodes: tasks ran on nodes "
                f"{nodes}")
            table_ok = all(r[1] == TABLE[q % len(TABLE)] for q, r in enumerate(results))
            say(f"launch: table values right: {table_ok}")
            say(f"launch: module loaded once in every task's process: "
                f"{all(r[2] for r in results)}")
            names = sorted({(r[0], r[3]) for r in results})
            say(f"launch: task module names {names}")
            shifted_ok = all(r[4] == q % len(TABLE) + launch_helper.OFFSET and r[5]
                             for q, r in enumerate(results))
            say(f"launch: helper module right on every node: {shifted_ok}")
        elif mode == "exit0":
            say("launch: exiting with 0")
            sys.exit(0)
        elif mode == "exit3":
            say("launch: exiting with 3")
            sys.exit(3)
        elif mode == "travel":
            travel(ex)
        elif mode == "raise":
            say("launch: raising")
            outer_failure(6)
        else:
            raise SystemExit(f"launch_script.py: unknown mode {mode!r}")


if __name__ == "__main__":
    say(f"launch: MAIN BLOCK on node {torcpy.node_id()} in process {os.getpid()}")
    say(f"launch: argv {sys.argv!r}")
    main(sys.argv[1])
    say("launch: main block done")
