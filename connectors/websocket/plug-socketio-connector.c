/* plug-socketio-connector.c: plugins that serve socket.io
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Engine.IO 4 packets are one WebSocket text frame each: a type digit
 * ('0' open, '1' close, '2' ping, '3' pong, '4' message, '6' noop) and
 * its data. A socket.io packet is the data of an Engine.IO message: a
 * type digit ('0' connect, '1' disconnect, '2' event, '4' connect
 * error), then "/namespace," unless it is "/", an optional ack id, and
 * JSON.
 */
#include "config.h"

#include "plug-socketio-connector.h"

#include <string.h>

#include "plug-websocket-common.h"

#define CLOSE_WAIT_MS 1000
#define EVENT_PREFIX "[\"message\","

struct _PlugSocketioConnector
{
  PlugConnector            parent_instance;

  SoupSession             *session;
  SoupWebsocketConnection *connection;
  char                    *namespace;     /* "" for "/", else "/ns," */
  GTask                   *connect_task;  /* until the namespace is connected */
  gulong                   cancel_id;
  GSource                 *watchdog;      /* no ping from the server */
  guint                    ping_deadline_ms;
  GPtrArray               *close_waiters;
  GString                 *out;           /* reused for every frame sent */
  gboolean                 closing;
};

G_DEFINE_FINAL_TYPE (PlugSocketioConnector, plug_socketio_connector, PLUG_TYPE_CONNECTOR)

static const char *
connector_name (PlugSocketioConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static const char *
connector_url (PlugSocketioConnector *self)
{
  return plug_profile_get_url (plug_plugin_get_profile (PLUG_PLUGIN (self)));
}

static void
complete_close_waiters (PlugSocketioConnector *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->close_waiters);

  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

static void
drop_connection (PlugSocketioConnector *self)
{
  plug_websocket_clear_source (&self->watchdog);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->connection);
}

/* Ends the pending connect, if any, with @error (consumed). */
static gboolean
fail_connect (PlugSocketioConnector *self,
              GError                *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

  if (task == NULL)
    {
      g_error_free (error);
      return FALSE;
    }
  g_cancellable_disconnect (g_task_get_cancellable (task), self->cancel_id);
  self->cancel_id = 0;
  drop_connection (self);
  g_task_return_error (task, error);
  return TRUE;
}

/* The connection ended without us asking (@cause consumed). */
static void
report_lost (PlugSocketioConnector *self,
             GError                *cause)
{
  g_autoptr(GError) error = cause;
  PlugPluginState state;

  if (fail_connect (self, g_error_copy (error)))
    return;

  g_object_ref (self);
  drop_connection (self);
  state = plug_plugin_get_state (PLUG_PLUGIN (self));
  if (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING)
    plug_plugin_lost (PLUG_PLUGIN (self), error);
  else
    g_debug ("%s (plugin not active)", error->message);
  g_object_unref (self);
}

static void
send_frame (PlugSocketioConnector *self,
            const char            *text)
{
  soup_websocket_connection_send_text (self->connection, text);
}

/* Liveness: the server pings every pingInterval and waits pingTimeout. */
static gboolean
on_watchdog (gpointer user_data)
{
  PlugSocketioConnector *self = user_data;

  g_clear_pointer (&self->watchdog, g_source_unref);
  report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                  "Plugin %s: no ping from the server within %u ms",
                                  connector_name (self), self->ping_deadline_ms));
  return G_SOURCE_REMOVE;
}

static void
restart_watchdog (PlugSocketioConnector *self)
{
  plug_websocket_clear_source (&self->watchdog);
  if (self->ping_deadline_ms > 0)
    self->watchdog = plug_websocket_add_timeout (self->ping_deadline_ms, on_watchdog, self,
                                                 "[plugctl] socket.io ping");
}

/* Incoming packets */

