"""Self-checks of the test programs: every check prints one line on rank 0,

    CHECK <name> OK
    CHECK <name> SKIP <why>
    CHECK <name> FAIL <what went wrong>

and ``summary()`` prints ``SUMMARY <program>: <n> checks, <k> failed`` (the program then exits
non-zero when a check failed). A check that raises counts as failed with its traceback, so
one broken check never hides the others. The tests in ``tests/`` assert on these lines.
"""

import os
import sys
import traceback


class Checks:
    def __init__(self, program):
        self.program = program
        self.names = []
        self.failed = []

    def _line(self, name, status, detail=""):
        if name in self.names:
            raise RuntimeError(f"check {name} reported twice")
        self.names.append(name)
        detail = " ".join(str(detail).split()) if status != "FAIL" else str(detail)
        # Multi-line details (tracebacks) are indented under the CHECK line.
        text = f"CHECK {name} {status}"
        if detail:
            first, *rest = str(detail).splitlines() or [""]
            text += f" {first}" + "".join(f"\n    | {r}" for r in rest)
        print(text, flush=True)

    def ok(self, name):
        self._line(name, "OK")

    def skip(self, name, why):
        self._line(name, "SKIP", why)

    def fail(self, name, why):
        self.failed.append(name)
        self._line(name, "FAIL", why)

    def run(self, name, fn, *args):
        """Runs ``fn(*args)``: OK unless it raises (AssertionError: FAIL with its message;
        anything else: FAIL with the traceback). ``fn`` may return a string starting with
        ``SKIP`` to skip."""
        try:
            r = fn(*args)
        except AssertionError as e:
            self.fail(name, f"{e}\n{traceback.format_exc()}")
            return
        except BaseException as e:  # noqa: BLE001 (a check must never end the program)
            if isinstance(e, KeyboardInterrupt):
                raise
            self.fail(name, f"raised {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return
        if isinstance(r, str) and r.startswith("SKIP"):
            self.skip(name, r[4:].strip() or "not applicable")
        else:
            self.ok(name)

    def summary(self):
        print(f"SUMMARY {self.program}: {len(self.names)} checks, {len(self.failed)} failed"
              + (f" ({', '.join(self.failed)})" if self.failed else ""), flush=True)
        return len(self.failed)


class Gates:
    """Gate files in ``gate_dir``, for checks that hold a task until the script lets it go:
    ``gate()`` names a new one (the task polls for it), ``open(path)`` creates it."""

    def __init__(self, gate_dir):
        self.gate_dir = gate_dir
        self._gates = 0

    def gate(self):
        self._gates += 1
        return os.path.join(self.gate_dir, f"gate{self._gates}")

    @staticmethod
    def open(path):
        with open(path, "w"):
            pass


def expect_raises(exc_type, fn, *args, contains=(), **kwargs):
    """Calls ``fn``; asserts it raises ``exc_type`` (exactly this class or a subclass) whose
    text holds every string of ``contains``; returns the exception."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        text = str(e)
        for c in (contains,) if isinstance(contains, str) else contains:
            assert c in text, f"{type(e).__name__} {text!r} does not mention {c!r}"
        return e
    except BaseException as e:  # noqa: BLE001
        raise AssertionError(f"{exc_type.__name__} expected, got {type(e).__name__}: {e}") from e
    raise AssertionError(f"{exc_type.__name__} expected, nothing raised")


def finish(failed):
    """The end of ``__main__``: exit 1 on rank 0 when checks failed (None elsewhere)."""
    sys.stdout.flush()
    sys.stderr.flush()
    if failed:
        sys.exit(1)
