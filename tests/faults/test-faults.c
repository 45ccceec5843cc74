/* test-faults.c: every call gets exactly one answer, whatever the plugin
 * does, and the engine keeps serving another plugin meanwhile
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The cases share one engine. Each sends the misbehaving call and two
 * echo calls queued behind it to the faulty plugin, while a probe calls
 * the well-behaved `echo` plugin one call after the other; then it checks
 * that each of the three calls got one answer (and no second one later),
 * prints the probe's latencies and asserts a generous bound on their
 * median, and calls the faulty plugin once more: it answers again.
 * Crashes, kills and channels closed before the handshake are covered by
 * tests/conformance/test-child-process-faults.c, the native connector's
 * hanging function by tests/native, a D-Bus service dying mid-call by
 * tests/dbus/test-dbus-connector.c.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "fault-probe.h"

static PlugEngine *engine;

typedef struct
{
  guint *pending;
  guint answers;
  JsonNode *value;
  GError *error;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->value, json_node_unref);
  g_clear_error (&answer->error);
}

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Answer *answer = user_data;

  answer->answers++;
  answer_clear (answer);
  answer->value = plug_engine_call_finish (PLUG_ENGINE (source), result, &answer->error);
  if (answer->answers == 1)
    (*answer->pending)--;
}

static void
send_call (const char *target,
           const char *method,
           const char *args_json,
           Answer     *answer,
           guint      *pending)
{
  g_autoptr(JsonArray) args = test_parse_args (args_json != NULL ? args_json : "[]");

  answer->pending = pending;
  (*pending)++;
  plug_engine_call (engine, TEST_CALLER, target, method, args, NULL, on_answer, answer);
}

static gboolean
on_wait_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_answers (guint      *pending,
              guint       timeout_ms,
              const char *what)
{
  gboolean over = FALSE;
  guint source = g_timeout_add (timeout_ms, on_wait_over, &over);

  while (*pending > 0 && !over)
    g_main_context_iteration (NULL, TRUE);
  if (*pending > 0)
    g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
  g_source_remove (source);
}

static void
assert_string (JsonNode   *node,
               const char *expected)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpstr (json_node_get_string (node), ==, expected);
}

/* Sends @method to @target with two echo calls behind it, under the
 * probe; @fault gets the first call's answer. */
static void
run_fault (const char *target,
           const char *method,
           const char *args_json,
           Answer     *fault)
{
  Answer after[2] = { { NULL, }, };
  Answer again = { NULL, };
  FaultProbe *probe;
  guint pending = 0;

  probe = fault_probe_start (engine, "echo");
  send_call (target, method, args_json, fault, &pending);
  send_call (target, "echo", "[\"after\"]", &after[0], &pending);
  send_call (target, "echo", "[\"after\"]", &after[1], &pending);
  wait_answers (&pending, 4 * TEST_WAIT_MS, "the answers of the faulty plugin");
  /* A second answer would come now. */
  fault_spin (200);
  fault_probe_finish (probe, g_test_get_path ());

  g_assert_cmpuint (fault->answers, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      g_assert_cmpuint (after[i].answers, ==, 1);
      /* Run after the fault, or failed with it (naming the plugin), or
       * timed out behind it on a loaded machine. */
      if (after[i].error != NULL)
        g_assert_true (strstr (after[i].error->message, target) != NULL ||
                       g_error_matches (after[i].error, PLUG_ERROR, PLUG_ERROR_TIMEOUT));
      else
        assert_string (after[i].value, "after");
      answer_clear (&after[i]);
    }

  /* The plugin serves again (started again when it was lost). */
  send_call (target, "echo", "[\"again\"]", &again, &pending);
  wait_answers (&pending, 2 * TEST_WAIT_MS, "the faulty plugin's next answer");
  g_assert_no_error (again.error);
  assert_string (again.value, "again");
  answer_clear (&again);
}

static void
assert_fault_error (Answer     *fault,
                    gint        code,
                    const char *message)
{
  g_assert_error (fault->error, PLUG_ERROR, code);
  g_assert_cmpstr (fault->error->message, ==, message);
  answer_clear (fault);
}

