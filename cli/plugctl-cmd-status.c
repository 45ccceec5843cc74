/* plugctl-cmd-status.c: status, what runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl-cli.h"

/* A plugin of the manifests whose connector is missing: what
 * plug_engine_get_status() would say, had it been registered. */
static JsonObject *
unavailable_status (PlugProfile  *profile,
                    const GError *error)
{
  JsonObject *status = json_object_new ();

  json_object_set_string_member (status, "name", plug_profile_get_name (profile));
  json_object_set_string_member (status, "state", "unavailable");
  json_object_set_string_member (status, "connector", plug_profile_get_connector (profile));
  if (plug_profile_get_version (profile) != NULL)
    json_object_set_string_member (status, "version", plug_profile_get_version (profile));
  json_object_set_int_member (status, "restarts", 0);
  json_object_set_string_member (status, "lastError", error->message);
  json_object_set_int_member (status, "pendingCalls", 0);
  return status;
}

static JsonObject *
plugin_status (PlugctlEngine  *engine,
               const char     *name,
               GError        **error)
{
  const GError *profile_error = plugctl_engine_get_profile_error (engine, name);
  PlugProfile *profile = plugctl_engine_find_profile (engine, name);

  if (profile_error != NULL && profile != NULL)
    return unavailable_status (profile, profile_error);
  return plug_engine_get_status (plugctl_engine_get_engine (engine), name, error);
}

JsonNode *
plugctl_status_to_json (PlugctlEngine  *engine,
                        const char     *name,
                        GError        **error)
{
  JsonNode *root;

  if (name != NULL)
    {
      JsonObject *status = plugin_status (engine, name, error);

      if (status == NULL)
        return NULL;
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, status);
    }
  else
    {
      GPtrArray *profiles = plugctl_engine_list_profiles (engine);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < profiles->len; i++)
        {
          PlugProfile *profile = g_ptr_array_index (profiles, i);
          JsonObject *status = plugin_status (engine, plug_profile_get_name (profile), NULL);

          if (status != NULL)
            json_array_add_object_element (array, status);
        }
      root = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (root, array);
    }
  return root;
}

/* Printing */

