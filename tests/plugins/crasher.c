/* crasher.c: a test plugin that dies in the middle of a call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Methods: crash (abort()s), exit (exits with the status given, default 1,
 * without answering) and ping.
 */
#include <stdio.h>
#include <stdlib.h>

#include <plugctl.h>

static void
crash_method (PlugCall *call,
              gpointer  user_data)
{
  abort ();
}

static void
exit_method (PlugCall *call,
             gpointer  user_data)
{
  gint64 status = 1;

  if (json_array_get_length (plug_call_get_args (call)) > 0 &&
      !plug_call_get_arg_int (call, 0, &status))
    return;

  exit ((int) status);
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
      fprintf (stderr, "crasher: %s\n", error->message);
      return 1;
    }

  plug_client_add_method (client, "crash", crash_method, NULL, NULL);
  plug_client_add_method (client, "exit", exit_method, NULL, NULL);
  plug_client_add_method (client, "ping", ping_method, NULL, NULL);

  return plug_client_run (client);
}
