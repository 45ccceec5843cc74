/* test-engine.c: registration, activation, calls, cancel, faults
 * (Remix engine.spec.ts, §9.3, and the fixes PROTOCOL.md asks for)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "engine-test-util.h"

typedef struct
{
  PlugEngine *engine;
  TestPlugin *solidity;
  TestPlugin *file_manager;
  guint n_profile_added;
  guint n_activated;
  guint n_deactivated;
  GPtrArray *compiled;  /* args of each compile call */
} Fixture;

static void
method_compile (PlugCall *call,
                gpointer  user_data)
{
  Fixture *fixture = user_data;
  const char *file;

  if (!plug_call_get_arg_string (call, 0, &file))
    return;
  g_ptr_array_add (fixture->compiled, g_strdup (file));
  plug_call_return_value (call, NULL);
}

static void
method_switch_file (PlugCall *call,
                    gpointer  user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_plugin_emit (PLUG_PLUGIN (fixture->file_manager), "currentFileChanged",
                                   plug_call_get_args (call), &error));
  g_assert_no_error (error);
  plug_call_return_value (call, NULL);
}

static void
count_signal (PlugManager *manager,
              PlugProfile *profile,
              guint       *counter)
{
  g_assert_true (PLUG_IS_PROFILE (profile));
  (*counter)++;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PlugProfile) solidity_profile = plug_profile_new ("solidity");
  g_autoptr(PlugProfile) file_manager_profile = plug_profile_new ("fileManager");
  PlugManager *manager;

  fixture->engine = plug_engine_new ();
  fixture->compiled = g_ptr_array_new_with_free_func (g_free);
  manager = plug_engine_get_manager (fixture->engine);
  g_signal_connect (manager, "profile-added", G_CALLBACK (count_signal), &fixture->n_profile_added);
  g_signal_connect (manager, "plugin-activated", G_CALLBACK (count_signal), &fixture->n_activated);
  g_signal_connect (manager, "plugin-deactivated", G_CALLBACK (count_signal), &fixture->n_deactivated);

  fixture->solidity = g_object_new (TEST_TYPE_PLUGIN, "profile", solidity_profile, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "slowMockMethod", method_slow, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "compile", method_compile, fixture, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "getCompilationResult", method_mock, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "compileWithParameters", method_mock, NULL, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "setCompilerConfig", method_mock, NULL, NULL);

  fixture->file_manager = g_object_new (TEST_TYPE_PLUGIN, "profile", file_manager_profile, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->file_manager), "switchFile", method_switch_file, fixture, NULL);
  plug_plugin_add_method (PLUG_PLUGIN (fixture->file_manager), "getFile", method_echo, NULL, NULL);

  g_assert_true (plug_engine_register (fixture->engine, PLUG_PLUGIN (fixture->solidity), NULL));
  g_assert_true (plug_engine_register (fixture->engine, PLUG_PLUGIN (fixture->file_manager), NULL));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->engine);
  g_clear_object (&fixture->solidity);
  g_clear_object (&fixture->file_manager);
  g_clear_pointer (&fixture->compiled, g_ptr_array_unref);
}

#define ADD(path, func) \
  g_test_add ("/engine/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* Registration (§9.3 1–4) */

static void
test_register_manager_is_registered_and_active (void)
{
  g_autoptr(PlugEngine) engine = plug_engine_new ();
  PlugManager *manager = plug_engine_get_manager (engine);

  g_assert_true (plug_engine_is_registered (engine, "manager"));
  g_assert_true (plug_engine_is_active (engine, "manager"));
  g_assert_true (plug_engine_get_plugin (engine, "manager") == PLUG_PLUGIN (manager));
  g_assert_true (plug_plugin_get_engine (PLUG_PLUGIN (manager)) == engine);
}

static void
test_register_emits_profile_added (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("third");
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);

  g_assert_true (plug_engine_register (fixture->engine, plugin, NULL));
  g_assert_cmpuint (fixture->n_profile_added, ==, 3);
  g_assert_true (plug_plugin_get_engine (PLUG_PLUGIN (fixture->solidity)) == fixture->engine);
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 0);
}

static void
test_register_duplicate_fails (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("solidity");
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);
  g_autoptr(GError) error = NULL;

  g_assert_false (plug_engine_register (fixture->engine, plugin, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED);
  g_assert_cmpstr (error->message, ==, "Plugin solidity is already registered.");
}

