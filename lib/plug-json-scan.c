/* plug-json-scan.c: one strict pass over JSON text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why not json-glib's parser on the message path: it builds a tree of
 * the whole text through GScanner, a character at a time (118 µs for a
 * 64 KiB string), while the engine only needs the envelope of a message
 * and forwards the payload as it came. This scanner validates a value
 * and, only when asked, builds the same JsonNode tree json-glib would
 * (integers as gint64, other numbers as double; of two members with one
 * name the last wins). Its errors are terse: plug_message_parse() asks
 * json-glib again for the text of a parse error.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "plug-json-scan-private.h"

/* Deeper texts are refused rather than risk the stack. */
#define MAX_DEPTH 512

static gboolean
fail (PlugJsonScan *scan,
      const char   *where,
      const char   *problem)
{
  scan->problem = problem;
  scan->where = where;
  return FALSE;
}

void
plug_json_scan_init (PlugJsonScan *scan,
                     const char   *data,
                     gsize         length)
{
  scan->start = data;
  scan->end = data + length;
  scan->problem = NULL;
  scan->where = NULL;
  scan->n_spaces = 0;
}

const char *
plug_json_scan_skip_space (PlugJsonScan *scan,
                           const char   *p)
{
  const char *start = p;

  while (p < scan->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  if (p != start)
    scan->n_spaces++;
  return p;
}

/* The length of the well-formed UTF-8 sequence at @p, or 0. */
static gsize
utf8_sequence_length (const guchar *p,
                      const guchar *end)
{
  guchar c = p[0];
  gsize length;
  guchar low = 0x80, high = 0xbf;

  if (c < 0xc2)
    return 0;
  else if (c < 0xe0)
    length = 2;
  else if (c < 0xf0)
    {
      length = 3;
      if (c == 0xe0)
        low = 0xa0;
      else if (c == 0xed)
        high = 0x9f;  /* no UTF-16 surrogates */
    }
  else if (c < 0xf5)
    {
      length = 4;
      if (c == 0xf0)
        low = 0x90;
      else if (c == 0xf4)
        high = 0x8f;
    }
  else
    return 0;

  if ((gsize) (end - p) < length || p[1] < low || p[1] > high)
    return 0;
  for (gsize i = 2; i < length; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;
  return length;
}

gboolean
plug_json_read_hex4 (const char *p,
                     const char *end,
                     gunichar   *out)
{
  gunichar value = 0;

  if (end - p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return FALSE;
      value = (value << 4) | (gunichar) digit;
    }
  *out = value;
  return TRUE;
}

/* @p is just past a backslash; returns where the escape ends, appending
 * what it stands for to @decoded when not NULL. */
static const char *
scan_escape (PlugJsonScan *scan,
             const char   *p,
             GString      *decoded)
{
  static const char simple_from[] = "\"\\/bfnrt";
  static const char simple_to[] = "\"\\/\b\f\n\r\t";
  const char *simple;
  gunichar high, low;

  if (p == scan->end)
    return fail (scan, p, "unterminated string"), NULL;
  if (*p != 'u' && *p != '\0' && (simple = strchr (simple_from, *p)) != NULL)
    {
      if (decoded != NULL)
        g_string_append_c (decoded, simple_to[simple - simple_from]);
      return p + 1;
    }
  if (*p != 'u')
    return fail (scan, p, "invalid escape in a string"), NULL;
  if (!plug_json_read_hex4 (p + 1, scan->end, &high))
    return fail (scan, p, "invalid \\u escape in a string"), NULL;
  p += 5;

  if (high >= 0xd800 && high <= 0xdfff)
    {
      if (high > 0xdbff || scan->end - p < 2 || p[0] != '\\' || p[1] != 'u' ||
          !plug_json_read_hex4 (p + 2, scan->end, &low) || low < 0xdc00 || low > 0xdfff)
        return fail (scan, p, "malformed UTF-16 surrogate pair in a string"), NULL;
      high = 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
      p += 6;
    }
  if (decoded != NULL)
    g_string_append_unichar (decoded, high);
  return p;
}

gboolean
plug_json_scan_string (PlugJsonScan  *scan,
                       const char   **pos,
                       char         **out)
{
  const char *p = *pos + 1;
  const char *run = p;
  const char *end = scan->end;
  GString *decoded = NULL;

  for (;;)
    {
      guchar c;

      p = plug_json_skip_plain (p, end, TRUE);
      if (p == end)
        break;

      c = (guchar) *p;
      if (c == '"')
        {
          if (out != NULL && decoded == NULL)
            *out = plug_json_dup (run, p - run);
          else if (out != NULL)
            *out = g_string_free (g_string_append_len (decoded, run, p - run), FALSE);
          *pos = p + 1;
          return TRUE;
        }
      if (c >= 0x80)
        {
          gsize length = utf8_sequence_length ((const guchar *) p, (const guchar *) end);

          if (length == 0)
            break;
          p += length;
          continue;
        }
      if (c != '\\')
        break;

      if (out != NULL && decoded == NULL)
        decoded = g_string_sized_new ((p - run) + 16);
      if (decoded != NULL)
        g_string_append_len (decoded, run, p - run);
      p = scan_escape (scan, p + 1, decoded);
      if (p == NULL)
        {
          if (decoded != NULL)
            g_string_free (decoded, TRUE);
          return FALSE;
        }
      run = p;
    }

  if (decoded != NULL)
    g_string_free (decoded, TRUE);
  if (p == end)
    return fail (scan, p, "unterminated string");
  if ((guchar) *p < 0x20)
    return fail (scan, p, "control character in a string");
  return fail (scan, p, "invalid UTF-8 in a string");
}

gboolean
plug_json_scan_string_view (PlugJsonScan  *scan,
                            const char   **pos,
                            const char   **plain,
                            gsize         *length)
{
  const char *start = *pos + 1;
  const char *p = plug_json_skip_plain (start, scan->end, TRUE);

  if (p < scan->end && *p == '"')
    {
      *plain = start;
      *length = p - start;
      *pos = p + 1;
      return TRUE;
    }
  *plain = NULL;
  *length = 0;
  return plug_json_scan_string (scan, pos, NULL);
}

static const char *
skip_digits (const char *p,
             const char *end)
{
  while (p < end && g_ascii_isdigit (*p))
    p++;
  return p;
}

static JsonNode *
number_node (const char *text,
             gsize       length,
             gboolean    integral)
{
  char stack_buffer[64];
  g_autofree char *heap_buffer = NULL;
  char *buffer = stack_buffer;
  JsonNode *node;

  if (length >= sizeof stack_buffer)
    buffer = heap_buffer = g_malloc (length + 1);
  memcpy (buffer, text, length);
  buffer[length] = '\0';

  if (integral)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (buffer, NULL, 10);
      if (errno == 0)
        return json_node_init_int (json_node_alloc (), value);
    }
  node = json_node_init_double (json_node_alloc (), g_ascii_strtod (buffer, NULL));
  return node;
}

static gboolean
scan_number (PlugJsonScan  *scan,
             const char   **pos,
             JsonNode     **out)
{
  const char *start = *pos;
  const char *p = start;
  const char *end = scan->end;
  gboolean integral = TRUE;

  if (*p == '-')
    p++;
  if (p == end || !g_ascii_isdigit (*p))
    return fail (scan, p, "invalid number");
  p = *p == '0' ? p + 1 : skip_digits (p, end);

  if (p < end && *p == '.')
    {
      integral = FALSE;
      if (++p == end || !g_ascii_isdigit (*p))
        return fail (scan, p, "invalid number");
      p = skip_digits (p, end);
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      if (++p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !g_ascii_isdigit (*p))
        return fail (scan, p, "invalid number");
      p = skip_digits (p, end);
    }

  if (out != NULL)
    *out = number_node (start, p - start, integral);
  *pos = p;
  return TRUE;
}

static gboolean
scan_literal (PlugJsonScan  *scan,
              const char   **pos,
              JsonNode     **out)
{
  static const struct { const char *text; gsize length; } literals[] = {
    { "true", 4 }, { "false", 5 }, { "null", 4 },
  };
  const char *p = *pos;

  for (guint i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      if ((gsize) (scan->end - p) < literals[i].length ||
          memcmp (p, literals[i].text, literals[i].length) != 0)
        continue;
      if (out != NULL && i == 2)
        *out = json_node_init_null (json_node_alloc ());
      else if (out != NULL)
        *out = json_node_init_boolean (json_node_alloc (), i == 0);
      *pos = p + literals[i].length;
      return TRUE;
    }
  return fail (scan, p, "expected a value");
}

static gboolean scan_value (PlugJsonScan  *scan,
                            const char   **pos,
                            guint          depth,
                            JsonNode     **out);

/* After an element or a member: the next one, or the closing bracket. */
static gboolean
scan_separator (PlugJsonScan  *scan,
                const char   **pos,
                char           closing,
                gboolean      *more)
{
  const char *p = plug_json_scan_skip_space (scan, *pos);

  if (p < scan->end && *p == ',')
    *more = TRUE;
  else if (p < scan->end && *p == closing)
    *more = FALSE;
  else
    return fail (scan, p, closing == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
  *pos = p + 1;
  return TRUE;
}

static gboolean
scan_array (PlugJsonScan  *scan,
            const char   **pos,
            guint          depth,
            JsonArray     *array)
{
  const char *p = plug_json_scan_skip_space (scan, *pos + 1);
  gboolean more = TRUE;

  if (p < scan->end && *p == ']')
    {
      *pos = p + 1;
      return TRUE;
    }
  while (more)
    {
      JsonNode *element = NULL;

      if (!scan_value (scan, &p, depth, array != NULL ? &element : NULL))
        return FALSE;
      if (array != NULL)
        json_array_add_element (array, element);
      if (!scan_separator (scan, &p, ']', &more))
        return FALSE;
    }
  *pos = p;
  return TRUE;
}

static gboolean
scan_object (PlugJsonScan  *scan,
             const char   **pos,
             guint          depth,
             JsonObject    *object)
{
  const char *p = plug_json_scan_skip_space (scan, *pos + 1);
  gboolean more = TRUE;

  if (p < scan->end && *p == '}')
    {
      *pos = p + 1;
      return TRUE;
    }
  while (more)
    {
      g_autofree char *name = NULL;
      JsonNode *member = NULL;

      p = plug_json_scan_skip_space (scan, p);
      if (p == scan->end || *p != '"')
        return fail (scan, p, "expected a member name");
      if (!plug_json_scan_string (scan, &p, object != NULL ? &name : NULL))
        return FALSE;
      p = plug_json_scan_skip_space (scan, p);
      if (p == scan->end || *p != ':')
        return fail (scan, p, "expected ':'");
      p++;
      if (!scan_value (scan, &p, depth, object != NULL ? &member : NULL))
        return FALSE;
      if (object != NULL)
        json_object_set_member (object, name, member);
      if (!scan_separator (scan, &p, '}', &more))
        return FALSE;
    }
  *pos = p;
  return TRUE;
}

static gboolean
scan_container (PlugJsonScan  *scan,
                const char   **pos,
                guint          depth,
                JsonNode     **out)
{
  gboolean ok;

  if (depth >= MAX_DEPTH)
    return fail (scan, *pos, PLUG_JSON_TOO_DEEP);

  if (**pos == '[')
    {
      g_autoptr(JsonArray) array = out != NULL ? json_array_new () : NULL;

      ok = scan_array (scan, pos, depth + 1, array);
      if (ok && out != NULL)
        *out = json_node_init_array (json_node_alloc (), array);
    }
  else
    {
      g_autoptr(JsonObject) object = out != NULL ? json_object_new () : NULL;

      ok = scan_object (scan, pos, depth + 1, object);
      if (ok && out != NULL)
        *out = json_node_init_object (json_node_alloc (), object);
    }
  return ok;
}

static gboolean
scan_value (PlugJsonScan  *scan,
            const char   **pos,
            guint          depth,
            JsonNode     **out)
{
  const char *p = plug_json_scan_skip_space (scan, *pos);
  gboolean ok;

  if (p == scan->end)
    return fail (scan, p, "expected a value");

  switch (*p)
    {
    case '"':
      {
        g_autofree char *text = NULL;

        ok = plug_json_scan_string (scan, &p, out != NULL ? &text : NULL);
        if (ok && out != NULL)
          *out = json_node_init_string (json_node_alloc (), text);
        break;
      }
    case '{':
    case '[':
      ok = scan_container (scan, &p, depth, out);
      break;
    case '-':
    case '0' ... '9':
      ok = scan_number (scan, &p, out);
      break;
    default:
      ok = scan_literal (scan, &p, out);
      break;
    }

  if (ok)
    *pos = p;
  return ok;
}

gboolean
plug_json_scan_value (PlugJsonScan  *scan,
                      const char   **pos,
                      JsonNode     **out)
{
  return scan_value (scan, pos, 0, out);
}

JsonNode *
plug_json_parse (const char  *data,
                 gsize        length,
                 const char **problem)
{
  PlugJsonScan scan;
  const char *p = data;
  JsonNode *node = NULL;

  plug_json_scan_init (&scan, data, length);
  if (!scan_value (&scan, &p, 0, &node))
    {
      *problem = scan.problem;
      return NULL;
    }
  if (plug_json_scan_skip_space (&scan, p) != scan.end)
    {
      json_node_unref (node);
      *problem = "several JSON values in one text";
      return NULL;
    }
  return node;
}

char *
plug_json_compact (const char *data,
                   gsize       length,
                   gsize      *out_length)
{
  char *out = g_malloc (length + 1);
  gsize n = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            out[n++] = data[i++];
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
        continue;
      else if (c == '"')
        in_string = TRUE;
      out[n++] = data[i];
    }
  out[n] = '\0';
  *out_length = n;
  return out;
}
