"""What crosses ranks (tests/test_serialize.py runs it with ``python -m torcpy`` at 2 ranks,
one worker each): lambdas, closures, local classes and classes of ``__main__`` travel by
value (cloudpickle) when pickle cannot send them by reference, both ways; what nothing can
serialize fails with a ``TaskError`` naming the task and the object's type; a serializer the
program chooses (``torcpy.set_serializer``, here on every rank at module level) is used.

MODE (sys.argv[1]): ``default`` or ``custom``. Prints ``SERIALIZE OK <mode>`` at the end.
"""

import pickle
import sys
import threading

import torcpy
from torcpy.futures import TorcPoolExecutor

#: How many times this process's custom loads ran (custom mode).
LOADED = []


def counting_dumps(obj):
    return b"TAG" + pickle.dumps(obj, 5)


def counting_loads(data):
    assert bytes(data[:3]) == b"TAG", bytes(data[:8])
    LOADED.append(1)
    return pickle.loads(data[3:])


if len(sys.argv) > 1 and sys.argv[1] == "custom":
    torcpy.set_serializer(counting_dumps, counting_loads)


class Point:
    """A class of the program's own module (``__main__`` on rank 0)."""

    def __init__(self, x):
        self.x = x


def moved(p):
    return Point(p.x + 1)


def make_local(x):
    class Local:
        def __init__(self, x):
            self.x = x
    return Local(x)


def make_closure(k):
    return lambda x: x * k


def loads_here():
    return len(LOADED)


def call(f, x):
    return f(x)


def check_default(ex, last):
    assert ex.submit_to(last, lambda x: x + 1, 41).result() == 42
    times3 = make_closure(3)
    assert ex.submit_to(last, times3, 5).result() == 15
    # A closure made on the other rank comes back and runs here.
    f = ex.submit_to(last, make_closure, 7).result()
    assert f(2) == 14
    # An instance of a class local to a function, made there, comes back by value.
    obj = ex.submit_to(last, make_local, 9).result()
    assert type(obj).__name__ == "Local" and obj.x == 9, obj
    # A class of the program's module, both ways.
    p = ex.submit_to(last, moved, Point(1)).result()
    assert type(p).__name__ == "Point" and p.x == 2, p
    # A lambda as an argument of a task.
    assert ex.submit_to(last, call, lambda y: y - 1, 10).result() == 9
    # Nothing serializes a lock: the task fails, and says which task and what.
    err = ex.submit_to(last, call, id, threading.Lock()).exception()
    assert isinstance(err, torcpy.TaskError), repr(err)
    text = str(err)
    assert "call" in text and "lock" in text, text
    # map over a lambda, in chunks, on every worker.
    assert list(ex.map(lambda v: v * v, range(50), chunksize=7)) == [v * v for v in range(50)]


def check_custom(ex, last):
    before = ex.submit_to(last, loads_here).result()
    assert ex.submit_to(last, moved, Point(4)).result().x == 5
    after = ex.submit_to(last, loads_here).result()
    assert after > before, (before, after)
    assert LOADED, "rank 0 never used the custom loads"


def main(mode):
    with TorcPoolExecutor() as ex:
        last = ex.num_workers - 1
        assert torcpy.num_nodes() >= 2
        (check_custom if mode == "custom" else check_default)(ex, last)
    print(f"SERIALIZE OK {mode}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
