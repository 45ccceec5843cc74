/* plugctl-cmd-validate.c: validate, manifests checked offline
 *
 * Nothing is started and no connector is loaded: a manifest is valid when
 * plug_profile_new_from_file() reads it and the plugctl version range it
 * states holds for this plugctl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugctl-cli.h"

typedef struct
{
  char  *message;
  guint  line;    /* 0: no position (the file cannot be read) */
  guint  column;
} Problem;

static void
problem_free (Problem *problem)
{
  g_free (problem->message);
  g_free (problem);
}

static void
add_problem (GPtrArray  *problems,
             const char *message,
             guint       line,
             guint       column)
{
  Problem *problem = g_new0 (Problem, 1);

  problem->message = g_strdup (message);
  problem->line = line;
  problem->column = column;
  g_ptr_array_add (problems, problem);
}

/* The line and column (in characters, from 1) of @at in @text. */
static void
position_of (const char *text,
             const char *at,
             guint      *line,
             guint      *column)
{
  const char *line_start = text;

  *line = 1;
  for (const char *c = text; c < at; c++)
    if (*c == '\n')
      {
        (*line)++;
        line_start = c + 1;
      }
  *column = g_utf8_strlen (line_start, at - line_start) + 1;
}

/* Where the document starts: errors about the whole manifest point there. */
static void
document_position (const char *text,
                   guint      *line,
                   guint      *column)
{
  const char *at = text;

  while (*at != '\0' && g_ascii_isspace (*at))
    at++;
  position_of (text, at, line, column);
}

/* Where the value of @field is, as the library's own errors point. */
static void
field_position (const char *text,
                const char *field,
                guint      *line,
                guint      *column)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", field);

  for (const char *p = strstr (text, quoted); p != NULL; p = strstr (p + 1, quoted))
    {
      const char *q = p + strlen (quoted);

      while (g_ascii_isspace (*q))
        q++;
      if (*q != ':')
        continue;
      for (q++; g_ascii_isspace (*q); q++)
        ;
      position_of (text, q, line, column);
      return;
    }
  document_position (text, line, column);
}

/* The library's "PATH:LINE:COLUMN: message" or "PATH: message" */
static void
add_profile_problem (GPtrArray    *problems,
                     const char   *path,
                     const char   *text,
                     const GError *error)
{
  const char *rest = error->message;
  guint line = 0, column = 0;
  char *end;

  if (g_str_has_prefix (rest, path) && rest[strlen (path)] == ':')
    {
      rest += strlen (path) + 1;
      line = strtoul (rest, &end, 10);
      if (end != rest && end[0] == ':' && g_ascii_isdigit (end[1]))
        {
          column = strtoul (end + 1, &end, 10);
          rest = end;
          if (rest[0] == ':')
            rest++;
        }
      else
        {
          line = 0;
        }
      while (*rest == ' ')
        rest++;
    }
  if (line == 0)
    document_position (text, &line, &column);
  add_problem (problems, rest, line, column);
}

/* Returns the problems of @path, none when it is valid. */
static GPtrArray *
validate_file (const char  *path,
               char       **name)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint line, column;

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      add_problem (problems, error->message, 0, 0);
      return problems;
    }

  profile = plug_profile_new_from_file (path, &error);
  if (profile == NULL)
    {
      add_profile_problem (problems, path, text, error);
      return problems;
    }

  *name = g_strdup (plug_profile_get_name (profile));
  if (!plug_profile_check_plugctl_version (profile, PACKAGE_VERSION, &error))
    {
      field_position (text, "plugctl", &line, &column);
      add_problem (problems, error->message, line, column);
    }
  return problems;
}

static void
build_result (JsonBuilder *builder,
              const char  *path,
              const char  *name,
              GPtrArray   *problems)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "valid");
  json_builder_add_boolean_value (builder, problems->len == 0);
  if (name != NULL)
    {
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
    }
  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);
  for (guint i = 0; i < problems->len; i++)
    {
      Problem *problem = g_ptr_array_index (problems, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, problem->message);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, "invalid-profile");
      if (problem->line > 0)
        {
          json_builder_set_member_name (builder, "line");
          json_builder_add_int_value (builder, problem->line);
          json_builder_set_member_name (builder, "column");
          json_builder_add_int_value (builder, problem->column);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

/* FILE:LINE:COLUMN: message, as compilers write it */
static void
print_problems (const char *path,
                GPtrArray  *problems)
{
  for (guint i = 0; i < problems->len; i++)
    {
      Problem *problem = g_ptr_array_index (problems, i);

      if (problem->line > 0)
        printf ("%s:%u:%u: %s\n", path, problem->line, problem->column, problem->message);
      else
        printf ("%s: %s\n", path, problem->message);
    }
}

int
plugctl_cmd_validate (int      argc,
                      char   **argv,
                      gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean all_valid = TRUE;
  int exit_code;

  context = plugctl_option_context_new ("FILE…",
                                        "Check the manifests FILE… offline: no plugin is "
                                        "started and no connector loaded. Prints each "
                                        "error as FILE:LINE:COLUMN: message on standard "
                                        "output, nothing for a valid manifest; with "
                                        "--json an array of {\"file\", \"valid\", "
                                        "\"name\", \"errors\": [{\"error\", \"code\", "
                                        "\"line\", \"column\"}]}. The exit status is 0 "
                                        "when every manifest is valid, else 1.",
                                        NULL);
  exit_code = plugctl_parse_options (context, &argc, &argv, do_help);
  if (exit_code >= 0)
    return exit_code;
  if (!plugctl_check_words (argc, argv, -1, "FILE", NULL))
    return PLUGCTL_EXIT_USAGE;

  json_builder_begin_array (builder);
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GPtrArray) problems = validate_file (argv[i], &name);

      if (problems->len > 0)
        all_valid = FALSE;
      if (plugctl_options.json)
        build_result (builder, argv[i], name, problems);
      else
        print_problems (argv[i], problems);
    }
  json_builder_end_array (builder);

  if (plugctl_options.json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);

      plugctl_print_json (root, plugctl_json_pretty ());
    }
  return all_valid ? PLUGCTL_EXIT_OK : PLUGCTL_EXIT_FAILED;
}
