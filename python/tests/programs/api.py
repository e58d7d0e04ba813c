"""Every call of the torcpy API, checked by the program itself (tests/test_api.py runs it at
1 process and at 2 and 3 ranks x 1 and 2 workers and asserts on its CHECK lines).

mpi4py is imported at the top, before torcpy.start, as in Listing 2 of the torcpy paper.

Tasks that must not finish before main allows it wait for a file (a "gate": files reach
every rank of this one machine); main creates it. Such a task never blocks main's own
thread: run there (nested in one of main's waits) it returns at once, saying so.
"""

import hashlib
import os
import random
import tempfile
import threading
import time
from typing import Any

import numpy
from mpi4py import MPI

import torcpy
from checklib import Checks, Gates, expect_raises, finish

MB = 1 << 20


# ---------------------------------------------------------------- task functions

def square(x):
    return x * x


def add(a, b=0, c=0):
    return a + b + c


def scaled(a, b=2, *, scale=1):
    return (a + b) * scale


def identity(x):
    return x


def nothing():
    return None


def where(*_ignored):
    """Where the task runs."""
    return torcpy.node_id(), torcpy.worker_id()


def describe():
    """Everything the runtime says about the worker running this task."""
    return dict(node=torcpy.node_id(), nodes=torcpy.num_nodes(), worker=torcpy.worker_id(),
                local=torcpy.worker_local_id(), workers=torcpy.num_workers(),
                local_workers=torcpy.num_local_workers(), time=torcpy.gettime(),
                env_workers=os.environ.get("TORCPY_WORKERS"),
                mpi_initialized=MPI.Is_initialized(), pid=os.getpid())


def gated(path, value):
    """``value`` once the file ``path`` exists (see the module documentation)."""
    if (torcpy.node_id() == 0 and threading.current_thread() is threading.main_thread()
            and not os.path.exists(path)):
        return "nested", value
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gate {path} never opened")
        time.sleep(0.002)
    return "gated", value


def snapshot(path, lst, dct, st, ba, tup, *, kw_list):
    """After the gate opens: what the task's arguments hold then."""
    gated(path, None)
    return list(lst), dict(dct), sorted(st), bytes(ba), tup, list(kw_list)


def make_bytes(n, seed):
    return random.Random(seed).randbytes(n)


def make_array(n):
    return numpy.arange(n, dtype=numpy.float64) * 0.5


def digest(data):
    """sha256 and length of bytes, or sum/shape/dtype of an array, and where."""
    if isinstance(data, numpy.ndarray):
        return float(data.sum()), data.shape, data.dtype.str, torcpy.node_id()
    return hashlib.sha256(data).hexdigest(), len(data), torcpy.node_id()


