# ovs-l3dsr sources compiled into libopenvswitch.  This file is linked into
# the Open vSwitch tree as lib/l3dsr.mk and included from its Makefile.am.
lib_libopenvswitch_la_SOURCES += \
	lib/daddr-on-dscp.c \
	lib/daddr-on-dscp.h \
	lib/daddr-on-dscp-xlate.c \
	lib/daddr-on-dscp-xlate.h \
	lib/hmark.c \
	lib/hmark.h \
	lib/hmark-xlate.c \
	lib/hmark-xlate.h \
	lib/l3dsr-number.c \
	lib/l3dsr-number.h \
	lib/odp-daddr-on-dscp.c \
	lib/odp-daddr-on-dscp.h \
	lib/odp-hmark.c \
	lib/odp-hmark.h \
	lib/odp-l3dsr.c \
	lib/odp-l3dsr.h
