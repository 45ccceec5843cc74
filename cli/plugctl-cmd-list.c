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

/* The array `plugctl list --json` prints. */
JsonNode *
plugctl_list_to_json (PlugctlEngine *engine)
{
  GPtrArray *profiles = plugctl_engine_list_profiles (engine);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < profiles->len; i++)
    build_plugin_object (builder, engine, g_ptr_array_index (profiles, i));
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static const char *
member_string (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
member_string_or_empty (JsonObject *object,
                        const char *member)
{
  const char *value = member_string (object, member);

  return value != NULL ? value : "";
}

static JsonObject *
element_object (JsonArray *array,
                guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
print_list_text (JsonArray *plugins)
{
  int name_width = 4, state_width = 5, connector_width = 9;
  guint length = json_array_get_length (plugins);

  for (guint i = 0; i < length; i++)
    {
      JsonObject *plugin = element_object (plugins, i);

      if (plugin == NULL)
        continue;
      name_width = MAX (name_width, (int) strlen (member_string_or_empty (plugin, "name")));
      state_width = MAX (state_width, (int) strlen (member_string_or_empty (plugin, "state")));
      connector_width = MAX (connector_width,
                             (int) strlen (member_string_or_empty (plugin, "connector")));
    }

  g_print ("%-*s  %-*s  %-*s  %s\n", name_width, "NAME", state_width, "STATE",
           connector_width, "CONNECTOR", "DESCRIPTION");
  for (guint i = 0; i < length; i++)
    {
      JsonObject *plugin = element_object (plugins, i);
      const char *description;

      if (plugin == NULL)
        continue;
      description = member_string (plugin, "error");
      if (description == NULL)
        description = member_string_or_empty (plugin, "description");
      g_print ("%-*s  %-*s  %-*s  %s\n",
               name_width, member_string_or_empty (plugin, "name"),
               state_width, member_string_or_empty (plugin, "state"),
               connector_width, member_string_or_empty (plugin, "connector"),
               description);
    }
}

static void
print_list (JsonNode *plugins,
            gpointer  user_data)
{
  if (plugctl_options.json)
    plugctl_print_json (plugins, plugctl_json_pretty ());
  else if (JSON_NODE_HOLDS_ARRAY (plugins))
    print_list_text (json_node_get_array (plugins));
}

static int
run_list_remote (PlugctlRemote *remote,
                 gpointer       user_data)
{
  g_autoptr(GAsyncResult) result = NULL;

  plugctl_engine1_call_list (plugctl_remote_get_proxy (remote),
                             plugctl_remote_get_call_cancellable (remote),
                             plugctl_store_result, &result);
  return plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_list_finish,
                                     print_list, NULL, plugctl_exit_code_for_call);
}

static int
run_list (PlugctlEngine *engine,
          gpointer       user_data)
{
  g_autoptr(JsonNode) plugins = plugctl_list_to_json (engine);

  print_list (plugins, NULL);
  return PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_list (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  int status;

  context = plugctl_option_context_new ("",
                                        "List the plugins of the manifests found in "
                                        "the plugin search path: name, state, "
                                        "connector and description.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 0, NULL))
    return PLUGCTL_EXIT_USAGE;
  return plugctl_run (PLUGCTL_RUN_ALL_PLUGINS, run_list, run_list_remote, NULL);
}

static void
add_uint_member (JsonBuilder *builder,
                 const char  *key,
                 guint        value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_int_value (builder, value);
}

/* The fields `plugctl info` prints, defaults filled in. */
static JsonNode *
build_details (PlugctlEngine *engine,
               PlugProfile   *profile)
{
  const GError *error = plugctl_engine_get_profile_error (engine,
                                                         plug_profile_get_name (profile));
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "name", plug_profile_get_name (profile));
  add_string_member (builder, "state", profile_state (engine, profile));
  add_string_member (builder, "description", plug_profile_get_description (profile));
  add_string_member (builder, "version", plug_profile_get_version (profile));
  add_string_member (builder, "connector", plug_profile_get_connector (profile));
  add_string_member (builder, "url", plug_profile_get_url (profile));
  add_string_member (builder, "command", plug_profile_get_command (profile));
  add_strv_member (builder, "args", plug_profile_get_args (profile));
  add_strv_member (builder, "env", plug_profile_get_env (profile));
  add_string_member (builder, "cwd", plug_profile_get_cwd (profile));
  add_strv_member (builder, "methods", plug_profile_get_methods (profile));
  add_strv_member (builder, "events", plug_profile_get_events (profile));
  add_uint_member (builder, "callTimeout", plug_profile_get_call_timeout (profile));
  add_uint_member (builder, "startTimeout", plug_profile_get_start_timeout (profile));
  add_uint_member (builder, "concurrency", plug_profile_get_concurrency (profile));
  add_string_member (builder, "manifest", plug_profile_get_path (profile));
  if (error != NULL)
    add_string_member (builder, "error", error->message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* {"profile": what `info --json` prints, "details": what `info` prints} */
JsonNode *
plugctl_info_to_json (PlugctlEngine *engine,
                      PlugProfile   *profile)
{
  JsonObject *info = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);

  json_object_set_object_member (info, "profile", plug_profile_to_json (profile));
  json_object_set_member (info, "details", build_details (engine, profile));
  json_node_take_object (root, info);
  return root;
}

static void
print_field (const char *label,
             const char *value)
{
  if (value != NULL)
    g_print ("%-14s %s\n", label, value);
}

static void
print_string_field (JsonObject *details,
                    const char *label,
                    const char *member)
{
  print_field (label, member_string (details, member));
}

static void
print_strv_field (JsonObject *details,
                  const char *label,
                  const char *member)
{
  JsonArray *values = json_object_get_array_member (details, member);
  g_autofree char *joined = NULL;

  if (values == NULL || json_array_get_length (values) == 0)
    return;
  joined = plugctl_join_strings (values);
  print_field (label, joined);
}

static void
print_uint_field (JsonObject *details,
                  const char *label,
                  const char *member,
                  const char *unit)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("%" G_GINT64_FORMAT "%s",
                          json_object_get_int_member_with_default (details, member, 0),
                          unit);
  print_field (label, text);
}

static void
print_info_text (JsonObject *details)
{
  print_string_field (details, "name:", "name");
  print_string_field (details, "state:", "state");
  print_string_field (details, "description:", "description");
  print_string_field (details, "version:", "version");
  print_string_field (details, "connector:", "connector");
  print_string_field (details, "url:", "url");
  print_string_field (details, "command:", "command");
  print_strv_field (details, "args:", "args");
  print_strv_field (details, "env:", "env");
  print_string_field (details, "cwd:", "cwd");
  print_strv_field (details, "methods:", "methods");
  print_strv_field (details, "events:", "events");
  print_uint_field (details, "call timeout:", "callTimeout", " ms");
  print_uint_field (details, "start timeout:", "startTimeout", " ms");
  print_uint_field (details, "concurrency:", "concurrency", "");
  print_string_field (details, "manifest:", "manifest");
  print_string_field (details, "error:", "error");
}

static void
print_info (JsonNode *info,
            gpointer  user_data)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (info) ? json_node_get_object (info) : NULL;
  JsonNode *member;

  if (object == NULL)
    return;
  member = json_object_get_member (object, plugctl_options.json ? "profile" : "details");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return;
  if (plugctl_options.json)
    plugctl_print_json (member, plugctl_json_pretty ());
  else
    print_info_text (json_node_get_object (member));
}

static int
run_info_remote (PlugctlRemote *remote,
                 gpointer       user_data)
{
  const char *name = user_data;
  g_autoptr(GAsyncResult) result = NULL;

  plugctl_engine1_call_info (plugctl_remote_get_proxy (remote), name,
                             plugctl_remote_get_call_cancellable (remote),
                             plugctl_store_result, &result);
  return plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_info_finish,
                                     print_info, NULL, plugctl_exit_code_for_call);
}

