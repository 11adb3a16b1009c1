/*
 * names — the fixed names and paths that the launcher, the compose
 * templates' renderer, the Engine API backend and the node's [tee] table
 * must agree on, each written once.  The modules give them their own
 * meaning (ENGINE_CONTAINER, CLI_DEFAULT_NODE_CONFIG, …) on top of these.
 * No code, no state: a header of constants only.
 */
#ifndef TL_NAMES_H
#define TL_NAMES_H

/* The node's compose project, service and container (near/mpc's name). */
#define NAMES_NODE "mpc-node"
/* The named volume the launcher and the node share (→ NAMES_SHARED_DIR). */
#define NAMES_SHARED_VOLUME "shared-volume"
/* Where both see the shared volume, and the files in it. */
#define NAMES_SHARED_DIR "/mnt/shared"
#define NAMES_NODE_CONFIG NAMES_SHARED_DIR "/mpc-config.toml"
#define NAMES_APPROVED_FILE NAMES_SHARED_DIR "/image-digest.bin"
/* dstack's guest agent socket (the launcher's default and the node's view). */
#define NAMES_DSTACK_SOCKET "/var/run/dstack.sock"
/* Docker Hub's name in references (the user config's default registry)
 * and the host its API answers on. */
#define NAMES_DOCKER_HUB "docker.io"
#define NAMES_DOCKER_HUB_API "registry-1.docker.io"
/* The kernel's RTMR3 file (Linux >= 6.16, TDX guest). */
#define NAMES_RTMR3_FILE "/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384"

#endif
