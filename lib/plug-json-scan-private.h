/* plug-json-scan-private.h: one strict pass over JSON text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The problem of a text nested deeper than the scanner goes. */
#define PLUG_JSON_TOO_DEEP "nested too deep"

#define PLUG_JSON_ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define PLUG_JSON_HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Whether one of the 8 bytes of @v is a quote, a backslash, a control
 * character or (with @non_ascii) above 0x7f: a string's plain run ends
 * there. Bit tricks on a word: 8 bytes per step, not 1. */
static inline gboolean
plug_json_word_has_special (guint64  v,
                            gboolean non_ascii)
{
  guint64 quote = v ^ (PLUG_JSON_ONES * '"');
  guint64 backslash = v ^ (PLUG_JSON_ONES * '\\');
  guint64 found = ((quote - PLUG_JSON_ONES) & ~quote) |
                  ((backslash - PLUG_JSON_ONES) & ~backslash) |
                  ((v - PLUG_JSON_ONES * 0x20) & ~v);

  if (non_ascii)
    found |= v;
  return (found & PLUG_JSON_HIGHS) != 0;
}

/* The first byte from @p on that ends a string's plain run (see above),
 * or @end. */
static inline const char *
plug_json_skip_plain (const char *p,
                      const char *end,
                      gboolean    non_ascii)
{
#ifdef __SSE2__
  /* 16 bytes a step; the position comes from the mask, exact */
  const __m128i quote = _mm_set1_epi8 ('"');
  const __m128i backslash = _mm_set1_epi8 ('\\');
  const __m128i flip = _mm_set1_epi8 ((char) 0x80);
  /* signed compare: with the top bit flipped it orders bytes unsigned */
  const __m128i control = _mm_set1_epi8 ((char) (0x20 ^ 0x80));

  while (end - p >= 16)
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *) p);
      __m128i found = _mm_or_si128 (_mm_cmpeq_epi8 (v, quote), _mm_cmpeq_epi8 (v, backslash));
      int mask;

      if (non_ascii)
        found = _mm_or_si128 (found, _mm_cmplt_epi8 (v, _mm_set1_epi8 (0x20)));
      else
        found = _mm_or_si128 (found, _mm_cmplt_epi8 (_mm_xor_si128 (v, flip), control));
      mask = _mm_movemask_epi8 (found);
      if (mask != 0)
        return p + __builtin_ctz ((unsigned) mask);
      p += 16;
    }
#endif
  while (end - p >= 8)
    {
      guint64 v;

      memcpy (&v, p, 8);
      if (plug_json_word_has_special (v, non_ascii))
        break;
      p += 8;
    }
  while (p < end && (guchar) *p >= 0x20 && *p != '"' && *p != '\\' &&
         (!non_ascii || (guchar) *p < 0x80))
    p++;
  return p;
}

/* @length bytes of @data and a NUL: g_strndup() looks for a NUL in them
 * (strncpy), which these lengths already rule out. */
static inline char *
plug_json_dup (const char *data,
               gsize       length)
{
  char *copy = g_malloc (length + 1);

  memcpy (copy, data, length);
  copy[length] = '\0';
  return copy;
}

/* Where a scan is, and what went wrong. */
typedef struct
{
  const char *start;
  const char *end;
  const char *problem;  /* set when a function returns FALSE */
  const char *where;    /* the byte the problem is at */
  gsize n_spaces;       /* runs of space between tokens skipped so far */
} PlugJsonScan;

/* The four hex digits of a \u escape at @p, if there are four. */
gboolean    plug_json_read_hex4       (const char    *p,
                                       const char    *end,
                                       gunichar      *out);
void        plug_json_scan_init       (PlugJsonScan  *scan,
                                       const char    *data,
                                       gsize          length);
const char *plug_json_scan_skip_space (PlugJsonScan  *scan,
                                       const char    *p);
/* *@pos is at the opening quote; on success it is just past the closing
 * one, and *@out (when not NULL) holds the decoded UTF-8 (g_free). */
gboolean    plug_json_scan_string     (PlugJsonScan  *scan,
                                       const char   **pos,
                                       char         **out);
/* The same without decoding: *@plain and *@length are the string's bytes
 * in the text when it has nothing to decode (the common case: no
 * escape, ASCII), else *@plain is NULL. */
gboolean    plug_json_scan_string_view (PlugJsonScan  *scan,
                                        const char   **pos,
                                        const char   **plain,
                                        gsize         *length);
/* One value (RFC 8259, strictly: UTF-8, escapes, number grammar) at
 * *@pos, leading space skipped; on success *@pos is just past it and
 * *@out (when not NULL) holds it as a new node. */
gboolean    plug_json_scan_value      (PlugJsonScan  *scan,
                                       const char   **pos,
                                       JsonNode     **out);
/* The whole text as one value, NULL with *@problem set if it is not. */
JsonNode   *plug_json_parse           (const char    *data,
                                       gsize          length,
                                       const char   **problem);
/* @data (already scanned) without the space between tokens: for a
 * line-framed transport, a value may not span lines. */
char       *plug_json_compact         (const char    *data,
                                       gsize          length,
                                       gsize         *out_length);

G_END_DECLS
