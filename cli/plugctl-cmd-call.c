/* plugctl-cmd-call.c: call, activate, deactivate, emit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "plugctl-cli.h"

static const char plugctl_args_text[] =
  "Each ARG is JSON when it parses as JSON, else a string: 2 is a number,\n"
  "'\"2\"' and hi are strings, '[1,2]' is an array. Put arguments that start\n"
  "with '-' and are not numbers after '--'.";

static const char plugctl_call_text[] =
  "A single ARG '-' reads the arguments from standard input, as one JSON\n"
  "array: echo '[2, 3]' | plugctl call echo sum -\n"
  "\n"
  "--exec 'COMMAND [ARG…]' runs COMMAND as a child-process plugin for this\n"
  "call, without a manifest: plugctl call --exec './tool --flag' METHOD [ARG…].\n"
  "The words are split as the shell does; the plugin is named after the\n"
  "command's file name up to its first '.', its methods are those it states\n"
  "in the handshake, and it is stopped after the call.\n"
  "\n"
  "The result is JSON: pretty on a terminal, on one line when piped, or as\n"
  "--json=pretty or --json=short say. With --json, a failed call prints\n"
  "{\"error\": text, \"code\": name} on standard output instead of a message.\n"
  "The call timeout is the manifest's callTimeout (default 10000 ms), or --timeout.";

/* The words after the options; NULL, with the usage error printed, when
 * one of @required is missing. */
static GPtrArray *
parse_words (int                 argc,
             char              **argv,
             const char * const *required)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) words = plugctl_positional_args (argc, argv, &error);

  if (words == NULL)
    {
      plugctl_usage_error ("%s", error->message);
      return NULL;
    }
  if (words->len < g_strv_length ((char **) required))
    {
      plugctl_usage_error ("Missing %s", required[words->len]);
      return NULL;
    }
  return g_steal_pointer (&words);
}

/* What call, activate, deactivate and emit act on. */
typedef struct
{
  const char *name;    /* PLUGIN, or the service path of call */
  const char *method;  /* or emit's EVENT */
  JsonArray  *args;
} Request;

static int
run_call (PlugctlEngine *engine,
          gpointer       user_data)
{
  const Request *request = user_data;
  PlugEngine *plug_engine = plugctl_engine_get_engine (engine);
  g_autofree char *target = g_strndup (request->name, strcspn (request->name, "."));
  const GError *profile_error = plugctl_engine_get_profile_error (engine, target);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  if (profile_error != NULL)
    return plugctl_print_error (profile_error, PLUGCTL_EXIT_NOT_FOUND);

  /* activating first tells a plugin that does not start (exit status 4)
   * from a call that fails; the call itself activates when the policy
   * forbids `cli` to, and fails with the protocol's text */
  if (plug_engine_is_registered (plug_engine, target) &&
      plugctl_engine_may_activate (engine, target) &&
      !plugctl_engine_activate (engine, target, &error))
    return plugctl_engine_fail (engine, error, plugctl_exit_code_for_start (error));

  plug_engine_call (plug_engine, PLUGCTL_CLI_PLUGIN, request->name, request->method,
                    request->args, plugctl_engine_get_cancellable (engine),
                    plugctl_store_result, &result);
  plugctl_engine_wait (engine, &result);
  if (!plugctl_json_pretty ())
    {
      /* as the plugin wrote it: no parse */
      g_autofree char *text = plug_engine_call_finish_text (plug_engine, result, NULL, &error);

      if (text == NULL)
        return plugctl_engine_fail (engine, error, plugctl_exit_code_for_call (error));
      fputs (text, stdout);
      fputc ('\n', stdout);
      return PLUGCTL_EXIT_OK;
    }

  node = plug_engine_call_finish (plug_engine, result, &error);
  if (node == NULL)
    return plugctl_engine_fail (engine, error, plugctl_exit_code_for_call (error));

  plugctl_print_json (node, TRUE);
  return PLUGCTL_EXIT_OK;
}

static void
print_result (JsonNode *node,
              gpointer  user_data)
{
  plugctl_print_json (node, plugctl_json_pretty ());
}

static int
run_call_remote (PlugctlRemote *remote,
                 gpointer       user_data)
{
  const Request *request = user_data;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *args_text = plugctl_args_to_text (request->args);

  plugctl_engine1_call_call (plugctl_remote_get_proxy (remote), request->name,
                             request->method, args_text,
                             plugctl_remote_get_call_cancellable (remote),
                             plugctl_store_result, &result);
  return plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_call_finish,
                                     print_result, NULL, plugctl_exit_code_for_call);
}

/* The ARGs from @first on, or from standard input for a single `-`;
 * NULL, with the usage error printed, when standard input is no array. */
