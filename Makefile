# tee-launcher — one static musl binary, reproducible bit for bit.
#
# Inputs are listed in sorted order, the environment is pinned, and no
# timestamp or absolute path reaches the output (see reproducible/README).

export LC_ALL := C
export TZ := UTC
export SOURCE_DATE_EPOCH := $(shell cat reproducible/SOURCE_DATE_EPOCH)

VERSION := $(shell cat VERSION)
TOP := $(CURDIR)
B := build
BEARSSL := $(B)/bearssl
BEARSSL_SRC := $(BEARSSL)/src

MUSL_CC ?= musl-gcc
HOST_CC ?= cc

# Flags shared by the launcher and by BearSSL.  No -g: debug info would carry
# directory names; -ffile-prefix-map removes the rest.
DET_FLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -ffile-prefix-map=$(TOP)=. -fno-ident -fdebug-prefix-map=$(TOP)=.
HARDEN := -fstack-protector-strong -fPIE
# Our own objects: the link is static and not PIE (no rcrt1.o in Debian's
# musl), so the executable sits at a fixed address and position-independent
# code buys nothing; without it the text is 3.8 KB smaller.  BearSSL keeps
# -fPIE: without it its method tables move from RELRO data to .rodata,
# which in this layout costs a page instead of saving one.
NOPIE := -fno-pie
# Our own objects are built for size above all (-Oz, after -Os in
# DET_FLAGS): -1.6 KB of text against -Os.  Nothing of ours is hot: the
# hashing and crypto are BearSSL's, which keeps -Os.
OWN_OPT := -Oz
# src/pagealloc.c replaces musl's malloc in the launcher build only.
OWN_DEFS := -DTL_PAGEALLOC
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wpointer-arith -Wcast-qual
STD := -std=c11 -D_GNU_SOURCE

