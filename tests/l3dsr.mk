# ovs-l3dsr tests.  This file is linked into the Open vSwitch tree as
# tests/l3dsr.mk and included from its Makefile.am.
#
# The one list of ovs-l3dsr's test files: tests/l3dsr.at and
# tests/system-l3dsr.at, which the patched testsuites include
# (ovs-patches/X.Y/0002), are generated from it, and tests/run-testsuites.sh
# selects its tests by it.  Test files are named by action and layer: X.at
# for an action's OpenFlow side and translation, X-odp.at for its datapath
# action, system-X.at for its system tests (docs/development.md).

# The unit testsuite (tests/testsuite).
L3DSR_UNIT_AT = \
	tests/daddr-on-dscp.at \
	tests/daddr-on-dscp-odp.at \
	tests/hmark.at \
	tests/hmark-odp.at \
	tests/ovs-l3dsr.at \
	tests/l3dsr-numbers.at \
	tests/l3dsr-wire-format.at \
	tests/l3dsr-python.at \
	tests/ovs-l3dsr-status.at

# The system testsuites, userspace and kernel (make check-kernel, in a VM).
# system-l3dsr-macros.at defines what the others use, so it comes first.
L3DSR_SYSTEM_AT = \
	tests/system-l3dsr-macros.at \
	tests/system-daddr-on-dscp.at \
	tests/system-ovs-l3dsr.at \
	tests/system-ovs-l3dsr-state.at \
	tests/system-ovs-l3dsr-status.at \
	tests/system-ovs-l3dsr-watch.at \
	tests/system-ovs-l3dsr-atomic.at \
	tests/system-hmark.at \
	tests/system-l3dsr-kmod.at \
	tests/system-l3dsr-controller.at \
	tests/system-ovs-l3dsr-hypervisor.at

TESTSUITE_AT += tests/l3dsr.at $(L3DSR_UNIT_AT)
SYSTEM_USERSPACE_TESTSUITE_AT += tests/system-l3dsr.at $(L3DSR_SYSTEM_AT)
SYSTEM_KMOD_TESTSUITE_AT += tests/system-l3dsr.at $(L3DSR_SYSTEM_AT)

# The including files: one m4_include a test file.  A stale link or file
# of the same name is removed first, never written through.
tests/l3dsr.at: tests/l3dsr.mk
	$(AM_V_GEN)rm -f $@ && for file in $(L3DSR_UNIT_AT); do \
		echo "m4_include([$$file])"; done > $@.tmp && mv $@.tmp $@
tests/system-l3dsr.at: tests/l3dsr.mk
	$(AM_V_GEN)rm -f $@ && for file in $(L3DSR_SYSTEM_AT); do \
		echo "m4_include([$$file])"; done > $@.tmp && mv $@.tmp $@
DISTCLEANFILES += tests/l3dsr.at tests/system-l3dsr.at

EXTRA_DIST += \
	tests/l3dsr-doc-wire.py \
	tests/l3dsr-hmark.py \
	tests/l3dsr_hmark_packets.py \
	tests/l3dsr-pkt.py \
	tests/l3dsr_pkt_cases.py \
	tests/l3dsr_packet_cache.py \
	tests/l3dsr-osken.py \
	tests/l3dsr-fleet.py \
	tests/l3dsr-churn.py

# test-l3dsr-dpif sends hand-made datapath attributes to the kernel, for
# the netlink tests of system-l3dsr-kmod.at.
tests_ovstest_SOURCES += \
	tests/test-l3dsr-packets.c \
	tests/bench-l3dsr.c \
	tests/test-hmark.c \
	tests/test-l3dsr-number.c \
	tests/test-l3dsr-dpif.c
