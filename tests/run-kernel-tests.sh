#!/bin/bash
# Runs the kernel datapath tier ("make check-kernel"): Open vSwitch's kernel
# system testsuite (tests/system-kmod-testsuite, as its check-kernel target
# runs it) inside qemu VMs that boot Debian's kernel, with two modules:
#
#   patched  with the openvswitch.ko built from datapath/: ovs-l3dsr's system
#            tests (system-daddr-on-dscp.at, system-l3dsr-kmod.at, and the
#            hypervisor mode's system-ovs-l3dsr-hypervisor.at), the
#            hmark tests against the kernel's xt_HMARK and the seed use case
#            (system-hmark.at) and a handful of stock Open vSwitch
#            kernel tests (STOCK_TESTS below) that show the basics still work;
#   stock    with Debian's own openvswitch.ko: ovs-l3dsr's system tests, which
#            then must pass through the standard set actions.
#
# The patched module's tests run in two VMs ("patched" and "patched-hmark",
# the latter with the hmark tests), so that two VMs always run side by
# side (see run_slot below).
#
# Usage: run-kernel-tests.sh OVS_DIR DATAPATH_DIR
#
# TESTSUITEFLAGS from the environment are added to both runs' selection
# (autotest runs the union), e.g. TESTSUITEFLAGS=-v.  L3DSR_KERNEL_RUNS
# ("patched stock" by default) picks the runs.  KERNEL_SERIES (6.1 by
# default, or 6.12) picks the kernel that the VMs boot (tests/kernel-vm.sh);
# DATAPATH_DIR must hold the module built for it.
#
# L3DSR_KERNEL_TIER=platform runs a smaller tier, for a kernel series that
# the full tier does not cover in CI: only ovs-l3dsr's own tests that show
# that the module works on that kernel.  With the patched module: the probe
# and the byte-exact packet cases (PLATFORM_TESTS below), and the two
# comparisons of system-hmark.at with the VM's xt_HMARK
# (PLATFORM_HMARK_TESTS).  With the stock one: the probe, and the L3DSR
# scenario of system-daddr-on-dscp.at through the set actions
# (PLATFORM_STOCK_TESTS).
#
# Logs: OVS_DIR/tests/system-kmod-testsuite-{patched,patched-hmark,stock}.{log,dir}
# (system-kmod-testsuite-6.12-... for Linux 6.12, ...-platform-... for the
# platform tier), and of a failed first try (see below)
# ...-first-try.{log,dir}.
#
#   run-kernel-tests.sh --in-vm OVS_DIR NAME FLAGS...
#
# is what runs inside the VM: the testsuite runs in the VM's tmpfs, because
# qemu's 9p refuses the Unix sockets that the tests create, and the logs
# are copied back to the share afterwards.

set -eu -o pipefail

STOCK_TESTS='
datapath - ping between two ports
datapath - http between two ports
datapath - ping6 between two ports
conntrack - IPv4 HTTP
conntrack - IPv6 HTTP
'

# ovs-l3dsr's tests of system-l3dsr-kmod.at that the platform tier runs.
PLATFORM_TESTS='
L3DSR kmod - probe reports set_daddr_on_dscp and hmark as the module has them
L3DSR kmod - packets rewritten like the userspace datapath does
'
# The tests of system-hmark.at that the platform tier runs: the marks of
# the module's hmark against those of the VM's xt_HMARK.  (The seed test,
# which shows policy routing on the marks, uses the kernel's routing, not
# more of the module.)
PLATFORM_HMARK_TESTS='
hmark - same marks as the kernel: every option set
hmark - same marks as the kernel: conntrack tuple
'
# The tests of the platform tier's stock run: the probe, and the L3DSR
# scenario of system-daddr-on-dscp.at through the set actions.  (Its other
# tests skip with the stock module, each after seconds of the VM's CPU.)
PLATFORM_STOCK_TESTS='
L3DSR kmod - probe reports set_daddr_on_dscp and hmark as the module has them
L3DSR - IPv4 TCP and ICMP to a VIP, set actions
L3DSR - IPv6 TCP and ICMPv6 to a VIP, set actions
'

