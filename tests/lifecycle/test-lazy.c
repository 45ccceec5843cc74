/* test-lazy.c: lazy start in the daemon (issue 9 §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The profile fields `start`, `listens` and `idleTimeout`, then
 * `plugctl daemon` on a private bus with a plugin directory of the test's
 * own: nothing runs before it is used, "daemon" plugins start with the
 * daemon, "event" plugins with an event they listen for, and an idle
 * plugin is deactivated.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <plugctl.h>

#include "daemon-fixture.h"

#define N_LAZY_PLUGINS 100

/* Profile fields, through the library */

static PlugProfile *
profile_from (const char  *json,
              GError     **error)
{
  return plug_profile_new_from_data (json, -1, NULL, error);
}

static void
test_profile_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = profile_from ("{\"name\": \"a\"}", &error);

  g_assert_no_error (error);
  g_assert_cmpint (plug_profile_get_start (profile), ==, PLUG_START_CALL);
  g_assert_cmpstrv (plug_profile_get_listens (profile), ((const char *[]) { NULL }));
  g_assert_cmpuint (plug_profile_get_idle_timeout (profile), ==, 0);
}

static void
test_profile_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) event = NULL;
  g_autoptr(PlugProfile) daemon = NULL;
  const char *listens[] = { "cli", "wake", "ticker", "tick", NULL };

  event = profile_from ("{\"name\": \"a\", \"start\": \"event\", \"idleTimeout\": 250, "
                        "\"listens\": [{\"emitter\": \"cli\", \"event\": \"wake\"}, "
                        "{\"event\": \"tick\", \"emitter\": \"ticker\"}]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (plug_profile_get_start (event), ==, PLUG_START_EVENT);
  g_assert_cmpstrv (plug_profile_get_listens (event), listens);
  g_assert_cmpuint (plug_profile_get_idle_timeout (event), ==, 250);

  daemon = profile_from ("{\"name\": \"b\", \"start\": \"daemon\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (plug_profile_get_start (daemon), ==, PLUG_START_DAEMON);
}

static void
test_profile_invalid (void)
{
  const struct
  {
    const char *json;
    const char *message;
  } cases[] = {
    { "{\"name\": \"a\", \"start\": \"later\"}",
      "<data>:1:24: field \"start\" must be \"call\", \"event\" or \"daemon\"" },
    { "{\"name\": \"a\", \"start\": 1}",
      "<data>:1:24: field \"start\" must be \"call\", \"event\" or \"daemon\"" },
    { "{\"name\": \"a\", \"start\": \"event\"}",
      "<data>:1:24: field \"start\" is \"event\" but \"listens\" names no event" },
    { "{\"name\": \"a\", \"start\": \"event\", \"listens\": []}",
      "<data>:1:24: field \"start\" is \"event\" but \"listens\" names no event" },
    { "{\"name\": \"a\", \"listens\": {\"emitter\": \"x\", \"event\": \"y\"}}",
      "<data>:1:26: field \"listens\" must be an array of "
      "{\"emitter\": string, \"event\": string}" },
    { "{\"name\": \"a\", \"listens\": [{\"emitter\": \"x\"}]}",
      "<data>:1:26: field \"listens\" must be an array of "
      "{\"emitter\": string, \"event\": string}" },
    { "{\"name\": \"a\", \"listens\": [{\"emitter\": \"\", \"event\": \"y\"}]}",
      "<data>:1:26: field \"listens\" must be an array of "
      "{\"emitter\": string, \"event\": string}" },
    { "{\"name\": \"a\", \"listens\": [\"x.y\"]}",
      "<data>:1:26: field \"listens\" must be an array of "
      "{\"emitter\": string, \"event\": string}" },
    { "{\"name\": \"a\", \"idleTimeout\": 0}",
      "<data>:1:30: field \"idleTimeout\" must be an integer > 0" },
    { "{\"name\": \"a\", \"idleTimeout\": \"1s\"}",
      "<data>:1:30: field \"idleTimeout\" must be an integer > 0" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugProfile) profile = profile_from (cases[i].json, &error);

      g_assert_null (profile);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* The daemon */

static void
write_echo_manifest (DaemonFixture *fixture,
                     const char    *name,
                     const char    *extra_fields)
{
  g_autofree char *command = daemon_fixture_echo_program ();
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"command\": \"%s\"%s}",
                                           name, command, extra_fields);

  daemon_fixture_write_manifest (fixture, name, json);
}

static void
write_killme_manifest (DaemonFixture *fixture,
                       const char    *name,
                       const char    *extra_fields)
{
  g_autofree char *command = daemon_fixture_killme_program ();
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"command\": \"%s\"%s}",
                                           name, command, extra_fields);

  daemon_fixture_write_manifest (fixture, name, json);
}

static void
assert_children (DaemonFixture *fixture,
                 guint          n)
{
  g_autoptr(GArray) pids = daemon_fixture_list_children (fixture);

  g_assert_cmpuint (pids->len, ==, n);
}

static void
assert_state (const char *name,
              const char *state)
{
  g_autofree char *current = daemon_fixture_get_state (name);

  g_assert_cmpstr (current, ==, state);
}

/* `pid` of a killme-like plugin is the daemon's only child. */
static void
assert_only_child_is (DaemonFixture *fixture,
                      const char    *name)
{
  g_autoptr(GArray) pids = daemon_fixture_list_children (fixture);
  g_auto(CliRun) run = { 0, };

  g_assert_cmpuint (pids->len, ==, 1);
  cli_run_daemon (&run, "call", name, "pid", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (atoi (run.out), ==, g_array_index (pids, GPid, 0));
}

static void
test_hundred_plugins_no_child (DaemonFixture *fixture,
                               gconstpointer  data)
{
  g_auto(CliRun) list = { 0, };
  g_auto(CliRun) call = { 0, };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *plugins;
  guint n_lazy = 0;

  for (guint i = 0; i < N_LAZY_PLUGINS; i++)
    {
      g_autofree char *name = g_strdup_printf ("lazy-%03u", i);

      write_echo_manifest (fixture, name, "");
    }
  daemon_fixture_start (fixture);

  cli_run_daemon (&list, "list", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  node = parse_json (list.out);
  plugins = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);

      if (!g_str_has_prefix (json_object_get_string_member (plugin, "name"), "lazy-"))
        continue;
      n_lazy++;
      g_assert_cmpstr (json_object_get_string_member (plugin, "state"), ==, "inactive");
    }
  g_assert_cmpuint (n_lazy, ==, N_LAZY_PLUGINS);
  assert_children (fixture, 0);

  cli_run_daemon (&call, "call", "lazy-042", "echo", "hi", NULL);
  assert_run (&call, 0, "\"hi\"\n", "");
  assert_children (fixture, 1);
  assert_state ("lazy-042", "active");
  assert_state ("lazy-041", "inactive");
}

static void
test_start_daemon (DaemonFixture *fixture,
                   gconstpointer  data)
{
  write_killme_manifest (fixture, "early", ", \"start\": \"daemon\"");
  write_killme_manifest (fixture, "late", ", \"start\": \"call\"");
  daemon_fixture_start (fixture);

  daemon_fixture_wait_for_children (fixture, 1);
  assert_only_child_is (fixture, "early");
  assert_state ("early", "active");
  assert_state ("late", "inactive");
}

static void
test_start_event (DaemonFixture *fixture,
                  gconstpointer  data)
{
  g_autofree char *script = g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                              "lifecycle", "wakee.py", NULL);
  g_autofree char *wakee = g_strdup_printf (
    "{\"name\": \"wakee\", \"command\": \"python3\", \"args\": [\"%s\", \"cli\", \"wake\"], "
    "\"start\": \"event\", \"listens\": [{\"emitter\": \"cli\", \"event\": \"wake\"}]}",
    script);
  g_auto(CliRun) other = { 0, };
  g_auto(CliRun) wake = { 0, };
  g_auto(CliRun) next = { 0, };

  if (!have_program ("python3"))
    return;
  daemon_fixture_write_manifest (fixture, "wakee", wakee);
  /* listens without start "event" only documents */
  write_killme_manifest (fixture, "sleeper",
                         ", \"listens\": [{\"emitter\": \"cli\", \"event\": \"wake\"}]");
  daemon_fixture_start (fixture);
  assert_children (fixture, 0);

  cli_run_daemon (&other, "emit", "other", "1", NULL);
  assert_run (&other, 0, "", "");
  cli_run_daemon (&wake, "emit", "wake", "7", NULL);
  assert_run (&wake, 0, "", "");

  daemon_fixture_wait_for_children (fixture, 1);
  assert_state ("sleeper", "inactive");
  /* it gets the event that woke it: the daemon keeps its memory */
  cli_run_daemon (&next, "call", "wakee", "nextEvent", NULL);
  assert_run (&next, 0, "[\"cli\",\"wake\",[7]]\n", "");
  assert_children (fixture, 1);
}