static void
handle_open (PlugSocketioConnector *self,
             const char            *data,
             gsize                  length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *connect = NULL;
  JsonObject *open;

  if (json_parser_load_from_data (parser, data, length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      open = json_node_get_object (json_parser_get_root (parser));
      self->ping_deadline_ms = json_object_get_int_member_with_default (open, "pingInterval", 25000) +
                               json_object_get_int_member_with_default (open, "pingTimeout", 20000);
    }
  restart_watchdog (self);

  connect = g_strconcat ("40", self->namespace, NULL);
  send_frame (self, connect);
}

static void
handle_connected (PlugSocketioConnector *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

  if (task == NULL)
    return;
  g_cancellable_disconnect (g_task_get_cancellable (task), self->cancel_id);
  self->cancel_id = 0;
  g_task_return_boolean (task, TRUE);
}

/* `["message",{…}]`: the object goes to the router as text, unparsed. */
static void
handle_event (PlugSocketioConnector *self,
              const char            *data,
              gsize                  length)
{
  gsize prefix = strlen (EVENT_PREFIX);

  while (length > 0 && g_ascii_isdigit (*data))  /* an ack id */
    data++, length--;

  if (length > prefix && strncmp (data, EVENT_PREFIX, prefix) == 0 && data[length - 1] == ']')
    {
      plug_connector_receive_text (PLUG_CONNECTOR (self), data + prefix, length - prefix - 1);
      return;
    }
  g_debug ("Plugin %s: socket.io event ignored: %.*s", connector_name (self),
           (int) MIN (length, 80), data);
}

static void
handle_socketio (PlugSocketioConnector *self,
                 const char            *data,
                 gsize                  length)
{
  gsize ns_length = strlen (self->namespace);
  char type;

  if (length == 0)
    return;
  type = data[0];
  data++, length--;
  /* Packets of other namespaces are not ours. */
  if (length > 0 && data[0] == '/')
    {
      if (ns_length == 0 || length < ns_length || strncmp (data, self->namespace, ns_length) != 0)
        return;
      data += ns_length, length -= ns_length;
    }

  switch (type)
    {
    case '0':
      handle_connected (self);
      break;
    case '1':
      report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      "Plugin %s: the server at %s disconnected us",
                                      connector_name (self), connector_url (self)));
      break;
    case '2':
      handle_event (self, data, length);
      break;
    case '4':
      report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      "Plugin %s: the server at %s refused the namespace: %.*s",
                                      connector_name (self), connector_url (self),
                                      (int) length, data));
      break;
    case '5':
    case '6':
      g_warning ("Plugin %s sent a binary socket.io packet: dropped", connector_name (self));
      break;
    default:
      g_debug ("Plugin %s: socket.io packet type %c ignored", connector_name (self), type);
    }
}

static void
handle_engine_io (PlugSocketioConnector *self,
                  const char            *data,
                  gsize                  length)
{
  switch (data[0])
    {
    case '0':
      handle_open (self, data + 1, length - 1);
      break;
    case '1':
      report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      "Plugin %s: the server at %s closed the session",
                                      connector_name (self), connector_url (self)));
      break;
    case '2':
      restart_watchdog (self);
      send_frame (self, "3");
      break;
    case '4':
      handle_socketio (self, data + 1, length - 1);
      break;
    default:
      break;
    }
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  PlugSocketioConnector *self = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (self->closing || type != SOUP_WEBSOCKET_DATA_TEXT || length == 0)
    return;

  g_object_ref (self);
  handle_engine_io (self, data, length);
  g_object_unref (self);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  PlugSocketioConnector *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);

  if (self->closing)
    {
      drop_connection (self);
      complete_close_waiters (self);
      return;
    }
  if (code == 0)
    report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                    "Plugin %s: connection to %s lost (no close frame)",
                                    connector_name (self), connector_url (self)));
  else
    report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                    "Plugin %s closed the connection to %s (code %u)",
                                    connector_name (self), connector_url (self), code));
}

/* Connecting */

/* ws(s)://host[:port]/socket.io/?EIO=4&transport=websocket, and the
 * namespace from @url's path. */
static char *
engine_io_url (const char  *url,
               char       **namespace,
               GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url != NULL ? url : "", G_URI_FLAGS_NONE, error);
  const char *scheme;
  const char *path;
  const char *ws_scheme;
  g_autoptr(GUri) endpoint = NULL;

  if (uri == NULL)
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "ws") == 0)
    ws_scheme = "ws";
  else if (g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0)
    ws_scheme = "wss";
  else
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
                   "the scheme must be http, https, ws or wss");
      return NULL;
    }

  path = g_uri_get_path (uri);
  if (path[0] == '\0' || strcmp (path, "/") == 0)
    *namespace = g_strdup ("");
  else
    *namespace = g_strconcat (path, ",", NULL);

  endpoint = g_uri_build (G_URI_FLAGS_NONE, ws_scheme, NULL, g_uri_get_host (uri),
                          g_uri_get_port (uri), "/socket.io/",
                          "EIO=4&transport=websocket", NULL);
  return g_uri_to_string (endpoint);
}

static gboolean
on_connect_cancelled_idle (gpointer user_data)
{
  PlugSocketioConnector *self = user_data;

  if (self->connect_task != NULL &&
      g_cancellable_is_cancelled (g_task_get_cancellable (self->connect_task)))
    fail_connect (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     "Connecting to plugin %s was cancelled",
                                     connector_name (self)));
  return G_SOURCE_REMOVE;
}

static void
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, on_connect_cancelled_idle,
                   g_object_ref (user_data), g_object_unref);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PlugSocketioConnector) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      fail_connect (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                       "Cannot connect to plugin %s at %s: %s",
                                       connector_name (self), connector_url (self),
                                       error->message));
      return;
    }
  if (self->connect_task == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (connection);
      return;
    }

  self->connection = connection;
  soup_websocket_connection_set_max_incoming_payload_size (connection, 64 * 1024 * 1024);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  /* The open packet comes next; the namespace's connect ends connect(). */
}