if [ "${1:-}" = --in-vm ]; then
    ovsdir=$2 name=$3
    shift 3
    tests=$ovsdir/tests
    # The testsuite runs in a directory of the VM's tmpfs /tmp ("-C", after
    # the recipe's own "-C tests"): qemu's 9p refuses the Unix sockets
    # that the tests create, and the patched and the stock runs, in two VMs
    # at once, must not share a log.
    work=/tmp/kmod-tests
    sh "$(dirname "$0")/testsuite-workdir.sh" "$ovsdir" "$work"
    # Read the binaries once into the page cache: the first exec of each
    # over 9p is slow enough under TCG that the daemons would log
    # "Unreasonably long poll interval" warnings, which the tests reject.
    cat "$ovsdir"/vswitchd/ovs-vswitchd "$ovsdir"/ovsdb/ovsdb-server \
        "$ovsdir"/ovsdb/ovsdb-tool "$ovsdir"/utilities/ovs-vsctl \
        "$ovsdir"/utilities/ovs-ofctl "$ovsdir"/utilities/ovs-appctl \
        "$ovsdir"/utilities/ovs-dpctl "$ovsdir"/tests/ovstest > /dev/null
    # Keeps the testsuite's logs in $1.{log,dir} (tar leaves the sockets
    # out).
    save_logs () {
        rm -rf "$1.dir"
        mkdir -p "$1.dir"
        tar -C "$work/system-kmod-testsuite.dir" -cf - . 2>/dev/null \
            | tar -C "$1.dir" -xf -
        cp "$work/system-kmod-testsuite.log" "$1.log"
    }
    save=$tests/system-kmod-testsuite-$name
    rm -rf "$save-first-try.dir" "$save-first-try.log"

    rc=0
    # check-kernel's own recipe, without its "all" prerequisite: the host
    # has built everything, and make's walk over 9p takes a minute.  Failed
    # tests run up to twice more ("--recheck", which reads the log in
    # $work): under TCG, with the other VM on the same CPUs, a daemon now
    # and then logs "Unreasonably long poll interval" (seen while
    # ovs-vswitchd starts: over 1 s of wall clock for 0.1 s of CPU), which
    # the tests count as a failure.  The first try's logs stay in
    # $save-first-try.
    if ! make -C "$ovsdir" -o all check-kernel \
            TESTSUITEFLAGS="-C $work --color=never $*"; then
        save_logs "$save-first-try"
        for try in 2 3; do
            echo "run-kernel-tests: $name: try $try of the failed tests"
            rc=0
            make -C "$ovsdir" -o all check-kernel \
                    TESTSUITEFLAGS="-C $work --color=never --recheck" \
                || rc=$?
            [ "$rc" != 0 ] || break
        done
    fi
    save_logs "$save"

    if dmesg | grep -E 'BUG:|Oops|WARNING:|Call Trace|general protection'; then
        echo "run-kernel-tests: the kernel logged the problems above"
        rc=1
    fi
    exit $rc
fi

ovsdir=$(realpath "$1")
dpdir=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
# shellcheck source=tests/side-by-side.sh
. "$here/side-by-side.sh"
if [ "$(id -u)" != 0 ]; then
    echo "run-kernel-tests: the kernel tests need root (qemu shares / as root)" >&2
    exit 1
fi

series=${KERNEL_SERIES:-6.1}
export KERNEL_SERIES=$series
tier=${L3DSR_KERNEL_TIER:-full}
case $tier in
    full|platform) ;;
    *) echo "run-kernel-tests: unknown L3DSR_KERNEL_TIER $tier (full or platform)" >&2; exit 1 ;;
esac
# Logs of another series than 6.1 get its name, and those of the platform
# tier "platform", so that they do not replace 6.1's or the full tier's.
tag=
[ "$series" = 6.1 ] || tag=$series-
[ "$tier" = full ] || tag=$tag$tier-
echo "run-kernel-tests: Linux $series ($("$srcdir/datapath/kernel-abi.sh")), $tier tier"
[ -f "$dpdir/abi" ] && [ "$(cat "$dpdir/abi")" = "$("$srcdir/datapath/kernel-abi.sh")" ] \
    || { echo "run-kernel-tests: $dpdir/openvswitch.ko is not built for Linux $series (make modules KERNEL_SERIES=$series)" >&2; exit 1; }