/* idleTimeout: the daemon's PluginDeactivated signals, with their time */

typedef struct
{
  guint  subscription_id;
  guint  n_deactivated;
  gint64 first_time;  /* monotonic µs, when the test got the signal */
} Deactivations;

static void
on_plugin_deactivated (GDBusConnection *connection,
                       const char      *sender,
                       const char      *path,
                       const char      *interface,
                       const char      *signal,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  Deactivations *deactivations = user_data;
  const char *name;

  g_variant_get (parameters, "(&s)", &name);
  g_test_message ("PluginDeactivated %s", name);
  if (deactivations->n_deactivated++ == 0)
    deactivations->first_time = g_get_monotonic_time ();
}

static void
deactivations_watch (Deactivations *deactivations,
                     DaemonFixture *fixture)
{
  deactivations->subscription_id =
    g_dbus_connection_signal_subscribe (fixture->connection, NULL, "org.plugctl.Engine1",
                                        "PluginDeactivated", "/org/plugctl/Engine1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_plugin_deactivated,
                                        deactivations, NULL);
}

static gboolean
has_deactivations (gpointer data)
{
  return ((Deactivations *) data)->n_deactivated > 0;
}

static void
test_idle_timeout_deactivates (DaemonFixture *fixture,
                               gconstpointer  data)
{
  Deactivations deactivations = { 0, };
  g_auto(CliRun) first = { 0, };
  g_auto(CliRun) again = { 0, };
  gint64 answered;

  write_echo_manifest (fixture, "napper", ", \"idleTimeout\": 400");
  daemon_fixture_start (fixture);
  deactivations_watch (&deactivations, fixture);

  cli_run_daemon (&first, "call", "napper", "echo", "hi", NULL);
  answered = g_get_monotonic_time ();
  assert_run (&first, 0, "\"hi\"\n", "");
  assert_children (fixture, 1);

  daemon_fixture_wait_until (has_deactivations, &deactivations, "napper to be idle");
  /* not before the timeout: the answer left the plugin before `answered` */
  g_assert_cmpint (deactivations.first_time - answered, >=, 200 * G_TIME_SPAN_MILLISECOND);
  daemon_fixture_wait_for_children (fixture, 0);
  assert_state ("napper", "inactive");

  /* the next use starts it again */
  cli_run_daemon (&again, "call", "napper", "echo", "again", NULL);
  assert_run (&again, 0, "\"again\"\n", "");
  assert_children (fixture, 1);
  g_dbus_connection_signal_unsubscribe (fixture->connection, deactivations.subscription_id);
}

