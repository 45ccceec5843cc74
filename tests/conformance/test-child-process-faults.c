/* test-child-process-faults.c: plugin processes that crash, exit, hang,
 * talk nonsense or never start, under the child-process connector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The cases share one engine and run in order: after all of them, the
 * `echo` plugin still answers. Warnings are expected here (a garbage
 * message, a SIGKILL after the grace period): they are recorded, and
 * only criticals are fatal.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "test-util.h"

/* Generous: a kill is noticed within a few milliseconds. */
#define FAULT_BOUND_MS 2000

static PlugEngine *engine;
static GPtrArray *warnings;
static GPtrArray *plugin_output;  /* "<level> <plugin>: <line>" */

static void
record_log (const char     *log_domain,
            GLogLevelFlags  log_level,
            const char     *message,
            gpointer        user_data)
{
  if (log_level & G_LOG_LEVEL_WARNING)
    g_ptr_array_add (warnings, g_strdup (message));
  if (g_strcmp0 (log_domain, "plugctl-plugin") == 0)
    g_ptr_array_add (plugin_output,
                     g_strdup_printf ("%s %s", (log_level & G_LOG_LEVEL_INFO) ? "INFO" :
                                               (log_level & G_LOG_LEVEL_MESSAGE) ? "MESSAGE" : "OTHER",
                                      message));
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static gboolean
warnings_are_not_fatal (const char     *log_domain,
                        GLogLevelFlags  log_level,
                        const char     *message,
                        gpointer        user_data)
{
  return (log_level & G_LOG_LEVEL_WARNING) == 0;
}

static guint
count_warnings_about (const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), needle) != NULL)
      n++;

  return n;
}

static void
register_data (const char *json)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = plug_profile_new_from_data (json, -1, NULL, &error);
  g_assert_no_error (error);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

static void
register_manifest (const char *name)
{
  g_autoptr(PlugProfile) profile = test_load_profile (name);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (profile);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

typedef struct
{
  GAsyncResult *result;
  gint64        started;
} Pending;

static void
start_call (Pending    *pending,
            const char *target,
            const char *method,
            const char *args_json)
{
  g_autoptr(JsonArray) args = test_parse_args (args_json);

  pending->result = NULL;
  pending->started = g_get_monotonic_time ();
  plug_engine_call (engine, TEST_CALLER, target, method, args, NULL,
                    test_store_result, &pending->result);
}

static JsonNode *
finish_call (Pending  *pending,
             GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  result = test_wait_result (&pending->result, 2 * TEST_WAIT_MS, "a call");
  return plug_engine_call_finish (engine, result, error);
}

static gint64
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
}

/* Polls on the main loop for the reaping of @pid. */
typedef struct
{
  pid_t    pid;
  gboolean reaped;
} ReapWatch;

