/* test-scripting.c: plugctl's scripting conventions (issue 9 §5), through
 * the binary: arguments from stdin, --timeout infinity, JSON layout on a
 * terminal and in a pipe, error codes in machine output, the exit status
 * table of --help and plugctl(1), and call --exec.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli-runner.h"

static const char *
getenv_required (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

/* A directory of manifests for one test, removed with its files. */
static char *
manifest_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("plugctl-scripting-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_manifest (const char *dir,
                const char *name,
                const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
manifest_dir_remove (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

/* §5 Arguments from standard input */

static void
test_stdin_args (void)
{
  g_auto(CliRun) sum = { 0, };
  g_auto(CliRun) echo = { 0, };
  g_auto(CliRun) dash = { 0, };

  g_test_summary ("A single ARG '-' reads the arguments as one JSON array from "
                  "standard input; '\"-\"' is the string");
  cli_run_with_input (&sum, "[2,\n 3]\n", "call", "echo", "sum", "-", NULL);
  assert_run (&sum, 0, "5\n", "");

  cli_run_with_input (&echo, "[{\"a\": [1, \"-\"]}]", "call", "echo", "echo", "-", NULL);
  assert_run (&echo, 0, "{\"a\":[1,\"-\"]}\n", "");

  cli_run_with_input (&dash, "[1]", "call", "echo", "echo", "\"-\"", NULL);
  assert_run (&dash, 0, "\"-\"\n", "");
}

static void
test_stdin_not_an_array_exits_2 (void)
{
  g_auto(CliRun) object = { 0, };
  g_auto(CliRun) garbage = { 0, };
  g_auto(CliRun) empty = { 0, };

  g_test_summary ("Standard input that is not one JSON array is a usage error");
  cli_run_with_input (&object, "{\"a\": 1}", "call", "echo", "sum", "-", NULL);
  assert_run (&object, 2, "", "plugctl: Standard input must hold one JSON array: the "
                              "arguments\nTry 'plugctl call --help'\n");

  cli_run_with_input (&garbage, "[1, 2", "call", "echo", "sum", "-", NULL);
  g_assert_cmpint (garbage.status, ==, 2);
  g_assert_cmpstr (garbage.out, ==, "");
  g_assert_true (g_str_has_prefix (garbage.err, "plugctl: Standard input is not JSON: "));

  cli_run_with_input (&empty, "", "call", "echo", "sum", "-", NULL);
  g_assert_cmpint (empty.status, ==, 2);
}

/* §5 --timeout */

static void
test_timeout_infinity (void)
{
  g_auto(CliRun) infinity = { 0, };
  g_auto(CliRun) bad = { 0, };
  g_auto(CliRun) help = { 0, };

  g_test_summary ("--timeout takes infinity, and the help names the default");
  cli_run (&infinity, "--timeout", "infinity", "call", "echo", "slow", "50", "done", NULL);
  assert_run (&infinity, 0, "\"done\"\n", "");

  cli_run (&bad, "--timeout", "never", "call", "echo", "ping", NULL);
  assert_run (&bad, 2, "", "plugctl: Invalid timeout \"never\": a number of milliseconds "
                           "> 0 or \"infinity\" expected\nTry 'plugctl --help'\n");

  cli_run (&help, "help", "call", NULL);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "milliseconds or infinity (default: the "
                                      "manifest's callTimeout, else 10000)"));
}

/* §5 JSON layout */

static const char pretty_object[] =
  "{\n"
  "  \"a\" : [\n"
  "    1,\n"
  "    2\n"
  "  ],\n"
  "  \"b\" : {  }\n"
  "}\n";

static void
test_json_short_when_piped (void)
{
  g_auto(CliRun) piped = { 0, };
  g_auto(CliRun) pretty = { 0, };
  g_auto(CliRun) short_run = { 0, };
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) bad = { 0, };

  g_test_summary ("JSON is one line in a pipe; --json=pretty and --json=short choose");
  cli_run (&piped, "call", "echo", "echo", "{\"a\":[1,2],\"b\":{}}", NULL);
  assert_run (&piped, 0, "{\"a\":[1,2],\"b\":{}}\n", "");

  cli_run (&pretty, "call", "--json=pretty", "echo", "echo", "{\"a\":[1,2],\"b\":{}}", NULL);
  assert_run (&pretty, 0, pretty_object, "");

  cli_run (&short_run, "--json=short", "call", "echo", "echo", "{\"a\":[1,2],\"b\":{}}", NULL);
  assert_run (&short_run, 0, "{\"a\":[1,2],\"b\":{}}\n", "");

  cli_run (&list, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_true (g_str_has_prefix (list.out, "[{\"name\":"));
  g_assert_true (strchr (list.out, '\n') == list.out + strlen (list.out) - 1);

  cli_run (&bad, "list", "--json=wide", NULL);
  assert_run (&bad, 2, "", "plugctl: Invalid JSON format \"wide\": pretty or short "
                           "expected\nTry 'plugctl --help'\n");
}

