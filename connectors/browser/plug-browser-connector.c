/* plug-browser-connector.c: plugins that live in a web page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-browser-connector.h"

#include "plug-browser-listener.h"

/* A deliberate close waits this long for the page's close frame. */
#define CLOSE_WAIT_MS 1000
/* The wait for a page ends this much before the start timeout, so that
 * its own error, not the handshake's, reaches the caller. */
#define WAIT_MARGIN_MS 100

struct _PlugBrowserConnector
{
  PlugConnector            parent_instance;

  SoupWebsocketConnection *connection;
  char                    *peer;          /* its remote address */
  gboolean                 attached;      /* to the current activation */
  gboolean                 closing;       /* the close is ours: no fault */
  GTask                   *waiting;       /* connect() waiting for a page */
  GSource                 *wait_timer;
  GSource                 *wait_cancel;
  GSource                 *close_timer;
  GPtrArray               *close_waiters; /* disconnect GTasks */
};

G_DEFINE_FINAL_TYPE (PlugBrowserConnector, plug_browser_connector, PLUG_TYPE_CONNECTOR)

static const char *
connector_name (PlugBrowserConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
complete_close_waiters (PlugBrowserConnector *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->close_waiters);

  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* Lets go of the connection, closing it with @code if still open. */
static void
drop_connection (PlugBrowserConnector *self,
                 gushort               code,
                 const char           *reason)
{
  clear_source (&self->close_timer);
  self->attached = FALSE;
  g_clear_pointer (&self->peer, g_free);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, code, reason);
  g_clear_object (&self->connection);
}

/* Connection signals */

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  PlugBrowserConnector *self = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (self->closing)
    return;
  if (!self->attached)
    {
      g_debug ("Plugin %s: message from %s before its activation: dropped",
               connector_name (self), self->peer);
      return;
    }
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
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  PlugBrowserConnector *self = user_data;

  g_debug ("Plugin %s: websocket error: %s", connector_name (self), error->message);
}

static GError *
closed_error (PlugBrowserConnector *self)
{
  gushort code = soup_websocket_connection_get_close_code (self->connection);
  const char *reason = soup_websocket_connection_get_close_data (self->connection);

  if (code == 0 || code == SOUP_WEBSOCKET_CLOSE_NO_STATUS || code == SOUP_WEBSOCKET_CLOSE_ABNORMAL)
    return g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                        "Plugin %s: connection to the page at %s lost",
                        connector_name (self), self->peer);
  return g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                      "Plugin %s: the page at %s closed its connection (code %u%s%s)",
                      connector_name (self), self->peer, code,
                      reason != NULL && *reason != '\0' ? ": " : "",
                      reason != NULL ? reason : "");
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  PlugBrowserConnector *self = user_data;
  g_autoptr(GError) error = NULL;
  PlugPluginState state;
  gboolean attached = self->attached;

  if (self->closing)
    {
      drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      complete_close_waiters (self);
      return;
    }

  error = closed_error (self);
  g_object_ref (self);
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  state = plug_plugin_get_state (PLUG_PLUGIN (self));
  if (attached && (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING))
    plug_plugin_lost (PLUG_PLUGIN (self), error);
  else
    g_debug ("%s (not attached)", error->message);
  g_object_unref (self);
}

/* Waiting for a page */

static void
stop_waiting (PlugBrowserConnector *self)
{
  clear_source (&self->wait_timer);
  clear_source (&self->wait_cancel);
}

static void
attach (PlugBrowserConnector *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->waiting);

  stop_waiting (self);
  self->attached = TRUE;
  self->closing = FALSE;
  g_debug ("Plugin %s: the page at %s is attached", connector_name (self), self->peer);
  g_task_return_boolean (task, TRUE);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  PlugBrowserConnector *self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->waiting);
  PlugBrowserListener *listener;
  const char *uri = NULL;

  g_clear_pointer (&self->wait_timer, g_source_unref);
  stop_waiting (self);
  listener = plug_browser_listener_get_for_engine (plug_plugin_get_engine (PLUG_PLUGIN (self)));
  if (listener != NULL)
    uri = plug_listener_get_bound_uri (PLUG_LISTENER (listener));
  g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT,
                           "Plugin %s: no page connected to %s within %u ms",
                           connector_name (self), uri != NULL ? uri : "the engine",
                           GPOINTER_TO_UINT (g_task_get_task_data (task)));
  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  PlugBrowserConnector *self = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&self->waiting);

  g_clear_pointer (&self->wait_cancel, g_source_unref);
  stop_waiting (self);
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
wait_for_page (PlugBrowserConnector *self,
               GTask                *task)
{
  GMainContext *context = g_main_context_get_thread_default ();
  guint start_timeout = plug_profile_get_start_timeout (plug_plugin_get_profile (PLUG_PLUGIN (self)));
  guint wait_ms = start_timeout > 2 * WAIT_MARGIN_MS ? start_timeout - WAIT_MARGIN_MS
                                                     : start_timeout / 2;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_task_set_task_data (task, GUINT_TO_POINTER (wait_ms), NULL);
  self->waiting = g_object_ref (task);
  self->wait_timer = g_timeout_source_new (wait_ms);
  g_source_set_callback (self->wait_timer, on_wait_timeout, self, NULL);
  g_source_set_static_name (self->wait_timer, "[plugctl] browser page wait");
  g_source_attach (self->wait_timer, context);
  if (cancellable != NULL)
    {
      self->wait_cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->wait_cancel, G_SOURCE_FUNC (on_wait_cancelled), self, NULL);
      g_source_attach (self->wait_cancel, context);
    }
}

