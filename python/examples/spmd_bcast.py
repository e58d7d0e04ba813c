"""Switching to SPMD inside a task-parallel program (Listing 2 of the torcpy paper).

The global numpy array ``A`` exists on every rank; the primary task (main, on rank 0)
initialises it there. ``torcpy.spmd(bcast_task, 0)`` then runs ``bcast_task`` on every rank
at once, where mpi4py's ``MPI.COMM_WORLD.Bcast`` sends rank 0's ``A`` to the others. The
example checks:

* before the broadcast, tasks on other nodes still see their own (zero) ``A``;
* in SPMD mode again, every rank compares its ``A`` with the expected values and an
  ``Allreduce`` counts the mismatches of all ranks (a rank that sees one raises, and
  ``spmd`` reports it on rank 0);
* after the SPMD phase, tasks run as usual: one task pinned on every worker of the job
  returns its node's copy of ``A``, which must be rank 0's.

Run it with::

    python spmd_bcast.py
    TORCPY_WORKERS=2 mpirun -np 3 python spmd_bcast.py
"""

import numpy
from mpi4py import MPI

import torcpy

N = 1000
A: numpy.ndarray = numpy.zeros(N, dtype=numpy.float64)


def expected_a():
    return 100.0 * numpy.arange(N, dtype=numpy.float64)


def bcast_task(root):
    """SPMD: broadcast rank ``root``'s A to every rank."""
    global A
    comm = MPI.COMM_WORLD
    comm.Bcast([A, MPI.DOUBLE], root=root)


def check_task():
    """SPMD: every rank checks its A; the ranks agree on the count of ranks that failed."""
    comm = MPI.COMM_WORLD
    mine = numpy.array([0 if numpy.array_equal(A, expected_a()) else 1], dtype=numpy.int64)
    bad: numpy.ndarray = numpy.zeros(1, dtype=numpy.int64)
    comm.Allreduce([mine, MPI.INT64_T], [bad, MPI.INT64_T], op=MPI.SUM)
    if mine[0]:
        raise RuntimeError(f"spmd_bcast: rank {comm.Get_rank()}: A did not arrive: "
                           f"A[:4] = {A[:4]}")
    if bad[0]:
        raise RuntimeError(f"spmd_bcast: rank {comm.Get_rank()}: {bad[0]} ranks have a wrong A")


def work():
    """A task: this node's copy of A (and where it ran)."""
    return torcpy.node_id(), A.copy()


def fail(message):
    raise RuntimeError(f"spmd_bcast: FAILED: {message}")


def on_every_worker(f):
    tasks = [torcpy.submit(f, qid=q) for q in range(torcpy.num_workers())]
    torcpy.wait()
    return [t.result() for t in tasks]


def main():
    global A
    # The primary task initialises A on rank 0.
    A[:] = expected_a()

    # Before the broadcast the other ranks' A is still zero.
    for node, a in on_every_worker(work):
        want = expected_a() if node == 0 else numpy.zeros(N)
        if not numpy.array_equal(a, want):
            fail(f"before the broadcast, node {node} has A[:4] = {a[:4]}")

    # Switch to SPMD: broadcast, then check on every rank.
    torcpy.spmd(bcast_task, torcpy.node_id())
    try:
        torcpy.spmd(check_task)
    except Exception as e:
        fail(f"the check on every rank raised: {e}")

    # The single primary task continues here; tasks still run on every worker.
    nodes = set()
    for node, a in on_every_worker(work):
        nodes.add(node)
        if not numpy.array_equal(a, expected_a()):
            fail(f"after the broadcast, node {node} has A[:4] = {a[:4]}")
    if nodes != set(range(torcpy.num_nodes())):
        fail(f"the tasks pinned on every worker ran on nodes {sorted(nodes)}")

    print(f"spmd_bcast: OK: A ({N} doubles) broadcast to {torcpy.num_nodes()} ranks "
          f"and checked by {torcpy.num_workers()} tasks after spmd")


if __name__ == "__main__":
    torcpy.start(main)
