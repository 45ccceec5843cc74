/* test-cli.c: the plugctl binary, run as a subprocess
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli-runner.h"

static void
test_call_echo (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "echo", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");
}

static void
test_call_node_echo (void)
{
  g_auto(CliRun) run = { 0, };

  if (!have_program ("node"))
    return;
  cli_run (&run, "call", "node-echo", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");
}

static void
test_call_py_echo (void)
{
  g_auto(CliRun) run = { 0, };

  if (!have_program ("python3"))
    return;
  cli_run (&run, "call", "py-echo", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");
}

static void
test_call_sum (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "echo", "sum", "2", "3", NULL);
  assert_run (&run, 0, "5\n", "");
}

static void
test_call_args_json_or_string (void)
{
  const struct { const char *arg; const char *out; } cases[] = {
    { "hi", "\"hi\"\n" },
    { "2", "2\n" },
    { "\"2\"", "\"2\"\n" },
    { "[1,{\"a\":null}]", "[1,{\"a\":null}]\n" },
    { "true", "true\n" },
    { "-7", "-7\n" },
    { "", "\"\"\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliRun) run = { 0, };

      cli_run (&run, "call", "echo", "echo", cases[i].arg, NULL);
      assert_run (&run, 0, cases[i].out, "");
    }
}

static void
test_call_dash_args_after_double_dash (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "echo", "echo", "--", "-x", NULL);
  assert_run (&run, 0, "\"-x\"\n", "");
}

static void
test_call_options_after_command (void)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "call", "echo", "sum", "-1", "3",
                "--plugin-dir", g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), "--json", NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 0, "2\n", "");
}

static void
test_call_fail_exits_1 (void)
{
  g_auto(CliRun) run = { 0, };
  g_auto(CliRun) run_text = { 0, };

  cli_run (&run, "call", "echo", "fail", NULL);
  assert_run (&run, 1, "", "plugctl: failed\n");

  cli_run (&run_text, "call", "echo", "fail", "it broke", NULL);
  assert_run (&run_text, 1, "", "plugctl: it broke\n");
}

static void
test_call_timeout_exits_1 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "--timeout", "200", "call", "echo", "slow", "20000", NULL);
  assert_run (&run, 1, "", "plugctl: [TIMEOUT] Timeout for call slow from cli\n");
}

static void
test_call_crash_exits_1 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "crasher", "crash", NULL);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, "plugctl: "));
  g_assert_nonnull (strstr (run.err, "crasher"));
  g_assert_cmpint (run.status, ==, 1);
}

static void
test_call_unknown_plugin_exits_3 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "nope", "echo", NULL);
  assert_run (&run, 3, "",
              "plugctl: Cannot call nope from cli, because nope is not registered\n");
}

static void
test_call_unknown_method_exits_3 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "echo", "nope", NULL);
  assert_run (&run, 3, "",
              "plugctl: Cannot call method \"nope\" of \"echo\" from \"cli\", because "
              "\"nope\" is not exposed. Here is the list of exposed methods: "
              "\"echo\",\"sum\",\"fail\",\"slow\",\"ping\",\"canDeactivate\"\n");
}

static void
test_call_silent_plugin_exits_4 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "silent", "ping", NULL);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, "plugctl: "));
  g_assert_nonnull (strstr (run.err, "silent"));
  g_assert_cmpint (run.status, ==, 4);
}

static void
test_usage_errors_exit_2 (void)
{
  const struct { const char *args[4]; const char *try_line; } cases[] = {
    { { NULL }, NULL },
    { { "frobnicate", NULL }, "Try 'plugctl --help'\n" },
    { { "call", NULL }, "Try 'plugctl call --help'\n" },
    { { "call", "echo", NULL }, "Try 'plugctl call --help'\n" },
    { { "call", "echo", "echo", "--bogus" }, "Try 'plugctl call --help'\n" },
    { { "list", "--bogus", NULL }, "Try 'plugctl list --help'\n" },
    { { "list", "extra", NULL }, "Try 'plugctl list --help'\n" },
    { { "listen", "ticker", NULL }, "Try 'plugctl listen --help'\n" },
    { { "info", NULL }, "Try 'plugctl info --help'\n" },
    { { "--timeout", "0", "list", NULL }, "Try 'plugctl --help'\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliRun) run = { 0, };
      g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);

      for (gsize j = 0; j < G_N_ELEMENTS (cases[i].args) && cases[i].args[j] != NULL; j++)
        g_ptr_array_add (argv, g_strdup (cases[i].args[j]));
      g_ptr_array_add (argv, NULL);
      cli_run_argv (&run, argv, NULL);

      g_assert_cmpstr (run.out, ==, "");
      g_assert_cmpint (run.status, ==, 2);
      if (cases[i].try_line != NULL)
        {
          g_assert_true (g_str_has_prefix (run.err, "plugctl: "));
          g_assert_true (g_str_has_suffix (run.err, cases[i].try_line));
        }
    }
}

static JsonObject *
find_by_name (JsonArray  *array,
              const char *name)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
        return object;
    }
  return NULL;
}

static gboolean
strv_array_contains (JsonArray  *array,
                     const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static void
test_list_json (void)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *manifest = NULL;
  JsonObject *echo;

  cli_run (&run, "list", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");

  root = parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  echo = find_by_name (json_node_get_array (root), "echo");
  g_assert_nonnull (echo);
  g_assert_cmpstr (json_object_get_string_member (echo, "state"), ==, "inactive");
  g_assert_cmpstr (json_object_get_string_member (echo, "connector"), ==, "child-process");
  g_assert_nonnull (json_object_get_string_member (echo, "description"));
  g_assert_cmpstr (json_object_get_string_member (echo, "version"), ==, "0.1.0");
  g_assert_true (strv_array_contains (json_object_get_array_member (echo, "methods"), "sum"));
  g_assert_true (strv_array_contains (json_object_get_array_member (echo, "events"), "echoed"));
  manifest = g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), "echo.json", NULL);
  g_assert_cmpstr (json_object_get_string_member (echo, "path"), ==, manifest);

  g_assert_nonnull (find_by_name (json_node_get_array (root), "ticker"));
  g_assert_nonnull (find_by_name (json_node_get_array (root), "killme"));
  g_assert_null (find_by_name (json_node_get_array (root), "cli"));
}

static void
test_list_text (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "NAME "));
  g_assert_nonnull (strstr (run.out, "\necho "));
}

static void
test_info_json (void)
{
  g_auto(CliRun) run = { 0, };
  g_auto(CliRun) unknown = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *profile;

  cli_run (&run, "info", "echo", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  profile = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (profile, "name"), ==, "echo");
  g_assert_true (strv_array_contains (json_object_get_array_member (profile, "methods"), "echo"));

  cli_run (&unknown, "info", "nope", NULL);
  assert_run (&unknown, 3, "", "plugctl: Plugin nope is not registered\n");
}

static void
test_connectors_json (void)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *child;

  cli_run (&run, "connectors", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  child = find_by_name (json_node_get_array (root), "child-process");
  g_assert_nonnull (child);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (child, "path"),
                                   "child-process.so"));
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
test_broken_manifest_warns (void)
{
  g_autofree char *dir = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_auto(CliRun) run = { 0, };
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) far = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *unavailable;
  g_autofree char *broken = NULL;

  g_assert_nonnull (dir);
  write_file (dir, "broken.json", "{ \"name\": \"broken\", \"methods\": 7 }\n");
  write_file (dir, "far.json", "{ \"name\": \"far\", \"connector\": \"nowhere\" }\n");
  broken = g_build_filename (dir, "broken.json", NULL);

  cli_run (&run, "--plugin-dir", dir, "call", "echo", "echo", "\"hi\"", NULL);
  g_assert_cmpstr (run.out, ==, "\"hi\"\n");
  g_assert_true (g_str_has_prefix (run.err, "plugctl: warning: "));
  g_assert_nonnull (strstr (run.err, "broken.json"));
  g_assert_nonnull (strstr (run.err, "methods"));
  g_assert_cmpint (strchr (run.err, '\n') - run.err + 1, ==, strlen (run.err));
  g_assert_cmpint (run.status, ==, 0);

  cli_run (&list, "--plugin-dir", dir, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  root = parse_json (list.out);
  unavailable = find_by_name (json_node_get_array (root), "far");
  g_assert_nonnull (unavailable);
  g_assert_cmpstr (json_object_get_string_member (unavailable, "state"), ==, "unavailable");
  g_assert_nonnull (strstr (json_object_get_string_member (unavailable, "error"), "nowhere"));
  g_assert_null (find_by_name (json_node_get_array (root), "broken"));

  cli_run (&far, "--plugin-dir", dir, "call", "far", "ping", NULL);
  g_assert_cmpint (far.status, ==, 3);
  g_assert_true (g_str_has_prefix (far.err, "plugctl: warning: "));
  g_assert_nonnull (strstr (far.err, "\nplugctl: No connector \"nowhere\" for plugin far"));

  g_remove (broken);
  g_autofree char *far_path = g_build_filename (dir, "far.json", NULL);
  g_remove (far_path);
  g_rmdir (dir);
}

/* A connector module of the last directory of the search path that only
 * loading would find broken: a command that needs one connector does not
 * load it, one that lists every plugin does. */
