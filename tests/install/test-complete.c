/* test-complete.c: `plugctl complete` and the bash completion script
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "../cli/cli-runner.h"

typedef struct
{
  char *plugin_dir;  /* the manifests below, and only them */
} Fixture;

static const struct
{
  const char *file;
  const char *text;
} manifests[] = {
  { "alpha.json",
    "{ \"name\": \"alpha\", \"command\": \"true\", \"methods\": [\"greet\", \"grow\", \"stop\"],"
    "  \"events\": [\"greeted\", \"stopped\"] }" },
  { "alpine.json", "{ \"name\": \"alpine\", \"command\": \"true\", \"methods\": [\"climb\"] }" },
  { "beta.json", "{ \"name\": \"beta\", \"command\": \"true\" }" },
  { "mathlib.json",
    "{ \"name\": \"mathlib\", \"connector\": \"native\", \"library\": \"libm.so.6\","
    "  \"functions\": { \"cos\": \"double(double)\", \"ceil\": \"double(double)\" } }" },
};

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  /* G_TEST_OPTION_ISOLATE_DIRS: HOME is this test's own */
  fixture->plugin_dir = g_build_filename (g_get_home_dir (), "plugins", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->plugin_dir, 0700), ==, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (manifests); i++)
    {
      g_autofree char *path = g_build_filename (fixture->plugin_dir, manifests[i].file, NULL);
      g_autoptr(GError) error = NULL;

      g_file_set_contents (path, manifests[i].text, -1, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_free (fixture->plugin_dir);
}

/* Runs `plugctl complete LINE <end of LINE>`; LINE's "@DIR@" is the
 * fixture's plugin dir. */
static void
complete (CliRun     *run,
          Fixture    *fixture,
          const char *line)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GString) text = g_string_new (line);
  g_autofree char *point = NULL;

  if (fixture != NULL)
    g_string_replace (text, "@DIR@", fixture->plugin_dir, 0);
  point = g_strdup_printf ("%" G_GSIZE_FORMAT, text->len);
  cli_argv_add (argv, "complete", text->str, point, NULL);
  cli_run_argv (run, argv, NULL);
}

static void
assert_completes (Fixture    *fixture,
                  const char *line,
                  const char *expected)
{
  g_auto(CliRun) run = { NULL, };

  complete (&run, fixture, line);
  assert_run (&run, 0, expected, "");
}

/* The command names `plugctl --help` lists, one a line. */
static char *
help_commands (void)
{
  g_auto(CliRun) run = { NULL, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GString) names = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  gboolean in_commands = FALSE;

  cli_argv_add (argv, "--help", NULL);
  cli_run_argv (&run, argv, NULL);
  g_assert_cmpint (run.status, ==, 0);

  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (strcmp (lines[i], "Commands:") == 0)
        in_commands = TRUE;
      else if (lines[i][0] != ' ')
        in_commands = FALSE;
      else if (in_commands)
        {
          g_auto(GStrv) words = g_strsplit (g_strchug (lines[i]), " ", 2);

          g_string_append_printf (names, "%s\n", words[0]);
        }
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
test_commands (void)
{
  g_autofree char *commands = help_commands ();

  g_test_summary ("Before the command, complete offers the commands of --help, "
                  "in its order, and not itself (it is hidden)");
  g_assert_nonnull (strstr (commands, "call\n"));
  g_assert_null (strstr (commands, "complete"));
  assert_completes (NULL, "plugctl ", commands);
  assert_completes (NULL, "plugctl c", "call\nconnectors\n");
  assert_completes (NULL, "plugctl --json ca", "call\n");
  assert_completes (NULL, "plugctl help ca", "call\n");
  assert_completes (NULL, "plugctl zz", "");
}

static void
test_options (void)
{
  g_test_summary ("Options come from the help of plugctl or of the command");
  assert_completes (NULL, "plugctl --v", "--version\n--verbose\n");
  assert_completes (NULL, "plugctl listen --co",
                    "--count\n--connector-dir\n");
  assert_completes (NULL, "plugctl daemon --re", "--replace\n");
  /* --version belongs to plugctl itself, not to a command */
  assert_completes (NULL, "plugctl call --ve", "--verbose\n");
}

static void
test_option_values (void)
{
  g_test_summary ("An option that takes a directory or a file asks the shell "
                  "for one; other values get nothing");
  assert_completes (NULL, "plugctl --plugin-dir ", "__PLUGCTL_DIR\n");
  assert_completes (NULL, "plugctl call --connector-dir /t", "__PLUGCTL_DIR\n");
  assert_completes (NULL, "plugctl --plugin-dir=/t", "__PLUGCTL_DIR\n");
  assert_completes (NULL, "plugctl --policy ", "__PLUGCTL_FILE\n");
  assert_completes (NULL, "plugctl --timeout ", "");
  assert_completes (NULL, "plugctl listen -n ", "");
}

static void
test_plugins (Fixture       *fixture,
              gconstpointer  data)
{
  g_test_summary ("PLUGIN completes with the plugins of the search path, "
                  "--plugin-dir of the line included, wherever it is");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call ",
                    "alpha\nalpine\nbeta\nmathlib\n");
  assert_completes (fixture, "plugctl --plugin-dir=@DIR@ info al", "alpha\nalpine\n");
  assert_completes (fixture, "plugctl activate --plugin-dir @DIR@ b", "beta\n");
  assert_completes (fixture, "plugctl --plugin-dir '@DIR@' deactivate \"al", "alpha\nalpine\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ listen m", "mathlib\n");
}

