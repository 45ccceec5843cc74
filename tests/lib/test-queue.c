/* test-queue.c: the per-target call queue (Remix abstract.spec.ts, §9.1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "engine-test-util.h"

typedef struct
{
  PlugEngine *engine;
  TestPlugin *mock;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  guint timeout_ms = GPOINTER_TO_UINT (data);

  fixture->engine = plug_engine_new ();
  fixture->mock = add_test_plugin (fixture->engine, "mock", timeout_ms);
  add_caller (fixture->engine, "fake");
  add_caller (fixture->engine, "fake2");
  add_caller (fixture->engine, "fake3");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->engine);
}

#define TIMEOUT(ms) GUINT_TO_POINTER (ms)

/* 1 */
static void
test_plugin_profile_and_name (void)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("mock");
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);

  g_assert_true (plug_plugin_get_profile (plugin) == profile);
  g_assert_cmpstr (plug_plugin_get_name (plugin), ==, "mock");
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_INACTIVE);
  g_assert_null (plug_plugin_get_engine (plugin));
}

/* 2 */
static void
test_plugin_activate_runs_vfunc_once (Fixture       *fixture,
                                      gconstpointer  data)
{
  activate_sync (fixture->engine, "mock");
  g_assert_cmpuint (fixture->mock->n_activate, ==, 1);
  g_assert_cmpint (plug_plugin_get_state (PLUG_PLUGIN (fixture->mock)), ==,
                   PLUG_PLUGIN_STATE_ACTIVE);
}

/* 3 */
static void
test_plugin_deactivate_runs_vfunc_once (Fixture       *fixture,
                                        gconstpointer  data)
{
  activate_sync (fixture->engine, "mock");
  deactivate_sync (fixture->engine, "mock");
  g_assert_cmpuint (fixture->mock->n_deactivate, ==, 1);
  g_assert_cmpint (plug_plugin_get_state (PLUG_PLUGIN (fixture->mock)), ==,
                   PLUG_PLUGIN_STATE_INACTIVE);
}

/* 4: the default call_method, called directly */
static void
test_plugin_unknown_method_not_implemented (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autoptr(PlugCall) call = plug_call_new ("fake", "mock", "fakeMethod", NULL);
  g_autoptr(GError) error = NULL;

  PLUG_PLUGIN_GET_CLASS (fixture->mock)->call_method (PLUG_PLUGIN (fixture->mock), call);
  g_assert_true (plug_call_is_finished (call));
  g_assert_null (plug_call_get_result (call, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Method fakeMethod is not implemented by mock");
}

/* 5 */
static void
test_queue_mock_method_resolves (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "fake", "mock", "mockMethod", NULL);

  assert_outcome_json (outcome, "true");
}

/* 6: an exposed but unimplemented method, through the queue */
static void
test_queue_unimplemented_method_fails (Fixture       *fixture,
                                       gconstpointer  data)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (fixture->mock));
  const char * const methods[] = { "mockMethod", "fakeMethod", NULL };
  g_autoptr(Outcome) outcome = NULL;

  plug_profile_set_methods (profile, methods);
  outcome = call_sync (fixture->engine, "fake", "mock", "fakeMethod", NULL);
  assert_outcome_error (outcome, PLUG_ERROR_FAILED, "Method fakeMethod is not implemented by mock");
}

/* 7 */
static void
test_queue_three_callers_in_order (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;
  g_autoptr(Outcome) three = NULL;

  add_caller (fixture->engine, "caller1");
  add_caller (fixture->engine, "caller2");
  add_caller (fixture->engine, "caller3");
  activate_sync (fixture->engine, "mock");

  one = start_call (fixture->engine, "caller1", "mock", "slowMockMethod", "[5]");
  two = start_call (fixture->engine, "caller2", "mock", "slowMockMethod", "[5]");
  three = start_call (fixture->engine, "caller3", "mock", "slowMockMethod", "[5]");
  wait_outcome (three);
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_json (one, "true");
  assert_outcome_json (two, "true");
  assert_outcome_json (three, "true");
  g_assert_cmpuint (fixture->mock->runs->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (fixture->mock->runs, 0), ==, "caller1:slowMockMethod");
  g_assert_cmpstr (g_ptr_array_index (fixture->mock->runs, 1), ==, "caller2:slowMockMethod");
  g_assert_cmpstr (g_ptr_array_index (fixture->mock->runs, 2), ==, "caller3:slowMockMethod");
}

