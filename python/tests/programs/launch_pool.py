"""A plain script using ``torcpy.futures.TorcPoolExecutor`` without ``torcpy.start``
(tests/test_launch.py): run as ``python launch_pool.py`` (the executor starts the runtime;
the job ends with the script) or ``mpirun -np N python launch_pool.py`` (every rank creates
the executor; only rank 0 goes on after the constructor, the others serve tasks and exit 0
inside it).

Prints (rank 0 only, if the executor behaves): ``pool: before the constructor`` on every
rank, ``pool: after the constructor``, the executor's worker count, the sum of cubes of
0..99 computed by tasks (``map``, then ``submit``), the nodes that ran one task placed on
every worker, and ``pool: script ends`` as its last line, after submitting a task nobody
waits for (it prints ``pool: unwaited task last ran``: the job's end waits for it).
"""

import os
import sys

import torcpy
from torcpy.futures import TorcPoolExecutor


def say(text):
    """One line in one write (lines of ranks printing at once must not interleave)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def cube(x):
    return x ** 3


def node_of(q):
    return q, torcpy.node_id()


def unwaited(tag):
    say(f"pool: unwaited task {tag} ran")
    return tag


rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("PMI_RANK", "0"))
say(f"pool: before the constructor on rank {rank}")
ex = TorcPoolExecutor()
say(f"pool: after the constructor on node {torcpy.node_id()} of {torcpy.num_nodes()}")
say(f"pool: num_workers {ex.num_workers}")
mapped = sum(ex.map(cube, range(100)))
submitted = sum(f.result() for f in [ex.submit(cube, x) for x in range(100)])
say(f"pool: sum of cubes {mapped} {submitted}")
placed = [f.result() for f in [ex.submit_to(q, node_of, q) for q in range(ex.num_workers)]]
say(f"pool: tasks placed on every worker ran on nodes {sorted({n for _, n in placed})}")
# Nobody waits for this one: the end of the script (the job's end) does.
ex.submit_to(ex.num_workers - 1, unwaited, "last")
say("pool: script ends")
