/* plug-message-write.c: a message as compact JSON text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every message the engine sends goes through here: the pieces are
 * copied straight into the GString's room (GString's own appends are a
 * call each, and a small message is ~40 pieces).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "plug-json-scan-private.h"
#include "plug-message-private.h"

static inline void
put (GString    *out,
     const char *data,
     gsize       length)
{
  if (out->allocated_len - out->len > length)
    {
      memcpy (out->str + out->len, data, length);
      out->len += length;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, data, length);
}

static inline void
put_c (GString *out,
       char     c)
{
  put (out, &c, 1);
}

#define PUT_LITERAL(out, literal) put ((out), (literal), sizeof (literal) - 1)

static void
put_int (GString *out,
         gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 magnitude = value < 0 ? - (guint64) value : (guint64) value;

  do
    *--p = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--p = '-';
  put (out, p, buf + sizeof buf - p);
}

static void
append_json_string (GString    *out,
                    const char *str)
{
  const char *end = str + strlen (str);
  const char *p = str;

  put_c (out, '"');
  for (;;)
    {
      const char *run = p;
      guchar c;

      p = plug_json_skip_plain (p, end, FALSE);
      put (out, run, p - run);
      if (p == end)
        break;

      c = (guchar) *p++;
      switch (c)
        {
        case '"': PUT_LITERAL (out, "\\\""); break;
        case '\\': PUT_LITERAL (out, "\\\\"); break;
        case '\n': PUT_LITERAL (out, "\\n"); break;
        case '\r': PUT_LITERAL (out, "\\r"); break;
        case '\t': PUT_LITERAL (out, "\\t"); break;
        case '\b': PUT_LITERAL (out, "\\b"); break;
        case '\f': PUT_LITERAL (out, "\\f"); break;
        default: g_string_append_printf (out, "\\u%04x", c); break;
        }
    }
  put_c (out, '"');
}

static void
append_key (GString    *out,
            gboolean   *first,
            const char *key)
{
  if (!*first)
    put_c (out, ',');
  *first = FALSE;
  put_c (out, '"');
  put (out, key, strlen (key));
  PUT_LITERAL (out, "\":");
}

static void
append_string_member (GString    *out,
                      gboolean   *first,
                      const char *key,
                      const char *value)
{
  if (value == NULL)
    return;
  append_key (out, first, key);
  append_json_string (out, value);
}

static void append_node (GString  *out,
                         JsonNode *node);

static void
append_double (GString *out,
               double   value)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      PUT_LITERAL (out, "null");
      return;
    }

  /* The shortest text that reads back as the same double, as in JavaScript. */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }

  put (out, buf, strlen (buf));
  /* Keep it a double for readers that tell integers apart (json-glib). */
  if (strpbrk (buf, ".eE") == NULL)
    PUT_LITERAL (out, ".0");
}

static void
append_value (GString  *out,
              JsonNode *node)
{
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      append_json_string (out, json_node_get_string (node));
      break;
    case G_TYPE_INT64:
      put_int (out, json_node_get_int (node));
      break;
    case G_TYPE_DOUBLE:
      append_double (out, json_node_get_double (node));
      break;
    case G_TYPE_BOOLEAN:
      if (json_node_get_boolean (node))
        PUT_LITERAL (out, "true");
      else
        PUT_LITERAL (out, "false");
      break;
    default:
      PUT_LITERAL (out, "null");
      break;
    }
}

static void
append_array (GString   *out,
              JsonArray *array)
{
  guint length = json_array_get_length (array);

  put_c (out, '[');
  for (guint i = 0; i < length; i++)
    {
      if (i > 0)
        put_c (out, ',');
      append_node (out, json_array_get_element (array, i));
    }
  put_c (out, ']');
}

static void
append_object (GString    *out,
               JsonObject *object)
{
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;
  gboolean first = TRUE;

  put_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    {
      if (!first)
        put_c (out, ',');
      first = FALSE;
      append_json_string (out, member_name);
      put_c (out, ':');
      append_node (out, member);
    }
  put_c (out, '}');
}

/* Serialises @node without taking references: json-glib's generator refs
 * arrays and objects non-atomically, so it must not touch a payload that
 * another thread may be writing at the same time. */
static void
append_node (GString  *out,
             JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      append_object (out, json_node_get_object (node));
      break;
    case JSON_NODE_ARRAY:
      append_array (out, json_node_get_array (node));
      break;
    case JSON_NODE_VALUE:
      append_value (out, node);
      break;
    case JSON_NODE_NULL:
    default:
      PUT_LITERAL (out, "null");
      break;
    }
}

void
plug_message_write (PlugMessage *message,
                    GString     *out)
{
  gboolean first = TRUE;

  g_return_if_fail (message != NULL);
  g_return_if_fail (out != NULL);

  put_c (out, '{');
  if (message->has_id)
    {
      append_key (out, &first, "id");
      put_int (out, message->id);
    }
  append_string_member (out, &first, "action", message->action_name);
  append_string_member (out, &first, "name", message->name);
  append_string_member (out, &first, "key", message->key);
  if (message->payload_text != NULL)
    {
      append_key (out, &first, "payload");
      put (out, message->payload_text, message->payload_text_length);
    }
  else if (message->payload != NULL)
    {
      append_key (out, &first, "payload");
      append_node (out, message->payload);
    }
  if (message->has_request_info)
    {
      gboolean first_info = TRUE;

      append_key (out, &first, "requestInfo");
      put_c (out, '{');
      append_string_member (out, &first_info, "from", message->from);
      append_string_member (out, &first_info, "path", message->path);
      put_c (out, '}');
    }
  append_string_member (out, &first, "error", message->error);
  if (message->protocol != NULL)
    {
      append_key (out, &first, "protocol");
      append_node (out, message->protocol);
    }
  put_c (out, '}');
}

char *
plug_message_node_to_text (JsonNode *node,
                           gsize    *length)
{
  GString *out = g_string_sized_new (64);

  append_node (out, node);
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

char *
plug_message_to_string (PlugMessage *message)
{
  GString *out;

  g_return_val_if_fail (message != NULL, NULL);

  out = g_string_sized_new (128);
  plug_message_write (message, out);

  return g_string_free (out, FALSE);
}
