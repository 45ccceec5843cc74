/* plug-message.c: one message of the wire protocol (PROTOCOL.md §1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "plug-error.h"
#include "plug-json-check-private.h"
#include "plug-json-scan-private.h"
#include "plug-message-private.h"

G_DEFINE_BOXED_TYPE (PlugMessage, plug_message, plug_message_ref, plug_message_unref)

static const struct
{
  const char *spelling;
  PlugAction action;
} wire_actions[] = {
  { "request", PLUG_ACTION_REQUEST },
  { "response", PLUG_ACTION_RESPONSE },
  { "notification", PLUG_ACTION_EMIT },
  { "emit", PLUG_ACTION_EMIT },
  { "call", PLUG_ACTION_REQUEST },
  { "on", PLUG_ACTION_ON },
  { "listen", PLUG_ACTION_ON },
  { "once", PLUG_ACTION_ONCE },
  { "off", PLUG_ACTION_OFF },
  { "cancel", PLUG_ACTION_CANCEL },
};

PlugAction
plug_message_action_from_name (const char  *spelling,
                               const char **static_spelling)
{
  for (guint i = 0; i < G_N_ELEMENTS (wire_actions); i++)
    {
      if (strcmp (spelling, wire_actions[i].spelling) == 0)
        {
          *static_spelling = wire_actions[i].spelling;
          return wire_actions[i].action;
        }
    }
  *static_spelling = NULL;
  return PLUG_ACTION_UNKNOWN;
}

static const char *
canonical_action_name (PlugAction action)
{
  switch (action)
    {
    case PLUG_ACTION_REQUEST: return "request";
    case PLUG_ACTION_RESPONSE: return "response";
    case PLUG_ACTION_ON: return "on";
    case PLUG_ACTION_ONCE: return "once";
    case PLUG_ACTION_OFF: return "off";
    case PLUG_ACTION_EMIT: return "emit";
    case PLUG_ACTION_NOTIFICATION: return "notification";
    case PLUG_ACTION_CANCEL: return "cancel";
    case PLUG_ACTION_UNKNOWN:
    case PLUG_ACTION_NONE:
    default:
      return NULL;
    }
}

PlugMessage *
plug_message_new (PlugAction action)
{
  PlugMessage *self = g_new0 (PlugMessage, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->action = action;
  self->action_name = canonical_action_name (action);

  return self;
}

PlugMessage *
plug_message_ref (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  g_atomic_ref_count_inc (&message->ref_count);

  return message;
}

void
plug_message_unref (PlugMessage *message)
{
  g_return_if_fail (message != NULL);

  if (!g_atomic_ref_count_dec (&message->ref_count))
    return;

  g_free (message->unknown_action);
  g_free (message->name);
  g_free (message->key);
  g_clear_pointer (&message->payload, json_node_unref);
  g_free (message->payload_text);
  g_free (message->from);
  g_free (message->path);
  g_free (message->error);
  g_clear_pointer (&message->protocol, json_node_unref);
  g_free (message);
}

/* Parsing */

static const char *
describe_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return "an integer";
    case G_TYPE_DOUBLE:
      return "a number";
    default:
      return "a value";
    }
}

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
  return plug_message_wrong_type (field, expected, describe_node (node), error);
}

/* A member whose value is null counts as absent. */
static JsonNode *
get_member (JsonObject *object,
            const char *field)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
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
  JsonNode *node = get_member (object, field);

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
  JsonNode *node = get_member (object, "action");
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
  JsonNode *node = get_member (object, "id");

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
    node = get_member (object, "payload");

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
  JsonNode *node = get_member (object, "requestInfo");
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
  JsonNode *node = get_member (object, "protocol");

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
                   describe_node (node));
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

static void
set_string_member (JsonObject *object,
                   const char *key,
                   const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, key, value);
}

JsonNode *
plug_message_to_node (PlugMessage *message)
{
  JsonObject *object;
  JsonNode *node;

  g_return_val_if_fail (message != NULL, NULL);

  object = json_object_new ();
  if (message->has_id)
    json_object_set_int_member (object, "id", message->id);
  set_string_member (object, "action", message->action_name);
  set_string_member (object, "name", message->name);
  set_string_member (object, "key", message->key);
  if (plug_message_get_payload (message) != NULL)
    json_object_set_member (object, "payload", json_node_copy (message->payload));
  if (message->has_request_info)
    {
      JsonObject *info = json_object_new ();

      set_string_member (info, "from", message->from);
      set_string_member (info, "path", message->path);
      json_object_set_object_member (object, "requestInfo", info);
    }
  set_string_member (object, "error", message->error);
  if (message->protocol != NULL)
    json_object_set_member (object, "protocol", json_node_copy (message->protocol));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);

  return node;
}

JsonNode *
plug_json_from_text (const char  *text,
                     gssize       length,
                     GError     **error)
{
  const char *problem = NULL;
  JsonNode *node;

  g_return_val_if_fail (text != NULL, NULL);

  node = plug_json_parse (text, length < 0 ? strlen (text) : (gsize) length, &problem);
  if (node == NULL)
    g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                 "not valid JSON: %s", problem);
  return node;
}

/* Getters */

PlugAction
plug_message_get_action (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, PLUG_ACTION_NONE);

  return message->action;
}

const char *
plug_message_get_action_name (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->action_name;
}

gboolean
plug_message_has_id (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return message->has_id;
}

gint64
plug_message_get_id (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);

  return message->id;
}

const char *
plug_message_get_name (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->name;
}

const char *
plug_message_get_key (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->key;
}

/* Messages are shared between threads once built: the first reader
 * installs the parsed payload, a concurrent one drops its own. */