static void
test_idle_timeout_waits_for_calls (DaemonFixture *fixture,
                                   gconstpointer  data)
{
  Deactivations deactivations = { 0, };
  g_auto(CliRun) slow = { 0, };
  gint64 started;

  write_echo_manifest (fixture, "napper", ", \"idleTimeout\": 100");
  daemon_fixture_start (fixture);
  deactivations_watch (&deactivations, fixture);

  /* seven timeouts long; the call would fail if napper stopped under it */
  started = g_get_monotonic_time ();
  cli_run_daemon (&slow, "call", "napper", "slow", "700", "done", NULL);
  assert_run (&slow, 0, "\"done\"\n", "");

  /* and napper did not stop between its start and the call either */
  daemon_fixture_wait_until (has_deactivations, &deactivations, "napper to be idle");
  g_assert_cmpint (deactivations.first_time - started, >=, 700 * G_TIME_SPAN_MILLISECOND);
  g_dbus_connection_signal_unsubscribe (fixture->connection, deactivations.subscription_id);
}

static gboolean
has_one_listener (gpointer data)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (data, "Listeners");

  return value != NULL && g_variant_get_uint32 (value) == 1;
}

static void
test_idle_timeout_waits_for_listeners (DaemonFixture *fixture,
                                       gconstpointer  data)
{
  Deactivations deactivations = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocess) listener = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_auto(CliRun) echo = { 0, };
  g_auto(CliRun) slow = { 0, };
  gint64 left;

  write_echo_manifest (fixture, "napper", ", \"idleTimeout\": 100");
  write_echo_manifest (fixture, "clock", "");
  daemon_fixture_start (fixture);
  deactivations_watch (&deactivations, fixture);

  proxy = g_dbus_proxy_new_sync (fixture->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                 NULL, "org.plugctl.Engine1", "/org/plugctl/Engine1",
                                 "org.plugctl.Engine1", NULL, &error);
  g_assert_no_error (error);

  /* listening starts napper */
  cli_argv_add (argv, "--daemon", "listen", "napper", "echoed", NULL);
  listener = cli_spawn_streaming (argv, &out);
  daemon_fixture_wait_until (has_one_listener, proxy, "the listener");
  cli_run_daemon (&echo, "call", "napper", "echo", "x", NULL);
  assert_run (&echo, 0, "\"x\"\n", "");
  line = read_line_bounded (out, listener);
  g_assert_cmpstr (line, ==, "[\"x\"]");

  /* seven of napper's timeouts pass on another plugin */
  cli_run_daemon (&slow, "call", "clock", "slow", "700", "done", NULL);
  assert_run (&slow, 0, "\"done\"\n", "");

  /* the listener leaves: napper is idle, and was not before */
  left = g_get_monotonic_time ();
  g_subprocess_send_signal (listener, SIGTERM);
  wait_exit_bounded (listener);
  daemon_fixture_wait_until (has_deactivations, &deactivations, "napper to be idle");
  g_assert_cmpint (deactivations.first_time, >=, left);
  assert_state ("napper", "inactive");
  assert_state ("clock", "active");
  g_dbus_connection_signal_unsubscribe (fixture->connection, deactivations.subscription_id);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  daemon_fixture_init ();

  g_test_add_func ("/lazy/profile/defaults", test_profile_defaults);
  g_test_add_func ("/lazy/profile/fields", test_profile_fields);
  g_test_add_func ("/lazy/profile/invalid", test_profile_invalid);

#define TEST(path, func) \
  g_test_add ("/lazy/" path, DaemonFixture, NULL, daemon_fixture_set_up, func, \
              daemon_fixture_tear_down)

  TEST ("daemon/hundred-plugins-no-child-process", test_hundred_plugins_no_child);
  TEST ("start/daemon-starts-with-the-daemon", test_start_daemon);
  TEST ("start/event-starts-on-an-event-it-listens-for", test_start_event);
  TEST ("idle-timeout/deactivates-an-unused-plugin", test_idle_timeout_deactivates);
  TEST ("idle-timeout/waits-for-pending-calls", test_idle_timeout_waits_for_calls);
  TEST ("idle-timeout/waits-for-listeners", test_idle_timeout_waits_for_listeners);

#undef TEST
  return g_test_run ();
}