SRCS := $(sort $(wildcard src/*.c))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
HDRS := $(sort $(wildcard include/*.h))
# Build-time generators: run on the build host, never linked into the launcher.
GEN_TOOL_SRCS := $(sort $(wildcard src/gen/*.c))
INC := -Iinclude -I$(B)/gen -I$(BEARSSL_SRC)/inc

LAUNCHER := $(B)/tee-launcher
IMAGE := $(B)/image
MUSL_OBJS := $(patsubst src/%.c,$(B)/musl/%.o,$(SRCS))
GEN := $(B)/gen/ca_anchors.inc $(B)/gen/ca_anchors_packed.inc $(B)/gen/version.h \
	$(B)/gen/compose_templates.inc

.PHONY: FORCE all check crash-check unit clean distclean repro-check repro-pin ca-bundle demo \
	fuzz bench warnings source-id drivers image image-pin unit-vg unit-clang analyze fuzzers \
	coverage

all: $(LAUNCHER)

# ---- BearSSL (pinned Debian source, verified by third_party/bearssl/fetch.sh)
$(BEARSSL)/.verified:
	sh third_party/bearssl/fetch.sh $(BEARSSL)

BR_CFLAGS := $(DET_FLAGS) $(HARDEN) -ffile-prefix-map=$(TOP)/$(BEARSSL_SRC)=bearssl -W -Wall
# One recipe makes both files (grouped target): with plain targets `make -j2`
# ran it twice at once, and one run executed brssl while the other linked it.
# BearSSL's own Makefile does not rebuild on new flags: a stamp holding the
# flags forces a clean rebuild whenever they change (else a stale library
# would silently give another binary than the pin).  Only after the fetch:
# fetch.sh starts with rm -rf of the whole BearSSL dir (make -j2 raced it).
BR_STAMP := $(BEARSSL)/musl.flags
$(BR_STAMP): FORCE | $(BEARSSL)/.verified
	@mkdir -p $(@D)
	@echo '$(MUSL_CC) $(BR_CFLAGS)' | cmp -s - $@ || \
		{ rm -rf $(BEARSSL)/musl; echo '$(MUSL_CC) $(BR_CFLAGS)' > $@; }
FORCE:

$(BEARSSL)/musl/libbearssl.a $(BEARSSL)/musl/brssl &: $(BEARSSL)/.verified $(BR_STAMP)
	$(MAKE) -s -C $(BEARSSL_SRC) BUILD=../musl CC=$(MUSL_CC) LD=$(MUSL_CC) \
		LDDLL=$(MUSL_CC) CFLAGS="$(BR_CFLAGS)" LDFLAGS=-static ARFLAGS=rcsD \
		../musl/libbearssl.a ../musl/brssl

# Same sources, built with the host compiler, for the sanitizer test builds.
$(BEARSSL)/host/libbearssl.a: $(BEARSSL)/.verified
	$(MAKE) -s -C $(BEARSSL_SRC) BUILD=../host CC=$(HOST_CC) \
		CFLAGS="-O2 -fPIC -W -Wall" ARFLAGS=rcsD ../host/libbearssl.a

# ---- generated sources
$(B)/gen/ca_anchors.inc: assets/ca/mozilla-roots.pem $(BEARSSL)/musl/brssl
	@mkdir -p $(@D)
	$(BEARSSL)/musl/brssl ta -q assets/ca/mozilla-roots.pem > $@.tmp
	mv $@.tmp $@

# brssl's anchors repacked as one blob + a length table (src/gen/ca_pack.c).
# Built with the musl compiler like brssl: the reproducible image has no
# glibc headers.  Only its output reaches the launcher.
CA_PACK := $(B)/gen/ca_pack
# It links the launcher's own DN expander to prove each compact DN at build time.
$(CA_PACK): src/gen/ca_pack.c src/ca_dn.c include/ca_dn.h $(B)/gen/ca_anchors.inc
	$(MUSL_CC) $(STD) -O1 $(WARN) -Iinclude -I$(B)/gen -I$(BEARSSL_SRC)/inc -static \
		-o $@ src/gen/ca_pack.c src/ca_dn.c

$(B)/gen/ca_anchors_packed.inc: $(CA_PACK)
	$(CA_PACK) > $@.tmp
	mv $@.tmp $@

# Compose templates become C string literals: a scratch container has no
# files besides the binary.  One literal per template line; awk escapes
# backslash, quote and '?' (no trigraphs) character by character, because
# gsub's backslash handling differs between awks.
COMPOSE_TMPLS := $(sort $(wildcard assets/compose/*.yaml.tmpl))
$(B)/gen/compose_templates.inc: $(COMPOSE_TMPLS) Makefile
	@mkdir -p $(@D)
	@for f in $(COMPOSE_TMPLS); do \
		n=$$(basename "$$f" .yaml.tmpl | tr -c 'A-Za-z0-9\n' '_'); \
		printf 'static const char compose_tmpl_%s[] =\n' "$$n"; \
		awk '{ s = ""; for (i = 1; i <= length($$0); i++) { c = substr($$0, i, 1); \
			if (c == "\\" || c == "\"" || c == "?") s = s "\\" c; else s = s c; } \
			printf "\t\"%s\\n\"\n", s }' "$$f" || exit 1; \
		printf '\t"";\n'; \
	done > $@.tmp
	@mv $@.tmp $@

# The source id is the hash of every input file, not a commit id: a commit id
# would change the binary whenever the pin in reproducible/ changes.
SOURCE_INPUTS := $(shell find Makefile VERSION src include assets third_party -type f | LC_ALL=C sort)
source-id:
	@sha256sum $(SOURCE_INPUTS) | sha256sum | cut -c1-16

$(B)/gen/version.h: $(SOURCE_INPUTS)
	@mkdir -p $(@D)
	@id=$$(sha256sum $(SOURCE_INPUTS) | sha256sum | cut -c1-16); \
	printf '#define TL_VERSION "%s"\n#define TL_SOURCE_ID "%s"\n' "$(VERSION)" "$$id" > $@.tmp
	@mv $@.tmp $@

# ---- the launcher (musl, static)
# Link-time optimisation over our own objects (BearSSL stays a plain
# archive): -4 KB of the 300 KiB budget.  One partition, so the output does
# not depend on how the work is split.
LTO := -flto -flto-partition=one
$(B)/musl/%.o: src/%.c $(HDRS) $(GEN) $(BEARSSL)/musl/libbearssl.a
	@mkdir -p $(@D)
	$(MUSL_CC) $(STD) $(OWN_DEFS) $(DET_FLAGS) $(OWN_OPT) $(HARDEN) $(NOPIE) $(LTO) $(WARN) $(INC) -c $< -o $@

$(LAUNCHER): $(MUSL_OBJS) $(BEARSSL)/musl/libbearssl.a
	$(MUSL_CC) -static -s $(DET_FLAGS) $(OWN_OPT) $(HARDEN) $(NOPIE) $(LTO) $(WARN) \
		-Wl,-z,relro,-z,now -Wl,--build-id=none -Wl,--gc-sections \
		-o $@ $(MUSL_OBJS) $(BEARSSL)/musl/libbearssl.a

# ---- sanitizer builds (glibc, host compiler) for tests
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
T := $(B)/test
TEST_CFLAGS = $(STD) -g -O1 $(SAN) $(WARN) -Wno-missing-prototypes $(INC) -Itests
TEST_LIB_OBJS := $(patsubst src/%.c,$(T)/obj/%.o,$(LIB_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
DRIVER_SRCS := $(sort $(wildcard tests/drivers/*.c))
DRIVERS := $(patsubst tests/drivers/%.c,$(B)/drivers/%,$(DRIVER_SRCS))

$(T)/obj/%.o: src/%.c $(HDRS) $(GEN)
	@mkdir -p $(@D)
	$(HOST_CC) $(TEST_CFLAGS) -c $< -o $@

$(T)/suites.inc: $(UNIT_SRCS)
	@mkdir -p $(@D)
	@for f in $(UNIT_SRCS); do n=$${f#tests/unit/test_}; echo "SUITE($${n%.c})"; done > $@

$(T)/unit: $(UNIT_SRCS) tests/harness.c tests/harness.h $(T)/suites.inc $(TEST_LIB_OBJS) $(BEARSSL)/host/libbearssl.a
	$(HOST_CC) $(TEST_CFLAGS) -I$(T) -o $@ tests/harness.c $(UNIT_SRCS) \
		$(TEST_LIB_OBJS) $(BEARSSL)/host/libbearssl.a

$(B)/drivers/%: tests/drivers/%.c $(TEST_LIB_OBJS) $(BEARSSL)/host/libbearssl.a
	@mkdir -p $(@D)
	$(HOST_CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(BEARSSL)/host/libbearssl.a

drivers: $(DRIVERS) $(B)/sandbox-probe

# The resolver child's sandbox probed from the inside (tests/check.d/46-sandbox.sh).
# Built like the launcher (musl, static, the same objects), never with a
# sanitizer: ASan's runtime needs calls the seccomp filter denies.
$(B)/sandbox-probe: tests/sandbox/probe.c $(filter-out $(B)/musl/main.o,$(MUSL_OBJS)) \
    $(BEARSSL)/musl/libbearssl.a
	$(MUSL_CC) -static $(STD) $(DET_FLAGS) $(OWN_OPT) $(HARDEN) $(NOPIE) $(LTO) $(WARN) $(INC) -o $@ $^

# ---- the same tests from other builds of the same sources (issue 8)
# $(VG): glibc, no sanitizer (valgrind memcheck sees what ASan hides and
# vice versa).  $(CL): clang + ASan + UBSan (clang's UBSan checks more).
# Both reuse BearSSL's host build, which has no instrumentation.
VG := $(B)/test-vg
CL := $(B)/test-clang
CLANG ?= clang
VG_CFLAGS = $(STD) -g -O1 $(WARN) -Wno-missing-prototypes $(INC) -Itests
VG_DRIVERS := $(VG)/drivers/json-check $(VG)/drivers/toml-decode \
	$(VG)/drivers/http-response-dump
VG_OBJS := $(patsubst src/%.c,$(VG)/obj/%.o,$(LIB_SRCS))
CL_OBJS := $(patsubst src/%.c,$(CL)/obj/%.o,$(LIB_SRCS))
UNIT_DEPS := $(UNIT_SRCS) tests/harness.c tests/harness.h $(T)/suites.inc \
	$(BEARSSL)/host/libbearssl.a

$(VG)/obj/%.o: src/%.c $(HDRS) $(GEN)
	@mkdir -p $(@D)
	$(HOST_CC) $(VG_CFLAGS) -c $< -o $@
$(VG)/unit: $(UNIT_DEPS) $(VG_OBJS)
	$(HOST_CC) $(VG_CFLAGS) -I$(T) -o $@ tests/harness.c $(UNIT_SRCS) \
		$(VG_OBJS) $(BEARSSL)/host/libbearssl.a
$(VG)/drivers/%: tests/drivers/%.c $(VG_OBJS) $(BEARSSL)/host/libbearssl.a
	@mkdir -p $(@D)
	$(HOST_CC) $(VG_CFLAGS) -o $@ $< $(VG_OBJS) $(BEARSSL)/host/libbearssl.a

$(CL)/obj/%.o: src/%.c $(HDRS) $(GEN)
	@mkdir -p $(@D)
	$(CLANG) $(TEST_CFLAGS) -c $< -o $@
$(CL)/unit: $(UNIT_DEPS) $(CL_OBJS)
	$(CLANG) $(TEST_CFLAGS) -I$(T) -o $@ tests/harness.c $(UNIT_SRCS) \
		$(CL_OBJS) $(BEARSSL)/host/libbearssl.a

unit-vg: $(VG)/unit $(VG_DRIVERS) $(DRIVERS)
	TOP=$(TOP) B=$(TOP)/$(B) DRIVERS=$(TOP)/$(B)/drivers sh tests/check.d/60-valgrind.sh
unit-clang: $(CL)/unit
	B=$(TOP)/$(B) sh tests/check.d/61-clang-unit.sh

unit: $(T)/unit
	$(T)/unit

# ---- coverage (gcov): src/*.c but main.c built with the host compiler,
# --coverage -O0, no sanitizer, linked into the unit tests and the drivers;
# then the unit tests and COV_STAGES run (the check stages that need only
# the drivers and loopback servers: http against scripted plain/TLS/unix/
# proxy servers, the simulated dstack agent, a real docker-registry; no
# dockerd).  `make coverage COV_STAGES=` measures the unit tests alone.
# tests/coverage/report.py prints lines % and branches % per file and
# fails when a module guarding the one promise is below COV_LINES % of
# lines or COV_BRANCHES % of branches.  The guarded modules are listed
# here and nowhere else.
COV := $(B)/cov
COV_GUARDED := registry measure rtmr rtmr_log atomicfile select config image engine_api http
COV_LINES ?= 95
COV_BRANCHES ?= 90
COV_STAGES ?= 40-http-client 42-dstack-fake 45-registry
COV_CFLAGS = $(STD) -g -O0 $(WARN) -Wno-missing-prototypes $(INC) -Itests
COV_OBJS := $(patsubst src/%.c,$(COV)/obj/%.o,$(LIB_SRCS))
COV_DRIVERS := $(patsubst tests/drivers/%.c,$(COV)/drivers/%,$(DRIVER_SRCS))
$(COV)/obj/%.o: src/%.c $(HDRS) $(GEN)
	@mkdir -p $(@D)
	$(HOST_CC) $(COV_CFLAGS) --coverage -c $< -o $@
# The tests, the harness and the drivers themselves are not instrumented.
$(COV)/unit: $(UNIT_DEPS) $(COV_OBJS)
	$(HOST_CC) $(COV_CFLAGS) -I$(T) -o $@ tests/harness.c $(UNIT_SRCS) \
		$(COV_OBJS) $(BEARSSL)/host/libbearssl.a -lgcov
$(COV)/drivers/%: tests/drivers/%.c $(COV_OBJS) $(BEARSSL)/host/libbearssl.a
	@mkdir -p $(@D)
	$(HOST_CC) $(COV_CFLAGS) -o $@ $< $(COV_OBJS) $(BEARSSL)/host/libbearssl.a -lgcov
coverage: $(COV)/unit $(COV_DRIVERS)
	TOP=$(TOP) B=$(TOP)/$(B) COV=$(TOP)/$(COV) COV_GUARDED="$(COV_GUARDED)" \
		COV_STAGES="$(COV_STAGES)" COV_LINES=$(COV_LINES) COV_BRANCHES=$(COV_BRANCHES) \
		COV_DETAILS=$(COV_DETAILS) sh tests/coverage/run

# Every check stage in tests/check.d prints "N passed, N failed" last;
# tests/run-checks sums them and fails if any stage failed.
check: $(LAUNCHER) $(B)/crashpoint $(T)/unit $(DRIVERS) $(B)/sandbox-probe $(IMAGE)/index.json $(VG)/unit $(VG_DRIVERS) $(CL)/unit
	TOP=$(TOP) B=$(TOP)/$(B) sh tests/run-checks

# ---- crash and error injection (issue 14): the whole campaign, root,
# hours; the check stage 77-crash runs a sample.  tests/crash/crash_test.py
# (CRASH_ONLY, CRASH_STRIDE, CRASH_INJECT, CRASH_REPORT: see its header).
$(B)/crashpoint: tests/crash/crashpoint.c
	@mkdir -p $(B)
	$(HOST_CC) -std=c11 -O2 $(WARN) -o $@.tmp tests/crash/crashpoint.c && mv $@.tmp $@

crash-check: $(LAUNCHER) $(B)/crashpoint
	TOP=$(TOP) B=$(TOP)/$(B) CRASH_MODE=full python3 tests/crash/crash_test.py

# Warning-clean on both compilers (the musl build already used gcc).
warnings: $(GEN) $(BEARSSL)/musl/libbearssl.a
	@for cc in gcc clang; do for f in $(SRCS) $(GEN_TOOL_SRCS); do \
		$$cc $(STD) $(WARN) $(INC) -fsyntax-only $$f || exit 1; done; \
		echo "warnings: $$cc clean on $(words $(SRCS) $(GEN_TOOL_SRCS)) files"; done

# ---- static analysis: clang-tidy (.clang-tidy), cppcheck
# (tests/analyze/cppcheck.supp), gcc -fanalyzer; any finding fails.
analyze: $(GEN)
	TOP=$(TOP) B=$(TOP)/$(B) sh tests/analyze/run

# ---- fuzzing (clang libFuzzer + ASan + UBSan)
FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_JOBS ?= 2
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
# The sources are compiled once with coverage hooks (fuzzer-no-link) and
# linked into every harness.  UBSan must abort, or libFuzzer never sees it.
FUZZ_CFLAGS = $(STD) -g -O1 $(SAN) $(WARN) -Wno-missing-prototypes $(INC)
FUZZ_OBJS := $(patsubst src/%.c,$(B)/fuzz/obj/%.o,$(LIB_SRCS))
$(B)/fuzz/obj/%.o: src/%.c $(HDRS) $(GEN)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(BEARSSL)/host/libbearssl.a
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
		$(BEARSSL)/host/libbearssl.a
fuzzers: $(FUZZERS)
fuzz: $(FUZZERS)
	TOP=$(TOP) B=$(TOP)/$(B) FUZZ_SECONDS=$(FUZZ_SECONDS) \
		FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run

bench: $(LAUNCHER) $(DRIVERS)
	TOP=$(TOP) B=$(TOP)/$(B) LAUNCHER_CFLAGS="$(STD) $(DET_FLAGS) $(HARDEN) $(NOPIE)" sh tests/bench/run

# ---- the launcher image: an OCI layout holding only /tee-launcher
image: $(IMAGE)/index.json

$(IMAGE)/index.json: $(LAUNCHER) reproducible/oci-image.sh reproducible/SOURCE_DATE_EPOCH
	sh reproducible/oci-image.sh $(LAUNCHER) $(IMAGE)

# ---- reproducibility
repro-check:
	sh reproducible/verify

# The image holds the binary, so a new binary pins a new image too.
repro-pin: $(LAUNCHER) image-pin
	sha256sum $(LAUNCHER) | cut -d' ' -f1 > reproducible/tee-launcher.sha256
	@echo "pinned: $$(cat reproducible/tee-launcher.sha256)"

image-pin: $(IMAGE)/index.json
	cp $(IMAGE)/manifest.sha256 reproducible/image-manifest.sha256
	@echo "pinned image manifest: sha256:$$(cat reproducible/image-manifest.sha256)"

CA_VERSION ?= $(shell sed -n 's/^version=//p' assets/ca/ORIGIN)
ca-bundle:
	sh assets/ca/refresh.sh $(CA_VERSION)

# No prerequisite: on a fresh machine tests/demo/run installs the toolchain
# first, then builds the launcher.
demo:
	TOP=$(TOP) B=$(TOP)/$(B) MAKE=$(MAKE) sh tests/demo/run

clean:
	rm -rf $(B)/musl $(B)/test $(B)/drivers $(B)/fuzz $(B)/gen $(LAUNCHER) \
		$(VG) $(CL) $(COV) $(B)/analyze

distclean:
	rm -rf $(B)

# ---- the verifier's kit (README: "Verify the binary")
.PHONY: reprotest sbom verify-compose

# Debian's reprotest: the binary and the image under every variation it can
# run here, compared with each other (diffoscope on a mismatch) and with the
# pins.  REPROTEST_VARY=<reprotest --variations> runs another set.
reprotest:
	sh reproducible/reprotest

# SPDX 2.3 JSON for the binary and the image (reproducible/sbom.py), then
# its own check: SPDX required fields, reproducible/TOOLCHAIN, the BearSSL
# and CA pins, the built files.
SBOM := $(B)/tee-launcher.spdx.json
sbom: $(LAUNCHER) $(IMAGE)/index.json
	python3 reproducible/sbom.py generate --top . --out $(SBOM)
	python3 reproducible/sbom.py check --top . --built $(B) $(SBOM)

# make verify-compose COMPOSE=<app-compose.json or compose YAML>
#   [LAUNCHER_REPOSITORY=<the image repository in that file>]
# Rebuilds the image, renders reproducible/launcher-compose.yaml.tmpl with
# its digest and the file's DEFAULT_IMAGE_DIGEST, prints equal or the
# differing lines, and the compose hash a contract approves.
verify-compose: $(IMAGE)/index.json
	@[ -n "$(COMPOSE)" ] || { echo "usage: make verify-compose COMPOSE=<app-compose.json|compose.yaml>" >&2; exit 2; }
	python3 reproducible/verify-compose --image-digest "sha256:$$(cat $(IMAGE)/manifest.sha256)" \
		$(if $(LAUNCHER_REPOSITORY),--repository "$(LAUNCHER_REPOSITORY)") "$(COMPOSE)"
