/* test-dbus-connector.c: the `dbus` connector through the plugctl binary,
 * on a private bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GTestDBus bus with the build tree's .service files
 * ($PLUGCTL_PLUGINS_BUILDDIR/services) is the session bus of every
 * plugctl run. `dbus` is the bus daemon's own interface as a plugin
 * ("protocol":"dbus"); `echo-dbus` is plugctl-echo started by D-Bus
 * activation ("protocol":"plugctl").
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <plugctl.h>

#include "../cli/cli-runner.h"

#define ECHO_SERVICE "org.plugctl.Plugin.EchoDBus"
#define TEST_NAME_PREFIX "org.plugctl.Test.Name"
/* Bound of the waits on the bus. */
#define WAIT_MS 10000
/* A call that fails "at once" fails within this. */
#define AT_ONCE_MS 3000

static GDBusConnection *bus;

/* Waits */

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer user_data);

static void
wait_for (Predicate   predicate,
          gpointer    user_data,
          const char *what)
{
  guint timeout_id = g_timeout_add (WAIT_MS, on_wait_timeout, (gpointer) what);

  while (!predicate (user_data))
    {
      /* Polls the bus: nothing else would wake the loop. */
      g_autoptr(GSource) tick = g_timeout_source_new (10);

      g_source_set_dummy_callback (tick);
      g_source_attach (tick, NULL);
      g_main_context_iteration (NULL, TRUE);
      g_source_destroy (tick);
    }
  g_source_remove (timeout_id);
}

static gboolean
name_has_owner (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}

static gboolean
echo_service_is_gone (gpointer user_data)
{
  return !name_has_owner (ECHO_SERVICE);
}

static char *
strip (char *text)
{
  return g_strchomp (text);
}

/* "protocol":"dbus": the bus daemon's interface */

static void
test_service_method_list (void)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) names = NULL;
  gboolean found = FALSE;
  JsonArray *array;

  cli_run (&run, "call", "dbus", "ListNames", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");

  names = parse_json (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (names));
  array = json_node_get_array (names);
  for (guint i = 0; i < json_array_get_length (array); i++)
    found |= g_strcmp0 (json_array_get_string_element (array, i), "org.freedesktop.DBus") == 0;
  g_assert_true (found);
}

static void
test_service_method_string_arg (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "dbus", "GetNameOwner", "org.freedesktop.DBus", NULL);
  assert_run (&run, 0, "\"org.freedesktop.DBus\"\n", "");
}

static void
test_service_wrong_argument (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "dbus", "GetNameOwner", "42", NULL);
  assert_run (&run, 1, "",
              "plugctl: Method \"GetNameOwner\" of plugin dbus expects (s): "
              "argument 1 must be a string, got a number\n");
  cli_run_clear (&run);

  cli_run (&run, "call", "dbus", "GetNameOwner", NULL);
  assert_run (&run, 1, "",
              "plugctl: Method \"GetNameOwner\" of plugin dbus expects (s): "
              "1 argument, got 0\n");
}

static void
test_service_error_passes_through (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "dbus", "GetNameOwner", "org.plugctl.Nobody", NULL);
  assert_run (&run, 1, "",
              "plugctl: org.freedesktop.DBus.Error.NameHasNoOwner: "
              "Could not get owner of name 'org.plugctl.Nobody': no such name\n");
}