static void
test_connectors_loaded_lazily (void)
{
  g_autofree char *modules = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_autofree char *manifests = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_autofree char *saved_path = g_strdup (g_getenv ("PLUGCTL_CONNECTOR_PATH"));
  g_autofree char *path = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *far = NULL;
  g_auto(CliRun) call = { 0, };
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) missing = { 0, };
  g_autofree char *searched = NULL;

  g_assert_nonnull (modules);
  g_assert_nonnull (manifests);
  g_assert_nonnull (saved_path);
  write_file (modules, "zzz.so", "not a module\n");
  write_file (manifests, "far.json", "{ \"name\": \"far\", \"connector\": \"nowhere\" }\n");
  path = g_strconcat (saved_path, ":", modules, NULL);
  g_setenv ("PLUGCTL_CONNECTOR_PATH", path, TRUE);

  cli_run (&call, "call", "echo", "echo", "\"hi\"", NULL);
  assert_run (&call, 0, "\"hi\"\n", "");

  cli_run (&list, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.err, "zzz.so: cannot load connector module"));

  /* an unknown connector: every directory searched, in order */
  cli_run (&missing, "--plugin-dir", manifests, "call", "far", "ping", NULL);
  g_assert_cmpint (missing.status, ==, 3);
  searched = g_strdup_printf ("plugctl: No connector \"nowhere\" for plugin far (searched: %s:",
                              path);
  g_assert_nonnull (strstr (missing.err, searched));
  g_assert_nonnull (strstr (missing.err, "zzz.so: cannot load connector module"));

  g_setenv ("PLUGCTL_CONNECTOR_PATH", saved_path, TRUE);
  broken = g_build_filename (modules, "zzz.so", NULL);
  far = g_build_filename (manifests, "far.json", NULL);
  g_remove (broken);
  g_remove (far);
  g_rmdir (modules);
  g_rmdir (manifests);
}

