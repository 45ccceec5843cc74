/* plug-dbus-connector.c: plugins as D-Bus services
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With `"protocol":"plugctl"` this is a #PlugConnector like the others:
 * connect() activates the service, send() calls its `Message`, and its
 * `Message` signals are what it receives. With `"protocol":"dbus"` there
 * is no wire handshake: activate, deactivate and call_method of
 * #PlugPlugin are overridden and go to PlugDBusService.
 */
#include "config.h"

#include "plug-dbus-bus.h"
#include "plug-dbus-connector.h"
#include "plug-dbus-service.h"

struct _PlugDBusConnector
{
  PlugConnector    parent_instance;

  PlugDBusTarget  *target;        /* read at each activation */
  GDBusConnection *connection;
  char            *connection_bus;  /* the `bus` it was opened for */
  guint            watch_id;      /* of the service: its leaving is a loss */
  gboolean         vanished;
  guint            serial;        /* of the activation in progress */

  /* "protocol":"plugctl" */
  char            *owner;         /* unique name of the plugin service */
  guint            message_id;    /* its Message signal */
  guint            messages_id;   /* its Messages signal (a batch) */
  GTask           *leaving;       /* a disconnect waiting for it to go */
  GSource         *leave_timer;
  GTask           *connect_after_leaving;

  /* "protocol":"dbus" */
  PlugDBusService *service;
};

G_DEFINE_FINAL_TYPE (PlugDBusConnector, plug_dbus_connector, PLUG_TYPE_CONNECTOR)

static const char *
plugin_name (PlugDBusConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static gboolean
uses_dbus_protocol (PlugDBusConnector *self)
{
  return self->target != NULL && self->target->protocol == PLUG_DBUS_PROTOCOL_DBUS;
}

static void
unsubscribe_messages (PlugDBusConnector *self)
{
  if (self->message_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->message_id);
  if (self->messages_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->messages_id);
  self->message_id = self->messages_id = 0;
}

/* Lets go of the bus: the service, its signals and its watch. */
static void
release_bus (PlugDBusConnector *self)
{
  unsubscribe_messages (self);
  if (self->watch_id != 0)
    {
      g_bus_unwatch_name (self->watch_id);
      self->watch_id = 0;
    }
  g_clear_pointer (&self->service, plug_dbus_service_free);
  g_clear_pointer (&self->owner, g_free);
  if (self->connection != NULL)
    plug_dbus_bus_release (self->connection, self->connection_bus);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->connection_bus, g_free);
}

static void
set_connection (PlugDBusConnector *self,
                GDBusConnection   *connection)
{
  self->connection = connection;
  self->connection_bus = g_strdup (self->target->bus);
}

/* The service's name */

static void finish_leaving (PlugDBusConnector *self);

static void
on_name_vanished (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  PlugDBusConnector *self = user_data;
  g_autoptr(GError) error = NULL;
  PlugPluginState state;

  self->vanished = TRUE;
  if (self->leaving != NULL)
    {
      finish_leaving (self);
      return;
    }

  state = plug_plugin_get_state (PLUG_PLUGIN (self));
  if (state != PLUG_PLUGIN_STATE_ACTIVE && state != PLUG_PLUGIN_STATE_ACTIVATING)
    return;

  error = g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                       "Plugin %s: D-Bus service %s left the bus",
                       plugin_name (self), self->target->service);
  g_object_ref (self);
  plug_plugin_lost (PLUG_PLUGIN (self), error);
  g_object_unref (self);
}

static void
watch_name (PlugDBusConnector *self,
            const char        *name)
{
  self->vanished = FALSE;
  self->watch_id = g_bus_watch_name_on_connection (self->connection, name,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   NULL, on_name_vanished,
                                                   self, NULL);
}

/* Each step of an activation checks it is still the current one. */
static gboolean
task_is_current (PlugDBusConnector *self,
                 GTask             *task)
{
  if (g_task_return_error_if_cancelled (task))
    return FALSE;
  if (GPOINTER_TO_UINT (g_task_get_task_data (task)) == self->serial)
    return TRUE;

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "Activation of plugin %s was abandoned", plugin_name (self));
  return FALSE;
}

static GTask *
new_activation_task (PlugDBusConnector   *self,
                     gpointer             source_tag,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, GUINT_TO_POINTER (++self->serial), NULL);
  return task;
}

/* "protocol":"plugctl": PlugConnector */

static void
on_message_signal (GDBusConnection *connection,
                   const char      *sender_name,
                   const char      *object_path,
                   const char      *interface_name,
                   const char      *signal_name,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  PlugDBusConnector *self = user_data;
  g_autoptr(GVariant) message = NULL;
  const char *text;
  gsize length;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(s)")))
    {
      g_warning ("Plugin %s: dropped a Message signal of type %s",
                 plugin_name (self), g_variant_get_type_string (parameters));
      return;
    }

  /* Not g_variant_get (): its format string is parsed on every message. */
  message = g_variant_get_child_value (parameters, 0);
  text = g_variant_get_string (message, &length);
  plug_spin_note_activity ();
  g_object_ref (self);
  plug_connector_receive_text (PLUG_CONNECTOR (self), text, length);
  g_object_unref (self);
}

