/* browser-util.c: what test-browser needs besides the daemon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "browser-util.h"
#include "../cli/cli-runner.h"

#define WAIT_TIMEOUT_S 30

/* Bounded waits on the main loop */

static gboolean
on_wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, on_wait_timeout, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A page played by libsoup */

void
page_clear (Page *page)
{
  if (page->connection != NULL)
    g_signal_handlers_disconnect_by_data (page->connection, page);
  g_clear_object (&page->connection);
  g_clear_error (&page->error);
  g_clear_pointer (&page->request_key, g_free);
}

static void
page_answer (Page        *page,
             JsonObject  *request,
             JsonNode    *payload)
{
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_string_member (response, "action", "response");
  json_object_set_string_member (response, "name", json_object_get_string_member (request, "name"));
  json_object_set_string_member (response, "key", json_object_get_string_member (request, "key"));
  json_object_set_int_member (response, "id", json_object_get_int_member (request, "id"));
  json_object_set_member (response, "payload", payload);
  json_node_set_object (node, response);
  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (page->connection, text);
}

/* Answers the handshake with ["echo", "hang"]; echo answers its first
 * argument; hang never answers. */
static void
on_page_message (SoupWebsocketConnection *connection,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  Page *page = user_data;
  g_autoptr(JsonNode) node = parse_json (g_bytes_get_data (message, NULL));
  JsonObject *request = json_node_get_object (node);
  const char *key = json_object_get_string_member_with_default (request, "key", "");

  if (g_strcmp0 (json_object_get_string_member_with_default (request, "action", ""), "request") != 0)
    return;
  g_free (page->request_key);
  page->request_key = g_strdup (key);
  if (g_str_equal (key, "handshake"))
    {
      g_autoptr(JsonArray) methods = json_array_new ();

      json_array_add_string_element (methods, "echo");
      json_array_add_string_element (methods, "hang");
      page_answer (page, request, json_node_init_array (json_node_alloc (), methods));
      page->handshaken = TRUE;
    }
  else if (g_str_equal (key, "echo"))
    page_answer (page, request,
                 json_node_copy (json_array_get_element (json_object_get_array_member (request, "payload"), 0)));
}

static void
on_page_closed (SoupWebsocketConnection *connection,
                gpointer                 user_data)
{
  ((Page *) user_data)->closed = TRUE;
}

static void
on_page_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Page *page = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  page->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                            &page->error);
  page->status = soup_message_get_status (message);
  if (page->connection != NULL)
    {
      g_signal_connect (page->connection, "message", G_CALLBACK (on_page_message), page);
      g_signal_connect (page->connection, "closed", G_CALLBACK (on_page_closed), page);
    }
  page->done = TRUE;
}

void
page_connect (Page       *page,
              const char *listen,
              const char *name,
              const char *token)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autofree char *escaped_name = g_uri_escape_string (name, NULL, FALSE);
  g_autofree char *url = g_strdup_printf ("%s?name=%s&token=%s", listen,
                                          escaped_name, token);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);

  soup_session_websocket_connect_async (session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_page_connected, page);
  wait_until (flag_is_set, &page->done, "the page's connection");
}

/* Serving files */

static void
on_http_request (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *file = g_build_filename (user_data, base, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  const char *type;

  mapped = g_mapped_file_new (file, FALSE, NULL);
  if (mapped == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (g_str_has_suffix (base, ".js"))
    type = "text/javascript";
  else if (g_str_has_suffix (base, ".html"))
    type = "text/html; charset=utf-8";
  else
    type = "application/octet-stream";
  bytes = g_mapped_file_get_bytes (mapped);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

SoupServer *
http_server_new (const char *dir,
                 guint      *port)
{
  g_autoptr(GError) error = NULL;
  SoupServer *server = soup_server_new (NULL, NULL);
  GSList *uris;

  soup_server_add_handler (server, "/", on_http_request, g_strdup (dir), g_free);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

/* Files */

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}
