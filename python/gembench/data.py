"""The test sets of a run's tasks, rebuilt from the dataset files and the task
definitions stored in the run (permutations, rotation angles, class splits), the way
Sources/Benchmarks builds them:

- pixels scaled to [0, 1] as float32 (value / 255);
- permuted: input pixel i of task t is original pixel permutation[i];
- rotated: counter-clockwise about the image centre, bilinear, 0 outside the image, in
  float32 arithmetic in the same order as RotatedBenchmark.swift;
- split: the test samples whose labels are the task's classes, in file order;
- `benchmark.test_samples_per_task` (config) keeps the first n of each task's test set.
"""
import functools
import gzip
import hashlib
import os
import struct

import numpy as np

TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
SYSTEM_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def dataset_directory(name, data_dir=None):
    """The folder holding dataset `name` ("mnist", "fashion-mnist"): `data_dir` or
    $GEMBENCH_DATA_DIR (their `name/` subfolder first), else the repository's Data/<name>
    (and Debian's Fashion-MNIST folder), as Sources/Data/DatasetLocator.swift searches."""
    base = data_dir or os.environ.get("GEMBENCH_DATA_DIR")
    candidates = [os.path.join(base, name), base] if base else [os.path.join(REPOSITORY, "Data", name)]
    if not base and name == "fashion-mnist":
        candidates.append(SYSTEM_FASHION_MNIST)
    for folder in candidates:
        if all(_find(folder, f) for f in (TEST_IMAGES, TEST_LABELS)):
            return folder
    raise FileNotFoundError(f"no {name} test files ({TEST_IMAGES}, {TEST_LABELS}, plain or .gz) in "
                            + ", ".join(candidates))


def _find(folder, stem):
    for candidate in (os.path.join(folder, stem), os.path.join(folder, stem + ".gz")):
        if os.path.isfile(candidate):
            return candidate
    return None


@functools.lru_cache(maxsize=8)
def read_idx(path):
    """An IDX file (plain or gzip) as (numpy array, SHA-256 of its uncompressed bytes);
    cached, as every run of a folder reads the same test set."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, kind, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {values.size} values, the header says {shape}")
    values = values.reshape(shape)
    values.flags.writeable = False  # shared by the cache
    return values, hashlib.sha256(raw).hexdigest()


def load_test_set(run, data_dir=None):
    """(images N x rows x cols uint8, labels N) of the run's dataset, checked against the
    SHA-256 sums stored in the run when it has them."""
    name = run.config.get("benchmark.dataset", "mnist")
    folder = dataset_directory(name, data_dir)
    arrays = []
    for stem in (TEST_IMAGES, TEST_LABELS):
        values, digest = read_idx(_find(folder, stem))
        stored = run.dataset_checksums.get(stem)
        if stored is not None and stored != digest:
            raise ValueError(f"{folder}/{stem}: SHA-256 {digest}, but {run.file} was trained with {stored}")
        arrays.append(values)
    return arrays[0], arrays[1].astype(np.int64)


def rotate(images, degrees):
    """Rotates float32 images (N x rows x cols) counter-clockwise about their centre,
    bilinearly, with 0 outside; float32 arithmetic in the order of RotatedBenchmark.swift."""
    f32 = np.float32
    n, rows, cols = images.shape
    radians = degrees * np.pi / 180
    c, s = f32(np.cos(radians)), f32(np.sin(radians))
    cy, cx = f32(rows - 1) / f32(2), f32(cols - 1) / f32(2)
    y, x = np.meshgrid(np.arange(rows, dtype=f32), np.arange(cols, dtype=f32), indexing="ij")
    dx, dy = x - cx, y - cy
    sx = c * dx - s * dy + cx  # where in the source output pixel (x, y) comes from
    sy = s * dx + c * dy + cy
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    fx, fy = sx - x0.astype(f32), sy - y0.astype(f32)

    def pixel(xx, yy):
        inside = (xx >= 0) & (xx < cols) & (yy >= 0) & (yy < rows)
        values = images[:, np.clip(yy, 0, rows - 1), np.clip(xx, 0, cols - 1)]
        return np.where(inside, values, f32(0))

    one = f32(1)
    top = pixel(x0, y0) * (one - fx) + pixel(x0 + 1, y0) * fx
    bottom = pixel(x0, y0 + 1) * (one - fx) + pixel(x0 + 1, y0 + 1) * fx
    return (top * (one - fy) + bottom * fy).astype(f32)


def task_test_sets(run, data_dir=None):
    """Per task j: (inputs n_j x D float32, labels n_j), as the run evaluated task j."""
    images, labels = load_test_set(run, data_dir)
    kind = run.config.get("benchmark.kind")
    limit = run.config.get("benchmark.test_samples_per_task", "null")
    limit = None if limit == "null" else int(limit)
    scaled = images.astype(np.float32) / np.float32(255)
    flat = scaled.reshape(len(images), -1)
    sets = []
    for task in run.tasks:
        if kind == "split":
            chosen = np.flatnonzero(np.isin(labels, task["classes"]))
        elif kind in ("permuted", "rotated"):
            chosen = np.arange(len(labels))
        else:
            raise ValueError(f"{run.file}: benchmark.kind {kind!r}: only permuted, rotated and split are rebuilt")
        if limit is not None:
            chosen = chosen[:limit]
        if kind == "permuted":
            inputs = flat[chosen][:, task["permutation"]]
        elif kind == "rotated":
            inputs = rotate(scaled[chosen], task["angle"]).reshape(len(chosen), -1)
        else:
            inputs = flat[chosen]
        sets.append((inputs, labels[chosen]))
    return sets
