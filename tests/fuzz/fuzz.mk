# Extra rules for the fuzz build tree (build/fuzz), read by make after the
# tree's own Makefile:  make -C build/fuzz -f Makefile -f .../fuzz.mk
# (tests/fuzz/build-fuzz.sh does this).  It builds Open vSwitch's own
# tests/oss-fuzz targets and ovs-l3dsr's packet-execution target, linked
# with libFuzzer instead of OSS-Fuzz's engine and without libc++.
#
# L3DSR_FUZZ_SRC is the absolute path of this repository's tests/fuzz.

FUZZ_ENGINE = -fsanitize=fuzzer

OVS_FUZZ_TARGETS = \
	tests/oss-fuzz/ofp_print_target \
	tests/oss-fuzz/odp_target \
	tests/oss-fuzz/ofctl_parse_target \
	tests/oss-fuzz/flow_extract_target

# OSS-Fuzz's link flags name its engine and libc++; ours only libFuzzer.
tests_oss_fuzz_ofp_print_target_LDFLAGS = $(FUZZ_ENGINE)
tests_oss_fuzz_odp_target_LDFLAGS = $(FUZZ_ENGINE)
tests_oss_fuzz_ofctl_parse_target_LDFLAGS = $(FUZZ_ENGINE)
tests_oss_fuzz_flow_extract_target_LDFLAGS = $(FUZZ_ENGINE)

L3DSR_FUZZ_TARGETS = tests/fuzz/l3dsr_execute_target

tests/fuzz/l3dsr_execute_target.$(OBJEXT): \
		$(L3DSR_FUZZ_SRC)/l3dsr_execute_target.c $(BUILT_SOURCES)
	@mkdir -p tests/fuzz
	$(AM_V_CC)$(COMPILE) -I $(srcdir)/tests/oss-fuzz -MD -MP \
		-MF tests/fuzz/l3dsr_execute_target.d -c -o $@ $<

tests/fuzz/l3dsr_execute_target: tests/fuzz/l3dsr_execute_target.$(OBJEXT) \
		lib/libopenvswitch.la
	$(AM_V_CCLD)$(LIBTOOL) $(AM_V_lt) --tag=CC $(AM_LIBTOOLFLAGS) \
		$(LIBTOOLFLAGS) --mode=link $(CCLD) $(AM_CFLAGS) $(CFLAGS) \
		$(FUZZ_ENGINE) $(LDFLAGS) -o $@ $< lib/libopenvswitch.la $(LIBS)

-include tests/fuzz/l3dsr_execute_target.d

# The generated headers first: the fuzz tree never runs "make all", which
# is what normally builds them.
l3dsr-fuzz-targets: $(BUILT_SOURCES)
	$(MAKE) $(AM_MAKEFLAGS) -f Makefile -f $(L3DSR_FUZZ_SRC)/fuzz.mk \
		$(OVS_FUZZ_TARGETS) $(L3DSR_FUZZ_TARGETS)
.PHONY: l3dsr-fuzz-targets
