#!/bin/sh
# The adversarial suite (tests/e2e/adversary_test.py): the musl launcher in
# TEE mode against an adversary sharing the node's volume (inotify-driven
# rewriter containers, .env/override files, symlinks, FIFOs), a registry
# serving JSON keys equal under Go's case folding, a too-large rendering,
# concurrent launchers and a tampered RTMR3 event log; RTMR3 is a FUSE file
# with the kernel's semantics (tests/lib/rtmr_fuse.py), read back by the
# launcher; after every case the node, its config and RTMR3 are checked from
# the outside.  One line per
# case.  ADVERSARY_ONLY=<substring> runs a subset.
exec python3 "$TOP/tests/e2e/adversary_test.py"
