#!/usr/bin/env bash
# build.sh — the one entry point: ./build.sh [build|serve|test|bench|fuzz|clean]
# Installs what is missing, builds the native CLI and the WASM module, and
# runs the tests. Each step below is a named function, in the order a build
# does them.
set -euo pipefail
cd "$(dirname "$0")"

C_SOURCES="c/config.c c/status.c c/memory.c c/rng.c c/kernels.c c/backward_kernels.c c/probes.c c/model.c c/forward.c c/backward.c c/tasks.c c/train.c c/json_parse.c
           c/checkpoint.c c/text.c c/report.c c/rope_analysis.c c/lens.c c/checks.c"
# -ffp-contract=off: no fused multiply-add anywhere, so native, scalar WASM and
# SIMD WASM round the same way and seeds give bit-identical weights.
CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror -ffp-contract=off"
# the instance's memory cap has one definition, in c/memory.h (C checks requests against it)
MEMORY_CAP_MIB=$(sed -n 's/^#define MEMORY_CAP_MIB //p' c/memory.h)
EMFLAGS="-O3 -std=c11 -Wall -Wextra -Werror -ffp-contract=off --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH
         -sMAXIMUM_MEMORY=${MEMORY_CAP_MIB}MB -sABORTING_MALLOC=0"
PYTHON=/usr/bin/python3  # Debian's interpreter: it has python3-numpy
export NODE_PATH=/usr/share/nodejs  # emcc 3.1.6 looks for acorn here

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  command -v emcc >/dev/null || missing+=(emscripten)
  "$PYTHON" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v clang >/dev/null || missing+=(clang)
  # libFuzzer and the sanitizer runtimes for clang
  compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || missing+=(libclang-rt-dev)
  command -v node >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_npm() {
  # npm ci installs exactly what package-lock.json pins; skipped when current
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.package-lock.stamp; then
    say "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.package-lock.stamp
  fi
}

build_native() {
  say "building build/normscope (native CLI)"
  mkdir -p build
  # shellcheck disable=SC2086
  gcc $CFLAGS $C_SOURCES c/cli.c c/cli_io.c c/cli_train.c -lm -o build/normscope
}

build_wasm() {
  say "building web/dist/normscope.wasm (WASM SIMD) and web/dist/normscope-scalar.wasm (for engines without SIMD)"
  mkdir -p web/dist build
  # shellcheck disable=SC2086
  emcc $EMFLAGS -msimd128 $C_SOURCES c/wasm_api.c c/train_api.c c/kernel_api.c -o web/dist/normscope.wasm
  # the same code without SIMD: what the loader picks where WASM SIMD is missing,
  # and the reference the SIMD build is held to
  # shellcheck disable=SC2086
  emcc $EMFLAGS -fno-vectorize -fno-slp-vectorize $C_SOURCES c/wasm_api.c c/train_api.c c/kernel_api.c -o web/dist/normscope-scalar.wasm
}

