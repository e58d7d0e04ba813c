"""The library routines besides start: init, launch, shutdown, finalize. One mode per run
(argv[1]); every rank prints ``life: <rank>: ...`` lines that tests/test_lifecycle.py checks:

* ``init-launch``: init() twice, the queries between init and launch on every rank,
  launch(main) (main's result on rank 0, None elsewhere), then finalize() (a no-op);
* ``init-submit``: init(), then rank 0 submits without launch (it is the primary task
  already), then finalize() on every rank (rank 0 ends the job, the others serve until then);
* ``launch-none``: init(), launch() without main (the late switch): rank 0 goes on as the
  primary task, maps over every node, and ends the job with shutdown(); the other ranks
  serve inside launch() and leave the process there (nothing after it runs on them);
* ``shutdown`` / ``finalize``: main ends the job itself, twice; afterwards submit is refused
  and the queries still answer; start returns main's result.
"""

import sys

import torcpy


def where(_):
    return torcpy.node_id()


def say_line(text):
    """One line in one write (print writes the newline apart: the lines of ranks printing
    at the same time would interleave in mpirun's output)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


MODE = sys.argv[1]


def say(text):
    say_line(f"life: {torcpy.node_id()}: {text}")


def square(x):
    return x * x


def main():
    w = torcpy.num_workers()
    r = [torcpy.submit(square, i, qid=i % w).result() for i in range(2 * w)]
    say(f"main computed {r == [i * i for i in range(2 * w)]}")
    if MODE in ("shutdown", "finalize"):
        getattr(torcpy, MODE)()
        getattr(torcpy, MODE)()
        say("ended by main")
        try:
            torcpy.submit(square, 1)
            say("submit after the end: nothing raised")
        except RuntimeError as e:
            say(f"submit after the end: RuntimeError {'torcpy.submit' in str(e)}")
        say(f"queries after the end: {torcpy.node_id()} {torcpy.num_nodes()}")
    return "main-result"


if __name__ == "__main__":
    if MODE == "init-launch":
        torcpy.init()
        torcpy.init()
        say(f"after init: {torcpy.num_nodes()} nodes, {torcpy.num_workers()} workers, "
            f"{torcpy.num_local_workers()} local")
        r = torcpy.launch(main)
        say(f"launch returned {r!r}")
        torcpy.finalize()
        say("finalized")
    elif MODE == "init-submit":
        torcpy.init()
        if torcpy.node_id() == 0:
            t = torcpy.submit(square, 7, qid=torcpy.num_workers() - 1)
            torcpy.wait()
            say(f"submitted without launch: {t.result()}")
        torcpy.finalize()
        say("finalized")
    elif MODE == "launch-none":
        torcpy.init()
        say(f"launch() returned {torcpy.launch()!r}")
        nodes = sorted(set(torcpy.map(where, range(4 * torcpy.num_workers()))))
        say(f"after launch: map ran on nodes {nodes}")
        torcpy.shutdown()
        say("shut down")
    else:
        r = torcpy.start(main)
        say(f"start returned {r!r}")
