/* test-man.c: the man pages are clean troff, and plugctl(1) documents
 * every command and option that plugctl's help shows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "../cli/cli-runner.h"

static char *
man_page_path (const char *name)
{
  const char *dir = g_getenv ("PLUGCTL_MAN_DIR");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static void
test_lint (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = man_page_path (name);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(CliRun) run = { NULL, };

  g_test_summary ("mandoc -T lint finds nothing to say about the page: no "
                  "error, warning or style message");
  if (!have_program ("mandoc"))
    return;

  g_ptr_array_add (argv, g_strdup ("mandoc"));
  cli_argv_add (argv, "-T", "lint", "-W", "all", path, NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 0, "", "");
}

/* The page's source, with the escapes of dashes and backslashes undone,
 * so that "\-\-plugin\-dir" reads "--plugin-dir". */
static char *
read_page_text (const char *name)
{
  g_autofree char *path = man_page_path (name);
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  GString *text;

  g_file_get_contents (path, &source, NULL, &error);
  g_assert_no_error (error);

  text = g_string_new (source);
  g_string_replace (text, "\\-", "-", 0);
  g_string_replace (text, "\\e", "\\", 0);
  return g_string_free (text, FALSE);
}

/* The text of one section, from its .SH line to the next. */
static char *
page_section (const char *page,
              const char *section)
{
  g_autofree char *heading = g_strdup_printf ("\n.SH %s\n", section);
  const char *start = strstr (page, heading);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (heading);
  end = strstr (start, "\n.SH ");
  return end != NULL ? g_strndup (start, end - start) : g_strdup (start);
}

static char *
run_help (const char *command)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_auto(CliRun) run = { NULL, };

  cli_argv_add (argv, "help", command, NULL);
  cli_run_argv (&run, argv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  return g_steal_pointer (&run.out);
}

/* The commands of the "Commands:" block of `plugctl help`. */
static GStrv
help_commands (void)
{
  g_autofree char *help = run_help (NULL);
  g_auto(GStrv) lines = g_strsplit (help, "\n", -1);
  g_autoptr(GStrvBuilder) commands = g_strv_builder_new ();
  gboolean in_block = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strcmp (lines[i], "Commands:") == 0)
        in_block = TRUE;
      else if (lines[i][0] != ' ')
        in_block = FALSE;
      else if (in_block)
        {
          g_auto(GStrv) words = g_strsplit (g_strchug (lines[i]), " ", 2);

          g_strv_builder_add (commands, words[0]);
        }
    }
  return g_strv_builder_end (commands);
}

/* Each option line of a help text: "-j, --json" or "--timeout=MS". */
static GStrv
help_options (const char *help)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GStrvBuilder) options = g_strv_builder_new ();

  regex = g_regex_new ("^ +(?:(-[A-Za-z0-9]), )?(--[a-z0-9-]+)", G_REGEX_MULTILINE, 0, NULL);
  g_assert_nonnull (regex);
  for (g_regex_match (regex, help, 0, &match);
       g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *short_name = g_match_info_fetch (match, 1);
      g_autofree char *long_name = g_match_info_fetch (match, 2);

      if (short_name[0] != '\0')
        g_strv_builder_add (options, short_name);
      g_strv_builder_add (options, long_name);
    }
  return g_strv_builder_end (options);
}

/* @word appears in @text as a word of its own: not as a part of a longer
 * option name ("--plugin" in "--plugin-dir"). */
static gboolean
has_word (const char *text,
          const char *word)
{
  gsize length = strlen (word);

  for (const char *p = strstr (text, word); p != NULL; p = strstr (p + 1, word))
    {
      char before = p > text ? p[-1] : ' ';
      char after = p[length];

      if (!g_ascii_isalnum (before) && before != '-' &&
          !g_ascii_isalnum (after) && after != '-')
        return TRUE;
    }
  return FALSE;
}

static void
test_commands_documented (void)
{
  g_autofree char *page = read_page_text ("plugctl.1");
  g_autofree char *synopsis = page_section (page, "SYNOPSIS");
  g_autofree char *commands_section = page_section (page, "COMMANDS");
  g_auto(GStrv) commands = help_commands ();

  g_test_summary ("Each command of `plugctl --help` has its synopsis and its "
                  "entry under COMMANDS in plugctl(1)");
  g_assert_cmpuint (g_strv_length (commands), >=, 10);
  for (guint i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *synopsis_line = g_strdup_printf (".B plugctl %s\n", commands[i]);
      g_autofree char *tag_b = g_strdup_printf (".TP\n.B %s\n", commands[i]);
      g_autofree char *tag_bi = g_strdup_printf (".TP\n.BI %s \"", commands[i]);
      g_autofree char *tag_br = g_strdup_printf (".TP\n.BR %s \"", commands[i]);

      g_test_message ("command %s", commands[i]);
      g_assert_nonnull (strstr (synopsis, synopsis_line));
      g_assert_true (strstr (commands_section, tag_b) != NULL ||
                     strstr (commands_section, tag_bi) != NULL ||
                     strstr (commands_section, tag_br) != NULL);
    }
}

static void
assert_options_documented (const char *page,
                           const char *help)
{
  g_auto(GStrv) options = help_options (help);

  g_assert_cmpuint (g_strv_length (options), >=, 2);
  for (guint i = 0; options[i] != NULL; i++)
    {
      g_test_message ("option %s", options[i]);
      g_assert_true (has_word (page, options[i]));
    }
}

static void
test_options_documented (void)
{
  g_autofree char *page = read_page_text ("plugctl.1");
  g_autofree char *options_section = page_section (page, "OPTIONS");
  g_autofree char *top_help = run_help (NULL);
  g_auto(GStrv) commands = help_commands ();

  g_test_summary ("Each option that `plugctl --help` and `plugctl help COMMAND` "
                  "show, long and short, appears in plugctl(1); the global ones "
                  "under OPTIONS");
  assert_options_documented (options_section, top_help);
  for (guint i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *help = run_help (commands[i]);

      g_test_message ("plugctl help %s", commands[i]);
      assert_options_documented (page, help);
    }
}

static void
test_see_also (void)
{
  const char *names = g_getenv ("PLUGCTL_MAN_PAGES");
  g_auto(GStrv) pages = g_strsplit (names, ":", -1);
  g_autofree char *page = read_page_text ("plugctl.1");
  g_autofree char *see_also = page_section (page, "SEE ALSO");

  g_test_summary ("plugctl(1) refers to every other page of plugctl");
  for (guint i = 0; pages[i] != NULL; i++)
    {
      g_autofree char *base = g_strndup (pages[i], strrchr (pages[i], '.') - pages[i]);
      g_autofree char *reference = g_strdup_printf (".BR %s (%s)", base,
                                                    strrchr (pages[i], '.') + 1);

      if (strcmp (pages[i], "plugctl.1") == 0)
        continue;
      g_test_message ("%s", reference);
      g_assert_nonnull (strstr (see_also, reference));
    }
}

int
main (int    argc,
      char **argv)
{
  const char *names = g_getenv ("PLUGCTL_MAN_PAGES");
  g_auto(GStrv) pages = NULL;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_assert_nonnull (names);
  pages = g_strsplit (names, ":", -1);
  for (guint i = 0; pages[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("/man/lint/%s", pages[i]);

      g_test_add_data_func (path, pages[i], test_lint);
    }
  g_test_add_func ("/man/plugctl.1/every-command", test_commands_documented);
  g_test_add_func ("/man/plugctl.1/every-option", test_options_documented);
  g_test_add_func ("/man/plugctl.1/see-also", test_see_also);

  return g_test_run ();
}
