"""``torcpy.futures.TorcCommExecutor`` in an SPMD script under plain ``mpirun``
(tests/test_launch.py): every rank runs the whole script.

First the refusals, on every rank: ``root=1`` and (with several ranks) a communicator made by
``comm.Split`` raise ``ValueError``; rank 0 prints ``comm: refused ...`` lines with the
messages. Then three rounds; in each, every rank takes part in a ``bcast`` of the round's
base (rank 0's choice), enters ``with TorcCommExecutor(MPI.COMM_WORLD, root=0) as ex:``
(rank 0 gets the executor, the others None), rank 0 maps ``term`` over 40 items (chunksize 1
in round 1, 3 in round 2, 7 in round 3) and sums the values; after the block an
``allreduce`` gives every rank rank 0's sum and an ``allreduce`` of ranks counts the ranks
still there. Rank 0 prints each round's ``comm: round ...`` line (sum, nodes the tasks ran
on, what the other ranks got from ``with``); after the last round every rank prints
``comm: rank R done: sums [...] ranks N got-executor G``.
"""

import sys

from mpi4py import MPI

import torcpy
from torcpy.futures import TorcCommExecutor, TorcPoolExecutor

ITEMS = 40


def say(text):
    """One line in one write (lines of ranks printing at once must not interleave)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def term(base, i):
    """A task: (node, base + i * i)."""
    return torcpy.node_id(), base + i * i


def refused(make):
    try:
        make()
    except ValueError as e:
        return f"ValueError: {e}"
    return "nothing raised"


def main():
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    by_root = refused(lambda: TorcCommExecutor(comm, root=1))
    if size > 1:
        sub = comm.Split(color=rank % 2, key=rank)
        by_comm = refused(lambda: TorcCommExecutor(sub, root=0))
        sub.Free()
    else:
        by_comm = "one rank: not tried"
    if rank == 0:
        say(f"comm: refused root=1: {by_root}")
        say(f"comm: refused split: {by_comm}")

    sums, got = [], []
    for round_, chunksize in enumerate((1, 3, 7), 1):
        base = comm.bcast(100 * round_ if rank == 0 else None, root=0)
        total = 0
        with TorcCommExecutor(MPI.COMM_WORLD, root=0) as ex:
            got.append(ex is not None)
            if ex is not None:
                assert isinstance(ex, TorcPoolExecutor)
                results = list(ex.map(term, [base] * ITEMS, range(ITEMS),
                                      chunksize=chunksize))
                total = sum(v for _, v in results)
                nodes = sorted({n for n, _ in results})
        # Every rank is out of the block here: MPI collectives of all ranks again.
        everyone = comm.allreduce(total, op=MPI.SUM)
        ranks_here = comm.allreduce(1, op=MPI.SUM)
        got_on_others = comm.gather(got[-1], root=0)
        sums.append(everyone)
        if rank == 0:
            assert got_on_others is not None  # (gathered at rank 0)
            say(f"comm: round {round_}: base {base} chunksize {chunksize}: sum {total}, "
                f"tasks ran on nodes {nodes}; {ranks_here} ranks after the block; "
                f"with gave an executor on ranks "
                f"{[r for r, g in enumerate(got_on_others) if g]}")
    say(f"comm: rank {rank} done: sums {sums} ranks {comm.allreduce(1, op=MPI.SUM)} "
        f"got-executor {got}")


if __name__ == "__main__":
    main()
