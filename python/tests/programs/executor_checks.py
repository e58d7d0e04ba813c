"""torcpy.futures.TorcPoolExecutor as a concurrent.futures executor, checked by the program
itself (tests/test_executor.py runs it under ``python -m torcpy`` and under
``torcpy.start(main)``, at 1 process and at 2 and 3 ranks, and asserts on its CHECK lines).

Tasks that must not finish before main allows it wait for a file (a "gate", as in api.py:
files reach every rank of this one machine); main creates it. A gated task run by main's own
thread (nested in one of its waits) returns at once instead.

Under ``torcpy.start(main)`` with one worker per rank, main's thread is rank 0's only worker:
the checks that block that thread outside torcpy (threads it joins, an asyncio loop) say SKIP
there.
"""

import asyncio
import concurrent.futures as cf
import itertools
import logging
import os
import sys
import tempfile
import threading
import time

import torcpy
import torcpy.futures as tf
from checklib import Checks, Gates, expect_raises, finish

# ---------------------------------------------------------------- task functions

RAN = set()        # ids of the `mark` tasks this process ran
INIT = {}          # what the initializer of this process set


def square(x):
    return x * x


def where_sq(x):
    return x, x * x


def add(a, b):
    return a + b


def kwargs_of(*args, **kwargs):
    return args, kwargs


def where():
    return torcpy.node_id()


def mark(i):
    RAN.add(i)
    return i


def ran_here():
    return torcpy.node_id(), sorted(RAN)


def boom(x):
    raise ValueError(f"boom {x}")


def fails_at(x, bad):
    if x == bad:
        raise KeyError(x)
    return x * 10


def sleepy(seconds, value=None):
    time.sleep(seconds)
    return value


NESTED = "nested"


def gated(path, value):
    """``value`` once the file ``path`` exists; NESTED at once when main's own thread runs
    it (see the module documentation)."""
    if (torcpy.node_id() == 0 and threading.current_thread() is threading.main_thread()
            and not os.path.exists(path)):
        return NESTED
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gate {path} never opened")
        time.sleep(0.002)
    return value


def init_process(tag):
    INIT["tag"] = (tag, os.getpid())


def read_init():
    return torcpy.node_id(), INIT.get("tag"), os.getpid()


def bad_init():
    raise OSError("no such resource")


def nested_sum(depth, width):
    """Sum over a tree of tasks created through an executor inside the tasks, each waiting
    for its children with result() (and, one level down, with torcpy.futures.wait)."""
    if depth == 0:
        return 1
    ex = tf.TorcPoolExecutor()
    fs = [ex.submit(nested_sum, depth - 1, width) for _ in range(width)]
    if depth % 2:
        done, not_done = tf.wait(fs)
        assert not not_done and done == set(fs)
    return 1 + sum(f.result() for f in fs)


# ---------------------------------------------------------------- the checks

class Job(Gates):
    def __init__(self, gate_dir, mode):
        super().__init__(gate_dir)
        self.nodes = torcpy.num_nodes()
        self.workers = torcpy.num_workers()
        self.local = torcpy.num_local_workers()
        self.mode = mode

    def first_worker_of(self, node):
        if not hasattr(self, "_node_of"):
            with tf.TorcPoolExecutor() as ex:
                fs = [ex.submit_to(w, where) for w in range(self.workers)]
            self._node_of = [f.result() for f in fs]
        return self._node_of.index(node)

    def main_is_only_worker(self):
        return self.local == 1


def check_future_type(j):
    with tf.TorcPoolExecutor() as ex:
        f = ex.submit(kwargs_of, 1, 2, qid=3, callback="cb", f="f", fn="fn", timeout=9)
        assert isinstance(f, cf.Future) and isinstance(f, tf.Future), type(f)
        assert f.result() == ((1, 2), dict(qid=3, callback="cb", f="f", fn="fn", timeout=9))
        assert f.input() == (1, 2) and f.kw_input() == dict(qid=3, callback="cb", f="f",
                                                           fn="fn", timeout=9)
        g = ex.submit(square, 7)
        assert g.result() == 49 and g.input() == 7 and g.kw_input() == {}
        assert g.done() and not g.running() and not g.cancelled()
        assert "state=finished returned int" in repr(g), repr(g)


def check_submit_to(j):
    with tf.TorcPoolExecutor() as ex:
        assert ex.num_workers == j.workers == torcpy.num_workers()
        got = {w: ex.submit_to(w, where) for w in range(j.workers)}
        nodes = {w: f.result() for w, f in got.items()}
        assert set(nodes.values()) == set(range(j.nodes)), nodes
        assert [nodes[w] for w in range(j.workers)] == sorted(nodes.values()), nodes
        expect_raises(ValueError, ex.submit_to, j.workers, where, contains=str(j.workers))
        expect_raises(ValueError, ex.submit_to, -2, where, contains="-2")
        expect_raises(TypeError, ex.submit, 3, contains="3")


