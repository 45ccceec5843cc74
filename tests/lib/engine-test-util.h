/* engine-test-util.h: in-process plugins and main-loop waits for the
 * engine tests (each test program includes it once)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <plugctl.h>

/* Not every test program uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* Every wait fails the test after this long. */
#define WAIT_LIMIT_MS 5000

static gboolean
wait_limit_reached (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *flag is TRUE. */
static void
wait_for_flag (const gboolean *flag)
{
  gboolean expired = FALSE;
  guint guard = g_timeout_add (WAIT_LIMIT_MS, wait_limit_reached, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("Timed out after %d ms waiting on the main loop", WAIT_LIMIT_MS);
  g_source_remove (guard);
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the main loop run for @ms: for what must NOT happen meanwhile. */
static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  wait_for_flag (&done);
}

static JsonArray *
args_from_json (const char *json)
{
  g_autoptr(JsonNode) node = NULL;

  if (json == NULL)
    return NULL;
  node = json_from_string (json, NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

static char *
node_to_string (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("(none)");
}

/* One call's outcome. */
typedef struct
{
  gboolean done;
  JsonNode *result;
  GError *error;
} Outcome;

static void
outcome_free (Outcome *outcome)
{
  g_clear_pointer (&outcome->result, json_node_unref);
  g_clear_error (&outcome->error);
  g_free (outcome);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Outcome, outcome_free)

static void
on_outcome (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = plug_engine_call_finish (PLUG_ENGINE (source), result, &outcome->error);
  outcome->done = TRUE;
}

static Outcome *
start_call_full (PlugEngine   *engine,
                 const char   *caller,
                 const char   *path,
                 const char   *method,
                 const char   *args_json,
                 GCancellable *cancellable)
{
  Outcome *outcome = g_new0 (Outcome, 1);
  g_autoptr(JsonArray) args = args_from_json (args_json);

  plug_engine_call (engine, caller, path, method, args, cancellable, on_outcome, outcome);
  return outcome;
}

static Outcome *
start_call (PlugEngine *engine,
            const char *caller,
            const char *path,
            const char *method,
            const char *args_json)
{
  return start_call_full (engine, caller, path, method, args_json, NULL);
}

static Outcome *
wait_outcome (Outcome *outcome)
{
  wait_for_flag (&outcome->done);
  return outcome;
}

static Outcome *
call_sync (PlugEngine *engine,
           const char *caller,
           const char *path,
           const char *method,
           const char *args_json)
{
  return wait_outcome (start_call (engine, caller, path, method, args_json));
}

static void
assert_outcome_json (Outcome    *outcome,
                     const char *expected_json)
{
  g_autofree char *text = NULL;

  g_assert_true (outcome->done);
  g_assert_no_error (outcome->error);
  text = node_to_string (outcome->result);
  g_assert_cmpstr (text, ==, expected_json);
}

static void
assert_outcome_error (Outcome    *outcome,
                      gint        code,
                      const char *message)
{
  g_assert_true (outcome->done);
  g_assert_null (outcome->result);
  g_assert_error (outcome->error, PLUG_ERROR, code);
  g_assert_cmpstr (outcome->error->message, ==, message);
}

/* Activation and deactivation, waited for. */

typedef struct
{
  gboolean done;
  gboolean ok;
  GError *error;
} Toggle;

static void
on_activated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Toggle *toggle = user_data;

  toggle->ok = plug_engine_activate_finish (PLUG_ENGINE (source), result, &toggle->error);
  toggle->done = TRUE;
}

static void
on_deactivated (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Toggle *toggle = user_data;

  toggle->ok = plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &toggle->error);
  toggle->done = TRUE;
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Toggle *toggle = user_data;

  toggle->ok = plug_engine_remove_finish (PLUG_ENGINE (source), result, &toggle->error);
  toggle->done = TRUE;
}

static void
activate_sync (PlugEngine *engine,
               const char *name)
{
  Toggle toggle = { 0, };

  plug_engine_activate (engine, name, NULL, on_activated, &toggle);
  wait_for_flag (&toggle.done);
  g_assert_no_error (toggle.error);
  g_assert_true (toggle.ok);
}

static void
deactivate_sync (PlugEngine *engine,
                 const char *name)
{
  Toggle toggle = { 0, };

  plug_engine_deactivate (engine, name, NULL, on_deactivated, &toggle);
  wait_for_flag (&toggle.done);
  g_assert_no_error (toggle.error);
  g_assert_true (toggle.ok);
}

static void
remove_sync (PlugEngine *engine,
             const char *name)
{
  Toggle toggle = { 0, };

  plug_engine_remove (engine, name, NULL, on_removed, &toggle);
  wait_for_flag (&toggle.done);
  g_assert_no_error (toggle.error);
  g_assert_true (toggle.ok);
}

static void
on_state_notify (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  gboolean *inactive = user_data;

  if (plug_plugin_get_state (PLUG_PLUGIN (object)) == PLUG_PLUGIN_STATE_INACTIVE)
    *inactive = TRUE;
}

static void
wait_until_inactive (PlugPlugin *plugin)
{
  gboolean inactive = plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_INACTIVE;
  gulong handler = g_signal_connect (plugin, "notify::state", G_CALLBACK (on_state_notify), &inactive);

  wait_for_flag (&inactive);
  g_signal_handler_disconnect (plugin, handler);
}

/* TestPlugin: a PlugPlugin that counts its lifecycle, can be slow or fail
 * to activate, can replace its methods on activation (as a handshake
 * does), and records every method run as "caller:method". */

typedef struct
{
  PlugPlugin parent_instance;

  guint n_activate;
  guint n_deactivate;
  guint n_cancel_call;
  guint activate_delay_ms;
  GError *activate_error;
  GStrv methods_on_activate;
  GPtrArray *runs;
  GHashTable *run_counts;
} TestPlugin;

typedef struct
{
  PlugPluginClass parent_class;
} TestPluginClass;

GType test_plugin_get_type (void);
G_DEFINE_TYPE (TestPlugin, test_plugin, PLUG_TYPE_PLUGIN)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestPlugin, g_object_unref)

#define TEST_TYPE_PLUGIN (test_plugin_get_type ())
#define TEST_PLUGIN(o) (G_TYPE_CHECK_INSTANCE_CAST ((o), TEST_TYPE_PLUGIN, TestPlugin))

static gboolean
finish_activation (gpointer user_data)
{
  GTask *task = user_data;
  TestPlugin *self = g_task_get_source_object (task);

  if (self->activate_error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->activate_error));
      return G_SOURCE_REMOVE;
    }

  if (self->methods_on_activate != NULL)
    plug_profile_set_methods (plug_plugin_get_profile (PLUG_PLUGIN (self)),
                              (const char * const *) self->methods_on_activate);
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
test_plugin_activate (PlugPlugin          *plugin,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  TestPlugin *self = TEST_PLUGIN (plugin);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->n_activate++;
  g_timeout_add_full (G_PRIORITY_DEFAULT, self->activate_delay_ms,
                      finish_activation, task, g_object_unref);
}