/* Runs plugctl with its standard output on a terminal (a pty in raw mode,
 * so that "\n" stays "\n"); returns what it wrote there. */
static char *
run_on_terminal (int        *status,
                 const char *first,
                 ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  GString *out = g_string_new (NULL);
  struct termios raw;
  int master, slave;
  va_list args;
  char buffer[4096];
  gssize n;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (slave, >=, 0);
  g_assert_cmpint (tcgetattr (slave, &raw), ==, 0);
  cfmakeraw (&raw);
  g_assert_cmpint (tcsetattr (slave, TCSANOW, &raw), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_PLUGIN_PATH");
  g_subprocess_launcher_take_stdout_fd (launcher, slave);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                          &error);
  g_assert_no_error (error);
  g_clear_object (&launcher);  /* closes our copy of the slave */

  *status = wait_exit_bounded (process);

  /* all it wrote waits in the pty; past its end, EIO (or EAGAIN) */
  g_assert_cmpint (fcntl (master, F_SETFL, O_NONBLOCK), ==, 0);
  while ((n = read (master, buffer, sizeof buffer)) > 0)
    g_string_append_len (out, buffer, n);
  close (master);
  return g_string_free (out, FALSE);
}

static void
test_json_pretty_on_terminal (void)
{
  g_autofree char *call = NULL;
  g_autofree char *short_call = NULL;
  int status;

  g_test_summary ("JSON is pretty when standard output is a terminal, unless "
                  "--json=short");
  call = run_on_terminal (&status, "call", "echo", "echo", "{\"a\":[1,2],\"b\":{}}", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (call, ==, pretty_object);

  short_call = run_on_terminal (&status, "--json=short", "call", "echo", "echo",
                                "{\"a\":[1,2],\"b\":{}}", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (short_call, ==, "{\"a\":[1,2],\"b\":{}}\n");
}

static void
test_listen_one_line_whatever_format (void)
{
  g_auto(CliRun) run = { 0, };

  g_test_summary ("listen writes one document a line, even with --json=pretty");
  if (!have_program ("python3"))
    return;
  cli_run (&run, "listen", "ticker", "tick", "--count", "2", "--json=pretty", NULL);
  assert_run (&run, 0,
              "{\"emitter\":\"ticker\",\"event\":\"tick\",\"args\":[1]}\n"
              "{\"emitter\":\"ticker\",\"event\":\"tick\",\"args\":[2]}\n", "");
}

/* Writes a request, then reads its answer while stdin stays open: the
 * answer cannot be waiting for the end of the input or a full buffer. */
static void
test_batch_flushed_per_line (void)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  GOutputStream *in;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_test_summary ("batch writes each answer as soon as it is known, flushed");
  cli_argv_add (argv, "batch", NULL);
  process = cli_spawn_streaming (argv, &out);
  in = g_subprocess_get_stdin_pipe (process);

  g_output_stream_write_all (in, "[\"echo\",\"sum\",1,2]\n", 19, NULL, NULL, &error);
  g_assert_no_error (error);
  first = read_line_bounded (out, process);
  g_assert_cmpstr (first, ==, "{\"result\":3}");

  g_output_stream_write_all (in, "[\"echo\",\"nope\"]\n", 16, NULL, NULL, &error);
  g_assert_no_error (error);
  second = read_line_bounded (out, process);
  g_assert_true (g_str_has_prefix (second, "{\"error\":\"Cannot call method \\\"nope\\\""));
  g_assert_true (g_str_has_suffix (second, ",\"code\":\"not-exposed\"}"));

  g_output_stream_close (in, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wait_exit_bounded (process), ==, 1);
}

/* §5 Error codes and exit statuses */

/* The rows of the first table (.TS … .TE) after @from in plugctl(1). */
static GPtrArray *
man_table_rows (const char *from)
{
  g_autofree char *path = g_build_filename (getenv_required ("PLUGCTL_TESTS_SRCDIR"),
                                            "..", "man", "plugctl.1", NULL);
  g_autofree char *page = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto(GStrv) lines = NULL;
  const char *start;
  gboolean in_table = FALSE, past_format = FALSE;

  g_file_get_contents (path, &page, NULL, &error);
  g_assert_no_error (error);
  start = strstr (page, from);
  g_assert_nonnull (start);
  lines = g_strsplit (start, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!in_table)
        {
          in_table = strcmp (lines[i], ".TS") == 0;
          continue;
        }
      if (strcmp (lines[i], ".TE") == 0)
        break;
      if (!past_format)
        {
          past_format = g_str_has_suffix (lines[i], ".");
          continue;
        }
      {
        GString *row = g_string_new (lines[i]);

        g_string_replace (row, "\\-", "-", 0);
        g_ptr_array_add (rows, g_strsplit (row->str, "\t", -1));
        g_string_free (row, TRUE);
      }
    }
  g_assert_cmpuint (rows->len, >, 0);
  return g_steal_pointer (&rows);
}

