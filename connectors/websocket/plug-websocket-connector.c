/* plug-websocket-connector.c: plugins that serve a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-websocket-connector.h"

#include "plug-websocket-common.h"

/* A deliberate close waits this long for the peer's close frame. */
#define CLOSE_WAIT_MS 1000

struct _PlugWebsocketConnector
{
  PlugConnector            parent_instance;

  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GCancellable            *connect_cancellable;
  GSource                 *watchdog;
  GSource                 *close_timer;
  GPtrArray               *close_waiters;  /* disconnect GTasks */
  guint                    keepalive_s;
  gboolean                 heard;          /* since the watchdog's last look */
  gboolean                 closing;        /* the close is ours: no fault */
};

G_DEFINE_FINAL_TYPE (PlugWebsocketConnector, plug_websocket_connector, PLUG_TYPE_CONNECTOR)

enum {
  PROP_0,
  PROP_KEEPALIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
connector_name (PlugWebsocketConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static const char *
connector_url (PlugWebsocketConnector *self)
{
  return plug_profile_get_url (plug_plugin_get_profile (PLUG_PLUGIN (self)));
}

static void
complete_close_waiters (PlugWebsocketConnector *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->close_waiters);

  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* Lets go of the connection; its signals no longer reach us. */
static void
drop_connection (PlugWebsocketConnector *self)
{
  plug_websocket_clear_source (&self->watchdog);
  plug_websocket_clear_source (&self->close_timer);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->connection);
}

/* The connection ended without us asking: tell the engine (§6). */
static void
report_lost (PlugWebsocketConnector *self,
             GError                 *cause)
{
  g_autoptr(GError) error = cause;
  PlugPluginState state = plug_plugin_get_state (PLUG_PLUGIN (self));

  g_object_ref (self);
  drop_connection (self);
  if (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING)
    plug_plugin_lost (PLUG_PLUGIN (self), error);
  else
    g_debug ("%s (plugin not active)", error->message);
  g_object_unref (self);
}

/* Connection signals */

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  PlugWebsocketConnector *self = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  self->heard = TRUE;
  if (self->closing)
    return;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_warning ("Plugin %s sent a binary frame of %" G_GSIZE_FORMAT
                 " bytes: dropped", connector_name (self), length);
      return;
    }
  g_object_ref (self);
  plug_connector_receive_text (PLUG_CONNECTOR (self), data, length);
  g_object_unref (self);
}

static void
on_pong (SoupWebsocketConnection *connection,
         GBytes                  *message,
         gpointer                 user_data)
{
  PlugWebsocketConnector *self = user_data;

  self->heard = TRUE;
}

static void
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  PlugWebsocketConnector *self = user_data;

  g_debug ("Plugin %s: websocket error: %s", connector_name (self), error->message);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  PlugWebsocketConnector *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *reason = soup_websocket_connection_get_close_data (connection);

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
                                    "Plugin %s closed the connection to %s (code %u%s%s)",
                                    connector_name (self), connector_url (self), code,
                                    reason != NULL && *reason != '\0' ? ": " : "",
                                    reason != NULL ? reason : ""));
}

/* Keepalive: libsoup pings every keepalive_s seconds; a peer that shows
 * no sign of life (no pong, no message) for two intervals is gone. */
static gboolean
on_watchdog (gpointer user_data)
{
  PlugWebsocketConnector *self = user_data;

  if (self->heard)
    {
      self->heard = FALSE;
      return G_SOURCE_CONTINUE;
    }

  g_clear_pointer (&self->watchdog, g_source_unref);
  report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                  "Plugin %s did not answer pings", connector_name (self)));
  return G_SOURCE_REMOVE;
}

static void
start_watchdog (PlugWebsocketConnector *self)
{
  if (self->keepalive_s == 0)
    return;
  soup_websocket_connection_set_keepalive_interval (self->connection, self->keepalive_s);
  self->heard = TRUE;
  /* Half a period late, so that the pong of the ping just sent counts. */
  self->watchdog = plug_websocket_add_timeout (self->keepalive_s * 1500, on_watchdog, self,
                                               "[plugctl] websocket keepalive");
}

/* PlugConnector */

static gboolean
url_is_websocket (const char *url)
{
  g_autofree char *scheme = url != NULL ? g_uri_parse_scheme (url) : NULL;

  return scheme != NULL &&
         (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugWebsocketConnector *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                               "Cannot connect to plugin %s at %s: %s",
                               connector_name (self), connector_url (self), error->message);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (connection);
      return;
    }

  drop_connection (self);
  self->connection = connection;
  self->closing = FALSE;
  soup_websocket_connection_set_max_incoming_payload_size (connection, PLUG_WEBSOCKET_MAX_MESSAGE);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "pong", G_CALLBACK (on_pong), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  start_watchdog (self);

  g_task_return_boolean (task, TRUE);
}

