"""One peer measurement (a job started by runner.py): the same measures as torcpy_prog.py
with a standard executor.

    python peers.py process W MEASURE N [CHUNKSIZE]
        concurrent.futures.ProcessPoolExecutor(max_workers=W)
        (for MEASURE images: multiprocessing.Pool(W).starmap)
    mpirun -np W+1 python -m mpi4py.futures peers.py mpi W MEASURE N [CHUNKSIZE]
        mpi4py.futures.MPIPoolExecutor() over the ranks mpirun started (rank 0 the master,
        the others its W workers; W is checked against ex.num_workers)

MEASURE is submit (N x submit(empty), then wait for all), roundtrip (N x
submit(empty).result()), map (list(ex.map(identity, range(N), chunksize=CHUNKSIZE))) or
images (images_hdf5's pipeline over N JPEGs made beforehand: process_image over them with
chunksize CHUNKSIZE, then write_hdf5). As in torcpy_prog.py, the measure runs twice in the
same pool, a warm-up and the timed run; one line ``BENCH_RESULT {"seconds": s, "items": n,
...}`` is printed.
"""

import concurrent.futures
import json
import multiprocessing
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

from bench_tasks import empty, identity  # noqa: E402

TARGET = 32
SIZE = 64


def executor(kind, workers):
    if kind == "process":
        return concurrent.futures.ProcessPoolExecutor(max_workers=workers)
    if kind == "mpi":
        from mpi4py.futures import MPIPoolExecutor
        return MPIPoolExecutor()
    raise SystemExit(f"peers.py: unknown executor {kind!r}")


def bench_submit(ex, n):
    t0 = time.perf_counter()
    fs = [ex.submit(empty) for _ in range(n)]
    concurrent.futures.wait(fs)
    seconds = time.perf_counter() - t0
    for f in fs:
        f.result()
    return seconds


def bench_roundtrip(ex, n):
    t0 = time.perf_counter()
    for _ in range(n):
        ex.submit(empty).result()
    return time.perf_counter() - t0


def bench_map(ex, n, chunksize):
    t0 = time.perf_counter()
    out = list(ex.map(identity, range(n), chunksize=chunksize))
    seconds = time.perf_counter() - t0
    if len(out) != n or out[-1] != n - 1:
        raise RuntimeError(f"map returned {len(out)} results for {n} items")
    return seconds


def bench_images(pool, args, chunksize, filename):
    import images_hdf5 as ex
    t0 = time.perf_counter()
    results = pool.starmap(ex.process_image, args, chunksize=chunksize)
    ex.write_hdf5(filename, results)
    seconds = time.perf_counter() - t0
    if len(results) != len(args):
        raise RuntimeError(f"Pool.starmap returned {len(results)} results for {len(args)}")
    return seconds


def images(workers, n, chunksize):
    import images_hdf5 as ex   # before the pool forks: the workers have it
    directory = tempfile.mkdtemp(prefix="torcpy_bench_images_", dir="/tmp")
    try:
        args = [(p, TARGET) for p, _ in ex.make_jpegs(directory, n, size=SIZE, seed=0)]
        filename = os.path.join(directory, "images.h5")
        with multiprocessing.Pool(workers) as pool:
            bench_images(pool, args, chunksize, filename)   # warm-up
            return bench_images(pool, args, chunksize, filename)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    kind, workers, what, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    chunksize = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    if what == "images":
        if kind != "process":
            raise SystemExit("peers.py: the images pipeline runs on multiprocessing.Pool only")
        seconds = images(workers, n, chunksize)
    else:
        with executor(kind, workers) as ex:
            got = getattr(ex, "num_workers", workers)
            if got != workers:
                raise SystemExit(f"peers.py: the {kind} executor has {got} workers, "
                                 f"{workers} asked")
            if what == "submit":
                run = lambda: bench_submit(ex, n)  # noqa: E731
            elif what == "roundtrip":
                run = lambda: bench_roundtrip(ex, n)  # noqa: E731
            elif what == "map":
                run = lambda: bench_map(ex, n, chunksize)  # noqa: E731
            else:
                raise SystemExit(f"peers.py: unknown measure {what!r}")
            run()                           # warm-up
            seconds = run()
    print("BENCH_RESULT " + json.dumps({"seconds": seconds, "items": n,
                                         "chunksize": chunksize}), flush=True)


if __name__ == "__main__":
    main()
