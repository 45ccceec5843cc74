/* plugctl.c: the subcommand table, option handling and main()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugctl-cli.h"

typedef int (*PlugctlHandler) (int argc, char **argv, gboolean do_help);

static const struct
{
  const char     *name;
  PlugctlHandler  handler;  /* NULL for "help" */
  const char     *description;  /* NULL: hidden */
} plugctl_commands[] = {
  { "list", plugctl_cmd_list, "List the plugins and their state" },
  { "info", plugctl_cmd_info, "Show a plugin's profile" },
  { "status", plugctl_cmd_status, "Show what runs: state, pid, uptime, calls, errors" },
  { "call", plugctl_cmd_call, "Call a method of a plugin and print the result" },
  { "activate", plugctl_cmd_activate, "Check that a plugin starts" },
  { "deactivate", plugctl_cmd_deactivate, "Stop a plugin" },
  { "listen", plugctl_cmd_listen, "Print the events a plugin emits" },
  { "emit", plugctl_cmd_emit, "Emit an event from the plugin cli" },
  { "connectors", plugctl_cmd_connectors, "List the connectors and their modules" },
  { "validate", plugctl_cmd_validate, "Check manifests without starting anything" },
  { "batch", plugctl_cmd_batch, "Run the calls read as JSON lines on stdin" },
  { "daemon", plugctl_cmd_daemon, "Serve the engine on the session bus" },
  { "help", NULL, "Show help for a command" },
  { "complete", plugctl_cmd_complete, NULL },  /* hidden: for completion/plugctl */
};

static const char plugctl_exit_status_text[] =
  "Exit status:\n"
  "  0  success\n"
  "  1  the call failed (plugin error, timeout, cancel), invalid manifest\n"
  "  2  usage error\n"
  "  3  not found (unknown plugin, method not exposed, unknown connector)\n"
  "  4  the plugin could not be started (also protocol or plugctl version)\n"
  "  130, 143  interrupted by SIGINT, SIGTERM";

PlugctlOptions plugctl_options;

static gboolean
add_dir (GPtrArray   *dirs,
         const char  *value,
         GError     **error)
{
  /* keep the array NULL-terminated for the library's `const char * const *` */
  g_ptr_array_remove_index (dirs, dirs->len - 1);
  g_ptr_array_add (dirs, g_strdup (value));
  g_ptr_array_add (dirs, NULL);
  return TRUE;
}

static gboolean
add_plugin_dir (const char  *option_name,
                const char  *value,
                gpointer     data,
                GError     **error)
{
  return add_dir (plugctl_options.plugin_dirs, value, error);
}

static gboolean
add_connector_dir (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  return add_dir (plugctl_options.connector_dirs, value, error);
}

static gboolean
set_timeout (const char  *option_name,
             const char  *value,
             gpointer     data,
             GError     **error)
{
  guint64 timeout;

  if (g_strcmp0 (value, "infinity") == 0)
    {
      plugctl_options.timeout_ms = PLUGCTL_TIMEOUT_INFINITY;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT, &timeout, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid timeout \"%s\": a number of milliseconds > 0 or "
                   "\"infinity\" expected", value);
      return FALSE;
    }
  plugctl_options.timeout_ms = timeout;
  return TRUE;
}

/* GOption would take the word after an optional value's option as its
 * value (`--json echo`): run() reads --json=FORMAT itself and leaves a
 * plain --json, before the first `--`. Returns FALSE on a bad FORMAT. */
static gboolean
take_json_formats (int    argc,
                   char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      const char *format;

      if (!g_str_has_prefix (argv[i], "--json="))
        continue;
      format = argv[i] + strlen ("--json=");
      if (strcmp (format, "pretty") == 0)
        plugctl_options.json_format = PLUGCTL_JSON_PRETTY;
      else if (strcmp (format, "short") == 0)
        plugctl_options.json_format = PLUGCTL_JSON_SHORT;
      else
        {
          plugctl_usage_error ("Invalid JSON format \"%s\": pretty or short expected",
                               format);
          return FALSE;
        }
      argv[i] = (char *) "--json";
    }
  return TRUE;
}

static gboolean
set_policy (const char  *option_name,
            const char  *value,
            gpointer     data,
            GError     **error)
{
  g_free (plugctl_options.policy);
  plugctl_options.policy = g_strdup (value);
  return TRUE;
}

