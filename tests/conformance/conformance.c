/* conformance.c: the cases every connector passes, with every echo plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case runs once per (connector, plugin) pair, as
 * /conformance/<connector>/<plugin>/<case>, on a fresh engine with the
 * in-process caller "test". The plugins are the bundled echo plugins,
 * which expose echo, sum, fail, slow and ping and emit `echoed`; the
 * `thread` connector runs `echo-thread`, the module built from the same
 * echo.c as the `echo` program. A case that checks what only one
 * connector has (child processes, threads) names that connector.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "test-util.h"

typedef struct
{
  const char *connector;
  const char *plugin;
  const char *interpreter;  /* a program it needs on PATH, or NULL */
} Pair;

static const Pair pairs[] = {
  { "child-process", "echo", NULL },
  { "child-process", "node-echo", "node" },
  { "child-process", "py-echo", "python3" },
  { "thread", "echo-thread", NULL },
  /* plugctl-echo as a D-Bus service, on a private bus (ensure_private_bus) */
  { "dbus", "echo-dbus", "dbus-daemon" },
};

typedef struct
{
  const Pair  *pair;
  const char  *name;
  PlugEngine  *engine;
} Fixture;

typedef struct
{
  guint call_timeout;
  guint concurrency;
} Options;

typedef struct
{
  const char *name;
  void      (*func) (Fixture *f);
  Options     options;
  const char *only_connector;  /* NULL: every connector */
} CaseInfo;

typedef struct
{
  const Pair     *pair;
  const CaseInfo *info;
} Case;

/* The `dbus` pair's session bus: private, with the build tree's .service
 * files. Started by the first dbus case, not before: the bus daemon is a
 * child process, which the child-process cases would count. */
static GTestDBus *private_bus;

static gboolean
ensure_private_bus (void)
{
  const char *plugins_dir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");
  g_autofree char *services = NULL;

  if (private_bus != NULL)
    return TRUE;

  /* A bus daemon with a bad configuration exits, and GTestDBus then
   * waits for its address for ever. */
  if (plugins_dir == NULL)
    return FALSE;
  services = g_build_filename (plugins_dir, "services", NULL);
  if (!g_file_test (services, G_FILE_TEST_IS_DIR))
    return FALSE;

  private_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (private_bus, services);
  g_test_dbus_up (private_bus);
  return TRUE;
}

/* Fixture */

static gboolean
fixture_setup (Fixture       *f,
               const Pair    *pair,
               const Options *options)
{
  g_autoptr(PlugProfile) loaded = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = NULL;

  if (pair->interpreter != NULL &&
      (program = g_find_program_in_path (pair->interpreter)) == NULL)
    {
      g_test_skip_printf ("%s is not on PATH", pair->interpreter);
      return FALSE;
    }
  if (!test_connector_available (pair->connector))
    {
      g_test_skip_printf ("connector %s is not available", pair->connector);
      return FALSE;
    }

  if (g_str_equal (pair->connector, "dbus") && !ensure_private_bus ())
    {
      g_test_skip ("no D-Bus services dir: $PLUGCTL_PLUGINS_BUILDDIR/services");
      return FALSE;
    }

  loaded = test_load_profile (pair->plugin);
  g_assert_nonnull (loaded);
  profile = test_profile_with_connector (loaded, pair->connector);
  if (options->call_timeout > 0)
    plug_profile_set_call_timeout (profile, options->call_timeout);
  if (options->concurrency > 0)
    plug_profile_set_concurrency (profile, options->concurrency);

  f->pair = pair;
  f->name = pair->plugin;
  f->engine = test_engine_new ();
  plug_engine_register_profile (f->engine, profile, &error);
  g_assert_no_error (error);

  return TRUE;
}

static void
fixture_teardown (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  if (plug_engine_is_active (f->engine, f->name))
    {
      test_deactivate (f->engine, f->name, &error);
      g_assert_no_error (error);
    }
  g_clear_object (&f->engine);
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  Fixture f = { 0, };

  if (!fixture_setup (&f, c->pair, &c->info->options))
    return;
  c->info->func (&f);
  fixture_teardown (&f);
}