def check_exceptions(j):
    with tf.TorcPoolExecutor() as ex:
        fs = [ex.submit(boom, i) for i in range(2 * j.workers)]
        for i, f in enumerate(fs):
            e = f.exception()
            assert isinstance(e, ValueError) and str(e) == f"boom {i}", repr(e)
            expect_raises(ValueError, f.result, contains=f"boom {i}")
        assert "raised ValueError" in repr(fs[0]), repr(fs[0])


def check_result_timeout(j):
    gate = j.gate()
    with tf.TorcPoolExecutor() as ex:
        f = ex.submit(gated, gate, "late")
        # With one worker on rank 0 (main's thread), a wait with a timeout runs tasks (else
        # nothing would), so main may run the task inside it: then it is done, NESTED.
        try:
            r = f.result(timeout=0.05)
            assert j.main_is_only_worker() and r == NESTED, r
        except tf.TimeoutError:
            expect_raises(cf.TimeoutError, f.exception, timeout=0)
        j.open(gate)
        assert f.result(timeout=60) in ("late", NESTED) and f.exception(timeout=60) is None


def check_cancel(j):
    # Cancelled futures never run; the others run once. Which ones can still be cancelled
    # depends on who took them: with main the only worker of rank 0 and every task kept
    # there, none has started.
    with tf.TorcPoolExecutor() as ex:
        n = 6 * j.workers
        fs = [ex.submit_to(0, mark, 1000 + i) for i in range(n)] if j.main_is_only_worker() \
            else [ex.submit(mark, 1000 + i) for i in range(n)]
        cancelled = [f.cancel() for f in fs[::2]]
        if j.main_is_only_worker():
            assert all(cancelled), cancelled
        for f, c in zip(fs[::2], cancelled):
            assert f.cancelled() == c and (not c or f.done())
            if c:
                expect_raises(cf.CancelledError, f.result)
                expect_raises(cf.CancelledError, f.exception, timeout=1)
                assert f.cancel() is True
                assert "state=cancelled" in repr(f), repr(f)
        for f in fs[1::2]:
            assert f.result() in range(1000, 1000 + n)
            assert f.cancel() is False and not f.cancelled()
    ran = set()
    with tf.TorcPoolExecutor() as ex:
        for node in range(j.nodes):
            got, ids = ex.submit_to(j.first_worker_of(node), ran_here).result()
            assert got == node
            ran |= {i for i in ids if i >= 1000}
    should = {1000 + i for i, f in enumerate(fs) if not f.cancelled()}
    assert ran == should, (sorted(ran ^ should), "ran or not, against cancelled()")


def check_done_callbacks(j):
    records = logging.getLogger("concurrent.futures")
    caught: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = caught.append  # type: ignore[method-assign, assignment]
    records.addHandler(handler)
    try:
        gate = j.gate()
        with tf.TorcPoolExecutor() as ex:
            seen = []
            last = threading.Event()
            f = ex.submit(gated, gate, 5)
            f.add_done_callback(lambda fut: seen.append(("first", fut.result())))
            expect_raises(tf.TimeoutError, f.result, timeout=0) if not f.done() else None
            f.add_done_callback(lambda fut: 1 / 0)

            def third(fut):
                seen.append(("third", fut is f))
                last.set()

            f.add_done_callback(third)
            j.open(gate)
            assert f.result() in (5, NESTED)
            # The callbacks run on this process, in the order they were added, soon after
            # the result is there (as with concurrent.futures, result() may return first).
            assert last.wait(60), "the callbacks did not run"
            assert seen == [("first", f.result()), ("third", True)], seen
            g = ex.submit(square, 3)
            g.result()
            late: list[tf.TorcFuture[int]] = []
            g.add_done_callback(late.append)      # done: runs at once, here
            assert late == [g], late
    finally:
        records.removeHandler(handler)
    assert any("exception calling callback" in r.getMessage() for r in caught), \
        [r.getMessage() for r in caught]