/* 8 */
static void
test_queue_timeout_fails_call (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");

  assert_outcome_error (outcome, PLUG_ERROR_TIMEOUT,
                        "[TIMEOUT] Timeout for call slowMockMethod from fake");
  g_assert_cmpuint (fixture->mock->n_cancel_call, ==, 1);
}

/* 9 */
static void
test_queue_slow_within_timeout_resolves (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "fake", "mock", "slowMockMethod", "[20]");

  assert_outcome_json (outcome, "true");
}

/* 10 */
static void
test_queue_next_runs_after_timeout (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(Outcome) slow = NULL;
  g_autoptr(Outcome) quick = NULL;

  activate_sync (fixture->engine, "mock");
  slow = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  quick = start_call (fixture->engine, "fake", "mock", "mockMethod", NULL);
  wait_outcome (quick);

  g_assert_true (slow->done);
  assert_outcome_error (slow, PLUG_ERROR_TIMEOUT,
                        "[TIMEOUT] Timeout for call slowMockMethod from fake");
  assert_outcome_json (quick, "true");
}

static gboolean
cancel_later (gpointer user_data)
{
  char **what = user_data;

  g_assert_true (plug_engine_cancel (PLUG_ENGINE (what[0]), what[1], "mock", what[2], NULL));
  return G_SOURCE_REMOVE;
}

/* Cancels @caller's calls to @method of mock after @ms. */
static void
cancel_after (PlugEngine *engine,
              guint       ms,
              const char *caller,
              const char *method)
{
  static char *what[3];

  what[0] = (char *) engine;
  what[1] = (char *) caller;
  what[2] = (char *) method;
  g_timeout_add (ms, cancel_later, what);
}

/* 11 */
static void
test_queue_cancel_running_call (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "mock");
  outcome = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  cancel_after (fixture->engine, 20, "fake", "slowMockMethod");
  wait_outcome (outcome);

  assert_outcome_error (outcome, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethod from fake");
  g_assert_cmpuint (fixture->mock->n_cancel_call, ==, 1);
}

/* 12 */
static void
test_queue_cancel_all_running_call (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "mock");
  outcome = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  cancel_after (fixture->engine, 20, "fake", "");
  wait_outcome (outcome);

  assert_outcome_error (outcome, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethod from fake");
}

/* 13 */
static void
test_queue_cancel_other_method_spares_running (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "mock");
  outcome = start_call (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[60]");
  cancel_after (fixture->engine, 10, "fake", "slowMockMethod");
  wait_outcome (outcome);

  assert_outcome_json (outcome, "true");
  g_assert_cmpuint (fixture->mock->n_cancel_call, ==, 0);
}

/* 14 */
static void
test_queue_two_queued_resolve (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Outcome) one = start_call (fixture->engine, "fake", "mock", "mockMethod", NULL);
  g_autoptr(Outcome) two = start_call (fixture->engine, "fake", "mock", "mockMethod", NULL);

  wait_outcome (one);
  wait_outcome (two);
  assert_outcome_json (one, "true");
  assert_outcome_json (two, "true");
}

/* 15 */
static void
test_queue_cancel_all_queued (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "mock");
  one = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  two = start_call (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[1000]");
  cancel_after (fixture->engine, 10, "fake", NULL);
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_error (one, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_error (two, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethodTwo from fake");
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "slowMockMethodTwo"), ==, 0);
}

