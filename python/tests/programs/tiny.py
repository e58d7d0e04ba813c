"""The smallest torcpy job: prints ``tiny: OK <nodes> x <local workers>`` on rank 0 (used
with bad TORCPY_* settings, which must stop every rank at start-up with a clear error)."""

import sys

import torcpy


def say_line(text):
    """One line in one write (print writes the newline apart: the lines of ranks printing
    at the same time would interleave in mpirun's output)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def where():
    return torcpy.node_id()


def main():
    nodes = {torcpy.submit(where, qid=w).result() for w in range(torcpy.num_workers())}
    assert nodes == set(range(torcpy.num_nodes())), nodes
    say_line(f"tiny: OK {torcpy.num_nodes()} x {torcpy.num_local_workers()}")


if __name__ == "__main__":
    torcpy.start(main)
