/* plug-message-parse.c: a message from its text or from a JSON tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * plug_message_parse() takes the fast path of plug-message-scan.c and
 * asks json-glib only for the words of an error.
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-json-check-private.h"
#include "plug-json-node-private.h"
#include "plug-json-scan-private.h"
#include "plug-message-private.h"

gboolean
plug_message_wrong_type (const char  *field,
                         const char  *expected,
                         const char  *got,
                         GError     **error)
{
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
               "invalid message: field \"%s\" must be %s, got %s",
               field, expected, got);
  return FALSE;
}

static gboolean
wrong_type (const char  *field,
            const char  *expected,
            JsonNode    *node,
            GError     **error)
{
  return plug_message_wrong_type (field, expected, plug_json_describe (node, TRUE), error);
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
read_string (JsonObject  *object,
             const char  *field,
             const char  *label,
             char       **out,
             GError     **error)
{
  JsonNode *node = plug_json_get_present_member (object, field);

  if (node == NULL)
    return TRUE;
  if (!is_string (node))
    return wrong_type (label, "a string", node, error);

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_action (PlugMessage  *self,
             JsonObject   *object,
             GError      **error)
{
  JsonNode *node = plug_json_get_present_member (object, "action");
  const char *spelling;

  if (node == NULL)
    {
      self->action = PLUG_ACTION_NONE;
      return TRUE;
    }
  if (!is_string (node))
    return wrong_type ("action", "a string", node, error);

  spelling = json_node_get_string (node);
  self->action = plug_message_action_from_name (spelling, &self->action_name);
  if (self->action == PLUG_ACTION_UNKNOWN)
    self->action_name = self->unknown_action = g_strdup (spelling);
  return TRUE;
}

static gboolean
read_id (PlugMessage  *self,
         JsonObject   *object,
         GError      **error)
{
  JsonNode *node = plug_json_get_present_member (object, "id");

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type ("id", "an integer", node, error);

  self->has_id = TRUE;
  self->id = json_node_get_int (node);
  return TRUE;
}

static gboolean
payload_must_be_array (PlugAction action)
{
  return action == PLUG_ACTION_REQUEST || action == PLUG_ACTION_EMIT;
}

static gboolean
read_payload (PlugMessage  *self,
              JsonObject   *object,
              GError      **error)
{
  JsonNode *node;

  /* A response's null payload is a real result (a method returning null). */
  if (self->action == PLUG_ACTION_RESPONSE)
    node = json_object_get_member (object, "payload");
  else
    node = plug_json_get_present_member (object, "payload");

  if (node == NULL)
    return TRUE;
  if (payload_must_be_array (self->action) && !JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type ("payload", "an array", node, error);

  /* A shallow copy: shares the container, drops the parent pointer. */
  self->payload = json_node_copy (node);
  return TRUE;
}

static gboolean
read_request_info (PlugMessage  *self,
                   JsonObject   *object,
                   GError      **error)
{
  JsonNode *node = plug_json_get_present_member (object, "requestInfo");
  JsonObject *info;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type ("requestInfo", "an object", node, error);

  info = json_node_get_object (node);
  self->has_request_info = TRUE;
  return read_string (info, "from", "requestInfo.from", &self->from, error) &&
         read_string (info, "path", "requestInfo.path", &self->path, error);
}

/* plugctl's own extension (the protocol version of the handshake); Remix
 * clients ignore it. */
static gboolean
read_protocol (PlugMessage  *self,
               JsonObject   *object,
               GError      **error)
{
  JsonNode *node = plug_json_get_present_member (object, "protocol");

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type ("protocol", "an object", node, error);

  self->protocol = json_node_copy (node);
  return TRUE;
}

static gboolean
read_fields (PlugMessage  *self,
             JsonObject   *object,
             GError      **error)
{
  return read_action (self, object, error) &&
         read_id (self, object, error) &&
         read_string (object, "name", "name", &self->name, error) &&
         read_string (object, "key", "key", &self->key, error) &&
         read_payload (self, object, error) &&
         read_request_info (self, object, error) &&
         read_string (object, "error", "error", &self->error, error) &&
         read_protocol (self, object, error);
}

PlugMessage *
plug_message_new_from_node (JsonNode  *node,
                            GError   **error)
{
  g_autoptr(PlugMessage) self = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                   "invalid message: message must be a JSON object, got %s",
                   plug_json_describe (node, TRUE));
      return NULL;
    }

  self = plug_message_new (PLUG_ACTION_NONE);
  if (!read_fields (self, json_node_get_object (node), error))
    return NULL;

  return g_steal_pointer (&self);
}

/* json-glib's parse, for the words of an error: the message, or NULL
 * and @error. */
static PlugMessage *
plug_message_parse_slowly (const char  *data,
                           gssize       length,
                           GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *problem;
  JsonNode *root;

  problem = plug_json_check_text (data, length);
  if (problem != NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                   "invalid message: not valid JSON: %s", problem);
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      /* json-glib quotes the text, and may cut a character in two */
      g_autofree char *reason = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                   "invalid message: not valid JSON: %s", reason);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                           "invalid message: empty text");
      return NULL;
    }

  return plug_message_new_from_node (root, error);
}

/* What json-glib says of a text the scanner refused; the scanner's own
 * words where json-glib (more lenient) would take it. */
static void
set_not_json_error (const char  *data,
                    gssize       length,
                    const char  *problem,
                    const char  *where,
                    GError     **error)
{
  g_autoptr(PlugMessage) message = NULL;
  guint line = 1, column = 1;

  /* json-glib would recurse as deep as the text goes */
  if (strcmp (problem, PLUG_JSON_TOO_DEEP) != 0)
    message = plug_message_parse_slowly (data, length, error);
  if (message == NULL && (error == NULL || *error != NULL))
    return;
  for (const char *p = data; p < where; p++, column++)
    if (*p == '\n')
      line++, column = 0;
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
               "invalid message: not valid JSON: <data>:%u:%u: %s", line, column, problem);
}

PlugMessage *
plug_message_parse (const char  *data,
                    gssize       length,
                    GError     **error)
{
  const char *not_json = NULL;
  const char *where = NULL;
  PlugMessage *message;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length < 0)
    length = strlen (data);

  message = plug_message_scan (data, length, &not_json, &where, error);
  if (message == NULL && not_json != NULL)
    set_not_json_error (data, length, not_json, where, error);
  return message;
}