/* 16 */
static void
test_queue_cancel_spares_other_caller (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(Outcome) other = NULL;
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "mock");
  other = start_call (fixture->engine, "fake2", "mock", "slowMockMethodTwo", "[60]");
  one = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[10]");
  two = start_call (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[10]");
  cancel_after (fixture->engine, 10, "fake", "");
  wait_outcome (other);
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_json (other, "true");
  assert_outcome_error (one, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_error (two, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethodTwo from fake");
}

/* 17 */
static void
test_queue_failure_passes_through (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "fake", "mock", "failingMockMethod", NULL);

  assert_outcome_error (outcome, PLUG_ERROR_FAILED, "fail");
}

/* 18 */
static void
test_queue_cancel_one_of_two (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "mock");
  one = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  two = start_call (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[10]");
  cancel_after (fixture->engine, 10, "fake", "slowMockMethod");
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_error (one, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_json (two, "true");
}

/* 19 and 20 (with a failing call first): timeout 100 */
static void
run_cancel_timeout_mix (Fixture  *fixture,
                        gboolean  failing_first)
{
  g_autoptr(Outcome) failing = NULL;
  g_autoptr(Outcome) cancelled = NULL;
  g_autoptr(Outcome) timed_out = NULL;
  g_autoptr(Outcome) resolved = NULL;

  activate_sync (fixture->engine, "mock");
  if (failing_first)
    failing = start_call (fixture->engine, "fake", "mock", "failingMockMethod", NULL);
  cancelled = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]");
  timed_out = start_call (fixture->engine, "fake2", "mock", "slowMockMethod", "[400]");
  resolved = start_call (fixture->engine, "fake3", "mock", "slowMockMethodTwo", "[10]");
  cancel_after (fixture->engine, 30, "fake", "slowMockMethod");
  wait_outcome (resolved);

  if (failing_first)
    assert_outcome_error (failing, PLUG_ERROR_FAILED, "fail");
  assert_outcome_error (cancelled, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_error (timed_out, PLUG_ERROR_TIMEOUT,
                        "[TIMEOUT] Timeout for call slowMockMethod from fake2");
  assert_outcome_json (resolved, "true");
}

static void
test_queue_cancel_then_timeout (Fixture       *fixture,
                                gconstpointer  data)
{
  run_cancel_timeout_mix (fixture, FALSE);
}

static void
test_queue_fail_cancel_then_timeout (Fixture       *fixture,
                                     gconstpointer  data)
{
  run_cancel_timeout_mix (fixture, TRUE);
}

/* Remix bug: item 1 times out, item 2 starts, item 1 fails late, and
 * item 2 ran a second time. Here every item runs once. Timeout 60. */
static void
test_queue_timeout_no_double_run (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;
  g_autoptr(Outcome) three = NULL;
  gboolean late_failed = FALSE;

  plug_plugin_add_method (PLUG_PLUGIN (fixture->mock), "lateFail",
                          method_late_fail, &late_failed, NULL);
  activate_sync (fixture->engine, "mock");

  /* 1 times out at 60 ms and fails at 90 ms, while 2 runs (60–120 ms). */
  one = start_call (fixture->engine, "fake", "mock", "lateFail", "[90]");
  two = start_call (fixture->engine, "fake2", "mock", "slowMockMethod", "[40]");
  three = start_call (fixture->engine, "fake3", "mock", "slowMockMethodTwo", "[1]");
  wait_outcome (three);
  wait_for_flag (&late_failed);
  spin_ms (30);

  assert_outcome_error (one, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call lateFail from fake");
  assert_outcome_json (two, "true");
  assert_outcome_json (three, "true");
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "lateFail"), ==, 1);
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "slowMockMethod"), ==, 1);
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "slowMockMethodTwo"), ==, 1);
  g_assert_cmpuint (fixture->mock->runs->len, ==, 3);
}

/* The timer starts when the call starts, not when it is queued: three
 * calls of 30 ms each all fit a 60 ms timeout. */
static void
test_queue_timeout_starts_when_running (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;
  g_autoptr(Outcome) three = NULL;

  activate_sync (fixture->engine, "mock");
  one = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[30]");
  two = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[30]");
  three = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[30]");
  wait_outcome (three);

  assert_outcome_json (one, "true");
  assert_outcome_json (two, "true");
  assert_outcome_json (three, "true");
}

/* Concurrency: one at a time by default, N with "concurrency": N. */
static void
on_run_started (PlugCall *call,
                gpointer  user_data);

typedef struct
{
  guint running;
  guint max_running;
} Gauge;

static gboolean
gauge_answer (gpointer user_data)
{
  PlugCall *call = user_data;
  Gauge *gauge = g_object_get_data (G_OBJECT (call), "gauge");

  gauge->running--;
  return_true (call);
  g_object_unref (call);
  return G_SOURCE_REMOVE;
}

static void
on_run_started (PlugCall *call,
                gpointer  user_data)
{
  Gauge *gauge = user_data;

  gauge->running++;
  gauge->max_running = MAX (gauge->max_running, gauge->running);
  g_object_set_data (G_OBJECT (call), "gauge", gauge);
  g_timeout_add (20, gauge_answer, g_object_ref (call));
}

static void
run_gauge (Fixture *fixture,
           guint    concurrency,
           guint    expected_max)
{
  Outcome *outcomes[4];
  Gauge gauge = { 0, };

  plug_profile_set_concurrency (plug_plugin_get_profile (PLUG_PLUGIN (fixture->mock)), concurrency);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->mock), "gauge", on_run_started, &gauge, NULL);
  activate_sync (fixture->engine, "mock");

  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    outcomes[i] = start_call (fixture->engine, "fake", "mock", "gauge", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    {
      wait_outcome (outcomes[i]);
      assert_outcome_json (outcomes[i], "true");
      outcome_free (outcomes[i]);
    }

  g_assert_cmpuint (gauge.max_running, ==, expected_max);
}