/* A broken module in the first directory of the search path: a call
 * through the child-process connector loads child-process.so alone. */
static void
test_connectors_only_the_named_module_loads (void)
{
  g_autofree char *modules = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_autofree char *saved_path = g_strdup (g_getenv ("PLUGCTL_CONNECTOR_PATH"));
  g_autofree char *path = NULL;
  g_autofree char *broken = NULL;
  g_auto(CliRun) call = { 0, };

  g_assert_nonnull (modules);
  g_assert_nonnull (saved_path);
  write_file (modules, "aaa.so", "not a module\n");
  path = g_strconcat (modules, ":", saved_path, NULL);
  g_setenv ("PLUGCTL_CONNECTOR_PATH", path, TRUE);

  cli_run (&call, "call", "echo", "echo", "\"hi\"", NULL);
  assert_run (&call, 0, "\"hi\"\n", "");

  g_setenv ("PLUGCTL_CONNECTOR_PATH", saved_path, TRUE);
  broken = g_build_filename (modules, "aaa.so", NULL);
  g_remove (broken);
  g_rmdir (modules);
}

/* A module named otherwise than its connector is still found: when no
 * `<connector>.so` is, every module loads. */
static void
test_connectors_module_named_otherwise_found (void)
{
  g_autofree char *modules = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_autofree char *saved_path = g_strdup (g_getenv ("PLUGCTL_CONNECTOR_PATH"));
  g_autofree char *renamed = NULL;
  g_autofree char *original = NULL;
  g_auto(GStrv) dirs = NULL;
  g_auto(CliRun) call = { 0, };

  g_assert_nonnull (modules);
  g_assert_nonnull (saved_path);
  dirs = g_strsplit (saved_path, ":", -1);
  for (guint i = 0; dirs[i] != NULL && original == NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (dirs[i], "child-process.so", NULL);

      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        original = g_canonicalize_filename (candidate, NULL);
    }
  g_assert_nonnull (original);
  renamed = g_build_filename (modules, "processes.so", NULL);
  g_assert_no_errno (symlink (original, renamed));
  g_setenv ("PLUGCTL_CONNECTOR_PATH", modules, TRUE);

  cli_run (&call, "call", "echo", "echo", "\"hi\"", NULL);
  assert_run (&call, 0, "\"hi\"\n", "");

  g_setenv ("PLUGCTL_CONNECTOR_PATH", saved_path, TRUE);
  g_remove (renamed);
  g_rmdir (modules);
}

