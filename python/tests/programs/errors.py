"""Exceptions from local and remote tasks and misuse of the API, checked by the program itself
(tests/test_errors.py runs it at 1 process and at 2 and 3 ranks x 1 and 2 workers and asserts
on its CHECK lines and on the stderr lines it provokes).

mpi4py is imported only inside the spmd functions here (after torcpy.start): it must find
MPI initialized.

"Local" is main's own worker (qid=0), "remote" the job's last worker (on the last node; with
one node there is no remote worker and those checks are skipped).

It also drops, without looking at them, the failed tasks ``unseen-local`` (node 0, qid=0),
``unseen-remote`` (run on the last node, dropped on node 0) and ``unseen-nested`` (a task
on the last node drops its failed child there), so stderr must say "nobody looked at the
exception" for exactly those three (on the node named), and a callback raises
("callback-boom").
"""

import re
import sys
import threading
import traceback
from typing import Any, Optional

import torcpy
from checklib import Checks, expect_raises, finish


# ---------------------------------------------------------------- task functions

def square(x):
    return x * x


def raise_value(x):
    raise ValueError(f"bad value: {x}")  # THE RAISING LINE


def maybe_raise(x):
    if x in (4, 9):
        raise ValueError(f"bad {x}")
    return x


def apply(f, x):
    return f(x)


class LockedError(Exception):
    """An exception that holds a lock: it cannot be pickled."""

    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()


def raise_locked(message):
    raise LockedError(message)


def raise_local_class(message):
    class LocalError(ValueError):
        pass

    raise LocalError(message)


def return_lock():
    return threading.Lock()


def return_lambda():
    return lambda: 1


def explode():
    raise RuntimeError("no unpickling here")


class Bomb:
    """Pickles fine; unpickling it raises."""

    def __reduce__(self):
        return explode, ()


def return_bomb():
    return Bomb()


class TwoArgError(Exception):
    """Pickles, but does not unpickle: pickle calls TwoArgError("1-2") (one argument)."""

    def __init__(self, a, b):
        super().__init__(f"{a}-{b}")


def raise_two_arg():
    raise TwoArgError(1, 2)


def raise_nested_2(q):
    return torcpy.submit(raise_value, "deep", qid=q).result()


def raise_nested_1(q2, q3):
    return torcpy.submit(raise_nested_2, q3, qid=q2).result()


def do_exit(status):
    sys.exit(status)


def do_interrupt():
    raise KeyboardInterrupt("interrupt in a task")


def return_exception():
    return ValueError("returned, not raised")


def raise_oserror():
    open("/nonexistent-torcpy-dir/x")


CB_SEEN: list[Any] = []


def callback_reads_exception(task):
    CB_SEEN.append((torcpy.node_id(), repr(task.exception())))


def callback_submits(task):
    """A callback that submits a task and waits for it."""
    CB_SEEN.append(torcpy.submit(square, task.result(), qid=torcpy.num_workers() - 1).result())


def take(x):
    return type(x).__name__


def call_spmd():
    torcpy.spmd(square, 1)


def call_shutdown():
    torcpy.shutdown()


def call_finalize():
    torcpy.finalize()


INNER_MAINS = []


def inner_main():
    INNER_MAINS.append(torcpy.node_id())
    return "inner main ran"


def call_start():
    return torcpy.start(inner_main)


def inner_main_count():
    return len(INNER_MAINS)


def drop_failed_child(q):
    """On some node: a failed child nobody looks at (dropped here, on this node)."""
    t = torcpy.submit(raise_value, "unseen-nested", qid=q)
    torcpy.wait([t])
    del t
    torcpy.wait()
    return torcpy.node_id()


def callback_raises(task):
    raise KeyError("callback-boom")


SPMD_SEEN: dict[str, Any] = {}


