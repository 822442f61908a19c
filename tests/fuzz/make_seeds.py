#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, tests/fuzz/corpus/<fuzzer>/ (checked in; rerun only to
change them): small valid inputs of every kind, and a few near misses.

usage: make_seeds.py FC_SCALEBIAS_PROGRAM FLATC [OUT_DIR]

FC_SCALEBIAS_PROGRAM: the fc-scalebias fixture's program (its `init` makes the weights seed
of fuzz_tensor_file); FLATC: flatc (the specs' binary form). Needs NumPy.
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
prog, flatc = sys.argv[1:3]
out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(fuzzer, name, data):
    d = os.path.join(out, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a)
    else:
        np.lib.format.write_array(b, a, version=version)
    return b.getvalue()


for d in ("npy", "image_set", "boards", "import_map", "safetensors", "tensor_file", "spec"):
    shutil.rmtree(os.path.join(out, d), ignore_errors=True)

# ---- .npy: every dtype the reader takes, both header versions, one it refuses
rng = np.random.default_rng(2026)
put("npy", "f4", npy(rng.standard_normal((2, 3)).astype("<f4")))
put("npy", "f8", npy(rng.standard_normal(5)))
put("npy", "i4", npy(np.arange(6, dtype="<i4").reshape(3, 2)))
put("npy", "i8", npy(np.arange(4, dtype="<i8")))
put("npy", "u1", npy(rng.integers(0, 255, (1, 2, 2, 3), dtype=np.uint8)))
put("npy", "scalar", npy(np.array(1.5, dtype="<f4")))
put("npy", "v2", npy(np.zeros((2, 2), dtype="<f4"), version=(2, 0)))
put("npy", "fortran", npy(np.asfortranarray(np.zeros((2, 3), dtype="<f4"))))
put("npy", "empty", npy(np.zeros((0, 4), dtype="<f4")))

# ---- image sets: 2 cut bytes, images.npy, masks.npy (fuzz_target.hpp split2)
def image_set(n, h, w, k):
    im = rng.integers(0, 255, (n, h, w, 3), dtype=np.uint8)
    mk = rng.integers(0, k + 1, (n, h, w), dtype=np.uint8)
    a, b = npy(im), npy(mk)
    return struct.pack("<H", len(a)) + a + b

put("image_set", "two-4x4", image_set(2, 4, 4, 3))
put("image_set", "one-8x8", image_set(1, 8, 8, 5))
a = npy(np.zeros((1, 4, 4, 3), np.uint8))
put("image_set", "masks-shape", struct.pack("<H", len(a)) + a + npy(np.zeros((1, 4, 5), np.uint8)))

# ---- Sudoku boards: CSV lines of the shipped data, board text of `solve --board`
with open(os.path.join(ROOT, "data", "sudoku", "satnet-test.csv")) as f:
    lines = [next(f).strip() for _ in range(3)]
put("boards", "three", "\n".join(lines) + "\n")
put("boards", "crlf", "\r\n".join(lines[:2]) + "\r\n")
put("boards", "board-text", lines[0][:81].replace("0", ".") + "\n")
grid = lines[0][82:]
put("boards", "grid-text", "\n".join(grid[i:i + 9] for i in range(0, 81, 9)))
put("boards", "contradicts", ("1" + lines[0][1:81] if lines[0][0] == "0" else lines[0][:81]) + "," + grid[::-1] + "\n")

# ---- name maps: the shipped one and small variants
with open(os.path.join(ROOT, "models", "sudoku.import.map")) as f:
    shipped = f.read()
put("import_map", "shipped", shipped)
put("import_map", "comments", "# a comment\n\nx0 -\n")
put("import_map", "slices", "layers.0.0.connectivity.mat_q klayer0.J.gta[0] transpose01\n")

# ---- safetensors: 1 prefix byte (fuzz_safetensors.cpp), then the file
def safetensors(tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, arr, dtype in tensors:
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)

put("safetensors", "f32", b"\x00" + safetensors([("a", np.ones((2, 2), "<f4"), "F32")], {"format": "pt"}))
put("safetensors", "mixed", b"\x00" + safetensors([("h", np.ones(3, "<f2"), "F16"), ("b", np.ones(2, "<u2"), "BF16"),
                                                   ("d", np.ones(2, "<f8"), "F64"), ("i", np.ones(1, "<i8"), "I64")]))
put("safetensors", "wrapped", b"\x01" + safetensors([("ema_model.a", np.ones(2, "<f4"), "F32"),
                                                     ("online_model.a", np.ones(2, "<f4"), "F32"),
                                                     ("initted", np.ones(1, "<u1"), "BOOL")]))
with open(os.path.join(ROOT, "tests", "import", "sudoku-small.safetensors"), "rb") as f:
    put("safetensors", "upstream-sudoku-small", b"\x00" + f.read())

# ---- weights and a checkpoint of the fc-scalebias fixture (the smallest model: fast
# fuzzing). The weights are its own `init`'s; a model without a task has no `train`, so the
# checkpoint is those weights with the tensors Trainer::save_checkpoint adds (trainer.hpp),
# written here in the tensor-file format (tensor_file.hpp: magic, version, count, per tensor
# name / dtype / rank / dims / offset / bytes, data at 64-byte boundaries, CRC-32 last).
def read_tensor_file(data):
    count = struct.unpack_from("<I", data, 12)[0]
    pos, out = 16, {}
    for _ in range(count):
        nlen = struct.unpack_from("<H", data, pos)[0]
        name = data[pos + 2:pos + 2 + nlen].decode()
        pos += 2 + nlen
        dtype, rank = data[pos], data[pos + 1]
        pos += 2
        dims = struct.unpack_from("<%dq" % rank, data, pos)
        pos += 8 * rank
        off, n = struct.unpack_from("<QQ", data, pos)
        pos += 16
        out[name] = (dtype, dims, data[off:off + n])
    return out


def write_tensor_file(tensors):
    head = b"AKORNTF1" + struct.pack("<II", 1, len(tensors))
    hsize = len(head) + sum(2 + len(n) + 2 + 8 * len(t[1]) + 16 for n, t in tensors.items())
    off = (hsize + 63) // 64 * 64
    offsets = []
    for n, t in tensors.items():
        offsets.append(off)
        off = (off + len(t[2]) + 63) // 64 * 64
    for (n, (dtype, dims, raw)), o in zip(tensors.items(), offsets):
        head += struct.pack("<H", len(n)) + n.encode() + bytes([dtype, len(dims)])
        head += struct.pack("<%dq" % len(dims), *dims) + struct.pack("<QQ", o, len(raw))
    body = bytearray(off)
    body[:len(head)] = head
    for (n, (dtype, dims, raw)), o in zip(tensors.items(), offsets):
        body[o:o + len(raw)] = raw
    return bytes(body) + struct.pack("<I", zlib.crc32(bytes(body)))


with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([prog, "init", "--out", os.path.join(tmp, "w.akw"), "--seed", "1"], check=True, capture_output=True)
    with open(os.path.join(tmp, "w.akw"), "rb") as f:
        weights = f.read()
put("tensor_file", "weights", b"\x01" + weights)  # odd first byte: checksum recomputed
w = read_tensor_file(weights)
assert write_tensor_file(w) == weights, "this script's tensor-file writer differs from the runtime's"
ck = dict(w)
params = [n for n in w if not n.startswith("meta.")]
for prefix in ("ema.", "adam.m.", "adam.v."):
    ck.update({prefix + n: w[n] for n in params})
# TDType (tensor_file.hpp): 0 = f32, 1 = u64, 2 = u8
u64 = lambda *v: (1, (len(v),), struct.pack("<%dQ" % len(v), *v))
ck["state"] = u64(5, 5, 1234, 8, 0, 3)
ck["lr_bits"] = u64(struct.unpack("<Q", struct.pack("<d", 1e-3))[0])
ck["train_opts"] = u64(7)  # the fuzzer reads with one task option
ck["precision"] = u64(0)
put("tensor_file", "checkpoint", b"\x01" + write_tensor_file(ck))

# ---- specs: the models' JSON and the binary form of two (tests/fixtures and the bad specs
# are further seed directories of the CTest entry)
os.makedirs(os.path.join(out, "spec"), exist_ok=True)
for name in ("sudoku-small.json", "objects-tetrominoes.json", "objects-tetrominoes-itrsa.json"):
    shutil.copy(os.path.join(ROOT, "models", name), os.path.join(out, "spec", name))
with tempfile.TemporaryDirectory() as tmp:
    for spec in ("models/sudoku-small.json", "tests/fixtures/objects-tiny.json"):
        subprocess.run([flatc, "-b", "-o", tmp, os.path.join(ROOT, "schema", "akorn.fbs"), os.path.join(ROOT, spec)],
                       check=True)
        base = os.path.splitext(os.path.basename(spec))[0]
        shutil.copy(os.path.join(tmp, base + ".akorn"), os.path.join(out, "spec", base + ".akorn"))
print("seeds written to", out)
