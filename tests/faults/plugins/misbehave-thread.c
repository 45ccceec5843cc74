/* misbehave-thread.c: a `thread` plugin module that breaks the protocol
 * on request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Methods: echo [x] → x; hang never answers; twice [x] answers twice;
 * wrongid answers with an id nobody sent. PlugClient never misbehaves, so
 * the last three are answered here, on the raw messages of the client's
 * connector (plug-client-private.h), and left unanswered by the client.
 */
#include "config.h"

#include <plugctl.h>

#include "plug-client-private.h"

static void
echo (PlugCall *call,
      gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);
  g_autoptr(JsonNode) null = json_node_new (JSON_NODE_NULL);

  plug_call_return_value (call, json_array_get_length (args) > 0 ?
                                json_array_get_element (args, 0) : null);
}

/* The client's call stays unanswered: the wire answer, if any, is sent by
 * on_raw_message(). */
static void
leave_unanswered (PlugCall *call,
                  gpointer  user_data)
{
}

static void
send_raw (PlugClientConnector *connector,
          PlugMessage         *message)
{
  g_autoptr(GError) error = NULL;

  if (!plug_client_connector_send (connector, message, &error))
    g_warning ("misbehave-thread: cannot send: %s", error->message);
}

static void
on_raw_message (PlugClientConnector *connector,
                PlugMessage         *message,
                gpointer             user_data)
{
  const char *key = plug_message_get_key (message);
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(PlugMessage) reply = NULL;

  if (plug_message_get_action (message) != PLUG_ACTION_REQUEST || key == NULL)
    return;

  if (g_str_equal (key, "twice"))
    {
      value = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (value, "twice");
      reply = plug_message_new_response (message, value);
      send_raw (connector, reply);
      send_raw (connector, reply);
    }
  else if (g_str_equal (key, "wrongid"))
    {
      value = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (value, "for nobody");
      reply = plug_message_new_response (message, value);
      plug_message_set_id (reply, plug_message_get_id (message) + 1000);
      send_raw (connector, reply);
    }
}

static void
misbehave_setup (PlugClient *client)
{
  plug_client_add_method (client, "echo", echo, NULL, NULL);
  plug_client_add_method (client, "hang", leave_unanswered, NULL, NULL);
  plug_client_add_method (client, "twice", leave_unanswered, NULL, NULL);
  plug_client_add_method (client, "wrongid", leave_unanswered, NULL, NULL);
  g_signal_connect (client->connector, "message", G_CALLBACK (on_raw_message), NULL);
}

PLUG_CLIENT_DEFINE_MODULE (misbehave_setup)