static void
test_register_list_sorted (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) plugins = plug_engine_list_plugins (fixture->engine);

  g_assert_cmpuint (plugins->len, ==, 3);
  g_assert_cmpstr (plug_plugin_get_name (g_ptr_array_index (plugins, 0)), ==, "fileManager");
  g_assert_cmpstr (plug_plugin_get_name (g_ptr_array_index (plugins, 1)), ==, "manager");
  g_assert_cmpstr (plug_plugin_get_name (g_ptr_array_index (plugins, 2)), ==, "solidity");
}

/* Manager (§9.3 5–7) */

static void
test_activate_through_manager (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Outcome) manager = call_sync (fixture->engine, "manager", "manager", "activatePlugin", "[\"manager\"]");
  g_autoptr(Outcome) solidity = call_sync (fixture->engine, "manager", "manager", "activatePlugin", "[\"solidity\"]");
  g_autoptr(Outcome) active = call_sync (fixture->engine, "manager", "manager", "isActive", "[\"solidity\"]");

  assert_outcome_json (manager, "null");
  assert_outcome_json (solidity, "null");
  assert_outcome_json (active, "true");
  g_assert_cmpuint (fixture->n_activated, ==, 1);
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 1);
}

static void
test_deactivate_through_manager (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;
  g_autoptr(Outcome) active = NULL;

  activate_sync (fixture->engine, "solidity");
  outcome = call_sync (fixture->engine, "manager", "manager", "deactivatePlugin", "[\"solidity\"]");
  active = call_sync (fixture->engine, "manager", "manager", "isActive", "[\"solidity\"]");

  assert_outcome_json (outcome, "null");
  assert_outcome_json (active, "false");
  g_assert_cmpuint (fixture->n_deactivated, ==, 1);
  g_assert_cmpuint (fixture->solidity->n_deactivate, ==, 1);
}

static void
test_activate_deactivate_idempotent (Fixture       *fixture,
                                     gconstpointer  data)
{
  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "solidity");
  deactivate_sync (fixture->engine, "solidity");
  deactivate_sync (fixture->engine, "solidity");

  g_assert_cmpuint (fixture->solidity->n_activate, ==, 1);
  g_assert_cmpuint (fixture->solidity->n_deactivate, ==, 1);
  g_assert_cmpuint (fixture->n_activated, ==, 1);
  g_assert_cmpuint (fixture->n_deactivated, ==, 1);
}

static void
test_activate_concurrent_share_one (Fixture       *fixture,
                                    gconstpointer  data)
{
  Toggle one = { 0, }, two = { 0, };

  fixture->solidity->activate_delay_ms = 20;
  plug_engine_activate (fixture->engine, "solidity", NULL, on_activated, &one);
  plug_engine_activate (fixture->engine, "solidity", NULL, on_activated, &two);
  g_assert_cmpint (plug_plugin_get_state (PLUG_PLUGIN (fixture->solidity)), ==,
                   PLUG_PLUGIN_STATE_ACTIVATING);
  wait_for_flag (&one.done);
  wait_for_flag (&two.done);

  g_assert_true (one.ok && two.ok);
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 1);
  g_assert_cmpuint (fixture->n_activated, ==, 1);
}

static void
test_activate_unknown_fails (Fixture       *fixture,
                             gconstpointer  data)
{
  Toggle toggle = { 0, };

  plug_engine_activate (fixture->engine, "nope", NULL, on_activated, &toggle);
  wait_for_flag (&toggle.done);
  g_assert_error (toggle.error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);
  g_assert_cmpstr (toggle.error->message, ==, "Cannot active plugin nope because it's not registered yet");
  g_clear_error (&toggle.error);
}

/* Events through plugins (§9.3 8–10, 20–22) */

static void
count_event (const char *emitter,
             const char *event,
             JsonArray  *args,
             gpointer    user_data)
{
  GPtrArray *seen = user_data;

  g_assert_cmpstr (emitter, ==, "fileManager");
  g_assert_cmpstr (event, ==, "currentFileChanged");
  g_ptr_array_add (seen, g_strdup (json_array_get_string_element (args, 0)));
}

static void
switch_file (Fixture    *fixture,
             const char *file)
{
  g_autofree char *args = g_strdup_printf ("[\"%s\"]", file);
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "manager", "fileManager", "switchFile", args);

  assert_outcome_json (outcome, "null");
}

static void
test_events_on_receives_every_emit (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "fileManager");
  g_assert_true (plug_plugin_on (PLUG_PLUGIN (fixture->solidity), "fileManager", "currentFileChanged",
                                 count_event, seen, NULL, &error));
  g_assert_no_error (error);
  switch_file (fixture, "newFile");
  switch_file (fixture, "ballot.sol");

  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "newFile");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "ballot.sol");
}