/* What a plugctl client sent in one go (it does once our handshake said
 * we take it): an event and the answer that follows it, say. */
static void
on_messages_signal (GDBusConnection *connection,
                    const char      *sender_name,
                    const char      *object_path,
                    const char      *interface_name,
                    const char      *signal_name,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  PlugDBusConnector *self = user_data;
  g_autoptr(GVariant) messages = NULL;
  gsize n;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(as)")))
    {
      g_warning ("Plugin %s: dropped a Messages signal of type %s",
                 plugin_name (self), g_variant_get_type_string (parameters));
      return;
    }

  messages = g_variant_get_child_value (parameters, 0);
  n = g_variant_n_children (messages);
  plug_spin_note_activity ();
  g_object_ref (self);
  for (gsize i = 0; i < n && self->owner != NULL; i++)
    {
      g_autoptr(GVariant) message = g_variant_get_child_value (messages, i);
      gsize length;
      const char *text = g_variant_get_string (message, &length);

      plug_connector_receive_text (PLUG_CONNECTOR (self), text, length);
    }
  g_object_unref (self);
}

static void
on_plugin_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugDBusConnector *self = g_task_get_source_object (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;
  g_autoptr(GMainContext) context = NULL;

  reply = plug_dbus_call_with_sender_finish (result, &owner, &error);
  if (!task_is_current (self, task))
    return;
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Plugin %s: cannot start D-Bus service %s: %s",
                               plugin_name (self), self->target->service, error->message);
      return;
    }

  self->owner = g_steal_pointer (&owner);
  /* Unicast to us: no match rule needed. */
  self->message_id = g_dbus_connection_signal_subscribe (self->connection, self->owner,
                                                         PLUG_DBUS_PLUGIN_INTERFACE, "Message",
                                                         PLUG_DBUS_PLUGIN_PATH, NULL,
                                                         G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                                         on_message_signal, self, NULL);
  self->messages_id = g_dbus_connection_signal_subscribe (self->connection, self->owner,
                                                          PLUG_DBUS_PLUGIN_INTERFACE, "Messages",
                                                          PLUG_DBUS_PLUGIN_PATH, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                                          on_messages_signal, self, NULL);
  /* GDBus's worker thread wakes this context for each message. */
  context = g_main_context_ref_thread_default ();
  plug_spin_attach (context);
  /* Its unique name goes when its process does. */
  watch_name (self, self->owner);
  g_task_return_boolean (task, TRUE);
}

static void
on_connect_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugDBusConnector *self = g_task_get_source_object (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = plug_dbus_bus_get_finish (result, &error);
  if (!task_is_current (self, task))
    return;
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  set_connection (self, g_steal_pointer (&connection));
  /* D-Bus activation starts it; the base class's start timeout bounds this. */
  plug_dbus_call_with_sender (self->connection, self->target->service,
                              PLUG_DBUS_PLUGIN_PATH, PLUG_DBUS_PLUGIN_INTERFACE,
                              "Connect", NULL, G_MAXINT,
                              g_task_get_cancellable (task),
                              on_plugin_connected, g_object_ref (task));
}

static void
start_connect (PlugDBusConnector *self,
               GTask             *task)
{
  release_bus (self);
  plug_dbus_bus_get (self->target->bus, g_task_get_cancellable (task),
                     on_connect_bus, task);
}

static void
plug_dbus_connector_connect (PlugConnector       *connector,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (connector);
  GTask *task = new_activation_task (self, plug_dbus_connector_connect,
                                     cancellable, callback, user_data);

  /* The last run must be off the bus first, or it would take this
   * run's Connect. */
  if (self->leaving != NULL)
    {
      g_clear_object (&self->connect_after_leaving);
      self->connect_after_leaving = task;
      return;
    }

  start_connect (self, task);
}

static void
finish_leaving (PlugDBusConnector *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->leaving);
  g_autoptr(GTask) connect = g_steal_pointer (&self->connect_after_leaving);

  if (self->leave_timer != NULL)
    {
      g_source_destroy (self->leave_timer);
      g_clear_pointer (&self->leave_timer, g_source_unref);
    }
  release_bus (self);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
  if (connect != NULL && task_is_current (self, connect))
    start_connect (self, g_steal_pointer (&connect));
}

