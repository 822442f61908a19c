#!/usr/bin/env python3
"""Weight import (`MODEL import`, docs/IMPORT.md): the committed fixture made by
tools/upstream/make_fixture.py from the reference implementation itself (an ema_pytorch
checkpoint of upstream's SudokuAKOrN, four independent GTA sets) imports into sudoku-small
with no flags and reproduces upstream's logits and energies on 8 full boards; bad safetensors files, bad maps and wrong models are rejected
with messages naming the file and tensor; nothing is overwritten; no input crashes.

usage: run_import_tests.py SUDOKU_SMALL_BIN SUDOKU_BIN REPO_ROOT WORK_DIR [NO_MAP_MODEL_BIN]
Standard library only. Prints one line per check and "N passed, M failed"."""
import json
import os
import random
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checklib  # noqa: E402
from checklib import check, finish  # noqa: E402

small, big, root, work = (os.path.abspath(p) for p in sys.argv[1:5])
no_map_model = os.path.abspath(sys.argv[5]) if len(sys.argv) > 5 else None  # a spec without import_map
here = os.path.join(root, "tests", "import")
fixture = os.path.join(here, "sudoku-small.safetensors")
default_map = os.path.join(root, "models", "sudoku.import.map")


def run(binary, *args, cwd=None):
    return checklib.run(binary, *args, cwd=cwd or root)


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def wpath(name):
    return os.path.join(work, name)


