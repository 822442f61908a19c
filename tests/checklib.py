"""Shared by the Python test drivers: one line per check, a closing "N passed, M failed"
line (the form CI reads), and running a program with one thread per process (the tests run
side by side under CTest)."""
import hashlib
import os
import shutil
import subprocess
import sys

passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if ok:
        passed += 1
    else:
        failed += 1
    return ok


def run(binary, *args, stdin=None, cwd=None, threads=1):
    env = dict(os.environ)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    p = subprocess.run([binary, *args], capture_output=True, text=True, errors="replace", input=stdin, env=env, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fresh_dir(work, name):
    """An empty directory WORK/NAME."""
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