static JsonNode *
call (Fixture     *f,
      const char  *method,
      const char  *args_json,
      GError     **error)
{
  return test_call (f->engine, f->name, method, args_json, error);
}

static void
assert_echo (Fixture    *f,
             const char *args_json,
             const char *expected_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = call (f, "echo", args_json, &error);

  g_assert_no_error (error);
  test_assert_json (result, expected_json);
}

/* Cases */

static void
test_echo_string (Fixture *f)
{
  assert_echo (f, "[\"hello\"]", "\"hello\"");
  assert_echo (f, "[\"ünïcödé \\\"quoted\\\" \\n new line\"]",
               "\"ünïcödé \\\"quoted\\\" \\n new line\"");
}

static void
test_echo_number (Fixture *f)
{
  assert_echo (f, "[42]", "42");
  assert_echo (f, "[-1.5]", "-1.5");
  assert_echo (f, "[9007199254740991]", "9007199254740991");
}

static void
test_echo_object (Fixture *f)
{
  const char *object = "{\"a\":1,\"b\":[true,false,null,\"x\"],\"c\":{\"d\":{}}}";
  g_autofree char *args = g_strdup_printf ("[%s]", object);

  assert_echo (f, args, object);
  assert_echo (f, "[[]]", "[]");
  assert_echo (f, "[null]", "null");
}

static void
test_echo_64k (Fixture *f)
{
  g_autoptr(GString) text = g_string_sized_new (64 * 1024 + 2);
  g_autofree char *args = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 64 * 1024; i++)
    g_string_append_c (text, 'a' + i % 26);
  args = g_strdup_printf ("[\"%s\"]", text->str);

  result = call (f, "echo", args, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_VALUE (result));
  g_assert_cmpuint (strlen (json_node_get_string (result)), ==, text->len);
  g_assert_cmpstr (json_node_get_string (result), ==, text->str);
}

static void
test_sum (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = call (f, "sum", "[1, 2, 3.5]", &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_VALUE (result));
  g_assert_cmpfloat (json_node_get_double (result), ==, 6.5);
}

static void
test_fail (Fixture *f)
{
  const char *text = "Error from IDE : it broke, ünïcödé \"quoted\"";
  g_autofree char *args = g_strdup_printf ("[\"%s\"]", "Error from IDE : it broke, ünïcödé \\\"quoted\\\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = call (f, "fail", args, &error);

  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, text);
}

static char *
expected_not_exposed (Fixture    *f,
                      const char *method)
{
  PlugPlugin *plugin = plug_engine_get_plugin (f->engine, f->name);
  const char * const *methods = plug_profile_get_methods (plug_plugin_get_profile (plugin));
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "Cannot call method \"%s\" of \"%s\" from \"%s\", "
                          "because \"%s\" is not exposed. "
                          "Here is the list of exposed methods: ",
                          method, f->name, TEST_CALLER, method);
  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    {
      if (g_str_equal (methods[i], "canDeactivate"))
        continue;
      g_string_append_printf (text, "\"%s\",", methods[i]);
    }
  g_string_append (text, "\"canDeactivate\"");

  return g_string_free (text, FALSE);
}

static void
test_unknown_method (Fixture *f)
{
  static const char * const expected_methods[] = { "echo", "sum", "fail", "slow", "ping" };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *expected = NULL;
  PlugProfile *profile;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);

  /* The handshake's list of methods is the profile's now. */
  profile = plug_plugin_get_profile (plug_engine_get_plugin (f->engine, f->name));
  for (guint i = 0; i < G_N_ELEMENTS (expected_methods); i++)
    g_assert_true (plug_profile_has_method (profile, expected_methods[i]));

  result = call (f, "noSuchMethod", "[]", &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_EXPOSED);
  expected = expected_not_exposed (f, "noSuchMethod");
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_timeout (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  gint64 start;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  result = call (f, "slow", "[3000, \"late\"]", &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "[TIMEOUT] Timeout for call slow from " TEST_CALLER);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2500 * G_TIME_SPAN_MILLISECOND);
  g_clear_error (&error);

  /* The queue goes on (concurrency 1), and the late answer is dropped. */
  assert_echo (f, "[\"after\"]", "\"after\"");
}