static gboolean
check_reaped (gpointer user_data)
{
  ReapWatch *watch = user_data;

  watch->reaped = test_pid_is_reaped (watch->pid);
  return watch->reaped ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
wait_reaped (pid_t pid)
{
  ReapWatch watch = { pid, FALSE };

  g_timeout_add (5, check_reaped, &watch);
  test_wait_until (&watch.reaped, 5000, "the end of the plugin's process");
}

/* Activates @name, and finds its process (a child whose command line
 * contains @needle) while the activation runs. */
typedef struct
{
  const char *needle;
  pid_t       pid;
} ChildWatch;

static gboolean
look_for_child (gpointer user_data)
{
  ChildWatch *watch = user_data;
  g_autoptr(GArray) pids = test_list_children (watch->needle);

  if (pids->len > 0)
    watch->pid = g_array_index (pids, pid_t, 0);
  return watch->pid == 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
activate_watching (const char  *name,
                   const char  *needle,
                   pid_t       *pid,
                   GError     **error)
{
  ChildWatch watch = { needle, 0 };
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  GSource *source;

  source = g_timeout_source_new (2);
  g_source_set_callback (source, look_for_child, &watch, NULL);
  g_source_attach (source, NULL);

  plug_engine_activate (engine, name, NULL, test_store_result, &slot);
  result = test_wait_result (&slot, TEST_WAIT_MS, "an activation");

  g_source_destroy (source);
  g_source_unref (source);
  *pid = watch.pid;

  return plug_engine_activate_finish (engine, result, error);
}

/* Cases */

static void
test_crash_mid_call (void)
{
  Pending crash;
  Pending echo;
  g_autoptr(JsonNode) crash_result = NULL;
  g_autoptr(JsonNode) echo_result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 elapsed;

  start_call (&echo, "echo", "slow", "[300, \"alive\"]");
  start_call (&crash, "crasher", "crash", "[]");

  crash_result = finish_call (&crash, &error);
  elapsed = ms_since (crash.started);
  g_test_message ("the crash failed the call after %" G_GINT64_FORMAT " ms", elapsed);
  g_assert_null (crash_result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, "Plugin crasher was killed by signal 6 (SIGABRT)");
  g_assert_cmpint (elapsed, <, FAULT_BOUND_MS);
  g_clear_error (&error);

  echo_result = finish_call (&echo, &error);
  g_assert_no_error (error);
  test_assert_json (echo_result, "\"alive\"");
  g_assert_false (plug_engine_is_active (engine, "crasher"));
}

static void
test_exit_mid_call (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  Pending pending;

  start_call (&pending, "crasher", "exit", "[3]");
  result = finish_call (&pending, &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, "Plugin crasher exited with status 3");
  g_assert_cmpint (ms_since (pending.started), <, FAULT_BOUND_MS);
}

static void
on_plugin_deactivated (PlugManager *manager,
                       PlugProfile *profile,
                       gpointer     user_data)
{
  gboolean *killme_deactivated = user_data;

  if (g_str_equal (plug_profile_get_name (profile), "killme"))
    *killme_deactivated = TRUE;
}

static void
test_kill_from_outside (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) pid_node = NULL;
  g_autoptr(JsonNode) new_pid_node = NULL;
  g_autoptr(JsonNode) result = NULL;
  PlugManager *manager = plug_engine_get_manager (engine);
  gboolean deactivated = FALSE;
  Pending hang;
  gint64 killed_at;
  gint64 elapsed;
  gulong handler;
  pid_t pid;

  pid_node = test_call (engine, "killme", "pid", "[]", &error);
  g_assert_no_error (error);
  pid = (pid_t) json_node_get_int (pid_node);
  g_assert_cmpint (pid, >, 1);

  handler = g_signal_connect (manager, "plugin-deactivated",
                              G_CALLBACK (on_plugin_deactivated), &deactivated);

  start_call (&hang, "killme", "hang", "[]");
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  killed_at = g_get_monotonic_time ();

  result = finish_call (&hang, &error);
  elapsed = ms_since (killed_at);
  g_test_message ("the kill failed the call after %" G_GINT64_FORMAT " ms", elapsed);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, "Plugin killme was killed by signal 9 (SIGKILL)");
  g_assert_cmpint (elapsed, <, FAULT_BOUND_MS);
  g_clear_error (&error);

  /* pluginDeactivated comes with the failure or right after it. */
  test_wait_until (&deactivated, FAULT_BOUND_MS, "pluginDeactivated of killme");
  g_assert_false (plug_engine_is_active (engine, "killme"));
  g_assert_true (test_pid_is_reaped (pid));
  g_signal_handler_disconnect (manager, handler);

  /* A call brings it back, as a new process. */
  new_pid_node = test_call (engine, "killme", "pid", "[]", &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (new_pid_node), !=, pid);
  g_assert_true (plug_engine_is_active (engine, "killme"));
}

static void
test_garbage (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  guint before = count_warnings_about ("garbage");

  result = test_call (engine, "garbage", "ping", "[]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"pong\"");

  /* Not JSON, not an object, an id of the wrong type, NUL bytes. */
  g_test_message ("%u warnings about garbage", count_warnings_about ("garbage") - before);
  g_assert_cmpuint (count_warnings_about ("garbage") - before, >=, 4);
  g_assert_true (plug_engine_is_active (engine, "garbage"));

  g_clear_pointer (&result, json_node_unref);
  result = test_call (engine, "garbage", "ping", "[]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"pong\"");
}

static void
test_silent (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  pid_t pid;

  g_assert_false (activate_watching ("silent", "silent.py", &pid, &error));
  g_test_message ("activation failed after %" G_GINT64_FORMAT " ms: %s",
                  ms_since (start), error->message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "silent"));
  g_assert_false (plug_engine_is_active (engine, "silent"));

  g_assert_cmpint (pid, >, 0);
  wait_reaped (pid);
}

