"""A module next to tests/programs/launch_script.py, imported by it (as a sibling module,
or relatively when the script runs as a package's module): its functions run as tasks on
every rank. Also imported by the ``python -m torcpy -c`` test's code."""

import os
import sys

import torcpy

#: Module-level code of the helper: the process that imported it, once.
LOADED_IN = []
LOADED_IN.append(os.getpid())

OFFSET = 1000


def shifted(k):
    """A task: ``k + OFFSET`` and where it ran (node, whether the helper was imported once
    in this process)."""
    return torcpy.node_id(), k + OFFSET, LOADED_IN == [os.getpid()]


def where(tag):
    """A task: (tag, node, this process's sys.argv length > 0)."""
    return tag, torcpy.node_id(), len(sys.argv) > 0
