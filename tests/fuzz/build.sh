#!/bin/sh
# Build the libFuzzer targets (clang with -fsanitize=fuzzer,address,undefined).
#   tests/fuzz/build.sh            -> build-fuzz/fuzz_json, build-fuzz/fuzz_sse
#   mkdir -p /tmp/corpus-sse && build-fuzz/fuzz_sse -max_total_time=30 /tmp/corpus-sse tests/fixtures/sse
# (libFuzzer writes new inputs into the first directory; the later ones only seed it.)
# OUT and CC may be overridden from the environment.
set -eu
cd "$(dirname "$0")/../.."
OUT=${OUT:-build-fuzz}
CC=${CC:-clang}
mkdir -p "$OUT"
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
        -Wmissing-prototypes -Isrc $(pkg-config --cflags json-c)"
CORE="src/core/buf.c src/core/diag.c src/core/status.c src/core/xmalloc.c"
# shellcheck disable=SC2086
$CC $CFLAGS $CORE src/json/*.c tests/fuzz/fuzz_json.c -o "$OUT/fuzz_json" $(pkg-config --libs json-c) -lm
# shellcheck disable=SC2086
$CC $CFLAGS $CORE src/sse/*.c tests/fuzz/fuzz_sse.c -o "$OUT/fuzz_sse"
echo "built $OUT/fuzz_json $OUT/fuzz_sse"