static void
test_missing_command (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (test_activate (engine, "missing", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin missing: cannot start \"/nonexistent/plugctl-missing-plugin\": "
                   "No such file or directory");
  g_clear_error (&error);

  g_assert_false (test_activate (engine, "missing-in-path", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin missing-in-path: cannot start \"plugctl-no-such-command-anywhere\": "
                   "No such file or directory");
}

static void
test_exit_during_handshake (void)
{
  g_autoptr(GError) error = NULL;
  pid_t pid;

  g_assert_false (activate_watching ("dies-early", "plugctl-dies-early", &pid, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin dies-early exited with status 7 before finishing its handshake; "
                   "the last lines of its stderr:\nstarting\nbad config");
  if (pid != 0)
    wait_reaped (pid);
}

static void
test_closed_channel (void)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  pid_t pid;

  g_assert_false (activate_watching ("closer", "plugctl-closer", &pid, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, "Plugin closer closed its channel");
  g_assert_cmpint (ms_since (start), <, FAULT_BOUND_MS);
  g_assert_cmpint (pid, >, 0);
  wait_reaped (pid);
}

static void
test_stubborn_gets_killed (void)
{
  g_autoptr(GError) error = NULL;
  guint before = count_warnings_about ("stubborn");
  pid_t pid;

  /* Ignores the closed channel and SIGTERM. */
  g_object_set (plug_engine_get_plugin (engine, "stubborn"), "grace-period", 100, NULL);
  g_assert_false (activate_watching ("stubborn", "plugctl-stubborn", &pid, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT);
  g_assert_cmpint (pid, >, 0);
  wait_reaped (pid);
  g_assert_cmpuint (count_warnings_about ("stubborn"), >, before);
}

/* What the process gets: the engine's environment plus the profile's,
 * the channel on fd 3, stdin from /dev/null, the profile's cwd, and no
 * other fd of ours. The plugin writes it to stderr and exits, so it comes
 * back in the activation error. */
static void
test_spawn_environment (void)
{
  g_autoptr(GError) error = NULL;
  pid_t pid;

  g_setenv ("PLUGCTL_TEST_FROM_ENGINE", "inherited", TRUE);
  g_assert_false (activate_watching ("env-dump", "plugctl-env-dump", &pid, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin env-dump exited with status 1 before finishing its handshake; "
                   "the last lines of its stderr:\n"
                   "engine=inherited profile=from-profile fd=3 mode=json\n"
                   "cwd=/ stdin=/dev/null channel=socket:\n"
                   "fds: 0 1 2 3 4");
  g_unsetenv ("PLUGCTL_TEST_FROM_ENGINE");

  /* stdout is logged at INFO, stderr at MESSAGE. */
  g_assert_true (g_ptr_array_find_with_equal_func (plugin_output, "INFO env-dump: on stdout",
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (plugin_output, "MESSAGE env-dump: fds: 0 1 2 3 4",
                                                   g_str_equal, NULL));
}

static gboolean
array_contains_pid (GArray *pids,
                    pid_t   pid)
{
  for (guint i = 0; i < pids->len; i++)
    if (g_array_index (pids, pid_t, i) == pid)
      return TRUE;
  return FALSE;
}

/* An engine dropped with a plugin still running: the process is told to
 * go (its channel closes) and is still reaped. */
static void
test_engine_finalized_while_active (void)
{
  g_autoptr(PlugEngine) other = test_engine_new ();
  g_autoptr(PlugProfile) profile = test_load_profile ("echo");
  g_autoptr(GArray) before = test_list_children ("plugctl-echo");
  g_autoptr(GArray) after = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  pid_t pid = 0;

  plug_engine_register_profile (other, profile, &error);
  g_assert_no_error (error);
  result = test_call (other, "echo", "echo", "[1]", &error);
  g_assert_no_error (error);

  after = test_list_children ("plugctl-echo");
  for (guint i = 0; i < after->len; i++)
    if (!array_contains_pid (before, g_array_index (after, pid_t, i)))
      pid = g_array_index (after, pid_t, i);
  g_assert_cmpint (pid, >, 0);

  g_clear_object (&other);
  wait_reaped (pid);
}

static void
test_echo_still_answers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  result = test_call (engine, "echo", "echo", "[\"still here\"]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"still here\"");
}

static void
setup_engine (void)
{
  test_load_connectors ();
  engine = test_engine_new ();

  register_manifest ("echo");
  register_manifest ("crasher");
  register_manifest ("killme");
  register_manifest ("garbage");
  register_manifest ("silent");
  register_data ("{\"name\": \"missing\", \"command\": \"/nonexistent/plugctl-missing-plugin\"}");
  register_data ("{\"name\": \"missing-in-path\", \"command\": \"plugctl-no-such-command-anywhere\"}");
  register_data ("{\"name\": \"dies-early\", \"command\": \"/bin/sh\", \"args\": [\"-c\", "
                 "\"echo starting >&2; echo bad config >&2; exit 7\", \"plugctl-dies-early\"]}");
  /* fd 4 in the listing is the directory being listed. */
  register_data ("{\"name\": \"env-dump\", \"command\": \"/bin/sh\", \"cwd\": \"/\", "
                 "\"env\": {\"PLUGCTL_TEST_FROM_PROFILE\": \"from-profile\"}, \"args\": [\"-c\", "
                 "\"echo on stdout; exec 1>&2; "
                 "echo engine=$PLUGCTL_TEST_FROM_ENGINE profile=$PLUGCTL_TEST_FROM_PROFILE "
                 "fd=$NODE_CHANNEL_FD mode=$NODE_CHANNEL_SERIALIZATION_MODE; "
                 "echo cwd=$(pwd) stdin=$(readlink /proc/$$/fd/0) "
                 "channel=$(readlink /proc/$$/fd/3 | cut -c1-7); "
                 "cd /proc/$$/fd; echo fds: *; exit 1\", \"plugctl-env-dump\"]}");
  register_data ("{\"name\": \"closer\", \"command\": \"/bin/sh\", \"args\": [\"-c\", "
                 "\"exec 3>&-; sleep 3\", \"plugctl-closer\"]}");
  register_data ("{\"name\": \"stubborn\", \"startTimeout\": 200, \"command\": \"/bin/sh\", "
                 "\"args\": [\"-c\", \"trap '' TERM; while :; do sleep 0.1; done\", "
                 "\"plugctl-stubborn\"]}");
}

static gboolean
check_no_children (gpointer user_data)
{
  g_autoptr(GArray) children = test_list_children (NULL);
  gboolean *no_children = user_data;

  *no_children = children->len == 0;
  return *no_children ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  gboolean no_children = FALSE;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_log_set_fatal_handler (warnings_are_not_fatal, NULL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  plugin_output = g_ptr_array_new_with_free_func (g_free);
  g_log_set_default_handler (record_log, NULL);

  setup_engine ();

  g_test_add_func ("/child-process/faults/crash-mid-call", test_crash_mid_call);
  g_test_add_func ("/child-process/faults/exit-mid-call", test_exit_mid_call);
  g_test_add_func ("/child-process/faults/kill-from-outside", test_kill_from_outside);
  g_test_add_func ("/child-process/faults/garbage-then-ping", test_garbage);
  g_test_add_func ("/child-process/faults/silent-start-timeout", test_silent);
  g_test_add_func ("/child-process/faults/missing-command", test_missing_command);
  g_test_add_func ("/child-process/faults/exit-during-handshake", test_exit_during_handshake);
  g_test_add_func ("/child-process/faults/closed-channel", test_closed_channel);
  g_test_add_func ("/child-process/faults/spawn-environment", test_spawn_environment);
  g_test_add_func ("/child-process/faults/stubborn-gets-killed", test_stubborn_gets_killed);
  g_test_add_func ("/child-process/faults/engine-finalized-while-active",
                   test_engine_finalized_while_active);
  g_test_add_func ("/child-process/faults/echo-still-answers", test_echo_still_answers);

  status = g_test_run ();

  /* The plugins still running are stopped in the background: let them go. */
  g_clear_object (&engine);
  g_timeout_add (5, check_no_children, &no_children);
  test_wait_until (&no_children, 5000, "the plugins to be reaped");
  g_clear_pointer (&warnings, g_ptr_array_unref);
  g_clear_pointer (&plugin_output, g_ptr_array_unref);

  return status;
}
