# ovs-l3dsr utilities built with Open vSwitch.  This file is linked into the
# Open vSwitch tree as utilities/l3dsr.mk and included from its Makefile.am.