static void
plug_socketio_connector_connect (PlugConnector       *connector,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *endpoint = NULL;

  g_task_set_source_tag (task, plug_socketio_connector_connect);
  g_task_set_check_cancellable (task, FALSE);

  drop_connection (self);
  self->closing = FALSE;
  g_clear_pointer (&self->namespace, g_free);
  endpoint = engine_io_url (connector_url (self), &self->namespace, &error);
  message = endpoint != NULL ? soup_message_new (SOUP_METHOD_GET, endpoint) : NULL;
  if (message == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                               "Plugin %s: the socketio connector cannot use the url \"%s\"%s%s",
                               connector_name (self), connector_url (self) ? connector_url (self) : "",
                               error != NULL ? ": " : "", error != NULL ? error->message : "");
      return;
    }
  if (self->session == NULL)
    self->session = plug_websocket_session_new ();

  self->connect_task = g_steal_pointer (&task);
  if (cancellable != NULL)
    self->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_connect_cancelled),
                                             self, NULL);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL,
                                        on_connected, g_object_ref (self));
}

static gboolean
plug_socketio_connector_connect_finish (PlugConnector  *connector,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  PlugSocketioConnector *self = user_data;

  drop_connection (self);
  complete_close_waiters (self);
  return G_SOURCE_REMOVE;
}

static void
plug_socketio_connector_disconnect (PlugConnector       *connector,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  g_autofree char *leave = NULL;

  g_task_set_source_tag (task, plug_socketio_connector_disconnect);
  fail_connect (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Plugin %s was disconnected", connector_name (self)));

  if (self->connection == NULL ||
      soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      drop_connection (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Leave the namespace, then close: the server sees a clean goodbye. */
  self->closing = TRUE;
  leave = g_strconcat ("41", self->namespace, NULL);
  send_frame (self, leave);
  soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_ptr_array_add (self->close_waiters, g_steal_pointer (&task));
  plug_websocket_clear_source (&self->watchdog);
  self->watchdog = plug_websocket_add_timeout (CLOSE_WAIT_MS, on_close_timeout, self,
                                               "[plugctl] socket.io close");
}

static gboolean
plug_socketio_connector_disconnect_finish (PlugConnector  *connector,
                                           GAsyncResult   *result,
                                           GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
plug_socketio_connector_send (PlugConnector  *connector,
                              PlugMessage    *message,
                              GError        **error)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);

  if (self->connection == NULL || self->closing || self->connect_task != NULL ||
      soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Socket.io connection of plugin %s is not open",
                   connector_name (self));
      return FALSE;
    }

  g_string_truncate (self->out, 0);
  g_string_append (self->out, "42");
  g_string_append (self->out, self->namespace);
  g_string_append (self->out, EVENT_PREFIX);
  plug_message_write (message, self->out);
  g_string_append_c (self->out, ']');
  send_frame (self, self->out->str);

  return TRUE;
}

/* GObject */

static void
plug_socketio_connector_constructed (GObject *object)
{
  G_OBJECT_CLASS (plug_socketio_connector_parent_class)->constructed (object);

  plug_websocket_default_restart (PLUG_PLUGIN (object));
}

static void
plug_socketio_connector_dispose (GObject *object)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (object);

  self->closing = TRUE;
  drop_connection (self);
  if (self->close_waiters != NULL)
    complete_close_waiters (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (plug_socketio_connector_parent_class)->dispose (object);
}

static void
plug_socketio_connector_finalize (GObject *object)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (object);

  g_clear_pointer (&self->close_waiters, g_ptr_array_unref);
  g_string_free (self->out, TRUE);
  g_free (self->namespace);

  G_OBJECT_CLASS (plug_socketio_connector_parent_class)->finalize (object);
}

static void
plug_socketio_connector_class_init (PlugSocketioConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->constructed = plug_socketio_connector_constructed;
  object_class->dispose = plug_socketio_connector_dispose;
  object_class->finalize = plug_socketio_connector_finalize;

  connector_class->connect = plug_socketio_connector_connect;
  connector_class->connect_finish = plug_socketio_connector_connect_finish;
  connector_class->disconnect = plug_socketio_connector_disconnect;
  connector_class->disconnect_finish = plug_socketio_connector_disconnect_finish;
  connector_class->send = plug_socketio_connector_send;
}

static void
plug_socketio_connector_init (PlugSocketioConnector *self)
{
  self->namespace = g_strdup ("");
  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->out = g_string_sized_new (256);
}

PLUG_DEFINE_CONNECTOR_MODULE ("socketio", plug_socketio_connector_get_type ())