def spmd_uses_mpi():
    from mpi4py import MPI  # first imported here, after torcpy started MPI

    comm = MPI.COMM_WORLD
    total = comm.allreduce(1)
    if not MPI.Is_initialized() or total != comm.Get_size() or comm.Get_size() != \
            torcpy.num_nodes():
        raise RuntimeError(f"rank {comm.Get_rank()}: MPI initialized {MPI.Is_initialized()}, "
                           f"{total} ranks answered, size {comm.Get_size()}")
    if comm.Get_rank() == 0:
        SPMD_SEEN["size"] = comm.Get_size()


def spmd_nested():
    """Every rank: spmd inside spmd is refused (the message kept on rank 0)."""
    try:
        torcpy.spmd(square, 1)
        SPMD_SEEN.setdefault("nested", []).append("nothing raised")
    except RuntimeError as e:
        if torcpy.node_id() == 0:
            SPMD_SEEN["nested_error"] = str(e)


def spmd_raises_on_last():
    if torcpy.node_id() == torcpy.num_nodes() - 1:
        raise ValueError(f"spmd failure on node {torcpy.node_id()}")


# ---------------------------------------------------------------- checks

class Job:
    def __init__(self):
        self.nodes = torcpy.num_nodes()
        self.workers = torcpy.num_workers()
        self.per_node = self.workers // self.nodes
        self.last = self.workers - 1

    def node_workers(self, node):
        return range(node * self.per_node, (node + 1) * self.per_node)


NOTE = re.compile(r"torcpy: raised by task (\S+) on node (\d+), worker (-?\d+)")


def notes_of(e):
    return list(getattr(e, "__notes__", []))


def check_note(j, e, fname, node, remote):
    notes = notes_of(e)
    ours = [n for n in notes if "torcpy: raised by task" in n]
    assert len(ours) == 1, f"one torcpy note expected: {notes}"
    m = NOTE.search(ours[0])
    assert m, ours[0]
    assert m.group(1) == fname, ours[0]
    assert int(m.group(2)) == node, ours[0]
    assert int(m.group(3)) in j.node_workers(node), ours[0]
    if remote:
        assert "traceback there" in ours[0], ours[0]
        assert "Traceback (most recent call last)" in ours[0], ours[0]
        assert "THE RAISING LINE" in ours[0] or fname != "raise_value", ours[0]
        assert "errors.py" in ours[0], ours[0]
    return ours[0]


def check_exception(j, q, remote):
    node = q // j.per_node
    good = [torcpy.submit(square, i, qid=q) for i in range(3)]
    t = torcpy.submit(raise_value, "x1", qid=q)
    good += [torcpy.submit(square, i, qid=q) for i in range(3, 6)]
    torcpy.wait()  # a failed child does not make wait() raise
    assert t.done()
    e = expect_raises(ValueError, t.result, contains="bad value: x1")
    assert type(e) is ValueError and str(e) == "bad value: x1", repr(e)
    check_note(j, e, "raise_value", node, remote)
    assert t.exception() is e, (t.exception(), e)
    e2 = expect_raises(ValueError, t.result)
    assert e2 is e and len([n for n in notes_of(e2) if "raised by task" in n]) == 1, notes_of(e2)
    # the traceback of result() shows where it was raised (locally: the task's own frames)
    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    assert "bad value: x1" in text
    if not remote:
        assert "THE RAISING LINE" in text, text
    assert [g.result() for g in good] == [i * i for i in range(6)]
    assert all(g.exception() is None for g in good)
    # exception() first, then result()
    t = torcpy.submit(raise_value, "x2", qid=q)
    e = t.exception()
    assert isinstance(e, ValueError) and str(e) == "bad value: x2"
    assert expect_raises(ValueError, t.result) is e


def check_local_exception(j):
    check_exception(j, 0, False)


def check_remote_exception(j):
    if j.nodes == 1:
        return "SKIP one node"
    check_exception(j, j.last, True)


