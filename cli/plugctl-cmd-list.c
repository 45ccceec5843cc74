/* plugctl-cmd-list.c: list, info, connectors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl-cli.h"

static void
add_string_member (JsonBuilder *builder,
                   const char  *key,
                   const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_strv_member (JsonBuilder        *builder,
                 const char         *key,
                 const char * const *values)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (gsize i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

static const char *
profile_state (PlugctlEngine *engine,
               PlugProfile   *profile)
{
  const char *name = plug_profile_get_name (profile);

  if (plugctl_engine_get_profile_error (engine, name) != NULL)
    return "unavailable";
  return plugctl_state_to_string (plugctl_engine_get_state (engine, name));
}

static void
build_plugin_object (JsonBuilder   *builder,
                     PlugctlEngine *engine,
                     PlugProfile   *profile)
{
  const GError *error = plugctl_engine_get_profile_error (engine,
                                                         plug_profile_get_name (profile));

  json_builder_begin_object (builder);
  add_string_member (builder, "name", plug_profile_get_name (profile));
  add_string_member (builder, "state", profile_state (engine, profile));
  add_string_member (builder, "connector", plug_profile_get_connector (profile));
  add_string_member (builder, "description", plug_profile_get_description (profile));
  add_string_member (builder, "version", plug_profile_get_version (profile));
  add_strv_member (builder, "methods", plug_profile_get_methods (profile));
  add_strv_member (builder, "events", plug_profile_get_events (profile));
  add_string_member (builder, "path", plug_profile_get_path (profile));
  if (error != NULL)
    add_string_member (builder, "error", error->message);
  json_builder_end_object (builder);
}

static void
print_list_json (PlugctlEngine *engine,
                 GPtrArray     *profiles)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < profiles->len; i++)
    build_plugin_object (builder, engine, g_ptr_array_index (profiles, i));
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  plugctl_print_json (root, TRUE);
}

static void
print_list_text (PlugctlEngine *engine,
                 GPtrArray     *profiles)
{
  int name_width = 4, state_width = 5, connector_width = 9;

  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);

      name_width = MAX (name_width, (int) strlen (plug_profile_get_name (profile)));
      state_width = MAX (state_width, (int) strlen (profile_state (engine, profile)));
      connector_width = MAX (connector_width,
                             (int) strlen (plug_profile_get_connector (profile)));
    }

  g_print ("%-*s  %-*s  %-*s  %s\n", name_width, "NAME", state_width, "STATE",
           connector_width, "CONNECTOR", "DESCRIPTION");
  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);
      const char *name = plug_profile_get_name (profile);
      const GError *error = plugctl_engine_get_profile_error (engine, name);
      const char *description = plug_profile_get_description (profile);

      if (error != NULL)
        description = error->message;
      g_print ("%-*s  %-*s  %-*s  %s\n", name_width, name,
               state_width, profile_state (engine, profile),
               connector_width, plug_profile_get_connector (profile),
               description != NULL ? description : "");
    }
}

int
plugctl_cmd_list (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  PlugctlEngine *engine;
  int status;

  context = plugctl_option_context_new ("",
                                        "List the plugins of the manifests found in "
                                        "the plugin search path: name, state, "
                                        "connector and description.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (argc > 1)
    return plugctl_usage_error ("Unexpected argument \"%s\"", argv[1]);

  engine = plugctl_engine_open (&status);
  if (engine == NULL)
    return status;

  if (plugctl_options.json)
    print_list_json (engine, plugctl_engine_list_profiles (engine));
  else
    print_list_text (engine, plugctl_engine_list_profiles (engine));
  return plugctl_engine_close (engine, PLUGCTL_EXIT_OK);
}

static void
print_field (const char *label,
             const char *value)
{
  if (value != NULL)
    g_print ("%-14s %s\n", label, value);
}

static void
print_strv_field (const char         *label,
                  const char * const *values)
{
  g_autofree char *joined = NULL;

  if (values == NULL || values[0] == NULL)
    return;
  joined = g_strjoinv (", ", (char **) values);
  print_field (label, joined);
}

static void
print_uint_field (const char *label,
                  guint       value,
                  const char *unit)
{
  g_autofree char *text = g_strdup_printf ("%u%s", value, unit);

  print_field (label, text);
}

static void
print_info_text (PlugctlEngine *engine,
                 PlugProfile   *profile)
{
  const GError *error = plugctl_engine_get_profile_error (engine,
                                                         plug_profile_get_name (profile));

  print_field ("name:", plug_profile_get_name (profile));
  print_field ("state:", profile_state (engine, profile));
  print_field ("description:", plug_profile_get_description (profile));
  print_field ("version:", plug_profile_get_version (profile));
  print_field ("connector:", plug_profile_get_connector (profile));
  print_field ("url:", plug_profile_get_url (profile));
  print_field ("command:", plug_profile_get_command (profile));
  print_strv_field ("args:", plug_profile_get_args (profile));
  print_strv_field ("env:", plug_profile_get_env (profile));
  print_field ("cwd:", plug_profile_get_cwd (profile));
  print_strv_field ("methods:", plug_profile_get_methods (profile));
  print_strv_field ("events:", plug_profile_get_events (profile));
  print_uint_field ("call timeout:", plug_profile_get_call_timeout (profile), " ms");
  print_uint_field ("start timeout:", plug_profile_get_start_timeout (profile), " ms");
  print_uint_field ("concurrency:", plug_profile_get_concurrency (profile), "");
  print_field ("manifest:", plug_profile_get_path (profile));
  if (error != NULL)
    print_field ("error:", error->message);
}

int
plugctl_cmd_info (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  PlugctlEngine *engine;
  PlugProfile *profile;
  int status;

  context = plugctl_option_context_new ("PLUGIN",
                                        "Show the profile of PLUGIN: its manifest "
                                        "with the defaults filled in.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (argc < 2)
    return plugctl_usage_error ("Missing PLUGIN");
  if (argc > 2)
    return plugctl_usage_error ("Unexpected argument \"%s\"", argv[2]);

  engine = plugctl_engine_open (&status);
  if (engine == NULL)
    return status;

  profile = plugctl_engine_find_profile (engine, argv[1]);
  if (profile == NULL)
    {
      plugctl_engine_lookup (engine, argv[1], &error);
      status = plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);
    }
  else if (plugctl_options.json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (root, plug_profile_to_json (profile));
      plugctl_print_json (root, TRUE);
    }
  else
    {
      print_info_text (engine, profile);
    }
  return plugctl_engine_close (engine, status);
}

int
plugctl_cmd_connectors (int      argc,
                        char   **argv,
                        gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) names = NULL;
  int status;

  context = plugctl_option_context_new ("",
                                        "List the connectors found in the connector "
                                        "search path and the module of each.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (argc > 1)
    return plugctl_usage_error ("Unexpected argument \"%s\"", argv[1]);

  plugctl_load_connectors ();
  names = plug_connector_module_list ();

  json_builder_begin_array (builder);
  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    {
      const char *path = plug_connector_module_get_path (names[i]);

      if (!plugctl_options.json)
        {
          g_print ("%-16s %s\n", names[i], path != NULL ? path : "(built in)");
          continue;
        }
      json_builder_begin_object (builder);
      add_string_member (builder, "name", names[i]);
      add_string_member (builder, "path", path);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  if (plugctl_options.json)
    plugctl_print_json (root, TRUE);
  return PLUGCTL_EXIT_OK;
}