static JsonNode *
materialize_payload (PlugMessage *self)
{
  const char *problem = NULL;
  JsonNode *node = plug_json_parse (self->payload_text, self->payload_text_length, &problem);

  g_assert (node != NULL);  /* scanned when it arrived */
  if (!g_atomic_pointer_compare_and_exchange (&self->payload, NULL, node))
    {
      json_node_unref (node);
      node = g_atomic_pointer_get (&self->payload);
    }
  return node;
}

JsonNode *
plug_message_get_payload (PlugMessage *message)
{
  JsonNode *payload;

  g_return_val_if_fail (message != NULL, NULL);

  payload = g_atomic_pointer_get (&message->payload);
  if (payload == NULL && message->payload_text != NULL)
    payload = materialize_payload (message);
  return payload;
}

JsonArray *
plug_message_get_args (PlugMessage *message)
{
  JsonNode *payload;

  g_return_val_if_fail (message != NULL, NULL);

  payload = plug_message_get_payload (message);
  if (payload == NULL || !JSON_NODE_HOLDS_ARRAY (payload))
    return NULL;

  return json_node_get_array (payload);
}

gboolean
plug_message_has_payload (PlugMessage *message)
{
  return message->payload != NULL || message->payload_text != NULL;
}

gboolean
plug_message_payload_is_array (PlugMessage *message)
{
  if (message->payload_text != NULL)
    return message->payload_text[0] == '[';
  return message->payload != NULL && JSON_NODE_HOLDS_ARRAY (message->payload);
}

const char *
plug_message_peek_payload_text (PlugMessage *message,
                                gsize       *length)
{
  g_return_val_if_fail (message != NULL, NULL);

  *length = message->payload_text_length;
  return message->payload_text;
}

static void
clear_payload (PlugMessage *self)
{
  g_clear_pointer (&self->payload, json_node_unref);
  g_clear_pointer (&self->payload_text, g_free);
  self->payload_text_length = 0;
}

void
plug_message_set_payload_text (PlugMessage *message,
                               const char  *text,
                               gsize        length)
{
  g_return_if_fail (message != NULL);

  clear_payload (message);
  message->payload_text = plug_json_dup (text, length);
  message->payload_text_length = length;
}

const char *
plug_message_get_error (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->error;
}

gboolean
plug_message_has_request_info (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return message->has_request_info;
}

const char *
plug_message_get_from (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->from;
}

const char *
plug_message_get_path (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->path;
}

/* Setters */

void
plug_message_set_id (PlugMessage *message,
                     gint64       id)
{
  g_return_if_fail (message != NULL);

  message->has_id = TRUE;
  message->id = id;
}

static void
replace_string (char       **field,
                const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

void
plug_message_set_name (PlugMessage *message,
                       const char  *name)
{
  g_return_if_fail (message != NULL);

  replace_string (&message->name, name);
}

void
plug_message_set_key (PlugMessage *message,
                      const char  *key)
{
  g_return_if_fail (message != NULL);

  replace_string (&message->key, key);
}

void
plug_message_set_payload (PlugMessage *message,
                          JsonNode    *payload)
{
  g_return_if_fail (message != NULL);

  if (payload != NULL)
    json_node_ref (payload);
  clear_payload (message);
  message->payload = payload;
}

void
plug_message_set_args (PlugMessage *message,
                       JsonArray   *args)
{
  JsonNode *node = NULL;

  g_return_if_fail (message != NULL);

  if (args != NULL)
    {
      node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, args);
    }
  clear_payload (message);
  message->payload = node;
}

void
plug_message_set_error (PlugMessage *message,
                        const char  *error)
{
  g_return_if_fail (message != NULL);

  replace_string (&message->error, error);
}

void
plug_message_set_request_info (PlugMessage *message,
                               const char  *from,
                               const char  *path)
{
  g_return_if_fail (message != NULL);

  message->has_request_info = TRUE;
  replace_string (&message->from, from);
  replace_string (&message->path, path);
}

JsonObject *
plug_message_get_protocol (PlugMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->protocol != NULL ? json_node_get_object (message->protocol) : NULL;
}

void
plug_message_set_protocol (PlugMessage *message,
                           JsonObject  *protocol)
{
  g_return_if_fail (message != NULL);

  g_clear_pointer (&message->protocol, json_node_unref);
  if (protocol != NULL)
    message->protocol = json_node_init_object (json_node_alloc (), protocol);
}

/* Builders */

PlugMessage *
plug_message_new_request (gint64      id,
                          const char *name,
                          const char *key,
                          JsonArray  *args)
{
  PlugMessage *self = plug_message_new (PLUG_ACTION_REQUEST);

  plug_message_set_id (self, id);
  plug_message_set_name (self, name);
  plug_message_set_key (self, key);
  plug_message_set_args (self, args);

  return self;
}

static PlugMessage *
new_response_to (PlugMessage *request)
{
  PlugMessage *self = plug_message_new (PLUG_ACTION_RESPONSE);

  self->has_id = request->has_id;
  self->id = request->id;
  self->name = g_strdup (request->name);
  self->key = g_strdup (request->key);

  return self;
}

PlugMessage *
plug_message_new_response (PlugMessage *request,
                           JsonNode    *result)
{
  PlugMessage *self;

  g_return_val_if_fail (request != NULL, NULL);

  self = new_response_to (request);
  plug_message_set_payload (self, result);

  return self;
}

PlugMessage *
plug_message_new_error_response (PlugMessage *request,
                                 const char  *error)
{
  PlugMessage *self;

  g_return_val_if_fail (request != NULL, NULL);

  self = new_response_to (request);
  plug_message_set_error (self, error);

  return self;
}
