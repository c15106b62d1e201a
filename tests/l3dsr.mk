# ovs-l3dsr tests.  This file is linked into the Open vSwitch tree as
# tests/l3dsr.mk and included from its Makefile.am.
TESTSUITE_AT += \
	tests/l3dsr.at \
	tests/l3dsr-daddr-on-dscp.at \
	tests/l3dsr-packets.at \
	tests/l3dsr-datapath.at \
	tests/l3dsr-ctl.at \
	tests/l3dsr-hmark.at \
	tests/l3dsr-numbers.at \
	tests/l3dsr-wire-format.at \
	tests/l3dsr-python.at

# system-l3dsr.at includes the other system test files; the kernel
# testsuite (make check-kernel, in a VM) includes it too.
L3DSR_SYSTEM_AT = \
	tests/system-l3dsr.at \
	tests/system-l3dsr-ctl.at \
	tests/system-l3dsr-state.at \
	tests/system-l3dsr-hmark.at \
	tests/system-l3dsr-kmod.at \
	tests/system-l3dsr-controller.at \
	tests/system-ovs-l3dsr-atomic.at
SYSTEM_USERSPACE_TESTSUITE_AT += $(L3DSR_SYSTEM_AT)
SYSTEM_KMOD_TESTSUITE_AT += $(L3DSR_SYSTEM_AT)

EXTRA_DIST += \
	tests/l3dsr-doc-wire.py \
	tests/l3dsr-hmark.py \
	tests/l3dsr_hmark_packets.py \
	tests/l3dsr-pkt.py \
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