build_web() {
  say "bundling web/dist/normscope.js (engine, <norm-scope>, d3) with esbuild; copying the pages"
  # node:* is the engine's Node branch (fs); a browser never takes it
  node_modules/.bin/esbuild web/src/normscope.js --bundle --format=esm --target=es2022 --minify \
    --sourcemap --external:'node:*' --outfile=web/dist/normscope.js --log-level=warning
  # training runs in a module worker of its own, beside normscope.wasm
  node_modules/.bin/esbuild web/src/train-worker.js --bundle --format=esm --target=es2022 --minify \
    --sourcemap --external:'node:*' --outfile=web/dist/train-worker.js --log-level=warning
  cp web/src/index.html web/src/embed.html web/src/lesson.html web/src/lesson.js web/src/page.js web/src/page.css web/src/favicon.svg web/dist/
  mkdir -p web/dist/checkpoints
  cp web/checkpoints/*.safetensors web/dist/checkpoints/ 2>/dev/null || true
}

build_all() {
  install_packages
  install_npm
  build_native
  build_wasm
  build_web
}

test_native() {
  say "native tests — plain, then under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer"
  # shellcheck disable=SC2086
  gcc $CFLAGS -Ic $C_SOURCES tests/c/test_main.c tests/c/test_kernels.c tests/c/test_checkpoint.c tests/c/test_rope_analysis.c tests/c/test_backward.c tests/c/test_train.c tests/c/test_memory.c tests/c/test_deeper.c -lm \
    -o build/test_native
  ./build/test_native
  # shellcheck disable=SC2086
  gcc $CFLAGS -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Ic $C_SOURCES \
    tests/c/test_main.c tests/c/test_kernels.c tests/c/test_checkpoint.c tests/c/test_rope_analysis.c tests/c/test_backward.c tests/c/test_train.c tests/c/test_memory.c tests/c/test_deeper.c -lm -o build/test_native_asan
  gcc -O0 -g -fsanitize=address tests/c/lsan_canary.c -o build/lsan_canary
  local leak_report
  leak_report=$(ASAN_OPTIONS=detect_leaks=1 ./build/lsan_canary 2>&1 || true)  # it must fail, with the report
  if ! grep -q "detected memory leaks" <<<"$leak_report"; then
    echo "LeakSanitizer did not report a known leak: leak checking is not live here" >&2
    exit 1
  fi
  # every test and every config runs sanitized; quick mode thins only the
  # finite-difference checks and the out-of-memory walk's long tail
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    NORMSCOPE_TEST_QUICK=1 ./build/test_native_asan
  # shellcheck disable=SC2086
  gcc $CFLAGS -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all $C_SOURCES c/cli.c c/cli_io.c c/cli_train.c -lm \
    -o build/normscope-asan
}

FUZZ_TARGETS="checkpoint json config"

build_fuzzers() {
  say "building the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer)"
  mkdir -p build/fuzz
  for target in $FUZZ_TARGETS; do
    # shellcheck disable=SC2086
    clang -std=c11 -O1 -g -Wall -Wextra -Werror -ffp-contract=off -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=all -Ic $C_SOURCES "tests/fuzz/fuzz_$target.c" -lm -o "build/fuzz/fuzz_$target"
  done
}

# run_fuzzers SECONDS: each target replays its committed seeds, then mutates
# for SECONDS from its working corpus (build/fuzz/corpus-*, kept between
# runs); a crash fails the build and leaves its input in build/fuzz/crashes/.
run_fuzzers() {
  local seconds=$1
  mkdir -p build/fuzz/crashes
  for target in $FUZZ_TARGETS; do
    local dict=tests/fuzz/safetensors.dict
    [ "$target" = config ] && dict=tests/fuzz/config.dict
    mkdir -p "build/fuzz/corpus-$target"
    "build/fuzz/fuzz_$target" -dict="$dict" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
      -artifact_prefix="build/fuzz/crashes/$target-" "build/fuzz/corpus-$target" "tests/fuzz/corpus/$target" \
      >"build/fuzz/$target.log" 2>&1 || { tail -60 "build/fuzz/$target.log"; return 1; }
    printf '  %-10s %10s executions in %s s, corpus %s files, no crash\n' "$target" \
      "$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$target.log")" "$seconds" \
      "$(find "build/fuzz/corpus-$target" -type f | wc -l)"
  done
  node tests/fuzz/state.mjs "$seconds"
}

test_wasm_kernels() {
  say "kernel tests in WASM SIMD (Node)"
  # shellcheck disable=SC2086
  emcc -O2 -std=c11 -ffp-contract=off -msimd128 -sALLOW_MEMORY_GROWTH -Ic $C_SOURCES tests/c/test_main.c tests/c/test_kernels.c \
    tests/c/test_checkpoint.c tests/c/test_rope_analysis.c tests/c/test_backward.c tests/c/test_train.c tests/c/test_memory.c tests/c/test_deeper.c -o build/test_wasm_simd.cjs
  # emcc 3.1.6 glue fetch()es its .wasm by path when fetch exists; Node 20 has it
  node --no-experimental-fetch build/test_wasm_simd.cjs
}

test_reference() {
  say "CLI against the numpy reference over the whole config grid"
  "$PYTHON" tests/reference/reference.py selftest
  "$PYTHON" tests/reference/check_grid.py build/normscope
  say "CLI gradients against float64 finite differences of the reference's loss, whole grid"
  "$PYTHON" tests/reference/check_grad.py build/normscope
}

test_js() {
  say "JS module, WASM builds and CLI bad input (node --test)"
  node --test tests/*.test.mjs
}

case "${1:-build}" in
  build) build_all ;;
  serve)
    build_all
    node web/serve.mjs "${PORT:-8000}"
    ;;
  test)
    build_all
    test_native
    build_fuzzers
    say "fuzzing briefly (./build.sh fuzz runs each target for 10 minutes)"
    run_fuzzers "${FUZZ_SECONDS:-15}"
    test_wasm_kernels
    test_reference
    test_js
    say "all tests passed"
    ;;
  bench)
    build_all
    say "benchmarks: Node and Chromium, normscope (SIMD, scalar) against tfjs-wasm (XNNPACK); writes docs/bench.json and the README table"
    node tests/bench/run.mjs
    ;;
  fuzz)
    build_all
    build_fuzzers
    say "fuzzing: ${FUZZ_SECONDS:-600} s per target"
    run_fuzzers "${FUZZ_SECONDS:-600}"
    ;;
  clean) rm -rf build web/dist ;;
  *)
    echo "usage: ./build.sh [build|serve|test|bench|fuzz|clean]" >&2
    exit 2
    ;;
esac