/* "  4  the plugin could not be started" → { "4", "the plugin …" } */
static GPtrArray *
help_exit_rows (const char *help)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  const char *block = strstr (help, "\nExit status:\n");
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (block);
  lines = g_strsplit (block + strlen ("\nExit status:\n"), "\n", -1);
  for (guint i = 0; lines[i] != NULL && g_str_has_prefix (lines[i], "  "); i++)
    {
      const char *text = lines[i] + 2;
      const char *gap = strstr (text, "  ");
      char **row = g_new0 (char *, 3);

      g_assert_nonnull (gap);
      row[0] = g_strndup (text, gap - text);
      row[1] = g_strdup (gap + 2);
      g_ptr_array_add (rows, row);
    }
  return g_steal_pointer (&rows);
}

static void
assert_same_rows (GPtrArray *help_rows,
                  GPtrArray *man_rows)
{
  g_assert_cmpuint (help_rows->len, ==, man_rows->len);
  for (guint i = 0; i < help_rows->len; i++)
    {
      char **help_row = g_ptr_array_index (help_rows, i);
      char **man_row = g_ptr_array_index (man_rows, i);

      g_assert_cmpstr (help_row[0], ==, man_row[0]);
      g_assert_cmpstr (help_row[1], ==, man_row[1]);
    }
}

static void
test_exit_status_table_agrees (void)
{
  const char *commands[] = { NULL, "call", "status", "validate", "batch" };
  g_autoptr(GPtrArray) man_rows = man_table_rows ("\n.SH EXIT STATUS\n");

  g_test_summary ("The exit status table of --help and of every command's help "
                  "is the one of plugctl(1), row by row");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(CliRun) help = { 0, };
      g_autoptr(GPtrArray) help_rows = NULL;

      cli_run (&help, "help", commands[i], NULL);
      g_assert_cmpint (help.status, ==, 0);
      help_rows = help_exit_rows (help.out);
      assert_same_rows (help_rows, man_rows);
    }
}

/* The exit status plugctl(1) gives @code in its "Error codes" table. */
static int
documented_exit_status (const char *code)
{
  g_autoptr(GPtrArray) rows = man_table_rows ("\n.SS Error codes\n");

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      if (strcmp (row[0], code) == 0)
        return atoi (row[1]);
    }
  g_error ("plugctl(1) has no error code %s", code);
}

typedef struct
{
  const char *args[8];
  const char *code;
  int         status;
} ErrorCase;

static void
check_error_case (const ErrorCase *error_case,
                  const char      *extra_dir)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
  g_ptr_array_add (argv, g_strdup (extra_dir));
  g_ptr_array_add (argv, g_strdup ("--json"));
  for (gsize j = 0; error_case->args[j] != NULL; j++)
    g_ptr_array_add (argv, g_strdup (error_case->args[j]));
  g_ptr_array_add (argv, NULL);
  cli_run_argv (&run, argv, NULL);

  g_test_message ("expecting %s", error_case->code);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_true (g_str_has_suffix (run.out, "}\n"));
  g_assert_true (strchr (run.out, '\n') == run.out + strlen (run.out) - 1);
  root = parse_json (run.out);
  object = json_node_get_object (root);
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_nonnull (json_object_get_string_member (object, "error"));
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, error_case->code);
  g_assert_cmpint (run.status, ==, error_case->status);
  g_assert_cmpint (documented_exit_status (error_case->code), ==, error_case->status);
}

static const char protocol_mismatch_manifest[] =
  /* answers the handshake (id 0) as a plugctl client of versions 7 and 8 */
  "{\"name\": \"oldproto\", \"command\": \"/bin/sh\", \"args\": [\"-c\", "
  "\"IFS= read -r line <&3; printf '%s\\\\n' "
  "'{\\\"action\\\":\\\"response\\\",\\\"id\\\":0,\\\"name\\\":\\\"oldproto\\\","
  "\\\"key\\\":\\\"handshake\\\",\\\"error\\\":\\\"no common version\\\","
  "\\\"protocol\\\":{\\\"versions\\\":[7,8]}}' >&3; read -r line <&3\"]}";

