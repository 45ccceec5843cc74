/* plugctl-cmd-complete.c: complete, the answers behind bash completion
 *
 * `plugctl complete LINE POINT` prints the words that may replace the
 * word under the cursor of LINE (the command line up to byte POINT), one
 * a line: commands, options, plugin names, a plugin's methods or events.
 * The commands, their options and their parameters are read from
 * plugctl's own help, so that they cannot drift apart; plugin names,
 * methods and events from the manifests, without starting any plugin.
 * An option whose value is a directory or a file answers the sentinel
 * __PLUGCTL_DIR or __PLUGCTL_FILE, for the shell to complete a path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugctl-cli.h"

typedef struct
{
  char *long_name;   /* "--plugin-dir" */
  char  short_name;  /* 'j', or 0 */
  char *arg;         /* "DIR", or NULL when it takes no value */
} OptionSpec;

/* What the help of plugctl or of a command says. */
typedef struct
{
  GPtrArray *commands;  /* char *: the command names */
  GPtrArray *options;   /* OptionSpec * */
  GPtrArray *params;    /* char *: "PLUGIN", "METHOD", … */
} HelpText;

/* What the words before the cursor say. */
typedef struct
{
  char       *command;      /* NULL: none yet */
  GPtrArray  *positionals;  /* char * */
  GPtrArray  *plugin_dirs;  /* char *, NULL-terminated */
  OptionSpec *value_of;     /* the previous word wants a value */
  gboolean    options_ended;
} LineState;

static void
option_spec_free (OptionSpec *spec)
{
  g_free (spec->long_name);
  g_free (spec->arg);
  g_free (spec);
}

static void
help_text_clear (HelpText *help)
{
  g_clear_pointer (&help->commands, g_ptr_array_unref);
  g_clear_pointer (&help->options, g_ptr_array_unref);
  g_clear_pointer (&help->params, g_ptr_array_unref);
}

static void
line_state_clear (LineState *state)
{
  g_clear_pointer (&state->command, g_free);
  g_clear_pointer (&state->positionals, g_ptr_array_unref);
  g_clear_pointer (&state->plugin_dirs, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HelpText, help_text_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LineState, line_state_clear)

/* Splitting the line */

/* The shell's words of @line, quotes and backslashes removed; the last
 * one is the word under the cursor, empty after a space. An unfinished
 * quote runs to the end of the line. */
static GPtrArray *
split_words (const char *line)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  GString *word = NULL;
  char quote = 0;

  for (const char *p = line; *p != '\0'; p++)
    {
      if (quote == 0 && g_ascii_isspace (*p))
        {
          if (word != NULL)
            g_ptr_array_add (words, g_string_free (g_steal_pointer (&word), FALSE));
          continue;
        }
      if (word == NULL)
        word = g_string_new (NULL);

      if (quote == 0 && (*p == '\'' || *p == '"'))
        quote = *p;
      else if (quote != 0 && *p == quote)
        quote = 0;
      else if (*p == '\\' && quote != '\'' && p[1] != '\0')
        g_string_append_c (word, *++p);
      else
        g_string_append_c (word, *p);
    }
  g_ptr_array_add (words, word != NULL ? g_string_free (word, FALSE) : g_strdup (""));

  return words;
}

/* Reading plugctl's help */

static char *
run_help (const char *command)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  const char *argv[] = { self, "help", command, NULL };
  g_autofree char *out = NULL;
  int status;

  if (self == NULL ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return g_strdup ("");

  return g_steal_pointer (&out);
}

/* "  -n, --count=N    Exit after N events" */
static OptionSpec *
parse_option_line (const char *line)
{
  g_autofree char *first = NULL;
  const char *name = line;
  const char *end;
  const char *equal;
  OptionSpec *spec;

  if (name[0] != '-')
    return NULL;
  spec = g_new0 (OptionSpec, 1);
  if (name[1] != '-' && name[1] != '\0' && name[2] == ',')
    {
      spec->short_name = name[1];
      name += 3;
      while (*name == ' ')
        name++;
    }
  end = name + strcspn (name, " ");
  first = g_strndup (name, end - name);
  equal = strchr (first, '=');
  spec->long_name = equal != NULL ? g_strndup (first, equal - first) : g_strdup (first);
  /* "--json=[pretty|short]": an optional value, only ever after '=' */
  spec->arg = equal != NULL && equal[1] != '[' ? g_strdup (equal + 1) : NULL;

  if (!g_str_has_prefix (spec->long_name, "--"))
    g_clear_pointer (&spec, option_spec_free);
  return spec;
}

/* "PLUGIN", "[ARG…]" → "PLUGIN", "ARG": the leading capitals. */
static char *
param_name (const char *token)
{
  const char *start = token[0] == '[' ? token + 1 : token;
  gsize length = 0;

  while (g_ascii_isupper (start[length]) || start[length] == '_')
    length++;
  return length > 0 ? g_strndup (start, length) : NULL;
}