static void
plug_websocket_connector_connect (PlugConnector       *connector,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(SoupMessage) message = NULL;
  const char *url = connector_url (self);

  g_task_set_source_tag (task, plug_websocket_connector_connect);

  if (!url_is_websocket (url))
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                               "Plugin %s: the websocket connector needs a ws:// or wss:// url, not \"%s\"",
                               connector_name (self), url != NULL ? url : "");
      return;
    }
  message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                               "Plugin %s: invalid url \"%s\"", connector_name (self), url);
      return;
    }

  if (self->session == NULL)
    self->session = plug_websocket_session_new ();
  soup_session_websocket_connect_async (self->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, cancellable,
                                        on_connected, g_steal_pointer (&task));
}

static gboolean
plug_websocket_connector_connect_finish (PlugConnector  *connector,
                                         GAsyncResult   *result,
                                         GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  PlugWebsocketConnector *self = user_data;

  g_clear_pointer (&self->close_timer, g_source_unref);
  g_debug ("Plugin %s did not answer the close within %u ms",
           connector_name (self), CLOSE_WAIT_MS);
  drop_connection (self);
  complete_close_waiters (self);

  return G_SOURCE_REMOVE;
}

static void
plug_websocket_connector_disconnect (PlugConnector       *connector,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  SoupWebsocketState state;

  g_task_set_source_tag (task, plug_websocket_connector_disconnect);

  if (self->connection == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->closing = TRUE;
  g_ptr_array_add (self->close_waiters, g_steal_pointer (&task));
  state = soup_websocket_connection_get_state (self->connection);
  if (state == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  else if (state == SOUP_WEBSOCKET_STATE_CLOSED)
    {
      drop_connection (self);
      complete_close_waiters (self);
      return;
    }

  if (self->close_timer == NULL && self->connection != NULL)
    self->close_timer = plug_websocket_add_timeout (CLOSE_WAIT_MS, on_close_timeout, self,
                                                    "[plugctl] websocket close");
}

static gboolean
plug_websocket_connector_disconnect_finish (PlugConnector  *connector,
                                            GAsyncResult   *result,
                                            GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
plug_websocket_connector_send (PlugConnector  *connector,
                               PlugMessage    *message,
                               GError        **error)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (connector);
  g_autofree char *text = NULL;

  if (self->connection == NULL || self->closing ||
      soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Websocket connection of plugin %s is not open",
                   connector_name (self));
      return FALSE;
    }

  text = plug_message_to_string (message);
  soup_websocket_connection_send_text (self->connection, text);

  return TRUE;
}

/* GObject */

/* Reconnecting is the engine's restart policy: on by default here, as
 * Remix's WebsocketPlugin reconnects after an abnormal close. */
static void
plug_websocket_connector_constructed (GObject *object)
{
  G_OBJECT_CLASS (plug_websocket_connector_parent_class)->constructed (object);

  plug_websocket_default_restart (PLUG_PLUGIN (object));
}

static void
plug_websocket_connector_dispose (GObject *object)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (object);

  self->closing = TRUE;
  drop_connection (self);
  if (self->close_waiters != NULL)
    complete_close_waiters (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (plug_websocket_connector_parent_class)->dispose (object);
}

static void
plug_websocket_connector_finalize (GObject *object)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (object);

  g_clear_pointer (&self->close_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (plug_websocket_connector_parent_class)->finalize (object);
}

static void
plug_websocket_connector_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_KEEPALIVE:
      g_value_set_uint (value, self->keepalive_s);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_websocket_connector_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_KEEPALIVE:
      self->keepalive_s = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_websocket_connector_class_init (PlugWebsocketConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->constructed = plug_websocket_connector_constructed;
  object_class->dispose = plug_websocket_connector_dispose;
  object_class->finalize = plug_websocket_connector_finalize;
  object_class->get_property = plug_websocket_connector_get_property;
  object_class->set_property = plug_websocket_connector_set_property;

  connector_class->connect = plug_websocket_connector_connect;
  connector_class->connect_finish = plug_websocket_connector_connect_finish;
  connector_class->disconnect = plug_websocket_connector_disconnect;
  connector_class->disconnect_finish = plug_websocket_connector_disconnect_finish;
  connector_class->send = plug_websocket_connector_send;

  properties[PROP_KEEPALIVE] =
    g_param_spec_uint ("keepalive", NULL, NULL,
                       0, 3600, PLUG_WEBSOCKET_DEFAULT_KEEPALIVE_S,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
plug_websocket_connector_init (PlugWebsocketConnector *self)
{
  self->keepalive_s = PLUG_WEBSOCKET_DEFAULT_KEEPALIVE_S;
  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

PLUG_DEFINE_CONNECTOR_MODULE ("websocket", plug_websocket_connector_get_type ())