static void
test_errors_carry_codes (void)
{
  const ErrorCase cases[] = {
    { { "call", "echo", "fail", "boom", NULL }, "failed", 1 },
    { { "--timeout", "100", "call", "echo", "slow", "5000", NULL }, "timeout", 1 },
    { { "call", "crasher", "crash", NULL }, "plugin-exited", 1 },
    { { "call", "nope", "x", NULL }, "not-registered", 3 },
    { { "call", "echo", "nope", NULL }, "not-exposed", 3 },
    { { "call", "far", "ping", NULL }, "connector", 3 },
    { { "info", "nope", NULL }, "not-registered", 3 },
    { { "call", "silent", "ping", NULL }, "start-timeout", 4 },
    { { "activate", "quitter", NULL }, "start-failed", 4 },
    { { "call", "future", "ping", NULL }, "plugctl-version", 4 },
    { { "call", "oldproto", "ping", NULL }, "protocol-version", 4 },
  };
  g_autofree char *dir = manifest_dir_new ();

  g_test_summary ("With --json a failed command prints {\"error\", \"code\"} on "
                  "stdout and nothing on stderr; each code has the exit status "
                  "plugctl(1) gives it");
  write_manifest (dir, "far.json", "{\"name\": \"far\", \"connector\": \"nowhere\"}");
  write_manifest (dir, "quitter.json", "{\"name\": \"quitter\", \"command\": \"/bin/sh\", "
                                       "\"args\": [\"-c\", \"exit 3\"]}");
  write_manifest (dir, "future.json", "{\"name\": \"future\", \"plugctl\": \">= 99\", "
                                      "\"command\": \"/nonexistent/never-spawned\"}");
  write_manifest (dir, "oldproto.json", protocol_mismatch_manifest);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (strcmp (cases[i].code, "plugin-exited") != 0 || have_program ("python3"))
        check_error_case (&cases[i], dir);
    }
  manifest_dir_remove (dir);
}

static void
test_version_errors_exit_4 (void)
{
  g_autofree char *dir = manifest_dir_new ();
  g_auto(CliRun) future = { 0, };
  g_auto(CliRun) old = { 0, };
  g_autofree char *future_err = g_strdup_printf ("plugctl: Plugin future needs plugctl "
                                                 ">= 99; this is plugctl %s\n",
                                                 PACKAGE_VERSION);
  g_autofree char *old_err = g_strdup_printf ("plugctl: Plugin oldproto speaks plugctl "
                                              "protocol versions 7, 8; plugctl %s offers "
                                              "1: no version in common\n", PACKAGE_VERSION);

  g_test_summary ("A plugctl range that excludes this plugctl, and a protocol "
                  "version mismatch, are start errors: exit status 4");
  write_manifest (dir, "future.json", "{\"name\": \"future\", \"plugctl\": \">= 99\", "
                                      "\"command\": \"/nonexistent/never-spawned\"}");
  write_manifest (dir, "oldproto.json", protocol_mismatch_manifest);

  cli_run (&future, "--plugin-dir", dir, "call", "future", "ping", NULL);
  assert_run (&future, 4, "", future_err);

  cli_run (&old, "--plugin-dir", dir, "call", "oldproto", "ping", NULL);
  assert_run (&old, 4, "", old_err);
  manifest_dir_remove (dir);
}

/* §5 call --exec */

static char *
plugin_program (const char *name)
{
  return g_build_filename (getenv_required ("PLUGCTL_PLUGINS_BUILDDIR"), name, NULL);
}

static void
test_exec_py_echo (void)
{
  g_autofree char *script = plugin_program ("py-echo.py");
  g_autofree char *command = NULL;
  g_auto(CliRun) echo = { 0, };
  g_auto(CliRun) nope = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GPtrArray) nope_argv = cli_argv_new (FALSE);

  g_test_summary ("call --exec runs a Python plugin without a manifest, and "
                  "knows its methods from the handshake");
  if (!have_program ("python3"))
    return;
  command = g_strdup_printf ("python3 '%s'", script);
  cli_argv_add (argv, "call", "--exec", command, "echo", "hi there", NULL);
  cli_run_argv (&echo, argv, NULL);
  assert_run (&echo, 0, "\"hi there\"\n", "");

  cli_argv_add (nope_argv, "call", "--exec", command, "nope", NULL);
  cli_run_argv (&nope, nope_argv, NULL);
  assert_run (&nope, 3, "",
              "plugctl: Cannot call method \"nope\" of \"python3\" from \"cli\", because "
              "\"nope\" is not exposed. Here is the list of exposed methods: "
              "\"echo\",\"sum\",\"fail\",\"slow\",\"ping\",\"canDeactivate\"\n");
}

