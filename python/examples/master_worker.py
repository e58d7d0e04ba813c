"""Master-worker with torcpy.submit and torcpy.wait.

The primary task (main, on rank 0) evaluates a function on many parameters: one task per
parameter, spread round robin over every worker of the job. It waits for all of them, sums
the results and checks the sum against a sequential computation, and checks that every
task's ``input()`` is the parameter it was given.

Run it with::

    python master_worker.py [--tasks N]
    TORCPY_WORKERS=2 mpirun -np 3 python master_worker.py
"""

import argparse
import math

import torcpy


def integrate(a, steps=2000):
    """The integral of sin(a*x)**2 over [0, 1] by the midpoint rule (some real work)."""
    h = 1.0 / steps
    return h * sum(math.sin(a * (k + 0.5) * h) ** 2 for k in range(steps))


def evaluate(a):
    """A task: the value for parameter ``a`` and the node that computed it."""
    return integrate(a), torcpy.node_id()


def fail(message):
    raise RuntimeError(f"master_worker: FAILED: {message}")


def parse_args(argv=None):
    """The command line (parsed on every rank before start: --help and errors end
    every rank at once, before MPI starts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300, help="parameters to evaluate")
    return parser.parse_args(argv)


def main(args):
    n = args.tasks
    params = [0.1 * i for i in range(n)]

    t0 = torcpy.gettime()
    tasks = [torcpy.submit(evaluate, a) for a in params]
    torcpy.wait()
    elapsed = torcpy.gettime() - t0

    for a, t in zip(params, tasks):
        if not t.done():
            fail(f"task for {a} not done after wait()")
        if t.input() != a:
            fail(f"task input {t.input()!r} != {a!r}")
    results = [t.result() for t in tasks]
    total = sum(v for v, _ in results)
    expected = sum(integrate(a) for a in params)
    if not math.isclose(total, expected, rel_tol=1e-12):
        fail(f"parallel sum {total!r} != sequential sum {expected!r}")
    for (v, _), a in zip(results, params):
        if v != integrate(a):
            fail(f"value for {a} differs from the sequential one")
    nodes = sorted({node for _, node in results})
    print(f"master_worker: OK: {n} tasks on {torcpy.num_nodes()} nodes x "
          f"{torcpy.num_local_workers()} workers, sum = {total:.6f}, "
          f"nodes used {nodes}, {elapsed:.3f} s")


if __name__ == "__main__":
    ARGS = parse_args()
    torcpy.start(lambda: main(ARGS))
