/* killme.c: a test plugin to be killed from outside
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Methods: pid (its process id, for the test to send it a signal), hang
 * (never answers) and ping.
 */
#include <stdio.h>
#include <unistd.h>

#include <plugctl.h>

static void
pid_method (PlugCall *call,
            gpointer  user_data)
{
  g_autoptr(JsonNode) pid = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (pid, getpid ());
  plug_call_return_value (call, pid);
}

static void
hang_method (PlugCall *call,
             gpointer  user_data)
{
  /* Never answered: the call ends by timeout, cancel or the plugin's death. */
}

static void
ping_method (PlugCall *call,
             gpointer  user_data)
{
  g_autoptr(JsonNode) pong = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (pong, "pong");
  plug_call_return_value (call, pong);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PlugClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = plug_client_new_for_environment (&error);
  if (client == NULL)
    {
      fprintf (stderr, "killme: %s\n", error->message);
      return 1;
    }

  plug_client_add_method (client, "pid", pid_method, NULL, NULL);
  plug_client_add_method (client, "hang", hang_method, NULL, NULL);
  plug_client_add_method (client, "ping", ping_method, NULL, NULL);

  return plug_client_run (client);
}
