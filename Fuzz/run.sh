#!/usr/bin/env bash
# Builds and runs one libFuzzer target (docs/FUZZING.md):
#   Fuzz/run.sh TARGET SECONDS [libFuzzer options...]
# TARGET is a file name in Fuzz/Targets without .swift: frontend, csv, npy, idx,
# gzip, safetensors. Exits non-zero when the fuzzer finds a crash, a sanitizer
# error, a timeout or runaway memory; the input is left in .build-fuzz/fuzz/TARGET/.
#
# The package's modules are built with AddressSanitizer and coverage
# instrumentation in their own scratch path (.build-fuzz), so `swift build` and
# `swift test` in .build never see these flags; the target is then compiled with
# `swiftc -sanitize=fuzzer,address` and linked against the modules' objects
# (libFuzzer's `main` calls the target's LLVMFuzzerTestOneInput).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: Fuzz/run.sh TARGET SECONDS [libFuzzer options...]" >&2
  echo "targets: $(cd Fuzz/Targets && ls ./*.swift | sed 's|^\./||; s|\.swift$||' | tr '\n' ' ')" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
source="Fuzz/Targets/$target.swift"
[ -f "$source" ] || { echo "error: no fuzz target '$target' ($source)" >&2; exit 2; }

scratch=.build-fuzz
# No leak check at exit: the Swift runtime's metadata and the op registry's
# schemas are allocated once and live for the whole process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# Crashes go to libFuzzer's handler (it saves the input), not Swift's backtracer.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
work="$scratch/fuzz/$target"

echo "== building the modules with -sanitize=address and coverage ($scratch)"
# Not -sanitize=fuzzer here: SwiftPM passes these flags to the host build tools
# too (EmbedSourcesTool), whose link would then want LLVMFuzzerTestOneInput.
# These are the instrumentation flags that -sanitize=fuzzer implies.
mkdir -p "$work"
if ! swift build --scratch-path "$scratch" --product netspec \
  -Xswiftc -sanitize=address \
  -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
  -Xswiftc -use-ld=lld >"$work/build.log" 2>&1; then
  grep -vE "^\[[0-9]+/[0-9]+\]" "$work/build.log" >&2
  echo "error: the instrumented build failed (log: $work/build.log)" >&2
  exit 1
fi