static gboolean
on_leave_timeout (gpointer user_data)
{
  PlugDBusConnector *self = user_data;

  g_debug ("Plugin %s: D-Bus service %s did not leave the bus within %u ms of Quit",
           plugin_name (self), self->target->service, plug_connector_get_grace_period (PLUG_CONNECTOR (self)));
  g_clear_pointer (&self->leave_timer, g_source_unref);
  finish_leaving (self);

  return G_SOURCE_REMOVE;
}

/* ("text"), taking @text: no copy, no format string to parse. */
static GVariant *
message_body (char *text)
{
  GVariant *child = g_variant_new_take_string (text);

  return g_variant_new_tuple (&child, 1);
}

static gboolean
send_to_plugin (PlugDBusConnector  *self,
                const char         *method,
                GVariant           *parameters,
                GError            **error)
{
  g_autoptr(GDBusMessage) message = NULL;

  message = g_dbus_message_new_method_call (self->owner, PLUG_DBUS_PLUGIN_PATH,
                                            PLUG_DBUS_PLUGIN_INTERFACE, method);
  if (parameters != NULL)
    g_dbus_message_set_body (message, parameters);
  g_dbus_message_set_flags (message, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED |
                                     G_DBUS_MESSAGE_FLAGS_NO_AUTO_START);

  return g_dbus_connection_send_message (self->connection, message,
                                         G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, error);
}

static void
plug_dbus_connector_disconnect (PlugConnector       *connector,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, plug_dbus_connector_disconnect);

  if (self->leaving != NULL)
    {
      /* Already on its way out: this one need not wait. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  unsubscribe_messages (self);

  if (self->owner == NULL || self->vanished ||
      !send_to_plugin (self, "Quit", NULL, &error))
    {
      if (error != NULL)
        g_debug ("Plugin %s: Quit not sent: %s", plugin_name (self), error->message);
      release_bus (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Returns when the service has left the bus, so that the next
   * activation starts a new one. */
  self->leaving = g_steal_pointer (&task);
  self->leave_timer = g_timeout_source_new (plug_connector_get_grace_period (PLUG_CONNECTOR (self)));
  g_source_set_callback (self->leave_timer, on_leave_timeout, self, NULL);
  g_source_set_static_name (self->leave_timer, "[plugctl] dbus leave timer");
  g_source_attach (self->leave_timer, g_main_context_get_thread_default ());
}

static gboolean
is_handshake_request (PlugMessage *message)
{
  return plug_message_get_action (message) == PLUG_ACTION_REQUEST &&
         g_strcmp0 (plug_message_get_key (message), "handshake") == 0 &&
         plug_message_get_protocol (message) != NULL;
}

/* The handshake request, telling a plugctl client that it may send
 * several messages in one Messages signal ("protocol":{…,"batches":true};
 * others ignore the member). */
static char *
offer_batches (PlugMessage *handshake)
{
  JsonObject *offer = plug_message_get_protocol (handshake);
  g_autoptr(JsonObject) protocol = json_object_new ();
  g_autoptr(PlugMessage) copy = NULL;
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  json_object_iter_init (&iter, offer);
  while (json_object_iter_next (&iter, &member_name, &member))
    json_object_set_member (protocol, member_name, json_node_copy (member));
  json_object_set_boolean_member (protocol, "batches", TRUE);

  copy = plug_message_new_request (plug_message_get_id (handshake),
                                   plug_message_get_name (handshake),
                                   plug_message_get_key (handshake),
                                   plug_message_get_args (handshake));
  plug_message_set_protocol (copy, protocol);
  return plug_message_to_string (copy);
}

