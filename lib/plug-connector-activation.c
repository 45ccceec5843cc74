/* plug-connector-activation.c: a connector's activation: connect, then
 * the handshake and its protocol version
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-connector-private.h"
#include "plug-connector-activation-private.h"
#include "plug-message-private.h"
#include "plug-engine-private.h"
#include "plug-error.h"
#include "plug-protocol-private.h"

#define GET_PRIV(self) plug_connector_get_private (self)

static const char *
connector_name (PlugConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static void
disconnect_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PlugConnector *self = PLUG_CONNECTOR (source);
  g_autoptr(GError) error = NULL;
  PlugConnectorClass *klass = PLUG_CONNECTOR_GET_CLASS (self);

  if (klass->disconnect_finish != NULL && !klass->disconnect_finish (self, result, &error))
    g_debug ("Plugin %s: disconnect failed: %s", connector_name (self), error->message);
}

/* Closes the transport after a failed activation; nobody waits for it. */
static void
disconnect_in_background (PlugConnector *self)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);

  if (!priv->connected)
    return;
  priv->connected = FALSE;
  priv->handshake_pending = FALSE;
  PLUG_CONNECTOR_GET_CLASS (self)->disconnect (self, disconnect_done, NULL);
}

static void
stop_activation_watch (PlugConnector *self,
                       GTask         *task)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);

  g_clear_error (&priv->handshake_send_error);
  if (priv->start_timer != NULL)
    {
      g_source_destroy (priv->start_timer);
      g_clear_pointer (&priv->start_timer, g_source_unref);
    }
  if (priv->activation_cancel_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), priv->activation_cancel_id);
      priv->activation_cancel_id = 0;
    }
}

static void
fail_activation (PlugConnector *self,
                 GError        *error)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GTask) task = g_steal_pointer (&priv->activation);

  if (task == NULL)
    {
      g_error_free (error);
      return;
    }

  stop_activation_watch (self, task);
  if (priv->connecting)
    {
      /* connect_done() closes what a late connect still opens. */
      priv->connecting = FALSE;
      priv->generation++;
      g_cancellable_cancel (priv->connect_cancellable);
    }
  disconnect_in_background (self);
  g_task_return_error (task, error);
}

void
plug_connector_fail_activation (PlugConnector *self,
                                GError        *error)
{
  fail_activation (self, error);
}

static void
finish_activation (PlugConnector *self)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GTask) task = g_steal_pointer (&priv->activation);

  if (task == NULL)
    return;
  stop_activation_watch (self, task);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_start_timeout (gpointer user_data)
{
  PlugConnector *self = user_data;
  PlugConnectorPrivate *priv = GET_PRIV (self);
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));

  g_clear_pointer (&priv->start_timer, g_source_unref);
  g_object_ref (self);
  if (priv->handshake_send_error != NULL)
    fail_activation (self, g_steal_pointer (&priv->handshake_send_error));
  else
    fail_activation (self, g_error_new (PLUG_ERROR, PLUG_ERROR_START_TIMEOUT,
                                        "Plugin %s did not answer the handshake within %u ms",
                                        connector_name (self),
                                        plug_profile_get_start_timeout (profile)));
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

static gboolean
on_activation_cancelled_idle (gpointer user_data)
{
  PlugConnector *self = user_data;
  PlugConnectorPrivate *priv = GET_PRIV (self);

  if (priv->activation != NULL &&
      g_cancellable_is_cancelled (g_task_get_cancellable (priv->activation)))
    fail_activation (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "Activation of plugin %s was cancelled",
                                        connector_name (self)));
  return G_SOURCE_REMOVE;
}

/* May run in any thread, with the cancellable's lock held: defer. */
static void
on_activation_cancelled (GCancellable *cancellable,
                         gpointer      user_data)
{
  g_main_context_invoke_full (g_task_get_context (G_TASK (user_data)), G_PRIORITY_DEFAULT,
                              on_activation_cancelled_idle,
                              g_object_ref (g_task_get_source_object (G_TASK (user_data))),
                              g_object_unref);
}

static void
send_handshake (PlugConnector *self)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(PlugMessage) request = NULL;
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(JsonObject) offer = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_string_element (args, connector_name (self));
  json_array_add_string_element (args, PLUG_ENGINE_HANDSHAKE_NAME);
  priv->handshake_id = priv->next_id++;
  priv->handshake_pending = TRUE;
  request = plug_message_new_request (priv->handshake_id, connector_name (self), "handshake", args);
  offer = plug_protocol_new_offer ();
  plug_message_set_protocol (request, offer);

  /* The transport is gone already: the subclass reports the loss with
   * its cause (an exit status is worth waiting for), else the start
   * timeout ends the activation with this error. */
  if (!plug_connector_send (self, request, &error))
    {
      g_debug ("Plugin %s: handshake not sent: %s", connector_name (self), error->message);
      g_clear_error (&priv->handshake_send_error);
      priv->handshake_send_error = g_steal_pointer (&error);
    }
}

typedef struct
{
  PlugConnector *self;
  guint generation;
} ConnectData;

static void
connect_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConnectData *data = user_data;
  g_autoptr(PlugConnector) self = data->self;
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;
  gboolean current = data->generation == priv->generation;
  gboolean ok;

  g_free (data);
  ok = PLUG_CONNECTOR_GET_CLASS (self)->connect_finish (self, result, &error);
  if (current)
    priv->connecting = FALSE;

  /* The activation failed or was abandoned meanwhile. */
  if (!current || priv->activation == NULL)
    {
      if (ok)
        PLUG_CONNECTOR_GET_CLASS (self)->disconnect (self, disconnect_done, NULL);
      return;
    }

  if (!ok)
    {
      fail_activation (self, g_steal_pointer (&error));
      return;
    }

  priv->connected = TRUE;
  send_handshake (self);
}

