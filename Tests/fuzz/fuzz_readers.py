#!/usr/bin/env python3
"""Seeded, time-bounded fuzzing of GEMBench's readers, each run as a child process.

Mutates run files and run summaries (and re-seals them, so that libhdf5 itself sees the damaged bytes),
experiment YAML files and IDX dataset files, and runs the `bench` command that reads each:
`bench show` / `bench report`, `bench list` (of an edited Experiments/), `bench data --data-dir`. Every
reader must end with exit status 0 (a result) or 1 (an error message), within a time
limit: a signal (a crash) or a timeout is a failure, and the input is kept to reproduce it.

    python3 Tests/fuzz/fuzz_readers.py --bench .build/debug/bench --runs RUNS_DIR --seconds 45 --seed 1

The seal (RunFileSeal.swift) is rewritten here from its documented format, independently
of the Swift code: 512 header bytes, then a 64-bit hash of the content.
"""
import argparse
import gzip
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MASK = (1 << 64) - 1
K1, K2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
SEAL = 512
ROOT = Path(__file__).resolve().parents[2]
# HDF5 metadata structures start with these signatures; mutating near them reaches
# object headers, B-trees, heaps and the global heap instead of compressed data.
HDF5_SIGNATURES = [b"\x89HDF", b"OHDR", b"OCHK", b"BTHD", b"BTIN", b"BTLF", b"TREE", b"HEAP", b"GCOL",
                   b"SNOD", b"FRHP", b"FHDB", b"FHIB", b"FSHD", b"FSSE"]


def hash64(data: bytes) -> int:
    """RunFileSeal.hash64: 8-byte little-endian words, multiply-rotate mixing."""
    h = 0x5147_4742_454E_4348 ^ len(data)
    words = len(data) // 8
    for (w,) in struct.iter_unpack("<Q", data[: words * 8]):
        h ^= (w * K1) & MASK
        h = ((((h << 27) | (h >> 37)) & MASK) * K2) & MASK
    for byte in data[words * 8:]:
        h = ((h ^ byte) * K1) & MASK
    h ^= h >> 33
    h = (h * K2) & MASK
    h ^= h >> 29
    return h


def seal(content: bytes, first_line: bytes = b"GEMBench run file") -> bytes:
    header = first_line + (f"\nschema_version 1\ncontent_bytes {len(content)}\n"
                           f"content_hash gembench64:{hash64(content):016x}\n").encode()
    return header + bytes(SEAL - len(header)) + content


def mutate_bytes(rng: random.Random, data: bytearray, hot: list, spans=()) -> None:
    """One to four edits: bit flips, random runs, extreme integers; near HDF5 structures
    (`hot` offsets), inside `spans` (start, end), or anywhere."""
    for _ in range(rng.randint(1, 4)):
        draw = rng.random()
        if spans and draw < 0.3:
            start, end = rng.choice(spans)
            offset = min(len(data) - 1, rng.randrange(start, max(start + 1, end)))
        elif hot and draw < 0.8:
            offset = min(len(data) - 1, rng.choice(hot) + rng.randrange(0, 96))
        else:
            offset = rng.randrange(len(data))
        kind = rng.randrange(4)
        if kind == 0:
            data[offset] ^= 1 << rng.randrange(8)
        elif kind == 1:
            for i in range(offset, min(len(data), offset + rng.randint(1, 32))):
                data[i] = rng.randrange(256)
        elif kind == 2:
            width = rng.choice([2, 4, 8])
            value = rng.choice([0, 1, 0xFF, 0x7F, 0x80]) * sum(1 << (8 * i) for i in range(width))
            data[offset:offset + width] = value.to_bytes(width, "little")[: len(data) - offset]
        else:
            del data[offset:offset + rng.randint(1, 16)]


def run_reader(arguments, timeout, cwd=None):
    """(status, seconds): status is the exit code, -N for signal N, or None for a timeout."""
    start = time.monotonic()
    try:
        done = subprocess.run(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=timeout, cwd=cwd)
        return done.returncode, time.monotonic() - start, done.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - start, ""