static void
test_service_unknown_method (void)
{
  g_auto(CliRun) run = { 0, };

  cli_run (&run, "call", "dbus", "NoSuchMethod", NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_true (g_str_has_prefix (run.err,
                                   "plugctl: Cannot call method \"NoSuchMethod\" of \"dbus\" from \"cli\", "
                                   "because \"NoSuchMethod\" is not exposed. Here is the list of exposed "
                                   "methods: \"Hello\",\"RequestName\","));
}

typedef struct
{
  guint n_requested;
  guint timer_id;
} NameOwner;

/* Owns a new name each time, until the listener has seen one. */
static gboolean
on_own_next_name (gpointer user_data)
{
  NameOwner *owner = user_data;
  g_autofree char *name = g_strdup_printf (TEST_NAME_PREFIX "%u", ++owner->n_requested);

  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "RequestName",
                          g_variant_new ("(su)", name, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void
test_service_signal_as_event (void)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocess) listener = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *line = NULL;
  NameOwner owner = { 0, };
  JsonObject *object;
  JsonArray *args;

  cli_argv_add (argv, "--json", "listen", "dbus", "NameOwnerChanged", "--count", "1", NULL);
  listener = cli_spawn_streaming (argv, &out);

  /* The listener is ready some time after it started: keep owning new
   * names until it reports one (bounded by read_line_bounded). */
  owner.timer_id = g_timeout_add (50, on_own_next_name, &owner);
  line = read_line_bounded (out, listener);
  g_source_remove (owner.timer_id);
  g_assert_nonnull (line);

  event = parse_json (line);
  object = json_node_get_object (event);
  g_assert_cmpstr (json_object_get_string_member (object, "emitter"), ==, "dbus");
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "NameOwnerChanged");
  args = json_object_get_array_member (object, "args");
  g_assert_cmpuint (json_array_get_length (args), ==, 3);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (args, 0), TEST_NAME_PREFIX));
  g_assert_cmpstr (json_array_get_string_element (args, 1), ==, "");
  g_assert_cmpstr (json_array_get_string_element (args, 2), ==,
                   g_dbus_connection_get_unique_name (bus));

  g_assert_cmpint (wait_exit_bounded (listener), ==, 0);
}

/* "protocol":"plugctl": plugctl-echo as a D-Bus service */

static void
test_plugin_activated_by_bus (void)
{
  g_auto(CliRun) run = { 0, };

  g_assert_false (name_has_owner (ECHO_SERVICE));

  cli_run (&run, "call", "echo-dbus", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");
  cli_run_clear (&run);

  cli_run (&run, "call", "echo-dbus", "sum", "1", "2", "3.5", NULL);
  assert_run (&run, 0, "6.5\n", "");
  cli_run_clear (&run);

  cli_run (&run, "call", "echo-dbus", "fail", "\"no luck\"", NULL);
  assert_run (&run, 1, "", "plugctl: no luck\n");

  /* Deactivation told it to quit. */
  wait_for ((Predicate) echo_service_is_gone, NULL, "echo-dbus to leave the bus");
}

/* Many calls overlapping in one engine, with text that is not ASCII nor
 * plain: each answer is its own call's, whether the engine spins while
 * messages flow or blocks at once (PLUGCTL_SPIN_US=0). */
static void
check_batch_of_echoes (const char *spin_us)
{
  const guint n_lines = 300;
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_auto(CliRun) run = { 0, };

  for (guint i = 0; i < n_lines; i++)
    {
      g_string_append_printf (input, "{\"id\":%u,\"plugin\":\"echo-dbus\",\"method\":\"echo\","
                                     "\"args\":[\"h\u00e9 \u2713 \\\"%u\\\" \\\\\"]}\n", i, i);
      g_string_append_printf (expected, "{\"id\":%u,\"result\":\"h\u00e9 \u2713 \\\"%u\\\" \\\\\"}\n",
                              i, i);
    }

  if (spin_us != NULL)
    g_setenv ("PLUGCTL_SPIN_US", spin_us, TRUE);
  else
    g_unsetenv ("PLUGCTL_SPIN_US");
  cli_run_with_input (&run, input->str, "batch", NULL);
  g_unsetenv ("PLUGCTL_SPIN_US");
  assert_run (&run, 0, expected->str, "");

  wait_for ((Predicate) echo_service_is_gone, NULL, "echo-dbus to leave the bus");
}

static void
test_plugin_batch_spinning (void)
{
  check_batch_of_echoes (NULL);
}

static void
test_plugin_batch_not_spinning (void)
{
  check_batch_of_echoes ("0");
}

static void
count_signal (GDBusConnection *connection,
              const char      *sender_name,
              const char      *object_path,
              const char      *interface_name,
              const char      *signal_name,
              GVariant        *parameters,
              gpointer         user_data)
{
  guint *count = user_data;

  (*count)++;
}

typedef struct
{
  gboolean done;
  char *text;
  GError *error;
} CallResult;

static void
on_engine_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CallResult *call = user_data;

  call->text = plug_engine_call_finish_text (PLUG_ENGINE (source), result, NULL, &call->error);
  call->done = TRUE;
}

