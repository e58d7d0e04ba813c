"""Ctrl-C (SIGINT) while main waits for a long task: tests/test_errors.py sends SIGINT to
mpirun (or to python at one process) once the task printed ``sigint: SLEEPING`` and expects
the job to end soon, with a non-zero status. Main prints ``sigint: READY`` before it waits;
``sigint: NOT INTERRUPTED`` if the wait ever returns."""

import sys
import time

import torcpy


def say_line(text):
    """One line in one write (print writes the newline apart: the lines of ranks printing
    at the same time would interleave in mpirun's output)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def sleeper(seconds):
    say_line(f"sigint: SLEEPING on node {torcpy.node_id()}")
    time.sleep(seconds)
    return seconds


def main():
    t = torcpy.submit(sleeper, 60, qid=torcpy.num_workers() - 1)
    say_line("sigint: READY")
    t.result()
    say_line("sigint: NOT INTERRUPTED")


if __name__ == "__main__":
    torcpy.start(main)
