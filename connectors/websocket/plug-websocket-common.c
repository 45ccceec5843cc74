/* plug-websocket-common.c: what the websocket and socketio connectors share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-websocket-common.h"

const char *
plug_websocket_link_name (PlugWebsocketLink *link)
{
  return plug_plugin_get_name (PLUG_PLUGIN (link->connector));
}

const char *
plug_websocket_link_url (PlugWebsocketLink *link)
{
  const char *url = plug_profile_get_url (plug_plugin_get_profile (PLUG_PLUGIN (link->connector)));

  return url != NULL ? url : "";
}

void
plug_websocket_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

GSource *
plug_websocket_add_timeout (guint        timeout_ms,
                            GSourceFunc  func,
                            gpointer     data,
                            const char  *name)
{
  GSource *source = g_timeout_source_new (timeout_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}

void
plug_websocket_link_set_watchdog (PlugWebsocketLink *link,
                                  guint              timeout_ms,
                                  GSourceFunc        func,
                                  const char        *name)
{
  plug_websocket_clear_source (&link->watchdog);
  if (timeout_ms > 0)
    link->watchdog = plug_websocket_add_timeout (timeout_ms, func, link->connector, name);
}

static void
complete_close_waiters (PlugWebsocketLink *link)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&link->close_waiters);

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

/* Lets go of the connection; its signals no longer reach us. */
static void
drop_connection (PlugWebsocketLink *link)
{
  plug_websocket_clear_source (&link->watchdog);
  plug_websocket_clear_source (&link->close_timer);
  if (link->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (link->connection, link);
  if (soup_websocket_connection_get_state (link->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (link->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&link->connection);
}

/* Ends the pending connect, if any, with @error (consumed). */
static gboolean
fail_connect (PlugWebsocketLink *link,
              GError            *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&link->connect_task);

  if (task == NULL)
    {
      g_error_free (error);
      return FALSE;
    }
  g_cancellable_disconnect (g_task_get_cancellable (task), link->cancel_id);
  link->cancel_id = 0;
  g_cancellable_cancel (link->soup_cancellable);
  g_clear_object (&link->soup_cancellable);
  drop_connection (link);
  g_task_return_error (task, error);
  return TRUE;
}

void
plug_websocket_link_connected (PlugWebsocketLink *link)
{
  g_autoptr(GTask) task = g_steal_pointer (&link->connect_task);

  if (task == NULL)
    return;
  g_cancellable_disconnect (g_task_get_cancellable (task), link->cancel_id);
  link->cancel_id = 0;
  g_clear_object (&link->soup_cancellable);
  g_task_return_boolean (task, TRUE);
}

void
plug_websocket_link_lost (PlugWebsocketLink *link,
                          GError            *cause)
{
  g_autoptr(GError) error = cause;
  PlugPlugin *plugin = PLUG_PLUGIN (link->connector);
  PlugPluginState state;

  if (fail_connect (link, g_error_copy (error)))
    return;

  g_object_ref (plugin);
  drop_connection (link);
  state = plug_plugin_get_state (plugin);
  if (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING)
    plug_plugin_lost (plugin, error);
  else
    g_debug ("%s (plugin not active)", error->message);
  g_object_unref (plugin);
}

/* Connection signals */

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  PlugWebsocketLink *link = user_data;
  PlugConnector *connector = link->connector;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  plug_spin_note_activity ();
  link->heard = TRUE;
  if (link->closing)
    return;
  g_object_ref (connector);
  link->funcs->frame (connector, type, data, length);
  g_object_unref (connector);
}

static void
on_pong (SoupWebsocketConnection *connection,
         GBytes                  *message,
         gpointer                 user_data)
{
  PlugWebsocketLink *link = user_data;

  link->heard = TRUE;
}

static void
on_error (SoupWebsocketConnection *connection,
          GError                  *error,
          gpointer                 user_data)
{
  PlugWebsocketLink *link = user_data;

  g_debug ("Plugin %s: websocket error: %s", plug_websocket_link_name (link), error->message);
}

static void
on_closed (SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  PlugWebsocketLink *link = user_data;
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *reason = soup_websocket_connection_get_close_data (connection);

  if (link->closing)
    {
      drop_connection (link);
      complete_close_waiters (link);
      return;
    }

  if (code == 0)
    plug_websocket_link_lost (link, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin %s: connection to %s lost (no close frame)",
                                                 plug_websocket_link_name (link),
                                                 plug_websocket_link_url (link)));
  else
    plug_websocket_link_lost (link, g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin %s closed the connection to %s (code %u%s%s)",
                                                 plug_websocket_link_name (link),
                                                 plug_websocket_link_url (link), code,
                                                 reason != NULL && *reason != '\0' ? ": " : "",
                                                 reason != NULL ? reason : ""));
}