suite=tests/system-kmod-testsuite
make -C "$ovsdir" "$suite" tests/ovstest > /dev/null

# "./testsuite -l" prints "  NUM: FILE:LINE  TITLE" for each test.
select_tests () {
    "$ovsdir/$suite" -l | awk -v files="$1" -v titles="$2" '
        BEGIN {
            n = split(files, f, / /)
            for (i = 1; i <= n; i++) if (f[i] != "") want[f[i]] = 1
            n = split(titles, t, /\n/)
            for (i = 1; i <= n; i++) if (t[i] != "") title_ok[t[i]] = 1
        }
        /^ *[0-9]+: / {
            num = $1; sub(/:$/, "", num)
            file = $2; sub(/:.*/, "", file)
            title = $0; sub(/^ *[0-9]+: +[^ ]+ +/, "", title)
            if ((file in want) || (title in title_ok)) printf "%s ", num
        }'
}

l3dsr_files="system-daddr-on-dscp.at system-l3dsr-kmod.at"
hypervisor_files="system-ovs-l3dsr-hypervisor.at"
stock=$(select_tests "$l3dsr_files" "")
# Fails unless each title of list $2 (named $1) selects one test: a
# renamed test would otherwise silently drop out of the tier.
check_titles () {
    local n_titles n_found
    n_titles=$(echo "$2" | grep -c .)
    n_found=$(select_tests "" "$2" | wc -w)
    if [ "$n_found" != "$n_titles" ]; then
        echo "run-kernel-tests: $n_found tests found for the $n_titles titles of $1" >&2
        exit 1
    fi
}
check_titles STOCK_TESTS "$STOCK_TESTS"
check_titles PLATFORM_TESTS "$PLATFORM_TESTS"
check_titles PLATFORM_HMARK_TESTS "$PLATFORM_HMARK_TESTS"
check_titles PLATFORM_STOCK_TESTS "$PLATFORM_STOCK_TESTS"

# Python modules of the build tree: compiled once here, since the tests
# run with PYTHONDONTWRITEBYTECODE and TCG makes every compile slow.
/usr/bin/python3 -m compileall -q "$ovsdir/python" "$ovsdir/tests" > /dev/null || true

# Each run is one VM.  The patched module's tests are split into two runs of
# about the same length, so that two VMs, one per CPU, run side by side for
# the whole tier: "patched" (the action and kmod tests, and the stock Open
# vSwitch tests with our module) in the first slot, "patched-hmark" (the
# hmark comparisons with xt_HMARK, the longest tests, and in the full tier
# the hypervisor mode's two) then "stock" in the second: on an idle 2-CPU
# machine, 671 s and 558 + 135 s.  Each run's output is prefixed with its
# name.
jobs=
for run in ${L3DSR_KERNEL_RUNS:-patched stock}; do
    case $run in
        # In the platform tier the hmark comparisons are the longest job:
        # they take the first slot, the other patched tests then the stock
        # ones the second.
        patched) if [ "$tier" = platform ]; then
                     jobs="$jobs patched-hmark patched"
                 else
                     jobs="$jobs patched patched-hmark"
                 fi ;;
        stock) jobs="$jobs stock" ;;
        *) echo "run-kernel-tests: unknown run $run" >&2; exit 1 ;;
    esac
done
# Prints the tests of job $1, then the module options of its VM.
job_tests () {
    case $tier:$1 in
        full:patched) select_tests "$l3dsr_files" "$STOCK_TESTS" ;;
        platform:patched) select_tests "" "$PLATFORM_TESTS" ;;
        full:patched-hmark) select_tests "system-hmark.at $hypervisor_files" "" ;;
        platform:patched-hmark) select_tests "" "$PLATFORM_HMARK_TESTS" ;;
        full:stock) echo "$stock" ;;
        platform:stock) select_tests "" "$PLATFORM_STOCK_TESTS" ;;
    esac
}
job_module () {
    case $1 in
        patched*) echo "--module $dpdir/openvswitch.ko" ;;
        stock) echo --stock ;;
    esac
}

