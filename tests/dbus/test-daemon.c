/* test-daemon.c: `plugctl daemon` and `plugctl --daemon`, on a private bus
 *
 * Each test has a bus of its own (GTestDBus) that knows the build tree's
 * .service file of the daemon, so the first `plugctl --daemon` starts it
 * by D-Bus activation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include "../cli/cli-runner.h"

#define DAEMON_NAME "org.plugctl.Engine1"
#define DAEMON_PATH "/org/plugctl/Engine1"
#define WAIT_TIMEOUT_S 30

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *connection;  /* the test's own, to watch the daemon */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (fixture->bus, PLUGCTL_DBUS_SERVICES_DIR);
  g_test_dbus_up (fixture->bus);  /* sets DBUS_SESSION_BUS_ADDRESS for plugctl */
  if (g_getenv ("PLUGCTL_DAEMON") != NULL)
    g_unsetenv ("PLUGCTL_DAEMON");  /* plugctl without --daemon is the embedded one */

  fixture->connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_dbus_connection_close_sync (fixture->connection, NULL, NULL);
  g_clear_object (&fixture->connection);
  /* an activated daemon exits when its bus goes away */
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
}

/* Waiting on the main loop, bounded */

typedef gboolean (*Condition) (gpointer data);

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, on_wait_timeout, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

/* Whether the daemon owns its name, followed with a name watch */
typedef struct
{
  guint    watch_id;
  gboolean owned;
  gboolean known;  /* the first answer came */
} NameWatch;

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  NameWatch *watch = user_data;

  watch->owned = TRUE;
  watch->known = TRUE;
}

static void
on_name_vanished (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  NameWatch *watch = user_data;

  watch->owned = FALSE;
  watch->known = TRUE;
}

static void
name_watch_start (NameWatch       *watch,
                  GDBusConnection *connection)
{
  watch->owned = FALSE;
  watch->known = FALSE;
  watch->watch_id = g_bus_watch_name_on_connection (connection, DAEMON_NAME,
                                                    G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                    on_name_appeared, on_name_vanished,
                                                    watch, NULL);
}

static gboolean
name_is_owned (gpointer data)
{
  NameWatch *watch = data;

  return watch->known && watch->owned;
}

static gboolean
name_is_free (gpointer data)
{
  NameWatch *watch = data;

  return watch->known && !watch->owned;
}

static gboolean
daemon_runs (Fixture *fixture)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner;

  reply = g_dbus_connection_call_sync (fixture->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", DAEMON_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

/* The daemon's Listeners property, as its PropertiesChanged tells it */
typedef struct
{
  GDBusProxy *proxy;
  guint       wanted;
} Listeners;

static gboolean
listeners_reached (gpointer data)
{
  Listeners *listeners = data;
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (listeners->proxy,
                                                               "Listeners");

  return value != NULL && g_variant_get_uint32 (value) == listeners->wanted;
}

static GDBusProxy *
daemon_proxy_new (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GDBusProxy *proxy;

  proxy = g_dbus_proxy_new_sync (fixture->connection,
                                 G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                 NULL, DAEMON_NAME, DAEMON_PATH,
                                 "org.plugctl.Engine1", NULL, &error);
  g_assert_no_error (error);
  return proxy;
}

static void
wait_for_listeners (GDBusProxy *proxy,
                    guint       wanted)
{
  Listeners listeners = { proxy, wanted };

  wait_until (listeners_reached, &listeners, "the daemon's listeners");
}

/* plugctl daemon ARGS…, with the build tree's plugins, as a child */
static GSubprocess *
daemon_spawn (const char *first,
              ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GDataInputStream) out = NULL;
  va_list args;

  g_ptr_array_add (argv, g_strdup ("daemon"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return cli_spawn_streaming (argv, &out);
}

static JsonObject *
find_plugin (JsonNode   *list,
             const char *name)
{
  JsonArray *plugins = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);

      if (g_strcmp0 (json_object_get_string_member (plugin, "name"), name) == 0)
        return plugin;
    }
  g_assert_not_reached ();
}