static int
run_info (PlugctlEngine *engine,
          gpointer       user_data)
{
  const char *name = user_data;
  PlugProfile *profile = plugctl_engine_find_profile (engine, name);
  g_autoptr(JsonNode) info = NULL;
  g_autoptr(GError) error = NULL;

  if (profile == NULL)
    {
      plugctl_engine_lookup (engine, name, &error);
      return plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);
    }
  info = plugctl_info_to_json (engine, profile);
  print_info (info, NULL);
  return PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_info (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  int status;

  context = plugctl_option_context_new ("PLUGIN",
                                        "Show the profile of PLUGIN: its manifest "
                                        "with the defaults filled in.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 1, "PLUGIN", NULL))
    return PLUGCTL_EXIT_USAGE;
  return plugctl_run (PLUGCTL_RUN_LAZY, run_info, run_info_remote, argv[1]);
}

/* [{"name", "path"}]: the connectors of the search path, null path for
 * a built-in one */
JsonNode *
plugctl_connectors_to_json (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_auto(GStrv) names = NULL;

  plugctl_load_connectors ();
  names = plug_connector_module_list ();

  json_builder_begin_array (builder);
  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    {
      json_builder_begin_object (builder);
      add_string_member (builder, "name", names[i]);
      add_string_member (builder, "path", plug_connector_module_get_path (names[i]));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static void
print_connectors (JsonNode *connectors,
                  gpointer  user_data)
{
  JsonArray *array;

  if (plugctl_options.json)
    {
      plugctl_print_json (connectors, plugctl_json_pretty ());
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (connectors))
    return;

  array = json_node_get_array (connectors);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *connector = element_object (array, i);
      const char *path;

      if (connector == NULL)
        continue;
      path = member_string (connector, "path");
      g_print ("%-16s %s\n", member_string_or_empty (connector, "name"),
               path != NULL ? path : "(built in)");
    }
}

static int
run_connectors_remote (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  PlugctlRemote *remote;
  int status;

  remote = plugctl_remote_open (&status);
  if (remote == NULL)
    return status;
  plugctl_engine1_call_connectors (plugctl_remote_get_proxy (remote),
                                   plugctl_remote_get_call_cancellable (remote),
                                   plugctl_store_result, &result);
  status = plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_connectors_finish,
                                       print_connectors, NULL, plugctl_exit_code_for_call);
  return plugctl_remote_close (remote, status);
}

int
plugctl_cmd_connectors (int      argc,
                        char   **argv,
                        gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JsonNode) connectors = NULL;
  int status;

  context = plugctl_option_context_new ("",
                                        "List the connectors found in the connector "
                                        "search path and the module of each.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 0, NULL))
    return PLUGCTL_EXIT_USAGE;
  if (plugctl_use_daemon ())
    return run_connectors_remote ();

  connectors = plugctl_connectors_to_json ();
  print_connectors (connectors, NULL);
  return PLUGCTL_EXIT_OK;
}
