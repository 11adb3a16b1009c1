#!/bin/sh
# The SBOM (make sbom, reproducible/sbom.py): generated from the tree and the
# build, reproducible, SPDX 2.3 fields, and every pin in it; tampered copies
# of the document and of the pins are caught.
exec python3 "$TOP/tests/lib/sbom_test.py"
