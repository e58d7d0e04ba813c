"""The primary task (main) ending abnormally; tests/test_errors.py checks the exit status,
that the traceback is printed once and that the job ends at once. Modes (argv[1]):

* ``raise``: main raises ValueError("primary-failure-42");
* ``raise-busy [seconds]``: the same while a task sleeps (120 s) on the last worker (with
  several ranks the job must not wait for it; with one, main's exception propagates after
  the shutdown, which waits for every task);
* ``raise-in-task``: main re-raises the exception of a remote task (result());
* ``exit3``: main calls sys.exit(3); ``exit0``: sys.exit(0) (a clean end);
* ``ok``: main returns normally (prints ``primary: main returned``).
"""

import sys
import time

import torcpy


def say_line(text):
    """One line in one write (print writes the newline apart: the lines of ranks printing
    at the same time would interleave in mpirun's output)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def sleeper(seconds):
    say_line("primary: sleeper started")
    time.sleep(seconds)
    return seconds


def fail_in_task():
    raise ValueError("primary-failure-42")  # THE TASK'S RAISING LINE


def square(x):
    return x * x


def main(mode):
    assert torcpy.submit(square, 3, qid=torcpy.num_workers() - 1).result() == 9
    say_line(f"primary: main running ({mode})")
    if mode == "raise":
        raise ValueError("primary-failure-42")  # THE RAISING LINE
    if mode == "raise-busy":
        seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
        torcpy.submit(sleeper, seconds, qid=torcpy.num_workers() - 1)
        raise ValueError("primary-failure-42")  # THE RAISING LINE
    if mode == "raise-in-task":
        torcpy.submit(fail_in_task, qid=torcpy.num_workers() - 1).result()
    if mode == "exit3":
        sys.exit(3)
    if mode == "exit0":
        sys.exit(0)
    say_line("primary: main returned")
    return "main-result"


if __name__ == "__main__":
    r = torcpy.start(lambda: main(sys.argv[1]))
    say_line(f"primary: start returned {r!r} on rank {'?' if r is None else 0}")