static JsonArray *
call_args (GPtrArray *words,
           guint      first)
{
  g_autoptr(GError) error = NULL;
  JsonArray *args;

  if (words->len != first + 1 || strcmp (g_ptr_array_index (words, first), "-") != 0)
    return plugctl_args_to_json (words, first);

  args = plugctl_read_stdin_args (&error);
  if (args == NULL)
    plugctl_usage_error ("%s", error->message);
  return args;
}

typedef struct
{
  Request      request;
  PlugProfile *profile;
} ExecRequest;

static int
run_exec (PlugctlEngine *engine,
          gpointer       user_data)
{
  ExecRequest *exec = user_data;
  g_autoptr(GError) error = NULL;

  if (plugctl_engine_register_profile (engine, exec->profile, &error) == NULL)
    return plugctl_print_error (error, plugctl_exit_code_for_start (error));
  exec->request.name = plug_profile_get_name (exec->profile);
  return run_call (engine, &exec->request);
}

/* call --exec: the one plugin of the engine is the command's. */
static int
run_call_exec (const char *command_line,
               const char *method,
               JsonArray  *args)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  ExecRequest exec = { { NULL, method, args }, NULL };

  profile = plugctl_exec_profile_new (command_line, &error);
  if (profile == NULL)
    return plugctl_usage_error ("Invalid --exec \"%s\": %s", command_line, error->message);

  plugctl_options.no_manifests = TRUE;
  exec.profile = profile;
  return plugctl_run (PLUGCTL_RUN_LAZY, run_exec, NULL, &exec);
}

int
plugctl_cmd_call (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autofree char *exec = NULL;
  const GOptionEntry entries[] = {
    { "exec", 0, 0, G_OPTION_ARG_STRING, &exec,
      "Run COMMAND as a plugin for this call, without a manifest; "
      "then PLUGIN is left out", "'COMMAND [ARG…]'" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) words = NULL;
  g_autoptr(JsonArray) args = NULL;
  Request request;
  int status;

  context = plugctl_option_context_new ("PLUGIN METHOD [ARG…]",
                                        "Call METHOD of PLUGIN with the ARGs as the "
                                        "plugin cli, print the result as JSON, then "
                                        "stop the plugin. PLUGIN may be a service "
                                        "path such as cmd.git.",
                                        entries);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  {
    g_autofree char *description = g_strconcat (plugctl_args_text, "\n\n",
                                                plugctl_call_text, NULL);

    plugctl_option_context_add_description (context, description);
  }
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  words = parse_words (argc, argv,
                       exec != NULL ? (const char * const[]) { "METHOD", NULL }
                                    : (const char * const[]) { "PLUGIN", "METHOD", NULL });
  if (words == NULL)
    return PLUGCTL_EXIT_USAGE;
  if (exec != NULL && plugctl_use_daemon ())
    return plugctl_usage_error ("--exec runs its plugin here, not in the daemon");

  args = call_args (words, exec != NULL ? 1 : 2);
  if (args == NULL)
    return PLUGCTL_EXIT_USAGE;
  if (exec != NULL)
    return run_call_exec (exec, g_ptr_array_index (words, 0), args);

  request = (Request) { g_ptr_array_index (words, 0), g_ptr_array_index (words, 1), args };
  return plugctl_run (PLUGCTL_RUN_LAZY, run_call, run_call_remote, &request);
}

static void
print_methods (const char *name,
               JsonArray  *methods)
{
  if (plugctl_options.json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (root, methods);
      plugctl_print_json (root, plugctl_json_pretty ());
    }
  else
    {
      g_autofree char *joined = plugctl_join_strings (methods);

      g_print ("%s: active (methods: %s)\n", name, joined);
    }
}

static void
print_profile_methods (PlugProfile *profile)
{
  const char * const *methods = plug_profile_get_methods (profile);
  g_autoptr(JsonArray) array = json_array_new ();

  for (gsize i = 0; methods != NULL && methods[i] != NULL; i++)
    json_array_add_string_element (array, methods[i]);
  print_methods (plug_profile_get_name (profile), array);
}

static void
print_remote_methods (JsonNode *methods,
                      gpointer  user_data)
{
  const Request *request = user_data;

  if (JSON_NODE_HOLDS_ARRAY (methods))
    print_methods (request->name, json_node_get_array (methods));
}

/* The plugin stays active in the daemon. */
static int
run_activate_remote (PlugctlRemote *remote,
                     gpointer       user_data)
{
  const Request *request = user_data;
  g_autoptr(GAsyncResult) result = NULL;

  plugctl_engine1_call_activate (plugctl_remote_get_proxy (remote), request->name,
                                 plugctl_remote_get_call_cancellable (remote),
                                 plugctl_store_result, &result);
  return plugctl_remote_finish_json (remote, &result, plugctl_engine1_call_activate_finish,
                                     print_remote_methods, user_data,
                                     plugctl_exit_code_for_start);
}

static int
run_activate (PlugctlEngine *engine,
              gpointer       user_data)
{
  const Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!plugctl_engine_lookup (engine, request->name, &error))
    return plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);
  if (!plugctl_engine_activate (engine, request->name, &error))
    return plugctl_engine_fail (engine, error, plugctl_exit_code_for_start (error));
  print_profile_methods (plugctl_engine_find_profile (engine, request->name));
  return PLUGCTL_EXIT_OK;
}