static void
test_queue_concurrency_default_one (Fixture       *fixture,
                                    gconstpointer  data)
{
  run_gauge (fixture, 1, 1);
}

static void
test_queue_concurrency_from_profile (Fixture       *fixture,
                                     gconstpointer  data)
{
  run_gauge (fixture, 2, 2);
}

/* The GCancellable of one call cancels that call only. */
static void
test_queue_cancellable_cancels_one_call (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;
  g_autoptr(Outcome) three = NULL;

  activate_sync (fixture->engine, "mock");
  one = start_call_full (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]", cancellable);
  two = start_call (fixture->engine, "fake", "mock", "slowMockMethod", "[10]");
  three = start_call_full (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[10]", cancellable);
  spin_ms (10);
  g_assert_false (one->done);
  g_cancellable_cancel (cancellable);
  wait_outcome (one);
  wait_outcome (two);
  wait_outcome (three);

  assert_outcome_error (one, PLUG_ERROR_CANCELLED, "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_json (two, "true");
  assert_outcome_error (three, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethodTwo from fake");
  g_assert_cmpuint (fixture->mock->n_cancel_call, ==, 1);
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "slowMockMethodTwo"), ==, 0);
}

/* One GCancellable for many calls: those answered before it is
 * cancelled keep their answers, those pending fail, and a call started
 * with it once cancelled fails at once (not run). */
static void
test_queue_cancellable_shared_by_many_calls (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(Outcome) answered = NULL;
  g_autoptr(Outcome) pending = NULL;
  g_autoptr(Outcome) late = NULL;
  g_autoptr(Outcome) after = NULL;

  activate_sync (fixture->engine, "mock");
  answered = start_call_full (fixture->engine, "fake", "mock", "slowMockMethod", "[1]", cancellable);
  wait_outcome (answered);
  assert_outcome_json (answered, "true");

  pending = start_call_full (fixture->engine, "fake", "mock", "slowMockMethod", "[1000]", cancellable);
  late = start_call_full (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[10]", cancellable);
  g_cancellable_cancel (cancellable);
  after = start_call_full (fixture->engine, "fake", "mock", "slowMockMethodTwo", "[10]", cancellable);
  wait_outcome (pending);
  wait_outcome (late);
  wait_outcome (after);

  assert_outcome_json (answered, "true");
  assert_outcome_error (pending, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethod from fake");
  assert_outcome_error (late, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethodTwo from fake");
  assert_outcome_error (after, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethodTwo from fake");
  g_assert_cmpuint (test_plugin_count_runs (fixture->mock, "slowMockMethodTwo"), ==, 0);
}

/* A late answer after a timeout is dropped without a warning. */
static void
test_queue_late_answer_dropped (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;
  gboolean answered = FALSE;

  plug_plugin_add_method (PLUG_PLUGIN (fixture->mock), "late", method_slow, &answered, NULL);
  outcome = call_sync (fixture->engine, "fake", "mock", "late", "[50]");
  assert_outcome_error (outcome, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call late from fake");
  wait_for_flag (&answered);
}

/* A caller that calls again each time a call fails, to a plugin that
 * fails every call at once: the queue starts a bounded number of calls
 * per pump, and the main loop runs between them. */
typedef struct
{
  PlugEngine *engine;
  guint       failures;
  guint       failures_at_turn;
  gboolean    turn_came;
  gboolean    stop;
  guint       outstanding;
} Retrier;

#define RETRY_LIMIT 100000

static void start_failing_call (Retrier *retrier);

static void
on_failed_call (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Retrier *retrier = user_data;
  g_autoptr(JsonNode) value = plug_engine_call_finish (PLUG_ENGINE (source), result, NULL);

  g_assert_null (value);
  retrier->outstanding--;
  retrier->failures++;
  if (!retrier->stop && retrier->failures < RETRY_LIMIT)
    start_failing_call (retrier);
}

static void
start_failing_call (Retrier *retrier)
{
  retrier->outstanding++;
  plug_engine_call (retrier->engine, "fake", "mock", "failNow", NULL, NULL,
                    on_failed_call, retrier);
}

static void
method_fail_now (PlugCall *call,
                 gpointer  user_data)
{
  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, "no");
}

static void
method_hold (PlugCall *call,
             gpointer  user_data)
{
  PlugCall **held = user_data;

  *held = g_object_ref (call);
}

static gboolean
note_turn (gpointer user_data)
{
  Retrier *retrier = user_data;

  retrier->turn_came = TRUE;
  retrier->failures_at_turn = retrier->failures;
  retrier->stop = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_queue_pump_retrying_caller_lets_loop_run (Fixture       *fixture,
                                               gconstpointer  data)
{
  Retrier retrier = { fixture->engine, 0, 0, FALSE, FALSE, 0 };
  g_autoptr(PlugCall) held = NULL;
  g_autoptr(Outcome) first = NULL;

  plug_plugin_add_method (PLUG_PLUGIN (fixture->mock), "hold", method_hold, &held, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->mock), "failNow", method_fail_now, NULL, NULL);
  activate_sync (fixture->engine, "mock");

  /* Eight calls wait behind one the plugin holds (concurrency 1). */
  first = start_call (fixture->engine, "fake", "mock", "hold", NULL);
  while (held == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 8; i++)
    start_failing_call (&retrier);

  /* Its answer starts them, outside any plug_engine_call(): each fails at
   * once and its callback calls again. A source of the default priority
   * (as a child's exit, or a socket's input) must still get its turn. */
  g_timeout_add (0, note_turn, &retrier);
  plug_call_return_value (held, NULL);
  while (!retrier.turn_came || retrier.outstanding > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (retrier.failures_at_turn, <, 1000);
  wait_outcome (first);
  assert_outcome_json (first, "null");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, timeout) \
  g_test_add ("/queue/" path, Fixture, TIMEOUT (timeout), fixture_setup, func, fixture_teardown)

  g_test_add_func ("/queue/plugin/profile-and-name", test_plugin_profile_and_name);
  ADD ("plugin/activate-runs-vfunc-once", test_plugin_activate_runs_vfunc_once, 0);
  ADD ("plugin/deactivate-runs-vfunc-once", test_plugin_deactivate_runs_vfunc_once, 0);
  ADD ("plugin/unknown-method-not-implemented", test_plugin_unknown_method_not_implemented, 0);
  ADD ("call/mock-method-resolves", test_queue_mock_method_resolves, 0);
  ADD ("call/unimplemented-method-fails", test_queue_unimplemented_method_fails, 0);
  ADD ("order/three-callers-in-order", test_queue_three_callers_in_order, 0);
  ADD ("timeout/fails-call", test_queue_timeout_fails_call, 10);
  ADD ("timeout/slow-within-timeout-resolves", test_queue_slow_within_timeout_resolves, 1000);
  ADD ("timeout/next-runs-after-timeout", test_queue_next_runs_after_timeout, 10);
  ADD ("cancel/running-call", test_queue_cancel_running_call, 0);
  ADD ("cancel/all-methods-running-call", test_queue_cancel_all_running_call, 0);
  ADD ("cancel/other-method-spares-running", test_queue_cancel_other_method_spares_running, 0);
  ADD ("order/two-queued-resolve", test_queue_two_queued_resolve, 0);
  ADD ("cancel/all-queued", test_queue_cancel_all_queued, 0);
  ADD ("cancel/spares-other-caller", test_queue_cancel_spares_other_caller, 0);
  ADD ("call/failure-passes-through", test_queue_failure_passes_through, 0);
  ADD ("cancel/one-of-two", test_queue_cancel_one_of_two, 0);
  ADD ("cancel/then-timeout", test_queue_cancel_then_timeout, 100);
  ADD ("cancel/fail-then-cancel-then-timeout", test_queue_fail_cancel_then_timeout, 100);
  ADD ("timeout/no-double-run", test_queue_timeout_no_double_run, 60);
  ADD ("timeout/starts-when-running", test_queue_timeout_starts_when_running, 60);
  ADD ("timeout/late-answer-dropped", test_queue_late_answer_dropped, 10);
  ADD ("concurrency/default-one", test_queue_concurrency_default_one, 0);
  ADD ("concurrency/from-profile", test_queue_concurrency_from_profile, 0);
  ADD ("cancel/cancellable-cancels-one-call", test_queue_cancellable_cancels_one_call, 0);
  ADD ("cancel/cancellable-shared-by-many-calls", test_queue_cancellable_shared_by_many_calls, 0);
  ADD ("pump/retrying-caller-lets-loop-run", test_queue_pump_retrying_caller_lets_loop_run, 0);

#undef ADD

  return g_test_run ();
}