static gboolean
plug_dbus_connector_send (PlugConnector  *connector,
                          PlugMessage    *message,
                          GError        **error)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (connector);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->owner == NULL || self->vanished || self->leaving != NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s: D-Bus service %s is not connected",
                   plugin_name (self), self->target != NULL ? self->target->service : "");
      return FALSE;
    }

  text = is_handshake_request (message) ? offer_batches (message)
                                         : plug_message_to_string (message);
  plug_spin_note_activity ();
  if (!send_to_plugin (self, "Message", message_body (g_steal_pointer (&text)), &local_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s: cannot send: %s", plugin_name (self), local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* "protocol":"dbus": PlugPlugin */

static void
on_service_opened (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugDBusConnector *self = g_task_get_source_object (task);
  g_autoptr(PlugDBusService) service = NULL;
  g_autoptr(GError) error = NULL;
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));

  service = plug_dbus_service_open_finish (result, &error);
  if (!task_is_current (self, task))
    return;
  if (service == NULL)
    {
      release_bus (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The engine checks calls against the profile once we are active. */
  plug_profile_set_methods (profile, plug_dbus_service_get_methods (service));
  plug_profile_set_events (profile, plug_dbus_service_get_signals (service));
  self->service = g_steal_pointer (&service);
  watch_name (self, self->target->service);
  g_task_return_boolean (task, TRUE);
}

static void
on_service_bus (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugDBusConnector *self = g_task_get_source_object (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));

  connection = plug_dbus_bus_get_finish (result, &error);
  if (!task_is_current (self, task))
    return;
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  set_connection (self, g_steal_pointer (&connection));
  plug_dbus_service_open (PLUG_PLUGIN (self), self->connection, self->target,
                          plug_profile_get_start_timeout (profile),
                          g_task_get_cancellable (task),
                          on_service_opened, g_object_ref (task));
}

static void
plug_dbus_connector_activate (PlugPlugin          *plugin,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (plugin);
  g_autoptr(PlugDBusTarget) target = NULL;
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  target = plug_dbus_target_new_from_profile (plug_plugin_get_profile (plugin), &error);
  if (target == NULL)
    {
      task = new_activation_task (self, plug_dbus_connector_activate,
                                  cancellable, callback, user_data);
      g_task_return_error (task, error);
      return;
    }

  /* The profile may have changed since the last activation. */
  g_clear_pointer (&self->target, plug_dbus_target_free);
  self->target = g_steal_pointer (&target);

  if (!uses_dbus_protocol (self))
    {
      PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->activate (plugin, cancellable,
                                                                      callback, user_data);
      return;
    }

  task = new_activation_task (self, plug_dbus_connector_activate,
                              cancellable, callback, user_data);
  release_bus (self);
  plug_dbus_bus_get (self->target->bus, cancellable, on_service_bus, g_steal_pointer (&task));
}

static gboolean
plug_dbus_connector_activate_finish (PlugPlugin    *plugin,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  if (g_async_result_is_tagged (result, plug_dbus_connector_activate))
    return g_task_propagate_boolean (G_TASK (result), error);

  return PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->activate_finish (plugin, result, error);
}

static void
plug_dbus_connector_deactivate (PlugPlugin          *plugin,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (plugin);
  g_autoptr(GTask) task = NULL;

  if (!uses_dbus_protocol (self))
    {
      PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->deactivate (plugin, callback, user_data);
      return;
    }

  /* Nothing to stop: the service is not ours. */
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, plug_dbus_connector_deactivate);
  self->serial++;
  release_bus (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
plug_dbus_connector_deactivate_finish (PlugPlugin    *plugin,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  if (g_async_result_is_tagged (result, plug_dbus_connector_deactivate))
    return g_task_propagate_boolean (G_TASK (result), error);

  return PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->deactivate_finish (plugin, result, error);
}

static void
plug_dbus_connector_call_method (PlugPlugin *plugin,
                                 PlugCall   *call)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (plugin);

  if (!uses_dbus_protocol (self))
    PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->call_method (plugin, call);
  else if (self->service != NULL)
    plug_dbus_service_call (self->service, call);
  else
    plug_call_return_error_printf (call, PLUG_ERROR_PLUGIN_EXITED,
                                   "Plugin %s: D-Bus service %s is not connected",
                                   plugin_name (self), self->target->service);
}

static void
plug_dbus_connector_cancel_call (PlugPlugin *plugin,
                                 PlugCall   *call)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (plugin);

  /* For "dbus", the call's own cancellable cancels the D-Bus call. */
  if (!uses_dbus_protocol (self))
    PLUG_PLUGIN_CLASS (plug_dbus_connector_parent_class)->cancel_call (plugin, call);
}

/* GObject */

static void
plug_dbus_connector_dispose (GObject *object)
{
  PlugDBusConnector *self = PLUG_DBUS_CONNECTOR (object);

  g_assert (self->leaving == NULL);
  g_clear_object (&self->connect_after_leaving);
  if (self->owner != NULL && !self->vanished)
    send_to_plugin (self, "Quit", NULL, NULL);
  release_bus (self);
  g_clear_pointer (&self->target, plug_dbus_target_free);

  G_OBJECT_CLASS (plug_dbus_connector_parent_class)->dispose (object);
}

static void
plug_dbus_connector_class_init (PlugDBusConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugPluginClass *plugin_class = PLUG_PLUGIN_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->dispose = plug_dbus_connector_dispose;

  plugin_class->activate = plug_dbus_connector_activate;
  plugin_class->activate_finish = plug_dbus_connector_activate_finish;
  plugin_class->deactivate = plug_dbus_connector_deactivate;
  plugin_class->deactivate_finish = plug_dbus_connector_deactivate_finish;
  plugin_class->call_method = plug_dbus_connector_call_method;
  plugin_class->cancel_call = plug_dbus_connector_cancel_call;

  connector_class->connect = plug_dbus_connector_connect;
  connector_class->disconnect = plug_dbus_connector_disconnect;
  connector_class->send = plug_dbus_connector_send;
}

static void
plug_dbus_connector_init (PlugDBusConnector *self)
{
}

PLUG_DEFINE_CONNECTOR_MODULE ("dbus", plug_dbus_connector_get_type ())