def check_nested_exception(j):
    """Raised three levels down (main -> last worker -> worker 0 -> last worker): each level
    that re-raises it adds its note, innermost first."""
    t = torcpy.submit(raise_nested_1, 0, j.last, qid=j.last)
    e = expect_raises(ValueError, t.result)
    assert str(e) == "bad value: deep", repr(e)
    notes = [n for n in notes_of(e) if "raised by task" in n]
    names = [NOTE.search(n).group(1) for n in notes]  # type: ignore[union-attr]
    where = [int(NOTE.search(n).group(2)) for n in notes]  # type: ignore[union-attr]
    assert names == ["raise_value", "raise_nested_2", "raise_nested_1"], notes
    last = j.nodes - 1
    assert where == [last, 0, last], notes
    if j.nodes > 1:
        assert all("traceback there" in n for n in notes), notes
        assert "THE RAISING LINE" in notes[0], notes[0]


def check_unloadable_exception_remote(j):
    """An exception that pickles but cannot be unpickled on node 0 (a two-argument
    __init__, a common case): a TaskError that still names its type and message."""
    t = torcpy.submit(raise_two_arg, qid=0)
    e = expect_raises(TwoArgError, t.result)  # locally: the exception itself
    assert str(e) == "1-2"
    if j.nodes == 1:
        return "SKIP one node"
    t = torcpy.submit(raise_two_arg, qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result)
    assert "TwoArgError" in str(e) and "1-2" in str(e), \
        f"the TaskError does not say what was raised: {e}"


def check_base_exceptions(j):
    """SystemExit and KeyboardInterrupt raised in a task come back as such; the job goes
    on. An exception returned (not raised) is a result; OSError keeps its errno."""
    for q in sorted({0, j.last}):
        t = torcpy.submit(do_exit, 5, qid=q)
        e = t.exception()
        assert type(e) is SystemExit and e.code == 5, repr(e)
        expect_raises(SystemExit, t.result)
        t = torcpy.submit(do_interrupt, qid=q)
        e = t.exception()
        assert type(e) is KeyboardInterrupt and str(e) == "interrupt in a task", repr(e)
        t = torcpy.submit(return_exception, qid=q)
        r = t.result()
        assert type(r) is ValueError and str(r) == "returned, not raised" and \
            t.exception() is None, repr(r)
        t = torcpy.submit(raise_oserror, qid=q)
        e = expect_raises(FileNotFoundError, t.result)
        assert e.errno == 2 and "nonexistent-torcpy-dir" in str(e), repr(e)
        assert torcpy.submit(square, 11, qid=q).result() == 121


def check_callback_with_failed_task(j):
    del CB_SEEN[:]
    for q in sorted({0, j.last}):
        t = torcpy.submit(raise_value, f"cb{q}", qid=q, callback=callback_reads_exception)
        assert str(t.exception()) == f"bad value: cb{q}"
    assert sorted(CB_SEEN) == sorted((0, repr(ValueError(f"bad value: cb{q}")))
                                     for q in {0, j.last}), CB_SEEN
    del CB_SEEN[:]
    t = torcpy.submit(square, 4, qid=j.last, callback=callback_submits)
    assert t.result() == 16
    assert CB_SEEN == [256], CB_SEEN


def check_as_completed_failed(j):
    ts = [torcpy.submit(maybe_raise, x, qid=x % j.workers) for x in range(12)]
    got = {t.input(): t for t in torcpy.as_completed(ts)}
    assert sorted(got) == list(range(12))
    for x, t in got.items():
        if x in (4, 9):
            assert str(t.exception()) == f"bad {x}"
        else:
            assert t.result() == x
    torcpy.wait()


def check_map_exception(j):
    for cs in (1, 5, 100):
        e = expect_raises(ValueError, torcpy.map, maybe_raise, range(12), chunksize=cs)
        assert str(e) == "bad 4", f"chunksize {cs}: the first in input order: {e}"
        assert any("maybe_raise" in n for n in notes_of(e)), notes_of(e)
    assert torcpy.map(maybe_raise, [1, 2, 3]) == [1, 2, 3]  # map works after that


def check_unpicklable_exception_local(j):
    t = torcpy.submit(raise_locked, "locked-1", qid=0)
    e = t.exception()
    assert type(e) is LockedError and str(e) == "locked-1", repr(e)
    t = torcpy.submit(raise_local_class, "local-class-1", qid=0)
    e = expect_raises(ValueError, t.result, contains="local-class-1")
    assert type(e).__name__ == "LocalError", repr(e)


