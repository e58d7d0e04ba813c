"""torcpy.map over two sequences with several chunk sizes.

``torcpy.map(f, xs, ys, chunksize=c)`` calls ``f(x, y)`` for the pairs of ``zip(xs, ys)``
(the shorter sequence ends it), in tasks of ``c`` pairs each, and returns the results as a
list in input order. This example maps with chunk sizes 1, 7, len and more than len, and
checks order and values against the sequential ``[f(x, y) for x, y in zip(xs, ys)]``; also
sequences of unequal length, one sequence, and an empty one.

Run it with::

    python map_chunks.py
    TORCPY_WORKERS=2 mpirun -np 3 python map_chunks.py
"""

import torcpy


def poly(x, y):
    """A task: a value that depends on both arguments and their order."""
    return 3 * x * x - 2 * x * y + y + 1


def tagged(x, y):
    """A task: the pair and the node that computed it (to see the chunks spread)."""
    return (x, y, torcpy.node_id())


def square(x):
    return x * x


def fail(message):
    raise RuntimeError(f"map_chunks: FAILED: {message}")


def expect(got, want, what):
    if not isinstance(got, list):
        fail(f"{what}: torcpy.map returned a {type(got).__name__}, not a list")
    if got != want:
        bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), None)
        fail(f"{what}: {len(got)} results, {len(want)} expected; first difference at "
             f"{bad}: {got[bad] if bad is not None else '-'} != "
             f"{want[bad] if bad is not None else '-'}")


def main():
    n = 100
    xs = list(range(n))
    ys = [7 * i % 13 for i in range(n)]
    want = [poly(x, y) for x, y in zip(xs, ys)]
    chunksizes = [1, 7, n, n + 5]
    for c in chunksizes:
        expect(torcpy.map(poly, xs, ys, chunksize=c), want, f"chunksize={c}")

    # Ranges and tuples work as sequences; the shorter one ends the map (zip).
    short = tuple(range(40))
    want_short = [poly(x, y) for x, y in zip(range(n), short)]
    for c in chunksizes:
        expect(torcpy.map(poly, range(n), short, chunksize=c), want_short,
               f"unequal lengths, chunksize={c}")

    # One sequence; the default chunk size (1); nothing to map.
    expect(torcpy.map(square, xs), [x * x for x in xs], "one sequence")
    expect(torcpy.map(square, [], chunksize=7), [], "empty sequence")

    # Where the items ran: the chunks go round robin over all workers of the job.
    placed = torcpy.map(tagged, xs, ys, chunksize=7)
    expect([(x, y) for x, y, _ in placed], list(zip(xs, ys)), "tagged")
    nodes = sorted({node for _, _, node in placed})

    print(f"map_chunks: OK: chunksizes {chunksizes} over {n} items on "
          f"{torcpy.num_nodes()} nodes x {torcpy.num_local_workers()} workers, "
          f"nodes used {nodes}")


if __name__ == "__main__":
    torcpy.start(main)
