"""The examples of python/examples, run as torcpy jobs: one process without mpirun, and 2
and 3 ranks under mpirun, each with 1 and 2 workers per process. Every example checks its
own results and exits non-zero when a check fails; here its summary line is checked too."""

import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES

# What the summary line each example prints on rank 0 holds, given (nodes, workers).
SUMMARY = {
    "master_worker.py": lambda n, w: f"master_worker: OK: 300 tasks on {n} nodes x {w} workers",
    "map_chunks.py": lambda n, w: ["map_chunks: OK: chunksizes [1, 7, 100, 105]",
                                   f"over 100 items on {n} nodes x {w} workers"],
    "callbacks_reduce.py": lambda n, w: "callbacks_reduce: OK: 400 callbacks on node 0",
    "fib.py": lambda n, w: f"fib: OK: fib(25) = 75025 with 286 tasks (cut-off 16) on {n} "
                           f"nodes x {w} workers",
    "spmd_bcast.py": lambda n, w: f"spmd_bcast: OK: A (1000 doubles) broadcast to {n} ranks "
                                  f"and checked by {n * w} tasks",
    "stealing.py": lambda n, w: f"stealing: OK: 120 tasks on {n} nodes x {w} workers",
    "executor.py": lambda n, w: "executor: OK: two executors: 200 submits",
    "kwargs.py": lambda n, w: f"kwargs: OK: {9 * n * w + 2} calls with keyword arguments on "
                              f"{n} nodes x {w} workers",
    "images_hdf5.py": lambda n, w: ["images_hdf5: OK: 300 JPEGs (64x64, labels",
                                    f"-> images.h5 x(300, 32, 32, 3) on {n} nodes x {w} workers"],
}

# Examples that need arguments, run by another test file.
ELSEWHERE = {
    "late_switch_images.py": "test_launch.py (with the image directory it takes)",
}

RUNS = [(ranks, workers) for ranks in (0, 2, 3) for workers in (1, 2)]


def test_every_example_is_tested():
    found = {f for f in os.listdir(EXAMPLES) if f.endswith(".py")}
    assert found == set(SUMMARY) | set(ELSEWHERE), "examples and tests differ"
    here = os.path.dirname(os.path.abspath(__file__))
    for script, where in ELSEWHERE.items():
        test_file = os.path.join(here, where.split()[0])
        assert script in open(test_file).read(), f"{where} does not run {script}"


@pytest.mark.parametrize("ranks,workers", RUNS, ids=[f"np{r}-w{w}" for r, w in RUNS])
@pytest.mark.parametrize("script", sorted(SUMMARY))
def test_example(job, script, ranks, workers):
    p = job(script, ranks=ranks, workers=workers)
    nodes = max(ranks, 1)
    want = SUMMARY[script](nodes, workers)
    lines = [line for line in p.stdout.splitlines() if ": OK: " in line]
    assert len(lines) == 1, f"one summary line expected (rank 0 only):\n{p.stdout}\n{p.stderr}"
    for part in [want] if isinstance(want, str) else want:
        assert part in lines[0], f"{part!r} not in the summary line {lines[0]!r}"


def test_stealing_moves_node0_tasks(job):
    """With 2 ranks x 1 worker, node 0's worker runs main only: every task ran on node 1."""
    p = job("stealing.py", ranks=2, workers=1)
    assert "stealing on: per node [0, 120], at least 60 of node 0's 60 stolen" in p.stdout
    assert "stealing off: per node [60, 60]" in p.stdout


def test_stealing_env_and_options(job):
    """TORCPY_STEALING=1 at start-up (main enables it again), other sizes."""
    p = job("stealing.py", ranks=3, workers=2, args=["--tasks", "60", "--ms", "1"],
            env={"TORCPY_STEALING": "1"})
    assert "stealing: OK: 60 tasks on 3 nodes x 2 workers" in p.stdout


def test_images_hdf5_options(job):
    p = job("images_hdf5.py", ranks=2, workers=2,
            args=["--images", "50", "--chunksize", "7", "--target", "16", "--seed", "3"])
    assert "images_hdf5: OK: 50 JPEGs" in p.stdout
    assert "x(50, 16, 16, 3)" in p.stdout


IMPORT_CHECK = r"""
import os, sys
import h5py
import numpy as np
import images_hdf5 as m

d = sys.argv[1]
images = m.make_jpegs(os.path.join(d, "a"), 12, size=40, seed=1)
again = m.make_jpegs(os.path.join(d, "b"), 12, size=40, seed=1)
assert len(images) == 12
for (p, label), (q, label2) in zip(images, again):
    # The same seed makes the same images.
    assert os.path.relpath(p, os.path.join(d, "a")) == os.path.relpath(q, os.path.join(d, "b"))
    assert label == label2 == int(os.path.basename(os.path.dirname(p)))
    assert open(p, "rb").read() == open(q, "rb").read()
results = [m.process_image(p, 8) for p, _ in images]
for (x, label), (_, want) in zip(results, images):
    assert x.shape == (8, 8, 3) and x.dtype == np.float32, (x.shape, x.dtype)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert label == want
m.write_hdf5(os.path.join(d, "out.h5"), results)
with h5py.File(os.path.join(d, "out.h5"), "r") as f:
    assert f["x"].shape == (12, 8, 8, 3) and f["y"].shape == (12,)
    assert np.array_equal(f["x"][5], results[5][0])
    assert list(f["y"][...]) == [label for _, label in images]
print("importable: OK")
"""


def test_images_hdf5_importable(tmp_path):
    """A benchmark imports the module: its functions work without starting the runtime
    (in a fresh interpreter, away from the source tree's torcpy package)."""
    env = dict(os.environ, PYTHONPATH=EXAMPLES)
    p = subprocess.run([sys.executable, "-c", IMPORT_CHECK, str(tmp_path)], env=env,
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "importable: OK" in p.stdout, p.stdout + p.stderr