/* More lines than an engine queue holds: reading waits for answers. */
static void
test_batch_longer_than_the_queue (void)
{
  const guint n_lines = 12000;
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_auto(CliRun) run = { 0, };

  for (guint i = 0; i < n_lines; i++)
    {
      g_string_append_printf (input, "{\"id\":%u,\"plugin\":\"echo\",\"method\":\"sum\","
                                     "\"args\":[%u,1]}\n", i, i);
      g_string_append_printf (expected, "{\"id\":%u,\"result\":%u}\n", i, i + 1);
    }
  cli_run_with_input (&run, input->str, "batch", NULL);
  assert_run (&run, 0, expected->str, "");
}

static void
test_batch_answers_in_input_order (void)
{
  g_auto(CliRun) run = { 0, };
  const char *input =
    "{\"id\":1,\"plugin\":\"echo\",\"method\":\"echo\",\"args\":[\"a\"]}\n"
    "not json\n"
    "[\"echo\",\"sum\",1,2]\n"
    "\n"
    "{\"id\":\"slow\",\"plugin\":\"echo\",\"method\":\"slow\",\"args\":[300,\"late\"]}\n"
    "{\"id\":\"fast\",\"plugin\":\"killme\",\"method\":\"ping\"}\n"
    "{\"id\":5,\"plugin\":\"nope\",\"method\":\"x\"}\n"
    "{\"id\":6,\"method\":\"x\"}\n"
    "[\"echo\",\"fail\",\"no\"]";  /* no newline at the end */
  g_auto(GStrv) lines = NULL;

  cli_run_with_input (&run, input, "batch", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "");

  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 9);
  g_assert_cmpstr (lines[0], ==, "{\"id\":1,\"result\":\"a\"}");
  g_assert_true (g_str_has_prefix (lines[1], "{\"error\":\"line 2: "));
  g_assert_true (g_str_has_suffix (lines[1], "\",\"code\":\"invalid-message\"}"));
  g_assert_cmpstr (lines[2], ==, "{\"result\":3}");
  g_assert_cmpstr (lines[3], ==, "{\"id\":\"slow\",\"result\":\"late\"}");
  g_assert_cmpstr (lines[4], ==, "{\"id\":\"fast\",\"result\":\"pong\"}");
  g_assert_cmpstr (lines[5], ==, "{\"id\":5,\"error\":\"Cannot call nope from cli, "
                                 "because nope is not registered\",\"code\":\"not-registered\"}");
  g_assert_cmpstr (lines[6], ==, "{\"id\":6,\"error\":\"line 8: \\\"plugin\\\" must be a string\","
                                 "\"code\":\"invalid-message\"}");
  g_assert_cmpstr (lines[7], ==, "{\"error\":\"no\",\"code\":\"failed\"}");
  g_assert_cmpstr (lines[8], ==, "");
}

/* Batch lines are read as strictly as messages: what json-glib's parser
 * lets through (a leading zero, an unknown escape) is refused too. */
