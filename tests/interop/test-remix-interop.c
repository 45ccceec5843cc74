/* test-remix-interop.c: the real Remix client library under plugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tests/interop/plugin/remix-plugin.js is written with the unmodified
 * @remixproject/plugin 0.3.44 (installed by `npm ci --prefix tests/interop`)
 * and runs as a child-process plugin of an in-process engine, next to the
 * bundled C `echo` plugin. An in-process plugin "test" calls it.
 */
#include "config.h"

#include <plugctl.h>

#define WAIT_TIMEOUT_SECONDS 20

typedef struct
{
  PlugEngine *engine;
} Fixture;

typedef struct
{
  gboolean    done;
  JsonNode   *result;
  GError     *error;
  /* How many `relayed` events had arrived when the call finished. */
  guint       events_before_result;
} CallResult;

typedef struct
{
  guint       count;
  JsonNode   *last_args;
} EventLog;

static const char *
required_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run this test with `meson test`", name);

  return value;
}

static char *
interop_dir (void)
{
  return g_build_filename (required_env ("PLUGCTL_TESTS_SRCDIR"), "interop", NULL);
}

/* Returns FALSE, and skips the test, when the Remix client or Node.js is
 * not there. */
static gboolean
check_prerequisites (void)
{
  g_autofree char *dir = interop_dir ();
  g_autofree char *package = g_build_filename (dir, "node_modules", "@remixproject",
                                               "plugin", "package.json", NULL);
  g_autofree char *node = g_find_program_in_path ("node");

  if (!g_file_test (package, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("@remixproject/plugin is not installed: run `npm ci --prefix tests/interop`");
      return FALSE;
    }

  if (node == NULL)
    {
      g_test_skip ("node is not in PATH");
      return FALSE;
    }

  return TRUE;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@flag is set, failing the test after
 * WAIT_TIMEOUT_SECONDS. */
static void
wait_for (gboolean   *flag,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_SECONDS, on_wait_timeout, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);
  else
    g_error ("Timed out waiting for %s", what);
}

static void
on_engine_op_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CallResult *call = user_data;

  if (g_async_result_is_tagged (result, plug_engine_activate))
    plug_engine_activate_finish (PLUG_ENGINE (source), result, &call->error);
  else
    plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &call->error);
  call->done = TRUE;
}

static void
activate (PlugEngine *engine,
          const char *name)
{
  CallResult op = { 0 };

  plug_engine_activate (engine, name, NULL, on_engine_op_done, &op);
  wait_for (&op.done, "an activation");
  g_assert_no_error (op.error);
}

static void
deactivate (PlugEngine *engine,
            const char *name)
{
  CallResult op = { 0 };

  plug_engine_deactivate (engine, name, NULL, on_engine_op_done, &op);
  wait_for (&op.done, "a deactivation");
  g_assert_no_error (op.error);
}

static void
register_profiles (PlugEngine *engine)
{
  g_autofree char *plugin_dir = g_build_filename (required_env ("PLUGCTL_TESTS_SRCDIR"),
                                                  "interop", "plugin", NULL);
  const char *dirs[] = { required_env ("PLUGCTL_PLUGINS_BUILDDIR"), plugin_dir, NULL };
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  guint registered = 0;

  profiles = plug_profile_load_dirs (dirs, &errors);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_error ("Manifest error: %s", ((GError *) g_ptr_array_index (errors, i))->message);

  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);
      const char *name = plug_profile_get_name (profile);
      g_autoptr(GError) error = NULL;

      if (!g_str_equal (name, "echo") && !g_str_equal (name, "remix-plugin"))
        continue;

      g_assert_nonnull (plug_engine_register_profile (engine, profile, &error));
      g_assert_no_error (error);
      registered++;
    }

  g_assert_cmpuint (registered, ==, 2);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PlugProfile) test_profile = NULL;
  g_autoptr(PlugPlugin) test_plugin = NULL;
  g_auto(GStrv) connector_dirs = NULL;
  g_autoptr(GError) error = NULL;

  if (!check_prerequisites ())
    return;

  connector_dirs = plug_connector_module_search_path (NULL);
  plug_connector_module_load_dirs ((const char * const *) connector_dirs);

  fixture->engine = plug_engine_new ();
  register_profiles (fixture->engine);

  test_profile = plug_profile_new ("test");
  test_plugin = plug_plugin_new (test_profile);
  g_assert_true (plug_engine_register (fixture->engine, test_plugin, &error));
  g_assert_no_error (error);
  activate (fixture->engine, "test");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->engine == NULL)
    return;

  deactivate (fixture->engine, "remix-plugin");
  deactivate (fixture->engine, "echo");
  g_clear_object (&fixture->engine);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallResult *call = user_data;

  call->result = plug_engine_call_finish (PLUG_ENGINE (source), result, &call->error);
  call->done = TRUE;
}

static void
call_result_clear (CallResult *call)
{
  g_clear_pointer (&call->result, json_node_unref);
  g_clear_error (&call->error);
}

/* Calls @method of remix-plugin from "test" and waits for the answer. */
static void
call_remix (Fixture    *fixture,
            const char *method,
            JsonArray  *args,
            CallResult *call)
{
  plug_engine_call (fixture->engine, "test", "remix-plugin", method, args,
                    NULL, on_call_done, call);
  wait_for (&call->done, method);
}

static JsonArray *
string_args (const char *value)
{
  JsonArray *args = json_array_new ();

  json_array_add_string_element (args, value);

  return args;
}

