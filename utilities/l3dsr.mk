# ovs-l3dsr utilities built with Open vSwitch.  This file is linked into the
# Open vSwitch tree as utilities/l3dsr.mk and included from its Makefile.am.
bin_PROGRAMS += utilities/ovs-l3dsr
utilities_ovs_l3dsr_SOURCES = \
	utilities/ovs-l3dsr.c \
	utilities/l3dsr-bridge.c \
	utilities/l3dsr-bridge.h \
	utilities/l3dsr-conf.c \
	utilities/l3dsr-conf-read.c \
	utilities/l3dsr-conf.h \
	utilities/l3dsr-flow.c \
	utilities/l3dsr-flow.h \
	utilities/l3dsr-host.c \
	utilities/l3dsr-host.h \
	utilities/l3dsr-plan.c \
	utilities/l3dsr-plan.h \
	utilities/l3dsr-start.c \
	utilities/l3dsr-start.h \
	utilities/l3dsr-state.c \
	utilities/l3dsr-state.h \
	utilities/l3dsr-status.c \
	utilities/l3dsr-status.h \
	utilities/l3dsr-view.c \
	utilities/l3dsr-view.h \
	utilities/l3dsr-watch.c \
	utilities/l3dsr-watch.h
utilities_ovs_l3dsr_LDADD = lib/libopenvswitch.la

man_MANS += utilities/ovs-l3dsr.8
EXTRA_DIST += utilities/ovs-l3dsr.8
