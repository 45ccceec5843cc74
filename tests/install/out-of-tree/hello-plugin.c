/* hello-plugin.c: a plugin program built out of tree, against the
 * installed headers and plugctl-1.pc only (tests/install: test-install.c
 * builds it with cc).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <plugctl.h>

static void
greet (PlugCall *call,
       gpointer  user_data)
{
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_VALUE);
  g_autofree char *text = NULL;
  const char *name;

  if (!plug_call_get_arg_string (call, 0, &name))
    return;  /* already answered with an argument error */

  text = g_strdup_printf ("Hello, %s!", name);
  json_node_set_string (result, text);
  plug_call_return_value (call, result);
}

int
main (void)
{
  g_autoptr(PlugClient) client = plug_client_new_for_environment (NULL);

  if (client == NULL)
    return 1;  /* not started by plugctl */

  plug_client_add_method (client, "greet", greet, NULL, NULL);
  return plug_client_run (client);
}
