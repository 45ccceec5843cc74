/* plug-dbus-client-connector.c: the client end of the D-Bus transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plugin owns a well-known name and exports org.plugctl.Plugin1 (see
 * the header). It serves one engine: the sender of the first `Connect`.
 */
#include "config.h"

#include "plug-dbus-client-connector.h"
#include "plug-error.h"
#include "plug-spin.h"

static const char interface_xml[] =
  "<node>"
  "  <interface name='" PLUG_DBUS_PLUGIN_INTERFACE "'>"
  "    <method name='Connect'/>"
  "    <method name='Message'>"
  "      <arg name='message' type='s' direction='in'/>"
  "    </method>"
  "    <method name='Quit'/>"
  "    <signal name='Message'>"
  "      <arg name='message' type='s'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

struct _PlugDBusClientConnector
{
  GObject          parent_instance;

  GDBusConnection *connection;
  char            *name;
  char            *peer;             /* unique name of the engine */
  guint            registration_id;
  guint            own_id;
  guint            peer_watch_id;
  guint            started : 1;
  guint            closed : 1;
  guint            name_acquired : 1;
  /* The engine takes a Messages signal (its handshake said so): what one
   * of its messages makes us send goes out as one signal. */
  guint            batches : 1;
  guint            dispatching : 1;
  GPtrArray       *batch;            /* char *, while dispatching */
  GSource         *batch_source;     /* sends it from a nested main loop */
};

static void plug_dbus_client_connector_iface_init (PlugClientConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PlugDBusClientConnector, plug_dbus_client_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PLUG_TYPE_CLIENT_CONNECTOR,
                                                      plug_dbus_client_connector_iface_init))

static GDBusInterfaceInfo *
get_interface_info (void)
{
  static GDBusNodeInfo *node_info;

  if (g_once_init_enter (&node_info))
    {
      GDBusNodeInfo *info = g_dbus_node_info_new_for_xml (interface_xml, NULL);

      g_assert (info != NULL);
      g_once_init_leave (&node_info, info);
    }

  return node_info->interfaces[0];
}

/* Stops serving: no more messages either way. */
static void
release_bus (PlugDBusClientConnector *self)
{
  if (self->registration_id != 0)
    {
      g_dbus_connection_unregister_object (self->connection, self->registration_id);
      self->registration_id = 0;
    }
  if (self->own_id != 0)
    {
      g_bus_unown_name (self->own_id);
      self->own_id = 0;
    }
  if (self->peer_watch_id != 0)
    {
      g_bus_unwatch_name (self->peer_watch_id);
      self->peer_watch_id = 0;
    }
}

static void
close_with_error (PlugDBusClientConnector *self,
                  const GError            *error)
{
  g_autoptr(PlugDBusClientConnector) hold G_GNUC_UNUSED = g_object_ref (self);

  if (self->closed)
    return;
  self->closed = TRUE;
  release_bus (self);
  plug_client_connector_emit_closed (PLUG_CLIENT_CONNECTOR (self), error);
}

static void
on_peer_vanished (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  PlugDBusClientConnector *self = user_data;

  g_debug ("The engine %s left the bus", name);
  close_with_error (self, NULL);
}