static void
test_events_once_receives_one (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "fileManager");
  g_assert_true (plug_plugin_once (PLUG_PLUGIN (fixture->solidity), "fileManager", "currentFileChanged",
                                   count_event, seen, NULL, NULL));
  switch_file (fixture, "a.sol");
  switch_file (fixture, "b.sol");

  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "a.sol");
}

static void
test_events_off_after_first (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "fileManager");
  g_assert_true (plug_plugin_on (PLUG_PLUGIN (fixture->solidity), "fileManager", "currentFileChanged",
                                 count_event, seen, NULL, NULL));
  switch_file (fixture, "a.sol");
  plug_plugin_off (PLUG_PLUGIN (fixture->solidity), "fileManager", "currentFileChanged");
  switch_file (fixture, "b.sol");

  g_assert_cmpuint (seen->len, ==, 1);
}

/* Plugin interaction (§9.3 11–19) */

static void
test_call_compile_once (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "fileManager", "solidity", "compile", "[\"ballot.sol\"]");
  assert_outcome_json (outcome, "null");
  g_assert_cmpuint (fixture->compiled->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->compiled, 0), ==, "ballot.sol");
}

static gboolean
cancel_slow (gpointer user_data)
{
  PlugEngine *engine = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_engine_cancel (engine, "fileManager", "solidity", "slowMockMethod", &error));
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_running_slow_call (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "fileManager");
  activate_sync (fixture->engine, "solidity");
  outcome = start_call (fixture->engine, "fileManager", "solidity", "slowMockMethod", "[500]");
  g_timeout_add (25, cancel_slow, fixture->engine);
  wait_outcome (outcome);
  assert_outcome_error (outcome, PLUG_ERROR_CANCELLED,
                        "[CANCEL] Canceled call slowMockMethod from fileManager");
}

static void
assert_cancel_error (Fixture    *fixture,
                     const char *caller,
                     const char *target,
                     const char *method,
                     gint        code,
                     const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (plug_engine_cancel (fixture->engine, caller, target, method, &error));
  g_assert_error (error, PLUG_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_cancel_inactive_target (Fixture       *fixture,
                             gconstpointer  data)
{
  activate_sync (fixture->engine, "fileManager");
  assert_cancel_error (fixture, "fileManager", "solidity", "slowMockMethod", PLUG_ERROR_NOT_ACTIVATED,
                       "fileManager cannot cancel slowMockMethod of solidity, because solidity is not activated");
}

static void
test_cancel_not_exposed (Fixture       *fixture,
                         gconstpointer  data)
{
  activate_sync (fixture->engine, "fileManager");
  activate_sync (fixture->engine, "solidity");
  assert_cancel_error (fixture, "fileManager", "solidity", "unknownMethod", PLUG_ERROR_NOT_EXPOSED,
                       "Cannot cancel \"unknownMethod\" of \"solidity\" from \"fileManager\", because "
                       "\"unknownMethod\" is not exposed. Here is the list of exposed methods: "
                       "\"slowMockMethod\",\"compile\",\"getCompilationResult\",\"compileWithParameters\","
                       "\"setCompilerConfig\",\"canDeactivate\"");
}

static void
test_cancel_all_inactive_target (Fixture       *fixture,
                                 gconstpointer  data)
{
  activate_sync (fixture->engine, "fileManager");
  assert_cancel_error (fixture, "fileManager", "solidity", "", PLUG_ERROR_NOT_ACTIVATED,
                       "fileManager cannot cancel calls onsolidity, because solidity is not activated");
  assert_cancel_error (fixture, "fileManager", "solidity", NULL, PLUG_ERROR_NOT_ACTIVATED,
                       "fileManager cannot cancel calls onsolidity, because solidity is not activated");
}

static void
test_cancel_unknown_target (Fixture       *fixture,
                            gconstpointer  data)
{
  activate_sync (fixture->engine, "fileManager");
  assert_cancel_error (fixture, "fileManager", "nope", "run", PLUG_ERROR_NOT_REGISTERED,
                       "Cannot cancel run on nope from fileManager, because nope is not registered");
}

static void
test_call_caller_is_set_by_engine (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "fileManager");
  one = call_sync (fixture->engine, "manager", "solidity", "getCompilationResult", NULL);
  two = call_sync (fixture->engine, "fileManager", "solidity", "getCompilationResult", NULL);

  assert_outcome_json (one, "true");
  assert_outcome_json (two, "true");
  g_assert_cmpuint (fixture->solidity->runs->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->solidity->runs, 0), ==, "manager:getCompilationResult");
  g_assert_cmpstr (g_ptr_array_index (fixture->solidity->runs, 1), ==, "fileManager:getCompilationResult");
}

