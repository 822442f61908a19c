#!/usr/bin/env bash
# The main job: compile the Sudoku model, load the committed weights (or train), solve boards.
#   bash scripts/main.sh
# - installs the build dependencies (Debian packages) and builds akornc and the models;
# - shows what akornc makes of the paper's Sudoku model (ops, shapes, parameters, arena);
# - uses the trained weights committed as models/sudoku-c128.akw (sudoku-c128, C=128) when
#   they exist, and solves at once (T=24); without them, or with AKORN_TRAIN_EPOCHS=E set, trains
#   sudoku-small for E epochs (default 3: a few minutes on 2 CPU cores) to watch it learn;
# - evaluates on the 1,000 in-distribution test boards and solves one board.
# Any step that fails stops it with a non-zero exit status (set -e; solve: see below).
# On the GPU when there is one: the CUDA backend is built whenever the CUDA toolkit is
# installed (/usr/local/cuda, not installed by this script), and the model programs pick
# the GPU when one is present (--device auto); otherwise everything runs on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD=${AKORN_BUILD_DIR:-build}
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)" --target akornc sudoku-small sudoku-c128 sudoku

echo "== akornc check models/sudoku.json (the paper's model) =="
"$BUILD/compiler/akornc" check models/sudoku.json --batch 100 | sed -n '1,4p;/^parameters/,$p'

if [ -f models/sudoku-c128.akw ] && [ -z "${AKORN_TRAIN_EPOCHS:-}" ]; then
  MODEL="$BUILD/sudoku-c128"
  WEIGHTS=models/sudoku-c128.akw
  # T=24 Kuramoto steps, chosen on the validation boards (training/sudoku-c128/README.md):
  # the trained state cycles with period 2 and T=16, the training T, stops a little early.
  STEPS=24
  echo "== using the trained weights $WEIGHTS (training/sudoku-c128/README.md says how they were made) =="
else
  MODEL="$BUILD/sudoku-small"
  RUN=runs/main-$(date +%Y%m%d-%H%M%S)
  EPOCHS=${AKORN_TRAIN_EPOCHS:-3}
  echo "== training sudoku-small for $EPOCHS epochs into $RUN =="
  "$MODEL" train --out "$RUN" --data data/sudoku/satnet-train.csv --epochs "$EPOCHS" --batch 100 \
    --eval-data data/sudoku/satnet-test.csv --eval-limit 200 --eval-every "$EPOCHS"
  WEIGHTS=$RUN/weights-last.akw   # a short run: the EMA still trails the weights
  STEPS=16
fi

echo "== evaluating on data/sudoku/satnet-test.csv (T=$STEPS, one noise draw a board) =="
"$MODEL" eval --weights "$WEIGHTS" --data data/sudoku/satnet-test.csv --steps "$STEPS"
echo "== solving the first test board =="
BOARD=$(head -1 data/sudoku/satnet-test.csv | cut -d, -f1)
echo "$BOARD"
# solve exits 0 for a valid grid that keeps the givens, 3 for a grid that does not (an
# answer, not a failure: the short run above solves few boards); anything else (an error,
# a crash) stops the main job.
rc=0
"$MODEL" solve --weights "$WEIGHTS" --steps "$STEPS" "$BOARD" || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "(not solved: this model does not solve this board)"
elif [ "$rc" -gt 128 ]; then
  echo "main.sh: error: $MODEL solve crashed (signal $((rc - 128)), exit status $rc)" >&2
  exit "$rc"
elif [ "$rc" -ne 0 ]; then
  echo "main.sh: error: $MODEL solve failed with exit status $rc (its message is above)" >&2
  exit "$rc"
fi
