"""Inter-node task stealing, shown so that it cannot be missed (and checked without timing).

The primary task enables stealing (``torcpy.enable_stealing()``; ``TORCPY_STEALING=1`` would
do it at start-up) and submits N busy tasks of a few ms each, placed round robin over all
workers of the job (``qid=-1``): node 0 gets its share in its own queues. (Tasks pinned with
``qid >= 0`` would never move: a named worker's node keeps them.) Then, instead of
``torcpy.wait()`` (where node 0's worker would run node 0's tasks itself), main only polls
``task.done()``. So node 0's worker 0 runs none of them, and a task that node 0's other workers
(``TORCPY_WORKERS=2``) pick up blocks until main releases it: node 0 runs at most
``workers - 1`` tasks before the release, and everything else in node 0's queues can only run
on another node, stolen by its idle workers. Main releases the blocked tasks once all but
those are done, then waits. The check is exact and does not depend on timing:

* every result is right;
* with 2+ nodes: node 0 ran at most ``workers - 1`` tasks, so at least
  ``N * workers / num_workers - (workers - 1)`` of its share were stolen (if stealing did not
  work, main would give up after a generous deadline with a clear message);
* then ``torcpy.disable_stealing()``: with stealing off no task moves between nodes, so with
  N a multiple of the job's workers every node runs exactly its round-robin share.

Run it with::

    python stealing.py [--tasks N] [--ms 3]
    TORCPY_WORKERS=2 mpirun -np 3 python stealing.py
"""

import argparse
import threading
import time

import torcpy

# Node 0's tasks wait for this before they start (with 2+ nodes, until main sets it).
RELEASE = threading.Event()
# Seconds main waits for node 0's tasks to be stolen before it gives up (a failure, not a
# timing assumption: stealing takes milliseconds).
DEADLINE = 60.0


def busy(i, ms):
    """A task: i*i after about ``ms`` milliseconds of busy work, and where it ran."""
    node = torcpy.node_id()
    if node == 0 and torcpy.num_nodes() > 1 and not RELEASE.wait(DEADLINE * 2):
        raise RuntimeError("stealing: a task on node 0 was never released")
    end = time.perf_counter() + ms / 1000.0
    x = 0
    while time.perf_counter() < end:
        x += 1
    return i * i, node


def fail(message):
    raise RuntimeError(f"stealing: FAILED: {message}")


def check_values(tasks):
    nodes = []
    for i, t in enumerate(tasks):
        value, node = t.result()
        if value != i * i:
            fail(f"task {i} returned {value}, {i * i} expected")
        nodes.append(node)
    return nodes


def per_node(nodes):
    return [nodes.count(k) for k in range(torcpy.num_nodes())]


def parse_args(argv=None):
    """The command line (parsed on every rank before start: --help and errors end
    every rank at once, before MPI starts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=120)
    parser.add_argument("--ms", type=float, default=3.0, help="busy milliseconds per task")
    return parser.parse_args(argv)


def main(args):
    nnodes, nworkers = torcpy.num_nodes(), torcpy.num_workers()
    local = torcpy.num_local_workers()
    # A multiple of the job's workers, so that round robin gives every worker the same share.
    n = max(1, args.tasks // nworkers) * nworkers

    torcpy.enable_stealing()
    tasks = [torcpy.submit(busy, i, args.ms) for i in range(n)]
    if nnodes > 1:
        # Main runs no task here: node 0's share runs elsewhere or blocks (<= local-1 tasks).
        deadline = time.monotonic() + DEADLINE
        while sum(t.done() for t in tasks) < n - (local - 1):
            if time.monotonic() > deadline:
                done = sum(t.done() for t in tasks)
                fail(f"only {done} of {n} tasks done after {DEADLINE} s: node 0's tasks "
                     f"were not stolen by the other nodes")
            time.sleep(0.002)
    RELEASE.set()
    torcpy.wait()
    on = per_node(check_values(tasks))
    share0 = n * local // nworkers
    stolen = share0 - on[0]
    if nnodes > 1 and on[0] > local - 1:
        fail(f"node 0 ran {on[0]} tasks, at most {local - 1} possible: per node {on}")
    steal_note = (f"at least {stolen} of node 0's {share0} stolen" if nnodes > 1
                  else "one node: nothing to steal")

    # Stealing off: every node runs exactly the tasks round robin gave it.
    torcpy.disable_stealing()
    tasks = [torcpy.submit(busy, i, args.ms / 3) for i in range(n)]
    torcpy.wait()
    off = per_node(check_values(tasks))
    if nworkers == local * nnodes and off != [n // nnodes] * nnodes:
        fail(f"with stealing off, tasks ran per node {off}, {[n // nnodes] * nnodes} expected")

    print(f"stealing: OK: {n} tasks on {nnodes} nodes x {local} workers; stealing on: "
          f"per node {on}, {steal_note}; stealing off: per node {off}")


if __name__ == "__main__":
    ARGS = parse_args()
    torcpy.start(lambda: main(ARGS))