static void
attach_connection (PlugWebsocketLink       *link,
                   SoupWebsocketConnection *connection)
{
  link->connection = connection;
  plug_spin_attach (g_main_context_get_thread_default ());
  soup_websocket_connection_set_max_incoming_payload_size (connection, PLUG_WEBSOCKET_MAX_MESSAGE);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), link);
  g_signal_connect (connection, "pong", G_CALLBACK (on_pong), link);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), link);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), link);
}

/* TLS */

/* The profile's tlsCaFile as a database, or NULL (the system's) when it
 * has none; FALSE with an error naming the plugin when it cannot be used. */
static gboolean
load_tls_database (PlugWebsocketLink  *link,
                   GTlsDatabase      **database,
                   GError            **error)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (link->connector));
  g_autoptr(JsonObject) json = plug_profile_to_json (profile);
  JsonNode *node = json_object_get_member (json, PLUG_WEBSOCKET_TLS_CA_FILE_FIELD);
  const char *manifest = plug_profile_get_path (profile);
  g_autofree char *base_dir = NULL;
  g_autofree char *path = NULL;
  g_autolist(GTlsCertificate) certificates = NULL;
  g_autoptr(GError) local_error = NULL;

  *database = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"" PLUG_WEBSOCKET_TLS_CA_FILE_FIELD "\" must be a string",
                   plug_websocket_link_name (link));
      return FALSE;
    }

  /* Relative to the manifest's directory; without a manifest file, to
   * the plugin's cwd, which defaults to the directory it was loaded for. */
  base_dir = manifest != NULL ? g_path_get_dirname (manifest) : g_strdup (plug_profile_get_cwd (profile));
  path = g_canonicalize_filename (json_node_get_string (node), base_dir);
  /* The database takes a file without certificates: it would trust nothing. */
  certificates = g_tls_certificate_list_new_from_file (path, &local_error);
  if (certificates == NULL && local_error == NULL)
    local_error = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                                       "it holds no PEM certificate");
  if (local_error == NULL)
    *database = g_tls_file_database_new (path, &local_error);
  if (*database == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: cannot use " PLUG_WEBSOCKET_TLS_CA_FILE_FIELD " %s: %s",
                   plug_websocket_link_name (link), path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_accept_certificate (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  PlugWebsocketLink *link = user_data;

  link->tls_errors = errors;
  return FALSE;
}

/* What is wrong with the certificate libsoup refused, in words. */
static char *
describe_tls_errors (GTlsCertificateFlags errors)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char *text;
  } problems[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a trusted authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it does not name the host" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "its algorithm is insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it is invalid" },
  };
  GString *text = g_string_new ("the server's TLS certificate is not trusted");
  const char *separator = ": ";

  for (gsize i = 0; i < G_N_ELEMENTS (problems); i++)
    {
      if ((errors & problems[i].flag) == 0)
        continue;
      g_string_append_printf (text, "%s%s", separator, problems[i].text);
      separator = ", ";
    }
  return g_string_free (text, FALSE);
}

/* Connecting */

static GError *
connect_error (PlugWebsocketLink *link,
               const GError      *cause)
{
  g_autofree char *tls_problem = NULL;

  if (link->tls_errors != 0 && g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    tls_problem = describe_tls_errors (link->tls_errors);

  return g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                      "Cannot connect to plugin %s at %s: %s",
                      plug_websocket_link_name (link), plug_websocket_link_url (link),
                      tls_problem != NULL ? tls_problem : cause->message);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugWebsocketLink *link = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  /* Failed, cancelled or abandoned meanwhile. */
  if (link->connect_task != task)
    {
      if (connection != NULL)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&connection);
      return;
    }
  if (connection == NULL)
    {
      fail_connect (link, connect_error (link, error));
      return;
    }

  attach_connection (link, connection);
  link->funcs->opened (link->connector);
}

static gboolean
on_connect_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;
  PlugWebsocketLink *link = g_task_get_task_data (task);

  if (link->connect_task == task)
    fail_connect (link, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     "Connecting to plugin %s was cancelled",
                                     plug_websocket_link_name (link)));
  return G_SOURCE_REMOVE;
}

/* May run in any thread, with the cancellable's lock held: defer. */
static void
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;

  g_main_context_invoke_full (g_task_get_context (task), G_PRIORITY_DEFAULT,
                              on_connect_cancelled_idle, g_object_ref (task), g_object_unref);
}

