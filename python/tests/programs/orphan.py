"""A failed task whose parent returned without waiting for it (a task on the last worker
submits ``raise_value("unseen-orphan")`` to its own worker and returns): nobody can look at
its exception, so stderr must say so ("nobody looked at the exception of task raise_value:
ValueError: bad value: unseen-orphan"), on the parent's node. Run with TORCPY_WORKERS=1:
the child then cannot start before its parent has returned."""

import sys

import torcpy


def say_line(text):
    """One line in one write (print writes the newline apart: the lines of ranks printing
    at the same time would interleave in mpirun's output)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def raise_value(x):
    raise ValueError(f"bad value: {x}")


def orphaner():
    torcpy.submit(raise_value, "unseen-orphan", qid=torcpy.worker_id())
    return torcpy.node_id()


def main():
    node = torcpy.submit(orphaner, qid=torcpy.num_workers() - 1).result()
    torcpy.wait()
    say_line(f"orphan: parent ran on node {node}")


if __name__ == "__main__":
    torcpy.start(main)
