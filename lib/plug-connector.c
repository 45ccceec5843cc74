/* plug-connector.c: the engine-side end of a transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deactivation and calls to the plugin; its activation (connect, then
 * the handshake) is in plug-connector-activation.c, and the messages
 * that arrive from it are dispatched in plug-connector-router.c.
 */
#include "config.h"

#include "plug-call-private.h"
#include "plug-connector-private.h"
#include "plug-connector-activation-private.h"
#include "plug-message-private.h"
#include "plug-error.h"

/* Responses to calls that ended early (timeout, cancel) are dropped
 * quietly; past this many such ids the memory of them is reset. */
#define MAX_ABANDONED_IDS 4096

typedef struct
{
  gint64 id;
  PlugCall *call;
} PendingCall;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PlugConnector, plug_connector, PLUG_TYPE_PLUGIN)

enum {
  PROP_0,
  PROP_GRACE_PERIOD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define GET_PRIV(self) ((PlugConnectorPrivate *) plug_connector_get_instance_private (self))

static const char *
connector_name (PlugConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

PlugConnectorPrivate *
plug_connector_get_private (PlugConnector *self)
{
  return GET_PRIV (self);
}

static void
pending_call_free (gpointer data)
{
  PendingCall *pending = data;

  g_object_unref (pending->call);
  g_free (pending);
}

/* The call tables, made on first use: most registered plugins never run. */
static void
ensure_tables (PlugConnectorPrivate *priv)
{
  if (priv->pending_by_id != NULL)
    return;
  priv->pending_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_call_free);
  priv->pending_by_call = g_hash_table_new (g_direct_hash, g_direct_equal);
  priv->abandoned_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* Also makes the tables: the router then reads abandoned_ids. */
PlugCall *
plug_connector_take_pending (PlugConnector *self,
                             gint64         id)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  PendingCall *pending;
  PlugCall *call;

  ensure_tables (priv);
  pending = g_hash_table_lookup (priv->pending_by_id, &id);
  if (pending == NULL)
    return NULL;
  call = g_object_ref (pending->call);
  g_hash_table_remove (priv->pending_by_call, call);
  g_hash_table_remove (priv->pending_by_id, &id);

  return call;
}

/* Ends every pending call with @error (calls already ended are left
 * alone by plug_call_end()). */
static void
fail_pending (PlugConnector *self,
              const GError  *error,
              gboolean       deactivated)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GHashTable) pending = NULL;
  GHashTableIter iter;
  PendingCall *entry;

  if (priv->pending_by_id == NULL)
    return;
  pending = g_steal_pointer (&priv->pending_by_id);
  priv->pending_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pending_call_free);
  g_hash_table_remove_all (priv->pending_by_call);
  g_hash_table_remove_all (priv->abandoned_ids);

  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      g_autoptr(GError) own_error = NULL;

      if (deactivated)
        own_error = g_error_new (PLUG_ERROR, PLUG_ERROR_FAILED,
                                 "Plugin %s was deactivated before call %s from %s finished",
                                 connector_name (self),
                                 plug_call_get_method (entry->call),
                                 plug_call_get_caller (entry->call));
      plug_call_end (entry->call, own_error != NULL ? own_error : error);
    }
}

/* Sending */

gboolean
plug_connector_send (PlugConnector  *self,
                     PlugMessage    *message,
                     GError        **error)
{
  PlugConnectorClass *klass;

  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  klass = PLUG_CONNECTOR_GET_CLASS (self);
  if (klass->send == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Connector of plugin %s cannot send", connector_name (self));
      return FALSE;
    }

  if (!klass->send (self, message, error))
    return FALSE;
  GET_PRIV (self)->n_messages_out++;
  return TRUE;
}

void
plug_connector_send_reply (PlugConnector *self,
                           PlugMessage   *reply)
{
  g_autoptr(GError) error = NULL;

  if (!plug_connector_send (self, reply, &error))
    g_debug ("Plugin %s: reply to %s dropped: %s",
             connector_name (self), plug_message_get_key (reply), error->message);
}

/* Deactivation */