/* A zombie has exited too: only its parent has not looked yet. */
static gboolean
process_is_gone (gint64 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *stat = NULL;
  const char *state;

  if (kill ((pid_t) pid, 0) == -1 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  state = strrchr (stat, ')');
  return state != NULL && state[1] == ' ' && state[2] == 'Z';
}

/* Tests */

static void
test_first_call_starts_daemon (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };

  g_assert_false (daemon_runs (fixture));
  cli_run_daemon (&run, "call", "echo", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");
  g_assert_true (daemon_runs (fixture));
}

static void
test_state_kept_across_runs (Fixture       *fixture,
                             gconstpointer  data)
{
  g_auto(CliRun) first = { 0, };
  g_auto(CliRun) second = { 0, };
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) embedded = { 0, };
  g_autoptr(JsonNode) plugins = NULL;
  g_autoptr(JsonNode) embedded_plugins = NULL;

  cli_run_daemon (&first, "call", "killme", "pid", NULL);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_cmpint (g_ascii_strtoll (first.out, NULL, 10), >, 1);

  cli_run_daemon (&second, "call", "killme", "pid", NULL);
  assert_run (&second, 0, first.out, "");

  cli_run_daemon (&list, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  plugins = parse_json (list.out);
  g_assert_cmpstr (json_object_get_string_member (find_plugin (plugins, "killme"), "state"),
                   ==, "active");
  g_assert_cmpstr (json_object_get_string_member (find_plugin (plugins, "echo"), "state"),
                   ==, "inactive");

  /* without --daemon, plugctl has an engine of its own */
  cli_run (&embedded, "list", "--json", NULL);
  g_assert_cmpint (embedded.status, ==, 0);
  embedded_plugins = parse_json (embedded.out);
  g_assert_cmpstr (json_object_get_string_member (find_plugin (embedded_plugins, "killme"),
                                                  "state"), ==, "inactive");
}

static void
test_env_selects_daemon (Fixture       *fixture,
                         gconstpointer  data)
{
  g_auto(CliRun) first = { 0, };
  g_auto(CliRun) second = { 0, };
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *env = g_find_program_in_path ("env");

  cli_run_daemon (&first, "call", "killme", "pid", NULL);
  g_assert_cmpint (first.status, ==, 0);

  g_assert_nonnull (env);
  g_ptr_array_add (argv, g_strdup (env));
  cli_argv_add (argv, "PLUGCTL_DAEMON=1", g_getenv ("PLUGCTL_CLI"),
                "call", "killme", "pid", NULL);
  cli_run_argv (&second, argv, NULL);
  assert_run (&second, 0, first.out, "");
}

static void
test_listen_sees_event_of_other_process (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_auto(CliRun) activate = { 0, };
  g_auto(CliRun) call = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocess) listener = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autofree char *line = NULL;

  cli_run_daemon (&activate, "activate", "echo", NULL);
  assert_run (&activate, 0, "echo: active (methods: echo, sum, fail, slow, ping)\n", "");
  proxy = daemon_proxy_new (fixture);

  cli_argv_add (argv, "--daemon", "listen", "echo", "echoed", "--count", "1", NULL);
  listener = cli_spawn_streaming (argv, &out);
  wait_for_listeners (proxy, 1);

  cli_run_daemon (&call, "call", "echo", "echo", "x", NULL);
  assert_run (&call, 0, "\"x\"\n", "");

  line = read_line_bounded (out, listener);
  g_assert_cmpstr (line, ==, "[\"x\"]");
  g_assert_cmpint (wait_exit_bounded (listener), ==, 0);

  /* the daemon forgets a listener that left the bus */
  wait_for_listeners (proxy, 0);
}

static void
test_listen_ends_when_emitter_stops (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocess) listener = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_auto(CliRun) activate = { 0, };
  g_auto(CliRun) deactivate = { 0, };
  g_autofree char *line = NULL;

  cli_run_daemon (&activate, "activate", "echo", NULL);
  g_assert_cmpint (activate.status, ==, 0);
  proxy = daemon_proxy_new (fixture);

  cli_argv_add (argv, "--daemon", "listen", "echo", "echoed", NULL);
  listener = cli_spawn_streaming (argv, &out);
  wait_for_listeners (proxy, 1);

  cli_run_daemon (&deactivate, "deactivate", "echo", NULL);
  assert_run (&deactivate, 0, "", "");

  line = read_line_bounded (out, listener);
  g_assert_null (line);
  g_assert_cmpint (wait_exit_bounded (listener), ==, 1);
}

