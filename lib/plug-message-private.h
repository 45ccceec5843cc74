/* plug-message-private.h: PlugMessage's fields, shared by its parsers
 * and writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-message.h"

G_BEGIN_DECLS

struct _PlugMessage
{
  gatomicrefcount ref_count;

  PlugAction action;
  /* A static spelling, or unknown_action for an action we do not know. */
  const char *action_name;
  char *unknown_action;

  gboolean has_id;
  gint64 id;
  char *name;
  char *key;
  /* From the wire, the payload is kept as its text (compact: no
   * newline), and parsed only when asked for (get_payload, CAS). */
  JsonNode *payload;
  char *payload_text;
  gsize payload_text_length;
  gboolean has_request_info;
  char *from;
  char *path;
  char *error;
  JsonNode *protocol;
};

/* The fast path of plug_message_parse(): NULL with *@not_json set when
 * the text is not one JSON object (the caller asks json-glib for the
 * words of the error), or NULL with @error set for a field of the wrong
 * type. */
PlugMessage *plug_message_scan             (const char   *data,
                                            gsize         length,
                                            const char  **not_json,
                                            const char  **not_json_where,
                                            GError      **error);
/* The action a wire spelling stands for (UNKNOWN: *@static_spelling is
 * NULL), and its spelling in static storage. */
PlugAction   plug_message_action_from_name (const char   *spelling,
                                            const char  **static_spelling);
/* Sets a field-type error as plug_message_parse() words it. */
gboolean     plug_message_wrong_type       (const char   *field,
                                            const char   *expected,
                                            const char   *got,
                                            GError      **error);
/* Without parsing it: whether there is a payload, and an array. */
gboolean     plug_message_has_payload       (PlugMessage *message);
gboolean     plug_message_payload_is_array  (PlugMessage *message);
/* The payload's compact JSON text, as it came from the wire, or NULL. */
const char  *plug_message_peek_payload_text (PlugMessage *message,
                                             gsize       *length);
/* Sets the payload from compact JSON text that was scanned already. */
void         plug_message_set_payload_text  (PlugMessage *message,
                                             const char  *text,
                                             gsize        length);

/* @node as compact JSON text, written as plug_message_write() does. */
char        *plug_message_node_to_text      (JsonNode    *node,
                                             gsize       *length);

G_END_DECLS