static const char *
member_text (JsonObject *object,
             const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
member_int (JsonObject *object,
            const char *member,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

/* 950 ms, 12.5 s, 3 min 20 s, 2 h 5 min, 3 d 4 h */
static char *
format_duration (gint64 ms)
{
  gint64 s = ms / 1000;

  if (ms < 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT " ms", ms);
  if (s < 60)
    return g_strdup_printf ("%.1f s", ms / 1000.0);
  if (s < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s", s / 60, s % 60);
  if (s < 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min",
                            s / 3600, s % 3600 / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " d %" G_GINT64_FORMAT " h",
                          s / 86400, s % 86400 / 3600);
}

static char *
int_text (JsonObject *status,
          const char *member)
{
  gint64 value;

  if (!member_int (status, member, &value))
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static char *
duration_text (JsonObject *status,
               const char *member)
{
  gint64 value;

  if (!member_int (status, member, &value))
    return NULL;
  return format_duration (value);
}

/* "2", or "2, oldest 1.5 s" */
static char *
pending_text (JsonObject *status)
{
  g_autofree char *oldest = duration_text (status, "oldestCallAge");
  gint64 pending = 0;

  member_int (status, "pendingCalls", &pending);
  if (oldest == NULL)
    return g_strdup_printf ("%" G_GINT64_FORMAT, pending);
  return g_strdup_printf ("%" G_GINT64_FORMAT ", oldest %s", pending, oldest);
}

enum { COL_NAME, COL_STATE, COL_PID, COL_UPTIME, COL_RESTARTS, COL_PENDING, COL_ERROR,
       N_COLUMNS };

static const char * const column_titles[N_COLUMNS] = {
  "NAME", "STATE", "PID", "UPTIME", "RESTARTS", "PENDING", "LAST ERROR",
};

static void
fill_row (JsonObject *status,
          char      **row)
{
  row[COL_NAME] = g_strdup (member_text (status, "name"));
  row[COL_STATE] = g_strdup (member_text (status, "state"));
  row[COL_PID] = int_text (status, "pid");
  row[COL_UPTIME] = duration_text (status, "uptime");
  row[COL_RESTARTS] = int_text (status, "restarts");
  row[COL_PENDING] = pending_text (status);
  row[COL_ERROR] = g_strdup (member_text (status, "lastError"));
  for (guint i = 0; i < N_COLUMNS; i++)
    if (row[i] == NULL)
      row[i] = g_strdup (i == COL_ERROR ? "" : "-");
}

static void
print_status_table (JsonArray *plugins)
{
  guint length = json_array_get_length (plugins);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  int widths[N_COLUMNS];

  for (guint i = 0; i < N_COLUMNS; i++)
    widths[i] = strlen (column_titles[i]);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *node = json_array_get_element (plugins, i);
      char **row;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      row = g_new0 (char *, N_COLUMNS + 1);
      fill_row (json_node_get_object (node), row);
      for (guint j = 0; j < N_COLUMNS; j++)
        widths[j] = MAX (widths[j], (int) g_utf8_strlen (row[j], -1));
      g_ptr_array_add (rows, row);
    }

  g_print ("%-*s  %-*s  %*s  %*s  %*s  %-*s  %s\n",
           widths[0], column_titles[0], widths[1], column_titles[1],
           widths[2], column_titles[2], widths[3], column_titles[3],
           widths[4], column_titles[4], widths[5], column_titles[5], column_titles[6]);
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      g_print ("%-*s  %-*s  %*s  %*s  %*s  %-*s  %s\n",
               widths[0], row[0], widths[1], row[1], widths[2], row[2],
               widths[3], row[3], widths[4], row[4], widths[5], row[5], row[6]);
    }
}

static void
print_field (const char *label,
             char       *value)  /* (transfer full) */
{
  if (value != NULL)
    g_print ("%-17s %s\n", label, value);
  g_free (value);
}

static void
print_status_details (JsonObject *status)
{
  gint64 version;

  print_field ("name:", g_strdup (member_text (status, "name")));
  print_field ("state:", g_strdup (member_text (status, "state")));
  print_field ("connector:", g_strdup (member_text (status, "connector")));
  print_field ("version:", g_strdup (member_text (status, "version")));
  print_field ("pid:", int_text (status, "pid"));
  print_field ("started at:", g_strdup (member_text (status, "startedAt")));
  print_field ("uptime:", duration_text (status, "uptime"));
  print_field ("activation time:", duration_text (status, "activationTime"));
  print_field ("restarts:", int_text (status, "restarts"));
  print_field ("pending calls:", pending_text (status));
  if (member_int (status, "protocolVersion", &version))
    print_field ("protocol:", version > 0 ? g_strdup_printf ("plugctl %" G_GINT64_FORMAT, version)
                                          : g_strdup ("Remix (no version)"));
  print_field ("messages in:", int_text (status, "messagesIn"));
  print_field ("messages out:", int_text (status, "messagesOut"));
  print_field ("last error:", g_strdup (member_text (status, "lastError")));
}

static void
print_status (JsonNode *status,
              gpointer  user_data)
{
  if (plugctl_options.json)
    plugctl_print_json (status, plugctl_json_pretty ());
  else if (JSON_NODE_HOLDS_ARRAY (status))
    print_status_table (json_node_get_array (status));
  else if (JSON_NODE_HOLDS_OBJECT (status))
    print_status_details (json_node_get_object (status));
}

static int
run_status_remote (PlugctlRemote *remote,
                   gpointer       user_data)
{
  const char *name = user_data;
  g_autoptr(GAsyncResult) result = NULL;

  plugctl_engine1_call_status (plugctl_remote_get_proxy (remote), name != NULL ? name : "",
                               plugctl_remote_get_call_cancellable (remote),
                               plugctl_store_result, &result);
  return plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_status_finish,
                                     print_status, NULL, plugctl_exit_code_for_call);
}

static int
run_status (PlugctlEngine *engine,
            gpointer       user_data)
{
  const char *name = user_data;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(GError) error = NULL;

  status = plugctl_status_to_json (engine, name, &error);
  if (status == NULL)
    return plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);
  print_status (status, NULL);
  return PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_status (int      argc,
                    char   **argv,
                    gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  const char *name;
  int exit_code;

  context = plugctl_option_context_new ("[PLUGIN]",
                                        "Show what runs: for each plugin its state, pid, "
                                        "uptime, restarts, pending calls and last error; "
                                        "with PLUGIN, every detail (connector, version, "
                                        "activation time, age of the oldest call, "
                                        "messages in and out). plugctl's own engine "
                                        "runs no plugin before a command: use --daemon "
                                        "for the shared engine's view.",
                                        NULL);
  plugctl_option_context_add_description (context,
    "With --json: an array of objects, or with PLUGIN one object, with the members\n"
    "name, state, connector, version, pid, startedAt, uptime, activationTime,\n"
    "restarts, lastError, pendingCalls, oldestCallAge, protocolVersion,\n"
    "messagesIn, messagesOut (times in ms); absent members have no value.");
  exit_code = plugctl_parse_options (context, &argc, &argv, do_help);
  if (exit_code >= 0)
    return exit_code;
  if (!plugctl_check_words (argc, argv, 1, NULL))
    return PLUGCTL_EXIT_USAGE;
  name = argc > 1 ? argv[1] : NULL;
  return plugctl_run (PLUGCTL_RUN_LAZY, run_status, run_status_remote, (gpointer) name);
}
