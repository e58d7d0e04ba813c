"""Recursive Fibonacci with nested tasks (Listing 1 of the torcpy paper).

Above a cut-off ``fib(n)`` spawns two tasks, ``fib(n-1)`` and ``fib(n-2)``, waits for them
with ``torcpy.wait()`` (which runs other tasks meanwhile) and adds their results; below it,
it recurses sequentially. Tasks spawn tasks at several levels, across all nodes. The result
is checked against a sequential (iterative) Fibonacci.

Run it with::

    python fib.py [--n 25] [--cutoff 16]
    TORCPY_WORKERS=2 mpirun -np 3 python fib.py
"""

import argparse

import torcpy

CUTOFF = 16


def fib(n, cutoff=CUTOFF):
    if n == 0:
        result = 0
    elif n == 1:
        result = 1
    else:
        n_1 = n - 1
        n_2 = n - 2
        if n < cutoff:
            result1 = fib(n_1, cutoff)
            result2 = fib(n_2, cutoff)
            result = result1 + result2
        else:
            task1 = torcpy.submit(fib, n_1, cutoff)
            task2 = torcpy.submit(fib, n_2, cutoff)
            torcpy.wait()
            result = task1.result() + task2.result()

    return result


def fib_sequential(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def tasks_spawned(n, cutoff):
    """How many tasks fib(n) creates."""
    if n < 2 or n < cutoff:
        return 0
    return 2 + tasks_spawned(n - 1, cutoff) + tasks_spawned(n - 2, cutoff)


def parse_args(argv=None):
    """The command line (parsed on every rank before start: --help and errors end
    every rank at once, before MPI starts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=25)
    parser.add_argument("--cutoff", type=int, default=CUTOFF,
                        help="below this n, fib recurses without tasks")
    return parser.parse_args(argv)


def main(args):
    t0 = torcpy.gettime()
    result = fib(args.n, args.cutoff)
    elapsed = torcpy.gettime() - t0
    expected = fib_sequential(args.n)
    if result != expected:
        raise RuntimeError(f"fib: FAILED: fib({args.n}) = {result}, expected {expected}")
    print(f"fib: OK: fib({args.n}) = {result} with {tasks_spawned(args.n, args.cutoff)} tasks "
          f"(cut-off {args.cutoff}) on {torcpy.num_nodes()} nodes x "
          f"{torcpy.num_local_workers()} workers, {elapsed:.3f} s")


if __name__ == "__main__":
    ARGS = parse_args()
    torcpy.start(lambda: main(ARGS))