static void
test_plugin_activates_another (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "solidity");
  outcome = call_sync (fixture->engine, "solidity", "manager", "activatePlugin", "[\"fileManager\"]");
  assert_outcome_json (outcome, "null");
  g_assert_true (plug_engine_is_active (fixture->engine, "fileManager"));
}

static void
test_plugin_cannot_deactivate_another (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "solidity", "manager", "deactivatePlugin", "[\"fileManager\"]");
  assert_outcome_error (outcome, PLUG_ERROR_PERMISSION_DENIED,
                        "Plugin solidity has no right to deactivate plugin fileManager");
  g_assert_true (plug_engine_is_active (fixture->engine, "fileManager"));
}

static void
test_plugin_deactivates_another_with_policy (Fixture       *fixture,
                                             gconstpointer  data)
{
  PlugManager *manager = plug_engine_get_manager (fixture->engine);
  g_autoptr(Outcome) outcome = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_manager_load_policy_from_data (manager,
      "{\"rules\":[{\"action\":\"deactivate\",\"from\":\"solidity\",\"to\":\"*\",\"allow\":true}]}",
      -1, &error));
  g_assert_no_error (error);
  activate_sync (fixture->engine, "solidity");
  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "solidity", "manager", "deactivatePlugin", "[\"fileManager\"]");
  assert_outcome_json (outcome, "null");
  g_assert_false (plug_engine_is_active (fixture->engine, "fileManager"));
  /* It was asked, by the manager, whether it agrees. */
  g_assert_cmpuint (test_plugin_count_runs (fixture->file_manager, "canDeactivate"), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->file_manager->runs, 0), ==, "manager:canDeactivate");
}

/* The call algorithm (PROTOCOL.md §3) */

static void
test_call_target_not_registered (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "fileManager", "nope.sub", "run", NULL);
  assert_outcome_error (outcome, PLUG_ERROR_NOT_REGISTERED,
                        "Cannot call nope from fileManager, because nope is not registered");
}

static void
test_call_caller_inactive (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "fileManager", "solidity", "compile", NULL);

  assert_outcome_error (outcome, PLUG_ERROR_NOT_ACTIVATED,
                        "Plugin \"fileManager\" is currently deactivated. It cannot call method "
                        "compile of plugin solidity. Activate \"fileManager\" first.");
  g_assert_false (plug_engine_is_active (fixture->engine, "solidity"));
}

static void
on_plugin_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->result = plug_plugin_call_finish (PLUG_PLUGIN (source), result, &outcome->error);
  outcome->done = TRUE;
}

static void
test_call_caller_unregistered_plugin (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("loner");
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);
  g_autoptr(Outcome) outcome = g_new0 (Outcome, 1);
  g_autoptr(GError) error = NULL;

  plug_plugin_call (plugin, "solidity", "compile", NULL, NULL, on_plugin_call_done, outcome);
  wait_outcome (outcome);
  assert_outcome_error (outcome, PLUG_ERROR_NOT_REGISTERED,
                        "Cannot use method \"call\" from plugin \"loner\". "
                        "It is not registered in the engine yet.");

  g_assert_false (plug_plugin_emit (plugin, "ev", NULL, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);
  g_assert_cmpstr (error->message, ==,
                   "Cannot use method \"emit\" from plugin \"loner\". "
                   "It is not registered in the engine yet.");
}

/* plug_plugin_call goes through the engine with the plugin as caller. */
static void
test_call_from_plugin_api (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(Outcome) outcome = g_new0 (Outcome, 1);
  g_autoptr(JsonArray) args = args_from_json ("[\"p.sol\"]");

  activate_sync (fixture->engine, "fileManager");
  plug_plugin_call (PLUG_PLUGIN (fixture->file_manager), "solidity", "compile", args, NULL,
                    on_plugin_call_done, outcome);
  wait_outcome (outcome);
  assert_outcome_json (outcome, "null");
  g_assert_cmpstr (g_ptr_array_index (fixture->solidity->runs, 0), ==, "fileManager:compile");
}

static void
test_call_inactive_target_activates (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "fileManager");
  fixture->solidity->activate_delay_ms = 10;
  outcome = call_sync (fixture->engine, "fileManager", "solidity", "compile", "[\"x.sol\"]");
  assert_outcome_json (outcome, "null");
  g_assert_true (plug_engine_is_active (fixture->engine, "solidity"));
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 1);
  g_assert_cmpuint (fixture->n_activated, ==, 2);
}

