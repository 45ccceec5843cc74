/* plug-message.c: one message of the wire protocol (PROTOCOL.md §1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "plug-error.h"
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

/* JSON */

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