static void
test_batch_lines_read_strictly (void)
{
  g_auto(CliRun) run = { 0, };
  const char *input =
    "[\"echo\",\"echo\",01]\n"
    "[\"echo\",\"echo\",\"\\x\"]\n"
    "[\"echo\",\"echo\"\n"
    "oops\n"
    "[\"echo\",\"echo\",\"ok\"]\n";

  cli_run_with_input (&run, input, "batch", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==,
                   "{\"error\":\"line 1: not valid JSON: expected ',' or ']'\","
                   "\"code\":\"invalid-message\"}\n"
                   "{\"error\":\"line 2: not valid JSON: invalid escape in a string\","
                   "\"code\":\"invalid-message\"}\n"
                   "{\"error\":\"line 3: not valid JSON: expected ',' or ']'\","
                   "\"code\":\"invalid-message\"}\n"
                   "{\"error\":\"line 4: not valid JSON: expected a value\","
                   "\"code\":\"invalid-message\"}\n"
                   "{\"result\":\"ok\"}\n");
}

static void
test_batch_all_succeeded_exits_0 (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run_with_input (&run, "[\"echo\",\"echo\",1]\n[\"echo\",\"echo\",2]\n", "batch", NULL);
  assert_run (&run, 0, "{\"result\":1}\n{\"result\":2}\n", "");
}

static void
test_listen_count (void)
{
  g_auto(CliRun) run = { 0, };
  g_auto(CliRun) json = { 0, };

  if (!have_program ("python3"))
    return;
  cli_run (&run, "listen", "ticker", "tick", "--count", "2", NULL);
  assert_run (&run, 0, "[1]\n[2]\n", "");

  cli_run (&json, "listen", "ticker", "tick", "--count", "1", "--json", NULL);
  assert_run (&json, 0, "{\"emitter\":\"ticker\",\"event\":\"tick\",\"args\":[1]}\n", "");
}

static void
test_listen_sigint_exits_0 (void)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (!have_program ("python3"))
    return;
  cli_argv_add (argv, "listen", "ticker", "tick", NULL);
  process = cli_spawn_streaming (argv, &out);

  line = read_line_bounded (out, process);
  g_assert_cmpstr (line, ==, "[1]");
  g_subprocess_send_signal (process, SIGINT);
  g_assert_cmpint (wait_exit_bounded (process), ==, 0);
}

