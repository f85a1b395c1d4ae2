#!/usr/bin/env python3
"""Synthetic datasets in the exact formats of the real ones, written with Python's own tarfile,
gzip and hashlib (not with the Swift code under test). Prints a JSON manifest: "files" (name ->
MD5), "sha256" (name -> SHA-256, CIFAR), and for an archive its "md5" and "size".

CIFAR records follow the binary layout of https://www.cs.toronto.edu/~kriz/cifar.html: label
byte(s), then 1024 red, 1024 green, 1024 blue bytes, each plane row-major 32x32. Record r of
file f (train files 0..n-1, then the test file) is g = 1000 * f + r, and holds
    pixel(channel c, row y, column x) = (7 g + 13 c + 3 y + x) mod 256
    CIFAR-10 label = (3 g + f) mod 10;  CIFAR-100 coarse = 7 g mod 20, fine = (11 g + 3) mod 100
(Tests/DataTests/CIFARFixture.swift recomputes the same formulas to check what the reader returns.)

    make_fixtures.py cifar10 --train-records 3 --test-records 2 --dir D      # the .bin files in D
    make_fixtures.py cifar10 ... --archive A.tar.gz [--extra NAME] [--symlink] [--absolute] [--dotdot]
                                 [--omit NAME] [--plain] [--truncate BYTES]
    make_fixtures.py fashion-mnist --dir D                                    # four tiny IDX .gz
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import struct
import tarfile

CIFAR = {
    "cifar10": ("cifar-10-batches-bin", [f"data_batch_{i}.bin" for i in range(1, 6)], "test_batch.bin",
                ["batches.meta.txt", "readme.html"]),
    "cifar100": ("cifar-100-binary", ["train.bin"], "test.bin", ["coarse_label_names.txt", "fine_label_names.txt"]),
}


def cifar_file(dataset, f, records):
    out = bytearray()
    for r in range(records):
        g = 1000 * f + r
        if dataset == "cifar10":
            out.append((3 * g + f) % 10)
        else:
            out += bytes([(7 * g) % 20, (11 * g + 3) % 100])
        out += bytes((7 * g + 13 * c + 3 * y + x) % 256 for c in range(3) for y in range(32) for x in range(32))
    return bytes(out)


def cifar_files(args):
    folder, train, test, extras = CIFAR[args.dataset]
    files = {}
    for f, name in enumerate(train + [test]):
        files[name] = cifar_file(args.dataset, f, args.test_records if name == test else args.train_records)
    for name in extras:
        files[name] = b"synthetic\n"
    return folder, files


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def write_archive(args, folder, files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        directory = tarfile.TarInfo(folder)
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        tar.addfile(directory)
        for name, data in files.items():
            if name != args.omit:
                add(tar, f"{folder}/{name}", data)
        if args.extra:
            add(tar, f"{folder}/{args.extra}", b"#!/bin/sh\necho surprise\n")
        if args.absolute:
            add(tar, "/tmp/gembench-absolute-member", b"x")
        if args.dotdot:
            add(tar, f"{folder}/../escaped.bin", b"x")
        if args.symlink:
            link = tarfile.TarInfo(f"{folder}/link.bin")
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            tar.addfile(link)
    data = buffer.getvalue() if args.plain else gzip.compress(buffer.getvalue(), mtime=0)
    if args.truncate:
        data = data[: args.truncate]
    with open(args.archive, "wb") as out:
        out.write(data)
    return data


def idx_gz(path, header, payload):
    with open(path, "wb") as out:
        out.write(gzip.compress(header + bytes(payload), mtime=0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", choices=["cifar10", "cifar100", "fashion-mnist"])
    parser.add_argument("--train-records", type=int, default=3)
    parser.add_argument("--test-records", type=int, default=2)
    parser.add_argument("--dir")
    parser.add_argument("--archive")
    parser.add_argument("--extra")
    parser.add_argument("--absolute", action="store_true")
    parser.add_argument("--dotdot", action="store_true")
    parser.add_argument("--symlink", action="store_true")
    parser.add_argument("--truncate", type=int)
    parser.add_argument("--omit", help="leave this member out of the archive")
    parser.add_argument("--plain", action="store_true", help="an uncompressed tar")
    args = parser.parse_args()
    manifest = {"files": {}}
    if args.dataset == "fashion-mnist":
        os.makedirs(args.dir, exist_ok=True)
        # train: 3 images of 2x2 with pixels 0..11, labels 7 8 9; test: 2 images, pixels 100..107, labels 1 2
        specs = {"train-images-idx3-ubyte.gz": (struct.pack(">IIII", 0x803, 3, 2, 2), range(12)),
                 "train-labels-idx1-ubyte.gz": (struct.pack(">II", 0x801, 3), [7, 8, 9]),
                 "t10k-images-idx3-ubyte.gz": (struct.pack(">IIII", 0x803, 2, 2, 2), range(100, 108)),
                 "t10k-labels-idx1-ubyte.gz": (struct.pack(">II", 0x801, 2), [1, 2])}
        for name, (header, payload) in specs.items():
            path = os.path.join(args.dir, name)
            idx_gz(path, header, payload)
            with open(path, "rb") as f:
                manifest["files"][name] = hashlib.md5(f.read()).hexdigest()
    else:
        folder, files = cifar_files(args)
        manifest["files"] = {name: hashlib.md5(data).hexdigest() for name, data in files.items()}
        manifest["sha256"] = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        if args.dir:
            os.makedirs(args.dir, exist_ok=True)
            for name, data in files.items():
                with open(os.path.join(args.dir, name), "wb") as out:
                    out.write(data)
        if args.archive:
            data = write_archive(args, folder, files)
            manifest["md5"] = hashlib.md5(data).hexdigest()
            manifest["size"] = len(data)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
