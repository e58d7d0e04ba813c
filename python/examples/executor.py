"""torcpy.TorcPoolExecutor: the concurrent.futures style, used twice in one main.

The first ``with`` block submits tasks (``ex.submit``) and reads their futures; the second
maps a function over two sequences (``ex.map``). Leaving a block waits for the tasks
submitted through it; after it the executor refuses new work. The results are checked
against sequential ones.

Run it with::

    python executor.py
    TORCPY_WORKERS=2 mpirun -np 3 python executor.py
"""

import torcpy


def collatz_steps(n):
    """A task: how many Collatz steps take n to 1."""
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def weighted(x, w):
    return x * w, torcpy.node_id()


def fail(message):
    raise RuntimeError(f"executor: FAILED: {message}")


def main():
    n = 200
    xs = list(range(1, n + 1))

    # First use: submit and futures.
    with torcpy.TorcPoolExecutor() as ex:
        futures = [ex.submit(collatz_steps, x) for x in xs]
    # Leaving the block waited for them.
    if not all(f.done() for f in futures):
        fail("futures not done after leaving the with block")
    got = [f.result() for f in futures]
    if got != [collatz_steps(x) for x in xs]:
        fail("submit: results differ from the sequential ones")
    try:
        ex.submit(collatz_steps, 3)
    except RuntimeError:
        pass
    else:
        fail("submit after the with block was accepted")

    # Second use in the same main: map (results in input order), and submit again.
    ws = [x % 5 + 1 for x in xs]
    with torcpy.TorcPoolExecutor() as ex:
        mapped = list(ex.map(weighted, xs, ws, chunksize=8))
        longest = ex.submit(max, got)
        ex.wait()
        if not longest.done():
            fail("ex.wait() returned before the task was done")
    if [v for v, _ in mapped] != [x * w for x, w in zip(xs, ws)]:
        fail("map: results differ from the sequential ones")
    if longest.result() != max(got):
        fail(f"max: {longest.result()} != {max(got)}")
    nodes = sorted({node for _, node in mapped})

    print(f"executor: OK: two executors: {n} submits (longest Collatz chain "
          f"{longest.result()} steps), map of {len(mapped)} items on nodes {nodes}")


if __name__ == "__main__":
    torcpy.start(main)