class Fuzzer:
    def __init__(self, bench, seed, work, keep):
        self.bench = bench
        self.rng = random.Random(seed)
        self.work = Path(work)
        self.keep = Path(keep)
        self.keep.mkdir(parents=True, exist_ok=True)
        self.cases = {}
        self.failures = []

    def check(self, family, arguments, inputs, timeout=20, cwd=None):
        status, seconds, stderr = run_reader(arguments, timeout, cwd)
        self.cases[family] = self.cases.get(family, 0) + 1
        ok = status in (0, 1) and (status == 0 or stderr.strip() != "")
        if not ok:
            number = len(self.failures)
            saved = []
            for item in inputs:
                target = self.keep / f"{family}-{number}-{Path(item).name}"
                if Path(item).is_dir():
                    shutil.copytree(item, target)
                else:
                    shutil.copy(item, target)
                saved.append(str(target))
            what = "timeout" if status is None else (f"signal {-status}" if status < 0 else
                                                     f"exit {status}" + ("" if stderr else " without a message"))
            self.failures.append(f"{family}: {what} after {seconds:.1f} s: {' '.join(arguments)} (kept {saved})")

    # Run files: the content after the seal is edited and sealed again.
    def run_file_case(self, originals):
        source = self.rng.choice(originals)
        raw = source.read_bytes()
        content = bytearray(raw[SEAL:])
        hot = [i for signature in HDF5_SIGNATURES for i in find_all(content, signature)]
        # global heap collections (strings; no checksum): "GCOL", version, 3 bytes, 8-byte size
        spans = [(i, i + min(struct.unpack_from("<Q", content, i + 8)[0], len(content) - i))
                 for i in find_all(content, b"GCOL\x01") if i + 16 <= len(content)]
        if spans and self.rng.random() < 0.15:
            self.edit_heap_object_size(content, self.rng.choice(spans))
        else:
            mutate_bytes(self.rng, content, hot, spans)
        folder = self.work / "runs"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        target = folder / source.name
        first_line = raw[:SEAL].split(b"\n", 1)[0]  # a run file's or a run summary's
        target.write_bytes(seal(bytes(content), first_line) if self.rng.random() < 0.9
                           else bytes(raw[:SEAL]) + bytes(content))
        self.check("run-file show", [self.bench, "show", str(target)], [target])
        if self.rng.random() < 0.3:
            self.check("run-file report", [self.bench, "report", str(folder), "--out", str(self.work / "report"),
                                                "--force", "--svg-only"],
                       [target])

    def edit_heap_object_size(self, content, span):
        """Sets the size of one object of a global heap collection to an extreme value (what
        crashed libhdf5 1.10 in H5HG_read before GlobalHeapCheck)."""
        start, end = span
        headers, position = [], start + 16
        while position + 16 <= end:
            headers.append(position)
            size = struct.unpack_from("<Q", content, position + 8)[0]
            if struct.unpack_from("<H", content, position)[0] == 0 or size > end - position:
                break
            position += 16 + (size + 7) // 8 * 8
        header = self.rng.choice(headers)
        value = self.rng.choice([2 ** 64 - 1, 2 ** 64 - 8, 2 ** 63, 2 ** 32, end - start, self.rng.randrange(2 ** 64)])
        content[header + 8:header + 16] = struct.pack("<Q", value)

    # YAML: the shipped experiment files, edited as text.
    def yaml_case(self, texts):
        name, text = self.rng.choice(texts)
        lines = text.split("\n")
        for _ in range(self.rng.randint(1, 3)):
            kind = self.rng.randrange(6)
            i = self.rng.randrange(len(lines))
            if kind == 0:
                del lines[i]
            elif kind == 1:
                lines.insert(i, self.rng.choice(lines))
            elif kind == 2 and lines[i]:
                j = self.rng.randrange(len(lines[i]))
                lines[i] = lines[i][:j] + self.rng.choice(["&a ", "*a", "<<: *a", ": ", "[", "{", "- ", "\t", "'", "~",
                                                            "!!binary ", "1e999", "-1", "\x00", "é"]) + lines[i][j:]
            elif kind == 3:
                lines[i] = " " * self.rng.randrange(8) + lines[i].lstrip()
            elif kind == 4:
                lines.insert(i, "bomb: &b [" + ", ".join(["*b0"] * 10) + "]")
                lines.insert(i, "bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]")
            else:
                j = self.rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
        # `--experiments` adds folders in front of the shipped one, whose names the edited file
        # repeats: so the edited file replaces its original in an Experiments/ folder of the
        # current directory, which bench takes for the shipped one
        checkout = self.work / "checkout"
        folder = checkout / "Experiments"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for other, original in texts:
            (folder / other).write_text(original)
        data = "\n".join(lines).encode("utf-8", errors="surrogateescape")
        if self.rng.random() < 0.2:
            data = bytearray(data)
            mutate_bytes(self.rng, data, [])
            data = bytes(data)
        (folder / name).write_bytes(data)
        self.check("yaml list", [self.bench, "list"], [folder / name], cwd=checkout)
        if self.rng.random() < 0.3:
            self.check("yaml dry-run", [self.bench, "run", "--suite", "smoke", "--dry-run",
                                        "--out", str(self.work / "plan-out")], [folder / name], cwd=checkout)

    # IDX: four small files; edits to the compressed bytes or to the IDX bytes (recompressed).
    def idx_case(self, dataset):
        folder = self.work / "data"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        victim = self.rng.choice(sorted(dataset))
        for name, raw in dataset.items():
            payload = raw
            if name == victim:
                if self.rng.random() < 0.5:
                    edited = bytearray(raw)
                    mutate_bytes(self.rng, edited, [0, 4, 8, 12])
                    payload = gzip.compress(bytes(edited), 6, mtime=0)
                else:
                    edited = bytearray(gzip.compress(raw, 6, mtime=0))
                    mutate_bytes(self.rng, edited, [0, 10, len(edited) - 8])
                    payload = bytes(edited)
            else:
                payload = gzip.compress(raw, 6, mtime=0)
            (folder / (name + ".gz")).write_bytes(payload)
        self.check("idx data", [self.bench, "data", "--dataset", "mnist", "--data-dir", str(folder)], [folder])