def check_unpicklable_exception_remote(j):
    if j.nodes == 1:
        return "SKIP one node"
    # An exception holding a lock serializes in no way: a TaskError with its type and text.
    t = torcpy.submit(raise_locked, "locked-2", qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result, contains=("LockedError", "locked-2"))
    assert isinstance(e, RuntimeError)  # TaskError is a RuntimeError
    assert "pickle" in str(e), str(e)
    check_note(j, e, "raise_locked", j.nodes - 1, True)
    assert torcpy.submit(square, 5, qid=j.last).result() == 25
    # An exception of a class local to the task travels by value (cloudpickle).
    t = torcpy.submit(raise_local_class, "local-class-2", qid=j.last)
    e = expect_raises(ValueError, t.result, contains="local-class-2")
    assert type(e).__name__ == "LocalError", repr(e)
    check_note(j, e, "raise_local_class", j.nodes - 1, True)


def check_lambda_argument(j):
    # on this node: not pickled, works
    for q in set(j.node_workers(0)):
        assert torcpy.submit(apply, lambda x: x + 1, 41, qid=q).result() == 42
        assert torcpy.submit(lambda: "local lambda", qid=q).result() == "local lambda"
    if j.nodes == 1:
        return
    # Lambdas cross nodes by value (cloudpickle), as the function or as an argument.
    assert torcpy.submit(apply, lambda x: x + 1, 41, qid=j.last).result() == 42
    assert torcpy.submit(lambda: 1, qid=j.last).result() == 1
    # A lock does not: the TaskError names the task and what could not be serialized.
    t = torcpy.submit(take, threading.Lock(), qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result)
    assert "cannot be serialized" in str(e) and "task take" in str(e), str(e)
    assert "lock" in str(e), str(e)
    assert torcpy.submit(square, 6, qid=j.last).result() == 36  # the worker goes on


def check_map_lambda(j):
    """map of a lambda, on every worker of the job (the chunks sent to other nodes carry
    it by value)."""
    n = 2 * j.workers
    assert torcpy.map(lambda x: x + 1, range(n)) == list(range(1, n + 1))
    assert torcpy.map(square, range(n)) == [x * x for x in range(n)]


def check_unpicklable_result(j):
    assert hasattr(torcpy.submit(return_lock, qid=0).result(), "acquire")
    assert torcpy.submit(return_lambda, qid=0).result()() == 1
    if j.nodes == 1:
        return
    t = torcpy.submit(return_lock, qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result, contains="pickled")
    assert t.exception() is e
    # A lambda comes back by value.
    assert torcpy.submit(return_lambda, qid=j.last).result()() == 1
    assert torcpy.submit(square, 7, qid=j.last).result() == 49


def check_unpickling_fails(j):
    """Pickled fine, but unpickling raises: the result on node 0, an argument remotely."""
    if j.nodes == 1:
        return "SKIP one node"
    t = torcpy.submit(return_bomb, qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result, contains="no unpickling here")
    assert "unpickl" in str(e), str(e)
    t = torcpy.submit(take, Bomb(), qid=j.last)
    e = expect_raises(torcpy.TaskError, t.result, contains="no unpickling here")
    assert "unpickl" in str(e), str(e)
    assert torcpy.submit(square, 8, qid=j.last).result() == 64


