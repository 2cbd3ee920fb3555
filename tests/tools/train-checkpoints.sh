#!/bin/sh
# train-checkpoints.sh — the checkpoints shipped in web/checkpoints/: the copy
# task, one per norm × placement, 2 layers × d_model 64 (~0.5 MB each), trained
# by `normscope train` from seed 1. Run from the repository root after
# ./build.sh build; takes about a minute per checkpoint on one core.
# Without a norm the stream starts small and lr 0.001 stalls for 2000 steps
# (loss 2.3): those two train at 0.003. (With norm none, pre and post are the
# same network: the two files hold the same tensors.)
set -eu
for norm in layernorm rmsnorm none; do
  lr=0.001
  if [ "$norm" = none ]; then lr=0.003; fi
  for placement in pre post; do
    build/normscope train --n-layers 2 --norm "$norm" --placement "$placement" \
      --task copy --lr "$lr" --warmup 50 --batch-size 16 --seq-len 16 --steps 2000 --log-every 500 \
      --save-weights "web/checkpoints/copy-$norm-$placement.safetensors" --sample 8
  done
done
ls -l web/checkpoints
