#!/usr/bin/env python3
"""Nothing is lost when training dies: SIGKILL anywhere, a kill inside a checkpoint write,
and a full disk (issue 15).

usage: kill_test.py MODEL_BIN REPO_ROOT WORK_DIR [KILLS]

MODEL_BIN is a Sudoku model (sudoku-small). The reference is one uninterrupted run that
checkpoints after every step. Then:
1. Kill anywhere: KILLS times (default 8, for CI's time: each costs about one run), the run
   started afresh and killed with SIGKILL after a random delay (seeded, spread over the
   whole run: start-up, steps, log lines and checkpoint writes). After each kill the
   checkpoint on disk (if the run got that far) loads, and the run resumed from it (or
   started again) ends bit for bit as the reference: weights, last weights, checkpoint and
   the log's every column but the throughput.
2. A kill inside a checkpoint write, made certain: checkpoint.ckpt.tmp is a FIFO, so the
   write blocks after opening it; part of the new checkpoint is read out of it, then the
   process is killed. The previous checkpoint is intact (same bytes) and resuming from it
   ends like the reference.
3. A full disk: the run resumed with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so a
   write fails as on a full disk) below a checkpoint's size fails with exit 1 and a message
   naming the checkpoint and the error; the previous checkpoint is intact and a resume
   without the limit ends like the reference.
4. A log line cut short (no newline) is dropped on resume.
Prints one line per check and "N passed, M failed"."""
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklib import check, digest, finish, fresh_dir, run  # noqa: E402

model, root, work = sys.argv[1:4]
kills = int(sys.argv[4]) if len(sys.argv) > 4 else 8
train_csv = os.path.join(root, "data", "sudoku", "satnet-train.csv")
# 60 boards, batch 20: 3 steps an epoch, 12 steps; a checkpoint after every step
args = ["--data", train_csv, "--limit", "60", "--batch", "20", "--seed", "5", "--epochs", "4", "--ckpt-every", "1",
        "--quiet", "yes"]
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
FINAL = ("checkpoint.ckpt", "weights.akw", "weights-last.akw")


def fresh(name):
    return fresh_dir(work, name)


def five_steps(name):
    """A run of 5 steps in WORK/NAME (its checkpoint at step 5) and that checkpoint's digest."""
    d = fresh(name)
    rc, _, err = run(model, "train", "--out", d, *args, "--max-steps", "5")
    check(rc == 0, f"{name}: 5 steps ({err.strip()[-200:]})")
    return d, digest(os.path.join(d, "checkpoint.ckpt"))


def losses(d):
    # every column but the throughput (<sample>_per_s), which is a time
    with open(os.path.join(d, "log.csv")) as f:
        lines = f.read().splitlines()
    keep = [i for i, c in enumerate(lines[0].split(",")) if not c.endswith("_per_s")]
    return [[r.split(",")[i] for i in keep] for r in lines]


def same_as_reference(d, what):
    ok = all(digest(os.path.join(d, f)) == ref_digest[f] for f in FINAL)
    check(ok, f"{what}: weights, last weights and checkpoint are bit for bit the uninterrupted run's")
    la = losses(d)
    check(la == ref_losses, f"{what}: the log has the uninterrupted run's {len(ref_losses) - 1} lines "
                            f"(step, epoch, loss, metrics; last {la[-1][:3]} vs {ref_losses[-1][:3]})")


def checkpoint_loads(d):
    """The checkpoint's weights load (eval reads the file: checksum, every tensor)."""
    rc, _, err = run(model, "eval", "--weights", os.path.join(d, "checkpoint.ckpt"), "--data", train_csv, "--limit", "2")
    return rc == 0, err.strip()[-200:]


