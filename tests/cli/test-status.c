/* test-status.c: `plugctl status` (issue 9 §4), through the binary: the
 * embedded engine's view, and the daemon's shared engine on a private
 * bus (GTestDBus), with active, busy and failed plugins.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cli-runner.h"

#define DAEMON_NAME "org.plugctl.Engine1"
#define WAIT_TIMEOUT_S 30

static const char *
getenv_required (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

static JsonObject *
find_by_name (JsonNode   *root,
              const char *name)
{
  JsonArray *array;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
        return object;
    }
  g_error ("No %s in the status", name);
}

/* Embedded: plugctl's own engine */

static void
test_embedded_table (void)
{
  g_auto(CliRun) run = { 0, };
  g_auto(GStrv) lines = NULL;
  gboolean found = FALSE;

  g_test_summary ("status prints a table of every plugin of the manifests; "
                  "plugctl's own engine has started none");
  cli_run (&run, "status", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_true (g_regex_match_simple ("^NAME +STATE +PID +UPTIME +RESTARTS +PENDING +LAST ERROR$",
                                       lines[0], 0, 0));
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_regex_match_simple ("^echo +inactive +- +- +0 +0 *$", lines[i], 0, 0))
      found = TRUE;
  g_assert_true (found);
}

static void
test_embedded_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("plugctl-status-XXXXXX", NULL);
  g_autofree char *far = g_build_filename (dir, "far.json", NULL);
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *echo, *unavailable;
  g_autoptr(GError) error = NULL;

  g_test_summary ("status --json: an array of the library's status objects, "
                  "an unavailable plugin with its error");
  g_file_set_contents (far, "{\"name\": \"far\", \"connector\": \"nowhere\"}", -1, &error);
  g_assert_no_error (error);

  cli_run (&run, "--plugin-dir", dir, "status", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_json (run.out);

  echo = find_by_name (root, "echo");
  g_assert_cmpstr (json_object_get_string_member (echo, "state"), ==, "inactive");
  g_assert_cmpstr (json_object_get_string_member (echo, "connector"), ==, "child-process");
  g_assert_cmpstr (json_object_get_string_member (echo, "version"), ==, "0.1.0");
  g_assert_cmpint (json_object_get_int_member (echo, "restarts"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (echo, "pendingCalls"), ==, 0);
  g_assert_false (json_object_has_member (echo, "pid"));
  g_assert_false (json_object_has_member (echo, "uptime"));
  g_assert_false (json_object_has_member (echo, "lastError"));

  unavailable = find_by_name (root, "far");
  g_assert_cmpstr (json_object_get_string_member (unavailable, "state"), ==, "unavailable");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (unavailable, "lastError"),
                                   "No connector \"nowhere\" for plugin far"));
  g_remove (far);
  g_rmdir (dir);
}

static void
test_embedded_one_plugin (void)
{
  g_auto(CliRun) text = { 0, };
  g_auto(CliRun) json = { 0, };
  g_auto(CliRun) unknown = { 0, };
  g_auto(CliRun) extra = { 0, };
  g_autoptr(JsonNode) root = NULL;

  g_test_summary ("status PLUGIN: its details, one object with --json; an unknown "
                  "plugin exits 3");
  cli_run (&text, "status", "echo", NULL);
  assert_run (&text, 0,
              "name:             echo\n"
              "state:            inactive\n"
              "connector:        child-process\n"
              "version:          0.1.0\n"
              "restarts:         0\n"
              "pending calls:    0\n"
              "protocol:         Remix (no version)\n"
              "messages in:      0\n"
              "messages out:     0\n", "");

  cli_run (&json, "status", "--json", "echo", NULL);
  g_assert_cmpint (json.status, ==, 0);
  root = parse_json (json.out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "name"),
                   ==, "echo");

  cli_run (&unknown, "status", "nope", NULL);
  assert_run (&unknown, 3, "", "plugctl: Plugin nope is not registered\n");

  cli_run (&extra, "status", "echo", "ticker", NULL);
  assert_run (&extra, 2, "", "plugctl: Unexpected argument \"ticker\"\n"
                             "Try 'plugctl status --help'\n");
}

/* Through the daemon, on a bus of the test's own */

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *connection;
  GSubprocess     *daemon;
  char            *plugin_dir;  /* manifests of this test, for the daemon */
} Fixture;

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for_daemon_name (Fixture *fixture)
{
  gboolean owned = FALSE, timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, on_wait_timeout, &timed_out);
  guint watch_id = g_bus_watch_name_on_connection (fixture->connection, DAEMON_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, NULL, &owned, NULL);

  while (!owned && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("The daemon did not take its name within %d s", WAIT_TIMEOUT_S);
  g_source_remove (timeout_id);
  g_bus_unwatch_name (watch_id);
}