static gboolean
cancel_slow (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  plug_engine_cancel (f->engine, TEST_CALLER, f->name, "slow", &error);
  g_assert_no_error (error);

  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *f)
{
  g_autoptr(JsonArray) args = test_parse_args ("[5000, \"never\"]");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 start;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  plug_engine_call (f->engine, TEST_CALLER, f->name, "slow", args, NULL,
                    test_store_result, &slot);
  /* Late enough for the call to be running in the plugin. */
  g_timeout_add (100, cancel_slow, f);
  result = test_wait_result (&slot, TEST_WAIT_MS, "the cancelled call");
  value = plug_engine_call_finish (f->engine, result, &error);

  g_assert_null (value);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "[CANCEL] Canceled call slow from " TEST_CALLER);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2500 * G_TIME_SPAN_MILLISECOND);

  assert_echo (f, "[\"after\"]", "\"after\"");
}

#define N_IN_FLIGHT 256

typedef struct
{
  Fixture  *f;
  guint     n_done;
  gboolean  all_done;
  guint     n_failed;
  guint     n_wrong;
} InFlight;

typedef struct
{
  InFlight *flight;
  gint64    index;
} OneCall;

static void
on_in_flight_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autofree OneCall *one = user_data;
  InFlight *flight = one->flight;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  value = plug_engine_call_finish (PLUG_ENGINE (object), result, &error);
  if (value == NULL)
    {
      if (flight->n_failed++ == 0)
        g_test_message ("call %" G_GINT64_FORMAT " failed: %s", one->index, error->message);
    }
  else if (!JSON_NODE_HOLDS_VALUE (value) ||
           json_node_get_value_type (value) != G_TYPE_INT64 ||
           json_node_get_int (value) != one->index)
    flight->n_wrong++;

  if (++flight->n_done == N_IN_FLIGHT)
    flight->all_done = TRUE;
}

static void
test_many_in_flight (Fixture *f)
{
  InFlight flight = { f, 0, };
  g_autoptr(GError) error = NULL;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);

  for (gint64 i = 0; i < N_IN_FLIGHT; i++)
    {
      g_autoptr(JsonArray) args = json_array_new ();
      OneCall *one = g_new0 (OneCall, 1);

      one->flight = &flight;
      one->index = i;
      json_array_add_int_element (args, i);
      plug_engine_call (f->engine, TEST_CALLER, f->name, "echo", args, NULL,
                        on_in_flight_done, one);
    }

  test_wait_until (&flight.all_done, 2 * TEST_WAIT_MS, "256 calls in flight");
  g_assert_cmpuint (flight.n_failed, ==, 0);
  g_assert_cmpuint (flight.n_wrong, ==, 0);
}

typedef struct
{
  guint     n_events;
  char     *last_payload;
  guint     events_before_answer;
  gboolean  answered;
} EventLog;

static void
on_echoed (const char *emitter,
           const char *event,
           JsonArray  *args,
           gpointer    user_data)
{
  EventLog *log = user_data;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  g_assert_cmpstr (event, ==, "echoed");
  json_node_set_array (node, args);
  log->n_events++;
  g_free (log->last_payload);
  log->last_payload = json_to_string (node, FALSE);
}

static void
on_echo_answered (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  EventLog *log = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) value = NULL;

  value = plug_engine_call_finish (PLUG_ENGINE (object), result, &error);
  g_assert_no_error (error);
  test_assert_json (value, "\"ev\"");
  log->events_before_answer = log->n_events;
  log->answered = TRUE;
}

static void
test_event_before_answer (Fixture *f)
{
  g_autoptr(JsonArray) args = test_parse_args ("[\"ev\"]");
  EventLog log = { 0, };
  g_autoptr(GError) error = NULL;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);
  plug_engine_on (f->engine, TEST_CALLER, f->name, "echoed", on_echoed, &log, NULL, &error);
  g_assert_no_error (error);

  plug_engine_call (f->engine, TEST_CALLER, f->name, "echo", args, NULL,
                    on_echo_answered, &log);
  test_wait_until (&log.answered, TEST_WAIT_MS, "the answer of echo");

  g_assert_cmpuint (log.events_before_answer, ==, 1);
  g_assert_cmpstr (log.last_payload, ==, "[\"ev\"]");

  plug_engine_off (f->engine, TEST_CALLER, f->name, "echoed");
  g_free (log.last_payload);
}