static void
test_methods (Fixture       *fixture,
              gconstpointer  data)
{
  g_test_summary ("METHOD completes with the methods of the chosen plugin's "
                  "manifest, or its native functions");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call alpha ", "greet\ngrow\nstop\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call alpha gr", "greet\ngrow\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ --json call alpine ", "climb\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call mathlib c", "cos\nceil\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call beta ", "");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call nosuch ", "");
  /* ARGs have no completion, and no option after `--` */
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call alpha greet ", "");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ call alpha greet -- --", "");
}

static void
test_events (Fixture       *fixture,
             gconstpointer  data)
{
  g_test_summary ("EVENT of listen completes with the chosen plugin's events");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ listen alpha ", "greeted\nstopped\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ listen -n 2 alpha s", "stopped\n");
  assert_completes (fixture, "plugctl --plugin-dir @DIR@ listen alpine ", "");
}

static void
test_point (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(CliRun) run = { NULL, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  g_test_summary ("Only the line before POINT counts");
  cli_argv_add (argv, "complete", "plugctl co --json", "10", NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 0, "connectors\n", "");
}

static void
test_usage (void)
{
  g_auto(CliRun) bad_point = { NULL, };
  g_auto(CliRun) no_args = { NULL, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GPtrArray) argv_no_args = cli_argv_new (FALSE);

  g_test_summary ("complete wants LINE and a POINT that is a number");
  cli_argv_add (argv, "complete", "plugctl ", "x", NULL);
  cli_run_argv (&bad_point, argv, NULL);
  assert_run (&bad_point, 2, "", "plugctl: Invalid POINT \"x\"\nTry 'plugctl complete --help'\n");

  cli_argv_add (argv_no_args, "complete", NULL);
  cli_run_argv (&no_args, argv_no_args, NULL);
  assert_run (&no_args, 2, "", "plugctl: Expected LINE and POINT\nTry 'plugctl complete --help'\n");
}

/* Sources the completion script in bash, as bash-completion would, and
 * prints COMPREPLY for LINE (split on blanks, the cursor at its end). */
static void
run_bash_completion (CliRun     *run,
                     const char *line)
{
  const char *script = g_getenv ("PLUGCTL_COMPLETION_SCRIPT");
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *program =
    "source \"$1\" || exit 1\n"
    "COMP_LINE=$3 COMP_POINT=${#3}\n"
    "read -ra COMP_WORDS <<< \"$3\"\n"
    "[[ $3 == *' ' ]] && COMP_WORDS+=('')\n"
    "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
    "_plugctl \"$2\" || exit 1\n"
    "printf '%s\\n' \"${COMPREPLY[@]}\"\n";

  g_assert_nonnull (script);
  g_ptr_array_add (argv, g_strdup ("bash"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  cli_argv_add (argv, program, "bash", script, g_getenv ("PLUGCTL_CLI"), line, NULL);
  cli_run_argv (run, argv, NULL);
}

static void
test_bash_script (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(CliRun) methods = { NULL, };
  g_auto(CliRun) dirs = { NULL, };
  g_autofree char *line = NULL;
  g_autofree char *dir_line = NULL;
  g_autofree char *expected_dir = NULL;

  g_test_summary ("completion/plugctl hands plugctl's answers to bash, and "
                  "turns __PLUGCTL_DIR into directory names");
  if (g_getenv ("PLUGCTL_COMPLETION_SCRIPT") == NULL)
    {
      g_test_fail_printf ("PLUGCTL_COMPLETION_SCRIPT is not set: "
                          "completion/meson.build is not part of the build");
      return;
    }
  if (!have_program ("bash"))
    return;

  line = g_strdup_printf ("plugctl --plugin-dir %s call alpha g", fixture->plugin_dir);
  run_bash_completion (&methods, line);
  assert_run (&methods, 0, "greet\ngrow\n", "");

  /* the test's HOME holds plugins/ only */
  dir_line = g_strdup_printf ("plugctl --plugin-dir %s/p", g_get_home_dir ());
  run_bash_completion (&dirs, dir_line);
  expected_dir = g_strdup_printf ("%s\n", fixture->plugin_dir);
  assert_run (&dirs, 0, expected_dir, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/complete/commands/from-help", test_commands);
  g_test_add_func ("/complete/options/from-help", test_options);
  g_test_add_func ("/complete/options/values", test_option_values);
  g_test_add ("/complete/plugins/from-manifests", Fixture, NULL,
              fixture_set_up, test_plugins, fixture_tear_down);
  g_test_add ("/complete/methods/of-the-plugin", Fixture, NULL,
              fixture_set_up, test_methods, fixture_tear_down);
  g_test_add ("/complete/events/of-the-plugin", Fixture, NULL,
              fixture_set_up, test_events, fixture_tear_down);
  g_test_add ("/complete/line/up-to-point", Fixture, NULL,
              fixture_set_up, test_point, fixture_tear_down);
  g_test_add_func ("/complete/usage-errors", test_usage);
  g_test_add ("/complete/bash/script", Fixture, NULL,
              fixture_set_up, test_bash_script, fixture_tear_down);

  return g_test_run ();
}