static void
write_crashy_manifest (const char *dir)
{
  g_autofree char *crasher = g_build_filename (getenv_required ("PLUGCTL_TESTS_BUILDDIR"),
                                               "plugins", "crasher", NULL);
  g_autofree char *path = g_build_filename (dir, "crashy.json", NULL);
  g_autofree char *manifest = NULL;
  g_autoptr(GError) error = NULL;

  manifest = g_strdup_printf ("{\"name\": \"crashy\", \"command\": \"%s\", "
                              "\"methods\": [\"crash\", \"ping\"], "
                              "\"restart\": \"on-failure\", \"restartLimit\": 1, "
                              "\"restartBackoff\": 10}", crasher);
  g_file_set_contents (path, manifest, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);  /* sets DBUS_SESSION_BUS_ADDRESS for plugctl */
  g_unsetenv ("PLUGCTL_DAEMON");
  fixture->connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);

  fixture->plugin_dir = g_dir_make_tmp ("plugctl-status-XXXXXX", &error);
  g_assert_no_error (error);
  write_crashy_manifest (fixture->plugin_dir);

  /* no .service file on this bus: the daemon is this one */
  cli_argv_add (argv, "--plugin-dir", fixture->plugin_dir, "daemon", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_PLUGIN_PATH");
  fixture->daemon = g_subprocess_launcher_spawnv (launcher,
                                                  (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);
  wait_for_daemon_name (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *crashy = g_build_filename (fixture->plugin_dir, "crashy.json", NULL);

  g_subprocess_send_signal (fixture->daemon, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (fixture->daemon), ==, 0);
  g_clear_object (&fixture->daemon);
  g_dbus_connection_close_sync (fixture->connection, NULL, NULL);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
  g_remove (crashy);
  g_rmdir (fixture->plugin_dir);
  g_free (fixture->plugin_dir);
}

static JsonNode *
daemon_status (const char *name)
{
  g_auto(CliRun) run = { 0, };

  cli_run_daemon (&run, "status", "--json", name, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  return parse_json (run.out);
}

static void
test_daemon_shared_view (Fixture       *fixture,
                         gconstpointer  data)
{
  g_auto(CliRun) pid = { 0, };
  g_auto(CliRun) table = { 0, };
  g_auto(CliRun) unknown = { 0, };
  g_auto(CliRun) embedded = { 0, };
  g_autoptr(JsonNode) killme = NULL;
  g_autoptr(JsonNode) all = NULL;
  g_autoptr(JsonNode) own = NULL;
  g_autofree char *row = NULL;
  JsonObject *status;

  g_test_summary ("status --daemon shows the daemon's engine: a plugin another "
                  "plugctl started is active, with its pid, uptime and counters");
  cli_run_daemon (&pid, "call", "killme", "pid", NULL);
  g_assert_cmpint (pid.status, ==, 0);

  killme = daemon_status ("killme");
  status = json_node_get_object (killme);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "active");
  g_assert_cmpint (json_object_get_int_member (status, "pid"), ==,
                   g_ascii_strtoll (pid.out, NULL, 10));
  g_assert_cmpint (json_object_get_int_member (status, "uptime"), >=, 0);
  g_assert_nonnull (json_object_get_string_member (status, "startedAt"));
  g_assert_cmpint (json_object_get_int_member (status, "activationTime"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (status, "restarts"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "pendingCalls"), ==, 0);
  g_assert_false (json_object_has_member (status, "oldestCallAge"));
  g_assert_cmpint (json_object_get_int_member (status, "protocolVersion"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (status, "messagesIn"), >=, 2);
  g_assert_cmpint (json_object_get_int_member (status, "messagesOut"), >=, 2);

  all = daemon_status (NULL);
  g_assert_cmpstr (json_object_get_string_member (find_by_name (all, "killme"), "state"),
                   ==, "active");
  g_assert_cmpstr (json_object_get_string_member (find_by_name (all, "echo"), "state"),
                   ==, "inactive");

  cli_run_daemon (&table, "status", NULL);
  g_assert_cmpint (table.status, ==, 0);
  row = g_strdup_printf ("\nkillme +active +%" G_GINT64_FORMAT " +[0-9.]+ (ms|s) +0 +0 *\n",
                         g_ascii_strtoll (pid.out, NULL, 10));
  g_assert_true (g_regex_match_simple (row, table.out, 0, 0));

  cli_run_daemon (&unknown, "status", "nope", NULL);
  assert_run (&unknown, 3, "", "plugctl: Plugin nope is not registered\n");

  /* plugctl's own engine is another one */
  cli_run (&embedded, "status", "--json", "killme", NULL);
  g_assert_cmpint (embedded.status, ==, 0);
  own = parse_json (embedded.out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (own), "state"),
                   ==, "inactive");
}

/* Asks the daemon again until @done says yes, bounded in time. */
static JsonNode *
poll_status (const char *name,
             gboolean   (*done) (JsonObject *status),
             const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      JsonNode *status = daemon_status (name);

      if (done (json_node_get_object (status)))
        return status;
      json_node_unref (status);
    }
  g_error ("Timed out waiting for %s", what);
}

static gboolean
has_pending_call (JsonObject *status)
{
  return json_object_get_int_member (status, "pendingCalls") == 1;
}

static void
test_daemon_pending_calls (Fixture       *fixture,
                           gconstpointer  data)
{
  const char input[] = "[\"killme\",\"pid\"]\n[\"killme\",\"hang\"]\n";
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocess) batch = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_line = NULL;
  g_autofree char *hang_line = NULL;
  g_autoptr(JsonNode) busy = NULL;
  JsonObject *status;

  g_test_summary ("A call under way shows as pending, with the age of the oldest");
  cli_argv_add (argv, "--daemon", "batch", NULL);
  batch = cli_spawn_streaming (argv, &out);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (batch), input, strlen (input),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  pid_line = read_line_bounded (out, batch);
  g_assert_nonnull (pid_line);

  busy = poll_status ("killme", has_pending_call, "the pending hang call");
  status = json_node_get_object (busy);
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "active");
  g_assert_cmpint (json_object_get_int_member (status, "oldestCallAge"), >=, 0);

  g_subprocess_send_signal (batch, SIGINT);
  hang_line = read_line_bounded (out, batch);
  g_assert_cmpstr (hang_line, ==, "{\"error\":\"[CANCEL] Canceled call hang from cli\","
                                  "\"code\":\"cancelled\"}");
  g_assert_cmpint (wait_exit_bounded (batch), ==, 130);
}