static gboolean
call_is_done (gpointer user_data)
{
  return ((CallResult *) user_data)->done;
}

static gboolean
two_signals_counted (gpointer user_data)
{
  guint **counts = user_data;

  return *counts[0] + *counts[1] >= 2;
}

/* The engine's handshake offers batches: what plugctl-echo sends for one
 * call (its "echoed" event, then the answer) comes as one Messages
 * signal, in order. An engine in this process, on the test bus. */
static void
test_plugin_event_and_answer_in_one_signal (void)
{
  g_auto(GStrv) connector_dirs = g_strsplit (g_getenv ("PLUGCTL_CONNECTOR_PATH"), ":", -1);
  g_autofree char *manifest = g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"),
                                                "echo-dbus.json", NULL);
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugEngine) engine = NULL;
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GError) error = NULL;
  CallResult call = { FALSE, NULL, NULL };
  guint n_batches = 0, n_singles = 0;
  guint *counts[2];
  guint batches_id, singles_id;

  plug_connector_module_load_dirs ((const char * const *) connector_dirs);
  profile = plug_profile_new_from_file (manifest, &error);
  g_assert_no_error (error);
  engine = plug_engine_new ();
  g_assert_nonnull (plug_engine_register_profile (engine, profile, &error));
  g_assert_no_error (error);

  /* unicast to this process, which is the engine: no match rule */
  batches_id = g_dbus_connection_signal_subscribe (bus, NULL, "org.plugctl.Plugin1", "Messages",
                                                   NULL, NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                                   count_signal, &n_batches, NULL);
  singles_id = g_dbus_connection_signal_subscribe (bus, NULL, "org.plugctl.Plugin1", "Message",
                                                   NULL, NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE,
                                                   count_signal, &n_singles, NULL);

  json_array_add_string_element (args, "hi");
  plug_engine_call (engine, "manager", "echo-dbus", "echo", args, NULL, on_engine_call_done, &call);
  wait_for (call_is_done, &call, "the echo-dbus call");
  /* each subscriber hears a signal from an idle of its own */
  counts[0] = &n_singles;
  counts[1] = &n_batches;
  wait_for (two_signals_counted, counts, "our handlers to count the signals");
  g_assert_no_error (call.error);
  g_assert_cmpstr (call.text, ==, "\"hi\"");
  g_test_message ("Message signals: %u, Messages signals: %u", n_singles, n_batches);
  /* the handshake's answer and the call's event + answer: one signal each */
  g_assert_cmpuint (n_batches, ==, 1);
  g_assert_cmpuint (n_singles, ==, 1);

  g_dbus_connection_signal_unsubscribe (bus, batches_id);
  g_dbus_connection_signal_unsubscribe (bus, singles_id);
  g_free (call.text);
  g_clear_object (&engine);
  wait_for ((Predicate) echo_service_is_gone, NULL, "echo-dbus to leave the bus");
}

static void
test_plugin_unknown_service (void)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "dbus-manifests", NULL);
  g_autofree char *path = g_build_filename (dir, "nowhere.json", NULL);
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GError) error = NULL;
  g_auto(CliRun) run = { 0, };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path,
                       "{\"name\": \"nowhere\", \"connector\": \"dbus\","
                       " \"service\": \"org.plugctl.Plugin.Nowhere\"}", -1, &error);
  g_assert_no_error (error);

  cli_argv_add (argv, "--plugin-dir", dir, "call", "nowhere", "ping", NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 4, "",
              "plugctl: Plugin nowhere: cannot start D-Bus service org.plugctl.Plugin.Nowhere: "
              "The name org.plugctl.Plugin.Nowhere was not provided by any .service files\n");
}

