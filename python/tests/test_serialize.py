"""What crosses ranks (programs/serialize_checks.py at 2 ranks under ``python -m torcpy``):
lambdas, closures, local classes and classes of ``__main__`` both ways, through cloudpickle
when pickle cannot send them by reference; the error naming the task and the type when
nothing can serialize an argument; a serializer of the program's choosing, set by
``torcpy.set_serializer`` or named by ``TORCPY_SERIALIZER``."""

import subprocess
import sys

import pytest

from conftest import MPIRUN, PROGRAMS, job_env

TIMEOUT = 120


def run(mode, env=None):
    cmd = [MPIRUN, "--oversubscribe", "-np", "2", sys.executable, "-m", "torcpy",
           "serialize_checks.py", mode]
    p = subprocess.run(cmd, env=job_env(1, env), cwd=PROGRAMS, capture_output=True,
                       text=True, timeout=TIMEOUT)
    return p, f"exit status {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"


def test_lambdas_closures_and_local_classes_cross_ranks():
    p, info = run("default")
    assert p.returncode == 0, info
    assert "SERIALIZE OK default" in p.stdout, info


def test_set_serializer_is_used_on_both_ranks():
    p, info = run("custom")
    assert p.returncode == 0, info
    assert "SERIALIZE OK custom" in p.stdout, info


def test_torcpy_serializer_names_a_module():
    """``TORCPY_SERIALIZER=cloudpickle``: everything goes through cloudpickle's dumps and
    loads, on both ranks; the same checks pass."""
    pytest.importorskip("cloudpickle")
    p, info = run("default", {"TORCPY_SERIALIZER": "cloudpickle"})
    assert p.returncode == 0, info
    assert "SERIALIZE OK default" in p.stdout, info


def test_torcpy_serializer_that_cannot_be_imported_says_so():
    p = subprocess.run([sys.executable, "-c", "import torcpy"], env=job_env(1, {
        "TORCPY_SERIALIZER": "no_such_serializer_module"}), cwd=PROGRAMS, capture_output=True,
        text=True, timeout=TIMEOUT)
    assert p.returncode != 0
    assert "torcpy: TORCPY_SERIALIZER=no_such_serializer_module: cannot import " \
           "no_such_serializer_module" in p.stderr, p.stderr


def test_set_serializer_refuses_half_a_pair():
    code = ("import torcpy\n"
            "try:\n"
            "    torcpy.set_serializer(len, None)\n"
            "except TypeError as e:\n"
            "    print('REFUSED', e)\n")
    p = subprocess.run([sys.executable, "-c", code], env=job_env(1, None), cwd=PROGRAMS,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert "REFUSED torcpy.set_serializer: dumps and loads go together" in p.stdout, \
        p.stdout + p.stderr
