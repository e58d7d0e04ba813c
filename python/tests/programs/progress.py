"""``torcpy.map(..., progress=...)``, checked by the program itself (tests/test_progress.py
runs it at 1 process and at 2 ranks x 1 worker and asserts on its CHECK lines and on the
progress lines on stderr).

Every map here is framed on stderr by ``BEGIN <name>`` and ``END <name>`` lines, written
through ``sys.stderr`` as the progress lines are (so they stay in order): the test reads the
lines of each map between them. With ``progress=0.0`` every chunk's completion prints a
line, so a map of 200 items in chunks of 10 prints exactly 20 (10/200 ... 200/200).
"""

import sys
import time

import torcpy
from checklib import Checks, expect_raises, finish

N, CHUNK = 200, 10


def slow_square(x):
    """x * x and where it ran (a little slow, so that chunks finish over some time)."""
    time.sleep(0.002)
    return x * x, torcpy.node_id()


def identity(x):
    return x


def maybe_raise(x):
    if x in (13, 37):
        raise ValueError(f"bad {x}")
    return x


def framed(name, fn):
    sys.stderr.write(f"BEGIN {name}\n")
    sys.stderr.flush()
    try:
        return fn()
    finally:
        sys.stderr.write(f"END {name}\n")
        sys.stderr.flush()


DEFAULT = object()  # no progress argument at all


def check_map(name, progress, nodes, executor=False):
    kw = {} if progress is DEFAULT else {"progress": progress}

    def run():
        xs = range(N)
        if executor:
            with torcpy.TorcPoolExecutor() as ex:
                return list(ex.map(slow_square, xs, chunksize=CHUNK, **kw))
        return torcpy.map(slow_square, xs, chunksize=CHUNK, **kw)

    got = framed(name, run)
    assert [y for y, _ in got] == [x * x for x in range(N)], got
    ran_on = {node for _, node in got}
    # round robin over every worker: with 2 ranks, half the chunks complete on the other one
    assert ran_on == set(range(nodes)), f"the chunks ran on nodes {sorted(ran_on)}"


def check_small(name, progress):
    # fewer items than a chunk, a last chunk shorter than the others, no items at all
    got = framed(name + "_one", lambda: torcpy.map(
        identity, [3], chunksize=CHUNK, progress=progress))
    assert got == [3], got
    got = framed(name + "_uneven", lambda: torcpy.map(
        identity, range(25), chunksize=10, progress=progress))
    assert got == list(range(25)), got
    got = framed(name + "_empty", lambda: torcpy.map(identity, [], progress=progress))
    assert got == [], got


def check_raises(progress):
    e = framed("raises", lambda: expect_raises(
        ValueError, torcpy.map, maybe_raise, range(50), chunksize=5, progress=progress,
        contains="bad 13"))
    assert "bad 37" not in str(e), e


def check_bad_values():
    def bad(exc, value, *contains):
        expect_raises(exc, torcpy.map, identity, range(4), progress=value,
                      contains=("torcpy.map", *contains))

    bad(ValueError, -1, "-1")
    bad(ValueError, -0.5, "-0.5")
    bad(ValueError, float("nan"), "nan")
    bad(TypeError, "fast", "'fast'")
    bad(TypeError, "1", "'1'")
    bad(TypeError, [1], "[1]")
    bad(TypeError, 1j, "1j")
    with torcpy.TorcPoolExecutor() as ex:
        expect_raises(ValueError, ex.map, identity, range(4), progress=-2,
                      contains=("torcpy.map", "-2"))
    # good values of other types: an int interval, a float subclass
    assert framed("int_interval", lambda: torcpy.map(identity, range(4), progress=3)) == \
        [0, 1, 2, 3]


def main():
    c = Checks("progress")
    nodes = torcpy.num_nodes()
    c.run("map_true", check_map, "true", True, nodes)
    c.run("map_zero", check_map, "zero", 0.0, nodes)
    c.run("map_off", check_map, "off", False, nodes)
    c.run("map_default", check_map, "default", DEFAULT, nodes)
    c.run("executor_zero", check_map, "executor", 0.0, nodes, True)
    c.run("small_zero", check_small, "small", 0.0)
    c.run("raises_zero", check_raises, 0.0)
    c.run("bad_values", check_bad_values)
    return c.summary()


if __name__ == "__main__":
    finish(torcpy.start(main))
