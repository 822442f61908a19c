#!/usr/bin/env python3
"""Front-end robustness test: `akornc check` on malformed specs.

usage: run_bad_specs.py AKORNC FLATC SOURCE_DIR [WORK_DIR]

1. tests/frontend/bad_specs/NAME.json with NAME.expect (one substring per line): exit code
   must be exactly 1 and stderr must contain every expected line and the file's path.
2. The valid specs (models/*.json, tests/fixtures/*.json) and their FlatBuffers binaries (made
   here with `flatc -b schema/akorn.fbs SPEC`) must pass (exit 0).
3. Generated cases, seeded: every prefix of a valid binary (a stride through them for long
   files), random byte files (some with a valid "....AKRN" header), random byte flips of a valid
   binary, random truncations and token mutations of valid JSON. For these the exit code must be
   0 or 1 (never a signal, >= 128 or a sanitizer report) and a failure message must name the file.
   Prefixes of a binary that cut more than its trailing zero padding must be rejected (exit 1).

Standard library only. Prints "N passed, M failed" and exits non-zero on any failure.
"""
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

TIMEOUT_S = 60
SEED = 20261123


def run_akornc(akornc, path):
    env = dict(os.environ)
    # sanitizer builds: make any report a distinct, failing exit code
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":exitcode=86:abort_on_error=0"
    env["UBSAN_OPTIONS"] = env.get("UBSAN_OPTIONS", "") + ":halt_on_error=1:exitcode=86:print_stacktrace=1"
    try:
        p = subprocess.run([akornc, "check", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % TIMEOUT_S
    return p.returncode, p.stderr.decode("utf-8", "replace")


def crashed(rc, err):
    if rc is None:
        return "timed out"
    if rc < 0:
        return "killed by signal %d" % -rc
    if rc >= 128 or rc == 86:
        return "exit code %d (crash or sanitizer report)" % rc
    if "AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        return "sanitizer report"
    if "internal error" in err:
        return "internal error"
    return None


class Case:
    def __init__(self, name, path, kind, expect=None):
        self.name, self.path, self.kind, self.expect = name, path, kind, expect or []


def check_case(akornc, case):
    """Returns None on success or a failure description."""
    rc, err = run_akornc(akornc, case.path)
    c = crashed(rc, err)
    if c:
        return "%s: %s\n%s" % (case.name, c, err[-2000:])
    if case.kind == "bad":
        if rc != 1:
            return "%s: exit code %d, expected 1; stderr: %s" % (case.name, rc, err.strip())
        missing = [e for e in case.expect if e not in err]
        if missing:
            return "%s: stderr lacks %r\n  stderr: %s" % (case.name, missing, err.strip())
        if case.path not in err:
            return "%s: message does not name the file %s: %s" % (case.name, case.path, err.strip())
    elif case.kind == "good":
        if rc != 0:
            return "%s: exit code %d, expected 0; stderr: %s" % (case.name, rc, err.strip())
    elif case.kind in ("fuzz", "reject"):
        if rc not in (0, 1):
            return "%s: exit code %d, expected 0 or 1; stderr: %s" % (case.name, rc, err.strip()[-500:])
        if case.kind == "reject" and rc != 1:
            return "%s: accepted (exit 0), expected a rejection" % case.name
        if rc == 1:
            if case.path not in err:
                return "%s: message does not name the file: %s" % (case.name, err.strip()[-500:])
            if not err.strip():
                return "%s: exit 1 without a message" % case.name
            for e in case.expect:
                if e not in err:
                    return "%s: stderr lacks %r: %s" % (case.name, e, err.strip()[-500:])
    return None


def mutate_json(rng, text):
    """One random token-level change of a JSON spec."""
    numbers = [0, -1, 1, 2, 3, 7, 65536, 1048576, 1048577, 2147483647, -2147483648, 99999999999,
               "1e40", "nan", "-inf", "0.5", '"x"', "true", "null", "[]", "{}"]
    op = rng.randrange(6)
    if op == 0:  # replace a number
        digits = [i for i, ch in enumerate(text) if ch.isdigit() and not text[i - 1].isdigit()]
        if digits:
            i = rng.choice(digits)
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] in ".-"):
                j += 1
            return text[:i] + str(rng.choice(numbers)) + text[j:]
    if op == 1:  # delete a line
        lines = text.split("\n")
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if op == 2:  # duplicate a line
        lines = text.split("\n")
        k = rng.randrange(len(lines))
        lines.insert(k, lines[k])
        return "\n".join(lines)
    if op == 3:  # swap a quoted word for another quoted word of the file
        words = [w for w in text.split('"')[1::2] if w]
        if len(words) >= 2:
            a, b = rng.choice(words), rng.choice(words)
            return text.replace('"%s"' % a, '"%s"' % b, 1)
    if op == 4:  # delete a character
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1:]
    i = rng.randrange(len(text))  # insert a structural character
    return text[:i] + rng.choice('{}[]:,"\\\0\xff') + text[i:]


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    akornc, flatc, src = sys.argv[1], sys.argv[2], sys.argv[3]
    work_arg = sys.argv[4] if len(sys.argv) > 4 else None
    here = os.path.dirname(os.path.abspath(__file__))
    bad_dir = os.path.join(here, "bad_specs")

    tmp = None
    if work_arg:
        shutil.rmtree(work_arg, ignore_errors=True)
        os.makedirs(work_arg)
        work = work_arg
    else:
        tmp = tempfile.TemporaryDirectory(prefix="akorn-bad-specs-")
        work = tmp.name

    cases = []
    # 1. hand-written bad specs
    for f in sorted(os.listdir(bad_dir)):
        if not f.endswith(".json"):
            continue
        name = f[:-5]
        exp_path = os.path.join(bad_dir, name + ".expect")
        expect = []
        if os.path.exists(exp_path):
            with open(exp_path, encoding="utf-8") as fh:
                expect = [l.rstrip("\n") for l in fh if l.strip()]
        if not expect:
            print("FAIL %s: no %s.expect" % (name, name))
            return 1
        cases.append(Case("bad/" + name, os.path.join(bad_dir, f), "bad", expect))

    # a binary with another file identifier, and one too short for a header
    other = os.path.join(work, "other-identifier.bin")
    with open(other, "wb") as fh:
        fh.write(b"\x10\x00\x00\x00TFL3\x00\x00\x00\x00\x00\x00\x00\x00")
    cases.append(Case("bad/other_identifier", other, "bad",
                      ["not an akorn model: file identifier is 'TFL3', expected 'AKRN'"]))
    short = os.path.join(work, "short.bin")
    with open(short, "wb") as fh:
        fh.write(b"\x00\x01")
    cases.append(Case("bad/short_binary", short, "bad", ["not an akorn model"]))
    missing = os.path.join(work, "does-not-exist.json")
    cases.append(Case("bad/missing_file", missing, "bad", ["cannot read model spec"]))
    cases.append(Case("bad/directory", work, "bad", ["is a directory"]))

    # 2. valid specs, JSON and binary
    specs = [os.path.join(src, "models", f) for f in sorted(os.listdir(os.path.join(src, "models")))
             if f.endswith(".json")]
    specs += [os.path.join(src, "tests", "fixtures", f)
              for f in sorted(os.listdir(os.path.join(src, "tests", "fixtures"))) if f.endswith(".json")]
    bins = []
    bin_dir = os.path.join(work, "bin")
    os.makedirs(bin_dir, exist_ok=True)
    for s in specs:
        cases.append(Case("good/" + os.path.basename(s), s, "good"))
        p = subprocess.run([flatc, "-b", "-o", bin_dir, os.path.join(src, "schema", "akorn.fbs"), s],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            print("FAIL flatc -b %s: %s" % (s, p.stdout.decode(errors="replace")))
            return 1
        b = os.path.join(bin_dir, os.path.splitext(os.path.basename(s))[0] + ".akorn")
        if not os.path.exists(b):
            print("FAIL flatc wrote no %s" % b)
            return 1
        bins.append(b)
        cases.append(Case("good/" + os.path.basename(b), b, "good"))
        # a spec's import_map is relative to its own folder, binary or JSON: the map goes beside
        m = re.search(r'"import_map"\s*:\s*"([^"]+)"', open(s).read())
        if m:
            shutil.copy(os.path.join(os.path.dirname(s), m.group(1)), bin_dir)

    rng = random.Random(SEED)
    fuzz_dir = os.path.join(work, "fuzz")
    os.makedirs(fuzz_dir, exist_ok=True)

    def write(name, data):
        path = os.path.join(fuzz_dir, name)
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    # 3a. truncated binaries: every prefix of the smallest, a stride through the others
    blobs = {b: open(b, "rb").read() for b in bins}
    smallest = min(bins, key=lambda b: len(blobs[b]))
    for b in bins:
        data = blobs[b]
        stride = 1 if b == smallest else max(1, len(data) // 150)
        base = os.path.splitext(os.path.basename(b))[0]
        lengths = sorted(set(list(range(1, len(data), stride)) + [len(data) - 1, len(data) - 4]))
        for n in lengths:
            if 0 < n < len(data):
                # cutting only the builder's trailing alignment padding leaves a valid model
                kind = "reject" if any(data[n:]) else "fuzz"
                cases.append(Case("trunc/%s/%d" % (base, n), write("trunc-%s-%05d.akorn" % (base, n), data[:n]),
                                  kind))

    # 3b. random bytes, a third with a valid header
    for i in range(300):
        size = rng.choice([0, 1, 4, 7, 8, 9, 12, 16, 31, 64, 200, 1000, 4096])
        data = bytearray(rng.getrandbits(8) for _ in range(size))
        if i % 3 == 0 and size >= 8:
            data[4:8] = b"AKRN"
            if i % 2 == 0:  # plausible root offset
                data[0:4] = rng.randrange(8, max(9, size)).to_bytes(4, "little")
        elif i % 3 == 1:  # text-like
            data = bytes(rng.choice(b'{}[]:," \nabc019-.eEnulltrue') for _ in range(size))
        cases.append(Case("random/%d" % i, write("random-%03d.bin" % i, bytes(data)), "fuzz"))

    # 3c. random byte flips of a valid binary
    for i in range(300):
        b = bins[i % len(bins)]
        data = bytearray(blobs[b])
        for _ in range(rng.choice([1, 1, 2, 3, 8])):
            k = rng.randrange(len(data))
            data[k] = rng.choice([data[k] ^ (1 << rng.randrange(8)), rng.getrandbits(8), 0, 0xff])
        cases.append(Case("flip/%d" % i, write("flip-%03d.akorn" % i, bytes(data)), "fuzz"))

    # 3d. random truncations and mutations of valid JSON
    texts = {s: open(s, "rb").read() for s in specs}
    for i in range(200):
        s = specs[i % len(specs)]
        data = texts[s]
        n = rng.randrange(0, len(data))
        cases.append(Case("jtrunc/%d" % i, write("jtrunc-%03d.json" % i, data[:n]), "fuzz"))
    for i in range(300):
        s = specs[i % len(specs)]
        text = texts[s].decode("utf-8")
        for _ in range(rng.choice([1, 1, 2, 4])):
            text = mutate_json(rng, text)
        cases.append(Case("jmut/%d" % i, write("jmut-%03d.json" % i, text.encode("utf-8", "surrogatepass")), "fuzz"))

    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as ex:
        for case, res in zip(cases, ex.map(lambda c: check_case(akornc, c), cases)):
            if res:
                failures.append(res)
    for f in failures:
        print("FAIL " + f)
    kinds = {}
    for c in cases:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    print("cases: " + ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())))
    print("%d passed, %d failed" % (len(cases) - len(failures), len(failures)))
    if tmp:
        tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
