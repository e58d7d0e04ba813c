"""The torcpy paper's benchmark pattern: a folder of JPEG images into one HDF5 file.

Images sit in subfolders whose names are their labels. Every image is a task's work:
decode the JPEG (Pillow), resize it to ``target x target``, scale it to float32 in [0, 1]
(numpy) and return it with its label; ``torcpy.map(process_image, paths, targets,
chunksize=16)`` spreads them over all workers of the job and returns the results in input
order. Rank 0 then writes them into one HDF5 file (h5py: ``x`` of shape (n, target, target,
3), ``y`` of shape (n,)) and checks the file against a sequential run of
``process_image`` over the same images.

The images are made first, with a fixed seed, in a temporary directory under /tmp that rank
0 creates (the ranks of this machine share the file system, and the tasks get the paths as
arguments); it is removed at the end (``--keep`` keeps it).

A benchmark may import this module and use ``make_jpegs``, ``process_image`` and
``write_hdf5`` (module-level functions: tasks name them by reference).

Run it with::

    python images_hdf5.py [--images 300] [--target 32] [--chunksize 16]
    TORCPY_WORKERS=2 mpirun -np 3 python images_hdf5.py
"""

import argparse
import os
import shutil
import tempfile

import h5py
import numpy as np
from PIL import Image

import torcpy

LABELS = 5


def make_jpegs(directory, n, size=64, seed=0):
    """Writes ``n`` random ``size x size`` RGB JPEG images into subfolders ``0`` ..
    ``LABELS-1`` of ``directory`` (the subfolder's name is the label); returns the list of
    ``(path, label)``, in a fixed order. The same seed gives the same images."""
    rng = np.random.default_rng(seed)
    out = []
    for label in range(LABELS):
        os.makedirs(os.path.join(directory, str(label)), exist_ok=True)
    for i in range(n):
        label = int(rng.integers(LABELS))
        # Noise over a gradient whose colour depends on the label.
        ramp = np.linspace(0, 1, size, dtype=np.float64)[None, :, None]
        tint = np.array([label / LABELS, 1 - label / LABELS, 0.5])[None, None, :]
        base = 200 * ramp * tint + rng.normal(0, 30, (size, size, 3))
        pixels = np.clip(base + 25, 0, 255).astype(np.uint8)
        path = os.path.join(directory, str(label), f"img_{i:05d}.jpg")
        Image.fromarray(pixels, "RGB").save(path, format="JPEG", quality=90)
        out.append((path, label))
    return out


def process_image(path, target):
    """A task: the image at ``path`` decoded, resized to ``target x target`` and scaled to
    float32 in [0, 1] (shape (target, target, 3)), and its label (the subfolder's name)."""
    with Image.open(path) as im:
        im = im.convert("RGB").resize((target, target),
                                      Image.BILINEAR)  # type: ignore[attr-defined]
        x = np.asarray(im, dtype=np.float32) / np.float32(255.0)
    label = int(os.path.basename(os.path.dirname(path)))
    return x, label


def write_hdf5(filename, results):
    """Writes the ``(array, label)`` results into ``filename``: datasets ``x`` (n, h, w, 3)
    float32 and ``y`` (n,) int64."""
    n = len(results)
    shape = results[0][0].shape if n else (0, 0, 3)
    with h5py.File(filename, "w") as f:
        dataset_x = f.create_dataset("x", (n, *shape), dtype=np.float32)
        dataset_y = f.create_dataset("y", (n,), dtype=np.int64)
        for i, (dx, dy) in enumerate(results):
            dataset_x[i, :, :, :] = dx
            dataset_y[i] = dy


def fail(message):
    raise RuntimeError(f"images_hdf5: FAILED: {message}")


def check_file(filename, images, target):
    """Compares the HDF5 file with a sequential run of process_image over every image."""
    with h5py.File(filename, "r") as f:
        x, y = f["x"], f["y"]
        n = len(images)
        if x.shape != (n, target, target, 3) or x.dtype != np.float32:
            fail(f"x has shape {x.shape} and type {x.dtype}")
        if y.shape != (n,):
            fail(f"y has shape {y.shape}")
        xs, ys = x[...], y[...]
    if not (xs.min() >= 0.0 and xs.max() <= 1.0):
        fail(f"x is not in [0, 1]: [{xs.min()}, {xs.max()}]")
    for i, (path, label) in enumerate(images):
        want_x, want_y = process_image(path, target)
        if ys[i] != label or want_y != label:
            fail(f"image {i} ({path}): label {ys[i]}, {label} expected")
        if not np.array_equal(xs[i], want_x):
            fail(f"image {i} ({path}): pixels differ from the sequential result")


def parse_args(argv=None):
    """The command line (parsed on every rank before start: --help and errors end
    every rank at once, before MPI starts)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300, help="images to make")
    parser.add_argument("--size", type=int, default=64, help="side of the JPEG images")
    parser.add_argument("--target", type=int, default=32, help="side after resizing")
    parser.add_argument("--chunksize", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the images and the file")
    return parser.parse_args(argv)


def main(args):
    directory = tempfile.mkdtemp(prefix="torcpy_images_", dir="/tmp")
    try:
        images = make_jpegs(directory, args.images, args.size, args.seed)
        paths = [p for p, _ in images]
        n = len(paths)

        t0 = torcpy.gettime()
        results = torcpy.map(process_image, paths, [args.target] * n, chunksize=args.chunksize)
        t1 = torcpy.gettime()
        filename = os.path.join(directory, "images.h5")
        write_hdf5(filename, results)
        t2 = torcpy.gettime()

        if len(results) != n:
            fail(f"map returned {len(results)} results for {n} images")
        check_file(filename, images, args.target)
        counts = np.bincount([label for _, label in images], minlength=LABELS).tolist()
        print(f"images_hdf5: OK: {n} JPEGs ({args.size}x{args.size}, labels {counts}) -> "
              f"{filename if args.keep else 'images.h5'} x{(n, args.target, args.target, 3)} "
              f"on {torcpy.num_nodes()} nodes x {torcpy.num_local_workers()} workers: "
              f"map {t1 - t0:.3f} s, write {t2 - t1:.3f} s")
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    ARGS = parse_args()
    torcpy.start(lambda: main(ARGS))
