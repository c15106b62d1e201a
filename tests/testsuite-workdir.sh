#!/bin/sh
# Prepares DIR for running one of the Open vSwitch tree's testsuites there
# ("-C DIR" after the make recipe's own "-C tests"), so that runs side by
# side keep their logs and test directories apart: DIR gets the tree's
# atconfig, with its relative paths made absolute, and atlocal.
#
# Usage: testsuite-workdir.sh OVS_DIR DIR

set -eu

ovsdir=$(cd "$1" && pwd) dir=$2
tests=$ovsdir/tests
mkdir -p "$dir"
sed -e "s|^at_srcdir=.*|at_srcdir='$tests'|" \
    -e "s|^at_top_srcdir=.*|at_top_srcdir='$ovsdir'|" \
    -e "s|^at_top_build_prefix=.*|at_top_build_prefix='$ovsdir/'|" \
    "$tests/atconfig" > "$dir/atconfig"
cp "$tests/atlocal" "$dir/atlocal"