static void
test_call_auto_activation_denied (Fixture       *fixture,
                                  gconstpointer  data)
{
  PlugManager *manager = plug_engine_get_manager (fixture->engine);
  g_autoptr(Outcome) outcome = NULL;

  g_assert_true (plug_manager_load_policy_from_data (manager,
      "{\"rules\":[{\"action\":\"activate\",\"to\":\"solidity\",\"allow\":false}]}", -1, NULL));
  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "fileManager", "solidity", "compile", NULL);
  assert_outcome_error (outcome, PLUG_ERROR_NOT_ACTIVATED,
                        "fileManager cannot call compile of solidity, because solidity is not activated yet");
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 0);
}

static void
test_call_not_exposed (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "solidity");
  outcome = call_sync (fixture->engine, "solidity", "fileManager", "setFile", NULL);
  assert_outcome_error (outcome, PLUG_ERROR_NOT_EXPOSED,
                        "Cannot call method \"setFile\" of \"fileManager\" from \"solidity\", because "
                        "\"setFile\" is not exposed. Here is the list of exposed methods: "
                        "\"switchFile\",\"getFile\",\"canDeactivate\"");
}

/* A handshake replaces the methods during activation: the check uses
 * the profile as it is once the target is active. */
static void
test_call_exposure_checked_after_activation (Fixture       *fixture,
                                             gconstpointer  data)
{
  const char * const handshake[] = { "getFile", NULL };
  g_autoptr(Outcome) gone = NULL;
  g_autoptr(Outcome) kept = NULL;

  activate_sync (fixture->engine, "solidity");
  fixture->file_manager->methods_on_activate = g_strdupv ((GStrv) handshake);
  fixture->file_manager->activate_delay_ms = 10;
  gone = start_call (fixture->engine, "solidity", "fileManager", "switchFile", "[\"a\"]");
  kept = start_call (fixture->engine, "solidity", "fileManager", "getFile", "[\"a\"]");
  wait_outcome (gone);
  wait_outcome (kept);

  assert_outcome_error (gone, PLUG_ERROR_NOT_EXPOSED,
                        "Cannot call method \"switchFile\" of \"fileManager\" from \"solidity\", because "
                        "\"switchFile\" is not exposed. Here is the list of exposed methods: "
                        "\"getFile\",\"canDeactivate\"");
  assert_outcome_json (kept, "\"a\"");
  g_assert_cmpuint (test_plugin_count_runs (fixture->file_manager, "switchFile"), ==, 0);
}

static void
test_call_can_deactivate_default_true (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "solidity");
  outcome = call_sync (fixture->engine, "solidity", "fileManager", "canDeactivate", "[null]");
  assert_outcome_json (outcome, "true");
}

static void
test_call_policy_denies (Fixture       *fixture,
                         gconstpointer  data)
{
  PlugManager *manager = plug_engine_get_manager (fixture->engine);
  g_autoptr(Outcome) denied = NULL;
  g_autoptr(Outcome) allowed = NULL;

  g_assert_true (plug_manager_load_policy_from_data (manager,
      "{\"rules\":[{\"action\":\"call\",\"from\":\"sol*\",\"to\":\"fileManager\",\"method\":\"switch*\","
      "\"allow\":false}]}", -1, NULL));
  activate_sync (fixture->engine, "solidity");
  denied = call_sync (fixture->engine, "solidity", "fileManager", "switchFile", "[\"a\"]");
  allowed = call_sync (fixture->engine, "solidity", "fileManager", "getFile", "[\"a\"]");

  assert_outcome_error (denied, PLUG_ERROR_PERMISSION_DENIED,
                        "Plugin solidity has no right to call method switchFile of plugin fileManager"
                        " (denied by policy, rule 1)");
  assert_outcome_json (allowed, "\"a\"");
}

static void
test_call_service_path (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  /* cmd.git + fetch runs the method "git.fetch"; the flat list has fetch. */
  plug_plugin_add_method (PLUG_PLUGIN (fixture->solidity), "git.fetch", method_echo, NULL, NULL);
  plug_profile_set_methods (plug_plugin_get_profile (PLUG_PLUGIN (fixture->solidity)),
                            (const char * const[]) { "fetch", NULL });
  activate_sync (fixture->engine, "fileManager");
  outcome = call_sync (fixture->engine, "fileManager", "solidity.git", "fetch", "[7]");
  assert_outcome_json (outcome, "7");
}

static void
test_call_waits_for_activation_in_order (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "fileManager");
  fixture->solidity->activate_delay_ms = 20;
  one = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"1.sol\"]");
  two = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"2.sol\"]");
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_json (one, "null");
  assert_outcome_json (two, "null");
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 1);
  g_assert_cmpuint (fixture->compiled->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fixture->compiled, 0), ==, "1.sol");
  g_assert_cmpstr (g_ptr_array_index (fixture->compiled, 1), ==, "2.sol");
}

