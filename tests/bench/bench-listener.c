/* bench-listener.c: a child plugin that counts the events it hears
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For bench-calls' fan-out to child listeners: it listens to `tick` of
 * the plugin `emitter` (the subscription goes with its handshake), and
 * its method `count` answers how many ticks it has heard. As a channel
 * keeps its order, an answer to `count` comes after every tick emitted
 * before the call.
 */
#include <stdio.h>

#include <plugctl.h>

static gint64 heard;

static void
on_tick (const char *emitter,
         const char *event,
         JsonArray  *args,
         gpointer    user_data)
{
  heard++;
}

static void
count_method (PlugCall *call,
              gpointer  user_data)
{
  g_autoptr(JsonNode) count = json_node_init_int (json_node_alloc (), heard);

  plug_call_return_value (call, count);
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
      fprintf (stderr, "bench-listener: %s\n", error->message);
      return 1;
    }
  plug_client_add_method (client, "count", count_method, NULL, NULL);
  plug_client_on (client, "emitter", "tick", on_tick, NULL, NULL);

  return plug_client_run (client);
}
