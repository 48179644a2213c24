#!/usr/bin/env bash
# make fuzz: builds every tests/fuzz/fuzz_*.c with libFuzzer (clang) against
# the responder's sources and runs each for FUZZ_SECONDS (default 60).
# Prints each target's exec count; fails on any crash, leak or UB report.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
out=build-fuzz
mkdir -p "$out/gen" "$out/corpus"
protoc-c --c_out="$out/gen" -Icgi/proto cgi/proto/cloche.proto
srcs=$(ls cgi/*.c | grep -v '^cgi/main.c$')
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE \
  -DDASH_VERSION=\"fuzz\" -DASSET_VERSION=\"fuzz\" -DCLOCHE_DEFAULT_CONFIG=\"/nonexistent\" \
  -DCLOCHE_DEFAULT_PUBLIC=\"/nonexistent\" -Icgi -I$out/gen"
libs="-lfcgi -lsqlite3 -ljson-c -lgit2 -lprotobuf-c -lnghttp2 -lz -lm"
status=0
for f in tests/fuzz/fuzz_*.c; do
  name=$(basename "$f" .c)
  echo "== $name: building"
  # shellcheck disable=SC2086
  clang $flags -o "$out/$name" "$f" $srcs "$out/gen/cloche.pb-c.c" $libs
  mkdir -p "$out/corpus/$name"
  seeds="tests/fuzz/seeds/$name"
  echo "== $name: running ${secs}s"
  if "$out/$name" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
       "$out/corpus/$name" $( [ -d "$seeds" ] && echo "$seeds" ) >"$out/$name.log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$' || echo '?')
    echo "ok - fuzz:$name ($execs executions in ${secs}s)"
  else
    echo "FAIL - fuzz:$name (see $out/$name.log)"
    tail -40 "$out/$name.log"
    status=1
  fi
done
exit $status
