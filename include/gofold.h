/*
 * gofold — key equality as Go's encoding/json sees it.
 *
 * dockerd, containerd and the registry decode manifests with Go's
 * encoding/json, which matches an object key to a struct field without
 * regard to case: both sides are compared under Unicode simple case
 * folding (unicode.SimpleFold orbits), so "Digest", "DIGEST" and "digeſt"
 * (U+017F) all fill the field "digest", and "Kind" with U+212A KELVIN SIGN
 * fills "kind".  When several keys of one object land on the same field,
 * the last one wins.  A reader that compares keys byte for byte, as
 * json.c does, would read another field than the engine; this module
 * gives the comparison the engine makes, so callers can refuse such
 * documents.
 *
 * Each rune is replaced by the smallest rune of its orbit (what Go's
 * json.foldName does since Go 1.21; older versions compare with
 * bytes.EqualFold, which is the same relation), and the rune sequences are
 * compared.  The table holds the non-ASCII orbits of U+0080..U+058F
 * (Latin-1, Latin Extended-A/B, IPA, Greek and Coptic, Cyrillic, Armenian)
 * and the runes elsewhere that fold into them (U+017F's partner U+212A
 * KELVIN SIGN, U+212B ANGSTROM SIGN, U+2126 OHM SIGN, U+1E9E, U+1FBE,
 * U+1C80..U+1C87); every other rune compares as itself.  This is
 * sufficient for us: every field the engine's structs have is ASCII, and
 * the only runes outside ASCII that fold onto ASCII letters are U+017F and
 * U+212A, so a key can match a field only through ASCII case and those two,
 * all of which the table has.  The rest of the table only refuses more.
 * It is generated from the Unicode database by tests/gofold/orbits.py,
 * which also checks it rune by rune (tests/check.d).
 *
 * Pure functions over caller memory; nothing is allocated, nothing fails.
 * Input that is not valid UTF-8 is read as Go reads it: each bad byte is
 * U+FFFD.
 */
#ifndef TL_GOFOLD_H
#define TL_GOFOLD_H

#include <stddef.h>
#include <stdint.h>

/* The smallest rune of cp's simple-fold orbit within the table's scope
 * ('K' for 'k' and U+212A), cp itself outside it. */
uint32_t gofold_rune(uint32_t cp);

/* <0, 0 or >0 as the folded rune sequence of a[0..alen) sorts before,
 * equal to, or after that of b[0..blen). */
int gofold_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* 1 if Go's encoding/json would treat keys a and b as the same field name. */
int gofold_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
