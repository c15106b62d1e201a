#!/bin/bash
# Builds the fuzz targets in FUZZDIR, an Open vSwitch tree that
# tools/prepare-ovs-tree.sh prepared like build/openvswitch (patches
# applied, ovs-l3dsr sources linked), but configured for clang with
# libFuzzer's coverage instrumentation, AddressSanitizer and
# UndefinedBehaviorSanitizer.  Builds only the library and the targets, not
# the rest of Open vSwitch, and incrementally: a second run rebuilds only
# what changed.  See docs/development.md, "Fuzzing".
#
# Usage: build-fuzz.sh SRCDIR FUZZDIR

set -euo pipefail

srcdir=$(cd "$1" && pwd) fuzzdir=$2

# -O1 and frame pointers as OSS-Fuzz builds; line tables are enough for the
# sanitizers' stack traces and cost less to build than full debug info.
# UBSan stays recoverable at build time; run-fuzz.sh makes it fatal
# (halt_on_error), which also lets a suppression be added if ever needed.
FUZZ_CFLAGS="-O1 -gline-tables-only -fno-omit-frame-pointer -fno-common \
-fsanitize=address,undefined -fsanitize=fuzzer-no-link"

# A new source file in lib/ or tests/ reaches the tree without a new unpack.
sh "$srcdir/tools/prepare-ovs-tree.sh" --links "$srcdir" "$fuzzdir"

if [ ! -f "$fuzzdir/config.status" ] \
        || [ "$fuzzdir/.l3dsr-prepared" -nt "$fuzzdir/config.status" ] \
        || ! grep -qF -- "$FUZZ_CFLAGS" "$fuzzdir/config.status"; then
    echo "build-fuzz: configuring $fuzzdir"
    # Objects built with other flags would stay: make does not track them.
    if [ -f "$fuzzdir/Makefile" ]; then
        make -C "$fuzzdir" clean > /dev/null
    fi
    # HAVE_UNWIND=no: libunwind and the sanitizers' unwinder do not mix.
    (cd "$fuzzdir" && ./configure -q CC=clang CFLAGS="$FUZZ_CFLAGS" \
        HAVE_UNWIND=no --disable-shared PYTHON3=/usr/bin/python3) \
        > "$fuzzdir/.l3dsr-configure.log" 2>&1 \
        || { cat "$fuzzdir/.l3dsr-configure.log" >&2; exit 1; }
fi

make -C "$fuzzdir" -j"$(nproc 2>/dev/null || echo 2)" \
    -f Makefile -f "$srcdir/tests/fuzz/fuzz.mk" \
    L3DSR_FUZZ_SRC="$srcdir/tests/fuzz" l3dsr-fuzz-targets
