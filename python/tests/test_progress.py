"""``torcpy.map(..., progress=...)``: programs/progress.py at 1 process and at 2 ranks x 1
worker (there half the chunks complete on the other rank while main waits). The program
checks results and bad values itself (CHECK lines); here the progress lines it prints on
stderr, map by map (framed by its BEGIN/END lines), are checked. Nothing here depends on
timing: with ``progress=0.0`` every chunk's completion prints a line, so those maps print a
known list of lines; with ``progress=True`` only their form and order are known."""

import re

import pytest

from checklines import assert_check, assert_consistent_end, checked_run, describe

CHECKS = ["map_true", "map_zero", "map_off", "map_default", "executor_zero", "small_zero",
          "raises_zero", "bad_values"]

PROGRESS = re.compile(r"^torcpy\.map: (\d+)/(\d+) items done \((\d+)%\), (\d+(?:\.\d)?) "
                      r"items/s$")

RUNS = [(0, 1), (2, 1)]


@pytest.fixture(scope="module", params=RUNS, ids=["np0-w1", "np2-w1"])
def progress_run(request):
    return checked_run("progress.py", *request.param, timeout=120)


def frames(p):
    """{map name: [(done, total) of its progress lines]}, each line checked for its form;
    fails on a progress line outside a frame."""
    out, current = {}, None
    for line in p.stderr.splitlines():
        if line.startswith("BEGIN "):
            assert current is None, describe(p)
            current = line[6:]
            out[current] = []
        elif line.startswith("END "):
            assert line[4:] == current, describe(p)
            current = None
        elif "torcpy.map:" in line:
            m = PROGRESS.match(line)
            assert m, f"malformed progress line {line!r}\n{describe(p)}"
            assert current is not None, f"progress line outside any map: {line!r}"
            done, total, pct, rate = int(m[1]), int(m[2]), int(m[3]), m[4]
            assert 0 <= done <= total, line
            assert pct == (done * 100 // total if total else 100), line
            # one decimal below 100 items/s, none from 100 up
            assert ("." in rate) == (float(rate) < 100) or rate == "100.0", line
            out[current].append((done, total))
    assert current is None, f"map {current} never ended\n{describe(p)}"
    return out


def assert_final(lines, total, p):
    """Well-formed lines of one map: D non-decreasing, the last one N/N, the only one."""
    assert lines, f"no progress line\n{describe(p)}"
    assert all(t == total for _, t in lines), lines
    done = [d for d, _ in lines]
    assert done == sorted(done), f"D decreases: {done}"
    assert lines[-1] == (total, total), lines
    assert done.count(total) == 1, f"more than one final line: {lines}"


def test_progress_job(progress_run):
    assert_consistent_end(progress_run, CHECKS)


@pytest.mark.parametrize("name", CHECKS)
def test_progress_checks(progress_run, name):
    assert_check(progress_run, name)


def test_progress_true(progress_run):
    """progress=True: lines at most once a second and always the final one."""
    _, _, p, _ = progress_run
    assert_final(frames(p)["true"], 200, p)


@pytest.mark.parametrize("name", ["zero", "executor"])
def test_progress_every_completion(progress_run, name):
    """progress=0.0 (torcpy.map, and TorcPoolExecutor.map passing it on): one line per
    chunk, the last one the final line."""
    _, _, p, _ = progress_run
    lines = frames(p)[name]
    assert_final(lines, 200, p)
    assert lines == [(d, 200) for d in range(10, 201, 10)], lines


def test_progress_small_maps(progress_run):
    _, _, p, _ = progress_run
    f = frames(p)
    assert f["small_one"] == [(1, 1)]
    assert f["small_uneven"] == [(10, 25), (20, 25), (25, 25)]
    assert f["small_empty"] == [(0, 0)]
    assert "torcpy.map: 0/0 items done (100%), 0.0 items/s" in p.stderr.splitlines()


def test_progress_with_exception(progress_run):
    """A chunk that raises still counts as finished; the final line comes before the raise."""
    _, _, p, _ = progress_run
    assert frames(p)["raises"] == [(d, 50) for d in range(5, 51, 5)]


@pytest.mark.parametrize("name", ["off", "default"])
def test_progress_off(progress_run, name):
    """progress=False, or no progress argument: no line."""
    _, _, p, _ = progress_run
    assert frames(p)[name] == []


def test_progress_bad_values_print_nothing(progress_run):
    """Refused values print nothing; an int interval works (the final line at least)."""
    _, _, p, _ = progress_run
    f = frames(p)
    assert set(f) == {"true", "zero", "off", "default", "executor", "small_one",
                      "small_uneven", "small_empty", "raises", "int_interval"}, sorted(f)
    assert_final(f["int_interval"], 4, p)
