#!/usr/bin/env python3
"""Generated code from any valid spec compiles (issue 15): seeded random *valid* specs through
`akornc compile` and a C++ compile of what it wrote.

usage: valid_spec_fuzz.py AKORNC CXX REPO_ROOT WORK_DIR [CASES] [SEED]

Each case takes one of the small specs (models/, tests/fixtures/) and changes what a valid
spec may hold: the model's name (any of [A-Za-z0-9_.-], up to 128 characters, C++ keywords
and the names the generated code itself uses included), every op's and value's name
(identifiers up to 128 characters, the same hazards), the description (quotes, backslashes,
a backslash before a newline, comment markers, raw-string delimiters, control characters,
UTF-8), and the Kuramoto steps at their limits (1 and 100000). akornc must accept it (exit
0: the spec is valid) and the generated model.hpp, main.cpp and test_model.cpp must compile
(CXX -fsyntax-only: parsed, every template instantiated); the program of the first case is
built and run (`info` names the model exactly as the spec does).
Prints one line per check and "N passed, M failed"."""
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, finish  # noqa: E402

akornc, cxx, root, work = sys.argv[1:5]
cases = int(sys.argv[5]) if len(sys.argv) > 5 else 12
seed = int(sys.argv[6]) if len(sys.argv) > 6 else 20261207
rng = random.Random(seed)
BASES = ["models/sudoku-small.json", "tests/fixtures/fc-scalebias.json", "tests/fixtures/objects-tiny.json",
         "tests/fixtures/itrsa-tiny.json", "tests/fixtures/attn-nogta.json", "tests/fixtures/conv-two-block.json"]
# names a C++ compiler or the generated code may choke on
HAZARDS = ["int", "class", "namespace", "template", "return", "new", "delete", "float", "double", "auto", "const",
           "S", "Be", "Spec", "Model", "Inputs", "Outputs", "akorn", "akorn_gen", "std", "main", "size_t", "index_t",
           "kModelName", "params", "inputs", "outputs", "grad", "arena", "this", "operator", "NULL", "nullptr",
           "_Bool", "__x", "_X", "x0", "c", "n", "N", "B", "loss", "energy", "true", "and", "or", "not", "xor"]
IDENT0 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
IDENT = IDENT0 + "0123456789"
DESC_PIECES = ['"', "\\", "\\\n", "\n", "\r", "\r\n", "\t", "*/", "/*", "//", "??/", ")akornmap\"", 'R"(', ")\"",
               "é", "漢字", "\U0001F600", "\u0000", "\u0001", "\u007f", "%s%n", "{}", "#include <x>", "\\u0041", "'",
               "`", "$(rm)", " ", "plain words"]


def ident():
    r = rng.random()
    if r < 0.3:
        return rng.choice(HAZARDS)
    n = 128 if r < 0.45 else rng.randint(1, 12)
    return rng.choice(IDENT0) + "".join(rng.choice(IDENT) for _ in range(n - 1))


def model_name():
    r = rng.random()
    if r < 0.3:
        return rng.choice(HAZARDS + ["0", "9lives", "a.b", "a-b", "a..b", "_", "a-", "x.hpp"])
    alphabet = IDENT + ".-"
    n = 128 if r < 0.45 else rng.randint(1, 20)
    return rng.choice(IDENT) + "".join(rng.choice(alphabet) for _ in range(n - 1))


def description():
    return "".join(rng.choice(DESC_PIECES) for _ in range(rng.randint(0, 40)))


def mutate(spec):
    # every value and op gets a new name, distinct from the others
    values = [i["name"] for i in spec["inputs"]] + [o for op in spec["ops"] for o in op["outputs"]]
    names, used = {}, set()
    for v in values + [op["name"] for op in spec["ops"]]:
        key = v
        while True:
            new = ident()
            if new not in used:
                break
        used.add(new)
        names.setdefault(key, new)
    if "task" in spec:  # a task's inputs and outputs have the names its commands use
        for v in [i["name"] for i in spec["inputs"]] + spec["outputs"]:
            names[v] = v
    rename_v = {v: names[v] for v in values}
    for i in spec["inputs"]:
        i["name"] = rename_v[i["name"]]
    for op in spec["ops"]:
        op["inputs"] = [rename_v[x] for x in op["inputs"]]
        op["outputs"] = [rename_v[x] for x in op["outputs"]]
        op["name"] = ident()[:120] + "_op" if op["name"] in rename_v else names[op["name"]]
        if op.get("options_type") == "KuramotoOptions" and rng.random() < 0.5:
            op["options"]["steps"] = rng.choice([1, 100000])
    seen = set()
    for op in spec["ops"]:  # op names unique among themselves too
        while op["name"] in seen:
            op["name"] = ident()
        seen.add(op["name"])
    spec["outputs"] = [rename_v[x] for x in spec["outputs"]]
    spec["name"] = model_name()
    spec["description"] = description()
    spec.pop("import_map", None)  # the map names the original model's parameters
    return spec


includes = ["-I", os.path.join(root, "runtime", "include")]
for d in ("/usr/include/x86_64-linux-gnu/openblas-openmp", "/usr/include/aarch64-linux-gnu/openblas-openmp"):
    if os.path.isdir(d):
        includes += ["-I", d]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
for k in range(cases):
    base = BASES[k % len(BASES)]
    with open(os.path.join(root, base)) as f:
        spec = mutate(json.load(f))
    d = os.path.join(work, f"case{k}")
    os.makedirs(d)
    path = os.path.join(d, "spec.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False, indent=1)
    what = f"case {k} ({base}, model '{spec['name'][:40]}')"
    p = subprocess.run([akornc, "compile", path, "-o", os.path.join(d, "gen")], capture_output=True, text=True,
                       errors="replace")
    if not check(p.returncode == 0, f"{what}: akornc compile accepts the valid spec ({p.stderr.strip()[-300:]})"):
        continue
    for src in ("main.cpp", "test_model.cpp"):
        c = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", "-fopenmp", "-Wno-psabi", *includes, "-I", os.path.join(d, "gen"),
                            os.path.join(d, "gen", src)], capture_output=True, text=True, errors="replace")
        err = "\n".join(line for line in c.stderr.splitlines() if "error" in line or "warning" in line)
        check(c.returncode == 0 and "warning" not in c.stderr,
              f"{what}: generated {src} compiles without a warning ({err[:400]})")
    if k == 0:
        exe = os.path.join(d, "program")
        b = subprocess.run([cxx, "-std=c++17", "-O0", "-fopenmp", *includes, "-I", os.path.join(d, "gen"),
                            os.path.join(d, "gen", "main.cpp"), "-o", exe, "-lopenblas"], capture_output=True, text=True,
                           errors="replace")
        if check(b.returncode == 0, f"{what}: the program builds ({b.stderr.strip()[-300:]})"):
            r = subprocess.run([exe, "info"], capture_output=True)
            out = r.stdout.decode("utf-8", errors="replace")
            check(r.returncode == 0 and out.startswith("model " + spec["name"] + " "),
                  f"{what}: `info` names the model as its spec does ({out[:200]!r})")
finish()