static void
test_reactivate (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  assert_echo (f, "[1]", "1");
  g_assert_true (plug_engine_is_active (f->engine, f->name));

  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);
  g_assert_false (plug_engine_is_active (f->engine, f->name));

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);
  g_assert_true (plug_engine_is_active (f->engine, f->name));
  assert_echo (f, "[2]", "2");

  /* A call to an inactive plugin activates it. */
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);
  assert_echo (f, "[3]", "3");
  g_assert_true (plug_engine_is_active (f->engine, f->name));
}

static gboolean
check_no_pidfd (gpointer user_data)
{
  gboolean *no_pidfd = user_data;

  *no_pidfd = test_count_pidfds () == 0;
  return *no_pidfd ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_no_zombie_no_fd_leak (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) pids = NULL;
  guint fds_before;
  guint fds_after;
  gboolean no_pidfd = FALSE;
  gint64 start;

  /* A first run sets up what GLib keeps for good (the child watch). */
  assert_echo (f, "[0]", "0");
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);

  before = test_list_children (NULL);
  fds_before = test_count_fds ();

  assert_echo (f, "[1]", "1");
  pids = test_list_children (NULL);
  g_assert_cmpuint (pids->len, >=, before->len + 1);

  start = g_get_monotonic_time ();
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);
  g_test_message ("deactivation took %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);

  for (guint i = 0; i < pids->len; i++)
    {
      pid_t pid = g_array_index (pids, pid_t, i);

      if (!test_pid_is_reaped (pid))
        g_error ("process %d is still a child of ours after the deactivation", (int) pid);
    }

  fds_after = test_count_fds ();
  g_assert_cmpuint (fds_after, ==, fds_before);

  /* GLib's pidfd for the child watch goes a moment later. */
  g_timeout_add (1, check_no_pidfd, &no_pidfd);
  test_wait_until (&no_pidfd, 1000, "GLib to close its pidfds");
}

/* Threads of this process named after @plugin (GLib names a thread, up
 * to 15 bytes, with the name it was created with). */
static guint
count_plugin_threads (const char *plugin)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autofree char *comm = g_strndup (plugin, 15);
  const char *task;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", task, "comm", NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) &&
          g_str_equal (g_strchomp (contents), comm))
        count++;
    }

  return count;
}

static guint
count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;

  return count;
}

static void
test_thread_joined_no_fd_leak (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint threads_before;
  guint fds_before;

  /* A first run sets up what GLib keeps for good. */
  assert_echo (f, "[0]", "0");
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (count_plugin_threads (f->name), ==, 0);
  threads_before = count_threads ();
  fds_before = test_count_fds ();

  assert_echo (f, "[1]", "1");
  g_assert_cmpuint (count_plugin_threads (f->name), ==, 1);
  g_assert_cmpuint (count_threads (), ==, threads_before + 1);

  /* Joined by the time the deactivation has finished. */
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_plugin_threads (f->name), ==, 0);
  g_assert_cmpuint (count_threads (), ==, threads_before);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
}

typedef struct
{
  PlugConnector *connector;
  gboolean       sent;
} PendingWatch;

