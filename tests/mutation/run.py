#!/usr/bin/env python3
"""Mutation evidence: apply deliberate bugs one at a time and report which tests catch each.

    python3 tests/mutation/run.py [--work DIR] [--only ID[,ID...]] [--list] [--keep-going]
                                  [--markdown FILE]

Each mutation of tests/mutation/mutations.py is a one-line textual replacement in one file.
In a scratch copy of the working tree (DIR/src; default DIR = build-mutation) this script
  1. configures one build (DIR/build, CPU only: the CUDA kernels are exercised on the CPU
     emulator of tests/cuda_emu, which needs no GPU and no nvcc), builds it and runs the union
     of the mutations' tests on the unmutated code: every one must pass, else it stops;
  2. for each mutation: applies it, rebuilds only the targets its tests run, runs its tests,
     records which fail, and restores the file;
  3. prints a table (mutation, where, tests run, tests that failed) and exits 1 when a mutation
     survives (no test failed) or does not apply (the fragment is gone: update the list).
A mutation whose build fails counts as "not compiled", which is not a catch: the list is meant
to hold bugs that compile. The real tree is never modified. CI does not run this (about an
hour on 2 cores); the table it printed last is in README.md ("Testing").
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutations import MUTATIONS  # noqa: E402


def sh(cmd, cwd=None, log=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log is not None:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(cmd)}\n{r.stdout}\n")
    if check and r.returncode != 0:
        sys.exit(f"mutation: command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-4000:]}")
    return r


def copy_tree(dst):
    """The working tree as git sees it (tracked and untracked, not ignored), into dst."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           stdout=subprocess.PIPE, check=True).stdout.split(b"\0")
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    for f in files:
        if not f:
            continue
        rel = f.decode()
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dst, rel))


def test_commands(build):
    """CTest name -> command (list of strings)."""
    out = sh(["ctest", "--test-dir", build, "--show-only=json-v1"]).stdout
    out = out[out.index("{"):]
    return {t["name"]: t.get("command", []) for t in json.loads(out)["tests"]}


def targets_of(build, commands, names):
    """The build targets whose outputs the given tests run (executables named on their
    command lines, directly or as arguments of a script)."""
    phony = sh(["ninja", "-C", build, "-t", "targets", "all"]).stdout
    known = {line.split(":")[0] for line in phony.splitlines() if ":" in line}
    want = set()
    for n in names:
        for tok in commands[n]:
            if tok.startswith(build):
                rel = os.path.relpath(tok, build)
                if rel in known:
                    want.add(rel)
                base = os.path.basename(tok)
                if base in known:
                    want.add(base)
    return sorted(want)


def run_tests(build, names, log):
    """Runs the named tests; returns the set that failed (timeouts and crashes included)."""
    if not names:
        return set()
    regex = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    r = sh(["ctest", "--test-dir", build, "-R", regex, "-j", str(os.cpu_count() or 2),
            "--output-on-failure", "--timeout", "1200"], log=log, check=False)
    failed = set()
    in_list = False
    for line in r.stdout.splitlines():
        if "The following tests FAILED" in line:
            in_list = True
            continue
        if in_list:
            m = re.match(r"\s*\d+\s+-\s+(\S+)\s+\(", line)
            if m:
                failed.add(m.group(1))
    if r.returncode != 0 and not failed:
        failed.add("(ctest error: see log)")
    return failed


