#!/usr/bin/env bash
# nnc setup: installs missing Debian packages, configures and builds nnc.
#   tools/setup.sh           install + configure + build
#   tools/setup.sh test      ... then run every test (ctest: GoogleTest and lit)
#   tools/setup.sh deps      install packages only
# Environment: BUILD_DIR (default: build), NNC_SANITIZE=1 for an ASan/UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build python3 ccache
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools clang-19
  libclang-rt-19-dev libgtest-dev libdnnl-dev libfmt-dev zlib1g-dev
  dataset-fashion-mnist
)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "nnc setup: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_and_build() {
  local dir="${BUILD_DIR:-build}"
  local extra=()
  [ "${NNC_SANITIZE:-0}" = 1 ] && extra+=(-DNNC_SANITIZE=ON)
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -G Ninja -S . -B "$dir" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
      "${extra[@]}" >/dev/null
  fi
  cmake --build "$dir" -j "${NNC_JOBS:-$(nproc)}"
}

run_tests() {
  local dir="${BUILD_DIR:-build}"
  ctest --test-dir "$dir" --output-on-failure -j "${NNC_JOBS:-$(nproc)}"
}

mode="${1:-build}"
install_packages
case "$mode" in
  deps) ;;
  build) configure_and_build ;;
  test) configure_and_build; run_tests ;;
  *) echo "usage: tools/setup.sh [build|test|deps]" >&2; exit 2 ;;
esac
