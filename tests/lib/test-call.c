/* test-call.c: PlugCall, what a method implementation receives
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "engine-test-util.h"

static PlugCall *
new_call (const char *path,
          const char *method,
          const char *args_json)
{
  g_autoptr(JsonArray) args = args_from_json (args_json);

  return plug_call_new ("caller", path, method, args);
}

static void
assert_call_error (PlugCall   *call,
                   gint        code,
                   const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_call_is_finished (call));
  g_assert_null (plug_call_get_result (call, &error));
  g_assert_error (error, PLUG_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_new_target_is_first_path_segment (void)
{
  g_autoptr(PlugCall) plain = new_call ("echo", "sum", NULL);
  g_autoptr(PlugCall) service = new_call ("cmd.git.remote", "fetch", NULL);

  g_assert_cmpstr (plug_call_get_caller (plain), ==, "caller");
  g_assert_cmpstr (plug_call_get_path (plain), ==, "echo");
  g_assert_cmpstr (plug_call_get_target (plain), ==, "echo");
  g_assert_cmpstr (plug_call_get_method (plain), ==, "sum");
  g_assert_cmpstr (plug_call_get_path (service), ==, "cmd.git.remote");
  g_assert_cmpstr (plug_call_get_target (service), ==, "cmd");
}

static void
test_new_args_never_null (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "sum", NULL);

  g_assert_nonnull (plug_call_get_args (call));
  g_assert_cmpuint (json_array_get_length (plug_call_get_args (call)), ==, 0);
  g_assert_false (plug_call_is_finished (call));
  g_assert_nonnull (plug_call_get_cancellable (call));
  g_assert_false (g_cancellable_is_cancelled (plug_call_get_cancellable (call)));
}

static void
test_return_value (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "echo", "[\"hi\"]");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  plug_call_return_value (call, json_array_get_element (plug_call_get_args (call), 0));
  g_assert_true (plug_call_is_finished (call));
  text = node_to_string (plug_call_get_result (call, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "\"hi\"");
}

static void
test_return_null_value (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "nothing", NULL);
  JsonNode *result;

  plug_call_return_value (call, NULL);
  result = plug_call_get_result (call, NULL);
  g_assert_nonnull (result);
  g_assert_true (JSON_NODE_HOLDS_NULL (result));
}

static void
test_return_error_passes_text (void)
{
  g_autoptr(PlugCall) literal = new_call ("echo", "fail", NULL);
  g_autoptr(PlugCall) printf_call = new_call ("echo", "fail", NULL);

  plug_call_return_error_literal (literal, PLUG_ERROR_FAILED, "Error from IDE : boom");
  assert_call_error (literal, PLUG_ERROR_FAILED, "Error from IDE : boom");
  plug_call_return_error_printf (printf_call, PLUG_ERROR_FAILED, "%s %d", "boom", 3);
  assert_call_error (printf_call, PLUG_ERROR_FAILED, "boom 3");
}

static void
test_return_twice_warns (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "sum", NULL);

  plug_call_return_value (call, NULL);
  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING,
                         "Method sum of echo answered call from caller twice*");
  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, "again");
  g_test_assert_expected_messages ();

  /* The first answer stands. */
  g_assert_true (JSON_NODE_HOLDS_NULL (plug_call_get_result (call, NULL)));
}

/* Argument helpers */

static void
test_args_typed_values (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "sum", "[\"a\", 2, 2.5, 3.0]");
  const char *text = NULL;
  gint64 integer = 0;
  double number = 0;

  g_assert_true (plug_call_get_arg_string (call, 0, &text));
  g_assert_cmpstr (text, ==, "a");
  g_assert_true (plug_call_get_arg_int (call, 1, &integer));
  g_assert_cmpint (integer, ==, 2);
  g_assert_true (plug_call_get_arg_double (call, 1, &number));
  g_assert_cmpfloat (number, ==, 2.0);
  g_assert_true (plug_call_get_arg_double (call, 2, &number));
  g_assert_cmpfloat (number, ==, 2.5);
  g_assert_true (plug_call_get_arg_int (call, 3, &integer));
  g_assert_cmpint (integer, ==, 3);
  g_assert_false (plug_call_is_finished (call));
}

