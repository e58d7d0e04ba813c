"""One torcpy measurement (a job started by runner.py; directly for 1 rank, else under
mpirun, ``TORCPY_WORKERS`` workers per rank).

    python torcpy_prog.py submit N          N x submit(empty), then one wait()
    python torcpy_prog.py roundtrip N       N x submit(empty, qid=num_workers()-1).result()
    python torcpy_prog.py map N CHUNKSIZE   torcpy.map(identity, range(N), chunksize=CHUNKSIZE)
    python torcpy_prog.py images N CHUNKSIZE
        images_hdf5's pipeline: torcpy.map(process_image, paths, targets, chunksize) over N
        JPEGs made beforehand (not timed), then write_hdf5 on rank 0

The measure runs twice: once to warm up (untimed: every worker started, the allocator and
the caches in their steady state), then timed; rank 0 prints one line
``BENCH_RESULT {"seconds": s, "items": n, ...}``.
"""

import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")
for d in (HERE, EXAMPLES):
    if d not in sys.path:
        sys.path.insert(0, d)

import images_hdf5  # noqa: E402  (on every rank: its import is not part of the timing)
import torcpy  # noqa: E402

from bench_tasks import empty, identity  # noqa: E402

TARGET = 32  # the side the images are resized to (images_hdf5's default)
SIZE = 64    # the side of the JPEGs made


def bench_submit(n):
    t0 = time.perf_counter()
    for _ in range(n):
        torcpy.submit(empty)
    torcpy.wait()
    return time.perf_counter() - t0


def bench_roundtrip(n):
    qid = torcpy.num_workers() - 1         # the last worker: node 1's at 2 ranks x 1 worker
    t0 = time.perf_counter()
    for _ in range(n):
        torcpy.submit(empty, qid=qid).result()
    return time.perf_counter() - t0


def bench_map(n, chunksize):
    t0 = time.perf_counter()
    out = torcpy.map(identity, range(n), chunksize=chunksize)
    seconds = time.perf_counter() - t0
    if len(out) != n or out[-1] != n - 1:
        raise RuntimeError(f"torcpy.map returned {len(out)} results for {n} items")
    return seconds


def bench_images(paths, chunksize, filename):
    ex, n = images_hdf5, len(paths)
    t0 = time.perf_counter()
    results = torcpy.map(ex.process_image, paths, [TARGET] * n, chunksize=chunksize)
    ex.write_hdf5(filename, results)
    seconds = time.perf_counter() - t0
    if len(results) != n:
        raise RuntimeError(f"torcpy.map returned {len(results)} results for {n} images")
    return seconds


def main():
    what, n = sys.argv[1], int(sys.argv[2])
    chunksize = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    directory = None
    if what == "submit":
        run = lambda: bench_submit(n)  # noqa: E731
    elif what == "roundtrip":
        run = lambda: bench_roundtrip(n)  # noqa: E731
    elif what == "map":
        run = lambda: bench_map(n, chunksize)  # noqa: E731
    elif what == "images":
        directory = tempfile.mkdtemp(prefix="torcpy_bench_images_", dir="/tmp")
        paths = [p for p, _ in images_hdf5.make_jpegs(directory, n, size=SIZE, seed=0)]
        filename = os.path.join(directory, "images.h5")
        run = lambda: bench_images(paths, chunksize, filename)  # noqa: E731
    else:
        raise SystemExit(f"torcpy_prog.py: unknown measure {what!r}")
    try:
        run()                               # warm-up
        seconds = run()
    finally:
        if directory:
            shutil.rmtree(directory, ignore_errors=True)
    print("BENCH_RESULT " + json.dumps({
        "seconds": seconds, "items": n, "chunksize": chunksize,
        "nodes": torcpy.num_nodes(), "workers": torcpy.num_workers()}), flush=True)


if __name__ == "__main__":
    torcpy.start(main)