echo "== building the fuzz target $target"
objects=()
for module in NetSpecDiagnostics NetSpecYAML NetSpecKernels NetSpecRuntime NetSpecEmbeddedSources SwiftProtobuf ONNXProto NetSpec; do
  objects+=("$scratch/debug/$module.build"/*.o)
done
mkdir -p "$work/corpus" "$work/artifacts"
rm -rf "$work/seeds"
mkdir -p "$work/seeds"
swiftc -sanitize=fuzzer,address -parse-as-library -g -use-ld=lld \
  -I "$scratch/debug/Modules" -I Sources/CYAML -I Sources/CZlib \
  "$source" "${objects[@]}" $(pkg-config --libs yaml-0.1 zlib) -o "$work/fuzz-$target"

echo "== seed corpus and dictionary"
dictionary="$work/$target.dict"
: >"$dictionary"
case $target in
  frontend)
    # Specs, examples and the diagnostics cases (they are meant to be wrong).
    cp specs/*.yaml Examples/*.yaml "$work/seeds/"
    # Left out: cases that repeat a block hundreds of times to reach the
    # 100 000-layer limit; one takes 10-90 s in this instrumented debug build.
    for file in Examples/mistakes/*.yaml Tests/NetSpecTests/Golden/Cases/*.yaml; do
      grep -qE "repeat: *[0-9]{3,}" "$file" || cp "$file" "$work/seeds/$(echo "$file" | tr / _)"
    done
    # Every section key, attribute name, op name and enum value the schema
    # knows, every op `netspec ops` lists, and the YAML and expression syntax.
    "$scratch/debug/netspec" schema | grep -oE '"[a-z_][a-z0-9_]*"' | sort -u >>"$dictionary"
    "$scratch/debug/netspec" ops | awk '{ print "\"" $1 "\"" }' >>"$dictionary"
    printf '%s\n' '": "' '"- "' '"\x0a  "' '"{"' '"}"' '"["' '"]"' '"&a "' '"*a"' '"<<: "' '"!!int "' \
      '"!!str "' '"|"' '">"' '"---"' '"..."' '"#"' '"\x22"' '"${"' '"//"' '"**"' '"^"' '"%"' \
      '"true"' '"false"' '"null"' '"~"' '"9223372036854775807"' '"-1"' '"1e999"' '".nan"' '".inf"' \
      >>"$dictionary"
    ;;
  csv)
    cp Examples/data/*.csv "$work/seeds/"
    for file in Examples/data/*.csv.gz; do head -c 20000 <(gzip -dc "$file") >"$work/seeds/$(basename "$file" .gz)"; done
    printf '%s\n' '","' '"\x0d\x0a"' '"\x0a"' '"\xef\xbb\xbf"' '"nan"' '"inf"' '"1e999"' '"-0.5e-3"' >>"$dictionary"
    ;;
  npy)
    # A float32 [2, 3] array and an int64 [4] array, C order.
    npy() { # descr shape count element-bytes
      local header="{'descr': '$1', 'fortran_order': False, 'shape': $2, }"
      while [ $(((10 + ${#header} + 1) % 64)) -ne 0 ]; do header+=" "; done
      printf '\x93NUMPY\x01\x00'
      printf "\\x$(printf %02x $(((${#header} + 1) % 256)))\\x$(printf %02x $(((${#header} + 1) / 256)))"
      printf '%s\n' "$header"
      head -c $(($3 * $4)) /dev/zero
    }
    npy '<f4' '(2, 3)' 6 4 >"$work/seeds/f4.npy"
    npy '<i8' '(4,)' 4 8 >"$work/seeds/i8.npy"
    npy '|u1' '(2, 2, 2)' 8 1 >"$work/seeds/u1.npy"
    printf '%s\n' '"descr"' '"fortran_order"' '"shape"' '"<f4"' '"<f8"' '"<i8"' '"|u1"' '">f4"' '"True"' '"False"' \
      '"\x93NUMPY"' >>"$dictionary"
    ;;
  idx)
    # unsigned-byte images [2, 3, 3] and labels [2]; float32 [2, 2].
    { printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x03'; head -c 18 /dev/zero; } >"$work/seeds/images.idx"
    { printf '\x00\x00\x08\x01\x00\x00\x00\x02\x03\x07'; } >"$work/seeds/labels.idx"
    { printf '\x00\x00\x0d\x02\x00\x00\x00\x02\x00\x00\x00\x02'; head -c 16 /dev/zero; } >"$work/seeds/f32.idx"
    ;;
  gzip)
    for file in Examples/data/*.gz; do head -c 4000 "$file" >"$work/seeds/$(basename "$file")"; done
    printf 'a,b\n1,2\n' | gzip -c >"$work/seeds/small.csv.gz"
    ;;
  safetensors)
    for file in $(ls Tests/Oracle/Fixtures/*.safetensors | head -40); do
      [ "$(stat -c %s "$file")" -le 65536 ] && cp "$file" "$work/seeds/"
    done
    printf '%s\n' '"dtype"' '"shape"' '"data_offsets"' '"__metadata__"' '"F32"' '"F16"' '"BF16"' '"F64"' '"I64"' \
      '"U8"' >>"$dictionary"
    ;;
esac
echo "$(ls "$work/seeds" | wc -l) seeds, $(wc -l <"$dictionary") dictionary entries"

# Inputs that once crashed a target (Fuzz/Regressions/TARGET) are replayed first.
if compgen -G "Fuzz/Regressions/$target/*" >/dev/null; then
  echo "== replaying Fuzz/Regressions/$target"
  "$work/fuzz-$target" Fuzz/Regressions/"$target"/* 2>&1 | grep -E "^Running:|ERROR|SUMMARY" || true
  "$work/fuzz-$target" Fuzz/Regressions/"$target"/* >/dev/null 2>&1 || {
    echo "error: a regression input crashes $target (rerun: $work/fuzz-$target FILE)" >&2
    exit 1
  }
fi

echo "== fuzzing $target for $seconds s"
# -timeout: one input taking over 60 s is a failure (a hang); -rss_limit_mb:
# so is growing past 2 GiB (with ASan's overhead). Leak checking is off (above).
dictionaryOption=()
[ -s "$dictionary" ] && dictionaryOption=("-dict=$dictionary")
"$work/fuzz-$target" "$work/corpus" "$work/seeds" \
  -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "${dictionaryOption[@]}" "$@"
