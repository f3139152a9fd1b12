#!/bin/bash
# PR #2135's own code through `pgolf reproduce --profile smoke --shim` on one GPU (the `device` tool's
# machine: torch, no network). Run from the repository root, with a carried folder (DEVRUN, default
# .devrun, ignored by git) holding:
#   whl/  wheels the image lacks (pydantic, jsonschema, brotli, python-minifier, sentencepiece, ...)
#   deb/  lrzip and liblzo2 .debs (unpacked, never installed)
#   src/  the PR's records folder as exported by `pgolf manifest infer --pr 2135`
#   pr2135.toml  the manifest that command wrote
# Phases (each optional):
#   SEEDS (default 314): a full smoke reproduction of those seeds.
#   KILL_SEED (unset: skipped): `reproduce --seeds KILL_SEED` in the background; pgolf is killed with SIGKILL
#     once the seed's ranks print their warmup line, and the processes of the run still alive 5 s later are
#     listed (issue 13: none may survive).
#   RESUME_S (with KILL_SEED): then the same command again for at most RESUME_S seconds: the resume reaps
#     what the killed attempt left and reruns KILL_SEED; SIGTERM at the limit ends it with a record.
# Everything reviewable lands in $OUT (at most 8 files come back).
set -u
DEVRUN=${DEVRUN:-.devrun}
SEEDS=${SEEDS:-314}
REP=/tmp/rep
T0=$(date +%s)
el() { echo "$(($(date +%s) - T0))s"; }
python3 -m pip install -q --no-index --no-deps --no-compile "$DEVRUN"/whl/*.whl > "$OUT/pip.txt" 2>&1 \
  || { echo "pip failed"; cat "$OUT/pip.txt"; exit 9; }
mkdir -p /tmp/lr && for d in "$DEVRUN"/deb/*.deb; do dpkg -x "$d" /tmp/lr; done
export PATH="$(dirname "$(command -v python3)"):/tmp/lr/usr/bin:$PATH"
export LD_LIBRARY_PATH="/tmp/lr/lib/x86_64-linux-gnu:/tmp/lr/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version --format=csv,noheader
  python3 -c 'import torch,sys;print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(0))'
  command -v gcc lrzip pyminify; lrzip -V 2>&1 | head -1; cat "$DEVRUN/commit.txt" 2>/dev/null; } > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

echo "== shim GPU test $(el)"
timeout 120 python3 -m pytest tests/gpu/test_flash_shim_gpu.py --run-gpu -q -p no:cacheprovider -o addopts="" \
  > "$OUT/shim_gpu.txt" 2>&1
tail -2 "$OUT/shim_gpu.txt"

pgolf() { python3 -c 'import sys; from pgolf.cli import main; sys.exit(main())' "$@"; }
reproduce() { pgolf reproduce "$DEVRUN/pr2135.toml" --source "$DEVRUN/src" --profile smoke --shim --out "$REP" "$@"; }
survivors() { ps -eo pid,ppid,pgid,etimes,cmd | grep -E "train_gpt|torch.distributed|torchrun|pgolf" | grep -v -E "grep|device_smoke"; }

echo "== reproduce --seeds $SEEDS $(el)"
timeout "${REPRO_TIMEOUT:-420}" bash -c "$(declare -f pgolf reproduce); DEVRUN=$DEVRUN REP=$REP; reproduce --seeds $SEEDS" \
  > "$OUT/reproduce.log" 2>&1
echo "reproduce exit $? at $(el)" | tee -a "$OUT/reproduce.log"
grep -v "^  |" "$OUT/reproduce.log" | tail -20
{ echo "after reproduce:"; survivors; } > "$OUT/survivors.txt"

if [ -n "${KILL_SEED:-}" ]; then
  echo "== kill -9 during seed $KILL_SEED $(el)"
  (reproduce --seeds "$KILL_SEED" > "$OUT/killed.log" 2>&1) &
  sleep 1
  PG=$(pgrep -f -n "pgolf.cli import main.*--seeds $KILL_SEED")
  for _ in $(seq 1 120); do  # until the ranks print their first warmup line (CUDA up) (or 120 s)
    grep -q -s "warmup_cu_buckets" "$REP"/pr2135/*/seed-"$KILL_SEED"/output.log && break
    sleep 1
  done
  { echo "pgolf pid $PG; processes before kill -9 at $(el):"; survivors; } >> "$OUT/survivors.txt"
  kill -9 "$PG"; sleep 5
  { echo "5 s after kill -9 of pgolf ($(el)):"; survivors || echo "(none)"; } >> "$OUT/survivors.txt"
  cat "$OUT/survivors.txt"
  if [ -n "${RESUME_S:-}" ]; then
    echo "== resume for at most ${RESUME_S}s $(el)"
    timeout "$RESUME_S" bash -c "$(declare -f pgolf reproduce); DEVRUN=$DEVRUN REP=$REP; reproduce --seeds $KILL_SEED" \
      > "$OUT/resumed.log" 2>&1
    echo "resume exit $? at $(el)" | tee -a "$OUT/resumed.log"
    sleep 3; { echo "after the resume ended:"; survivors || echo "(none)"; } >> "$OUT/survivors.txt"
    grep -v "^  |" "$OUT/resumed.log" | tail -8
  fi
fi
cd "$REP" && tar --exclude='*/data' --exclude='*/cache' --exclude='*/out/work' --exclude='*.pt' --exclude='*.ptz' \
  -czf "$OUT/run.tgz" . && ls -la "$OUT"
echo "done at $(el)"
