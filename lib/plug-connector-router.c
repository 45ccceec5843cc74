/* plug-connector-router.c: the dispatch of messages from the plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PlugConnector's receiving side (PROTOCOL.md §1, §6): responses to our
 * requests, the plugin's requests, subscriptions, emits and cancels it
 * forwards to the engine, bounces and unknown actions.
 */
#include "config.h"

#include "plug-call-private.h"
#include "plug-connector-private.h"
#include "plug-engine-private.h"
#include "plug-message-private.h"
#include "plug-engine.h"
#include "plug-error.h"

static const char *
connector_name (PlugConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static void
reply_error (PlugConnector *self,
             PlugMessage   *request,
             const char    *text)
{
  g_autoptr(PlugMessage) reply = NULL;

  if (!plug_message_has_id (request))
    return;
  reply = plug_message_new_error_response (request, text);
  plug_connector_send_reply (self, reply);
}

static void
handle_response (PlugConnector *self,
                 PlugMessage   *message)
{
  PlugConnectorPrivate *priv = plug_connector_get_private (self);
  g_autoptr(PlugCall) call = NULL;
  const char *error_text;
  gint64 id;

  if (!plug_message_has_id (message))
    {
      g_warning ("Plugin %s sent a response without an id", connector_name (self));
      return;
    }

  id = plug_message_get_id (message);
  if (id == priv->handshake_id)
    {
      if (priv->handshake_pending && priv->activation != NULL)
        plug_connector_handle_handshake_response (self, message);
      else
        g_debug ("Plugin %s: late or repeated handshake answer ignored", connector_name (self));
      return;
    }

  call = plug_connector_take_pending (self, id);
  if (call == NULL)
    {
      if (g_hash_table_remove (priv->abandoned_ids, &id))
        g_debug ("Plugin %s: answer to ended request %" G_GINT64_FORMAT " dropped",
                 connector_name (self), id);
      else
        g_warning ("Plugin %s answered unknown request id %" G_GINT64_FORMAT,
                   connector_name (self), id);
      return;
    }

  error_text = plug_message_get_error (message);
  if (error_text != NULL)
    plug_call_return_error_literal (call, PLUG_ERROR_FAILED, error_text);
  else
    plug_call_return_response (call, message);
}

typedef struct
{
  PlugConnector *self;
  PlugMessage *request;
  guint generation;
} EngineRequest;

static void
engine_call_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  EngineRequest *request = user_data;
  PlugConnectorPrivate *priv = plug_connector_get_private (request->self);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autoptr(PlugMessage) reply = NULL;
  gsize length;

  value = plug_engine_call_finish_text (PLUG_ENGINE (source), result, &length, &error);

  /* The connection it came on is gone: nobody to answer. */
  if (request->generation == priv->generation && priv->connected)
    {
      if (error != NULL)
        reply = plug_message_new_error_response (request->request, error->message);
      else
        {
          reply = plug_message_new_response (request->request, NULL);
          plug_message_set_payload_text (reply, value, length);
        }
      plug_connector_send_reply (request->self, reply);
    }

  g_object_unref (request->self);
  plug_message_unref (request->request);
  g_free (request);
}

static void
handle_request (PlugConnector *self,
                PlugEngine    *engine,
                PlugMessage   *message)
{
  const char *name = plug_message_get_name (message);
  const char *key = plug_message_get_key (message);
  EngineRequest *request;

  /* The client's own opening handshake (id -1): we sent ours already,
   * and a Remix client bounces any answer to it. */
  if (g_strcmp0 (key, "handshake") == 0 && name == NULL)
    return;

  if (name == NULL || *name == '\0' || key == NULL || *key == '\0')
    {
      g_warning ("Plugin %s sent a request without %s", connector_name (self),
                 name == NULL || *name == '\0' ? "\"name\"" : "\"key\"");
      reply_error (self, message, "Invalid request: it needs a \"name\" and a \"key\"");
      return;
    }

  request = g_new0 (EngineRequest, 1);
  request->self = g_object_ref (self);
  request->request = plug_message_ref (message);
  request->generation = plug_connector_get_private (self)->generation;
  plug_engine_call_request (engine, connector_name (self), message,
                            engine_call_done, request);
}

