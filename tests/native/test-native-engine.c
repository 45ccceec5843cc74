/* test-native-engine.c: the native connector under a PlugEngine, with the
 * JSON nodes it answers (which plugctl's printing would hide)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <plugctl.h>

#define WAIT_LIMIT_S 20

typedef struct
{
  PlugEngine *engine;
} Fixture;

static gboolean
on_wait_limit (gpointer user_data)
{
  g_error ("%s: nothing within %d s", (const char *) user_data, WAIT_LIMIT_S);
  return G_SOURCE_REMOVE;
}

static void
wait_for (gpointer   *result,
          const char *what)
{
  guint limit = g_timeout_add_seconds (WAIT_LIMIT_S, on_wait_limit, (gpointer) what);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (limit);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
register_manifest (Fixture    *fixture,
                   const char *file)
{
  g_autofree char *path = g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                            "native", file, NULL);
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = plug_profile_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plug_engine_register_profile (fixture->engine, profile, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(GStrv) dirs = plug_connector_module_search_path (NULL);

  plug_connector_module_load_dirs ((const char * const *) dirs);
  fixture->engine = plug_engine_new ();
  register_manifest (fixture, "plugtest.json");
  register_manifest (fixture, "plugtest-slow.json");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *names[] = { "plugtest", "plugtest-slow" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      plug_engine_deactivate (fixture->engine, names[i], NULL, store_result, &result);
      wait_for ((gpointer *) &result, "deactivation");
      plug_engine_deactivate_finish (fixture->engine, result, &error);
      g_assert_no_error (error);
    }
  g_clear_object (&fixture->engine);
}

static JsonNode *
call (Fixture     *fixture,
      const char  *plugin,
      const char  *method,
      JsonArray   *args,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  plug_engine_call (fixture->engine, "manager", plugin, method, args, NULL,
                    store_result, &result);
  wait_for ((gpointer *) &result, method);
  return plug_engine_call_finish (fixture->engine, result, error);
}

static void
test_results_are_typed (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(JsonNode) as_double = NULL;
  g_autoptr(JsonNode) as_float = NULL;
  g_autoptr(JsonNode) integer = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_int_element (args, 2);
  as_double = call (fixture, "plugtest", "id_double", args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_node_get_value_type (as_double), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (as_double), ==, 2.0);

  as_float = call (fixture, "plugtest", "half", args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_node_get_value_type (as_float), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (as_float), ==, 1.0);

  integer = call (fixture, "plugtest", "id_u8", args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_node_get_value_type (integer), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (integer), ==, 2);
}

static void
test_bad_argument_error_code (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  json_array_add_string_element (args, "x");
  node = call (fixture, "plugtest", "id_u8", args, &error);
  g_assert_null (node);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "Argument 1 of method \"id_u8\" must be a number (uint8_t), got a string");
}

typedef struct
{
  GAsyncResult *blocked;
  GAsyncResult *after;
} CancelResults;

/* A cancelled call answers at once, whether its function already blocks
 * the plugin's thread or has not started (then it never does); the next
 * call waits for the thread, then runs. */
static void
test_cancel_answers_at_once (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plugctl-native-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autoptr(JsonArray) fifo_args = json_array_new ();
  g_autoptr(JsonArray) int_args = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GAsyncResult) activated = NULL;
  CancelResults results = { NULL, NULL };
  int writer;

  g_assert_no_error (error);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  writer = open (fifo, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (writer, >=, 0);

  plug_engine_activate (fixture->engine, "plugtest-slow", NULL, store_result, &activated);
  wait_for ((gpointer *) &activated, "activation");
  g_assert_true (plug_engine_activate_finish (fixture->engine, activated, &error));
  g_assert_no_error (error);

  json_array_add_string_element (fifo_args, fifo);
  json_array_add_int_element (int_args, 7);
  plug_engine_call (fixture->engine, "manager", "plugtest-slow", "wait_fifo", fifo_args,
                    NULL, store_result, &results.blocked);
  plug_engine_call (fixture->engine, "manager", "plugtest-slow", "id_int", int_args,
                    NULL, store_result, &results.after);
  g_assert_true (plug_engine_cancel (fixture->engine, "manager", "plugtest-slow",
                                     "wait_fifo", &error));
  g_assert_no_error (error);

  wait_for ((gpointer *) &results.blocked, "the cancelled call");
  node = plug_engine_call_finish (fixture->engine, results.blocked, &error);
  g_assert_null (node);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "[CANCEL] Canceled call wait_fifo from manager");
  g_clear_error (&error);

  close (writer);
  wait_for ((gpointer *) &results.after, "the call after it");
  node = plug_engine_call_finish (fixture->engine, results.after, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_node_get_int (node), ==, 7);

  g_clear_object (&results.blocked);
  g_clear_object (&results.after);
  g_unlink (fifo);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/native/engine/results-are-typed", Fixture, NULL,
              fixture_set_up, test_results_are_typed, fixture_tear_down);
  g_test_add ("/native/engine/bad-argument-error-code", Fixture, NULL,
              fixture_set_up, test_bad_argument_error_code, fixture_tear_down);
  g_test_add ("/native/engine/cancel-answers-at-once", Fixture, NULL,
              fixture_set_up, test_cancel_answers_at_once, fixture_tear_down);

  return g_test_run ();
}