/* "  plugctl call [OPTION…] PLUGIN METHOD [ARG…]" */
static void
parse_usage_line (const char *line,
                  GPtrArray  *params)
{
  g_auto(GStrv) tokens = g_strsplit (line, " ", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      char *name = NULL;

      if (g_str_has_prefix (tokens[i], "[OPTION"))
        continue;
      name = param_name (tokens[i]);
      if (name != NULL)
        g_ptr_array_add (params, name);
    }
}

static void
read_help (HelpText   *help,
           const char *command)
{
  g_autofree char *text = run_help (command);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  enum { OTHER, USAGE, COMMANDS } section = OTHER;

  help->commands = g_ptr_array_new_with_free_func (g_free);
  help->options = g_ptr_array_new_with_free_func ((GDestroyNotify) option_spec_free);
  help->params = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *stripped = line + strspn (line, " ");
      OptionSpec *spec;

      if (*stripped == '\0')
        section = OTHER;
      else if (line[0] != ' ')
        section = strcmp (line, "Usage:") == 0 ? USAGE :
                  strcmp (line, "Commands:") == 0 ? COMMANDS : OTHER;
      else if (section == USAGE)
        parse_usage_line (stripped, help->params);
      else if (section == COMMANDS)
        g_ptr_array_add (help->commands, g_strndup (stripped, strcspn (stripped, " ")));
      else if ((spec = parse_option_line (stripped)) != NULL)
        g_ptr_array_add (help->options, spec);
    }
}

static OptionSpec *
find_option (HelpText   *help,
             const char *word)
{
  gsize length = strcspn (word, "=");

  for (guint i = 0; i < help->options->len; i++)
    {
      OptionSpec *spec = g_ptr_array_index (help->options, i);

      if (word[1] == '-' && strlen (spec->long_name) == length &&
          strncmp (spec->long_name, word, length) == 0)
        return spec;
      if (word[1] != '-' && word[1] == spec->short_name && word[1] != '\0')
        return spec;
    }
  return NULL;
}

/* Reading the words before the cursor */

static gboolean
is_option (const char *word)
{
  /* A negative number is an argument, as for plugctl_positional_args(). */
  return word[0] == '-' && word[1] != '\0' && !g_ascii_isdigit (word[1]) && word[1] != '.';
}

static void
add_plugin_dir (LineState  *state,
                const char *dir)
{
  g_ptr_array_insert (state->plugin_dirs, state->plugin_dirs->len - 1, g_strdup (dir));
}

static void
read_option (LineState  *state,
             HelpText   *help,
             const char *word)
{
  OptionSpec *spec = find_option (help, word);
  const char *equal = strchr (word, '=');

  if (spec == NULL || spec->arg == NULL)
    return;
  if (word[1] == '-' && equal != NULL)
    {
      if (strcmp (spec->long_name, "--plugin-dir") == 0)
        add_plugin_dir (state, equal + 1);
    }
  else if (word[1] == '-' || word[2] == '\0')
    state->value_of = spec;
}

/* Walks the words but the last. Returns the help that applies at the
 * cursor: @top's before the command, then the command's, read into @help. */
static HelpText *
read_line (LineState *state,
           HelpText  *top,
           HelpText  *help,
           GPtrArray *words)
{
  HelpText *current = top;

  state->positionals = g_ptr_array_new_with_free_func (g_free);
  state->plugin_dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (state->plugin_dirs, NULL);

  for (guint i = 1; i + 1 < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);

      if (state->value_of != NULL)
        {
          if (strcmp (state->value_of->long_name, "--plugin-dir") == 0)
            add_plugin_dir (state, word);
          state->value_of = NULL;
        }
      else if (!state->options_ended && strcmp (word, "--") == 0)
        state->options_ended = TRUE;
      else if (!state->options_ended && is_option (word))
        read_option (state, current, word);
      else if (state->command == NULL)
        {
          state->command = g_strdup (word);
          read_help (help, word);
          current = help;
        }
      else
        g_ptr_array_add (state->positionals, g_strdup (word));
    }

  return current;
}

/* Answers */

static void
print_matches (GPtrArray  *candidates,
               const char *prefix)
{
  for (guint i = 0; i < candidates->len; i++)
    {
      const char *candidate = g_ptr_array_index (candidates, i);

      if (g_str_has_prefix (candidate, prefix))
        g_print ("%s\n", candidate);
    }
}

static void
complete_value (OptionSpec *spec)
{
  if (g_strcmp0 (spec->arg, "DIR") == 0)
    g_print ("__PLUGCTL_DIR\n");
  else if (g_strcmp0 (spec->arg, "FILE") == 0)
    g_print ("__PLUGCTL_FILE\n");
}

static void
complete_option (HelpText   *help,
                 const char *prefix)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < help->options->len; i++)
    g_ptr_array_add (names, ((OptionSpec *) g_ptr_array_index (help->options, i))->long_name);
  print_matches (names, prefix);
}