static void
test_exec_c_echo (void)
{
  g_autofree char *program = plugin_program ("plugctl-echo");
  g_auto(CliRun) sum = { 0, };
  g_auto(CliRun) stdin_args = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GPtrArray) stdin_argv = cli_argv_new (FALSE);

  g_test_summary ("call --exec runs the C echo plugin, arguments from ARGs or stdin");
  cli_argv_add (argv, "call", "--exec", program, "sum", "2", "3", NULL);
  cli_run_argv (&sum, argv, NULL);
  assert_run (&sum, 0, "5\n", "");

  cli_argv_add (stdin_argv, "--json=pretty", "call", "--exec", program, "echo", "-", NULL);
  cli_run_argv (&stdin_args, stdin_argv, "[[1]]");
  assert_run (&stdin_args, 0, "[\n  1\n]\n", "");
}

static void
test_exec_stops_the_plugin (void)
{
  g_autofree char *program = g_build_filename (getenv_required ("PLUGCTL_TESTS_BUILDDIR"),
                                               "plugins", "killme", NULL);
  g_auto(CliRun) run = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  gint64 pid;

  g_test_summary ("The --exec plugin does not outlive the call");
  cli_argv_add (argv, "call", "--exec", program, "pid", NULL);
  cli_run_argv (&run, argv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  pid = g_ascii_strtoll (run.out, NULL, 10);
  g_assert_cmpint (pid, >, 1);
  g_assert_cmpint (kill ((pid_t) pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static void
test_exec_errors (void)
{
  g_auto(CliRun) missing = { 0, };
  g_auto(CliRun) quote = { 0, };
  g_auto(CliRun) daemon = { 0, };
  g_auto(CliRun) no_method = { 0, };

  g_test_summary ("call --exec: a command that does not start exits 4, a bad "
                  "command line or --daemon exits 2");
  cli_run (&missing, "call", "--exec", "/nonexistent/tool --x", "ping", NULL);
  assert_run (&missing, 4, "", "plugctl: Plugin tool: cannot start \"/nonexistent/tool\": "
                               "No such file or directory\n");

  cli_run (&quote, "call", "--exec", "'unfinished", "ping", NULL);
  g_assert_cmpint (quote.status, ==, 2);
  g_assert_true (g_str_has_prefix (quote.err, "plugctl: Invalid --exec \"'unfinished\": "));

  cli_run (&daemon, "--daemon", "call", "--exec", "true", "ping", NULL);
  assert_run (&daemon, 2, "", "plugctl: --exec runs its plugin here, not in the daemon\n"
                              "Try 'plugctl call --help'\n");

  cli_run (&no_method, "call", "--exec", "true", NULL);
  assert_run (&no_method, 2, "", "plugctl: Missing METHOD\nTry 'plugctl call --help'\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/scripting/stdin/args-as-json-array", test_stdin_args);
  g_test_add_func ("/scripting/stdin/not-an-array-exits-2", test_stdin_not_an_array_exits_2);
  g_test_add_func ("/scripting/timeout/infinity", test_timeout_infinity);
  g_test_add_func ("/scripting/json/short-when-piped", test_json_short_when_piped);
  g_test_add_func ("/scripting/json/pretty-on-terminal", test_json_pretty_on_terminal);
  g_test_add_func ("/scripting/json/listen-one-line", test_listen_one_line_whatever_format);
  g_test_add_func ("/scripting/batch/flushed-per-line", test_batch_flushed_per_line);
  g_test_add_func ("/scripting/exit-status/help-and-man-agree", test_exit_status_table_agrees);
  g_test_add_func ("/scripting/errors/json-with-code", test_errors_carry_codes);
  g_test_add_func ("/scripting/errors/version-errors-exit-4", test_version_errors_exit_4);
  g_test_add_func ("/scripting/exec/py-echo", test_exec_py_echo);
  g_test_add_func ("/scripting/exec/c-echo", test_exec_c_echo);
  g_test_add_func ("/scripting/exec/stops-the-plugin", test_exec_stops_the_plugin);
  g_test_add_func ("/scripting/exec/errors", test_exec_errors);

  return g_test_run ();
}