static gboolean
count_verbose (const char  *option_name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  plugctl_options.verbose++;
  return TRUE;
}

static const GOptionEntry plugctl_global_entries[] = {
  { "plugin-dir", 0, 0, G_OPTION_ARG_CALLBACK, add_plugin_dir,
    "Search DIR for plugin manifests first (repeatable)", "DIR" },
  { "connector-dir", 0, 0, G_OPTION_ARG_CALLBACK, add_connector_dir,
    "Search DIR for connector modules first (repeatable)", "DIR" },
  { "timeout", 0, 0, G_OPTION_ARG_CALLBACK, set_timeout,
    "Call timeout of every plugin, in milliseconds or infinity "
    "(default: the manifest's callTimeout, else 10000)", "MS" },
  { "json", 'j', 0, G_OPTION_ARG_NONE, &plugctl_options.json,
    "Write JSON to standard output, errors too: pretty on a terminal, "
    "short (one line) when piped, or as chosen", "[pretty|short]" },
  { "policy", 0, 0, G_OPTION_ARG_CALLBACK, set_policy,
    "Load the manager's permission policy from FILE", "FILE" },
  { "daemon", 'd', 0, G_OPTION_ARG_NONE, &plugctl_options.daemon,
    "Go through the plugctl daemon on the session bus (also PLUGCTL_DAEMON=1)", NULL },
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_verbose,
    "Also show the plugins' standard output and informational messages", NULL },
  { "help", 'h', 0, G_OPTION_ARG_NONE, &plugctl_options.help,
    "Show help options", NULL },
  G_OPTION_ENTRY_NULL
};

/* GOption prints the summary as is: wrap its long lines at word breaks. */
static char *
wrap_text (const char *text,
           gsize       width)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *wrapped = g_string_new (NULL);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      gsize column = 0;

      if (i > 0)
        g_string_append_c (wrapped, '\n');
      if (strlen (lines[i]) <= width)
        {
          g_string_append (wrapped, lines[i]);
          continue;
        }
      for (gsize j = 0; words[j] != NULL; j++)
        {
          gsize length = strlen (words[j]);

          if (column > 0 && column + 1 + length > width)
            {
              g_string_append_c (wrapped, '\n');
              column = 0;
            }
          else if (j > 0)
            {
              g_string_append_c (wrapped, ' ');
              column++;
            }
          g_string_append (wrapped, words[j]);
          column += length;
        }
    }
  return g_string_free (wrapped, FALSE);
}

GOptionContext *
plugctl_option_context_new (const char         *parameter_string,
                            const char         *summary,
                            const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameter_string);
  g_autofree char *wrapped = wrap_text (summary, 76);

  /* --help is one of our entries, so `plugctl help CMD` and `CMD --help`
   * share one path, and help goes to stdout */
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_summary (context, wrapped);
  g_option_context_set_description (context, plugctl_exit_status_text);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, plugctl_global_entries, NULL);
  return context;
}

/* @text goes above the exit status table. */
void
plugctl_option_context_add_description (GOptionContext *context,
                                        const char     *text)
{
  g_autofree char *description = g_strconcat (text, "\n\n",
                                              plugctl_exit_status_text, NULL);

  g_option_context_set_description (context, description);
}

static void
print_help (GOptionContext *context,
            gboolean        to_stdout)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  if (to_stdout)
    g_print ("%s", help);
  else
    g_printerr ("%s", help);
}

int
plugctl_usage_error (const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("plugctl: %s\nTry '%s --help'\n", message, g_get_prgname ());
  return PLUGCTL_EXIT_USAGE;
}

/* Returns -1 when the command should go on, else its exit code. */
int
plugctl_parse_options (GOptionContext   *context,
                       int              *argc,
                       char           ***argv,
                       gboolean          do_help)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    return plugctl_usage_error ("%s", error->message);

  if (do_help || plugctl_options.help)
    {
      print_help (context, TRUE);
      return PLUGCTL_EXIT_OK;
    }
  return -1;
}

/* Whether the words after a command's options, argv[1] on, are those it
 * takes: one for each name after @max_words (up to NULL), and at most
 * @max_words (-1: any number). Else prints the usage error. */