def select(mutation, commands):
    rx = re.compile(mutation["tests"])
    names = sorted(n for n in commands if rx.search(n))
    if not names:
        sys.exit(f"mutation {mutation['id']}: its test pattern {mutation['tests']!r} matches no test")
    return names


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(REPO, "build-mutation"))
    ap.add_argument("--only", help="comma-separated mutation ids")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="do not run the unmutated tests first (only after a baseline passed)")
    ap.add_argument("--markdown", help="also write the table to this file")
    a = ap.parse_args()

    muts = MUTATIONS
    if a.only:
        ids = a.only.split(",")
        unknown = [i for i in ids if i not in {m["id"] for m in MUTATIONS}]
        if unknown:
            sys.exit(f"mutation: unknown id(s) {unknown}")
        muts = [m for m in MUTATIONS if m["id"] in ids]
    if a.list:
        for m in muts:
            print(f"{m['id']:24s} {m['file']}: {m['what']}")
        return 0

    src, build = os.path.join(a.work, "src"), os.path.join(a.work, "build")
    log = os.path.join(a.work, "mutation.log")
    os.makedirs(a.work, exist_ok=True)
    open(log, "w").close()
    print(f"mutation: copying the working tree to {src}", flush=True)
    copy_tree(src)
    # A run stopped while a mutant was built leaves mutant objects newer than the copied
    # sources (copy_tree keeps their times): then everything must be rebuilt.
    marker = os.path.join(a.work, "mutant-built")
    if os.path.exists(marker) and os.path.isdir(build):
        print("mutation: the last run stopped with a mutant built: rebuilding everything", flush=True)
        shutil.rmtree(build)
    for m in muts:  # every fragment must occur exactly as often as the list says
        text = open(os.path.join(src, m["file"])).read()
        if text.count(m["find"]) != m.get("count", 1):
            sys.exit(f"mutation {m['id']}: {m['file']} has {text.count(m['find'])} copies of "
                     f"{m['find']!r}, expected {m.get('count', 1)} (update tests/mutation/mutations.py)")
    if not os.path.isfile(os.path.join(build, "build.ninja")):
        sh(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DAKORN_CUDA=OFF"],
           log=log)
    # ctest names a test's executable only once it exists: build everything first
    print("mutation: building the unmutated copy", flush=True)
    sh(["cmake", "--build", build], log=log)
    commands = test_commands(build)
    plan = [(m, select(m, commands)) for m in muts]
    union = sorted({n for _, names in plan for n in names})
    for m, names in plan:
        # source_only: its tests read the source tree itself (e.g. layout.dependencies)
        if not targets_of(build, commands, names) and not m.get("source_only"):
            sys.exit(f"mutation {m['id']}: found no build target behind its tests {names}")
    if not a.skip_baseline:
        t0 = time.time()
        print(f"mutation: baseline, {len(union)} tests on the unmutated code", flush=True)
        failed = run_tests(build, union, log)
        if failed:
            sys.exit(f"mutation: the unmutated code fails {sorted(failed)}: fix that first (log: {log})")
        print(f"mutation: baseline passes ({time.time() - t0:.0f} s)", flush=True)

    rows, bad = [], 0
    for m, names in plan:
        path = os.path.join(src, m["file"])
        original = open(path).read()
        t0 = time.time()
        try:
            open(marker, "w").close()
            with open(path, "w") as f:
                f.write(original.replace(m["find"], m["replace"]))
            with open(log, "a") as f:
                f.write(f"\n===== mutation {m['id']}: {m['what']}\n")
            targets = targets_of(build, commands, names)
            b = (sh(["cmake", "--build", build, "--target"] + targets, log=log, check=False) if targets
                 else subprocess.CompletedProcess([], 0))
            if b.returncode != 0:
                verdict, caught = "NOT COMPILED", []
                bad += 1
            else:
                caught = sorted(run_tests(build, names, log))
                verdict = "caught" if caught else "SURVIVED"
                bad += not caught
        finally:
            with open(path, "w") as f:
                f.write(original)
        rows.append((m, names, caught, verdict))
        print(f"{m['id']:24s} {verdict:9s} {time.time() - t0:5.0f} s  failed: {', '.join(caught) or '-'}",
              flush=True)

    lines = ["| mutation | where | tests run | caught by |", "|---|---|---|---|"]
    for m, names, caught, verdict in rows:
        who = ", ".join(f"`{c}`" for c in caught) if caught else f"**{verdict}**"
        lines.append(f"| {m['what']} | `{m['file']}` | {len(names)} | {who} |")
    table = "\n".join(lines)
    print("\n" + table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table + "\n")
    # leave the scratch build matching the unmutated tree for the next run
    if sh(["cmake", "--build", build, "--target"] + targets_of(build, commands, union), log=log,
          check=False).returncode == 0 and os.path.exists(marker):
        os.remove(marker)
    print(f"\nmutation: {len(rows) - bad} of {len(rows)} caught (log: {log})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