def find_all(data, needle):
    start = 0
    while True:
        i = data.find(needle, start)
        if i < 0:
            return
        yield i
        start = i + 1


def small_idx_dataset():
    """IDX bytes of 50 training and 20 test images (the first of the shipped MNIST files)."""
    mnist = ROOT / "Data" / "mnist"
    def head(name, count, per_item, header_words):
        raw = gzip.decompress((mnist / (name + ".gz")).read_bytes())
        header = bytearray(raw[: 4 * header_words])
        header[4:8] = struct.pack(">I", count)
        return bytes(header) + raw[4 * header_words: 4 * header_words + count * per_item]
    return {"train-images-idx3-ubyte": head("train-images-idx3-ubyte", 50, 784, 4),
            "train-labels-idx1-ubyte": head("train-labels-idx1-ubyte", 50, 1, 2),
            "t10k-images-idx3-ubyte": head("t10k-images-idx3-ubyte", 20, 784, 4),
            "t10k-labels-idx1-ubyte": head("t10k-labels-idx1-ubyte", 20, 1, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", required=True, help="the bench executable")
    parser.add_argument("--runs", required=True, help="a folder of complete run files to start from")
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", default=None, help="where failing inputs are kept (default: a temporary folder)")
    parser.add_argument("--only", choices=["run-file", "yaml", "idx"], help="fuzz one family")
    args = parser.parse_args()

    originals = sorted(Path(args.runs).glob("*.h5"))
    if not originals:
        sys.exit(f"fuzz: no run files in {args.runs}")
    texts = [(p.name, p.read_text()) for p in sorted((ROOT / "Experiments").glob("*.yaml"))]
    dataset = small_idx_dataset()
    keep = args.keep or tempfile.mkdtemp(prefix="gembench-fuzz-failures-")
    with tempfile.TemporaryDirectory(prefix="gembench-fuzz-") as work:
        # run summaries (bench summarize) go through the same readers
        summaries = Path(work) / "summaries"
        made = subprocess.run([args.bench, "summarize", args.runs, "--out", str(summaries)], capture_output=True,
                              text=True)
        if made.returncode != 0:
            sys.exit(f"fuzz: bench summarize failed: {made.stderr}")
        originals += sorted(summaries.glob("*.h5"))
        fuzzer = Fuzzer(args.bench, args.seed, work, keep)
        deadline = time.monotonic() + args.seconds
        round_number = 0
        families = {"run-file": lambda: fuzzer.run_file_case(originals), "yaml": lambda: fuzzer.yaml_case(texts),
                    "idx": lambda: fuzzer.idx_case(dataset)}
        order = [args.only] if args.only else list(families)
        while time.monotonic() < deadline:
            families[order[round_number % len(order)]]()
            round_number += 1
    counts = ", ".join(f"{n} {family}" for family, n in sorted(fuzzer.cases.items()))
    print(f"fuzz (seed {args.seed}, {args.seconds:.0f} s): {sum(fuzzer.cases.values())} cases: {counts}")
    for failure in fuzzer.failures:
        print("FAIL " + failure)
    if fuzzer.failures:
        sys.exit(1)
    shutil.rmtree(keep, ignore_errors=True)


if __name__ == "__main__":
    main()