gboolean
plugctl_check_words (int    argc,
                     char **argv,
                     int    max_words,
                     ...)
{
  int n_words = argc - 1;
  const char *missing;
  va_list names;

  va_start (names, max_words);
  missing = va_arg (names, const char *);
  for (int i = 0; missing != NULL && i < n_words; i++)
    missing = va_arg (names, const char *);
  va_end (names);

  if (missing != NULL)
    {
      plugctl_usage_error ("Missing %s", missing);
      return FALSE;
    }
  if (max_words >= 0 && n_words > max_words)
    {
      plugctl_usage_error ("Unexpected argument \"%s\"", argv[1 + max_words]);
      return FALSE;
    }
  return TRUE;
}

/* With --json, an error is a JSON object on standard output, in the same
 * place as the result it replaces; else a message on standard error. */
int
plugctl_print_error (const GError *error,
                     int           exit_code)
{
  if (plugctl_options.json)
    {
      g_autoptr(JsonNode) node = plugctl_error_to_json (error->message,
                                                        plugctl_error_code (error, exit_code));

      plugctl_print_json (node, plugctl_json_pretty ());
      fflush (stdout);
    }
  else
    {
      g_printerr ("plugctl: %s\n", error->message);
    }
  return exit_code;
}

/* {"error": text, "code": code}: Remix's text, and a name to test for */
JsonNode *
plugctl_error_to_json (const char *text,
                       const char *code)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "error", text);
  json_object_set_string_member (object, "code", code);
  json_node_take_object (node, object);
  return node;
}

/* The names of the PlugError codes, as machine output shows them. */
static const char * const plug_error_codes[] = {
  [PLUG_ERROR_FAILED] = "failed",
  [PLUG_ERROR_NOT_REGISTERED] = "not-registered",
  [PLUG_ERROR_NOT_EXPOSED] = "not-exposed",
  [PLUG_ERROR_NOT_ACTIVATED] = "not-activated",
  [PLUG_ERROR_PERMISSION_DENIED] = "permission-denied",
  [PLUG_ERROR_TIMEOUT] = "timeout",
  [PLUG_ERROR_CANCELLED] = "cancelled",
  [PLUG_ERROR_ALREADY_REGISTERED] = "already-registered",
  [PLUG_ERROR_INVALID_MESSAGE] = "invalid-message",
  [PLUG_ERROR_INVALID_PROFILE] = "invalid-profile",
  [PLUG_ERROR_CONNECTOR] = "connector",
  [PLUG_ERROR_PLUGIN_EXITED] = "plugin-exited",
  [PLUG_ERROR_START_TIMEOUT] = "start-timeout",
  [PLUG_ERROR_INVALID_ARGUMENT] = "invalid-argument",
};

/* The library has no codes of their own for these two start errors; its
 * texts (plug-connector.c, plug-profile.c) tell them. */
static gboolean
is_protocol_version_error (const GError *error)
{
  return g_error_matches (error, PLUG_ERROR, PLUG_ERROR_FAILED) &&
         strstr (error->message, " speaks plugctl protocol versions ") != NULL &&
         g_str_has_suffix (error->message, ": no version in common");
}

static gboolean
is_plugctl_version_error (const GError *error)
{
  return g_error_matches (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE) &&
         strstr (error->message, " needs plugctl ") != NULL &&
         strstr (error->message, "; this is plugctl ") != NULL;
}

/* The stable name of @error in machine output; @exit_code tells a start
 * error (the plugin could not be started) from the same code in a call. */
const char *
plugctl_error_code (const GError *error,
                    int           exit_code)
{
  if (exit_code == PLUGCTL_EXIT_START)
    {
      if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT))
        return "start-timeout";
      if (is_protocol_version_error (error))
        return "protocol-version";
      if (is_plugctl_version_error (error))
        return "plugctl-version";
      if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE))
        return "invalid-profile";
      return "start-failed";
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "cancelled";
  if (error->domain == PLUG_ERROR && error->code >= 0 &&
      (gsize) error->code < G_N_ELEMENTS (plug_error_codes))
    return plug_error_codes[error->code];
  return "failed";
}

static gboolean
is_not_found (const GError *error)
{
  return g_error_matches (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED) ||
         g_error_matches (error, PLUG_ERROR, PLUG_ERROR_NOT_EXPOSED) ||
         g_error_matches (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR);
}

