"""Callbacks that reduce task results into an accumulator on the submitting node.

``torcpy.submit(f, x, callback=cb)`` runs ``cb(task)`` on the node that submitted the task
(here node 0) once the task has finished, wherever it ran; inside the callback
``task.input()`` and ``task.result()`` give the argument and the result. The callbacks add
the results into a module-level accumulator of node 0 (under a lock: with several workers,
callbacks may run on different threads), so no result list has to be kept. The example
checks the reduced sum and the number of callbacks against a sequential computation, that
every callback ran on node 0 and saw its own task's input, and that every callback has run
when ``torcpy.wait()`` returns. A second round reduces the results of ``as_completed``.

Run it with::

    python callbacks_reduce.py
    TORCPY_WORKERS=2 mpirun -np 3 python callbacks_reduce.py
"""

import threading
from typing import Any

import torcpy

LOCK = threading.Lock()
ACC: dict[str, Any] = {"sum": 0, "count": 0, "inputs": set(), "callback_nodes": set(),
                       "task_nodes": set(), "errors": []}


def cube_plus(x):
    """A task: x**3 + 1 and the node that computed it."""
    return x ** 3 + 1, torcpy.node_id()


def reduce_result(task):
    """The callback: adds the task's result to the accumulator of the submitting node."""
    x = task.input()
    value, node = task.result()
    with LOCK:
        if value != x ** 3 + 1:
            ACC["errors"].append(f"task {x}: result {value} != {x ** 3 + 1}")
        if x in ACC["inputs"]:
            ACC["errors"].append(f"callback of task {x} ran twice")
        ACC["inputs"].add(x)
        ACC["sum"] += value
        ACC["count"] += 1
        ACC["callback_nodes"].add(torcpy.node_id())
        ACC["task_nodes"].add(node)


def fail(message):
    raise RuntimeError(f"callbacks_reduce: FAILED: {message}")


def main():
    n = 400
    expected = sum(x ** 3 + 1 for x in range(n))

    for x in range(n):
        torcpy.submit(cube_plus, x, callback=reduce_result)
    torcpy.wait()
    # Every callback has run when wait() returns: no extra synchronisation is needed.
    with LOCK:
        if ACC["errors"]:
            fail("; ".join(ACC["errors"][:5]))
        if ACC["count"] != n:
            fail(f"{ACC['count']} callbacks ran, {n} expected")
        if ACC["inputs"] != set(range(n)):
            fail(f"callbacks saw inputs {sorted(set(range(n)) ^ ACC['inputs'])[:10]} wrong")
        if ACC["sum"] != expected:
            fail(f"reduced sum {ACC['sum']} != expected {expected}")
        if ACC["callback_nodes"] != {0}:
            fail(f"callbacks ran on nodes {sorted(ACC['callback_nodes'])}, not on node 0 only")
        task_nodes = sorted(ACC["task_nodes"])

    # The same reduction done by the caller, in completion order.
    tasks = [torcpy.submit(cube_plus, x) for x in range(n)]
    total, seen = 0, set()
    for t in torcpy.as_completed(tasks):
        total += t.result()[0]
        seen.add(t.input())
    if seen != set(range(n)) or total != expected:
        fail(f"as_completed: {len(seen)} tasks, sum {total}; {n} and {expected} expected")

    print(f"callbacks_reduce: OK: {ACC['count']} callbacks on node 0 reduced sum = "
          f"{ACC['sum']}; tasks ran on nodes {task_nodes}")


if __name__ == "__main__":
    torcpy.start(main)