static int
exit_code_failed (const GError *error)
{
  return PLUGCTL_EXIT_FAILED;
}

/* Deactivate (@request->method NULL) or Emit through the daemon. */
static int
run_remote_no_answer (PlugctlRemote *remote,
                      gpointer       user_data)
{
  const Request *request = user_data;
  PlugctlEngine1 *proxy = plugctl_remote_get_proxy (remote);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (request->method == NULL)
    {
      plugctl_engine1_call_deactivate (proxy, request->name,
                                       plugctl_remote_get_call_cancellable (remote),
                                       plugctl_store_result, &result);
      plugctl_remote_wait (remote, &result);
      done = plugctl_engine1_call_deactivate_finish (proxy, result, &error);
    }
  else
    {
      g_autofree char *args_text = plugctl_args_to_text (request->args);

      plugctl_engine1_call_emit (proxy, request->method, args_text,
                                 plugctl_remote_get_call_cancellable (remote),
                                 plugctl_store_result, &result);
      plugctl_remote_wait (remote, &result);
      done = plugctl_engine1_call_emit_finish (proxy, result, &error);
    }
  if (done)
    return PLUGCTL_EXIT_OK;
  return plugctl_remote_fail (remote, error, request->method == NULL ? plugctl_exit_code_for_call
                                                                     : exit_code_failed);
}

int
plugctl_cmd_activate (int      argc,
                      char   **argv,
                      gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  Request request = { NULL, };
  int status;

  context = plugctl_option_context_new ("PLUGIN",
                                        "Start PLUGIN, wait for its handshake and print "
                                        "the methods it exposes (a JSON array with "
                                        "--json). plugctl stops it again on exit.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 1, "PLUGIN", NULL))
    return PLUGCTL_EXIT_USAGE;
  request.name = argv[1];
  return plugctl_run (PLUGCTL_RUN_LAZY, run_activate, run_activate_remote, &request);
}

static int
run_deactivate (PlugctlEngine *engine,
                gpointer       user_data)
{
  const Request *request = user_data;
  PlugEngine *plug_engine = plugctl_engine_get_engine (engine);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!plugctl_engine_lookup (engine, request->name, &error))
    return plugctl_print_error (error, PLUGCTL_EXIT_NOT_FOUND);

  plug_engine_deactivate (plug_engine, request->name,
                          plugctl_engine_get_cancellable (engine),
                          plugctl_store_result, &result);
  plugctl_engine_wait (engine, &result);
  if (!plug_engine_deactivate_finish (plug_engine, result, &error))
    return plugctl_engine_fail (engine, error, PLUGCTL_EXIT_FAILED);
  return PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_deactivate (int      argc,
                        char   **argv,
                        gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  Request request = { NULL, };
  int status;

  context = plugctl_option_context_new ("PLUGIN",
                                        "Stop PLUGIN. Stopping a plugin that does not "
                                        "run does nothing and succeeds.",
                                        NULL);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 1, "PLUGIN", NULL))
    return PLUGCTL_EXIT_USAGE;
  request.name = argv[1];
  return plugctl_run (PLUGCTL_RUN_LAZY, run_deactivate, run_remote_no_answer, &request);
}

static int
run_emit (PlugctlEngine *engine,
          gpointer       user_data)
{
  const Request *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_emit (plugctl_engine_get_engine (engine), PLUGCTL_CLI_PLUGIN,
                         request->method, request->args, &error))
    return plugctl_engine_fail (engine, error, PLUGCTL_EXIT_FAILED);
  return PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_emit (int      argc,
                  char   **argv,
                  gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) words = NULL;
  g_autoptr(JsonArray) args = NULL;
  Request request = { NULL, };
  int status;

  context = plugctl_option_context_new ("EVENT [ARG…]",
                                        "Emit EVENT with the ARGs from the plugin cli "
                                        "to the plugins that listen to it.",
                                        NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  plugctl_option_context_add_description (context, plugctl_args_text);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  words = parse_words (argc, argv, (const char * const[]) { "EVENT", NULL });
  if (words == NULL)
    return PLUGCTL_EXIT_USAGE;

  args = plugctl_args_to_json (words, 1);
  request.method = g_ptr_array_index (words, 0);
  request.args = args;
  return plugctl_run (PLUGCTL_RUN_LAZY, run_emit, run_remote_no_answer, &request);
}
