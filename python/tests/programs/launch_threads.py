"""Submitting to a ``torcpy.futures.TorcPoolExecutor`` from threads other than the script's
(tests/test_launch.py), while the script's main thread is blocked outside torcpy.

``python launch_threads.py MODE`` (or ``mpirun -np N python launch_threads.py MODE``):

* ``threads``: four threads started by the script each submit 25 tasks (``submit``), read
  their results and run a ``map`` (chunksize 4); the main thread meanwhile only joins them
  (``thread.join()``: it runs no task);
* ``asyncio``: ``asyncio.run`` of a coroutine that awaits ``loop.run_in_executor(ex, f, x)``
  and ``asyncio.wrap_future(ex.submit(...))`` futures (gathered), plus an ``as_completed``
  over wrapped futures; the main thread sits in the event loop.

Prints ``threads:`` lines with the sums computed and the nodes the tasks ran on, then
``threads: END``.
"""

import asyncio
import sys
import threading

import torcpy
from torcpy.futures import TorcPoolExecutor

THREADS = 4
PER_THREAD = 25


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def square_at(x):
    """A task: (x * x, node)."""
    return x * x, torcpy.node_id()


def cube_at(x):
    return x ** 3, torcpy.node_id()


def from_threads(ex):
    nodes: set[int]
    errors: list[str]
    sums, nodes, errors = [0] * THREADS, set(), []
    lock = threading.Lock()

    def body(k):
        try:
            xs = range(k * PER_THREAD, (k + 1) * PER_THREAD)
            futures = [ex.submit(square_at, x) for x in xs]
            got = [f.result() for f in futures]
            mapped = list(ex.map(cube_at, xs, chunksize=4))
            with lock:
                sums[k] = sum(v for v, _ in got) + sum(v for v, _ in mapped)
                nodes.update(n for _, n in got + mapped)
        except BaseException as e:  # noqa: BLE001 (reported on the main thread)
            with lock:
                errors.append(f"thread {k}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=body, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    say(f"threads: thread sums {sums} total {sum(sums)} errors {errors}")
    say(f"threads: tasks of the threads ran on nodes {sorted(nodes)}")


async def coroutine(ex):
    loop = asyncio.get_running_loop()
    n = THREADS * PER_THREAD
    in_executor = await asyncio.gather(*[loop.run_in_executor(ex, square_at, x)
                                         for x in range(n)])
    wrapped = await asyncio.gather(*[asyncio.wrap_future(ex.submit(cube_at, x))
                                     for x in range(n)])
    completed = []
    for next_done in asyncio.as_completed([asyncio.wrap_future(ex.submit(square_at, x))
                                           for x in range(10)]):
        completed.append((await next_done)[0])
    nodes = sorted({node for _, node in in_executor + wrapped})
    return (sum(v for v, _ in in_executor), sum(v for v, _ in wrapped), sorted(completed),
            nodes)


def from_asyncio(ex):
    squares, cubes, completed, nodes = asyncio.run(coroutine(ex))
    say(f"threads: asyncio sums {squares} {cubes} as_completed {completed}")
    say(f"threads: asyncio tasks ran on nodes {nodes}")


if __name__ == "__main__":
    mode = sys.argv[1]
    ex = TorcPoolExecutor()
    say(f"threads: {mode} on {torcpy.num_nodes()} nodes, {ex.num_workers} workers")
    if mode == "threads":
        from_threads(ex)
    elif mode == "asyncio":
        from_asyncio(ex)
    else:
        raise SystemExit(f"launch_threads.py: unknown mode {mode!r}")
    say("threads: END")