static void
test_call_activation_failure_fails_calls (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autoptr(Outcome) one = NULL;
  g_autoptr(Outcome) two = NULL;

  activate_sync (fixture->engine, "fileManager");
  fixture->solidity->activate_delay_ms = 10;
  fixture->solidity->activate_error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_START_TIMEOUT,
                                                           "solidity did not start");
  one = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"1.sol\"]");
  two = start_call (fixture->engine, "fileManager", "solidity", "slowMockMethod", "[1]");
  wait_outcome (one);
  wait_outcome (two);

  assert_outcome_error (one, PLUG_ERROR_START_TIMEOUT, "solidity did not start");
  assert_outcome_error (two, PLUG_ERROR_START_TIMEOUT, "solidity did not start");
  g_assert_false (plug_engine_is_active (fixture->engine, "solidity"));
  g_assert_cmpuint (fixture->n_activated, ==, 1);
}

/* Deactivation and loss (PROTOCOL.md §6) */

static void
test_deactivate_fails_pending_calls (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(Outcome) running = NULL;
  g_autoptr(Outcome) queued = NULL;
  g_autoptr(Outcome) later = NULL;

  activate_sync (fixture->engine, "fileManager");
  activate_sync (fixture->engine, "solidity");
  running = start_call (fixture->engine, "fileManager", "solidity", "slowMockMethod", "[1000]");
  queued = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"x\"]");
  spin_ms (5);
  deactivate_sync (fixture->engine, "solidity");
  g_assert_true (running->done && queued->done);

  assert_outcome_error (running, PLUG_ERROR_NOT_ACTIVATED,
                        "Plugin solidity was deactivated before call slowMockMethod from fileManager finished");
  assert_outcome_error (queued, PLUG_ERROR_NOT_ACTIVATED,
                        "Plugin solidity was deactivated before call compile from fileManager finished");
  g_assert_cmpuint (fixture->compiled->len, ==, 0);

  /* The next call activates it again. */
  later = call_sync (fixture->engine, "fileManager", "solidity", "compile", "[\"y\"]");
  assert_outcome_json (later, "null");
  g_assert_cmpuint (fixture->solidity->n_activate, ==, 2);
}

static gboolean
lose_solidity (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GError) cause = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin solidity exited with status 3");

  plug_plugin_lost (PLUG_PLUGIN (fixture->solidity), cause);
  return G_SOURCE_REMOVE;
}

static void
on_lost_signal (PlugPlugin   *plugin,
                const GError *error,
                guint        *counter)
{
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  (*counter)++;
}

static void
test_lost_fails_pending_calls (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Outcome) running = NULL;
  g_autoptr(Outcome) queued = NULL;
  g_autoptr(Outcome) other = NULL;
  guint n_lost = 0;

  activate_sync (fixture->engine, "fileManager");
  activate_sync (fixture->engine, "solidity");
  g_signal_connect (fixture->solidity, "lost", G_CALLBACK (on_lost_signal), &n_lost);
  g_assert_true (plug_plugin_on (PLUG_PLUGIN (fixture->solidity), "fileManager", "currentFileChanged",
                                 count_event, seen, NULL, NULL));
  running = start_call (fixture->engine, "fileManager", "solidity", "slowMockMethod", "[1000]");
  queued = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"x\"]");
  g_timeout_add (10, lose_solidity, fixture);
  wait_outcome (running);
  wait_outcome (queued);

  assert_outcome_error (running, PLUG_ERROR_PLUGIN_EXITED, "Plugin solidity exited with status 3");
  assert_outcome_error (queued, PLUG_ERROR_PLUGIN_EXITED, "Plugin solidity exited with status 3");
  wait_until_inactive (PLUG_PLUGIN (fixture->solidity));
  g_assert_cmpuint (n_lost, ==, 1);
  g_assert_cmpuint (fixture->solidity->n_deactivate, ==, 1);
  g_assert_cmpuint (fixture->n_deactivated, ==, 1);
  g_assert_false (plug_engine_is_active (fixture->engine, "solidity"));

  /* Its own subscriptions are gone; the engine serves the others. */
  switch_file (fixture, "after.sol");
  g_assert_cmpuint (seen->len, ==, 0);
  other = call_sync (fixture->engine, "manager", "fileManager", "getFile", "[1]");
  assert_outcome_json (other, "1");
}