def big_pair(n):
    """A result of several parts: bytes and an array, and where."""
    return make_bytes(n, 7), make_array(n // 8), torcpy.node_id()


# nested tasks: level1 -> level2 -> level3, each waiting for its children

def level3(x, want_qid):
    return [(x, torcpy.node_id(), want_qid)]


def level2(x, want_qid, pinned):
    w = torcpy.num_workers()
    qids = [(want_qid + 1 + j) % w if pinned else -1 for j in range(3)]
    ts = [torcpy.submit(level3, x * 10 + j, q, qid=q) for j, q in enumerate(qids)]
    torcpy.wait(ts)
    out = [(("L2", x), torcpy.node_id(), want_qid)]
    for t in ts:
        out += t.result()
    return out


def level1(x, want_qid, pinned):
    w = torcpy.num_workers()
    qids = [(want_qid + 1 + i) % w if pinned else -1 for i in range(3)]
    for i, q in enumerate(qids):
        torcpy.submit(level2, x * 10 + i, q, pinned, qid=q)
    children = list(torcpy.as_completed())  # every child of this task, each once
    assert len(children) == 3, f"as_completed() in a task gave {len(children)} children"
    torcpy.wait()
    out = [(("L1", x), torcpy.node_id(), want_qid)]
    for t in sorted(children, key=lambda t: t.input()[0]):
        out += t.result()
    return out


# callbacks

CB_LOCK = threading.Lock()
CB = []  # per callback: (input, result, node of the callback)


def record_callback(task):
    r = task.result()
    with CB_LOCK:
        CB.append((task.input(), r, torcpy.node_id()))


def submit_with_callbacks(n):
    """On a remote node: children with callbacks; the callbacks must run on this node."""
    del CB[:]
    ts = [torcpy.submit(square, i, callback=record_callback) for i in range(n)]
    torcpy.wait()
    with CB_LOCK:
        seen = list(CB)
    return torcpy.node_id(), seen, [t.result() for t in ts]


# spmd

SPMD: dict[str, Any] = {"calls": 0, "gathered": []}


def spmd_body(token):
    """Every rank: MPI is initialized (mpi4py says so) and the world is the job's nodes."""
    SPMD["calls"] += 1
    comm = MPI.COMM_WORLD
    me = torcpy.node_id()
    info = dict(rank=comm.Get_rank(), size=comm.Get_size(), node=me,
                nodes=torcpy.num_nodes(), initialized=MPI.Is_initialized(),
                total=comm.allreduce(me, op=MPI.SUM), token=token, calls=SPMD["calls"])
    everyone = comm.gather(info, root=0)
    if comm.Get_rank() == 0:
        SPMD["gathered"].append(everyone)


def spmd_array(n):
    """Every rank: an Allreduce of numpy arrays."""
    comm = MPI.COMM_WORLD
    mine = numpy.full(n, comm.Get_rank() + 1, dtype=numpy.int64)
    total = numpy.zeros(n, dtype=numpy.int64)
    comm.Allreduce([mine, MPI.INT64_T], [total, MPI.INT64_T], op=MPI.SUM)
    want = comm.Get_size() * (comm.Get_size() + 1) // 2
    if not (total == want).all():
        raise RuntimeError(f"rank {comm.Get_rank()}: Allreduce gave {total[:3]}, {want} wanted")
    if comm.Get_rank() == 0:
        SPMD["array_total"] = int(total.sum())


def spmd_digest(data):
    """Every rank: the sha256 of the (several MB) argument it received, gathered on rank 0."""
    comm = MPI.COMM_WORLD
    got = comm.gather((comm.Get_rank(), hashlib.sha256(data).hexdigest(), len(data)), root=0)
    if comm.Get_rank() == 0:
        SPMD["digests"] = got


def spmd_submits():
    """Every rank: a task (to the last worker) from inside spmd, its result gathered."""
    r = torcpy.submit(square, torcpy.node_id() + 2, qid=torcpy.num_workers() - 1).result()
    got = MPI.COMM_WORLD.gather(r, root=0)
    if MPI.COMM_WORLD.Get_rank() == 0:
        SPMD["submitted"] = got


# ---------------------------------------------------------------- main and its checks

class Job(Gates):
    """The job's shape as main sees it."""

    def __init__(self, gate_dir):
        super().__init__(gate_dir)
        self.nodes = torcpy.num_nodes()
        self.workers = torcpy.num_workers()
        self.per_node = self.workers // self.nodes
        self.last = self.workers - 1

    def node_of(self, w):
        return w // self.per_node

    def remote_qid(self):
        """A worker on another node than main's (the last one), or None with one node."""
        return self.last if self.nodes > 1 else None


def check_queries(j):
    env = int(os.environ["TORCPY_WORKERS"])
    assert torcpy.node_id() == 0, torcpy.node_id()
    assert torcpy.worker_id() == 0, f"main runs on worker {torcpy.worker_id()}"
    assert torcpy.worker_local_id() == 0, torcpy.worker_local_id()
    assert torcpy.num_local_workers() == env, (torcpy.num_local_workers(), env)
    assert j.workers == j.nodes * env, (j.workers, j.nodes, env)
    assert MPI.Is_initialized() and not MPI.Is_finalized()
    assert MPI.COMM_WORLD.Get_size() == j.nodes, (MPI.COMM_WORLD.Get_size(), j.nodes)
    assert MPI.COMM_WORLD.Get_rank() == 0
    t1 = torcpy.gettime()
    t2 = torcpy.gettime()
    assert isinstance(t1, float) and t2 >= t1, (t1, t2)
    assert abs(t1 - time.time()) < 3600, f"gettime {t1} is not seconds since the epoch"
    print(f"INFO nodes={j.nodes} workers={j.workers} local_workers={torcpy.num_local_workers()}",
          flush=True)


def check_queries_thread(j):
    """A plain Python thread is no worker: worker ids -1; the node is still known."""
    out = {}

    def body():
        out["ids"] = (torcpy.worker_id(), torcpy.worker_local_id(), torcpy.node_id(),
                      torcpy.num_nodes(), torcpy.num_workers())

    th = threading.Thread(target=body)
    th.start()
    th.join(30)
    assert out.get("ids") == (-1, -1, 0, j.nodes, j.workers), out


def check_queries_everywhere(j):
    tasks = [torcpy.submit(describe, qid=w) for w in range(j.workers)]
    torcpy.wait(tasks)
    pids: dict[int, set[int]] = {}
    for w, t in enumerate(tasks):
        d = t.result()
        assert d["nodes"] == j.nodes and d["workers"] == j.workers, d
        assert d["local_workers"] == int(d["env_workers"]) == j.per_node, d
        assert 0 <= d["worker"] < j.workers, d
        assert 0 <= d["local"] < d["local_workers"], d
        assert j.node_of(d["worker"]) == d["node"], f"worker {d['worker']} on node {d['node']}"
        assert d["worker"] == d["node"] * j.per_node + d["local"], d
        assert d["mpi_initialized"], d
        assert isinstance(d["time"], float)
        pids.setdefault(d["node"], set()).add(d["pid"])
    # One process per node, a different one for every node.
    assert all(len(p) == 1 for p in pids.values()), pids
    assert len({next(iter(p)) for p in pids.values()}) == j.nodes, pids


def check_submit_result_input(j):
    t = torcpy.submit(square, 7)
    assert t.result() == 49
    assert t.input() == 7, t.input()          # the single argument itself
    assert t.kw_input() == {}, t.kw_input()
    t = torcpy.submit(add, 1, 2, 3)
    assert t.result() == 6 and t.input() == (1, 2, 3), t.input()
    t = torcpy.submit(nothing)
    assert t.result() is None and t.input() == (), t.input()
    t = torcpy.submit(scaled, 1, b=5, scale=3, qid=j.last)
    assert t.result() == 18, t.result()
    assert t.input() == 1 and t.kw_input() == {"b": 5, "scale": 3}, (t.input(), t.kw_input())
    t = torcpy.submit(add, 1, c=10, qid=j.last)
    assert t.result() == 11 and t.kw_input() == {"c": 10}
    assert t.exception() is None and t.done()
    assert "add" in repr(t) and "done" in repr(t), repr(t)
    # result() again: the same object (kept once read)
    t = torcpy.submit(make_bytes, 1000, 3, qid=j.last)
    assert t.result() is t.result()
    t.wait()
    assert t.done()


def check_done(j):
    gate = j.gate()
    q = j.remote_qid() if j.remote_qid() is not None else j.last
    t = torcpy.submit(gated, gate, 5, qid=q)
    assert not t.done(), "done() before its gate opened"
    assert "pending" in repr(t), repr(t)
    j.open(gate)
    assert t.result() == ("gated", 5) or (j.nodes == 1 and t.result() == ("nested", 5)), \
        t.result()
    assert t.done()


def check_local_not_pickled(j):
    """Arguments and results on main's node are the objects themselves (never pickled)."""
    lock = threading.Lock()
    t = torcpy.submit(identity, lock, qid=0)
    assert t.result() is lock
    t = torcpy.submit(identity, lock, qid=j.per_node - 1)  # node 0's last worker
    assert t.result() is lock
    t = torcpy.submit(threading.Lock, qid=0)
    assert hasattr(t.result(), "acquire"), t.result()
    t = torcpy.submit(lambda x: x + 1, 41, qid=0)
    assert t.result() == 42


def check_remote_pickled(j):
    if j.nodes == 1:
        return "SKIP one node"
    obj = {"a": [1, 2, {3, 4}], "b": (None, 1.5, "x" * 100)}
    t = torcpy.submit(identity, obj, qid=j.last)
    r = t.result()
    assert r == obj and r is not obj


def check_qid_placement(j):
    tasks = [(w, torcpy.submit(where, w, qid=w)) for w in range(j.workers) for _ in range(3)]
    torcpy.wait([t for _, t in tasks])
    for w, t in tasks:
        node, worker = t.result()
        assert node == j.node_of(w), f"qid={w} ran on node {node}, node {j.node_of(w)} expected"
        assert j.node_of(worker) == node, (w, node, worker)
        if j.per_node == 1:
            assert worker == w, f"qid={w} ran on worker {worker}"


def check_round_robin(j):
    n = 2 * j.workers
    tasks = [torcpy.submit(where) for _ in range(n)]
    torcpy.wait()
    nodes = [t.result()[0] for t in tasks]
    assert set(nodes) == set(range(j.nodes)), f"round robin reached nodes {sorted(set(nodes))}"
    per = [nodes.count(k) for k in range(j.nodes)]
    assert per == [n // j.nodes] * j.nodes, f"{n} round-robin tasks per node: {per}"


def check_wait_given(j):
    gate = j.gate()
    q = j.remote_qid() if j.remote_qid() is not None else j.last
    slow = torcpy.submit(gated, gate, 1, qid=q)
    # not on the held task's node (its one worker may be busy holding), else not on its
    # worker (with one worker: main's, where the held task does not hold)
    others = ([w for w in range(j.workers) if j.node_of(w) != j.node_of(q)]
              or [w for w in range(j.workers) if w != q] or [q])
    fast = [torcpy.submit(square, i, qid=others[i % len(others)]) for i in range(6)]
    torcpy.wait(fast)
    assert all(t.done() for t in fast)
    assert [t.result() for t in fast] == [i * i for i in range(6)]
    if j.nodes > 1:
        assert not slow.done(), "wait(tasks) waited for a task it was not given"
    j.open(gate)
    torcpy.wait([slow])
    assert slow.done() and slow.result()[1] == 1
    torcpy.wait([])        # nothing to wait for
    torcpy.wait(iter([slow]))  # any iterable
    torcpy.wait()


def check_wait_children(j):
    tasks = [torcpy.submit(square, i) for i in range(3 * j.workers)]
    more = [torcpy.submit(make_bytes, 10, i, qid=j.last) for i in range(3)]
    torcpy.wait()
    assert all(t.done() for t in tasks + more)
    assert [t.result() for t in tasks] == [i * i for i in range(3 * j.workers)]
    torcpy.wait()  # no children left: returns at once


def check_waitall(j):
    tasks = [torcpy.submit(square, i, qid=i % j.workers) for i in range(10)]
    torcpy.waitall(tasks[:5])
    assert all(t.done() for t in tasks[:5])
    torcpy.waitall()
    assert all(t.done() for t in tasks)
    assert [t.result() for t in tasks] == [i * i for i in range(10)]


def check_as_completed_list(j):
    tasks = [torcpy.submit(where, i, qid=i % j.workers) for i in range(4 * j.workers)]
    it = torcpy.as_completed(tasks)
    assert len(it) == len(tasks), len(it)
    seen = []
    for t in it:
        assert t.done(), "as_completed yielded a task that is not done"
        seen.append(t.input())
    assert sorted(seen) == list(range(4 * j.workers)), seen
    assert list(it) == [], "as_completed went on after the end"
    assert list(torcpy.as_completed([])) == []
    torcpy.wait()


def check_as_completed_order(j):
    """The order they finish: a task held back by its gate comes last."""
    if j.nodes == 1:
        return "SKIP one node (main's own waits may run the held task)"
    gate = j.gate()
    slow = torcpy.submit(gated, gate, "slow", qid=j.last)
    fast = [torcpy.submit(square, i, qid=0) for i in range(3)]
    order = []
    for t in torcpy.as_completed([slow] + fast):
        order.append(t)
        if len(order) == 3:
            j.open(gate)
    assert order[-1] is slow, [t.input() for t in order]
    assert set(map(id, order[:3])) == set(map(id, fast))
    torcpy.wait()


def check_as_completed_children(j):
    torcpy.wait()  # no earlier children
    tasks = [torcpy.submit(square, i) for i in range(2 * j.workers + 1)]
    it = torcpy.as_completed()
    assert len(it) == len(tasks), (len(it), len(tasks))
    got = list(it)
    assert len(got) == len(tasks) and {id(t) for t in got} == {id(t) for t in tasks}
    assert sorted(t.result() for t in got) == sorted(i * i for i in range(len(tasks)))
    # as_completed() took them: none is left for a second one
    assert list(torcpy.as_completed()) == []


def check_map(j):
    xs = list(range(23))
    want = [x * x for x in xs]
    for cs in (1, 3, len(xs) + 10):
        got = torcpy.map(square, xs, chunksize=cs)
        assert isinstance(got, list) and got == want, (cs, got)
    assert torcpy.map(square, xs) == want
    assert torcpy.map(add, [1, 2, 3], [10, 20, 30]) == [11, 22, 33]
    assert torcpy.map(add, [1, 2, 3], [10, 20, 30], [100, 200, 300], chunksize=2) == \
        [111, 222, 333]
    assert torcpy.map(add, [1, 2, 3], [10, 20]) == [11, 22]  # zip: the shortest
    assert torcpy.map(square, []) == []
    assert torcpy.map(square, [], chunksize=5) == []
    assert torcpy.map(add, [], []) == []
    assert torcpy.map(square, (x for x in range(5))) == [0, 1, 4, 9, 16]  # any iterable
    assert torcpy.map(square, [3]) == [9]


def check_map_spreads(j):
    n = 2 * j.workers
    nodes = {node for node, _ in torcpy.map(where, range(n))}
    assert nodes == set(range(j.nodes)), f"map with chunksize 1 ran on nodes {sorted(nodes)}"
    big = torcpy.map(digest, [make_bytes(64 * 1024, i) for i in range(n)], chunksize=2)
    assert [b[:2] for b in big] == [digest(make_bytes(64 * 1024, i))[:2] for i in range(n)]


def check_spmd(j):
    SPMD["calls"] = 0
    del SPMD["gathered"][:]
    assert torcpy.spmd(spmd_body, "first") is None  # type: ignore[func-returns-value]
    torcpy.spmd(spmd_body, "second")
    assert len(SPMD["gathered"]) == 2, SPMD
    want_total = j.nodes * (j.nodes - 1) // 2
    for call, (everyone, token) in enumerate(zip(SPMD["gathered"], ["first", "second"])):
        assert [e["rank"] for e in everyone] == list(range(j.nodes)), everyone
        for e in everyone:
            assert e["size"] == j.nodes and e["nodes"] == j.nodes, e
            assert e["node"] == e["rank"], e
            assert e["initialized"], e
            assert e["total"] == want_total, e
            assert e["token"] == token, e
            assert e["calls"] == call + 1, f"rank {e['rank']} ran spmd {e['calls']} times"
    torcpy.spmd(spmd_array, 1000)
    assert SPMD["array_total"] == 1000 * j.nodes * (j.nodes + 1) // 2
    data = make_bytes(5 * MB, 5)
    torcpy.spmd(spmd_digest, data)
    want = hashlib.sha256(data).hexdigest()
    assert SPMD["digests"] == [(r, want, 5 * MB) for r in range(j.nodes)], SPMD["digests"]
    torcpy.spmd(spmd_submits)
    assert SPMD["submitted"] == [(r + 2) ** 2 for r in range(j.nodes)], SPMD["submitted"]
    # tasks run as usual after spmd
    assert sorted(set(torcpy.map(where, range(2 * j.workers))))[-1][0] == j.nodes - 1


def check_stealing_calls(j):
    torcpy.enable_stealing()
    torcpy.enable_stealing()
    try:
        assert torcpy.map(square, range(40)) == [x * x for x in range(40)]
        # pinned tasks stay on their worker's node, stealing or not
        tasks = [(w, torcpy.submit(where, qid=w)) for w in range(j.workers)]
        torcpy.wait()
        for w, t in tasks:
            assert t.result()[0] == j.node_of(w), (w, t.result())
    finally:
        torcpy.disable_stealing()
    torcpy.disable_stealing()
    assert torcpy.map(square, range(10)) == [x * x for x in range(10)]


def check_executor(j):
    with torcpy.TorcPoolExecutor() as ex:
        fs = [ex.submit(square, i) for i in range(20)]
        ys = list(ex.map(square, range(20)))
        remote = ex.submit(scaled, 1, b=2, scale=10)
    assert all(f.done() for f in fs), "leaving the with block did not wait"
    assert [f.result() for f in fs] == ys == [i * i for i in range(20)]
    assert remote.result() == 30
    expect_raises(RuntimeError, ex.submit, square, 1, contains="shutdown")
    expect_raises(RuntimeError, ex.map, square, [1], contains="shutdown")
    with torcpy.TorcPoolExecutor(max_workers=4) as ex2:
        assert list(ex2.map(add, range(10), range(10), chunksize=3)) == [2 * i for i in range(10)]
        f = ex2.submit_to(j.last, where)
        ex2.wait()
        assert f.done() and f.result()[0] == j.nodes - 1
        g = ex2.submit(square, 12)
    assert g.result() == 144
    ex3 = torcpy.TorcPoolExecutor()
    h = ex3.submit(square, 3)
    ex3.shutdown(wait=True)
    assert h.done() and h.result() == 9


def check_callbacks(j):
    del CB[:]
    tasks = [torcpy.submit(square, i, qid=i % j.workers, callback=record_callback)
             for i in range(3 * j.workers)]
    torcpy.wait()
    with CB_LOCK:
        got = sorted(CB)
    assert got == [(i, i * i, 0) for i in range(3 * j.workers)], got
    # after result() (or wait(tasks)) of one task, its callback has run
    del CB[:]
    t = torcpy.submit(square, 1000, qid=j.last, callback=record_callback)
    assert t.result() == 10 ** 6
    with CB_LOCK:
        assert CB == [(1000, 10 ** 6, 0)], CB
    t = torcpy.submit(square, 1001, qid=j.last, callback=None)  # None: no callback
    assert t.result() == 1001 ** 2
    assert all(t.done() for t in tasks)


def check_callbacks_remote(j):
    """A task on the last node submits children with callbacks: they run on that node."""
    t = torcpy.submit(submit_with_callbacks, 2 * j.workers, qid=j.last)
    node, seen, results = t.result()
    assert node == j.nodes - 1, node
    assert sorted(seen) == [(i, i * i, node) for i in range(2 * j.workers)], seen
    assert results == [i * i for i in range(2 * j.workers)]


def check_big_results(j):
    q = j.last
    t1 = torcpy.submit(make_bytes, 8 * MB, 11, qid=q)
    t2 = torcpy.submit(make_array, MB // 2, qid=q)   # 4 MB of float64
    t3 = torcpy.submit(big_pair, 6 * MB, qid=q)
    b = t1.result()
    assert isinstance(b, bytes) and len(b) == 8 * MB
    assert hashlib.sha256(b).hexdigest() == hashlib.sha256(make_bytes(8 * MB, 11)).hexdigest()
    a = t2.result()
    assert isinstance(a, numpy.ndarray) and a.dtype == numpy.float64 and a.nbytes == 4 * MB
    assert numpy.array_equal(a, make_array(MB // 2))
    b3, a3, node = t3.result()
    assert node == j.node_of(q), node
    assert b3 == make_bytes(6 * MB, 7) and numpy.array_equal(a3, make_array(6 * MB // 8))
    # several at once from every worker of the last node
    ts = [torcpy.submit(make_bytes, 3 * MB, 100 + w, qid=w)
          for w in range(j.workers - j.per_node, j.workers)]
    for w, t in enumerate(ts):
        assert t.result() == make_bytes(3 * MB, 100 + w + j.workers - j.per_node)


def check_big_map(j):
    """map whose chunks return several MB each, from every node."""
    n = 2 * j.workers
    got = torcpy.map(make_bytes, [2 * MB] * n, range(n), chunksize=1)
    assert len(got) == n
    for i, b in enumerate(got):
        assert b == make_bytes(2 * MB, i), f"item {i} differs"


def check_many_tasks(j):
    n = 3000
    tasks = [torcpy.submit(add, i, 1) for i in range(n)]
    torcpy.wait()
    assert sum(t.result() for t in tasks) == n * (n + 1) // 2
    assert torcpy.map(add, range(n), range(n), chunksize=7) == [2 * i for i in range(n)]


def check_big_arguments(j):
    q = j.last
    data = make_bytes(8 * MB, 21)
    arr = numpy.linspace(0.0, 1.0, MB // 2)  # 4 MB
    t1 = torcpy.submit(digest, data, qid=q)
    t2 = torcpy.submit(digest, arr, qid=q)
    t3 = torcpy.submit(digest, bytearray(data[: 5 * MB]), qid=q)
    h, n, node = t1.result()
    assert (h, n) == (hashlib.sha256(data).hexdigest(), len(data)), (h, n)
    assert node == j.node_of(q)
    s, shape, dt, _ = t2.result()
    assert s == float(arr.sum()) and shape == arr.shape and dt == arr.dtype.str, (s, shape, dt)
    assert t3.result()[:2] == (hashlib.sha256(data[: 5 * MB]).hexdigest(), 5 * MB)
    # a big argument and a big result in one task
    t4 = torcpy.submit(identity, data, qid=q)
    assert t4.result() == data


def check_nested(j, pinned):
    tasks = [torcpy.submit(level1, w, w, pinned, qid=w) for w in range(j.workers)]
    torcpy.wait()
    l2: list[int]
    l1: list[int]
    leaves, l2, l1 = [], [], []
    for w, t in enumerate(tasks):
        for label, node, want_qid in t.result():
            if pinned:
                assert node == j.node_of(want_qid), (label, node, want_qid)
            if isinstance(label, tuple):
                (l1 if label[0] == "L1" else l2).append(label[1])
            else:
                leaves.append((label, node))
    assert sorted(l1) == list(range(j.workers)), l1
    assert sorted(l2) == sorted(w * 10 + i for w in range(j.workers) for i in range(3)), l2
    want = sorted((w * 10 + i) * 10 + k for w in range(j.workers) for i in range(3)
                  for k in range(3))
    assert sorted(x for x, _ in leaves) == want
    if pinned:
        # the tree crossed every node at the deepest level
        assert {n for _, n in leaves} == set(range(j.nodes)), leaves


def check_args_copied(j):
    """Built-in containers are shallow-copied at submit: later changes do not reach the task."""
    gate = j.gate()
    lst, dct, st, ba, tup, kwl = [1, 2, 3], {"a": 1}, {1, 2}, bytearray(b"abc"), (1, [2]), [7]
    t = torcpy.submit(snapshot, gate, lst, dct, st, ba, tup, kw_list=kwl, qid=0)
    lst.append(4)
    lst[0] = 99
    dct["b"] = 2
    dct["a"] = 100
    st.add(3)
    ba[0] = ord("z")
    ba.extend(b"def")
    kwl.append(8)
    kwl[0] = 0
    j.open(gate)
    got = t.result()
    assert got == ([1, 2, 3], {"a": 1}, [1, 2], b"abc", (1, [2]), [7]), got
    # input() and kw_input() are the arguments as submitted (the copies)
    assert t.input()[1:] == ([1, 2, 3], {"a": 1}, {1, 2}, bytearray(b"abc"), (1, [2])), t.input()
    assert t.kw_input() == {"kw_list": [7]}, t.kw_input()
    # shallow: the single argument too, on a remote worker as well
    for q in {0, j.last}:
        gate = j.gate()
        one = [1, 2]
        t = torcpy.submit(snapshot, gate, one, {}, set(), bytearray(), (), kw_list=one, qid=q)
        one.append(3)
        one.clear()
        j.open(gate)
        got = t.result()
        assert got[0] == [1, 2] and got[5] == [1, 2], (q, got)


def main(gate_dir):
    c = Checks("api")
    j = Job(gate_dir)
    c.run("queries", check_queries, j)
    c.run("queries_plain_thread", check_queries_thread, j)
    c.run("queries_every_worker", check_queries_everywhere, j)
    c.run("submit_result_input", check_submit_result_input, j)
    c.run("done", check_done, j)
    c.run("local_not_pickled", check_local_not_pickled, j)
    c.run("remote_pickled", check_remote_pickled, j)
    c.run("qid_placement", check_qid_placement, j)
    c.run("round_robin", check_round_robin, j)
    c.run("wait_given", check_wait_given, j)
    c.run("wait_children", check_wait_children, j)
    c.run("waitall", check_waitall, j)
    c.run("as_completed_list", check_as_completed_list, j)
    c.run("as_completed_order", check_as_completed_order, j)
    c.run("as_completed_children", check_as_completed_children, j)
    c.run("map", check_map, j)
    c.run("map_spreads", check_map_spreads, j)
    c.run("spmd", check_spmd, j)
    c.run("executor_twice", check_executor, j)
    c.run("callbacks", check_callbacks, j)
    c.run("callbacks_remote", check_callbacks_remote, j)
    c.run("big_results", check_big_results, j)
    c.run("big_arguments", check_big_arguments, j)
    c.run("big_map", check_big_map, j)
    c.run("many_tasks", check_many_tasks, j)
    c.run("nested_pinned", check_nested, j, True)
    c.run("nested_round_robin", check_nested, j, False)
    c.run("args_copied", check_args_copied, j)
    c.run("stealing_calls", check_stealing_calls, j)
    return c.summary()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="torcpy-api-") as d:
        # rank 0's directory is the one main uses (the other ranks' stay empty)
        failed = torcpy.start(lambda: main(d))
    finish(failed)
