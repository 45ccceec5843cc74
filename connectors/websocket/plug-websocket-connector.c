/* plug-websocket-connector.c: plugins that serve a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-websocket-connector.h"

#include "plug-websocket-common.h"

struct _PlugWebsocketConnector
{
  PlugConnector     parent_instance;

  PlugWebsocketLink link;
  guint             keepalive_s;
};

G_DEFINE_FINAL_TYPE (PlugWebsocketConnector, plug_websocket_connector, PLUG_TYPE_CONNECTOR)

enum {
  PROP_0,
  PROP_KEEPALIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Keepalive: libsoup pings every keepalive_s seconds; a peer that shows
 * no sign of life (no pong, no message) for two intervals is gone. */
static gboolean
on_watchdog (gpointer user_data)
{
  PlugWebsocketConnector *self = user_data;

  if (self->link.heard)
    {
      self->link.heard = FALSE;
      return G_SOURCE_CONTINUE;
    }

  plug_websocket_link_lost (&self->link,
                            g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                         "Plugin %s did not answer pings",
                                         plug_websocket_link_name (&self->link)));
  return G_SOURCE_REMOVE;
}

static void
start_watchdog (PlugWebsocketConnector *self)
{
  if (self->keepalive_s == 0)
    return;
  soup_websocket_connection_set_keepalive_interval (self->link.connection, self->keepalive_s);
  self->link.heard = TRUE;
  /* Half a period late, so that the pong of the ping just sent counts. */
  plug_websocket_link_set_watchdog (&self->link, self->keepalive_s * 1500, on_watchdog,
                                    "[plugctl] websocket keepalive");
}

/* PlugWebsocketLink */

static char *
websocket_endpoint (PlugConnector  *connector,
                    const char     *url,
                    GError        **error)
{
  g_autofree char *scheme = g_uri_parse_scheme (url);

  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: the websocket connector needs a ws:// or wss:// url, not \"%s\"",
                   plug_plugin_get_name (PLUG_PLUGIN (connector)), url);
      return NULL;
    }
  return g_strdup (url);
}

static void
websocket_opened (PlugConnector *connector)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (connector);

  start_watchdog (self);
  plug_websocket_link_connected (&self->link);
}

static void
websocket_frame (PlugConnector *connector,
                 gint           type,
                 const char    *data,
                 gsize          length)
{
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_warning ("Plugin %s sent a binary frame of %" G_GSIZE_FORMAT " bytes: dropped",
                 plug_plugin_get_name (PLUG_PLUGIN (connector)), length);
      return;
    }
  plug_connector_receive_text (connector, data, length);
}

static const PlugWebsocketLinkFuncs websocket_funcs = {
  .transport = "Websocket",
  .endpoint = websocket_endpoint,
  .opened = websocket_opened,
  .frame = websocket_frame,
};

/* PlugConnector */

static void
plug_websocket_connector_connect (PlugConnector       *connector,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  plug_websocket_link_connect (&PLUG_WEBSOCKET_CONNECTOR (connector)->link,
                               cancellable, callback, user_data);
}

static void
plug_websocket_connector_disconnect (PlugConnector       *connector,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  plug_websocket_link_disconnect (&PLUG_WEBSOCKET_CONNECTOR (connector)->link,
                                  callback, user_data);
}

static gboolean
plug_websocket_connector_send (PlugConnector  *connector,
                               PlugMessage    *message,
                               GError        **error)
{
  PlugWebsocketConnector *self = PLUG_WEBSOCKET_CONNECTOR (connector);
  g_autofree char *text = NULL;

  if (!plug_websocket_link_check_open (&self->link, error))
    return FALSE;

  text = plug_message_to_string (message);
  plug_websocket_link_send_text (&self->link, text);

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

  plug_websocket_link_clear (&self->link);

  G_OBJECT_CLASS (plug_websocket_connector_parent_class)->dispose (object);
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
  object_class->get_property = plug_websocket_connector_get_property;
  object_class->set_property = plug_websocket_connector_set_property;

  connector_class->connect = plug_websocket_connector_connect;
  connector_class->disconnect = plug_websocket_connector_disconnect;
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
  plug_websocket_link_init (&self->link, PLUG_CONNECTOR (self), &websocket_funcs);
  self->keepalive_s = PLUG_WEBSOCKET_DEFAULT_KEEPALIVE_S;
}

PLUG_DEFINE_CONNECTOR_MODULE ("websocket", plug_websocket_connector_get_type ())