static void
test_lost_while_activating (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;
  Toggle toggle = { 0, };

  activate_sync (fixture->engine, "fileManager");
  fixture->solidity->activate_delay_ms = 200;
  plug_engine_activate (fixture->engine, "solidity", NULL, on_activated, &toggle);
  outcome = start_call (fixture->engine, "fileManager", "solidity", "compile", "[\"x\"]");
  g_timeout_add (10, lose_solidity, fixture);
  wait_for_flag (&toggle.done);
  wait_outcome (outcome);

  g_assert_error (toggle.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_clear_error (&toggle.error);
  assert_outcome_error (outcome, PLUG_ERROR_PLUGIN_EXITED, "Plugin solidity exited with status 3");
  wait_until_inactive (PLUG_PLUGIN (fixture->solidity));
  g_assert_cmpuint (fixture->solidity->n_deactivate, ==, 1);
  /* It never became active: no pluginDeactivated either. */
  g_assert_cmpuint (fixture->n_activated, ==, 1);
  g_assert_cmpuint (fixture->n_deactivated, ==, 0);

  /* The abandoned activation's late success changes nothing. */
  spin_ms (250);
  g_assert_false (plug_engine_is_active (fixture->engine, "solidity"));
}

/* Remix's remove kept the profile: re-registering the name failed. */
static void
test_remove_forgets_plugin_and_profile (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("solidity");
  g_autoptr(PlugPlugin) again = plug_plugin_new (profile);
  g_autoptr(Outcome) gone = NULL;
  g_autoptr(Outcome) call = NULL;
  g_autoptr(GError) error = NULL;

  activate_sync (fixture->engine, "solidity");
  remove_sync (fixture->engine, "solidity");
  g_assert_cmpuint (fixture->solidity->n_deactivate, ==, 1);
  g_assert_cmpuint (fixture->n_deactivated, ==, 1);
  g_assert_false (plug_engine_is_registered (fixture->engine, "solidity"));
  g_assert_null (plug_plugin_get_engine (PLUG_PLUGIN (fixture->solidity)));

  gone = call_sync (fixture->engine, "manager", "manager", "getProfile", "[\"solidity\"]");
  assert_outcome_json (gone, "null");

  g_assert_true (plug_engine_register (fixture->engine, again, &error));
  g_assert_no_error (error);
  plug_plugin_add_method (again, "ping", method_mock, NULL, NULL);
  call = call_sync (fixture->engine, "manager", "solidity", "ping", NULL);
  assert_outcome_json (call, "true");
}

static void
test_remove_unknown_fails (Fixture       *fixture,
                           gconstpointer  data)
{
  Toggle toggle = { 0, };

  plug_engine_remove (fixture->engine, "nope", NULL, on_removed, &toggle);
  wait_for_flag (&toggle.done);
  g_assert_error (toggle.error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);
  g_clear_error (&toggle.error);
}

/* The answer of a call is never delivered inside plug_engine_call(),
 * even when the method answers at once (GIO's rule for async calls). */
static void
test_call_answer_delivered_after_return (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "fileManager");
  outcome = start_call (fixture->engine, "manager", "fileManager", "getFile", "[\"a\"]");
  g_assert_false (outcome->done);
  wait_outcome (outcome);
  assert_outcome_json (outcome, "\"a\"");
}

typedef struct
{
  gboolean done;
  char *text;
  gsize length;
  GError *error;
  GObject *source;
  gboolean tagged;
} TextOutcome;

static void
on_text_outcome (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TextOutcome *outcome = user_data;

  outcome->source = g_async_result_get_source_object (result);
  outcome->tagged = g_async_result_is_tagged (result, plug_engine_call);
  outcome->text = plug_engine_call_finish_text (PLUG_ENGINE (source), result,
                                                &outcome->length, &outcome->error);
  outcome->done = TRUE;
}

static void
test_call_finish_text (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonArray) args = args_from_json ("[{\"b\":[1,2.5,\"\\u00e9\"]}]");
  TextOutcome outcome = { 0, };
  TextOutcome missing = { 0, };

  activate_sync (fixture->engine, "fileManager");
  plug_engine_call (fixture->engine, "manager", "fileManager", "getFile", args, NULL,
                    on_text_outcome, &outcome);
  wait_for_flag (&outcome.done);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (outcome.text, ==, "{\"b\":[1,2.5,\"\xc3\xa9\"]}");
  g_assert_cmpuint (outcome.length, ==, strlen (outcome.text));
  g_assert_true (outcome.source == G_OBJECT (fixture->engine));
  g_assert_true (outcome.tagged);

  plug_engine_call (fixture->engine, "manager", "nobody", "getFile", args, NULL,
                    on_text_outcome, &missing);
  g_assert_false (missing.done);
  wait_for_flag (&missing.done);
  g_assert_null (missing.text);
  g_assert_error (missing.error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);

  g_free (outcome.text);
  g_clear_object (&outcome.source);
  g_clear_object (&missing.source);
  g_clear_error (&missing.error);
}