/* child-process */

static void
test_child_exit (void)
{
  Answer fault = { NULL, };

  run_fault ("misbehave", "exit", "[3]", &fault);
  assert_fault_error (&fault, PLUG_ERROR_PLUGIN_EXITED, "Plugin misbehave exited with status 3");
}

static void
test_child_sigkill (void)
{
  Answer fault = { NULL, };

  run_fault ("misbehave", "sigkill", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_PLUGIN_EXITED,
                      "Plugin misbehave was killed by signal 9 (SIGKILL)");
}

static void
test_child_closes_channel (void)
{
  Answer fault = { NULL, };

  run_fault ("misbehave", "close", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_PLUGIN_EXITED, "Plugin misbehave closed its channel");
}

static void
test_child_hangs (void)
{
  Answer fault = { NULL, };

  run_fault ("misbehave", "hang", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call hang from test");
}

static void
test_child_answers_twice (void)
{
  Answer fault = { NULL, };
  guint before = fault_log_count_warnings ("misbehave answered unknown request id");

  run_fault ("misbehave", "twice", "[\"x\"]", &fault);
  g_assert_no_error (fault.error);
  assert_string (fault.value, "x");
  answer_clear (&fault);
  g_assert_cmpuint (fault_log_count_warnings ("misbehave answered unknown request id"), ==, before + 1);
}

static void
test_child_answers_unknown_id (void)
{
  Answer fault = { NULL, };
  guint before = fault_log_count_warnings ("misbehave answered unknown request id");

  run_fault ("misbehave", "wrongid", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call wrongid from test");
  g_assert_cmpuint (fault_log_count_warnings ("misbehave answered unknown request id"), ==, before + 1);
}

/* @name: a copy of misbehave with a long call timeout, for the cases
 * that do not end by it. */
static void
register_patient_misbehave (const char *name)
{
  g_autoptr(PlugProfile) misbehave = fault_load_profile ("misbehave");
  g_autoptr(PlugProfile) profile = NULL;
  g_autofree char *members = NULL;
  g_autoptr(GError) error = NULL;

  members = g_strdup_printf ("{\"name\": \"%s\", \"callTimeout\": 20000}", name);
  profile = fault_profile_with (misbehave, members);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

/* 100 MiB, over the channel's limit (PLUG_CHANNEL_DEFAULT_MAX_LINE): the
 * line is dropped with a warning and the short answer after it counts. */
static void
test_child_huge_line (void)
{
  Answer fault = { NULL, };
  const char *warning = "Plugin misbehave-huge sent a message of more than";
  g_autoptr(GError) error = NULL;

  register_patient_misbehave ("misbehave-huge");
  run_fault ("misbehave-huge", "huge", "[100]", &fault);
  g_assert_no_error (fault.error);
  assert_string (fault.value, "after 100 MiB");
  answer_clear (&fault);
  g_assert_cmpuint (fault_log_count_warnings (warning), ==, 1);
  g_assert_true (test_deactivate (engine, "misbehave-huge", &error));
  g_assert_no_error (error);
}

#define FLOOD_EVENTS 20000

typedef struct
{
  guint count;
  gint64 last;
} FloodListener;

static void
on_flood (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  FloodListener *listener = user_data;

  listener->count++;
  listener->last = json_array_get_int_element (args, 0);
}

static void
test_child_notification_flood (void)
{
  FloodListener listener = { 0, -1 };
  Answer fault = { NULL, };
  g_autoptr(GError) error = NULL;

  register_patient_misbehave ("misbehave-flood");
  plug_engine_on (engine, TEST_CALLER, "misbehave-flood", "flood", on_flood, &listener, NULL, &error);
  g_assert_no_error (error);

  run_fault ("misbehave-flood", "flood", G_STRINGIFY ([FLOOD_EVENTS]), &fault);
  g_assert_no_error (fault.error);
  g_assert_cmpint (json_node_get_int (fault.value), ==, FLOOD_EVENTS);
  answer_clear (&fault);
  /* Every event, delivered before the answer that followed them. */
  g_assert_cmpuint (listener.count, ==, FLOOD_EVENTS);
  g_assert_cmpint (listener.last, ==, FLOOD_EVENTS - 1);

  plug_engine_off (engine, TEST_CALLER, "misbehave-flood", "flood");
  g_assert_true (test_deactivate (engine, "misbehave-flood", &error));
  g_assert_no_error (error);
}

typedef struct
{
  guint expected;
  gboolean done;
} StderrWatch;

static gboolean
check_stderr_lines (gpointer user_data)
{
  StderrWatch *watch = user_data;

  watch->done = fault_log_count_plugin_lines ("misbehave-stderr: misbehave: eeee") >= watch->expected;
  return watch->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_child_stderr_megabytes (void)
{
  Answer fault = { NULL, };
  StderrWatch watch = { 0, FALSE };
  g_autoptr(GError) error = NULL;

  register_patient_misbehave ("misbehave-stderr");
  run_fault ("misbehave-stderr", "stderr", "[8]", &fault);
  g_assert_no_error (fault.error);
  watch.expected = json_node_get_int (fault.value);
  answer_clear (&fault);
  g_assert_cmpuint (watch.expected, ==, 8 * 1024 * 1024 / 128);

  /* Logged line by line, all of it. */
  g_timeout_add (10, check_stderr_lines, &watch);
  test_wait_until (&watch.done, 4 * TEST_WAIT_MS, "the plugin's stderr to be logged");
  g_assert_true (test_deactivate (engine, "misbehave-stderr", &error));
  g_assert_no_error (error);
}

/* PROTOCOL.md §3: a plugin cannot pass itself off as another; the
 * requestInfo it sends is ignored, its calls come from itself. */
static void
test_child_spoofed_request_info (void)
{
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (test_activate (engine, "echo", &error));
  value = test_call (engine, "misbehave", "spoof", "[\"manager\", \"deactivatePlugin\", \"echo\"]",
                     &error);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Plugin misbehave has no right to deactivate plugin echo");
  g_assert_true (plug_engine_is_active (engine, "echo"));
}

/* thread */

static gboolean
skip_without_thread (void)
{
  if (test_connector_available ("thread"))
    return FALSE;
  g_test_skip ("the thread connector is not built");
  return TRUE;
}

static void
test_thread_hangs (void)
{
  Answer fault = { NULL, };

  if (skip_without_thread ())
    return;
  run_fault ("misbehave-thread", "hang", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call hang from test");
}

static void
test_thread_answers_twice (void)
{
  Answer fault = { NULL, };
  const char *warning = "misbehave-thread answered unknown request id";
  guint before = fault_log_count_warnings (warning);

  if (skip_without_thread ())
    return;
  run_fault ("misbehave-thread", "twice", NULL, &fault);
  g_assert_no_error (fault.error);
  assert_string (fault.value, "twice");
  answer_clear (&fault);
  g_assert_cmpuint (fault_log_count_warnings (warning), ==, before + 1);
}

static void
test_thread_answers_unknown_id (void)
{
  Answer fault = { NULL, };
  const char *warning = "misbehave-thread answered unknown request id";
  guint before = fault_log_count_warnings (warning);

  if (skip_without_thread ())
    return;
  run_fault ("misbehave-thread", "wrongid", NULL, &fault);
  assert_fault_error (&fault, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call wrongid from test");
  g_assert_cmpuint (fault_log_count_warnings (warning), ==, before + 1);
}

/* Restart: the subscriptions of other plugins to a restarted plugin stay,
 * those of an in-process plugin and those of a plugin process alike. */

static void
on_echoed (const char *emitter,
           const char *event,
           JsonArray  *args,
           gpointer    user_data)
{
  GPtrArray *seen = user_data;

  g_ptr_array_add (seen, g_strdup (json_array_get_string_element (args, 0)));
}

typedef struct
{
  const char *name;
  guint restarts;
  gboolean done;
} RestartWatch;

static gboolean
check_restarted (gpointer user_data)
{
  RestartWatch *watch = user_data;
  g_autoptr(JsonObject) status = plug_engine_get_status (engine, watch->name, NULL);

  watch->done = json_object_get_int_member_with_default (status, "restarts", 0) >= watch->restarts &&
                g_str_equal (json_object_get_string_member (status, "state"), "active");
  return watch->done ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_restart_keeps_listeners (void)
{
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  RestartWatch watch = { "echo-restart", 1, FALSE };
  gint64 pid;

  profile = fault_profile_with (echo, "{\"name\": \"echo-restart\", \"restart\": \"on-failure\", "
                                      "\"restartBackoff\": 10}");
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);

  plug_engine_on (engine, TEST_CALLER, "echo-restart", "echoed", on_echoed, seen, NULL, &error);
  g_assert_no_error (error);
  value = test_call (engine, "misbehave", "listen", "[\"echo-restart\", \"echoed\"]", &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, json_node_unref);
  value = test_call (engine, "echo-restart", "echo", "[\"before\"]", &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, json_node_unref);

  status = plug_engine_get_status (engine, "echo-restart", &error);
  g_assert_no_error (error);
  pid = json_object_get_int_member (status, "pid");
  g_assert_cmpint (pid, >, 1);
  g_assert_cmpint (kill ((pid_t) pid, SIGKILL), ==, 0);
  g_timeout_add (5, check_restarted, &watch);
  test_wait_until (&watch.done, TEST_WAIT_MS, "echo-restart to be restarted");

  value = test_call (engine, "echo-restart", "echo", "[\"after\"]", &error);
  g_assert_no_error (error);
  g_clear_pointer (&value, json_node_unref);

  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "before");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "after");
  /* The plugin process got both too (its notifications come before the
   * answer to this later call). */
  value = test_call (engine, "misbehave", "received", NULL, &error);
  g_assert_no_error (error);
  test_assert_json (value, "[[\"before\"],[\"after\"]]");

  plug_engine_off (engine, TEST_CALLER, "echo-restart", "echoed");
  g_assert_true (test_deactivate (engine, "echo-restart", &error));
  g_assert_no_error (error);
}

static void
register_profile (PlugProfile *profile)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (profile);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(PlugProfile) echo = NULL;
  g_autoptr(PlugProfile) misbehave = NULL;
  g_autoptr(PlugProfile) misbehave_thread = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fault_log_init ();
  test_load_connectors ();

  engine = test_engine_new ();
  echo = test_load_profile ("echo");
  register_profile (echo);
  misbehave = fault_load_profile ("misbehave");
  register_profile (misbehave);
  if (test_connector_available ("thread"))
    {
      misbehave_thread = fault_load_profile ("misbehave-thread");
      register_profile (misbehave_thread);
    }

  g_test_add_func ("/faults/child-process/exit-mid-call", test_child_exit);
  g_test_add_func ("/faults/child-process/sigkill-mid-call", test_child_sigkill);
  g_test_add_func ("/faults/child-process/closes-its-channel", test_child_closes_channel);
  g_test_add_func ("/faults/child-process/hangs-until-timeout", test_child_hangs);
  g_test_add_func ("/faults/child-process/answers-twice", test_child_answers_twice);
  g_test_add_func ("/faults/child-process/answers-unknown-id", test_child_answers_unknown_id);
  g_test_add_func ("/faults/child-process/line-of-100-mib-dropped", test_child_huge_line);
  g_test_add_func ("/faults/child-process/notification-flood", test_child_notification_flood);
  g_test_add_func ("/faults/child-process/stderr-megabytes", test_child_stderr_megabytes);
  g_test_add_func ("/faults/child-process/spoofed-request-info-ignored", test_child_spoofed_request_info);
  g_test_add_func ("/faults/thread/hangs-until-timeout", test_thread_hangs);
  g_test_add_func ("/faults/thread/answers-twice", test_thread_answers_twice);
  g_test_add_func ("/faults/thread/answers-unknown-id", test_thread_answers_unknown_id);
  g_test_add_func ("/faults/restart/listeners-subscriptions-survive", test_restart_keeps_listeners);

  status = g_test_run ();
  g_clear_object (&engine);

  return status;
}