static void
test_interop_method_returns_value (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(JsonArray) args = NULL;
  CallResult call = { 0 };

  if (fixture->engine == NULL)
    return;

  args = string_args ("world");
  call_remix (fixture, "hello", args, &call);

  g_assert_no_error (call.error);
  g_assert_cmpstr (json_node_get_string (call.result), ==, "Hello world!");
  call_result_clear (&call);
}

static void
test_interop_method_with_numbers (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  CallResult call = { 0 };

  if (fixture->engine == NULL)
    return;

  json_array_add_int_element (args, 2);
  json_array_add_int_element (args, 40);
  call_remix (fixture, "add", args, &call);

  g_assert_no_error (call.error);
  g_assert_cmpint (json_node_get_int (call.result), ==, 42);
  call_result_clear (&call);
}

static void
test_interop_thrown_error_is_bare_text (Fixture       *fixture,
                                        gconstpointer  data)
{
  CallResult call = { 0 };

  if (fixture->engine == NULL)
    return;

  call_remix (fixture, "boom", NULL, &call);

  g_assert_error (call.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (call.error->message, ==, "boom");
  g_assert_null (call.result);
  call_result_clear (&call);
}

static void
test_interop_unimplemented_method (Fixture       *fixture,
                                   gconstpointer  data)
{
  CallResult call = { 0 };

  if (fixture->engine == NULL)
    return;

  call_remix (fixture, "missing", NULL, &call);

  g_assert_error (call.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (call.error->message, ==, "Method missing doesn't exist on plugin remix-plugin");
  call_result_clear (&call);
}

static void
on_relayed (const char *emitter,
            const char *event,
            JsonArray  *args,
            gpointer    user_data)
{
  EventLog *log = user_data;

  g_assert_cmpstr (emitter, ==, "remix-plugin");
  g_assert_cmpstr (event, ==, "relayed");
  g_clear_pointer (&log->last_args, json_node_unref);
  log->last_args = json_node_init_array (json_node_alloc (), args);
  log->count++;
}

static void
on_relay_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CallResult *call = user_data;
  EventLog *log = g_object_get_data (source, "relayed-log");

  call->events_before_result = log->count;
  on_call_done (source, result, user_data);
}

static void
test_interop_call_through_engine_and_event (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(GError) error = NULL;
  EventLog log = { 0 };
  CallResult call = { 0 };
  JsonArray *event_args;

  if (fixture->engine == NULL)
    return;

  g_assert_true (plug_engine_on (fixture->engine, "test", "remix-plugin", "relayed",
                                 on_relayed, &log, NULL, &error));
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (fixture->engine), "relayed-log", &log);

  args = string_args ("x");
  plug_engine_call (fixture->engine, "test", "remix-plugin", "relay", args,
                    NULL, on_relay_done, &call);
  wait_for (&call.done, "relay");

  /* The plugin's call into `echo` came back with its value. */
  g_assert_no_error (call.error);
  g_assert_cmpstr (json_node_get_string (call.result), ==, "x");

  /* Its event, emitted before it answered, was delivered first. */
  g_assert_cmpuint (call.events_before_result, ==, 1);
  g_assert_cmpuint (log.count, ==, 1);
  event_args = json_node_get_array (log.last_args);
  g_assert_cmpuint (json_array_get_length (event_args), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (event_args, 0), ==, "x");

  plug_engine_off (fixture->engine, "test", "remix-plugin", "relayed");
  g_object_set_data (G_OBJECT (fixture->engine), "relayed-log", NULL);
  g_clear_pointer (&log.last_args, json_node_unref);
  call_result_clear (&call);
}

static void
test_interop_failed_call_has_ide_prefix (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(JsonArray) args = NULL;
  CallResult call = { 0 };

  if (fixture->engine == NULL)
    return;

  /* echo.fail answers "nope"; the Remix client (npm 0.3.44) rejects the
   * plugin's own call with "Error from IDE : nope", and the plugin's
   * method passes that on unchanged (PROTOCOL.md §1). */
  args = string_args ("nope");
  call_remix (fixture, "relayFail", args, &call);

  g_assert_error (call.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (call.error->message, ==, "Error from IDE : nope");
  call_result_clear (&call);
}

static void
test_interop_handshake_sets_methods (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(JsonArray) args = NULL;
  g_autofree char *joined = NULL;
  const char * const *methods;
  CallResult call = { 0 };
  PlugPlugin *plugin;

  if (fixture->engine == NULL)
    return;

  args = string_args ("again");
  call_remix (fixture, "hello", args, &call);
  g_assert_no_error (call.error);
  call_result_clear (&call);

  g_assert_true (plug_engine_is_active (fixture->engine, "remix-plugin"));
  plugin = plug_engine_get_plugin (fixture->engine, "remix-plugin");
  methods = plug_profile_get_methods (plug_plugin_get_profile (plugin));
  g_assert_nonnull (methods);
  joined = g_strjoinv (",", (char **) methods);
  g_assert_cmpstr (joined, ==, "hello,add,boom,relay,relayFail,missing");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/interop/remix/method-returns-value", test_interop_method_returns_value);
  ADD ("/interop/remix/method-with-numbers", test_interop_method_with_numbers);
  ADD ("/interop/remix/thrown-error-is-bare-text", test_interop_thrown_error_is_bare_text);
  ADD ("/interop/remix/unimplemented-method-error", test_interop_unimplemented_method);
  ADD ("/interop/remix/call-through-engine-and-event", test_interop_call_through_engine_and_event);
  ADD ("/interop/remix/failed-call-has-ide-prefix", test_interop_failed_call_has_ide_prefix);
  ADD ("/interop/remix/handshake-sets-methods", test_interop_handshake_sets_methods);

#undef ADD

  return g_test_run ();
}