def check_std_wait(j):
    gate = j.gate()
    with tf.TorcPoolExecutor() as ex:
        quick = ex.submit(square, 4)
        quick.result()
        slow = ex.submit(gated, gate, 1)
        done, not_done = cf.wait([quick, slow], timeout=0.05)
        assert done == {quick} and not_done == {slow}, (done, not_done)
        held = True   # whether `slow` still waits for its gate below
        done, not_done = tf.wait([quick, slow], return_when=tf.FIRST_COMPLETED)
        assert quick in done
        bad = ex.submit(boom, 1)
        # (Finished first: concurrent.futures.wait itself does not run tasks meanwhile, and
        # the other worker of a one-process job may be the one held by the gate.)
        assert isinstance(bad.exception(), ValueError)
        # (Main's waits may have run `slow` themselves: then it is done, NESTED.)
        held = not (slow.done() and slow.result() == NESTED)
        done, not_done = cf.wait([bad, slow], return_when=cf.FIRST_EXCEPTION)
        assert bad in done and (slow in not_done or not held), (done, not_done)
        done, not_done = tf.wait([bad, slow], return_when=tf.FIRST_EXCEPTION)
        assert bad in done and (slow in not_done or not held), (done, not_done)
        j.open(gate)
        done, not_done = cf.wait([quick, slow, bad])
        assert not not_done and len(done) == 3
        fs = [ex.submit(square, i) for i in range(3 * j.workers)]
        done, not_done = tf.wait(fs, return_when=tf.ALL_COMPLETED)
        assert not not_done and sorted(f.result() for f in done) == \
            sorted(i * i for i in range(3 * j.workers))


def check_as_completed(j):
    gate = j.gate()
    with tf.TorcPoolExecutor() as ex:
        fs = [ex.submit(square, i) for i in range(10)]
        got = sorted(f.result() for f in tf.as_completed(fs + fs[:3]))
        assert got == sorted(i * i for i in range(10)), got
        got = sorted(f.result() for f in cf.as_completed(fs))
        assert got == sorted(i * i for i in range(10)), got
        slow = ex.submit(gated, gate, 2)
        for as_completed in (tf.as_completed, cf.as_completed):
            got = []
            try:
                for f in as_completed([fs[0], slow], timeout=0.05):
                    got.append(f)
            except cf.TimeoutError as e:
                assert "1 (of 2) futures unfinished" in str(e), str(e)
                assert got == [fs[0]], got
            else:
                # main's thread, rank 0's only worker, ran it inside the wait
                assert set(got) == {fs[0], slow} and slow.result() == NESTED, got
        j.open(gate)
        assert [f.result() for f in tf.as_completed([slow])] in ([2], [NESTED])


