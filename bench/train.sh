#!/usr/bin/env bash
# Training throughput and peak memory: nnc against PyTorch 1.13 (CPU) on the same
# models, data, batch and solver: LeNet and the MLP for one epoch of Fashion-MNIST
# (batch 64), AlexNet for 11 steps of synthetic 227x227 batches of 16 (the first
# step is not timed by PyTorch; nnc times all of them); median of RUNS runs. PyTorch gets its best configuration here: OpenBLAS with OpenMP
# (Debian's python3-torch alone uses the reference BLAS) and two threads.
#   bench/train.sh [RUNS]        (default 3; build nnc first: tools/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
need=()
for p in python3-torch libopenblas0-openmp time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
nnc=build/bin/nnc
blas=/usr/lib/x86_64-linux-gnu/openblas-openmp

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Prints "images/s peak-RSS-MB" for one run of a command whose output has "N images/s" or "images/s N".
measure() {
  local out
  out=$( { /usr/bin/time -f "RSS %M" "$@"; } 2>&1 )
  local ips rss
  ips=$(echo "$out" | grep -oE '([0-9]+ images/s|images/s [0-9]+)' | tail -1 | grep -oE '[0-9]+')
  rss=$(echo "$out" | grep -oE 'RSS [0-9]+' | tail -1 | grep -oE '[0-9]+')
  echo "$ips $((rss / 1024))"
}

# AlexNet at batch 16 on 176 synthetic examples (11 steps), no test split.
alex=$(mktemp --suffix=.nn)
trap 'rm -f "$alex"' EXIT
sed -e 's/batch = 256/batch = 16/' -e 's/^  train = synthetic.*/  train = synthetic(count=176, classes=1000)/' \
    -e '/^  test = synthetic/d' examples/alexnet.nn > "$alex"
args_lenet="examples/lenet.nn"; args_mlp="examples/mlp.nn"; args_alexnet="$alex"

printf '%-8s %14s %14s %8s %12s %12s\n' model "nnc img/s" "torch img/s" ratio "nnc RSS MB" "torch RSS MB"
for model in lenet mlp alexnet; do
  src_var="args_$model"
  nnc_ips=(); nnc_rss=(); pt_ips=(); pt_rss=()
  for _ in $(seq "$runs"); do
    read -r a b < <(measure "$nnc" train "${!src_var}" --epochs 1 --threads 2)
    nnc_ips+=("$a"); nnc_rss+=("$b")
    read -r a b < <(LD_LIBRARY_PATH=$blas measure /usr/bin/python3 bench/torch_train.py "$model")
    pt_ips+=("$a"); pt_rss+=("$b")
  done
  n=$(printf '%s\n' "${nnc_ips[@]}" | median); p=$(printf '%s\n' "${pt_ips[@]}" | median)
  nr=$(printf '%s\n' "${nnc_rss[@]}" | median); pr=$(printf '%s\n' "${pt_rss[@]}" | median)
  printf "%-8s %14s %14s %8s %12s %12s\n" "$model" "$n" "$p" "$(awk -v a="$n" -v b="$p" "BEGIN {printf \"%.2f\", a / b}")" "$nr" "$pr"
done