void
plug_connector_activate (PlugPlugin          *plugin,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  PlugConnector *self = PLUG_CONNECTOR (plugin);
  PlugConnectorPrivate *priv = GET_PRIV (self);
  PlugProfile *profile = plug_plugin_get_profile (plugin);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  ConnectData *data;

  g_task_set_source_tag (task, plug_connector_activate);

  if (priv->activation != NULL || priv->connected || priv->connecting)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Plugin %s is already being activated", connector_name (self));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  priv->activation = g_object_ref (task);
  priv->generation++;
  priv->connecting = TRUE;
  g_clear_object (&priv->connect_cancellable);
  priv->connect_cancellable = g_cancellable_new ();

  priv->start_timer = g_timeout_source_new (plug_profile_get_start_timeout (profile));
  g_source_set_callback (priv->start_timer, on_start_timeout, self, NULL);
  g_source_set_static_name (priv->start_timer, "PlugConnector start timeout");
  g_source_attach (priv->start_timer, context);

  if (cancellable != NULL)
    priv->activation_cancel_id = g_cancellable_connect (cancellable,
                                                        G_CALLBACK (on_activation_cancelled),
                                                        task, NULL);

  data = g_new0 (ConnectData, 1);
  data->self = g_object_ref (self);
  data->generation = priv->generation;
  PLUG_CONNECTOR_GET_CLASS (self)->connect (self, priv->connect_cancellable, connect_done, data);
}

gboolean
plug_connector_activate_finish (PlugPlugin    *plugin,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Protocol versions (plug-protocol-private.h) */

char *
plug_protocol_format_versions (JsonArray *versions)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      JsonNode *node = json_array_get_element (versions, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%" G_GINT64_FORMAT, json_node_get_int (node));
    }
  if (text->len == 0)
    g_string_append (text, "none");

  return g_string_free (text, FALSE);
}

JsonObject *
plug_protocol_new_offer (void)
{
  JsonObject *offer = json_object_new ();
  JsonArray *versions = json_array_new ();

  for (gint64 v = PLUG_PROTOCOL_VERSION_MIN; v <= PLUG_PROTOCOL_VERSION_MAX; v++)
    json_array_add_int_element (versions, v);
  json_object_set_array_member (offer, "versions", versions);

  return offer;
}

static gboolean
is_offered (gint64 version)
{
  return version >= PLUG_PROTOCOL_VERSION_MIN && version <= PLUG_PROTOCOL_VERSION_MAX;
}

/* The client's choice among the versions we offered. No `protocol` at all
 * is a Remix client: version 0. */
static gboolean
check_protocol (PlugConnector  *self,
                PlugMessage    *message,
                GError        **error)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  JsonObject *protocol = plug_message_get_protocol (message);
  g_autoptr(JsonObject) offer = NULL;
  g_autoptr(JsonArray) theirs = NULL;
  g_autofree char *ours_text = NULL;
  g_autofree char *theirs_text = NULL;
  JsonNode *node;

  priv->protocol_version = 0;
  if (protocol == NULL)
    return TRUE;

  node = json_object_get_member (protocol, "version");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64 &&
      is_offered (json_node_get_int (node)))
    {
      priv->protocol_version = (gint) json_node_get_int (node);
      return TRUE;
    }

  /* What the client says it speaks: its list, or its one bad pick. */
  if (node != NULL)
    {
      theirs = json_array_new ();
      json_array_add_element (theirs, json_node_copy (node));
    }
  else if (json_object_has_member (protocol, "versions") &&
           JSON_NODE_HOLDS_ARRAY (json_object_get_member (protocol, "versions")))
    theirs = json_array_ref (json_object_get_array_member (protocol, "versions"));

  offer = plug_protocol_new_offer ();
  ours_text = plug_protocol_format_versions (json_object_get_array_member (offer, "versions"));
  theirs_text = plug_protocol_format_versions (theirs);
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
               "Plugin %s speaks plugctl protocol versions %s; plugctl %s offers %s: "
               "no version in common",
               connector_name (self), theirs_text, PACKAGE_VERSION, ours_text);
  return FALSE;
}

void
plug_connector_handle_handshake_response (PlugConnector *self,
                                          PlugMessage   *message)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  PlugPlugin *plugin = PLUG_PLUGIN (self);
  const char *error_text = plug_message_get_error (message);
  JsonArray *methods = plug_message_get_args (message);
  GError *error = NULL;

  priv->handshake_pending = FALSE;

  if (!check_protocol (self, message, &error))
    {
      fail_activation (self, g_steal_pointer (&error));
      return;
    }
  if (error_text != NULL)
    {
      fail_activation (self, g_error_new_literal (PLUG_ERROR, PLUG_ERROR_FAILED, error_text));
      return;
    }

  if (methods != NULL)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      PlugEngine *engine = plug_plugin_get_engine (plugin);

      for (guint i = 0; i < json_array_get_length (methods); i++)
        {
          JsonNode *node = json_array_get_element (methods, i);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_ptr_array_add (names, (gpointer) json_node_get_string (node));
        }
      g_ptr_array_add (names, NULL);
      plug_profile_set_methods (plug_plugin_get_profile (plugin),
                                (const char * const *) names->pdata);
      if (engine != NULL)
        plug_engine_profile_updated (engine, plugin);
    }

  finish_activation (self);
}
