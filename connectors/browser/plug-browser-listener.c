/* plug-browser-listener.c: web pages connect to the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "plug-browser-listener.h"

#include "plug-browser-connector.h"

struct _PlugBrowserListener
{
  PlugListener  parent_instance;

  SoupServer   *server;
  char         *path;
};

G_DEFINE_FINAL_TYPE (PlugBrowserListener, plug_browser_listener, PLUG_TYPE_LISTENER)

/* The engine's listener, on the engine itself (no reference). */
static GQuark
listener_quark (void)
{
  return g_quark_from_static_string ("plug-browser-listener");
}

PlugBrowserListener *
plug_browser_listener_get_for_engine (PlugEngine *engine)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (engine), NULL);

  return g_object_get_qdata (G_OBJECT (engine), listener_quark ());
}

static PlugEngine *
listener_engine (PlugBrowserListener *self)
{
  return plug_listener_get_engine (PLUG_LISTENER (self));
}

static char *
peer_address (SoupServerMessage *msg)
{
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("(unknown)");
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  if (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)) != NULL &&
      g_inet_address_get_family (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address))) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* Why a page may not claim @name now, or NULL. */
static char *
refusal_reason (PlugBrowserListener *self,
                const char          *name,
                PlugPlugin         **plugin_out)
{
  PlugPlugin *plugin;
  const char *connector;

  if (name == NULL || *name == '\0')
    return g_strdup ("no plugin name");
  plugin = plug_engine_get_plugin (listener_engine (self), name);
  if (plugin == NULL)
    return g_strdup ("no such plugin");
  if (!PLUG_IS_BROWSER_CONNECTOR (plugin))
    {
      connector = plug_profile_get_connector (plug_plugin_get_profile (plugin));
      return g_strdup_printf ("its connector is \"%s\", not \"" PLUG_BROWSER_CONNECTOR_NAME "\"",
                              connector != NULL ? connector : PLUG_PROFILE_DEFAULT_CONNECTOR);
    }
  if (plug_browser_connector_is_claimed (PLUG_BROWSER_CONNECTOR (plugin)))
    return g_strdup ("another connection claimed it");
  if (plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_DEACTIVATING)
    return g_strdup ("it is being deactivated");
  if (plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_ACTIVE ||
      (plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_ACTIVATING &&
       !plug_browser_connector_is_waiting (PLUG_BROWSER_CONNECTOR (plugin))))
    return g_strdup ("it is starting without this page: try again");

  if (plugin_out != NULL)
    *plugin_out = plugin;
  return NULL;
}

static void
log_refusal (SoupServerMessage *msg,
             const char        *name,
             const char        *reason)
{
  g_autofree char *peer = peer_address (msg);

  g_warning ("Refused the connection from %s for plugin \"%s\": %s",
             peer, name != NULL ? name : "", reason);
}

static void
refuse (SoupServerMessage *msg,
        const char        *name,
        const char        *reason,
        gboolean           tell)
{
  g_autofree char *body = g_strdup_printf ("Forbidden: %s\n", tell ? reason : "wrong token");

  log_refusal (msg, name, reason);
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, strlen (body));
}

/* Before the upgrade: every check, so that a refusal is an HTTP 403. */
static void
on_request (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PlugBrowserListener *self = user_data;
  const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
  const char *token = query != NULL ? g_hash_table_lookup (query, "token") : NULL;
  g_autofree char *reason = NULL;

  if (!plug_listener_check_token (PLUG_LISTENER (self), token))
    {
      refuse (msg, name, token == NULL ? "no token" : "wrong token", FALSE);
      return;
    }
  reason = refusal_reason (self, name, NULL);
  if (reason != NULL)
    refuse (msg, name, reason, TRUE);
  /* else no status: libsoup goes on with the upgrade */
}

typedef struct
{
  PlugBrowserConnector *plugin;
  char                 *peer;
} Registration;

static void
registration_free (Registration *registration)
{
  g_object_unref (registration->plugin);
  g_free (registration->peer);
  g_free (registration);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Registration, registration_free)

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Registration) registration = user_data;
  g_autoptr(GError) error = NULL;

  if (plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    {
      g_info ("The page at %s registered plugin %s", registration->peer,
              plug_plugin_get_name (PLUG_PLUGIN (registration->plugin)));
      return;
    }
  g_warning ("The page at %s registered plugin %s, which did not start: %s",
             registration->peer, plug_plugin_get_name (PLUG_PLUGIN (registration->plugin)),
             error->message);
  plug_browser_connector_drop_offer (registration->plugin, error->message);
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  PlugBrowserListener *self = user_data;
  const char *query_text = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GHashTable) query = query_text != NULL ? soup_form_decode (query_text) : NULL;
  const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
  g_autofree char *peer = peer_address (msg);
  g_autofree char *reason = NULL;
  PlugPlugin *plugin = NULL;
  PlugPluginState state;
  Registration *registration;

  /* Again: the engine may have changed since the request was read. */
  reason = refusal_reason (self, name, &plugin);
  if (reason != NULL)
    {
      log_refusal (msg, name, reason);
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
      return;
    }

  state = plug_plugin_get_state (plugin);
  plug_browser_connector_offer (PLUG_BROWSER_CONNECTOR (plugin), connection, peer);
  if (state != PLUG_PLUGIN_STATE_INACTIVE && state != PLUG_PLUGIN_STATE_FAILED)
    return;  /* an activation waited for it */

  registration = g_new0 (Registration, 1);
  registration->plugin = g_object_ref (PLUG_BROWSER_CONNECTOR (plugin));
  registration->peer = g_steal_pointer (&peer);
  plug_engine_activate (listener_engine (self), name, NULL, on_registered, registration);
}

