#!/usr/bin/env bash
# vmfskit compare vs qemu-img compare only (see bench/hash.sh for the method).
# Usage: bash bench/compare.sh [RUNS]   -> bench/results-compare.md
root=$(cd "$(dirname "$0")/.." && pwd)
CASES=compare OUT_MD=${OUT_MD:-$root/bench/results-compare.md} exec bash "$root/bench/hash.sh" "$@"