static void
test_batch_sigint_stops_plugins (void)
{
  const char input[] = "[\"killme\",\"pid\"]\n[\"killme\",\"hang\"]\n";
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *pid_line = NULL;
  g_autofree char *hang_line = NULL;
  gint64 pid;

  cli_argv_add (argv, "batch", NULL);
  process = cli_spawn_streaming (argv, &out);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input,
                             strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);

  pid_line = read_line_bounded (out, process);
  g_assert_nonnull (pid_line);
  answer = parse_json (pid_line);
  pid = json_object_get_int_member (json_node_get_object (answer), "result");
  g_assert_cmpint (pid, >, 1);

  /* the hang call is queued or running: SIGINT cancels it and stops killme */
  g_subprocess_send_signal (process, SIGINT);
  hang_line = read_line_bounded (out, process);
  g_assert_nonnull (hang_line);
  g_assert_true (g_str_has_prefix (hang_line, "{\"error\":"));
  g_assert_cmpint (wait_exit_bounded (process), ==, 130);

  g_assert_cmpint (kill ((pid_t) pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static void
test_activate_and_deactivate (void)
{
  g_auto(CliRun) activate = { 0, };
  g_auto(CliRun) silent = { 0, };
  g_auto(CliRun) deactivate = { 0, };
  g_auto(CliRun) unknown = { 0, };

  cli_run (&activate, "activate", "echo", "--json", NULL);
  assert_run (&activate, 0, "[\"echo\",\"sum\",\"fail\",\"slow\",\"ping\"]\n", "");

  cli_run (&silent, "activate", "silent", NULL);
  g_assert_cmpstr (silent.out, ==, "");
  g_assert_true (g_str_has_prefix (silent.err, "plugctl: "));
  g_assert_cmpint (silent.status, ==, 4);

  cli_run (&deactivate, "deactivate", "echo", NULL);
  assert_run (&deactivate, 0, "", "");

  cli_run (&unknown, "deactivate", "nope", NULL);
  assert_run (&unknown, 3, "", "plugctl: Plugin nope is not registered\n");
}

static void
test_emit (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "emit", "hello", "1", "two", NULL);
  assert_run (&run, 0, "", "");
}

static void
test_version (void)
{
  g_auto(CliRun) run = { 0, };
  g_autofree char *expected = g_strdup_printf ("plugctl %s\n", PACKAGE_VERSION);

  cli_run (&run, "--version", NULL);
  assert_run (&run, 0, expected, "");
}

static void
test_help_lists_every_command (void)
{
  const char *commands[] = { "list", "info", "status", "call", "activate", "deactivate",
                             "listen", "emit", "connectors", "batch", "validate", "help" };
  g_auto(CliRun) run = { 0, };
  g_auto(CliRun) call_help = { 0, };
  g_auto(CliRun) help_call = { 0, };

  cli_run (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *entry = g_strdup_printf ("\n  %s ", commands[i]);

      g_assert_nonnull (strstr (run.out, entry));
    }
  g_assert_nonnull (strstr (run.out, "Exit status:"));

  cli_run (&call_help, "call", "--help", NULL);
  g_assert_cmpint (call_help.status, ==, 0);
  g_assert_nonnull (strstr (call_help.out, "plugctl call [OPTION…] PLUGIN METHOD [ARG…]"));
  g_assert_nonnull (strstr (call_help.out, "--plugin-dir"));

  cli_run (&help_call, "help", "call", NULL);
  g_assert_cmpint (help_call.status, ==, 0);
  g_assert_cmpstr (help_call.out, ==, call_help.out);
}

/* Without --policy, $XDG_CONFIG_HOME/plugctl/policy.json applies, and a
 * denial names the file and the rule. */
static void
test_policy_default_path_names_rule (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "plugctl", NULL);
  g_autofree char *path = g_build_filename (dir, "policy.json", NULL);
  g_autofree char *other = g_build_filename (dir, "allow.json", NULL);
  g_autofree char *expected = g_strdup_printf (
      "plugctl: Plugin cli has no right to call method echo of plugin echo "
      "(denied by %s, rule 1)\n", path);
  g_auto(CliRun) denied = { 0, };
  g_auto(CliRun) allowed = { 0, };
  g_auto(CliRun) overridden = { 0, };

  /* GLib isolates the test's own dirs, not its children's environment */
  g_setenv ("XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path,
      "{\"rules\":[{\"action\":\"call\",\"from\":\"cli\",\"to\":\"echo\","
      "\"method\":\"echo\",\"allow\":false}]}", -1, NULL));
  g_assert_true (g_file_set_contents (other, "{\"rules\":[]}", -1, NULL));

  cli_run (&denied, "call", "echo", "echo", "hi", NULL);
  assert_run (&denied, 1, "", expected);
  cli_run (&allowed, "call", "echo", "sum", "1", "2", NULL);
  assert_run (&allowed, 0, "3\n", "");
  cli_run (&overridden, "--policy", other, "call", "echo", "echo", "hi", NULL);
  assert_run (&overridden, 0, "\"hi\"\n", "");
}

/* A one-shot call loads the target's connector only; a plugin it calls
 * on another connector (echo-thread: thread) is registered when the
 * engine meets the name. */
