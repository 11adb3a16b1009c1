#!/bin/sh
# The module map (tests/layers.txt) against the tree: no upward include, no
# I/O header in a layer-0 file, every module in the map.  Source only: runs
# without a build.
exec python3 "$TOP/tests/lib/layers.py" "$TOP"
