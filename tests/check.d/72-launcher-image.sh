#!/bin/sh
# The launcher's OCI image (make image) on a real engine: layout and layer
# properties, push through skopeo with the digest unchanged, docker run
# --version, and the whole TEE launch run from the image with only the docker
# socket, /tapp, the shared volume and the fake dstack socket mounted
# (tests/e2e/launcher_image_test.py).  ~15 s.
exec python3 "$TOP/tests/e2e/launcher_image_test.py"