def check_misuse_in_main(j):
    w = j.workers
    expect_raises(ValueError, torcpy.submit, square, 1, qid=w, contains=f"qid = {w}")
    expect_raises(ValueError, torcpy.submit, square, 1, qid=w + 5, contains=f"qid = {w + 5}")
    expect_raises(ValueError, torcpy.submit, square, 1, qid=-2, contains="qid = -2")
    expect_raises(ValueError, torcpy.map, square, [1, 2], chunksize=0, contains="chunksize")
    expect_raises(ValueError, torcpy.map, square, [1, 2], chunksize=-3, contains="chunksize")
    expect_raises(TypeError, torcpy.submit, 42, contains="not callable")
    expect_raises(TypeError, torcpy.submit, "square", 1, contains="not callable")
    expect_raises(TypeError, torcpy.map, None, [1], contains="not callable")
    expect_raises(TypeError, torcpy.submit, square, 1, callback=7, contains="callback")
    expect_raises(TypeError, torcpy.wait, [1, 2], contains="not a torcpy task")
    expect_raises(TypeError, torcpy.as_completed, ["x"], contains="not a torcpy task")
    expect_raises(TypeError, torcpy.spmd, take, threading.Lock(), contains="pickle")
    # nothing of that left a task behind; the runtime goes on
    torcpy.wait()
    assert torcpy.submit(square, 3, qid=j.last).result() == 9


def check_spmd_in_task(j):
    for q in sorted({0, j.last}):
        t = torcpy.submit(call_spmd, qid=q)
        e = expect_raises(RuntimeError, t.result, contains="torcpy.spmd")
        assert "primary task" in str(e), str(e)


def check_shutdown_in_task(j, q):
    """shutdown/finalize inside a task (on any node) are refused: only main ends the job."""
    if q is None:
        return "SKIP one node"
    for f in (call_shutdown, call_finalize):
        t = torcpy.submit(f, qid=q)
        expect_raises(RuntimeError, t.result, contains="torcpy.shutdown")
    assert torcpy.submit(square, 2, qid=q).result() == 4


def check_start_in_task(j, q):
    """start inside a task is refused, without running the main given to it."""
    if q is None:
        return "SKIP one node"
    t = torcpy.submit(call_start, qid=q)
    expect_raises(RuntimeError, t.result)
    ran = torcpy.submit(inner_main_count, qid=q).result()
    assert ran == 0, f"torcpy.start(inner_main) in a task on worker {q} ran inner_main"
    assert torcpy.submit(square, 2, qid=q).result() == 4


def check_plain_thread(j):
    """A Python thread of main is no task: submit there is refused with a clear error."""
    out = {}

    def body():
        try:
            torcpy.submit(square, 2)
        except BaseException as e:  # noqa: BLE001
            out["e"] = e

    th = threading.Thread(target=body)
    th.start()
    th.join(30)
    e = out.get("e")
    assert isinstance(e, RuntimeError) and "torcpy.submit" in str(e), repr(e)


def check_spmd_errors(j):
    torcpy.spmd(spmd_uses_mpi)
    assert SPMD_SEEN.get("size") == j.nodes, SPMD_SEEN
    e = expect_raises(torcpy.TaskError, torcpy.spmd, spmd_raises_on_last,
                      contains=f"spmd failure on node {j.nodes - 1}")
    assert "torcpy.spmd" in str(e), str(e)
    torcpy.spmd(spmd_nested)
    assert "nested" not in SPMD_SEEN, SPMD_SEEN
    assert "torcpy.spmd" in SPMD_SEEN.get("nested_error", ""), SPMD_SEEN
    # spmd and tasks go on after a failed spmd
    SPMD_SEEN.clear()
    torcpy.spmd(spmd_uses_mpi)
    assert SPMD_SEEN.get("size") == j.nodes
    assert torcpy.submit(square, 4, qid=j.last).result() == 16


def check_callback_raises(j):
    t = torcpy.submit(square, 9, qid=j.last, callback=callback_raises)
    assert t.result() == 81
    torcpy.wait()
    assert t.done()
    print("INFO callback raised", flush=True)


def drop_unseen(j):
    # local: submitted, waited for, dropped unread
    t = torcpy.submit(raise_value, "unseen-local", qid=0)
    torcpy.wait([t])
    del t
    torcpy.wait()
    if j.nodes == 1:
        return "SKIP one node (only the local one)"
    # remote, never held: the children list keeps it until wait()
    torcpy.submit(raise_value, "unseen-remote", qid=j.last)
    torcpy.wait()
    # a task on the last node drops its failed child there
    q = j.last
    assert torcpy.submit(drop_failed_child, q, qid=q).result() == j.nodes - 1
    print("INFO dropped", flush=True)


