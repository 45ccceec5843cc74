/* plugctl-cmd-listen.c: listen
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plugctl-cli.h"

typedef struct
{
  const char *emitter;
  const char *event;
  gint        count;     /* 0: until interrupted */
  gint        received;
  gboolean    lost;      /* the emitter stopped */
} Listen;

static void
on_event (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  Listen *listen = user_data;
  g_autoptr(JsonNode) line = NULL;

  if (listen->count > 0 && listen->received >= listen->count)
    return;
  listen->received++;

  if (plugctl_options.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "emitter");
      json_builder_add_string_value (builder, emitter);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
      json_builder_set_member_name (builder, "args");
      json_builder_begin_array (builder);
      for (guint i = 0; i < json_array_get_length (args); i++)
        json_builder_add_value (builder, json_array_dup_element (args, i));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      line = json_builder_get_root (builder);
    }
  else
    {
      line = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (line, args);
    }
  plugctl_print_json_line (line);
}

/* The emitter stopped before the events asked for came. */
static int
print_lost (Listen *listen)
{
  g_autofree char *text = g_strdup_printf ("%s stopped", listen->emitter);

  if (plugctl_options.json)
    {
      g_autoptr(JsonNode) line = plugctl_error_to_json (text, "plugin-exited");

      plugctl_print_json_line (line);
    }
  else
    {
      g_printerr ("plugctl: %s\n", text);
    }
  return PLUGCTL_EXIT_FAILED;
}

static void
on_plugin_deactivated (PlugManager *manager,
                       PlugProfile *profile,
                       gpointer     user_data)
{
  Listen *listen = user_data;

  if (g_strcmp0 (plug_profile_get_name (profile), listen->emitter) == 0)
    listen->lost = TRUE;
}

static int
run_listen (PlugctlEngine *engine,
            gpointer       user_data)
{
  Listen *listen = user_data;
  const char *event = listen->event;
  PlugEngine *plug_engine = plugctl_engine_get_engine (engine);
  PlugManager *manager = plug_engine_get_manager (plug_engine);
  g_autoptr(GError) error = NULL;
  gulong handler_id;
  int status = PLUGCTL_EXIT_OK;

  if (!plugctl_engine_lookup (engine, listen->emitter, &error))
    return plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);

  /* subscribe first: the emitter may emit as soon as it is active */
  if (!plug_engine_on (plug_engine, PLUGCTL_CLI_PLUGIN, listen->emitter, event,
                       on_event, listen, NULL, &error))
    return plugctl_print_error (error, PLUGCTL_EXIT_FAILED);

  if (plugctl_engine_may_activate (engine, listen->emitter) &&
      !plugctl_engine_activate (engine, listen->emitter, &error))
    {
      if (plugctl_engine_get_signal (engine) != 0)
        return PLUGCTL_EXIT_OK;
      return plugctl_print_error (error, plugctl_exit_code_for_start (error));
    }

  handler_id = g_signal_connect (manager, "plugin-deactivated",
                                 G_CALLBACK (on_plugin_deactivated), listen);
  while (plugctl_engine_get_signal (engine) == 0 && !listen->lost &&
         (listen->count == 0 || listen->received < listen->count))
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (manager, handler_id);

  if (listen->lost && plugctl_engine_get_signal (engine) == 0 &&
      (listen->count == 0 || listen->received < listen->count))
    {
      status = print_lost (listen);
    }
  plug_engine_off (plug_engine, PLUGCTL_CLI_PLUGIN, listen->emitter, event);
  return status;
}

static void
on_remote_event (PlugctlEngine1 *proxy,
                 const char     *emitter,
                 const char     *event,
                 const char     *args_text,
                 gpointer        user_data)
{
  Listen *listen = user_data;
  g_autoptr(JsonNode) args = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (emitter, listen->emitter) != 0 || g_strcmp0 (event, listen->event) != 0)
    return;
  args = plugctl_remote_parse (args_text, &error);
  if (args == NULL || !JSON_NODE_HOLDS_ARRAY (args))
    {
      g_warning ("Event %s of %s: %s", event, emitter,
                 error != NULL ? error->message : "the arguments are not an array");
      return;
    }
  on_event (emitter, event, json_node_get_array (args), listen);
}

static void
on_remote_plugin_deactivated (PlugctlEngine1 *proxy,
                              const char     *name,
                              gpointer        user_data)
{
  Listen *listen = user_data;

  if (g_strcmp0 (name, listen->emitter) == 0)
    listen->lost = TRUE;
}

/* The daemon sends this process the Event signal from Listen on, and
 * forgets the subscription when this process leaves the bus. */
static int
run_listen_remote (PlugctlRemote *remote,
                   gpointer       user_data)
{
  Listen *listen = user_data;
  PlugctlEngine1 *proxy = plugctl_remote_get_proxy (remote);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gulong event_id, deactivated_id;
  int status = PLUGCTL_EXIT_OK;

  event_id = g_signal_connect (proxy, "event", G_CALLBACK (on_remote_event), listen);
  deactivated_id = g_signal_connect (proxy, "plugin-deactivated",
                                     G_CALLBACK (on_remote_plugin_deactivated), listen);

  plugctl_engine1_call_listen (proxy, listen->emitter, listen->event,
                               plugctl_remote_get_call_cancellable (remote),
                               plugctl_store_result, &result);
  plugctl_remote_wait (remote, &result);
  if (!plugctl_engine1_call_listen_finish (proxy, result, &error))
    {
      if (plugctl_remote_get_signal (remote) == 0)
        status = plugctl_remote_fail (remote, error, plugctl_exit_code_for_call);
    }
  else
    {
      listen->lost = FALSE;  /* a stop before Listen returned is no loss */
      while (plugctl_remote_get_signal (remote) == 0 && !listen->lost &&
             (listen->count == 0 || listen->received < listen->count))
        g_main_context_iteration (NULL, TRUE);

      if (listen->lost && plugctl_remote_get_signal (remote) == 0 &&
          (listen->count == 0 || listen->received < listen->count))
        {
          status = print_lost (listen);
        }
    }
  g_signal_handler_disconnect (proxy, event_id);
  g_signal_handler_disconnect (proxy, deactivated_id);
  return status;
}

int
plugctl_cmd_listen (int      argc,
                    char   **argv,
                    gboolean do_help)
{
  Listen listen = { NULL, };
  const GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &listen.count,
      "Exit after N events", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  int status;

  context = plugctl_option_context_new ("PLUGIN EVENT",
                                        "Start PLUGIN and print each EVENT it emits "
                                        "as one line of JSON, flushed at once: the "
                                        "arguments, or with --json an object "
                                        "{\"emitter\", \"event\", \"args\"} (one line "
                                        "whatever the format). Runs until N events "
                                        "with --count, or until SIGINT or SIGTERM (exit "
                                        "status 0).",
                                        entries);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 2, "PLUGIN", "EVENT", NULL))
    return PLUGCTL_EXIT_USAGE;
  if (listen.count < 0)
    return plugctl_usage_error ("Invalid count %d", listen.count);
  listen.emitter = argv[1];
  listen.event = argv[2];
  return plugctl_run (PLUGCTL_RUN_LAZY, run_listen, run_listen_remote, &listen);
}