static void
deactivate_disconnected (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  PlugConnector *self = PLUG_CONNECTOR (source);
  g_autoptr(GTask) task = user_data;
  PlugConnectorClass *klass = PLUG_CONNECTOR_GET_CLASS (self);
  g_autoptr(GError) error = NULL;

  if (klass->disconnect_finish != NULL && !klass->disconnect_finish (self, result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
plug_connector_deactivate (PlugPlugin          *plugin,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  PlugConnector *self = PLUG_CONNECTOR (plugin);
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  gboolean was_connected = priv->connected;

  g_task_set_source_tag (task, plug_connector_deactivate);

  /* Whatever happens to the transport now is no longer a loss. */
  priv->connected = FALSE;
  priv->handshake_pending = FALSE;
  priv->generation++;
  if (priv->connecting)
    {
      priv->connecting = FALSE;
      g_cancellable_cancel (priv->connect_cancellable);
    }
  plug_connector_fail_activation (self,
                                  g_error_new (PLUG_ERROR, PLUG_ERROR_FAILED,
                                               "Plugin %s was deactivated during its activation",
                                               connector_name (self)));
  fail_pending (self, NULL, TRUE);

  if (!was_connected)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  PLUG_CONNECTOR_GET_CLASS (self)->disconnect (self, deactivate_disconnected,
                                               g_steal_pointer (&task));
}

static gboolean
plug_connector_deactivate_finish (PlugPlugin    *plugin,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Calls to the plugin */

static void
plug_connector_call_method (PlugPlugin *plugin,
                            PlugCall   *call)
{
  PlugConnector *self = PLUG_CONNECTOR (plugin);
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(PlugMessage) request = NULL;
  g_autoptr(GError) error = NULL;
  const char *args_text;
  gsize args_length;
  PendingCall *pending;

  pending = g_new0 (PendingCall, 1);
  pending->id = priv->next_id++;
  pending->call = g_object_ref (call);
  ensure_tables (priv);
  g_hash_table_insert (priv->pending_by_id, &pending->id, pending);
  g_hash_table_insert (priv->pending_by_call, call, pending);

  args_text = plug_call_peek_args_text (call, &args_length);
  request = plug_message_new_request (pending->id, connector_name (self),
                                      plug_call_get_method (call),
                                      args_text == NULL ? plug_call_get_args (call) : NULL);
  if (args_text != NULL)
    plug_message_set_payload_text (request, args_text, args_length);
  plug_message_set_request_info (request, plug_call_get_caller (call),
                                 plug_call_get_path (call));

  if (!plug_connector_send (self, request, &error))
    {
      g_autoptr(PlugCall) failed = plug_connector_take_pending (self, pending->id);

      if (error->domain == PLUG_ERROR)
        plug_call_return_error (failed, error);
      else
        plug_call_return_error_literal (failed, PLUG_ERROR_FAILED, error->message);
    }
}

static void
plug_connector_cancel_call (PlugPlugin *plugin,
                            PlugCall   *call)
{
  PlugConnector *self = PLUG_CONNECTOR (plugin);
  PlugConnectorPrivate *priv = GET_PRIV (self);
  PendingCall *pending;
  g_autoptr(PlugMessage) cancel = NULL;
  g_autoptr(PlugCall) owned = NULL;
  gint64 id;

  if (priv->pending_by_call == NULL ||
      (pending = g_hash_table_lookup (priv->pending_by_call, call)) == NULL)
    return;

  id = pending->id;
  owned = plug_connector_take_pending (self, id);
  if (g_hash_table_size (priv->abandoned_ids) >= MAX_ABANDONED_IDS)
    g_hash_table_remove_all (priv->abandoned_ids);
  g_hash_table_add (priv->abandoned_ids, g_memdup2 (&id, sizeof id));

  cancel = plug_message_new (PLUG_ACTION_CANCEL);
  plug_message_set_id (cancel, id);
  plug_message_set_name (cancel, connector_name (self));
  plug_message_set_key (cancel, plug_call_get_method (call));
  plug_connector_send_reply (self, cancel);
}

/* Lost transport: pending calls fail with the cause at once, before the
 * engine's own handlers deactivate the plugin. */
static void
on_lost (PlugPlugin   *plugin,
         const GError *cause,
         gpointer      user_data)
{
  PlugConnector *self = PLUG_CONNECTOR (plugin);
  PlugConnectorPrivate *priv = GET_PRIV (self);
  g_autoptr(GError) error = NULL;

  if (cause != NULL)
    error = g_error_copy (cause);
  else
    error = g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                         "Plugin %s lost its connection", connector_name (self));

  g_object_ref (self);
  fail_pending (self, error, FALSE);
  if (priv->activation != NULL)
    plug_connector_fail_activation (self, g_error_copy (error));
  g_object_unref (self);
}

static void
plug_connector_finalize (GObject *object)
{
  PlugConnector *self = PLUG_CONNECTOR (object);
  PlugConnectorPrivate *priv = GET_PRIV (self);

  g_assert (priv->activation == NULL);
  g_clear_pointer (&priv->pending_by_call, g_hash_table_unref);
  g_clear_pointer (&priv->pending_by_id, g_hash_table_unref);
  g_clear_pointer (&priv->abandoned_ids, g_hash_table_unref);
  g_clear_object (&priv->connect_cancellable);
  g_clear_error (&priv->handshake_send_error);

  G_OBJECT_CLASS (plug_connector_parent_class)->finalize (object);
}

static void
plug_connector_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PlugConnectorPrivate *priv = GET_PRIV (PLUG_CONNECTOR (object));

  switch (prop_id)
    {
    case PROP_GRACE_PERIOD:
      g_value_set_uint (value, priv->grace_period_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_connector_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PlugConnectorPrivate *priv = GET_PRIV (PLUG_CONNECTOR (object));

  switch (prop_id)
    {
    case PROP_GRACE_PERIOD:
      priv->grace_period_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The default of connect_finish and disconnect_finish: @result is the
 * GTask of a connect or disconnect that returns a boolean. */
static gboolean
plug_connector_real_finish (PlugConnector  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
plug_connector_class_init (PlugConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugPluginClass *plugin_class = PLUG_PLUGIN_CLASS (klass);

  object_class->finalize = plug_connector_finalize;
  object_class->get_property = plug_connector_get_property;
  object_class->set_property = plug_connector_set_property;

  plugin_class->activate = plug_connector_activate;
  plugin_class->activate_finish = plug_connector_activate_finish;
  plugin_class->deactivate = plug_connector_deactivate;
  plugin_class->deactivate_finish = plug_connector_deactivate_finish;
  plugin_class->call_method = plug_connector_call_method;
  plugin_class->cancel_call = plug_connector_cancel_call;

  klass->connect_finish = plug_connector_real_finish;
  klass->disconnect_finish = plug_connector_real_finish;

  properties[PROP_GRACE_PERIOD] =
    g_param_spec_uint ("grace-period", NULL, NULL,
                       0, G_MAXUINT, PLUG_CONNECTOR_DEFAULT_GRACE_PERIOD_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* "lost" runs its class handler first: no handler per instance. */
  g_signal_override_class_handler ("lost", G_TYPE_FROM_CLASS (klass), G_CALLBACK (on_lost));
}

static void
plug_connector_init (PlugConnector *self)
{
  PlugConnectorPrivate *priv = GET_PRIV (self);

  priv->handshake_id = G_MININT64;
  priv->grace_period_ms = PLUG_CONNECTOR_DEFAULT_GRACE_PERIOD_MS;
}

guint
plug_connector_get_grace_period (PlugConnector *self)
{
  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), 0);

  return GET_PRIV (self)->grace_period_ms;
}

guint
plug_connector_get_n_pending (PlugConnector *self)
{
  PlugConnectorPrivate *priv;

  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), 0);

  priv = GET_PRIV (self);
  return priv->pending_by_id != NULL ? g_hash_table_size (priv->pending_by_id) : 0;
}

gint
plug_connector_get_protocol_version (PlugConnector *self)
{
  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), 0);

  return GET_PRIV (self)->protocol_version;
}

guint64
plug_connector_get_n_messages_in (PlugConnector *self)
{
  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), 0);

  return GET_PRIV (self)->n_messages_in;
}

guint64
plug_connector_get_n_messages_out (PlugConnector *self)
{
  g_return_val_if_fail (PLUG_IS_CONNECTOR (self), 0);

  return GET_PRIV (self)->n_messages_out;
}