/* Each command prints the same through the daemon as with its own engine. */
static void
test_same_output_as_embedded (Fixture       *fixture,
                              gconstpointer  data)
{
  const struct
  {
    const char *args[6];
    int         status;
  } cases[] = {
    { { "list", NULL }, 0 },
    { { "list", "--json", NULL }, 0 },
    { { "info", "echo", NULL }, 0 },
    { { "info", "--json", "echo", NULL }, 0 },
    { { "info", "nope", NULL }, 3 },
    { { "connectors", "--json", NULL }, 0 },
    { { "call", "echo", "sum", "2", "3", NULL }, 0 },
    { { "call", "echo", "fail", NULL }, 1 },
    { { "call", "echo", "fail", "it broke", NULL }, 1 },
    { { "call", "nope", "x", NULL }, 3 },
    { { "call", "echo", "nope", NULL }, 3 },
    { { "call", "silent", "ping", NULL }, 4 },
    { { "activate", "silent", NULL }, 4 },
    { { "activate", "--json", "echo", NULL }, 0 },
    { { "deactivate", "nope", NULL }, 3 },
    { { "listen", "nope", "event", NULL }, 3 },
    { { "emit", "hello", "1", "two", NULL }, 0 },
    { { "call", "echo", "sum", "x", NULL }, -2 },  /* whatever echo says, the same */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliRun) embedded = { 0, };
      g_auto(CliRun) remote = { 0, };
      g_autoptr(GPtrArray) embedded_argv = cli_argv_new (TRUE);
      g_autoptr(GPtrArray) remote_argv = cli_argv_new (FALSE);

      g_ptr_array_add (remote_argv, g_strdup ("--daemon"));
      for (gsize j = 0; cases[i].args[j] != NULL; j++)
        {
          g_ptr_array_add (embedded_argv, g_strdup (cases[i].args[j]));
          g_ptr_array_add (remote_argv, g_strdup (cases[i].args[j]));
        }
      g_ptr_array_add (embedded_argv, NULL);
      g_ptr_array_add (remote_argv, NULL);

      cli_run_argv (&embedded, embedded_argv, NULL);
      cli_run_argv (&remote, remote_argv, NULL);
      if (cases[i].status >= 0)
        g_assert_cmpint (embedded.status, ==, cases[i].status);
      assert_run (&remote, embedded.status, embedded.out, embedded.err);
    }
}

/* A plugin that exits before its handshake fails a call with exit status 4
 * (org.plugctl.StartError), not 1 as a call that fails. */
static void
test_start_failure_exits_4 (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "plugins", NULL);
  g_autofree char *manifest = g_build_filename (dir, "quitter.json", NULL);
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_auto(CliRun) embedded = { 0, };
  g_auto(CliRun) remote = { 0, };
  g_autoptr(GError) error = NULL;
  NameWatch watch;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (manifest,
                       "{\"name\": \"quitter\", \"command\": \"/bin/false\", "
                       "\"methods\": [\"ping\"]}", -1, &error);
  g_assert_no_error (error);

  name_watch_start (&watch, fixture->connection);
  daemon = daemon_spawn ("--plugin-dir", dir, NULL);
  wait_until (name_is_owned, &watch, "the daemon to own its name");
  g_bus_unwatch_name (watch.watch_id);

  cli_argv_add (argv, "--plugin-dir", dir, "call", "quitter", "ping", NULL);
  cli_run_argv (&embedded, argv, NULL);
  g_assert_cmpint (embedded.status, ==, 4);
  cli_run_daemon (&remote, "call", "quitter", "ping", NULL);
  assert_run (&remote, 4, "", embedded.err);

  g_subprocess_send_signal (daemon, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (daemon), ==, 0);
}

static void
test_batch_through_daemon (Fixture       *fixture,
                           gconstpointer  data)
{
  const char input[] = "[\"echo\",\"sum\",1,2]\n"
                       "{\"id\":\"f\",\"plugin\":\"echo\",\"method\":\"fail\",\"args\":[\"no\"]}\n"
                       "[\"nope\",\"x\"]\n";
  g_auto(CliRun) run = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "--daemon", "batch", NULL);
  cli_run_argv (&run, argv, input);
  assert_run (&run, 1,
              "{\"result\":3}\n"
              "{\"id\":\"f\",\"error\":\"no\",\"code\":\"failed\"}\n"
              "{\"error\":\"Cannot call nope from cli, because nope is not registered\","
              "\"code\":\"not-registered\"}\n",
              "");
}

/* SIGINT cancels the calls of that plugctl in the daemon, with the
 * engine's text; the plugin stays active for the next caller. */