static PlugProfile *
find_profile (GPtrArray  *profiles,
              const char *name)
{
  for (guint i = 0; name != NULL && i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);

      if (strcmp (plug_profile_get_name (profile), name) == 0)
        return profile;
    }
  return NULL;
}

static void
add_strv (GPtrArray          *candidates,
          const char * const *strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (candidates, g_strdup (strv[i]));
}

/* The methods of the manifest, or else the names of its native
 * `functions`, which become its methods once it is registered. */
static void
add_methods (GPtrArray   *candidates,
             PlugProfile *profile)
{
  g_autoptr(JsonObject) fields = NULL;
  JsonNode *functions;

  add_strv (candidates, plug_profile_get_methods (profile));
  if (candidates->len > 0)
    return;

  fields = plug_profile_to_json (profile);
  functions = json_object_get_member (fields, "functions");
  if (functions != NULL && JSON_NODE_HOLDS_OBJECT (functions))
    {
      g_autoptr(GList) names = json_object_get_members (json_node_get_object (functions));

      for (GList *l = names; l != NULL; l = l->next)
        g_ptr_array_add (candidates, g_strdup (l->data));
    }
}

static void
complete_param (LineState  *state,
                HelpText   *help,
                HelpText   *top,
                const char *prefix)
{
  guint index = state->positionals->len;
  const char *param = index < help->params->len ? g_ptr_array_index (help->params, index) : NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) dirs = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  PlugProfile *plugin = NULL;

  if (g_strcmp0 (param, "COMMAND") == 0)
    {
      print_matches (top->commands, prefix);
      return;
    }
  /* "FILE…": every word from there on is a file */
  if (param == NULL && help->params->len > 0 &&
      strcmp (g_ptr_array_index (help->params, help->params->len - 1), "FILE") == 0)
    param = "FILE";
  if (g_strcmp0 (param, "FILE") == 0)
    {
      g_print ("__PLUGCTL_FILE\n");  /* validate's manifests */
      return;
    }
  if (param == NULL || (strcmp (param, "PLUGIN") != 0 && strcmp (param, "METHOD") != 0 &&
                        strcmp (param, "EVENT") != 0))
    return;

  dirs = plug_profile_search_path ((const char * const *) state->plugin_dirs->pdata);
  profiles = plug_profile_load_dirs ((const char * const *) dirs, NULL);
  for (guint i = 0; i < help->params->len && i < index; i++)
    if (strcmp (g_ptr_array_index (help->params, i), "PLUGIN") == 0)
      plugin = find_profile (profiles, g_ptr_array_index (state->positionals, i));

  if (strcmp (param, "PLUGIN") == 0)
    for (guint i = 0; i < profiles->len; i++)
      g_ptr_array_add (candidates, g_strdup (plug_profile_get_name (g_ptr_array_index (profiles, i))));
  else if (plugin != NULL && strcmp (param, "METHOD") == 0)
    add_methods (candidates, plugin);
  else if (plugin != NULL)
    add_strv (candidates, plug_profile_get_events (plugin));
  print_matches (candidates, prefix);
}

static void
complete_words (GPtrArray *words)
{
  g_auto(HelpText) top = { NULL, };
  g_auto(HelpText) help = { NULL, };
  g_auto(LineState) state = { NULL, };
  const char *current = g_ptr_array_index (words, words->len - 1);
  HelpText *options;

  read_help (&top, NULL);
  options = read_line (&state, &top, &help, words);

  if (state.value_of != NULL)
    complete_value (state.value_of);
  else if (!state.options_ended && g_str_has_prefix (current, "--") && strchr (current, '='))
    {
      OptionSpec *spec = find_option (options, current);

      if (spec != NULL)
        complete_value (spec);
    }
  else if (!state.options_ended && current[0] == '-')
    complete_option (options, current);
  else if (state.command == NULL)
    print_matches (top.commands, current);
  else
    complete_param (&state, &help, &top, current);
}

int
plugctl_cmd_complete (int      argc,
                      char   **argv,
                      gboolean do_help)
{
  g_autoptr(GPtrArray) words = NULL;
  g_autofree char *line = NULL;
  guint64 point;

  if (do_help)
    {
      g_autoptr(GOptionContext) context = NULL;

      context = plugctl_option_context_new ("LINE POINT",
                                            "Print the completions of the word at byte "
                                            "POINT of the command line LINE, one a line "
                                            "(for the bash completion script).",
                                            NULL);
      return plugctl_parse_options (context, &argc, &argv, do_help);
    }
  /* LINE holds plugctl's own options: not parsed here */
  if (argc != 3)
    return plugctl_usage_error ("Expected LINE and POINT");
  if (!g_ascii_string_to_unsigned (argv[2], 10, 0, G_MAXUINT, &point, NULL))
    return plugctl_usage_error ("Invalid POINT \"%s\"", argv[2]);

  line = g_strndup (argv[1], MIN (point, strlen (argv[1])));
  words = split_words (line);
  if (words->len > 0)
    complete_words (words);

  return PLUGCTL_EXIT_OK;
}