def train(d, resume, **kw):
    return subprocess.Popen([model, "train", "--out", d, *args, *(["--resume", "yes"] if resume else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, **kw)


# ---- the reference
ref = fresh("reference")
t0 = time.monotonic()
p = train(ref, False)
_, err = p.communicate()
duration = time.monotonic() - t0
if not check(p.returncode == 0, f"uninterrupted run ({duration:.1f} s; {err.strip()[-200:]})"):
    finish()
ref_digest = {f: digest(os.path.join(ref, f)) for f in FINAL}
ref_losses = losses(ref)

# ---- 1. kill anywhere: each kill a fresh run killed at a random time, then resumed
rng = random.Random(20261207)
killed = loads = tmp_left = 0
for k in range(kills):
    d = fresh("killed")
    p = train(d, False)
    time.sleep(rng.uniform(0, duration))
    if p.poll() is not None:  # finished before the kill
        p.stderr.close()
        continue
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stderr.close()
    killed += 1
    tmp_left += any(n.endswith(".tmp") for n in os.listdir(d))
    step = "none"
    if os.path.exists(os.path.join(d, "checkpoint.ckpt")):
        ok, why = checkpoint_loads(d)
        loads += 1
        if not check(ok, f"kill {k}: the checkpoint left loads ({why})"):
            continue
        with open(os.path.join(d, "log.csv")) as f:
            step = f"log at {len(f.read().splitlines()) - 1} lines"
    p = train(d, os.path.exists(os.path.join(d, "checkpoint.ckpt")))
    _, err = p.communicate()
    if check(p.returncode == 0, f"kill {k} ({step}): resumed to the end ({err.strip()[-200:]})"):
        same_as_reference(d, f"kill {k}")
check(killed >= kills * 3 // 4, f"{killed} of {kills} runs killed mid-run ({loads} with a checkpoint, "
                                f"{tmp_left} inside a write: a .tmp file left)")

# ---- 2. a kill inside a checkpoint write
d, before = five_steps("fifo")
fifo = os.path.join(d, "checkpoint.ckpt.tmp")
os.mkfifo(fifo)
p = train(d, True)
got = {}


def read_part():  # blocks until the trainer opens the FIFO for its next checkpoint
    with open(fifo, "rb") as r:
        got["part"] = r.read(4096)
        p.send_signal(signal.SIGKILL)


reader = threading.Thread(target=read_part)
reader.start()
reader.join(60)
if reader.is_alive():  # the trainer never wrote there: unblock the reader
    p.kill()
    with open(fifo, "wb"):
        pass
    reader.join()
p.wait()
p.stderr.close()
part = got.get("part", b"")
check(len(part) > 0 and part[:8] == b"AKORNTF1", f"killed inside a checkpoint write ({len(part)} bytes written)")
check(digest(os.path.join(d, "checkpoint.ckpt")) == before, "the previous checkpoint is unchanged")
os.remove(fifo)
p = train(d, True)
_, err = p.communicate()
check(p.returncode == 0, f"resumed from it to the end ({err.strip()[-200:]})")
same_as_reference(d, "killed inside a write and resumed")

# ---- 3. a full disk
d, before = five_steps("full")
size = os.path.getsize(os.path.join(d, "checkpoint.ckpt"))


def limited():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG), as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2))


p = train(d, True, preexec_fn=limited)
_, err = p.communicate()
err = err.strip()
check(p.returncode == 1 and "checkpoint.ckpt.tmp: write failed" in err and "is unchanged" in err,
      f"a full disk: exit 1 naming the checkpoint and the error (rc {p.returncode}: {err[-240:]})")
check(digest(os.path.join(d, "checkpoint.ckpt")) == before and not os.path.exists(os.path.join(d, "checkpoint.ckpt.tmp")),
      "the previous checkpoint is unchanged, no temporary file is left")
ok, why = checkpoint_loads(d)
check(ok, f"it loads ({why})")
p = train(d, True)
_, err = p.communicate()
check(p.returncode == 0, f"resumed without the limit to the end ({err.strip()[-200:]})")
same_as_reference(d, "after the full disk, resumed")

# ---- 4. a log line cut short by a kill ("12,0,5.3" cut to "1" must not pass for step 1)
d, _ = five_steps("cut-log")
with open(os.path.join(d, "log.csv"), "a") as f:
    f.write("1")
p = train(d, True)
_, err = p.communicate()
check(p.returncode == 0, f"resumed with a cut last log line ({err.strip()[-200:]})")
same_as_reference(d, "a cut log line, resumed")
finish()