static void
test_connectors_loaded_for_a_plugin_s_call (void)
{
  static const char relay[] =
    "let pending = null;\n"
    "process.on('message', (m) => {\n"
    "  if (m.action === 'request' && m.key === 'handshake')\n"
    "    return process.send({ id: m.id, action: 'response', name: m.name, key: m.key, payload: ['relay'] });\n"
    "  if (m.action === 'request' && m.key === 'relay') {\n"
    "    pending = m;\n"
    "    return process.send({ id: 1, action: 'request', name: 'echo-thread', key: 'echo', payload: m.payload });\n"
    "  }\n"
    "  if (m.action === 'response' && m.id === 1)\n"
    "    process.send({ id: pending.id, action: 'response', name: 'relay', key: 'relay',\n"
    "                   payload: m.error ? undefined : m.payload, error: m.error });\n"
    "});\n";
  g_autofree char *manifests = g_dir_make_tmp ("plugctl-cli-XXXXXX", NULL);
  g_autofree char *script = NULL;
  g_autofree char *manifest = NULL;
  g_auto(CliRun) call = { 0, };

  g_assert_nonnull (manifests);
  write_file (manifests, "relay.js", relay);
  write_file (manifests, "relay.json",
              "{ \"name\": \"relay\", \"url\": \"relay.js\", \"methods\": [\"relay\"] }\n");

  cli_run (&call, "--plugin-dir", manifests, "call", "relay", "relay", "\"hi\"", NULL);
  assert_run (&call, 0, "\"hi\"\n", "");

  script = g_build_filename (manifests, "relay.js", NULL);
  manifest = g_build_filename (manifests, "relay.json", NULL);
  g_remove (script);
  g_remove (manifest);
  g_rmdir (manifests);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/call/echo", test_call_echo);
  g_test_add_func ("/cli/call/node-echo", test_call_node_echo);
  g_test_add_func ("/cli/call/py-echo", test_call_py_echo);
  g_test_add_func ("/cli/call/sum", test_call_sum);
  g_test_add_func ("/cli/policy/default-path-names-rule", test_policy_default_path_names_rule);
  g_test_add_func ("/cli/call/args-json-or-string", test_call_args_json_or_string);
  g_test_add_func ("/cli/call/dash-args-after-double-dash", test_call_dash_args_after_double_dash);
  g_test_add_func ("/cli/call/options-after-command", test_call_options_after_command);
  g_test_add_func ("/cli/call/fail-exits-1", test_call_fail_exits_1);
  g_test_add_func ("/cli/call/timeout-exits-1", test_call_timeout_exits_1);
  g_test_add_func ("/cli/call/crash-exits-1", test_call_crash_exits_1);
  g_test_add_func ("/cli/call/unknown-plugin-exits-3", test_call_unknown_plugin_exits_3);
  g_test_add_func ("/cli/call/unknown-method-exits-3", test_call_unknown_method_exits_3);
  g_test_add_func ("/cli/call/silent-plugin-exits-4", test_call_silent_plugin_exits_4);
  g_test_add_func ("/cli/usage-errors-exit-2", test_usage_errors_exit_2);
  g_test_add_func ("/cli/list/json", test_list_json);
  g_test_add_func ("/cli/list/text", test_list_text);
  g_test_add_func ("/cli/info/json", test_info_json);
  g_test_add_func ("/cli/connectors/json", test_connectors_json);
  g_test_add_func ("/cli/manifest/broken-one-warns-others-work", test_broken_manifest_warns);
  g_test_add_func ("/cli/batch/answers-in-input-order", test_batch_answers_in_input_order);
  g_test_add_func ("/cli/batch/all-succeeded-exits-0", test_batch_all_succeeded_exits_0);
  g_test_add_func ("/cli/batch/lines-read-strictly", test_batch_lines_read_strictly);
  g_test_add_func ("/cli/batch/longer-than-the-queue", test_batch_longer_than_the_queue);
  g_test_add_func ("/cli/connectors/loaded-lazily", test_connectors_loaded_lazily);
  g_test_add_func ("/cli/connectors/only-the-named-module-loads",
                   test_connectors_only_the_named_module_loads);
  g_test_add_func ("/cli/connectors/module-named-otherwise-found",
                   test_connectors_module_named_otherwise_found);
  g_test_add_func ("/cli/connectors/loaded-for-a-plugin-s-call", test_connectors_loaded_for_a_plugin_s_call);
  g_test_add_func ("/cli/batch/sigint-stops-plugins", test_batch_sigint_stops_plugins);
  g_test_add_func ("/cli/listen/count", test_listen_count);
  g_test_add_func ("/cli/listen/sigint-exits-0", test_listen_sigint_exits_0);
  g_test_add_func ("/cli/activate-and-deactivate", test_activate_and_deactivate);
  g_test_add_func ("/cli/emit", test_emit);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/help/lists-every-command", test_help_lists_every_command);

  return g_test_run ();
}
