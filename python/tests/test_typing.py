"""torcpy's types: the installed package is typed (``py.typed`` and a ``.pyi`` beside every
module), ``python -m mypy.stubtest torcpy`` finds its stubs consistent with the package as
built, and mypy (configured in pyproject.toml: the stubs, python/examples and
tests/programs) finds no error. A small program then checks that the stubs are in use: what
they must infer, and what they must refuse. The checks that need mypy are skipped when it is
not installed (``bash scripts/python.sh`` installs it)."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR

MODULES = ("__init__", "__main__", "_core", "_executor", "_signals", "futures")
MYPY = "mypy>=1.18,<2"


@pytest.fixture
def mypy():
    """Skips without mypy; fails with a version that cannot do the checks: mypy 2 cannot
    check for Python 3.9 (the oldest torcpy supports), stubtest before 1.18 misjudges
    TorcFuture's __init__ (object's)."""
    pytest.importorskip("mypy", reason=f"mypy is not installed (pip install '{MYPY}')")
    from mypy.version import __version__
    version = tuple(int(x) for x in __version__.split("+")[0].split(".")[:2])
    assert (1, 18) <= version < (2,), f"mypy {__version__}: pip install '{MYPY}'"


def run(args, cwd, timeout=600):
    p = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    return p, f"{' '.join(args)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"


def test_installed_package_is_typed(tmp_path):
    # Run elsewhere than python/, whose torcpy would shadow the installed one.
    p, why = run(["-c", "import os, torcpy; print(os.path.dirname(torcpy.__file__))"], tmp_path)
    assert p.returncode == 0, why
    where = p.stdout.strip()
    for name in ("py.typed", *(m + ".pyi" for m in MODULES)):
        assert os.path.isfile(os.path.join(where, name)), f"{name} is not installed in {where}"


def test_stubtest(mypy, tmp_path):
    # The installed package (run from elsewhere than python/), stubs and runtime alike.
    p, why = run(["-m", "mypy.stubtest", "--concise", "torcpy"], tmp_path)
    assert p.returncode == 0, why


def test_mypy_examples_and_programs(mypy):
    p, why = run(["-m", "mypy"], PYTHON_DIR)
    assert p.returncode == 0 and "Success" in p.stdout, why


SAMPLE = '''
import concurrent.futures as cf
from collections.abc import Generator, Iterator
from typing import Any, Optional

from typing_extensions import assert_type

import torcpy
from torcpy.futures import TorcCommExecutor, TorcFuture, TorcPoolExecutor, as_completed

def square(x: int) -> int:
    return x * x

def add(a: int, b: int) -> int:
    return a + b

def setup(a: int, b: str) -> None: ...

def main() -> None:
    t = torcpy.submit(square, 3, qid=0)
    assert_type(t, torcpy.Task[int])
    assert_type(t.result(), int)
    assert_type(torcpy.map(add, [1], [2], chunksize=2), list[int])
    assert_type([u for u in torcpy.as_completed([t])], list[torcpy.Task[int]])
    assert_type(torcpy.start(main), None)
    with TorcPoolExecutor(initializer=setup, initargs=(1, "x")) as ex:
        assert_type(ex, TorcPoolExecutor)
        f = ex.submit(square, 2)
        assert_type(f, TorcFuture[int])
        assert_type(f.input(), Any)
        assert_type(f.kw_input(), dict[str, Any])
        assert_type(ex.submit_to(0, add, 1, b=2), TorcFuture[int])
        assert_type(ex.map(add, [1], [2], unordered=True, buffersize=2), Generator[int, None, None])
        assert_type(ex.map(square, [1], progress=True), Iterator[int])
        assert_type(ex.starmap(add, [(1, 2)], chunksize=4), Generator[int, None, None])
        assert_type(list(as_completed([f], timeout=1)), list[TorcFuture[int]])
        assert_type(cf.wait([f]).done, set[cf.Future[int]])
        f.add_done_callback(lambda g: assert_type(g, TorcFuture[int]))
        assert_type(ex.num_workers, int)
        ex.shutdown(wait=False, cancel_futures=True)
    with TorcCommExecutor(None, root=0, max_workers=2) as cex:
        assert_type(cex, Optional[TorcPoolExecutor])

    ex.submit(square, "x")  # E: arg-type
    ex.submit(square, 1, 2)  # E: call-arg
    ex.map(add, [1])  # E: arg-type
    ex.map(square, ["a"])  # E: arg-type
    torcpy.map(square, ["a"])  # E: arg-type
    torcpy.spmd(add, 1)  # E: arg-type
    torcpy.submit(square, 1, qid="0")  # E: arg-type
    TorcPoolExecutor(max_workers="3")  # E: call-overload
    ex.shutdown(cancel=True)  # E: call-arg
    t.result().upper()  # E: attr-defined
'''


def test_stubs_in_use(mypy, tmp_path):
    """The stubs give the types above and refuse the lines marked ``# E: code``."""
    sample = tmp_path / "sample.py"
    text = textwrap.dedent(SAMPLE)
    sample.write_text(text)
    want = {(i, m.group(1)) for i, line in enumerate(text.splitlines(), 1)
            for m in [re.search(r"# E: ([a-z-]+)$", line)] if m}
    # Not the project's files: only the sample, with the project's settings.
    p, why = run(["-m", "mypy", "--config-file", os.path.join(PYTHON_DIR, "pyproject.toml"),
                  "--no-error-summary", str(sample)],
                 PYTHON_DIR)
    got = {(int(m.group(1)), m.group(2))
           for m in re.finditer(r"^[^:\n]*sample\.py:(\d+): error: .*\[([a-z-]+)\]$", p.stdout,
                                re.MULTILINE)}
    errors = [line for line in p.stdout.splitlines() if ": error: " in line]
    assert len(errors) == len(got) and got == want, why
