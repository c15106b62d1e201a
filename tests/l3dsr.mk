# ovs-l3dsr tests.  This file is linked into the Open vSwitch tree as
# tests/l3dsr.mk and included from its Makefile.am.
TESTSUITE_AT += \
	tests/l3dsr.at \
	tests/l3dsr-daddr-on-dscp.at \
	tests/l3dsr-packets.at

SYSTEM_USERSPACE_TESTSUITE_AT += \
	tests/system-l3dsr.at

EXTRA_DIST += \
	tests/l3dsr-pkt.py

# The kernel datapath tests (make check-kernel, in a VM): system-l3dsr.at
# includes system-l3dsr-kmod.at, whose netlink test sends hand-made
# attributes with ovstest test-l3dsr-dpif.
tests_ovstest_SOURCES += tests/test-l3dsr-dpif.c
SYSTEM_KMOD_TESTSUITE_AT += tests/system-l3dsr.at tests/system-l3dsr-kmod.at
SYSTEM_USERSPACE_TESTSUITE_AT += tests/system-l3dsr-kmod.at