static void
test_args_wrong_type_answers_call (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "sum", "[1, \"two\"]");
  double number;

  g_assert_false (plug_call_get_arg_double (call, 1, &number));
  assert_call_error (call, PLUG_ERROR_INVALID_ARGUMENT,
                     "Argument 2 of method \"sum\" must be a number, got a string");
}

static void
test_args_missing_answers_call (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "sum", "[1]");
  gint64 integer;

  g_assert_false (plug_call_get_arg_int (call, 1, &integer));
  assert_call_error (call, PLUG_ERROR_INVALID_ARGUMENT,
                     "Argument 2 of method \"sum\" must be an integer, but it is missing");
}

static void
test_args_other_types_named (void)
{
  struct {
    const char *args;
    const char *expected;
  } cases[] = {
    { "[null]", "Argument 1 of method \"m\" must be a string, got null" },
    { "[true]", "Argument 1 of method \"m\" must be a string, got a boolean" },
    { "[[1]]", "Argument 1 of method \"m\" must be a string, got an array" },
    { "[{}]", "Argument 1 of method \"m\" must be a string, got an object" },
    { "[1]", "Argument 1 of method \"m\" must be a string, got a number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PlugCall) call = new_call ("echo", "m", cases[i].args);

      g_assert_false (plug_call_get_arg_string (call, 0, NULL));
      assert_call_error (call, PLUG_ERROR_INVALID_ARGUMENT, cases[i].expected);
    }
}

static void
test_args_fractional_is_not_integer (void)
{
  g_autoptr(PlugCall) call = new_call ("echo", "m", "[2.5]");

  g_assert_false (plug_call_get_arg_int (call, 0, NULL));
  assert_call_error (call, PLUG_ERROR_INVALID_ARGUMENT,
                     "Argument 1 of method \"m\" must be an integer, got a number");
}

/* Through the engine: a call ended from outside drops the late answer
 * silently and cancels the call's cancellable. */

static PlugCall *slow_call;

static void
method_keep (PlugCall *call,
             gpointer  user_data)
{
  slow_call = g_object_ref (call);
}

static void
test_ended_call_drops_late_answer (void)
{
  g_autoptr(PlugEngine) engine = plug_engine_new ();
  g_autoptr(Outcome) outcome = NULL;
  TestPlugin *plugin = add_test_plugin (engine, "mock", 10);

  plug_plugin_add_method (PLUG_PLUGIN (plugin), "keep", method_keep, NULL, NULL);
  outcome = call_sync (engine, "manager", "mock", "keep", NULL);
  assert_outcome_error (outcome, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call keep from manager");

  g_assert_nonnull (slow_call);
  g_assert_true (plug_call_is_finished (slow_call));
  g_assert_true (g_cancellable_is_cancelled (plug_call_get_cancellable (slow_call)));
  /* No warning: the answer is dropped silently. */
  plug_call_return_value (slow_call, NULL);
  assert_call_error (slow_call, PLUG_ERROR_TIMEOUT, "[TIMEOUT] Timeout for call keep from manager");
  g_clear_object (&slow_call);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/call/new/target-is-first-path-segment", test_new_target_is_first_path_segment);
  g_test_add_func ("/call/new/args-never-null", test_new_args_never_null);
  g_test_add_func ("/call/return/value", test_return_value);
  g_test_add_func ("/call/return/null-value", test_return_null_value);
  g_test_add_func ("/call/return/error-passes-text", test_return_error_passes_text);
  g_test_add_func ("/call/return/twice-warns", test_return_twice_warns);
  g_test_add_func ("/call/args/typed-values", test_args_typed_values);
  g_test_add_func ("/call/args/wrong-type-answers-call", test_args_wrong_type_answers_call);
  g_test_add_func ("/call/args/missing-answers-call", test_args_missing_answers_call);
  g_test_add_func ("/call/args/other-types-named", test_args_other_types_named);
  g_test_add_func ("/call/args/fractional-is-not-integer", test_args_fractional_is_not_integer);
  g_test_add_func ("/call/end/drops-late-answer", test_ended_call_drops_late_answer);

  return g_test_run ();
}
