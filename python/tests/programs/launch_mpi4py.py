"""A script written for mpi4py.futures (tests/test_launch.py runs it as written, and a copy
in which the test replaced only the import line's module and the class names to use
torcpy.futures instead; both must print the same ``answer:`` lines).

MODE (sys.argv[1]):

* ``pool``: ``MPIPoolExecutor`` (run ``mpirun -np 3 python -m mpi4py.futures
  launch_mpi4py.py pool``);
* ``comm``: ``MPICommExecutor(MPI.COMM_WORLD, root=0)`` in an SPMD script (run ``mpirun -np 3
  python launch_mpi4py.py comm``); the ranks that get no executor print nothing.

The work uses submit, map (with chunksize, and a failing item), as_completed, wait,
add_done_callback and result() raising the task's exception; only values that do not depend
on where tasks ran are printed.
"""

import sys
import threading

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor, MPICommExecutor, as_completed, wait


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def square(x):
    return x * x


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def checked_inverse(x):
    if x == 0:
        raise ZeroDivisionError(f"no inverse of {x}")
    if x < 0:
        raise ValueError(f"negative input {x}")
    return 1.0 / x


def describe(exc):
    return f"{type(exc).__name__}: {exc}"


def run(executor):
    say(f"answer: submit {[f.result() for f in [executor.submit(square, x) for x in range(10)]]}")
    say(f"answer: submit kwargs {executor.submit(int, '777', base=8).result()}")
    say(f"answer: map chunksize=1 {list(executor.map(collatz_steps, range(1, 30)))}")
    say(f"answer: map chunksize=7 {list(executor.map(collatz_steps, range(1, 60), chunksize=7))}")
    say(f"answer: map two iterables {list(executor.map(pow, range(8), [2] * 8, chunksize=3))}")
    got = []
    try:
        # The failing item starts a chunk: mpi4py.futures (as concurrent.futures) drops the
        # results before a failing item of the same chunk, torcpy keeps them.
        for value in executor.map(checked_inverse, [4, 2, -5, 1, 8], chunksize=2):
            got.append(value)
    except ValueError as e:
        say(f"answer: map failed after {got}: {describe(e)}")
    futures = [executor.submit(collatz_steps, n) for n in (27, 97, 871, 6171)]
    say(f"answer: as_completed {sorted(f.result() for f in as_completed(futures))}")
    futures = [executor.submit(square, x) for x in range(20)]
    done, not_done = wait(futures)
    say(f"answer: wait {len(done)} done {len(not_done)} not done, "
        f"sum {sum(f.result() for f in done)}")
    seen, changed = [], threading.Condition()

    def record(future):
        with changed:
            seen.append(future.result())
            changed.notify_all()

    futures = [executor.submit(square, x) for x in range(12)]
    for f in futures:
        f.add_done_callback(record)
    wait(futures)
    # A callback runs once its future is done, possibly just after wait() returned.
    with changed:
        changed.wait_for(lambda: len(seen) == len(futures), timeout=60)
    say(f"answer: callbacks {sorted(seen)}")
    for bad in (0, -2):
        f = executor.submit(checked_inverse, bad)
        try:
            f.result()
            say("answer: result raised nothing")
        except (ZeroDivisionError, ValueError) as e:
            say(f"answer: result raised {describe(e)}; exception() {describe(f.exception())}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "pool":
        with MPIPoolExecutor() as executor:
            run(executor)
        say("answer: done")
    elif mode == "comm":
        with MPICommExecutor(MPI.COMM_WORLD, root=0) as comm_executor:
            if comm_executor is not None:
                run(comm_executor)
                say("answer: done")
    else:
        raise SystemExit(f"unknown mode {mode!r}")