static void
test_sigint_cancels_calls (Fixture       *fixture,
                           gconstpointer  data)
{
  const char input[] = "[\"killme\",\"pid\"]\n[\"killme\",\"hang\"]\n";
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_line = NULL;
  g_autofree char *hang_line = NULL;
  g_auto(CliRun) ping = { 0, };

  cli_argv_add (argv, "--daemon", "batch", NULL);
  process = cli_spawn_streaming (argv, &out);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input,
                             strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);

  pid_line = read_line_bounded (out, process);
  g_assert_nonnull (pid_line);
  g_assert_true (g_str_has_prefix (pid_line, "{\"result\":"));

  /* the hang call reached the daemon before Cancel: one connection, in order */
  g_subprocess_send_signal (process, SIGINT);
  hang_line = read_line_bounded (out, process);
  g_assert_cmpstr (hang_line, ==, "{\"error\":\"[CANCEL] Canceled call hang from cli\","
                                 "\"code\":\"cancelled\"}");
  g_assert_cmpint (wait_exit_bounded (process), ==, 130);

  cli_run_daemon (&ping, "call", "killme", "ping", NULL);
  g_assert_cmpint (ping.status, ==, 0);
}

static void
test_idle_timeout_exits (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GSubprocess) daemon = NULL;
  NameWatch watch;

  name_watch_start (&watch, fixture->connection);
  daemon = daemon_spawn ("--idle-timeout", "1", NULL);
  wait_until (name_is_owned, &watch, "the daemon to own its name");

  g_assert_cmpint (wait_exit_bounded (daemon), ==, 0);
  wait_until (name_is_free, &watch, "the daemon to release its name");
  g_bus_unwatch_name (watch.watch_id);
}

static void
test_name_taken_exits_1_and_replace (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GSubprocess) first = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_auto(CliRun) taken = { 0, };
  NameWatch watch;

  name_watch_start (&watch, fixture->connection);
  first = daemon_spawn (NULL);
  wait_until (name_is_owned, &watch, "the first daemon to own its name");

  cli_argv_add (argv, "daemon", NULL);
  cli_run_argv (&taken, argv, NULL);
  assert_run (&taken, 1, "",
              "plugctl: org.plugctl.Engine1 is already taken on the session bus: "
              "another daemon runs (use --replace to replace it)\n");

  second = daemon_spawn ("--replace", NULL);
  g_assert_cmpint (wait_exit_bounded (first), ==, 0);
  g_assert_true (daemon_runs (fixture));

  g_subprocess_send_signal (second, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (second), ==, 0);
  wait_until (name_is_free, &watch, "the name to be released");
  g_bus_unwatch_name (watch.watch_id);
}

static void
test_sigterm_stops_plugins (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GSubprocess) daemon = NULL;
  g_auto(CliRun) pid = { 0, };
  NameWatch watch;

  name_watch_start (&watch, fixture->connection);
  daemon = daemon_spawn (NULL);
  wait_until (name_is_owned, &watch, "the daemon to own its name");
  g_bus_unwatch_name (watch.watch_id);

  cli_run_daemon (&pid, "call", "killme", "pid", NULL);
  g_assert_cmpint (pid.status, ==, 0);
  g_assert_false (process_is_gone (g_ascii_strtoll (pid.out, NULL, 10)));

  g_subprocess_send_signal (daemon, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (daemon), ==, 0);
  g_assert_true (process_is_gone (g_ascii_strtoll (pid.out, NULL, 10)));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  cli_keep_test_dbus_watcher_private ();

#define TEST(path, func) \
  g_test_add ("/daemon/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  TEST ("activation/first-call-starts-daemon", test_first_call_starts_daemon);
  TEST ("state/kept-across-runs", test_state_kept_across_runs);
  TEST ("state/env-selects-daemon", test_env_selects_daemon);
  TEST ("listen/sees-event-of-other-process", test_listen_sees_event_of_other_process);
  TEST ("listen/ends-when-emitter-stops", test_listen_ends_when_emitter_stops);
  TEST ("errors/same-output-as-embedded", test_same_output_as_embedded);
  TEST ("errors/start-failure-exits-4", test_start_failure_exits_4);
  TEST ("batch/through-daemon", test_batch_through_daemon);
  TEST ("cancel/sigint-cancels-calls", test_sigint_cancels_calls);
  TEST ("idle-timeout/exits", test_idle_timeout_exits);
  TEST ("name/taken-exits-1-and-replace", test_name_taken_exits_1_and_replace);
  TEST ("signal/sigterm-stops-plugins", test_sigterm_stops_plugins);

#undef TEST
  return g_test_run ();
}
