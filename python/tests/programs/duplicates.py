"""as_completed given the same task twice yields it once (PEP 3148: "If any given futures
are duplicated, they will be returned once"). A watchdog ends the program (status 1, a
CHECK ... FAIL line) if a check hangs for 10 s."""

import os
import sys
import threading
from typing import Optional

import torcpy
from checklib import Checks, finish

CURRENT: dict[str, Optional[str]] = {"name": None}


def square(x):
    return x * x


def watchdog(c):
    c.fail(CURRENT["name"], "hung for 10 s")
    c.summary()
    sys.stdout.flush()
    os._exit(1)


def dup_done():
    t = torcpy.submit(square, 3, qid=0)
    t.result()
    got = list(torcpy.as_completed([t, t]))
    assert got == [t], f"{len(got)} tasks yielded for one task given twice"


def dup_pending():
    last = torcpy.num_workers() - 1
    t = torcpy.submit(square, 5, qid=0)
    u = torcpy.submit(square, 6, qid=last)
    got = list(torcpy.as_completed([t, u, t]))
    assert sorted(x.result() for x in got) == [25, 36], [x.result() for x in got]


def wait_dup():
    t = torcpy.submit(square, 7, qid=torcpy.num_workers() - 1)
    torcpy.wait([t, t])
    assert t.done() and t.result() == 49


def main():
    c = Checks("duplicates")
    timer = threading.Timer(10, watchdog, (c,))
    timer.daemon = True
    timer.start()
    for name, f in (("wait_duplicate", wait_dup), ("as_completed_duplicate_done", dup_done),
                    ("as_completed_duplicate_pending", dup_pending)):
        CURRENT["name"] = name
        c.run(name, f)
    timer.cancel()
    return c.summary()


if __name__ == "__main__":
    finish(torcpy.start(main))
