"""The 512-byte header ("seal") of a run file, checked before h5py reads a byte.

A run file starts with HDF5's user block, where GEMBench writes (NUL-padded ASCII):

    GEMBench run file
    schema_version 1
    content_bytes 52992
    content_hash gembench64:d8f5cf701a33e3b7

content_bytes is the file size minus 512 and content_hash a 64-bit hash of those bytes
(the same function as Sources/Storage/RunFileSeal.swift, written here from its
description in docs/hdf5-layout.md). A file that fails any check is refused with the
reason `bench report` gives, so truncated, bit-flipped and foreign files never reach h5py.
"""
import os

import numpy as np

HEADER_BYTES = 512
SCHEMA_VERSION = 1
MAGIC = b"GEMBench run file\n"
#: The first line of a run summary (`bench summarize`: no model, memory or per-step losses).
SUMMARY_MAGIC = b"GEMBench run summary\n"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

_MASK = (1 << 64) - 1
_K1 = 0x9E3779B97F4A7C15
_K2 = 0xC2B2AE3D27D4EB4F
_SEED = 0x51474742454E4348  # the initial state of RunFileSeal.hash64 (ASCII "QGGBENCH")


class RunFileError(Exception):
    """A file that is not a complete, intact GEMBench run file of this schema."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def is_partial(name):
    """Whether a file name is that of an unfinished write (".<name>.h5.partial-<pid>")."""
    return name.startswith(".") and ".h5.partial-" in name


def hash64(data):
    """The seal's hash of `data` (bytes): 8-byte little-endian words, multiply-rotate mixing."""
    n = len(data)
    words = np.frombuffer(data, dtype="<u8", count=n // 8)
    with np.errstate(over="ignore"):
        products = (words * np.uint64(_K1)).tolist()  # w * k1 mod 2^64, for every word at once
    h = _SEED ^ n
    for p in products:
        h ^= p
        h = ((((h << 27) | (h >> 37)) & _MASK) * _K2) & _MASK
    for byte in data[(n // 8) * 8:]:
        h = ((h ^ byte) * _K1) & _MASK
    h ^= h >> 33
    h = (h * _K2) & _MASK
    h ^= h >> 29
    return h


def parse_header(block):
    """The fields of a header block (bytes), or None when one is missing or malformed."""
    text = block.split(b"\0", 1)[0].decode("utf-8", "replace")
    fields = {}
    for line in text.split("\n")[1:]:
        key, _, value = line.partition(" ")
        if value:
            fields[key] = value
    try:
        version = int(fields["schema_version"])
        content = int(fields["content_bytes"])
        digest = fields["content_hash"]
        if not digest.startswith("gembench64:"):
            return None
        return {"schema_version": version, "content_bytes": content,
                "content_hash": int(digest[len("gembench64:"):], 16)}
    except (KeyError, ValueError):
        return None


def verify(path):
    """Checks the seal of the file at `path`; returns its header fields, with "content":
    "run" for a run file, "summary" for a run summary.

    Raises RunFileError with the reason: an unfinished write, not a GEMBench file (not
    HDF5, or HDF5 without the header), another schema version, truncated, longer than
    written, or changed bytes.
    """
    name = os.path.basename(path)
    if is_partial(name):
        raise RunFileError(path, "incomplete run (temporary file of an interrupted or running write)")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise RunFileError(path, f"cannot read: {error.strerror}") from None
    if not data.startswith(MAGIC) and not data.startswith(SUMMARY_MAGIC):
        if data.startswith(HDF5_SIGNATURE):
            raise RunFileError(path, "not a GEMBench run file: an HDF5 file without a GEMBench header")
        raise RunFileError(path, "not a GEMBench run file: not an HDF5 file")
    header = parse_header(data[:HEADER_BYTES]) if len(data) >= HEADER_BYTES else None
    if header is None:
        raise RunFileError(path, "damaged run file: unreadable GEMBench header")
    if header["schema_version"] != SCHEMA_VERSION:
        raise RunFileError(path, f"schema_version {header['schema_version']}, "
                                 f"this reader reads schema_version {SCHEMA_VERSION}")
    content = len(data) - HEADER_BYTES
    if content < header["content_bytes"]:
        raise RunFileError(path, f"damaged run file: truncated: {content} of {header['content_bytes']} "
                                 "bytes after the header")
    if content > header["content_bytes"]:
        raise RunFileError(path, f"damaged run file: {content - header['content_bytes']} bytes more than written")
    if hash64(data[HEADER_BYTES:]) != header["content_hash"]:
        raise RunFileError(path, "damaged run file: content hash mismatch (bytes changed since written)")
    header["content"] = "summary" if data.startswith(SUMMARY_MAGIC) else "run"
    return header