static void
forward_event (const char *emitter,
               const char *event,
               JsonArray  *args,
               gpointer    user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(PlugConnector) self = g_weak_ref_get (weak);
  g_autoptr(PlugMessage) notification = NULL;
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;

  notification = plug_message_new (PLUG_ACTION_NOTIFICATION);
  plug_message_set_name (notification, emitter);
  plug_message_set_key (notification, event);
  if (args != NULL)
    plug_message_set_args (notification, args);
  else
    {
      g_autoptr(JsonArray) none = json_array_new ();

      plug_message_set_args (notification, none);
    }

  if (!plug_connector_send (self, notification, &error))
    g_warning ("Cannot deliver event %s of %s to plugin %s: %s",
               event, emitter, connector_name (self), error->message);
}

static void
forwarder_free (gpointer data)
{
  GWeakRef *weak = data;

  g_weak_ref_clear (weak);
  g_free (weak);
}

static void
handle_subscription (PlugConnector *self,
                     PlugEngine    *engine,
                     PlugMessage   *message,
                     PlugAction     action)
{
  const char *emitter = plug_message_get_name (message);
  const char *event = plug_message_get_key (message);
  g_autoptr(GError) error = NULL;
  GWeakRef *weak;
  gboolean ok;

  if (emitter == NULL || event == NULL)
    {
      g_warning ("Plugin %s sent \"%s\" without %s", connector_name (self),
                 plug_message_get_action_name (message),
                 emitter == NULL ? "\"name\"" : "\"key\"");
      return;
    }

  if (action == PLUG_ACTION_OFF)
    {
      plug_engine_off (engine, connector_name (self), emitter, event);
      return;
    }

  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  if (action == PLUG_ACTION_ONCE)
    ok = plug_engine_once (engine, connector_name (self), emitter, event,
                           forward_event, weak, forwarder_free, &error);
  else
    ok = plug_engine_on (engine, connector_name (self), emitter, event,
                         forward_event, weak, forwarder_free, &error);
  if (!ok)
    g_warning ("Plugin %s cannot listen to %s of %s: %s",
               connector_name (self), event, emitter, error->message);
}

static void
handle_emit (PlugConnector *self,
             PlugEngine    *engine,
             PlugMessage   *message)
{
  const char *event = plug_message_get_key (message);
  g_autoptr(GError) error = NULL;

  /* Remix emits only when there is a payload. */
  if (!plug_message_has_payload (message))
    return;

  if (event == NULL || !plug_message_payload_is_array (message))
    {
      g_warning ("Plugin %s emitted an event without %s", connector_name (self),
                 event == NULL ? "\"key\"" : "an array \"payload\"");
      return;
    }

  if (!plug_engine_emit_message (engine, connector_name (self), message, &error))
    g_warning ("Plugin %s cannot emit %s: %s", connector_name (self), event, error->message);
}

static void
handle_cancel (PlugConnector *self,
               PlugEngine    *engine,
               PlugMessage   *message)
{
  const char *target = plug_message_get_name (message);
  g_autoptr(GError) error = NULL;

  if (target == NULL)
    {
      g_warning ("Plugin %s sent \"cancel\" without \"name\"", connector_name (self));
      return;
    }

  if (!plug_engine_cancel (engine, connector_name (self), target,
                           plug_message_get_key (message), &error))
    g_debug ("Plugin %s: cancel of %s failed: %s",
             connector_name (self), target, error->message);
}

static void
handle_unknown_action (PlugConnector *self,
                       PlugMessage   *message)
{
  const char *action = plug_message_get_action_name (message);
  g_autofree char *text = g_strdup_printf ("Unknown action \"%s\"", action != NULL ? action : "");

  g_warning ("Plugin %s sent a message with unknown action \"%s\"",
             connector_name (self), action != NULL ? action : "");
  reply_error (self, message, text);
}

