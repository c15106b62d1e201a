# ovs-l3dsr tests.  This file is linked into the Open vSwitch tree as
# tests/l3dsr.mk and included from its Makefile.am.
TESTSUITE_AT += \
	tests/l3dsr.at \
	tests/l3dsr-daddr-on-dscp.at \
	tests/l3dsr-packets.at \
	tests/l3dsr-datapath.at \
	tests/l3dsr-ctl.at \
	tests/l3dsr-hmark.at

SYSTEM_USERSPACE_TESTSUITE_AT += \
	tests/system-l3dsr.at \
	tests/system-l3dsr-ctl.at \
	tests/system-l3dsr-hmark.at

EXTRA_DIST += \
	tests/l3dsr-hmark.py \
	tests/l3dsr-pkt.py

tests_ovstest_SOURCES += \
	tests/test-l3dsr-packets.c \
	tests/bench-l3dsr.c \
	tests/test-hmark.c