gboolean
plug_browser_connector_is_claimed (PlugBrowserConnector *self)
{
  g_return_val_if_fail (PLUG_IS_BROWSER_CONNECTOR (self), FALSE);

  return self->connection != NULL;
}

gboolean
plug_browser_connector_is_waiting (PlugBrowserConnector *self)
{
  g_return_val_if_fail (PLUG_IS_BROWSER_CONNECTOR (self), FALSE);

  return self->waiting != NULL;
}

void
plug_browser_connector_offer (PlugBrowserConnector    *self,
                              SoupWebsocketConnection *connection,
                              const char              *peer)
{
  g_return_if_fail (PLUG_IS_BROWSER_CONNECTOR (self));
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection));
  g_return_if_fail (self->connection == NULL);

  self->connection = g_object_ref (connection);
  self->peer = g_strdup (peer);
  self->attached = FALSE;
  self->closing = FALSE;
  soup_websocket_connection_set_max_incoming_payload_size (connection, PLUG_BROWSER_MAX_MESSAGE);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);

  if (self->waiting != NULL)
    attach (self);
}

void
plug_browser_connector_drop_offer (PlugBrowserConnector *self,
                                   const char           *reason)
{
  g_return_if_fail (PLUG_IS_BROWSER_CONNECTOR (self));

  if (self->connection != NULL && !self->attached)
    drop_connection (self, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, reason);
}

/* PlugConnector */

static void
plug_browser_connector_connect (PlugConnector       *connector,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PlugBrowserConnector *self = PLUG_BROWSER_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  PlugEngine *engine = plug_plugin_get_engine (PLUG_PLUGIN (self));

  g_task_set_source_tag (task, plug_browser_connector_connect);

  if (self->waiting != NULL || self->attached)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Plugin %s is already connected", connector_name (self));
      return;
    }
  if (self->connection != NULL)
    {
      self->waiting = g_steal_pointer (&task);
      attach (self);
      return;
    }
  if (engine == NULL || plug_browser_listener_get_for_engine (engine) == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Plugin %s runs in a web page, and no page can connect: "
                               "the engine does not listen (plugctl daemon --listen "
                               "ws://127.0.0.1:PORT)", connector_name (self));
      return;
    }
  wait_for_page (self, task);
}

static gboolean
on_close_timeout (gpointer user_data)
{
  PlugBrowserConnector *self = user_data;

  g_clear_pointer (&self->close_timer, g_source_unref);
  g_debug ("Plugin %s: the page did not answer the close within %u ms",
           connector_name (self), CLOSE_WAIT_MS);
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  complete_close_waiters (self);

  return G_SOURCE_REMOVE;
}

static void
plug_browser_connector_disconnect (PlugConnector       *connector,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  PlugBrowserConnector *self = PLUG_BROWSER_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  SoupWebsocketState state;

  g_task_set_source_tag (task, plug_browser_connector_disconnect);

  if (self->connection == NULL || !self->attached)
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
      drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      complete_close_waiters (self);
      return;
    }

  if (self->close_timer == NULL && self->connection != NULL)
    {
      self->close_timer = g_timeout_source_new (CLOSE_WAIT_MS);
      g_source_set_callback (self->close_timer, on_close_timeout, self, NULL);
      g_source_set_static_name (self->close_timer, "[plugctl] browser close");
      g_source_attach (self->close_timer, g_main_context_get_thread_default ());
    }
}

static gboolean
plug_browser_connector_send (PlugConnector  *connector,
                             PlugMessage    *message,
                             GError        **error)
{
  PlugBrowserConnector *self = PLUG_BROWSER_CONNECTOR (connector);
  g_autofree char *text = NULL;

  if (self->connection == NULL || !self->attached || self->closing ||
      soup_websocket_connection_get_state (self->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "The page of plugin %s is not connected", connector_name (self));
      return FALSE;
    }

  text = plug_message_to_string (message);
  soup_websocket_connection_send_text (self->connection, text);

  return TRUE;
}

/* GObject */

static void
plug_browser_connector_dispose (GObject *object)
{
  PlugBrowserConnector *self = PLUG_BROWSER_CONNECTOR (object);

  stop_waiting (self);
  if (self->waiting != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->waiting);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Plugin %s is gone", connector_name (self));
    }
  self->closing = TRUE;
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  if (self->close_waiters != NULL)
    complete_close_waiters (self);

  G_OBJECT_CLASS (plug_browser_connector_parent_class)->dispose (object);
}

static void
plug_browser_connector_finalize (GObject *object)
{
  PlugBrowserConnector *self = PLUG_BROWSER_CONNECTOR (object);

  g_clear_pointer (&self->close_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (plug_browser_connector_parent_class)->finalize (object);
}

static void
plug_browser_connector_class_init (PlugBrowserConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->dispose = plug_browser_connector_dispose;
  object_class->finalize = plug_browser_connector_finalize;

  connector_class->connect = plug_browser_connector_connect;
  connector_class->disconnect = plug_browser_connector_disconnect;
  connector_class->send = plug_browser_connector_send;
}

static void
plug_browser_connector_init (PlugBrowserConnector *self)
{
  self->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

PLUG_DEFINE_CONNECTOR_MODULE_WITH_LISTENER (PLUG_BROWSER_CONNECTOR_NAME,
                                            plug_browser_connector_get_type (),
                                            "ws",
                                            plug_browser_listener_get_type ())