static void
test_plugin_deactivate (PlugPlugin          *plugin,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  TEST_PLUGIN (plugin)->n_deactivate++;
  PLUG_PLUGIN_CLASS (test_plugin_parent_class)->deactivate (plugin, callback, user_data);
}

static void
test_plugin_call_method (PlugPlugin *plugin,
                         PlugCall   *call)
{
  TestPlugin *self = TEST_PLUGIN (plugin);
  const char *method = plug_call_get_method (call);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->run_counts, method));

  g_hash_table_replace (self->run_counts, g_strdup (method), GUINT_TO_POINTER (count + 1));
  g_ptr_array_add (self->runs, g_strdup_printf ("%s:%s", plug_call_get_caller (call), method));
  PLUG_PLUGIN_CLASS (test_plugin_parent_class)->call_method (plugin, call);
}

static void
test_plugin_cancel_call (PlugPlugin *plugin,
                         PlugCall   *call)
{
  g_assert_true (plug_call_is_finished (call));
  g_assert_true (g_cancellable_is_cancelled (plug_call_get_cancellable (call)));
  TEST_PLUGIN (plugin)->n_cancel_call++;
}

static void
test_plugin_finalize (GObject *object)
{
  TestPlugin *self = TEST_PLUGIN (object);

  g_clear_error (&self->activate_error);
  g_clear_pointer (&self->methods_on_activate, g_strfreev);
  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_clear_pointer (&self->run_counts, g_hash_table_unref);

  G_OBJECT_CLASS (test_plugin_parent_class)->finalize (object);
}