static gboolean
has_failed (JsonObject *status)
{
  return g_strcmp0 (json_object_get_string_member (status, "state"), "failed") == 0;
}

static void
test_daemon_failed_plugin (Fixture       *fixture,
                           gconstpointer  data)
{
  g_auto(CliRun) crash = { 0, };
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) table = { 0, };
  g_autoptr(JsonNode) failed = NULL;
  g_autoptr(JsonNode) plugins = NULL;
  JsonObject *status;

  g_test_summary ("A plugin past its restart budget is failed, with its last "
                  "error, in status and list");
  cli_run_daemon (&crash, "call", "crashy", "crash", NULL);
  assert_run (&crash, 1, "", "plugctl: Plugin crashy was killed by signal 6 (SIGABRT)\n");

  failed = poll_status ("crashy", has_failed, "the failed state");
  status = json_node_get_object (failed);
  g_assert_cmpstr (json_object_get_string_member (status, "lastError"), ==,
                   "Plugin crashy was killed by signal 6 (SIGABRT)");
  g_assert_false (json_object_has_member (status, "pid"));

  cli_run_daemon (&list, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  plugins = parse_json (list.out);
  g_assert_cmpstr (json_object_get_string_member (find_by_name (plugins, "crashy"), "state"),
                   ==, "failed");

  cli_run_daemon (&table, "status", NULL);
  g_assert_true (g_regex_match_simple ("\ncrashy +failed +- +- +0 +0 +Plugin crashy was "
                                       "killed by signal 6 \\(SIGABRT\\)\n",
                                       table.out, 0, 0));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  cli_keep_test_dbus_watcher_private ();

  g_test_add_func ("/status/embedded/table", test_embedded_table);
  g_test_add_func ("/status/embedded/json", test_embedded_json);
  g_test_add_func ("/status/embedded/one-plugin", test_embedded_one_plugin);
  g_test_add ("/status/daemon/shared-view", Fixture, NULL,
              fixture_set_up, test_daemon_shared_view, fixture_tear_down);
  g_test_add ("/status/daemon/pending-calls", Fixture, NULL,
              fixture_set_up, test_daemon_pending_calls, fixture_tear_down);
  g_test_add ("/status/daemon/failed-plugin", Fixture, NULL,
              fixture_set_up, test_daemon_failed_plugin, fixture_tear_down);

  return g_test_run ();
}
