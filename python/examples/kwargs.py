"""Keyword arguments through torcpy.submit.

``torcpy.submit(f, *args, **kwargs)`` calls ``f(*args, **kwargs)`` wherever the task runs
(``qid`` and ``callback`` are torcpy's own keywords). The task keeps what it was given:
``task.input()`` is the single positional argument itself, or the tuple of them, and
``task.kw_input()`` the dict of keyword arguments. Arguments are shallow-copied at submit:
changing the caller's list afterwards does not reach the task. The example mixes positional
and keyword arguments with defaults, keyword-only and ``**extra`` parameters, pins tasks on
every worker of the job (so keywords also travel to other nodes), and checks every result.

Run it with::

    python kwargs.py
    TORCPY_WORKERS=2 mpirun -np 3 python kwargs.py
"""

from typing import Any

import torcpy


def line(x, slope=1, intercept=0, *, scale=1, **extra):
    """A task: scale * (slope * x + intercept) plus the sum of the extra keyword values,
    with the names of the extras and the node that computed it."""
    value = scale * (slope * x + intercept) + sum(extra.values())
    return value, sorted(extra), torcpy.node_id()


def total(values, start=0):
    return start + sum(values)


def fail(message):
    raise RuntimeError(f"kwargs: FAILED: {message}")


def main():
    # (positional args, keyword args) of each call; the expected value is computed directly.
    calls: list[tuple[tuple[int, ...], dict[str, Any]]] = [
        ((3,), {}),
        ((3, 2), {}),
        ((3, 2, 5), {}),
        ((3,), {"intercept": 4}),
        ((3,), {"slope": -1, "intercept": 4}),
        ((), {"x": 3, "slope": 2}),
        ((3, 2), {"scale": 10}),
        ((3,), {"scale": 2, "bonus": 100, "penalty": -7}),
        ((3, 2, 1), {"scale": 3, "extra1": 1}),
    ]
    tasks = []
    for q in range(torcpy.num_workers()):
        for args, kwargs in calls:
            tasks.append((args, kwargs, torcpy.submit(line, *args, qid=q, **kwargs)))

    # A list argument and a list keyword argument, changed by the caller after submit.
    values, more = [1, 2, 3], [10, 20]
    t_pos = torcpy.submit(total, values, qid=torcpy.num_workers() - 1)
    t_kw = torcpy.submit(total, values=more, start=5)
    values.append(1000)
    more.append(1000)
    torcpy.wait()

    nodes = set()
    for args, kwargs, t in tasks:
        want_value = line(*args, **kwargs)[0]
        want_input = args[0] if len(args) == 1 else args
        value, extras, node = t.result()
        nodes.add(node)
        what = f"line(*{args}, **{kwargs})"
        if value != want_value:
            fail(f"{what} = {value}, {want_value} expected")
        if extras != sorted(set(kwargs) - {"x", "slope", "intercept", "scale"}):
            fail(f"{what}: the extras were {extras}")
        if t.input() != want_input:
            fail(f"{what}: input() = {t.input()!r}, {want_input!r} expected")
        if t.kw_input() != kwargs:
            fail(f"{what}: kw_input() = {t.kw_input()!r}, {kwargs!r} expected")
    if t_pos.result() != 6 or t_pos.input() != [1, 2, 3]:
        fail(f"total([1, 2, 3]) = {t_pos.result()} with input {t_pos.input()}: the "
             f"caller's later append reached the task")
    if t_kw.result() != 35 or t_kw.kw_input() != {"values": [10, 20], "start": 5}:
        fail(f"total(values=[10, 20], start=5) = {t_kw.result()} with kw_input "
             f"{t_kw.kw_input()}")
    if nodes != set(range(torcpy.num_nodes())):
        fail(f"tasks pinned on every worker ran on nodes {sorted(nodes)}")

    print(f"kwargs: OK: {len(tasks) + 2} calls with keyword arguments on "
          f"{torcpy.num_nodes()} nodes x {torcpy.num_local_workers()} workers")


if __name__ == "__main__":
    torcpy.start(main)
