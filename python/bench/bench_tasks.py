"""The trivial task functions of the benchmarks (module-level, so that torcpy, the process
pools and mpi4py.futures all pickle them by reference, as ``bench_tasks.empty``)."""


def empty():
    """The empty task."""


def identity(x):
    """The trivial map item."""
    return x


def one():
    """The empty task that returns 1: the executor rows submit it, so that the sum of the
    results (N) shows that every task ran."""
    return 1