static void
test_plugin_class_init (TestPluginClass *klass)
{
  PlugPluginClass *plugin_class = PLUG_PLUGIN_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_plugin_finalize;
  plugin_class->activate = test_plugin_activate;
  plugin_class->deactivate = test_plugin_deactivate;
  plugin_class->call_method = test_plugin_call_method;
  plugin_class->cancel_call = test_plugin_cancel_call;
}

static void
test_plugin_init (TestPlugin *self)
{
  self->runs = g_ptr_array_new_with_free_func (g_free);
  self->run_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static guint
test_plugin_count_runs (TestPlugin *self,
                        const char *method)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->run_counts, method));
}

/* Standard methods (Remix's mock profile). */

static void
return_true (PlugCall *call)
{
  g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

  plug_call_return_value (call, yes);
}

static void
method_mock (PlugCall *call,
             gpointer  user_data)
{
  return_true (call);
}

static void
method_echo (PlugCall *call,
             gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);

  plug_call_return_value (call, json_array_get_length (args) > 0
                                ? json_array_get_element (args, 0) : NULL);
}

static void
method_failing (PlugCall *call,
                gpointer  user_data)
{
  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, "fail");
}

/* A call answered from a timer: args[0] is the delay in ms (default
 * 1000); it answers true, or fails "late fail" when @fail. */
typedef struct
{
  PlugCall *call;
  gboolean fail;
  gboolean *answered_flag;
} Slow;

static gboolean
slow_answer (gpointer user_data)
{
  Slow *slow = user_data;

  if (slow->fail)
    plug_call_return_error_literal (slow->call, PLUG_ERROR_FAILED, "late fail");
  else
    return_true (slow->call);
  if (slow->answered_flag != NULL)
    *slow->answered_flag = TRUE;

  g_object_unref (slow->call);
  g_free (slow);
  return G_SOURCE_REMOVE;
}

static void
start_slow (PlugCall *call,
            gboolean  fail,
            gboolean *answered_flag)
{
  Slow *slow = g_new0 (Slow, 1);
  gint64 delay = 1000;
  JsonArray *args = plug_call_get_args (call);

  if (json_array_get_length (args) > 0)
    delay = json_array_get_int_element (args, 0);

  slow->call = g_object_ref (call);
  slow->fail = fail;
  slow->answered_flag = answered_flag;
  g_timeout_add ((guint) delay, slow_answer, slow);
}

static void
method_slow (PlugCall *call,
             gpointer  user_data)
{
  start_slow (call, FALSE, user_data);
}

static void
method_late_fail (PlugCall *call,
                  gpointer  user_data)
{
  start_slow (call, TRUE, user_data);
}

/* A registered TestPlugin named @name with the mock methods; @timeout_ms
 * (0: default) is its call timeout. */
static TestPlugin *
add_test_plugin (PlugEngine *engine,
                 const char *name,
                 guint       timeout_ms)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (name);
  g_autoptr(GError) error = NULL;
  TestPlugin *plugin;

  if (timeout_ms > 0)
    plug_profile_set_call_timeout (profile, timeout_ms);
  plugin = g_object_new (TEST_TYPE_PLUGIN, "profile", profile, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (plugin), "mockMethod", method_mock, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (plugin), "slowMockMethod", method_slow, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (plugin), "slowMockMethodTwo", method_slow, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (plugin), "failingMockMethod", method_failing, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (plugin), "echo", method_echo, NULL, NULL);

  g_assert_true (plug_engine_register (engine, PLUG_PLUGIN (plugin), &error));
  g_assert_no_error (error);
  g_object_unref (plugin);  /* the engine holds it */
  return plugin;
}

/* A registered, active plain plugin with no methods (a caller). */
static PlugPlugin *
add_caller (PlugEngine *engine,
            const char *name)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (name);
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_engine_register (engine, plugin, &error));
  g_assert_no_error (error);
  activate_sync (engine, name);
  return plugin;
}

/* Tests where warnings are expected but not the point. */
static gboolean
ignore_warnings (const char     *log_domain,
                 GLogLevelFlags  log_level,
                 const char     *message,
                 gpointer        user_data)
{
  return (log_level & G_LOG_LEVEL_MASK) < G_LOG_LEVEL_WARNING;
}
