/*
 * ca_dn — a compact form of the compiled-in anchors' distinguished names.
 *
 * A DN is DER: SEQUENCE OF SET OF SEQUENCE { OID, string }.  Nearly every
 * RDN of the Mozilla roots holds one attribute with a 2.5.4.x OID
 * (06 03 55 04 x), so ~11 of its bytes are framing that can be recomputed.
 * The compact form keeps, per RDN in order, only
 *     x, string tag, string length (one byte each), string bytes
 * and ca_dn_expand() rebuilds the exact DER (minimal-length encoding, as
 * DER requires).  DNs that do not fit this shape are stored raw by the
 * generator (src/gen/ca_pack.c), which also proves at build time that every
 * compact DN expands to its original bytes.
 *
 * Memory: the caller owns both buffers; nothing is allocated or kept.
 * Errors: ca_dn_expand() returns -1 for a truncated record, a DN over
 * CA_DN_DER_MAX or an output buffer too small; out is then unspecified.
 */
#ifndef TL_CA_DN_H
#define TL_CA_DN_H

#include <stddef.h>

/* Bytes per compact record besides the string: attribute, tag, length. */
#define CA_DN_RECORD_HEAD 3
/* A DER length of at most 2 bytes after 0x82 covers this; real DNs are
 * a few hundred bytes. */
#define CA_DN_DER_MAX 0xFFFF

/* Expands compact in[0 .. len-1] into DER at out; *out_len = its length. */
int ca_dn_expand(const unsigned char *in, size_t len, unsigned char *out,
    size_t cap, size_t *out_len);

#endif
