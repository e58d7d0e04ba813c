"""One executor measurement (a job started by runner.py): the same measures as
torcpy_prog.py with torcpy.futures.TorcPoolExecutor or a peer executor.

    python peers.py KIND W MEASURE N [CHUNKSIZE]
        KIND process: concurrent.futures.ProcessPoolExecutor(max_workers=W)
             (for MEASURE images: multiprocessing.Pool(W).starmap)
        KIND thread:  concurrent.futures.ThreadPoolExecutor(max_workers=W)
        KIND dask:    a dask.distributed Client of LocalCluster(n_workers=W,
             threads_per_worker=1, processes=True) (its own measures, below)
    [mpirun -np W] python -m torcpy peers.py torc W MEASURE N [CHUNKSIZE]
        torcpy.futures.TorcPoolExecutor() (W ranks x TORCPY_WORKERS=1 worker; rank 0 runs
        this script, the other ranks serve; W is checked against torcpy.num_nodes();
        ex.num_workers, which also counts rank 0's script thread, goes in the result line)
    mpirun -np W+1 python -m mpi4py.futures peers.py mpi W MEASURE N [CHUNKSIZE]
        mpi4py.futures.MPIPoolExecutor() over the ranks mpirun started (rank 0 the master,
        the others its W workers; W is checked against ex.num_workers)

MEASURE is submit (N x submit(empty), then wait for all), roundtrip (N x
submit(empty).result()), submit_result (N x submit(one), then f.result() of each future in
turn), roundtrip_result (N x submit(one).result()), map (list(ex.map(identity, range(N),
chunksize=CHUNKSIZE)); ThreadPoolExecutor ignores chunksize) or images (images_hdf5's
pipeline over N JPEGs made beforehand: process_image over them with chunksize CHUNKSIZE, then
write_hdf5). ``one`` returns 1: there must be N results, all 1; map's results must be
range(N), in order (both checked after the timing, so that a broken executor fails the job
instead of giving a figure).

Dask has no chunksize and its futures are not concurrent.futures futures; its measures are
what a Dask user writes: submit_result ``client.gather([client.submit(one, pure=False) for _
in range(N)])`` (one gather for all of them: ``f.result()`` one by one costs a round trip to
the client's event loop each, 1.5-2x slower here), roundtrip_result ``client.submit(one,
pure=False).result()`` in a loop, map ``client.gather(client.map(identity, range(N),
pure=False))`` (plain map, one task per item; batch_size is not a chunksize, it only splits
the submission). pure=False everywhere: every task runs (no result reused from the warm-up by
key). The cluster is started and its workers awaited before the warm-up, and closed (its
worker processes ended, which is checked) before the result line.

As in torcpy_prog.py, the measure runs twice in the same pool, a warm-up and the timed run;
one line ``BENCH_RESULT {"seconds": s, "items": n, ...}`` is printed.
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

from bench_tasks import empty, identity, one  # noqa: E402

TARGET = 32
SIZE = 64


def executor(kind, workers):
    if kind == "process":
        return concurrent.futures.ProcessPoolExecutor(max_workers=workers)
    if kind == "thread":
        return concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    if kind == "torc":
        from torcpy.futures import TorcPoolExecutor
        return TorcPoolExecutor()
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


def check_ones(results, n):
    wrong = [r for r in results if r != 1]
    if len(results) != n or wrong:
        raise RuntimeError(f"{n} tasks returning 1: {len(results)} results, {len(wrong)} of "
                           f"them not 1 (e.g. {wrong[:1]})")


def timed(run, check, n):
    """The seconds run() takes; check(what it returned, n) follows, outside the timing."""
    t0 = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - t0
    check(out, n)
    return seconds


def bench_submit_result(ex, n):
    def run():
        fs = [ex.submit(one) for _ in range(n)]
        return [f.result() for f in fs]
    return timed(run, check_ones, n)


def bench_roundtrip_result(ex, n):
    return timed(lambda: [ex.submit(one).result() for _ in range(n)], check_ones, n)


def check_map(out, n):
    if out != list(range(n)):
        raise RuntimeError(f"map over range({n}) returned {len(out)} results, not range({n})"
                           f" (sum {sum(x for x in out if isinstance(x, int))})")


def bench_map(ex, n, chunksize):
    return timed(lambda: list(ex.map(identity, range(n), chunksize=chunksize)), check_map, n)


def dask_submit_result(client, n):
    return timed(lambda: client.gather([client.submit(one, pure=False) for _ in range(n)]),
                 check_ones, n)


def dask_roundtrip_result(client, n):
    return timed(lambda: [client.submit(one, pure=False).result() for _ in range(n)],
                 check_ones, n)


def dask_map(client, n):
    return timed(lambda: client.gather(client.map(identity, range(n), pure=False)),
                 check_map, n)


def descendants():
    """This process's descendants but multiprocessing's resource tracker (started by the
    first spawn, it ends when this process does)."""
    import psutil   # a dependency of distributed
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "multiprocessing.resource_tracker" in " ".join(p.cmdline()):
                continue
            if p.status() == psutil.STATUS_ZOMBIE:
                continue
        except psutil.NoSuchProcess:
            continue
        except psutil.Error:
            pass
        out.append(p)
    return out


def dask(workers, what, n):
    """The measure on a fresh LocalCluster of ``workers`` processes x 1 thread: started (and
    its workers awaited) before the warm-up, closed after the timed run; then no process
    of it may remain."""
    import logging
    from dask.distributed import Client, LocalCluster
    runs = {"submit_result": dask_submit_result, "roundtrip_result": dask_roundtrip_result,
            "map": dask_map}
    if what not in runs:
        raise SystemExit(f"peers.py: no Dask measure {what!r}")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(workers, timeout=120)
        got = len(client.scheduler_info()["workers"])
        if got != workers:
            raise SystemExit(f"peers.py: the Dask cluster has {got} workers, {workers} asked")
        runs[what](client, n)                 # warm-up
        seconds = runs[what](client, n)
    deadline = time.monotonic() + 10
    while descendants() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = descendants()
    if left:
        for p in left:
            p.kill()
        raise SystemExit(f"peers.py: the closed Dask cluster left {len(left)} process(es): "
                         f"{[p.pid for p in left]} (killed)")
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
    extra = {}
    if what == "images":
        if kind != "process":
            raise SystemExit("peers.py: the images pipeline runs on multiprocessing.Pool only")
        seconds = images(workers, n, chunksize)
    elif kind == "dask":
        seconds = dask(workers, what, n)
    else:
        with executor(kind, workers) as ex:
            if kind == "torc":
                # W ranks x 1 worker; ex.num_workers also counts rank 0's script thread
                # (it runs tasks while it waits).
                import torcpy
                got, extra = torcpy.num_nodes(), {"workers": ex.num_workers}
            else:
                got = getattr(ex, "num_workers", workers)
            if got != workers:
                raise SystemExit(f"peers.py: the {kind} executor has {got} "
                                 f"{'ranks' if kind == 'torc' else 'workers'}, "
                                 f"{workers} asked")
            if what == "submit":
                run = lambda: bench_submit(ex, n)  # noqa: E731
            elif what == "roundtrip":
                run = lambda: bench_roundtrip(ex, n)  # noqa: E731
            elif what == "submit_result":
                run = lambda: bench_submit_result(ex, n)  # noqa: E731
            elif what == "roundtrip_result":
                run = lambda: bench_roundtrip_result(ex, n)  # noqa: E731
            elif what == "map":
                run = lambda: bench_map(ex, n, chunksize)  # noqa: E731
            else:
                raise SystemExit(f"peers.py: unknown measure {what!r}")
            run()                           # warm-up
            seconds = run()
    print("BENCH_RESULT " + json.dumps({"seconds": seconds, "items": n,
                                         "chunksize": chunksize, **extra}), flush=True)


if __name__ == "__main__":
    main()