# ---- minimal readers and writers (safetensors, .npy v1.0, .akw)
def read_st(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    meta = header.pop("__metadata__", None)
    tensors = []
    for name, h in header.items():
        b, e = h["data_offsets"]
        tensors.append([name, h["dtype"], list(h["shape"]), data[b:e]])
    return tensors, meta


def write_st(path, tensors, meta=None, header_edit=None):
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, dtype, shape, b in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    if header_edit:
        h = header_edit(h)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    return path


def f32(b):
    return list(struct.unpack(f"<{len(b) // 4}f", b))


def read_npy(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x93NUMPY\x01\x00", path + ": not a v1.0 .npy"
    (hl,) = struct.unpack("<H", raw[8:10])
    hdr = raw[10:10 + hl].decode("latin1")
    assert "'descr': '<f4'" in hdr and "'fortran_order': False" in hdr, hdr
    shape = tuple(int(x) for x in hdr.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    return shape, f32(raw[10 + hl:])


def read_akw(path):
    raw = open(path, "rb").read()
    assert raw[:8] == b"AKORNTF1"
    (count,) = struct.unpack("<I", raw[12:16])
    pos, out = 16, {}
    for _ in range(count):
        (nl,) = struct.unpack("<H", raw[pos:pos + 2])
        name = raw[pos + 2:pos + 2 + nl].decode()
        pos += 2 + nl
        dt, rank = raw[pos], raw[pos + 1]
        pos += 2
        shape = struct.unpack(f"<{rank}q", raw[pos:pos + 8 * rank])
        pos += 8 * rank
        off, nb = struct.unpack("<QQ", raw[pos:pos + 16])
        pos += 16
        if dt == 0:
            out[name] = (tuple(shape), f32(raw[off:off + nb]))
    return out


def rel_err(got, want):
    scale = max(abs(x) for x in want) or 1.0
    return max(abs(a - b) for a, b in zip(got, want)) / scale


tensors, meta = read_st(fixture)
names = [t[0] for t in tensors]
by_name = {t[0]: t for t in tensors}


def variant(name, edit):
    """A copy of the fixture's tensor list changed by edit(list) -> path of the new file."""
    ts = [list(t) for t in tensors]
    ts = edit(ts) or ts
    return write_st(wpath(name), ts, meta)


def import_(binary, src, out, *extra, cwd=None):
    return run(binary, "import", "--from", src, "--out", out, *extra, cwd=cwd)


# ---- the fixture imports and reproduces PyTorch
good = wpath("good.akw")
rc, out, err = import_(small, fixture, good, "--map", default_map)
check(rc == 0 and "19 parameters" in out and "through 'ema_model.'" in out and "1 ignored" in out,
      f"import of the fixture: one-line summary ({(out or err).strip()[:160]})")
rc, out, err = run(small, "dump", "--weights", good, "--data", os.path.join(here, "full8.csv"), "--steps", "16",
                   "--out", wpath("dump"))
check(rc == 0, f"dump on the 8 full boards ({err.strip()[:160]})")
if rc == 0:
    for what, shape in (("logits", (8, 81, 9)), ("energy", (8, 17))):
        gs, got = read_npy(wpath(f"dump/{what}.npy"))
        ws, want = read_npy(os.path.join(here, f"expected_{what}.npy"))
        e = rel_err(got, want) if gs == ws == shape else float("inf")
        check(e <= 1e-4, f"{what} {gs} match upstream's SudokuAKOrN to {e:.1e} of the max |value| (need 1e-4)")
ref = read_akw(good) if os.path.exists(good) else {}
ref_sizes = {k: len(v[1]) for k, v in ref.items()}

# default map: the one the spec names, compiled into the program, so the program alone
# imports anywhere (a deployed copy has no models/ folder)
rc, out, err = import_(small, fixture, wpath("default.akw"))
check(rc == 0 and read_akw(wpath("default.akw")) == ref, "no --map: the compiled-in map gives the same weights")
deploy = wpath("deployed")
os.makedirs(deploy, exist_ok=True)
lone = shutil.copy(small, os.path.join(deploy, "sudoku-small"))
rc, out, err = import_(lone, fixture, wpath("lone.akw"), cwd=deploy)
check(rc == 0 and read_akw(wpath("lone.akw")) == ref,
      f"a copy of the program in a folder of its own imports with no map file ({(err or out).strip()[:120]})")
if no_map_model:
    rc, out, err = import_(no_map_model, fixture, wpath("nomap.akw"), cwd=work)
    check(rc == 1 and "has no name map compiled in" in err and "--map" in err and not os.path.exists(wpath("nomap.akw")),
          f"a model whose spec names no map asks for --map ({err.strip()[:120]})")

PFX = "ema_model."
CB = "layers.0.1.2.fn.2.bias"  # conv3.bias upstream (a small tensor to edit)

# the online model of the checkpoint: --prefix online_model. (different weights, its logits)
rc, out, err = import_(small, fixture, wpath("online.akw"), "--map", default_map, "--prefix", "online_model.")
check(rc == 0 and os.path.exists(wpath("online.akw")) and read_akw(wpath("online.akw")) != ref,
      f"--prefix online_model. imports the other weights ({(out or err).strip()[:120]})")
if rc == 0:
    run(small, "dump", "--weights", wpath("online.akw"), "--data", os.path.join(here, "full8.csv"), "--steps", "16",
        "--out", wpath("dump-online"))
    gs, got = read_npy(wpath("dump-online/logits.npy"))
    ws, want = read_npy(os.path.join(here, "expected_online_logits.npy"))
    e = rel_err(got, want) if gs == ws else float("inf")
    check(e <= 1e-4, f"online model's logits match upstream to {e:.1e} (need 1e-4)")
# a plain state dict (upstream's model.pth: no wrapper) gives the same weights
p = variant("plain.safetensors", lambda ts: [[t[0][len(PFX):]] + t[1:] for t in ts if t[0].startswith(PFX)])
rc, out, err = import_(small, p, wpath("plain.akw"), "--map", default_map)
check(rc == 0 and read_akw(wpath("plain.akw")) == ref, f"plain state dict (no prefix) ({(out or err).strip()[:120]})")
rc, out, err = import_(small, fixture, wpath("noprefix.akw"), "--map", default_map, "--prefix", "none")
check(rc == 1 and "unexpected" in err and "ema_model." in err and not os.path.exists(wpath("noprefix.akw")),
      f"--prefix none on a wrapped checkpoint: wrapper names are unexpected ({err.strip()[:120]})")
rc, out, err = import_(small, fixture, wpath("badprefix.akw"), "--map", default_map, "--prefix", "model.")
check(rc == 1 and "model." in err and "--prefix" in err, f"a prefix the file lacks is named ({err.strip()[:120]})")
# the four GTA sets land in their slices: mat_k and mat_v swapped in the file change J.gta
def swap_kv(ts):
    d = {t[0]: t for t in ts}
    k, v = d[PFX + "layers.0.0.connectivity.mat_k"], d[PFX + "layers.0.0.connectivity.mat_v"]
    k[3], v[3] = v[3], k[3]
p = variant("swapped.safetensors", swap_kv)
rc, out, err = import_(small, p, wpath("swapped.akw"), "--map", default_map)
sw = read_akw(wpath("swapped.akw")) if rc == 0 else {}
g0, g1 = ref.get("klayer.J.gta", ((), [])), sw.get("klayer.J.gta", ((), []))
q = len(g0[1]) // 4
check(rc == 0 and g0[0] == g1[0] == (4, 81, 4, 2, 2) and g0[1][:q] == g1[1][:q] and g0[1][3 * q:] == g1[1][3 * q:]
      and g0[1][q:2 * q] == g1[1][2 * q:3 * q] and g0[1][2 * q:3 * q] == g1[1][q:2 * q],
      "mat_q, mat_k, mat_v, mat_o fill J.gta[0..3] (swapping two in the file swaps the slices)")


def disagree(ts):
    for t in ts:
        if t[0] == PFX + "layers.0.0.connectivity.mat_o":
            v = f32(t[3])
            v[5] += 1e-3
            ts.append([PFX + "mat_o_copy", t[1], t[2], struct.pack(f"<{len(v)}f", *v)])
            return ts


with open(wpath("copy.map"), "w") as f:
    f.write(open(default_map).read() + "\nmat_o_copy   klayer.J.gta[3]\n")
p = variant("tied-disagree.safetensors", disagree)
rc, out, err = import_(small, p, wpath("x.akw"), "--map", wpath("copy.map"))
check(rc == 1 and "mat_o_copy" in err and "connectivity.mat_o'" in err and not os.path.exists(wpath("x.akw")),
      f"two sources of one target that disagree: names both tensors ({err.strip()[:150]})")

# other float dtypes: F64 exactly, F16 / BF16 rounded
def to_dtype(dtype):
    def edit(ts):
        for t in ts:
            if t[1] != "F32":  # ema_pytorch's counters (initted BOOL, step I64) stay as they are
                continue
            v = f32(t[3])
            if dtype == "F64":
                t[3] = struct.pack(f"<{len(v)}d", *v)
            elif dtype == "F16":
                t[3] = struct.pack(f"<{len(v)}e", *v)
            else:  # BF16, round to nearest even
                bits = struct.unpack(f"<{len(v)}I", t[3])
                t[3] = struct.pack(f"<{len(v)}H", *(((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF for b in bits))
            t[1] = dtype
    return edit


for dtype in ("F64", "F16", "BF16"):
    p = variant(f"{dtype}.safetensors", to_dtype(dtype))
    rc, out, err = import_(small, p, wpath(f"{dtype}.akw"), "--map", default_map)
    ok = rc == 0
    if ok:
        got = read_akw(wpath(f"{dtype}.akw"))
        conv = {t[0]: t for t in read_st(p)[0]}
        for an, (shape, vals) in got.items():
            src = {"embed.weight": PFX + "embedding.weight", "head.weight": PFX + "out.1.weight",
                   "head.bias": PFX + "out.1.bias", "conv3.bias": PFX + CB}.get(an)
            if src is None:
                continue
            b = conv[src][3]
            if dtype == "F64":
                want = list(struct.unpack(f"<{len(b) // 8}d", b))
            elif dtype == "F16":
                want = list(struct.unpack(f"<{len(b) // 2}e", b))
            else:
                want = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in struct.unpack(f"<{len(b) // 2}H", b)]
            ok = ok and vals == want
    check(ok, f"{dtype} tensors convert to float exactly ({err.strip()[:120]})")

# ---- bad files: rejected, named, nothing written
raw = open(fixture, "rb").read()
(hlen,) = struct.unpack("<Q", raw[:8])


def bad(name, content, needles, what, binary=small, extra=("--map", default_map)):
    p = wpath(name)
    if content is not None:
        with open(p, "wb") as f:
            f.write(content)
    out = wpath(name + ".akw")
    rc, _, err = import_(binary, p, out, *extra)
    ok = rc == 1 and all(n in err for n in needles) and not os.path.exists(out) and "Segmentation" not in err
    check(ok, f"{what}: refused ({err.strip()[:170]})")


bad("truncated.safetensors", raw[: len(raw) // 2], ["truncated.safetensors", "outside the data"], "truncated file")
bad("truncated-header.safetensors", raw[:100], ["truncated-header.safetensors", "past the end"], "file cut inside the header")
bad("empty.safetensors", b"", ["empty.safetensors"], "empty file")
bad("huge-header.safetensors", struct.pack("<Q", 1 << 40) + raw[8:], ["huge-header.safetensors", "100 MB"],
    "header length 2^40")
bad("huge-header2.safetensors", struct.pack("<Q", 2**64 - 1) + raw[8:], ["huge-header2.safetensors", "100 MB"],
    "header length 2^64-1")
bad("past-end.safetensors", struct.pack("<Q", len(raw)) + raw[8:], ["past-end.safetensors", "past the end"],
    "header length past the end of the file")
h = raw[8:8 + hlen]
bad("bad-json.safetensors", raw[:8] + h.replace(b"]", b"}", 1) + raw[8 + hlen:], ["bad-json.safetensors", "malformed JSON"],
    "bad JSON")
bad("bad-json2.safetensors", raw[:8] + b"[" + h[1:] + raw[8 + hlen:], ["bad-json2.safetensors", "malformed JSON"],
    "bad JSON (array opened, object closed)")
bad("not-object.safetensors", struct.pack("<Q", 8) + b"[1,2,3] " + raw[8 + hlen:], ["not-object.safetensors", "not an object"],
    "header is not an object")
first = names[0]
dup_json = h.replace(b"{", b'{"' + first.encode() + b'":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},', 1)
bad("dup.safetensors", struct.pack("<Q", len(dup_json)) + dup_json + raw[8 + hlen:], ["dup.safetensors", "duplicate key", first],
    "duplicate tensor name")
p = variant("dtype.safetensors", lambda ts: [t if t[0] != PFX + CB else [t[0], "F33", t[2], t[3]] for t in ts])
bad("dtype.safetensors", None, ["dtype.safetensors", CB, "unknown dtype 'F33'"], "unknown dtype")
p = variant("int.safetensors", lambda ts: [t if t[0] != PFX + CB else [t[0], "I32", t[2], t[3]] for t in ts])
bad("int.safetensors", None, ["int.safetensors", CB, "I32"], "integer dtype where a float is needed")
p = variant("bytes.safetensors", lambda ts: [t if t[0] != PFX + CB else [t[0], "F32", [65], t[3]] for t in ts])
bad("bytes.safetensors", None, ["bytes.safetensors", CB, "[65]", "260 bytes"], "shape/byte-count mismatch")
p = variant("shape.safetensors", lambda ts: [t if t[0] != PFX + CB else [t[0], "F32", [32], t[3][:128]] for t in ts])
bad("shape.safetensors", None, ["shape.safetensors", CB, "[32]", "[64]"], "wrong shape names tensor and both shapes")
# a shape whose element count wraps 64 bits (2^32 * 2^32 * 16 = 2^68) is too large, not "0 elements"
p = variant("wrap.safetensors", lambda ts: [t if t[0] != PFX + CB else [t[0], "F32", [2**32, 2**32, 16], t[3]] for t in ts])
bad("wrap.safetensors", None, ["wrap.safetensors", CB, "[4294967296, 4294967296, 16]", "too large"],
    "a shape of 2^68 elements (the product wraps 64 bits)")


def overlap(hb):
    j = json.loads(hb)
    a, b = j[names[0]]["data_offsets"], j[names[1]]["data_offsets"]
    j[names[1]]["data_offsets"] = [b[0] - 4, b[1] - 4]
    return json.dumps(j).encode()


write_st(wpath("overlap.safetensors"), tensors, meta, overlap)
bad("overlap.safetensors", None, ["overlap.safetensors", "overlap", names[1]], "overlapping data offsets")


def outside(hb):
    j = json.loads(hb)
    b = j[names[-1]]["data_offsets"]
    j[names[-1]]["data_offsets"] = [b[0] + 8, b[1] + 8]
    return json.dumps(j).encode()


write_st(wpath("outside.safetensors"), tensors, meta, outside)
bad("outside.safetensors", None, ["outside.safetensors", names[-1], "outside the data"], "offsets outside the data")
p = variant("missing.safetensors", lambda ts: [t for t in ts if t[0] != PFX + "out.1.bias"])
bad("missing.safetensors", None, ["missing.safetensors", "head.bias", "not filled"], "missing parameter is named")
p = variant("extra.safetensors", lambda ts: ts + [[PFX + "extra.running_mean", "F32", [3], struct.pack("<3f", 1, 2, 3)]])
bad("extra.safetensors", None, ["extra.safetensors", "extra.running_mean", "unexpected"], "unexpected extra tensor is named")
with open(wpath("ignore.map"), "w") as f:
    f.write(open(default_map).read() + "\nextra.running_mean   -   # a buffer we do not need\n")
rc, out, err = import_(small, wpath("extra.safetensors"), wpath("ignored.akw"), "--map", wpath("ignore.map"))
check(rc == 0 and read_akw(wpath("ignored.akw")) == ref and "2 ignored" in out,
      f"the extra tensor imports when the map ignores it ('<name> -') ({(out or err).strip()[:120]})")
rc, _, err = import_(big, fixture, wpath("big.akw"), "--map", default_map)
check(rc == 1 and "embedding.weight" in err and "[10, 64]" in err and "[10, 512]" in err and not os.path.exists(wpath("big.akw")),
      f"C=64 weights into the C=512 sudoku program: names a tensor and both shapes ({err.strip()[:170]})")

# map errors
for mname, text, needle in (("bad-transform.map", "embedding.weight embed.weight transpose02\n", "transpose02"),
                            ("bad-slice.map", "layers.0.0.connectivity.mat_q klayer.J.gta[4]\n", "no slice 4"),
                            ("bad-slice2.map", "layers.0.0.connectivity.mat_q klayer.J.gta[x]\n", "bad slice"),
                            ("mixed.map", "layers.0.0.connectivity.mat_q klayer.J.gta[0]\nx0 klayer.J.gta\n",
                             "both whole and by slices"),
                            ("bad-target.map", "embedding.weight embed.weights\n", "embed.weights"),
                            ("twice.map", "embedding.weight embed.weight\nembedding.weight embed.weight\n", "twice")):
    with open(wpath(mname), "w") as f:
        f.write(text)
    rc, _, err = import_(small, fixture, wpath(mname + ".akw"), "--map", wpath(mname))
    check(rc == 1 and mname in err and needle in err, f"map error {mname}: names file and problem ({err.strip()[:120]})")

# existing --out: not overwritten, unless --overwrite yes
with open(wpath("exists.akw"), "wb") as f:
    f.write(b"precious")
rc, _, err = import_(small, fixture, wpath("exists.akw"), "--map", default_map)
check(rc == 1 and "--overwrite" in err and open(wpath("exists.akw"), "rb").read() == b"precious",
      "existing --out is not overwritten")
rc, _, err = import_(small, fixture, wpath("exists.akw"), "--map", default_map, "--overwrite", "yes")
check(rc == 0 and read_akw(wpath("exists.akw")) == ref, "--overwrite yes replaces it")

# fuzz: random byte changes in the header and random truncations never crash
rng = random.Random(7)
crashes, accepted = [], 0
for i in range(150):
    b = bytearray(raw)
    if i % 3 == 2:
        b = b[: rng.randrange(0, len(b))]
    else:
        for _ in range(rng.randint(1, 4)):
            k = rng.randrange(0, 8 + hlen)
            b[k] = rng.choice([rng.randrange(256), ord('"'), ord("{"), ord("]"), ord("9"), ord("\\"), 0])
    p = wpath("fuzz.safetensors")
    with open(p, "wb") as f:
        f.write(bytes(b))
    o = wpath("fuzz.akw")
    if os.path.exists(o):
        os.remove(o)
    rc, _, err = import_(small, p, o, "--map", default_map)
    if rc not in (0, 1) or (rc == 1 and "fuzz.safetensors" not in err):
        crashes.append((i, rc, err.strip()[:100]))
    accepted += rc == 0
check(not crashes, f"150 corrupted files: each accepted or refused naming the file, no crash "
                   f"({accepted} accepted; first problem: {crashes[:1]})")

finish()