void
plug_connector_receive (PlugConnector *self,
                        PlugMessage   *message)
{
  g_autoptr(PlugConnector) guard = NULL;
  PlugAction action;
  PlugEngine *engine;

  g_return_if_fail (PLUG_IS_CONNECTOR (self));
  g_return_if_fail (message != NULL);

  /* A handler may drop the engine's last reference to us. */
  guard = g_object_ref (self);
  action = plug_message_get_action (message);
  plug_connector_get_private (self)->n_messages_in++;

  /* A bounce is not a message (PROTOCOL.md §1). */
  if (action != PLUG_ACTION_RESPONSE && plug_message_get_error (message) != NULL)
    {
      g_message ("Plugin %s bounced a \"%s\" message: %s", connector_name (self),
                 plug_message_get_action_name (message) != NULL ? plug_message_get_action_name (message) : "",
                 plug_message_get_error (message));
      return;
    }

  if (action == PLUG_ACTION_RESPONSE)
    {
      handle_response (self, message);
      return;
    }

  engine = plug_plugin_get_engine (PLUG_PLUGIN (self));
  if (engine == NULL && action != PLUG_ACTION_UNKNOWN && action != PLUG_ACTION_NONE)
    {
      g_warning ("Plugin %s is not registered: message dropped", connector_name (self));
      reply_error (self, message, "Plugin is not registered in an engine");
      return;
    }

  switch (action)
    {
    case PLUG_ACTION_REQUEST:
      handle_request (self, engine, message);
      break;
    case PLUG_ACTION_ON:
    case PLUG_ACTION_ONCE:
    case PLUG_ACTION_OFF:
      handle_subscription (self, engine, message, action);
      break;
    case PLUG_ACTION_EMIT:
    case PLUG_ACTION_NOTIFICATION:
      handle_emit (self, engine, message);
      break;
    case PLUG_ACTION_CANCEL:
      handle_cancel (self, engine, message);
      break;
    case PLUG_ACTION_RESPONSE:
    case PLUG_ACTION_UNKNOWN:
    case PLUG_ACTION_NONE:
    default:
      handle_unknown_action (self, message);
      break;
    }
}

/* @data as a JSON string, cut to QUOTED_LINE_MAX characters ("…" marks
 * the cut); bytes that are not UTF-8 become U+FFFD. */
#define QUOTED_LINE_MAX 200

static char *
quote_line (const char *data,
            gsize       length)
{
  g_autofree char *valid = g_utf8_make_valid (data != NULL ? data : "", length);
  GString *quoted = g_string_new ("\"");
  const char *p = valid;
  guint n = 0;

  for (; *p != '\0' && n < QUOTED_LINE_MAX; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\')
        g_string_append_printf (quoted, "\\%c", (char) c);
      else if (c < 0x20)
        g_string_append_printf (quoted, "\\u%04x", c);
      else
        g_string_append_unichar (quoted, c);
    }
  g_string_append_c (quoted, '"');
  if (*p != '\0')
    g_string_insert (quoted, quoted->len - 1, "…");

  return g_string_free (quoted, FALSE);
}

void
plug_connector_receive_text (PlugConnector *self,
                             const char    *data,
                             gsize          length)
{
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PLUG_IS_CONNECTOR (self));
  g_return_if_fail (data != NULL || length == 0);

  message = plug_message_parse (data, length, &error);
  if (message == NULL)
    {
      plug_connector_get_private (self)->n_messages_in++;
      if (plug_connector_get_private (self)->activation != NULL)
        {
          g_autofree char *quoted = quote_line (data, length);

          plug_connector_fail_activation (self,
                                          g_error_new (PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                                                       "Plugin %s: its first message is not valid: %s: %s",
                                                       connector_name (self), error->message, quoted));
          return;
        }
      g_warning ("%s: dropped invalid message: %s", connector_name (self), error->message);
      return;
    }
  plug_connector_receive (self, message);
}
