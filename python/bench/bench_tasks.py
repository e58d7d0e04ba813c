"""The trivial task functions of the benchmarks (module-level, so that torcpy, the process
pools and mpi4py.futures all pickle them by reference, as ``bench_tasks.empty``)."""


def empty():
    """The empty task."""


def identity(x):
    """The trivial map item."""
    return x


def one():
    """The empty task that returns 1: the executor rows submit it, so that their results
    (N of them, all 1) show that every task ran."""
    return 1