/* A call that started its target itself fails with the start error. */
int
plugctl_exit_code_for_call (const GError *error)
{
  if (is_not_found (error))
    return PLUGCTL_EXIT_NOT_FOUND;
  if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT) ||
      g_error_matches (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE) ||
      is_protocol_version_error (error))
    return PLUGCTL_EXIT_START;
  return PLUGCTL_EXIT_FAILED;
}

/* Any failure to activate, but for the plugin not being there, is a
 * start error; a cancelled activation is not. */
int
plugctl_exit_code_for_start (const GError *error)
{
  if (is_not_found (error))
    return PLUGCTL_EXIT_NOT_FOUND;
  if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED) ||
      g_error_matches (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED))
    return PLUGCTL_EXIT_FAILED;
  return PLUGCTL_EXIT_START;
}

/* Numbers print as json-glib holds them: a double keeps its fraction
 * (cos 0 is 1.0), an integer has none. */
char *
plugctl_json_to_string (JsonNode *node,
                        gboolean  pretty)
{
  /* json-glib's generator writes some doubles as text that is not JSON
   * (1e21 as 1e+21.0): compact output uses the library's writer. */
  return pretty ? json_to_string (node, TRUE) : plugctl_json_to_text (node);
}

/* Whether JSON for standard output is pretty: --json=pretty, or on a
 * terminal unless --json=short. */
gboolean
plugctl_json_pretty (void)
{
  switch (plugctl_options.json_format)
    {
    case PLUGCTL_JSON_PRETTY:
      return TRUE;
    case PLUGCTL_JSON_SHORT:
      return FALSE;
    case PLUGCTL_JSON_AUTO:
    default:
      return isatty (STDOUT_FILENO);
    }
}

/* JSON is UTF-8 whatever the locale: written as is, not through g_print() */
void
plugctl_print_json (JsonNode *node,
                    gboolean  pretty)
{
  g_autofree char *text = plugctl_json_to_string (node, pretty);

  fputs (text, stdout);
  fputc ('\n', stdout);
}

/* The strings of @values joined by ", "; "" for an element that is none. */
char *
plugctl_join_strings (JsonArray *values)
{
  GString *joined = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      const char *value = json_array_get_string_element (values, i);

      if (i > 0)
        g_string_append (joined, ", ");
      g_string_append (joined, value != NULL ? value : "");
    }
  return g_string_free (joined, FALSE);
}

/* For streams read while plugctl runs (listen, batch): flushed at once. */
void
plugctl_print_json_line (JsonNode *node)
{
  g_autofree char *text = plugctl_json_to_string (node, FALSE);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

const char *
plugctl_state_to_string (PlugPluginState state)
{
  switch (state)
    {
    case PLUG_PLUGIN_STATE_INACTIVE:
      return "inactive";
    case PLUG_PLUGIN_STATE_ACTIVATING:
      return "activating";
    case PLUG_PLUGIN_STATE_ACTIVE:
      return "active";
    case PLUG_PLUGIN_STATE_DEACTIVATING:
      return "deactivating";
    case PLUG_PLUGIN_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

static const char *
log_field (const GLogField *fields,
           gsize            n_fields,
           const char      *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, key) == 0)
      return fields[i].length < 0 ? fields[i].value : NULL;
  return NULL;
}

/* A plugin's output, "<plugin>: <line>", becomes "[<plugin>] <line>". */
static void
print_plugin_line (const char *message)
{
  const char *sep = strstr (message, ": ");

  if (sep == NULL)
    g_printerr ("%s\n", message);
  else
    g_printerr ("[%.*s] %s\n", (int) (sep - message), message, sep + 2);
}

static GLogWriterOutput
plugctl_log_writer (GLogLevelFlags   level,
                    const GLogField *fields,
                    gsize            n_fields,
                    gpointer         user_data)
{
  const char *domain = log_field (fields, n_fields, "GLIB_DOMAIN");
  const char *message = log_field (fields, n_fields, "MESSAGE");

  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;

  if (g_strcmp0 (domain, "plugctl-plugin") == 0 &&
      (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) != 0)
    {
      /* stderr lines of plugins always, stdout lines with -v */
      if ((level & G_LOG_LEVEL_MESSAGE) != 0 || plugctl_options.verbose > 0)
        print_plugin_line (message);
      return G_LOG_WRITER_HANDLED;
    }

  if ((level & G_LOG_LEVEL_ERROR) != 0)
    g_printerr ("plugctl: error: %s\n", message);
  else if ((level & G_LOG_LEVEL_CRITICAL) != 0)
    g_printerr ("plugctl: critical: %s\n", message);
  else if ((level & G_LOG_LEVEL_WARNING) != 0)
    g_printerr ("plugctl: warning: %s\n", message);
  else if ((level & G_LOG_LEVEL_MESSAGE) != 0)
    g_printerr ("plugctl: %s\n", message);
  else if ((level & G_LOG_LEVEL_INFO) != 0 && plugctl_options.verbose > 0)
    g_printerr ("plugctl: %s\n", message);
  else if ((level & G_LOG_LEVEL_DEBUG) != 0 && plugctl_options.verbose > 1)
    g_printerr ("plugctl: debug: %s: %s\n", domain ? domain : "", message);
  return G_LOG_WRITER_HANDLED;
}

static GOptionContext *
top_level_context_new (gboolean *version)
{
  const GOptionEntry version_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, version, "Print the version and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GString) summary = g_string_new ("Commands:");
  GOptionContext *context;

  for (gsize i = 0; i < G_N_ELEMENTS (plugctl_commands); i++)
    if (plugctl_commands[i].description != NULL)
      g_string_append_printf (summary, "\n  %-12s %s",
                              plugctl_commands[i].name,
                              plugctl_commands[i].description);
  g_string_append (summary, "\n\nRun 'plugctl COMMAND --help' for a command's "
                            "own options.");

  context = plugctl_option_context_new ("COMMAND [ARGS…]", summary->str,
                                        version_entries);
  /* options before the command are global; the command parses the rest */
  g_option_context_set_strict_posix (context, TRUE);
  return context;
}

static gssize
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (plugctl_commands); i++)
    if (strcmp (plugctl_commands[i].name, name) == 0)
      return i;
  return -1;
}

