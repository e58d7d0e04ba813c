"""The late switch from SPMD to master-worker (the torcpy paper's image-processing pattern).

Every rank starts as an ordinary MPI (SPMD) program: ``torcpy.init()`` starts the runtime,
then every rank builds the same global state, here the list of image files to process and
the target size, with mpi4py collectives around torcpy (rank 0 lists the folder and
broadcasts the list; every rank lists it too and an ``allreduce`` checks that all agree).
``torcpy.launch(None)`` is the switch: rank 0 returns at once and goes on as the primary task;
every other rank serves tasks there until rank 0 calls ``torcpy.shutdown()``, and then leaves
(exit status 0). The tasks (``work(i)``: resize image ``i`` with Pillow) only get an index and
read the global list each rank built before the switch.

Rank 0 maps ``work`` over all images, checks every result against its own resize of the
same file (new size, CRC-32 of the pixels) and prints one ``late_switch_images: OK:`` line
(with a digest of all new sizes and checksums, which tests/test_launch.py recomputes).

Run it with::

    python late_switch_images.py DIR --make 24
    TORCPY_WORKERS=2 mpirun -np 3 python late_switch_images.py DIR --make 24 --target 24

``DIR`` holds the images (``.png``, ``.jpg``, ``.ppm``, in any subfolder); ``--make N``
first writes ``N`` small generated PNG images of various sizes into it (rank 0 does, before
the other ranks list the folder); ``--target T`` is the longer side of the resized images
(default 16). Without arguments it prints its usage and ends the job on every rank.
"""

import os
import sys
import zlib

from mpi4py import MPI
from PIL import Image

import torcpy

USAGE = "usage: python late_switch_images.py DIR [--make N] [--target T]"
EXTENSIONS = (".png", ".jpg", ".jpeg", ".ppm")

# The global state of every rank, built in the SPMD part before the switch; the tasks read it.
files: list[str] = []
target = 16


def make_images(directory, n):
    """Writes ``n`` generated RGB PNG images of various sizes (between 20 and 75 pixels a
    side, some wide, some tall) into ``directory``; the same ``n`` gives the same files."""
    os.makedirs(directory, exist_ok=True)
    for i in range(n):
        w, h = 20 + (i * 17) % 56, 20 + (i * 29) % 56
        pixels = bytearray()
        for y in range(h):
            for x in range(w):
                pixels += bytes(((x * 7 + i * 13) % 256, (y * 5 + i * 31) % 256,
                                 (x * y + i) % 256))
        Image.frombytes("RGB", (w, h), bytes(pixels)).save(
            os.path.join(directory, f"image_{i:03d}.png"))


def list_images(directory):
    """The image files under ``directory``, sorted (the same list on every rank)."""
    found = []
    for parent, _, names in os.walk(directory):
        found += [os.path.join(parent, name) for name in names
                  if name.lower().endswith(EXTENSIONS)]
    return sorted(found)


def fitted(size, longest):
    """``size`` (width, height) scaled so that its longer side is ``longest``."""
    w, h = size
    if w >= h:
        return longest, max(1, round(h * longest / w))
    return max(1, round(w * longest / h)), longest


def resize(path, longest):
    """The image at ``path`` resized to fit ``longest``: (original size, new size, CRC-32
    of the new pixels)."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        small = im.resize(fitted(im.size, longest), Image.BILINEAR)  # type: ignore[attr-defined]
    return im.size, small.size, zlib.crc32(small.tobytes())


def work(i):
    """A task: resizes image ``i`` of this rank's ``files`` (built before the switch);
    returns its index, new size, checksum and the node that did it."""
    _, new_size, checksum = resize(files[i], target)
    return i, new_size, checksum, torcpy.node_id()


def parse(args):
    """(directory, images to make, target) from the command line."""
    options = {"--make": 0, "--target": 16}
    directory, rest = args[0], args[1:]
    if directory.startswith("-") or len(rest) % 2:
        raise SystemExit(USAGE)
    for option, value in zip(rest[::2], rest[1::2]):
        if option not in options or not value.isdigit():
            raise SystemExit(USAGE)
        options[option] = int(value)
    return directory, options["--make"], options["--target"]


def main():
    global files, target

    # SPMD: every rank runs this part, torcpy's runtime already running underneath.
    torcpy.init()
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    if len(sys.argv) < 2:
        if rank == 0:
            print(USAGE, flush=True)
        torcpy.shutdown()
        return 0
    directory, make, target = parse(sys.argv[1:])
    if make and rank == 0:
        make_images(directory, make)
    comm.Barrier()
    mine = list_images(directory)
    files = comm.bcast(mine if rank == 0 else None, root=0)
    agreeing = comm.allreduce(1 if mine == files else 0, op=MPI.SUM)
    ranks = comm.Get_size()

    # The switch: from here on only rank 0 runs the script (the other ranks serve its tasks
    # inside launch and then leave).
    torcpy.launch(None)

    results = torcpy.map(work, range(len(files)))
    problems = []
    if agreeing != ranks:
        problems.append(f"only {agreeing} of {ranks} ranks saw the same files")
    if not files:
        problems.append(f"no images in {directory}")
    for i, (path, result) in enumerate(zip(files, results)):
        original, new_size, checksum = resize(path, target)
        want = (i, fitted(original, target), checksum)
        if result[:3] != want or new_size != want[1]:
            problems.append(f"{path}: got {result[:3]}, want {want}")
    nodes = sorted({r[3] for r in results})
    workers = torcpy.num_workers() // torcpy.num_nodes()
    if problems:
        print("late_switch_images: FAILED:\n  " + "\n  ".join(problems), flush=True)
    else:
        sizes = {r[1] for r in results}
        digest = zlib.crc32(repr([(r[1], r[2]) for r in results]).encode())
        print(f"late_switch_images: OK: {len(results)} images resized to fit {target} "
              f"({len(sizes)} distinct sizes, all checksums match, digest {digest:08x}) on "
              f"{torcpy.num_nodes()} "
              f"nodes x {workers} workers; tasks ran on nodes {nodes}; "
              f"{agreeing} of {ranks} ranks listed the same files", flush=True)
    torcpy.shutdown()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