# Runs jobs $@ one after the other, each in its VM.  TERM stops the VM
# that runs (its harness stops qemu on TERM).  Each VM gets $vm_cpus
# guest CPUs (below).
run_slot () {
    local job vm=
    trap 'if [ -n "$vm" ]; then kill "$vm" 2>/dev/null; fi; exit 143' TERM
    for job; do
        local numbers kmod=${job%%-*} log=$ovsdir/tests/system-kmod-testsuite-$tag$job.out
        numbers=$(job_tests "$job")
        echo "run-kernel-tests: $job: $(echo $numbers | wc -w) tests"
        : > "$log"
        # shellcheck disable=SC2046
        (cd "$ovsdir" && exec "$srcdir/tests/kernel-vm.sh" $(job_module "$job") \
             --cpus "$vm_cpus" --share "$ovsdir" --timeout 1800 -- \
             env L3DSR_KMOD=$kmod L3DSR_PACKET_CACHE="$ovsdir/tests/packet-cache" bash "$here/run-kernel-tests.sh" --in-vm \
             "$ovsdir" "$tag$job" $numbers ${TESTSUITEFLAGS:-}) > "$log" 2>&1 &
        vm=$!
        # Ends by itself when the VM's harness does.
        stream_output "$vm" "$log" "$job"
        local rc=0
        wait "$vm" || rc=$?
        vm=
        echo "$rc" > "$log.rc"
        wait
    done
}

# The host's CPUs are shared out between the VMs that run side by side,
# never more guest CPUs than host ones: TCG runs each guest CPU in a host
# thread, and a guest CPU that is descheduled while it holds a lock keeps
# the others spinning.  On 2 CPUs, the same 4 tests in two VMs took 699 s
# with 2 guest CPUs each (and a daemon's start logged "Unreasonably long
# poll interval", failing a test) and 284 s with 1 each.
# shellcheck disable=SC2086
set -- $jobs
n_slots=1
[ $# -lt 2 ] || n_slots=2
vm_cpus=$(( $(nproc 2>/dev/null || echo 2) / n_slots ))
[ "$vm_cpus" -ge 1 ] || vm_cpus=1
[ "$vm_cpus" -le 2 ] || vm_cpus=2

start=$(date +%s)
pids=
# Stopping this script stops the slots, and they their VMs.  The trap
# keeps the script's exit status: a bare "kill" with no slot left would
# otherwise make every run fail with kill's usage status.
stop_vms () {
    local rc=$?
    if [ -n "$pids" ]; then
        kill $pids 2>/dev/null || :    # some may have ended already
    fi
    exit $rc
}
trap stop_vms EXIT
trap 'exit 130' INT TERM HUP
run_slot "$1" &
pids=$!
if [ $# -gt 1 ]; then
    shift
    run_slot "$@" &
    pids="$pids $!"
fi
# shellcheck disable=SC2086
wait $pids || :
pids=

total_pass=0 total_fail=0 total_skip=0
for run in $jobs; do
    log=$ovsdir/tests/system-kmod-testsuite-$tag$run.out
    run_rc=$(cat "$log.rc" 2>/dev/null || echo 125)
    rm -f "$log.rc"
    read -r pass fail skip <<EOF
$(testsuite_counts "$log")
EOF
    echo "run-kernel-tests: $run module: $pass passed, $fail failed, $skip skipped"
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
    total_skip=$((total_skip + skip))
    if [ "$run_rc" != 0 ] && [ "$fail" = 0 ]; then
        echo "run-kernel-tests: $run run failed with status $run_rc"
        total_fail=$((total_fail + 1))
    fi
done
echo "run-kernel-tests: Linux $series, $tier tier: took $(( $(date +%s) - start )) s"
echo "check-kernel: $total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]