static int
run_command (gssize   index,
             int      argc,
             char   **argv,
             gboolean do_help)
{
  g_autofree char *prgname = g_strdup_printf ("plugctl %s",
                                              plugctl_commands[index].name);

  g_set_prgname (prgname);
  return plugctl_commands[index].handler (argc, argv, do_help);
}

static int
run_help (GOptionContext *top_context,
          int             argc,
          char          **argv)
{
  gssize index;

  if (argc < 2)
    {
      print_help (top_context, TRUE);
      return PLUGCTL_EXIT_OK;
    }
  index = find_command (argv[1]);
  if (index < 0)
    return plugctl_usage_error ("Unknown command \"%s\"", argv[1]);
  if (plugctl_commands[index].handler == NULL)
    {
      print_help (top_context, TRUE);
      return PLUGCTL_EXIT_OK;
    }
  return run_command (index, argc - 1, argv + 1, TRUE);
}

static void
options_init (void)
{
  plugctl_options.plugin_dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (plugctl_options.plugin_dirs, NULL);
  plugctl_options.connector_dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (plugctl_options.connector_dirs, NULL);
}

static void
options_clear (void)
{
  g_clear_pointer (&plugctl_options.plugin_dirs, g_ptr_array_unref);
  g_clear_pointer (&plugctl_options.connector_dirs, g_ptr_array_unref);
  g_clear_pointer (&plugctl_options.policy, g_free);
}

static int
run (int    argc,
     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE;
  gssize index;

  g_set_prgname ("plugctl");
  if (!take_json_formats (argc, argv))
    return PLUGCTL_EXIT_USAGE;
  context = top_level_context_new (&version);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return plugctl_usage_error ("%s", error->message);

  if (version)
    {
      g_print ("plugctl %s\n", PACKAGE_VERSION);
      return PLUGCTL_EXIT_OK;
    }
  if (argc < 2)
    {
      print_help (context, plugctl_options.help);
      return plugctl_options.help ? PLUGCTL_EXIT_OK : PLUGCTL_EXIT_USAGE;
    }
  if (strcmp (argv[1], "help") == 0)
    return run_help (context, argc - 1, argv + 1);

  index = find_command (argv[1]);
  if (index < 0)
    return plugctl_usage_error ("Unknown command \"%s\"", argv[1]);
  return run_command (index, argc - 1, argv + 1, FALSE);
}

int
main (int    argc,
      char **argv)
{
  int status;

  setlocale (LC_ALL, "");
  g_log_set_writer_func (plugctl_log_writer, NULL, NULL);
  options_init ();
  status = run (argc, argv);
  options_clear ();
  return status;
}
