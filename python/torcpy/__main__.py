"""``python -m torcpy``: runs a script, module or code string on every rank of a torcpy job.

::

    mpirun -np 4 python -m torcpy script.py [args]
    mpirun -np 4 python -m torcpy -m package.module [args]
    mpirun -np 4 python -m torcpy -c "code" [args]

Rank 0 runs the program as ``__main__``, as the primary task: it submits work (through
``torcpy.futures.TorcPoolExecutor`` or torcpy's own API) and the job ends when the program
ends, with rank 0's exit status (``sys.exit(n)`` gives n, an uncaught exception prints its
traceback and gives 1, Ctrl-C gives 130). The other ranks import the script or module under
another name, so that its ``if __name__ == "__main__":`` block does not run there but the
functions it defines resolve (as with ``multiprocessing`` and ``mpi4py.futures``), and run
tasks until rank 0 ends the job. Code given with ``-c`` runs on rank 0 only. Without
``mpirun`` it is a job of one process.
"""

import importlib.util
import os
import sys
import traceback
import types

from . import _core, _signals

USAGE = """usage: python -m torcpy [-h] (script.py | -m module | -c code) [args ...]

Runs the program on rank 0 of a torcpy job (as __main__); the other ranks import it and run
its tasks. The job ends with the program, with rank 0's exit status."""

#: The name the other ranks import the program under.
SERVER_NAME = "__torcpy_main__"


def parse(argv):
    """(kind, target, rest) from the command line: kind "path", "module" or "code"."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        sys.exit(0 if argv else 2)
    first = argv[0]
    if first in ("-m", "-c"):
        if len(argv) < 2:
            print(f"python -m torcpy: {first} needs an argument\n\n{USAGE}", file=sys.stderr)
            sys.exit(2)
        return ("module" if first == "-m" else "code"), argv[1], argv[2:]
    if first.startswith("-"):
        print(f"python -m torcpy: unknown option {first}\n\n{USAGE}", file=sys.stderr)
        sys.exit(2)
    return "path", first, argv[1:]


def exit_status(code):
    """The process status `sys.exit(code)` stands for."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def enter_path(target, rest):
    """`sys.argv` and `sys.path[0]` for the script `target`; returns its absolute path."""
    sys.argv[:] = [target] + rest
    path = os.path.abspath(target)
    sys.path[0] = os.path.dirname(path)
    return path


def enter_module(target, rest):
    """`sys.path[0]` and `sys.argv` for the module `target` (as `python -m`); returns its spec."""
    sys.path[0] = os.getcwd()
    spec = module_spec(target)
    sys.argv[:] = [spec.origin] + rest
    return spec


def run_primary(kind, target, rest):
    """Rank 0: the program as __main__; returns its exit status."""
    if kind == "path":
        path = enter_path(target, rest)
        with open(path, "rb") as f:
            code = compile(f.read(), target, "exec")
        run_as_main(code, program_module("__main__", target))
    elif kind == "module":
        spec = enter_module(target, rest)
        run_as_main(spec.loader.get_code(spec.name), program_module("__main__", spec.origin, spec))
    else:
        sys.argv[:] = ["-c"] + rest
        sys.path[0] = ""
        main = types.ModuleType("__main__")
        main.__builtins__ = __builtins__
        saved = sys.modules["__main__"]
        sys.modules["__main__"] = main
        try:
            exec(compile(target, "<string>", "exec"), main.__dict__)
        finally:
            sys.modules["__main__"] = saved


def import_for_server(kind, target, rest):
    """Another rank: the program's definitions, under `SERVER_NAME`, standing in for
    __main__ (where pickle looks for the functions rank 0's __main__ sends). `sys.argv` is
    what rank 0's program sees (module-level code may read it)."""
    if kind == "code":
        sys.argv[:] = ["-c"] + rest
        return
    if kind == "path":
        path = enter_path(target, rest)
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
        run_as_server(code, program_module(SERVER_NAME, path))
        return
    spec = enter_module(target, rest)
    # Under the name rank 0's __main__ also answers to (its package kept, for relative
    # imports), so that objects it defines travel both ways as the same objects.
    run_as_server(spec.loader.get_code(spec.name), program_module(SERVER_NAME, spec.origin, spec))


def program_module(name, path, spec=None):
    """A fresh module `name` for the program at `path` (found by `spec` for -m)."""
    module = types.ModuleType(name)
    module.__file__ = path
    module.__builtins__ = __builtins__
    if spec is not None:
        module.__package__ = spec.parent
        module.__spec__ = spec
        module.__loader__ = spec.loader
    return module


def run_as_main(code, module):
    """Rank 0: runs `code` in `module` as __main__, which also answers to the name the other
    ranks give the program, so that what they pickle by that name resolves here too."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = sys.modules[SERVER_NAME] = module
    try:
        exec(code, module.__dict__)
    finally:
        sys.modules["__main__"] = saved


def run_as_server(code, module):
    """Another rank: runs `code` in `module`, registered as __main__ and under its name."""
    sys.modules[SERVER_NAME] = sys.modules["__main__"] = module
    exec(code, module.__dict__)


def module_spec(target):
    """The spec `python -m target` runs: the module's, or a package's __main__."""
    spec = importlib.util.find_spec(target)
    if spec is None:
        raise ImportError(f"No module named {target!r}")
    if spec.submodule_search_locations is not None:
        spec = importlib.util.find_spec(target + ".__main__")
        if spec is None:
            raise ImportError(f"No module named {target + '.__main__'!r}; {target!r} is a "
                              f"package and cannot be directly executed")
    return spec


def main(argv=None):
    kind, target, rest = parse(sys.argv[1:] if argv is None else argv)
    # Tasks may reach another rank as soon as the runtime runs: there they wait until the
    # program they come from is imported (below), since they name its functions.
    _core.hold_tasks()
    _core.init("extra")
    if _core.role() == "primary":
        _core.release_tasks()
    _signals.sigterm_interrupts()
    if _core.role() == "primary":
        try:
            run_primary(kind, target, rest)
            status = 0
        except SystemExit as e:
            status = exit_status(e.code)
        except KeyboardInterrupt as e:
            _signals.print_program_traceback(e, (__file__,))
            _signals.end_interrupted()
        except BaseException as e:
            _signals.print_program_traceback(e, (__file__,))
            if _core.num_nodes() > 1:
                print("torcpy: node 0: the program raised an exception: stopping the job",
                      file=sys.stderr)
                _core.abort(1)
            status = 1
        _core.shutdown()
        sys.exit(status)
    try:
        import_for_server(kind, target, rest)
        _core.release_tasks()
    except BaseException:
        traceback.print_exc()
        print(f"torcpy: node {_core.node_id()}: cannot import {target}: stopping the job",
              file=sys.stderr)
        _core.abort(1)
    try:
        _core.shutdown()
    except KeyboardInterrupt:
        _signals.end_interrupted()
    sys.exit(0)


if __name__ == "__main__":
    main()