def outside_start_checks():
    """Before start: every call that needs a task refuses, naming itself."""
    out: list[tuple[str, Optional[str]]] = []
    for name, call in (("submit", lambda: torcpy.submit(square, 1)),
                       ("map", lambda: torcpy.map(square, [1])),
                       ("wait", lambda: torcpy.wait()),
                       ("waitall", lambda: torcpy.waitall()),
                       ("as_completed", lambda: torcpy.as_completed()),
                       ("spmd", lambda: torcpy.spmd(square, 1)),
                       ("num_workers", lambda: torcpy.num_workers()),
                       ("worker_id", lambda: torcpy.worker_id())):
        try:
            call()
            out.append((name, "nothing raised"))
        except RuntimeError as e:
            want = "torcpy.wait" if name == "waitall" else f"torcpy.{name}"
            out.append((name, None if want in str(e) else f"RuntimeError {e!r}"))
        except BaseException as e:  # noqa: BLE001
            out.append((name, f"{type(e).__name__}: {e}"))
    return out


def after_end_checks():
    out: list[tuple[str, Optional[str]]] = []
    for name, call in (("submit", lambda: torcpy.submit(square, 1)),
                       ("map", lambda: torcpy.map(square, [1])),
                       ("wait", lambda: torcpy.wait()),
                       ("spmd", lambda: torcpy.spmd(square, 1))):
        try:
            call()
            out.append((name, "nothing raised"))
        except RuntimeError as e:
            out.append((name, None if f"torcpy.{name}" in str(e) else repr(e)))
    try:
        torcpy.start(lambda: None)
        out.append(("start_again", "nothing raised"))
    except RuntimeError as e:
        out.append(("start_again", None if "already ended" in str(e) else repr(e)))
    return out


def report(c, prefix, results):
    for name, problem in results:
        if problem is None:
            c.ok(f"{prefix}_{name}")
        else:
            c.fail(f"{prefix}_{name}", problem)


def main(before):
    c = Checks("errors")
    j = Job()
    report(c, "outside_start", before)
    c.run("local_exception", check_local_exception, j)
    c.run("remote_exception", check_remote_exception, j)
    c.run("nested_exception", check_nested_exception, j)
    c.run("unloadable_exception_remote", check_unloadable_exception_remote, j)
    c.run("base_exceptions", check_base_exceptions, j)
    c.run("callback_with_failed_task", check_callback_with_failed_task, j)
    c.run("as_completed_failed", check_as_completed_failed, j)
    c.run("map_exception", check_map_exception, j)
    c.run("unpicklable_exception_local", check_unpicklable_exception_local, j)
    c.run("unpicklable_exception_remote", check_unpicklable_exception_remote, j)
    c.run("lambda_argument", check_lambda_argument, j)
    c.run("map_lambda", check_map_lambda, j)
    c.run("unpicklable_result", check_unpicklable_result, j)
    c.run("unpickling_fails", check_unpickling_fails, j)
    c.run("misuse_in_main", check_misuse_in_main, j)
    c.run("spmd_in_task", check_spmd_in_task, j)
    remote = j.last if j.nodes > 1 else None
    c.run("shutdown_in_local_task", check_shutdown_in_task, j, 0)
    c.run("shutdown_in_remote_task", check_shutdown_in_task, j, remote)
    c.run("start_in_local_task", check_start_in_task, j, 0)
    c.run("start_in_remote_task", check_start_in_task, j, remote)
    c.run("plain_thread", check_plain_thread, j)
    c.run("spmd_errors", check_spmd_errors, j)
    c.run("callback_raises", check_callback_raises, j)
    c.run("drop_unseen", drop_unseen, j)
    return c


if __name__ == "__main__":
    BEFORE = outside_start_checks()
    checks = torcpy.start(lambda: main(BEFORE))
    if checks is not None:  # rank 0
        report(checks, "after_end", after_end_checks())
        finish(checks.summary())
    else:
        after_end_checks()  # the other ranks: the same refusals, nothing printed
