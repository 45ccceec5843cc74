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

#define EVENT_PREFIX "[\"message\","

struct _PlugSocketioConnector
{
  PlugConnector      parent_instance;

  PlugWebsocketLink  link;
  char              *namespace;         /* "" for "/", else "/ns," */
  guint              ping_deadline_ms;  /* no ping from the server: gone */
  GString           *out;               /* reused for every frame sent */
};

G_DEFINE_FINAL_TYPE (PlugSocketioConnector, plug_socketio_connector, PLUG_TYPE_CONNECTOR)

static const char *
connector_name (PlugSocketioConnector *self)
{
  return plug_websocket_link_name (&self->link);
}

static void
report_lost (PlugSocketioConnector *self,
             GError                *cause)
{
  plug_websocket_link_lost (&self->link, cause);
}

static void
send_frame (PlugSocketioConnector *self,
            const char            *text)
{
  plug_websocket_link_send_text (&self->link, text);
}

/* Liveness: the server pings every pingInterval and waits pingTimeout. */
static gboolean
on_watchdog (gpointer user_data)
{
  PlugSocketioConnector *self = user_data;

  report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                  "Plugin %s: no ping from the server within %u ms",
                                  connector_name (self), self->ping_deadline_ms));
  return G_SOURCE_REMOVE;
}

static void
restart_watchdog (PlugSocketioConnector *self)
{
  plug_websocket_link_set_watchdog (&self->link, self->ping_deadline_ms, on_watchdog,
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
      plug_websocket_link_connected (&self->link);
      break;
    case '1':
      report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      "Plugin %s: the server at %s disconnected us",
                                      connector_name (self), plug_websocket_link_url (&self->link)));
      break;
    case '2':
      handle_event (self, data, length);
      break;
    case '4':
      report_lost (self, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      "Plugin %s: the server at %s refused the namespace: %.*s",
                                      connector_name (self), plug_websocket_link_url (&self->link),
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
                                      connector_name (self), plug_websocket_link_url (&self->link)));
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
socketio_frame (PlugConnector *connector,
                gint           type,
                const char    *data,
                gsize          length)
{
  if (type != SOUP_WEBSOCKET_DATA_TEXT || length == 0)
    return;
  handle_engine_io (PLUG_SOCKETIO_CONNECTOR (connector), data, length);
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

static char *
socketio_endpoint (PlugConnector  *connector,
                   const char     *url,
                   GError        **error)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);
  g_autoptr(GError) url_error = NULL;
  char *endpoint;

  g_clear_pointer (&self->namespace, g_free);
  endpoint = engine_io_url (url, &self->namespace, &url_error);
  if (endpoint == NULL)
    g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                 "Plugin %s: the socketio connector cannot use the url \"%s\": %s",
                 connector_name (self), url, url_error->message);
  if (self->namespace == NULL)
    self->namespace = g_strdup ("");
  return endpoint;
}

/* The open packet comes next; the namespace's connect ends connect(). */
static void
socketio_opened (PlugConnector *connector)
{
}

static const PlugWebsocketLinkFuncs socketio_funcs = {
  .transport = "Socket.io",
  .endpoint = socketio_endpoint,
  .opened = socketio_opened,
  .frame = socketio_frame,
};

/* PlugConnector */

static void
plug_socketio_connector_connect (PlugConnector       *connector,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  plug_websocket_link_connect (&PLUG_SOCKETIO_CONNECTOR (connector)->link,
                               cancellable, callback, user_data);
}

/* Leave the namespace, then close: the server sees a clean goodbye. */
static void
plug_socketio_connector_disconnect (PlugConnector       *connector,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);
  g_autofree char *leave = NULL;

  if (self->link.connection != NULL && !self->link.closing &&
      soup_websocket_connection_get_state (self->link.connection) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      leave = g_strconcat ("41", self->namespace, NULL);
      send_frame (self, leave);
    }
  plug_websocket_link_disconnect (&self->link, callback, user_data);
}

static gboolean
plug_socketio_connector_send (PlugConnector  *connector,
                              PlugMessage    *message,
                              GError        **error)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (connector);

  if (!plug_websocket_link_check_open (&self->link, error))
    return FALSE;

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

  plug_websocket_link_clear (&self->link);

  G_OBJECT_CLASS (plug_socketio_connector_parent_class)->dispose (object);
}

static void
plug_socketio_connector_finalize (GObject *object)
{
  PlugSocketioConnector *self = PLUG_SOCKETIO_CONNECTOR (object);

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
  connector_class->disconnect = plug_socketio_connector_disconnect;
  connector_class->send = plug_socketio_connector_send;
}

static void
plug_socketio_connector_init (PlugSocketioConnector *self)
{
  plug_websocket_link_init (&self->link, PLUG_CONNECTOR (self), &socketio_funcs);
  self->namespace = g_strdup ("");
  self->out = g_string_sized_new (256);
}

PLUG_DEFINE_CONNECTOR_MODULE ("socketio", plug_socketio_connector_get_type ())