/* A monitor connection tells when the `slow` request has reached the bus. */
static GDBusMessage *
on_monitored (GDBusConnection *connection,
              GDBusMessage    *message,
              gboolean         incoming,
              gpointer         user_data)
{
  gint *seen = user_data;
  GVariant *body = g_dbus_message_get_body (message);
  const char *text = NULL;

  /* The monitored calls are not for us: a monitor must not answer. */
  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;

  if (body != NULL && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    {
      g_variant_get (body, "(&s)", &text);
      if (strstr (text, "\"key\":\"slow\"") != NULL)
        g_atomic_int_set (seen, TRUE);
    }

  g_object_unref (message);
  return NULL;
}

static GDBusConnection *
start_monitor (gint *seen)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  g_autoptr(GDBusConnection) monitor = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *rules[] = {
    "type='method_call',interface='org.plugctl.Plugin1',member='Message'",
    NULL
  };

  monitor = g_dbus_connection_new_for_address_sync (address,
                                                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                    NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (monitor, on_monitored, seen, NULL);
  reply = g_dbus_connection_call_sync (monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&monitor);
}

static gboolean
is_set (gpointer user_data)
{
  return g_atomic_int_get ((gint *) user_data);
}

static guint32
echo_service_pid (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", ECHO_SERVICE), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static void
test_plugin_dies_mid_call (void)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  g_autoptr(GDBusConnection) monitor = NULL;
  g_autoptr(GSubprocess) caller = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  gint slow_sent = FALSE;
  gint64 killed_at;
  guint32 pid;

  monitor = start_monitor (&slow_sent);

  /* Far longer than the wait below, and than the call timeout. */
  cli_argv_add (argv, "call", "echo-dbus", "slow", "60000", "\"never\"", NULL);
  caller = g_subprocess_newv ((const char * const *) argv->pdata,
                              G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error);
  g_assert_no_error (error);

  wait_for (is_set, &slow_sent, "the slow call to reach the bus");
  pid = echo_service_pid ();
  g_assert_cmpuint (pid, >, 0);
  g_test_message ("killing echo-dbus, pid %u", pid);
  killed_at = g_get_monotonic_time ();
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);

  g_assert_cmpint (wait_exit_bounded (caller), ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - killed_at, <, AT_ONCE_MS * G_TIME_SPAN_MILLISECOND);

  g_subprocess_communicate_utf8 (caller, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (strip (err), ==,
                   "plugctl: Plugin echo-dbus: D-Bus service " ECHO_SERVICE " left the bus");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GTestDBus) test_bus = NULL;
  g_autofree char *services = NULL;
  g_autofree char *daemon = g_find_program_in_path ("dbus-daemon");
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (daemon == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return g_test_run ();
    }

  /* A bus daemon with a bad configuration exits, and GTestDBus then
   * waits for its address for ever. */
  services = g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), "services", NULL);
  if (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR") == NULL ||
      !g_file_test (services, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no D-Bus services dir: $PLUGCTL_PLUGINS_BUILDDIR/services");
      return g_test_run ();
    }
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (test_bus, services);
  g_test_dbus_up (test_bus);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/dbus-connector/service/method-without-args", test_service_method_list);
  g_test_add_func ("/dbus-connector/service/method-with-string-arg", test_service_method_string_arg);
  g_test_add_func ("/dbus-connector/service/wrong-argument-names-signature", test_service_wrong_argument);
  g_test_add_func ("/dbus-connector/service/dbus-error-passes-through", test_service_error_passes_through);
  g_test_add_func ("/dbus-connector/service/unknown-method-not-exposed", test_service_unknown_method);
  g_test_add_func ("/dbus-connector/service/signal-is-event", test_service_signal_as_event);
  g_test_add_func ("/dbus-connector/plugin/started-by-dbus-activation", test_plugin_activated_by_bus);
  g_test_add_func ("/dbus-connector/plugin/batch-answers-each-call", test_plugin_batch_spinning);
  g_test_add_func ("/dbus-connector/plugin/batch-answers-each-call-without-spin",
                   test_plugin_batch_not_spinning);
  g_test_add_func ("/dbus-connector/plugin/event-and-answer-in-one-signal",
                   test_plugin_event_and_answer_in_one_signal);
  g_test_add_func ("/dbus-connector/plugin/unknown-service-start-error", test_plugin_unknown_service);
  g_test_add_func ("/dbus-connector/plugin/dies-mid-call-fails-at-once", test_plugin_dies_mid_call);

  status = g_test_run ();

  g_clear_object (&bus);
  g_test_dbus_down (test_bus);

  return status;
}