static gboolean
check_call_pending (gpointer user_data)
{
  PendingWatch *watch = user_data;

  watch->sent = plug_connector_get_n_pending (watch->connector) > 0;
  return watch->sent ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_deactivate_fails_pending (Fixture *f)
{
  g_autoptr(JsonArray) args = test_parse_args ("[5000, \"never\"]");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  GAsyncResult *slot = NULL;
  GAsyncResult *deactivated = NULL;
  PendingWatch watch = { NULL, FALSE };
  PlugPlugin *plugin;
  gint64 start;

  test_activate (f->engine, f->name, &error);
  g_assert_no_error (error);
  plugin = plug_engine_get_plugin (f->engine, f->name);
  g_assert_true (PLUG_IS_CONNECTOR (plugin));

  plug_engine_call (f->engine, TEST_CALLER, f->name, "slow", args, NULL,
                    test_store_result, &slot);
  watch.connector = PLUG_CONNECTOR (plugin);
  g_timeout_add (1, check_call_pending, &watch);
  test_wait_until (&watch.sent, TEST_WAIT_MS, "the slow call to be sent");

  start = g_get_monotonic_time ();
  plug_engine_deactivate (f->engine, f->name, NULL, test_store_result, &deactivated);
  result = test_wait_result (&slot, TEST_WAIT_MS, "the call pending at the deactivation");
  value = plug_engine_call_finish (f->engine, result, &error);

  expected = g_strdup_printf ("Plugin %s was deactivated before call slow from %s finished",
                              f->name, TEST_CALLER);
  g_assert_null (value);
  /* The engine's queue ends the call it was running for that target. */
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * G_TIME_SPAN_MILLISECOND);
  g_clear_error (&error);
  g_clear_object (&result);

  result = test_wait_result (&deactivated, TEST_WAIT_MS, "the deactivation");
  plug_engine_deactivate_finish (f->engine, result, &error);
  g_assert_no_error (error);
  g_assert_false (plug_engine_is_active (f->engine, f->name));
  if (g_str_equal (f->pair->connector, "thread"))
    g_assert_cmpuint (count_plugin_threads (f->name), ==, 0);

  /* And it comes back. */
  assert_echo (f, "[\"again\"]", "\"again\"");
}

/* The service left the bus by the time the deactivation finished, so
 * that the next activation starts a new one. */
static void
test_dbus_service_left (Fixture *f)
{
  const char *service = "org.plugctl.Plugin.EchoDBus";
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_owner = TRUE;

  assert_echo (f, "[1]", "1");
  test_deactivate (f->engine, f->name, &error);
  g_assert_no_error (error);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", service), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, TEST_WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &has_owner);
  g_assert_false (has_owner);
}

static const CaseInfo cases[] = {
  { "call-echo-string", test_echo_string, { 0, } },
  { "call-echo-number", test_echo_number, { 0, } },
  { "call-echo-object", test_echo_object, { 0, } },
  { "call-echo-64k", test_echo_64k, { 0, } },
  { "call-sum", test_sum, { 0, } },
  { "call-fail-passes-error-text", test_fail, { 0, } },
  { "call-unknown-method", test_unknown_method, { 0, } },
  { "call-timeout-then-next-call", test_timeout, { .call_timeout = 200 } },
  { "cancel-running-call", test_cancel, { 0, } },
  { "calls-in-flight-256", test_many_in_flight, { .concurrency = N_IN_FLIGHT } },
  { "event-reaches-listener-before-answer", test_event_before_answer, { 0, } },
  { "deactivate-reactivate-call", test_reactivate, { 0, } },
  { "deactivate-fails-pending-calls", test_deactivate_fails_pending, { 0, } },
  { "deactivate-no-zombie-no-fd-leak", test_no_zombie_no_fd_leak, { 0, }, "child-process" },
  { "deactivate-joins-thread-no-fd-leak", test_thread_joined_no_fd_leak, { 0, }, "thread" },
  { "deactivate-service-leaves-bus", test_dbus_service_left, { 0, }, "dbus" },
};

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_load_connectors ();

  for (guint p = 0; p < G_N_ELEMENTS (pairs); p++)
    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        Case *test_case;
        g_autofree char *path = NULL;

        if (cases[c].only_connector != NULL &&
            !g_str_equal (cases[c].only_connector, pairs[p].connector))
          continue;

        test_case = g_new0 (Case, 1);
        test_case->pair = &pairs[p];
        test_case->info = &cases[c];
        path = g_strdup_printf ("/conformance/%s/%s/%s", pairs[p].connector,
                                pairs[p].plugin, cases[c].name);
        g_test_add_data_func_full (path, test_case, run_case, g_free);
      }

  status = g_test_run ();
  if (private_bus != NULL)
    g_test_dbus_down (private_bus);
  g_clear_object (&private_bus);

  return status;
}
