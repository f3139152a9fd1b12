#!/bin/bash
# pgolf device run: #2135 through `pgolf reproduce --profile smoke --shim` on one GPU.
set -u
cd "$(dirname "$0")"
T0=$(date +%s)
python3 -m pip install -q --no-index --no-deps --no-compile whl/*.whl > $OUT/pip.txt 2>&1 || { echo pip failed; cat $OUT/pip.txt; exit 9; }
mkdir -p /tmp/lr && for d in deb/*.deb; do dpkg -x "$d" /tmp/lr; done
export PATH="$(dirname "$(command -v python3)"):/tmp/lr/usr/bin:$PATH"
export LD_LIBRARY_PATH="/tmp/lr/lib/x86_64-linux-gnu:/tmp/lr/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{ nvidia-smi -L; python3 -c 'import torch,sys;print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(0))';
  command -v gcc lrzip pyminify; lrzip -V 2>&1 | head -1; } > $OUT/env.txt 2>&1
cat $OUT/env.txt
cd repo
echo "== shim GPU test $(($(date +%s)-T0))s"
timeout 120 python3 -m pytest tests/gpu/test_flash_shim_gpu.py --run-gpu -q -p no:cacheprovider -o addopts="" > $OUT/shim_gpu.txt 2>&1
tail -3 $OUT/shim_gpu.txt
echo "== reproduce $(($(date +%s)-T0))s"
export PYTHONUNBUFFERED=1
timeout ${REPRO_TIMEOUT:-540} python3 -c 'import sys; from pgolf.cli import main; sys.exit(main())' \
  reproduce ../pr2135.toml --source ../src --profile smoke --shim --seeds 314 --out /tmp/rep > $OUT/reproduce.log 2>&1
echo "reproduce exit $? after $(($(date +%s)-T0))s" | tee -a $OUT/reproduce.log
grep -v "^  |" $OUT/reproduce.log | tail -25
echo "== survivors:"; ps -eo pid,etimes,cmd | grep -E "train_gpt|torch.distributed" | grep -v grep | tee $OUT/survivors.txt
cd /tmp/rep && tar --exclude='*/data' --exclude='*/cache' --exclude='*/out/work' --exclude='*.pt' -czf $OUT/run.tgz . && ls -la $OUT