/* PlugListener */

static GInetAddress *
loopback_address (GUri    *uri,
                  GError **error)
{
  const char *host = g_uri_get_host (uri);
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                           "A listen URI needs a loopback address, such as ws://127.0.0.1:0");
      return NULL;
    }
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  address = g_inet_address_new_from_string (host);
  if (address == NULL || !g_inet_address_get_is_loopback (address))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Refusing to listen on %s: pages may connect on a loopback address "
                   "only (127.0.0.1, ::1 or localhost)", host);
      return NULL;
    }
  return g_steal_pointer (&address);
}

static char *
bound_uri (PlugBrowserListener *self,
           GInetAddress        *address)
{
  GSList *listeners = soup_server_get_listeners (self->server);
  g_autofree char *host = g_inet_address_to_string (address);
  g_autoptr(GSocketAddress) local = NULL;
  guint port = 0;

  if (listeners != NULL)
    local = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  return g_uri_join (G_URI_FLAGS_NONE, "ws", NULL, host, port, self->path, NULL, NULL);
}

static gboolean
plug_browser_listener_start (PlugListener  *listener,
                             GError       **error)
{
  PlugBrowserListener *self = PLUG_BROWSER_LISTENER (listener);
  const char *uri_text = plug_listener_get_uri (listener);
  PlugEngine *engine = plug_listener_get_engine (listener);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *bound = NULL;
  const char *path;
  gint port;

  uri = g_uri_parse (uri_text, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Cannot listen on \"%s\": %s", uri_text, local_error->message);
      return FALSE;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "ws") != 0)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Cannot listen on \"%s\": only ws:// URIs are served", uri_text);
      return FALSE;
    }
  if (plug_browser_listener_get_for_engine (engine) != NULL)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                           "The engine already listens for web pages");
      return FALSE;
    }
  address = loopback_address (uri, error);
  if (address == NULL)
    return FALSE;

  path = g_uri_get_path (uri);
  self->path = g_strdup (path == NULL || *path == '\0' || g_str_equal (path, "/")
                         ? PLUG_BROWSER_DEFAULT_PATH : path);
  port = g_uri_get_port (uri);
  socket_address = g_inet_socket_address_new (address, port > 0 ? port : 0);

  self->server = soup_server_new ("server-header", "plugctl ", NULL);
  soup_server_add_handler (self->server, self->path, on_request, self, NULL);
  soup_server_add_websocket_handler (self->server, self->path, NULL, NULL,
                                     on_websocket, self, NULL);
  if (!soup_server_listen (self->server, socket_address, 0, &local_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Cannot listen on %s: %s", uri_text, local_error->message);
      g_clear_object (&self->server);
      return FALSE;
    }

  bound = bound_uri (self, address);
  plug_listener_set_bound_uri (listener, bound);
  g_object_set_qdata (G_OBJECT (engine), listener_quark (), self);
  g_debug ("Listening for web pages on %s", bound);

  return TRUE;
}

/* GObject */

static void
plug_browser_listener_dispose (GObject *object)
{
  PlugBrowserListener *self = PLUG_BROWSER_LISTENER (object);
  PlugEngine *engine = plug_listener_get_engine (PLUG_LISTENER (self));

  if (engine != NULL && plug_browser_listener_get_for_engine (engine) == self)
    g_object_set_qdata (G_OBJECT (engine), listener_quark (), NULL);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (plug_browser_listener_parent_class)->dispose (object);
}

static void
plug_browser_listener_finalize (GObject *object)
{
  PlugBrowserListener *self = PLUG_BROWSER_LISTENER (object);

  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (plug_browser_listener_parent_class)->finalize (object);
}

static void
plug_browser_listener_class_init (PlugBrowserListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugListenerClass *listener_class = PLUG_LISTENER_CLASS (klass);

  object_class->dispose = plug_browser_listener_dispose;
  object_class->finalize = plug_browser_listener_finalize;

  listener_class->start = plug_browser_listener_start;
}

static void
plug_browser_listener_init (PlugBrowserListener *self)
{
}