static void
handle_connect (PlugDBusClientConnector *self,
                const char              *sender,
                GDBusMethodInvocation   *invocation)
{
  if (self->peer != NULL && !g_str_equal (self->peer, sender))
    {
      g_dbus_method_invocation_return_error (invocation, PLUG_ERROR, PLUG_ERROR_FAILED,
                                             "Plugin service %s already serves the engine %s",
                                             self->name, self->peer);
      return;
    }

  if (self->peer == NULL)
    {
      self->peer = g_strdup (sender);
      self->peer_watch_id = g_bus_watch_name_on_connection (self->connection, sender,
                                                            G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                            NULL, on_peer_vanished,
                                                            self, NULL);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
offers_batches (PlugMessage *message)
{
  JsonObject *protocol = plug_message_get_protocol (message);

  return plug_message_get_action (message) == PLUG_ACTION_REQUEST &&
         g_strcmp0 (plug_message_get_key (message), "handshake") == 0 &&
         protocol != NULL && json_object_has_member (protocol, "batches") &&
         json_object_get_boolean_member_with_default (protocol, "batches", FALSE);
}

static gboolean
emit_text (PlugDBusClientConnector  *self,
           char                     *text,
           GError                  **error)
{
  /* Taken, not copied, and no format string to parse. */
  GVariant *body = g_variant_new_take_string (text);

  plug_spin_note_activity ();
  return g_dbus_connection_emit_signal (self->connection, self->peer,
                                        PLUG_DBUS_PLUGIN_PATH, PLUG_DBUS_PLUGIN_INTERFACE,
                                        "Message", g_variant_new_tuple (&body, 1), error);
}

/* One Message, or one Messages signal for several. */
static void
send_batch (PlugDBusClientConnector *self)
{
  g_autoptr(GError) error = NULL;
  GVariant *body;
  gboolean sent;

  if (self->batch == NULL || self->batch->len == 0)
    return;
  if (self->closed || self->peer == NULL)
    {
      g_debug ("The engine is gone: dropped %u messages", self->batch->len);
      g_ptr_array_set_size (self->batch, 0);
      return;
    }

  if (self->batch->len == 1)
    sent = emit_text (self, g_ptr_array_steal_index (self->batch, 0), &error);
  else
    {
      body = g_variant_new_strv ((const char * const *) self->batch->pdata, self->batch->len);
      g_ptr_array_set_size (self->batch, 0);
      plug_spin_note_activity ();
      sent = g_dbus_connection_emit_signal (self->connection, self->peer,
                                            PLUG_DBUS_PLUGIN_PATH, PLUG_DBUS_PLUGIN_INTERFACE,
                                            "Messages", g_variant_new_tuple (&body, 1), &error);
    }
  if (!sent)
    g_warning ("Cannot send to the engine: %s", error->message);
}

/* A handler that runs a main loop of its own (waiting for an answer)
 * must not wait for what it sent: an iteration that finds a batch sends
 * it (prepare only says so: it runs with the context locked). */
typedef struct
{
  GSource source;
  PlugDBusClientConnector *connector;
} BatchSource;

static gboolean
batch_prepare (GSource *source,
               gint    *timeout)
{
  PlugDBusClientConnector *self = ((BatchSource *) source)->connector;

  *timeout = -1;
  return self->batch != NULL && self->batch->len > 0;
}

static gboolean
batch_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  send_batch (((BatchSource *) source)->connector);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs batch_funcs = {
  .prepare = batch_prepare,
  .dispatch = batch_dispatch,
};

static void
attach_batch_source (PlugDBusClientConnector *self,
                     GMainContext            *context)
{
  self->batch_source = g_source_new (&batch_funcs, sizeof (BatchSource));
  ((BatchSource *) self->batch_source)->connector = self;
  g_source_set_static_name (self->batch_source, "[plugctl] D-Bus batch");
  g_source_attach (self->batch_source, context);
}

static void
handle_message (PlugDBusClientConnector *self,
                GVariant                *parameters,
                GDBusMethodInvocation   *invocation)
{
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(GVariant) body = g_variant_get_child_value (parameters, 0);
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *text = g_variant_get_string (body, &length);

  plug_spin_note_activity ();
  g_dbus_method_invocation_return_value (invocation, NULL);

  message = plug_message_parse (text, length, &error);
  if (message == NULL)
    {
      g_warning ("Dropped a message from the engine: %s", error->message);
      return;
    }

  if (offers_batches (message))
    self->batches = TRUE;

  /* A handler may drop the last reference to the connector. */
  g_object_ref (self);
  self->dispatching = self->batches;
  plug_client_connector_emit_message (PLUG_CLIENT_CONNECTOR (self), message);
  self->dispatching = FALSE;
  send_batch (self);
  g_object_unref (self);
}

static void
on_method_call (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  PlugDBusClientConnector *self = user_data;

  if (g_str_equal (method_name, "Connect"))
    {
      handle_connect (self, sender, invocation);
      return;
    }

  if (self->peer == NULL || !g_str_equal (self->peer, sender))
    {
      g_dbus_method_invocation_return_error (invocation, PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                                             "Plugin service %s serves only the engine that connected to it",
                                             self->name);
      return;
    }

  if (g_str_equal (method_name, "Message"))
    handle_message (self, parameters, invocation);
  else if (g_str_equal (method_name, "Quit"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      close_with_error (self, NULL);
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static const GDBusInterfaceVTable interface_vtable = {
  .method_call = on_method_call,
};

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  PlugDBusClientConnector *self = user_data;

  self->name_acquired = TRUE;
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  PlugDBusClientConnector *self = user_data;
  g_autoptr(GError) error = NULL;

  if (connection == NULL)
    error = g_error_new (PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                         "Lost the connection to the bus while owning %s", name);
  else if (self->name_acquired)
    error = g_error_new (PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                         "Lost the D-Bus name %s", name);
  else
    error = g_error_new (PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                         "Cannot own the D-Bus name %s: another program owns it", name);

  g_warning ("%s", error->message);
  close_with_error (self, error);
}

static void
plug_dbus_client_connector_start (PlugClientConnector *connector)
{
  PlugDBusClientConnector *self = PLUG_DBUS_CLIENT_CONNECTOR (connector);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GError) error = NULL;

  if (self->started || self->closed)
    return;
  self->started = TRUE;
  /* GDBus's worker thread wakes this context for each message. */
  plug_spin_attach (context);
  attach_batch_source (self, context);

  /* Exported before the name is owned: the engine's first call, queued
   * by the bus during activation, must find the object. */
  self->registration_id =
    g_dbus_connection_register_object (self->connection, PLUG_DBUS_PLUGIN_PATH,
                                       get_interface_info (), &interface_vtable,
                                       self, NULL, &error);
  if (self->registration_id == 0)
    {
      g_warning ("Cannot export %s: %s", PLUG_DBUS_PLUGIN_PATH, error->message);
      close_with_error (self, error);
      return;
    }

  self->own_id = g_bus_own_name_on_connection (self->connection, self->name,
                                               G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                               on_name_acquired, on_name_lost,
                                               self, NULL);
}

static gboolean
plug_dbus_client_connector_send (PlugClientConnector  *connector,
                                 PlugMessage          *message,
                                 GError              **error)
{
  PlugDBusClientConnector *self = PLUG_DBUS_CLIENT_CONNECTOR (connector);

  if (self->closed)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                           "The engine is gone");
      return FALSE;
    }

  /* Only the opening `handshake` request of a Remix client goes out
   * before the engine connected; plugctl ignores it anyway. */
  if (self->peer == NULL)
    {
      g_debug ("No engine yet: dropped a %s message",
               plug_message_get_action_name (message));
      return TRUE;
    }

  if (self->dispatching)
    {
      if (self->batch == NULL)
        self->batch = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (self->batch, plug_message_to_string (message));
      return TRUE;
    }
  return emit_text (self, plug_message_to_string (message), error);
}

static void
plug_dbus_client_connector_close (PlugClientConnector *connector)
{
  PlugDBusClientConnector *self = PLUG_DBUS_CLIENT_CONNECTOR (connector);

  self->closed = TRUE;
  release_bus (self);
}

static void
plug_dbus_client_connector_iface_init (PlugClientConnectorInterface *iface)
{
  iface->start = plug_dbus_client_connector_start;
  iface->send = plug_dbus_client_connector_send;
  iface->close = plug_dbus_client_connector_close;
}

static void
plug_dbus_client_connector_dispose (GObject *object)
{
  PlugDBusClientConnector *self = PLUG_DBUS_CLIENT_CONNECTOR (object);

  if (self->batch_source != NULL)
    g_source_destroy (self->batch_source);
  g_clear_pointer (&self->batch_source, g_source_unref);
  if (self->connection != NULL)
    {
      release_bus (self);
      /* What is queued (the last responses, a Quit's reply) leaves
       * before plug_client_run() returns and the process exits. */
      g_dbus_connection_flush_sync (self->connection, NULL, NULL);
    }
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (plug_dbus_client_connector_parent_class)->dispose (object);
}

static void
plug_dbus_client_connector_finalize (GObject *object)
{
  PlugDBusClientConnector *self = PLUG_DBUS_CLIENT_CONNECTOR (object);

  g_free (self->name);
  g_free (self->peer);
  g_clear_pointer (&self->batch, g_ptr_array_unref);

  G_OBJECT_CLASS (plug_dbus_client_connector_parent_class)->finalize (object);
}

static void
plug_dbus_client_connector_class_init (PlugDBusClientConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = plug_dbus_client_connector_dispose;
  object_class->finalize = plug_dbus_client_connector_finalize;
}

static void
plug_dbus_client_connector_init (PlugDBusClientConnector *self)
{
}

PlugDBusClientConnector *
plug_dbus_client_connector_new (GDBusConnection *connection,
                                const char      *name)
{
  PlugDBusClientConnector *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (name != NULL && g_dbus_is_name (name) && !g_dbus_is_unique_name (name), NULL);

  self = g_object_new (PLUG_TYPE_DBUS_CLIENT_CONNECTOR, NULL);
  self->connection = g_object_ref (connection);
  self->name = g_strdup (name);

  return self;
}

static GDBusConnection *
open_bus (const char  *bus,
          GError     **error)
{
  if (bus == NULL || *bus == '\0' || g_str_equal (bus, "session"))
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (g_str_equal (bus, "system"))
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);

  return g_dbus_connection_new_for_address_sync (bus,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}

PlugDBusClientConnector *
plug_dbus_client_connector_new_from_environment (GError **error)
{
  const char *name = g_getenv (PLUG_DBUS_NAME_VARIABLE);
  const char *bus = g_getenv (PLUG_DBUS_BUS_VARIABLE);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s is not set: this program is a plugctl plugin and must be started by plugctl",
                   PLUG_DBUS_NAME_VARIABLE);
      return NULL;
    }
  if (!g_dbus_is_name (name) || g_dbus_is_unique_name (name))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s=%s is not a well-known D-Bus name",
                   PLUG_DBUS_NAME_VARIABLE, name);
      return NULL;
    }

  /* The bus that activated us, unless told otherwise. */
  if ((bus == NULL || *bus == '\0') && g_getenv ("DBUS_STARTER_ADDRESS") != NULL)
    bus = g_getenv ("DBUS_STARTER_ADDRESS");

  connection = open_bus (bus, &local_error);
  if (connection == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "Cannot connect to the %s bus: %s",
                   bus != NULL && *bus != '\0' ? bus : "session", local_error->message);
      return NULL;
    }

  return plug_dbus_client_connector_new (connection, name);
}

const char *
plug_dbus_client_connector_get_peer (PlugDBusClientConnector *self)
{
  g_return_val_if_fail (PLUG_IS_DBUS_CLIENT_CONNECTOR (self), NULL);

  return self->peer;
}