SoupSession *
plug_websocket_session_new (void)
{
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

void
plug_websocket_link_connect (PlugWebsocketLink   *link,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (link->connector, cancellable, callback, user_data);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *endpoint = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, plug_websocket_link_connect);
  g_task_set_task_data (task, link, NULL);
  g_task_set_check_cancellable (task, FALSE);

  fail_connect (link, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Plugin %s connects again", plug_websocket_link_name (link)));
  drop_connection (link);
  link->closing = FALSE;
  link->tls_errors = 0;

  endpoint = link->funcs->endpoint (link->connector, plug_websocket_link_url (link), &error);
  if (endpoint != NULL)
    {
      message = soup_message_new (SOUP_METHOD_GET, endpoint);
      if (message == NULL)
        error = g_error_new (PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE, "Plugin %s: invalid url \"%s\"",
                             plug_websocket_link_name (link), plug_websocket_link_url (link));
    }
  if (error != NULL || !load_tls_database (link, &database, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* A new session each time: the profile's tlsCaFile may have changed. */
  g_clear_object (&link->session);
  link->session = plug_websocket_session_new ();
  if (database != NULL)
    soup_session_set_tls_database (link->session, database);
  g_signal_connect (message, "accept-certificate", G_CALLBACK (on_accept_certificate), link);

  link->connect_task = g_object_ref (task);
  link->soup_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    link->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_connect_cancelled),
                                             g_object_ref (task), g_object_unref);
  soup_session_websocket_connect_async (link->session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, link->soup_cancellable,
                                        on_connected, g_steal_pointer (&task));
}

/* Closing */

static gboolean
on_close_timeout (gpointer user_data)
{
  PlugWebsocketLink *link = user_data;

  g_clear_pointer (&link->close_timer, g_source_unref);
  g_debug ("Plugin %s did not answer the close within %u ms",
           plug_websocket_link_name (link), plug_connector_get_grace_period (link->connector));
  drop_connection (link);
  complete_close_waiters (link);

  return G_SOURCE_REMOVE;
}

void
plug_websocket_link_disconnect (PlugWebsocketLink   *link,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (link->connector, NULL, callback, user_data);

  g_task_set_source_tag (task, plug_websocket_link_disconnect);
  fail_connect (link, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Plugin %s was disconnected", plug_websocket_link_name (link)));

  if (link->connection == NULL ||
      soup_websocket_connection_get_state (link->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      drop_connection (link);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Wait for the peer's close frame, within the grace period. */
  link->closing = TRUE;
  plug_websocket_clear_source (&link->watchdog);
  if (link->close_waiters == NULL)
    link->close_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (link->close_waiters, g_steal_pointer (&task));
  soup_websocket_connection_close (link->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  if (link->close_timer == NULL && link->connection != NULL)
    link->close_timer = plug_websocket_add_timeout (plug_connector_get_grace_period (link->connector),
                                     on_close_timeout, link, "[plugctl] websocket close");
}

/* Sending */

gboolean
plug_websocket_link_check_open (PlugWebsocketLink  *link,
                                GError            **error)
{
  if (link->connection == NULL || link->closing || link->connect_task != NULL ||
      soup_websocket_connection_get_state (link->connection) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "%s connection of plugin %s is not open",
                   link->funcs->transport, plug_websocket_link_name (link));
      return FALSE;
    }
  return TRUE;
}

void
plug_websocket_link_send_text (PlugWebsocketLink *link,
                               const char        *text)
{
  plug_spin_note_activity ();
  soup_websocket_connection_send_text (link->connection, text);
}

/* Life */

void
plug_websocket_link_init (PlugWebsocketLink            *link,
                          PlugConnector                *connector,
                          const PlugWebsocketLinkFuncs *funcs)
{
  *link = (PlugWebsocketLink) { .connector = connector, .funcs = funcs };
}

void
plug_websocket_link_clear (PlugWebsocketLink *link)
{
  link->closing = TRUE;
  fail_connect (link, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   "Plugin %s is going away", plug_websocket_link_name (link)));
  drop_connection (link);
  complete_close_waiters (link);
  g_clear_object (&link->session);
}

void
plug_websocket_default_restart (PlugPlugin *plugin)
{
  PlugProfile *profile = plug_plugin_get_profile (plugin);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) update = NULL;
  g_autoptr(GError) error = NULL;

  if (profile == NULL)
    return;
  json = plug_profile_to_json (profile);
  if (json_object_has_member (json, "restart"))
    return;

  update = json_object_new ();
  json_object_set_string_member (update, "restart", "on-failure");
  if (!plug_profile_update (profile, update, &error))
    g_warning ("Plugin %s: cannot default to restart on failure: %s",
               plug_plugin_get_name (plugin), error->message);
}
