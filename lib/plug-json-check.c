/* plug-json-check.c: JSON texts json-glib 1.6 must not see
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * json-glib 1.6's parser, fed what a plugin writes, goes wrong on texts
 * that are not JSON (found by fuzz/):
 * - several values in one text (`{…}{…}`, `1 []`): it keeps the last,
 *   silently drops the others and leaks them;
 * - a malformed UTF-16 surrogate pair (`"\ud800\u0041"`): it leaks a
 *   buffer; a lone surrogate or an octal escape (`"\377"`) becomes a
 *   string that is not UTF-8, which plugctl would then send on.
 * One pass over the text, with no allocation, refuses them first: only
 * the escapes JSON has, \u escapes of four hex digits with surrogates in
 * pairs, and no complete object or array after a first value (json-glib
 * refuses other values after the first itself).
 */
#include "config.h"

#include <string.h>

#include "plug-json-check-private.h"
#include "plug-json-scan-private.h"

/* @p is just after a backslash in a string; returns where the escape
 * ends, or NULL with @problem set. */
static const char *
skip_escape (const char  *p,
             const char  *end,
             const char **problem)
{
  gunichar high, low;

  if (p == end)
    return p;
  switch (*p)
    {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      return p + 1;
    case 'u':
      break;
    default:
      *problem = "invalid escape in a string";
      return NULL;
    }

  if (!plug_json_read_hex4 (p + 1, end, &high))
    {
      *problem = "invalid \\u escape in a string";
      return NULL;
    }
  p += 5;
  if (high < 0xd800 || high > 0xdfff)
    return p;

  if (high > 0xdbff || end - p < 2 || p[0] != '\\' || p[1] != 'u' ||
      !plug_json_read_hex4 (p + 2, end, &low) || low < 0xdc00 || low > 0xdfff)
    {
      *problem = "malformed UTF-16 surrogate pair in a string";
      return NULL;
    }
  return p + 6;
}

const char *
plug_json_check_text (const char *data,
                      gssize      length)
{
  const char *p = data;
  const char *end = data + (length < 0 ? strlen (data) : (gsize) length);
  const char *problem = NULL;
  gsize depth = 0;
  gboolean value_seen = FALSE;
  gboolean extra_value = FALSE;

  while (p < end)
    {
      char c = *p++;

      if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
        {
          extra_value = value_seen;
          value_seen = TRUE;
        }

      switch (c)
        {
        case '"':
          while (p < end && *p != '"')
            {
              if (*p++ == '\\' && (p = skip_escape (p, end, &problem)) == NULL)
                return problem;
            }
          if (p < end)
            p++;
          break;
        case '{':
        case '[':
          depth++;
          break;
        case '}':
        case ']':
          /* unbalanced: json-glib says where */
          if (depth > 0 && --depth == 0 && extra_value)
            return "several JSON values in one text";
          break;
        default:
          break;
        }
    }
  return NULL;
}