static void
register_on_demand (PlugEngine *engine,
                    const char *name,
                    gpointer    user_data)
{
  guint *n_asked = user_data;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugPlugin) plugin = NULL;

  (*n_asked)++;
  if (!g_str_equal (name, "late"))
    return;
  profile = plug_profile_new ("late");
  plugin = plug_plugin_new (profile);
  plug_plugin_add_method (plugin, "ping", method_echo, NULL, NULL);
  g_assert_true (plug_engine_register (engine, plugin, NULL));
}

static void
test_call_resolver_registers_on_demand (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(Outcome) late = NULL;
  g_autoptr(Outcome) nobody = NULL;
  guint n_asked = 0;

  plug_engine_set_resolver (fixture->engine, register_on_demand, &n_asked, NULL);
  g_assert_false (plug_engine_is_registered (fixture->engine, "late"));
  g_assert_cmpuint (n_asked, ==, 0);

  late = call_sync (fixture->engine, "manager", "late", "ping", "[7]");
  assert_outcome_json (late, "7");
  nobody = call_sync (fixture->engine, "manager", "nobody", "ping", "[]");
  g_assert_error (nobody->error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);
  g_assert_cmpuint (n_asked, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("call/answer-delivered-after-return", test_call_answer_delivered_after_return);
  ADD ("call/finish-text", test_call_finish_text);
  ADD ("call/resolver-registers-on-demand", test_call_resolver_registers_on_demand);
  g_test_add_func ("/engine/register/manager-registered-and-active",
                   test_register_manager_is_registered_and_active);
  ADD ("register/emits-profile-added", test_register_emits_profile_added);
  ADD ("register/duplicate-fails", test_register_duplicate_fails);
  ADD ("register/list-sorted-by-name", test_register_list_sorted);

  ADD ("manager/activate-plugin", test_activate_through_manager);
  ADD ("manager/deactivate-plugin", test_deactivate_through_manager);
  ADD ("activate/idempotent", test_activate_deactivate_idempotent);
  ADD ("activate/concurrent-share-one", test_activate_concurrent_share_one);
  ADD ("activate/unknown-fails", test_activate_unknown_fails);

  ADD ("events/on-receives-every-emit", test_events_on_receives_every_emit);
  ADD ("events/once-receives-one", test_events_once_receives_one);
  ADD ("events/off-after-first", test_events_off_after_first);

  ADD ("call/compile-runs-once", test_call_compile_once);
  ADD ("call/caller-is-set-by-engine", test_call_caller_is_set_by_engine);
  ADD ("call/target-not-registered", test_call_target_not_registered);
  ADD ("call/caller-inactive", test_call_caller_inactive);
  ADD ("call/caller-not-registered", test_call_caller_unregistered_plugin);
  ADD ("call/from-plugin-api", test_call_from_plugin_api);
  ADD ("call/inactive-target-activates", test_call_inactive_target_activates);
  ADD ("call/auto-activation-denied", test_call_auto_activation_denied);
  ADD ("call/not-exposed", test_call_not_exposed);
  ADD ("call/exposure-checked-after-activation", test_call_exposure_checked_after_activation);
  ADD ("call/can-deactivate-default-true", test_call_can_deactivate_default_true);
  ADD ("call/policy-denies", test_call_policy_denies);
  ADD ("call/service-path", test_call_service_path);
  ADD ("call/waits-for-activation-in-order", test_call_waits_for_activation_in_order);
  ADD ("call/activation-failure-fails-calls", test_call_activation_failure_fails_calls);

  ADD ("cancel/running-slow-call", test_cancel_running_slow_call);
  ADD ("cancel/inactive-target", test_cancel_inactive_target);
  ADD ("cancel/not-exposed", test_cancel_not_exposed);
  ADD ("cancel/all-on-inactive-target", test_cancel_all_inactive_target);
  ADD ("cancel/unknown-target", test_cancel_unknown_target);

  ADD ("permission/plugin-activates-another", test_plugin_activates_another);
  ADD ("permission/plugin-cannot-deactivate-another", test_plugin_cannot_deactivate_another);
  ADD ("permission/policy-lets-plugin-deactivate-another", test_plugin_deactivates_another_with_policy);

  ADD ("deactivate/fails-pending-calls", test_deactivate_fails_pending_calls);
  ADD ("lost/fails-pending-calls", test_lost_fails_pending_calls);
  ADD ("lost/while-activating", test_lost_while_activating);
  ADD ("remove/forgets-plugin-and-profile", test_remove_forgets_plugin_and_profile);
  ADD ("remove/unknown-fails", test_remove_unknown_fails);

  return g_test_run ();
}