def check_map(j):
    with tf.TorcPoolExecutor() as ex:
        n = 50
        assert list(ex.map(square, range(n))) == [i * i for i in range(n)]
        assert list(ex.map(add, range(n), range(n), chunksize=7)) == [2 * i for i in range(n)]
        assert sorted(ex.map(square, range(n), unordered=True)) == [i * i for i in range(n)]
        assert sorted(ex.map(square, range(n), chunksize=4, unordered=True)) == \
            [i * i for i in range(n)]
        assert list(ex.starmap(add, [(1, 2), (3, 4)])) == [3, 7]
        assert list(ex.map(square, [])) == []
        # an endless iterable with a bounded number of items in flight
        it = ex.map(square, itertools.count(), buffersize=2 * j.workers)
        assert list(itertools.islice(it, 30)) == [i * i for i in range(30)]
        it.close()
        it = ex.map(where_sq, itertools.count(), chunksize=3, buffersize=2, unordered=True)
        got = list(itertools.islice(it, 12))
        it.close()
        # whole chunks, in completion order, of the first 4 + 2 in flight
        xs = sorted(x for x, _ in got)
        assert len(set(xs)) == 12 and xs[-1] < 18, xs
        assert all({3 * (x // 3), 3 * (x // 3) + 1, 3 * (x // 3) + 2} <= set(xs) for x in xs)
        assert all(y == x * x for x, y in got), got
        # an item's exception: raised when the iteration reaches that item
        for cs in (1, 4):
            it = ex.map(fails_at, range(12), itertools.repeat(6), chunksize=cs)
            assert [next(it) for _ in range(6)] == [x * 10 for x in range(6)]
            expect_raises(KeyError, next, it)
        expect_raises(ValueError, ex.map, square, [1], chunksize=0, contains="chunksize")
        expect_raises(ValueError, ex.map, square, [1], buffersize=0, contains="buffersize")
        expect_raises(TypeError, ex.map, square, [1], buffersize=1.5, contains="buffersize")


def check_map_timeout(j):
    gate = j.gate()
    with tf.TorcPoolExecutor() as ex:
        it = ex.map(gated, [gate, gate], ["a", "b"], timeout=0.05)
        try:
            first = next(it)
        except cf.TimeoutError:
            pass
        else:
            # main's thread, rank 0's only worker, ran it inside the wait (as in
            # check_result_timeout)
            assert j.main_is_only_worker() and first == NESTED, first
        j.open(gate)


def check_shutdown(j):
    gate = j.gate()
    ex = tf.TorcPoolExecutor()
    held = [ex.submit(gated, gate, i) for i in range(2 * j.workers)]
    queued = [ex.submit(mark, 2000 + i) for i in range(4 * j.workers)]
    j.open(gate)
    ex.shutdown(wait=True, cancel_futures=True)
    assert all(f.done() for f in held + queued)
    for f in held:
        assert f.cancelled() or f.result() in (held.index(f), NESTED)
    for f in queued:
        assert f.cancelled() or f.result() == 2000 + queued.index(f)
    expect_raises(RuntimeError, ex.submit, square, 1, contains="shutdown")
    expect_raises(RuntimeError, ex.map, square, [1], contains="shutdown")
    ex.shutdown()          # again: nothing happens
    with tf.TorcPoolExecutor() as ex2:
        f = ex2.submit(square, 5)
    assert f.done() and f.result() == 25
    ex3 = tf.TorcPoolExecutor()
    g = ex3.submit(square, 6)
    ex3.shutdown(wait=False)
    assert g.result() == 36


def check_max_workers(j):
    for bad in (0, -1):
        expect_raises(ValueError, tf.TorcPoolExecutor, bad, contains="max_workers")
    expect_raises(TypeError, tf.TorcPoolExecutor, "4")
    expect_raises(TypeError, tf.TorcPoolExecutor, initializer=5, contains="initializer")
    with tf.TorcPoolExecutor(max_workers=3) as ex:
        assert ex.submit(square, 2).result() == 4
        assert ex.num_workers == j.workers


def check_initializer(j):
    with tf.TorcPoolExecutor(initializer=init_process, initargs=("ready",)) as ex:
        got = [ex.submit_to(j.first_worker_of(n), read_init).result() for n in range(j.nodes)]
    assert [g[0] for g in got] == list(range(j.nodes)), got
    for node, tag, pid in got:
        assert tag == ("ready", pid), (node, tag, pid)
    ex = tf.TorcPoolExecutor(initializer=bad_init)
    assert not ex._broken, "the initializer ran before the first submit"
    e = expect_raises(tf.BrokenExecutor, ex.submit, square, 1, contains="no such resource")
    assert "initializer" in str(e), str(e)
    expect_raises(tf.BrokenExecutor, ex.map, square, [1])


def check_nested(j):
    with tf.TorcPoolExecutor() as ex:
        # 1 + 3 + 9 + 27 tasks, waiting at every level
        assert ex.submit(nested_sum, 3, 3).result() == 40


def check_threads(j):
    if j.mode == "start" and j.main_is_only_worker():
        return "SKIP main's thread is rank 0's only worker under torcpy.start (see the docs)"
    with tf.TorcPoolExecutor() as ex:
        out = {}

        def client(k):
            fs = [ex.submit(square, k * 100 + i) for i in range(20)]
            out[k] = [f.result() for f in fs] + list(ex.map(square, range(5)))

        ts = [threading.Thread(target=client, args=(k,)) for k in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for k in range(3):
            assert out[k] == [(k * 100 + i) ** 2 for i in range(20)] + [0, 1, 4, 9, 16], out


def check_asyncio(j):
    if j.mode == "start" and j.main_is_only_worker():
        return "SKIP main's thread is rank 0's only worker under torcpy.start (see the docs)"
    with tf.TorcPoolExecutor() as ex:
        async def run():
            loop = asyncio.get_running_loop()
            a = await asyncio.wrap_future(ex.submit(square, 9))
            b = await loop.run_in_executor(ex, add, 2, 3)
            c = await asyncio.gather(*(asyncio.wrap_future(ex.submit(square, i))
                                       for i in range(8)))
            try:
                await asyncio.wrap_future(ex.submit(boom, 7))
            except ValueError as e:
                d = str(e)
            return a, b, c, d

        assert asyncio.run(run()) == (81, 5, [i * i for i in range(8)], "boom 7")


CHECKS = [
    ("future_type", check_future_type), ("submit_to", check_submit_to),
    ("exceptions", check_exceptions), ("result_timeout", check_result_timeout),
    ("cancel", check_cancel), ("done_callbacks", check_done_callbacks),
    ("std_wait", check_std_wait), ("as_completed", check_as_completed), ("map", check_map),
    ("map_timeout", check_map_timeout), ("shutdown", check_shutdown),
    ("max_workers", check_max_workers), ("initializer", check_initializer),
    ("nested", check_nested), ("threads", check_threads), ("asyncio", check_asyncio),
]


def main(mode):
    c = Checks("executor_checks.py")
    with tempfile.TemporaryDirectory(prefix="torcpy-executor-") as d:
        j = Job(d, mode)
        print(f"INFO nodes={j.nodes} workers={j.workers} local_workers={j.local}", flush=True)
        for name, fn in CHECKS:
            c.run(name, fn, j)
    return c.summary()


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "launcher"
    if mode == "start":
        failed = torcpy.start(lambda: main(mode))
    else:
        failed = main(mode)
    finish(failed)
