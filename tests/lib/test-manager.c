/* test-manager.c: the manager plugin and its policy (Remix manager.spec.ts,
 * §9.4, and PROTOCOL.md §5)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>

#include "engine-test-util.h"

typedef struct
{
  PlugEngine *engine;
  PlugManager *manager;
  TestPlugin *target;
  guint n_profile_updated;
} Fixture;

static void
count_signal (PlugManager *manager,
              PlugProfile *profile,
              guint       *counter)
{
  (*counter)++;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->engine = plug_engine_new ();
  fixture->manager = plug_engine_get_manager (fixture->engine);
  g_signal_connect (fixture->manager, "profile-updated", G_CALLBACK (count_signal),
                    &fixture->n_profile_updated);
  fixture->target = add_test_plugin (fixture->engine, "to", 30);
  add_caller (fixture->engine, "from");
  add_caller (fixture->engine, "anotherFrom");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->engine);
}

static void
load_policy (Fixture    *fixture,
             const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_manager_load_policy_from_data (fixture->manager, json, -1, &error));
  g_assert_no_error (error);
}

#define ADD(path, func) \
  g_test_add ("/manager/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

/* §9.4: a method asks the manager whether its caller may do something
 * sensitive, naming the caller (as the engine set it) and itself. */

static void
on_can_call_answer (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PlugCall) call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;

  answer = plug_plugin_call_finish (PLUG_PLUGIN (source), result, &error);
  if (answer == NULL)
    plug_call_return_error (call, error);
  else
    plug_call_return_value (call, answer);
}

static void
method_ask_permission (PlugCall *call,
                       gpointer  user_data)
{
  PlugPlugin *self = user_data;
  g_autoptr(JsonArray) args = json_array_new ();

  json_array_add_string_element (args, plug_call_get_caller (call));
  json_array_add_string_element (args, plug_plugin_get_name (self));
  json_array_add_string_element (args, "sensitive");
  plug_plugin_call (self, "manager", "canCall", args, NULL, on_can_call_answer, g_object_ref (call));
}

static void
test_can_call_asked_with_names (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(Outcome) allowed = NULL;
  g_autoptr(Outcome) denied = NULL;

  load_policy (fixture, "{\"rules\":[{\"action\":\"call\",\"from\":\"from\",\"allow\":true},"
                        "{\"action\":\"call\",\"to\":\"to\",\"method\":\"sensitive\",\"allow\":false}]}");
  plug_plugin_add_method (PLUG_PLUGIN (fixture->target), "askPermission",
                          method_ask_permission, fixture->target, NULL);

  /* Queued together: the answer follows each call's own caller. */
  allowed = start_call (fixture->engine, "from", "to", "askPermission", NULL);
  denied = start_call (fixture->engine, "anotherFrom", "to", "askPermission", NULL);
  wait_outcome (allowed);
  wait_outcome (denied);

  assert_outcome_json (allowed, "true");
  assert_outcome_json (denied, "false");
  g_assert_cmpstr (g_ptr_array_index (fixture->target->runs, 0), ==, "from:askPermission");
  g_assert_cmpstr (g_ptr_array_index (fixture->target->runs, 1), ==, "anotherFrom:askPermission");
}

static void
test_can_call_default_allows (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "from", "manager", "canCall",
                                          "[\"from\",\"to\",\"mockMethod\"]");

  assert_outcome_json (outcome, "true");
}

static void
test_get_profile (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(Outcome) known = call_sync (fixture->engine, "from", "manager", "getProfile", "[\"to\"]");
  g_autoptr(Outcome) unknown = call_sync (fixture->engine, "from", "manager", "getProfile", "[\"nope\"]");
  g_autoptr(Outcome) bad = call_sync (fixture->engine, "from", "manager", "getProfile", "[3]");
  JsonObject *profile;

  g_assert_no_error (known->error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (known->result));
  profile = json_node_get_object (known->result);
  g_assert_cmpstr (json_object_get_string_member (profile, "name"), ==, "to");
  g_assert_true (json_array_get_length (json_object_get_array_member (profile, "methods")) > 0);
  assert_outcome_json (unknown, "null");
  assert_outcome_error (bad, PLUG_ERROR_INVALID_ARGUMENT,
                        "Argument 1 of method \"getProfile\" must be a string, got a number");
}

static void
test_is_active (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(Outcome) inactive = call_sync (fixture->engine, "from", "manager", "isActive", "[\"to\"]");
  g_autoptr(Outcome) active = call_sync (fixture->engine, "from", "manager", "isActive", "[\"from\"]");

  assert_outcome_json (inactive, "false");
  assert_outcome_json (active, "true");
}

/* Remix's services send no name; the update is the caller's own. */
static void
test_update_profile_own_without_name (Fixture       *fixture,
                                      gconstpointer  data)
{
  PlugProfile *profile = plug_plugin_get_profile (plug_engine_get_plugin (fixture->engine, "from"));
  g_autoptr(Outcome) outcome = NULL;

  outcome = call_sync (fixture->engine, "from", "manager", "updateProfile",
                       "[{\"description\":\"new words\",\"methods\":[\"a\",\"b\"]}]");
  assert_outcome_json (outcome, "null");
  g_assert_cmpstr (plug_profile_get_description (profile), ==, "new words");
  g_assert_true (plug_profile_has_method (profile, "b"));
  g_assert_cmpuint (fixture->n_profile_updated, ==, 1);
}

static void
test_update_profile_own_with_name (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "from", "manager", "updateProfile",
                                          "[{\"name\":\"from\",\"description\":\"d\"}]");

  assert_outcome_json (outcome, "null");
  g_assert_cmpuint (fixture->n_profile_updated, ==, 1);
}

static void
test_update_profile_refusals (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Outcome) other = call_sync (fixture->engine, "from", "manager", "updateProfile",
                                        "[{\"name\":\"to\",\"description\":\"x\"}]");
  g_autoptr(Outcome) unknown = call_sync (fixture->engine, "from", "manager", "updateProfile",
                                          "[{\"name\":\"nope\"}]");
  g_autoptr(Outcome) url = call_sync (fixture->engine, "from", "manager", "updateProfile",
                                      "[{\"url\":\"https://elsewhere\"}]");

  assert_outcome_error (other, PLUG_ERROR_PERMISSION_DENIED, "A plugin cannot change its name.");
  assert_outcome_error (unknown, PLUG_ERROR_NOT_REGISTERED,
                        "Plugin nope is not register, you cannot update it's profile.");
  assert_outcome_error (url, PLUG_ERROR_PERMISSION_DENIED, "Url from Profile cannot be updated.");
  g_assert_cmpuint (fixture->n_profile_updated, ==, 0);
}

/* Array forms: null when all succeed, else the first error (Remix
 * resolved with the errors and rejected with the results). */

static void
test_activate_plugin_array_all_succeed (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  add_test_plugin (fixture->engine, "second", 0);
  outcome = call_sync (fixture->engine, "from", "manager", "activatePlugin", "[[\"to\",\"second\"]]");
  assert_outcome_json (outcome, "null");
  g_assert_true (plug_engine_is_active (fixture->engine, "to"));
  g_assert_true (plug_engine_is_active (fixture->engine, "second"));
}

static void
test_activate_plugin_array_first_error (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  add_test_plugin (fixture->engine, "second", 0);
  outcome = call_sync (fixture->engine, "from", "manager", "activatePlugin",
                       "[[\"to\",\"nope\",\"second\",\"other\"]]");
  assert_outcome_error (outcome, PLUG_ERROR_NOT_REGISTERED,
                        "Cannot active plugin nope because it's not registered yet");
  g_assert_true (plug_engine_is_active (fixture->engine, "to"));
  g_assert_true (plug_engine_is_active (fixture->engine, "second"));
}

static void
test_activate_plugin_denied_by_policy (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  load_policy (fixture, "{\"rules\":[{\"action\":\"activate\",\"from\":\"*\",\"to\":\"t?\",\"allow\":false}]}");
  outcome = call_sync (fixture->engine, "from", "manager", "activatePlugin", "[\"to\"]");
  /* a denial by a rule names the rule; the default's keeps the Remix text */
  assert_outcome_error (outcome, PLUG_ERROR_PERMISSION_DENIED,
                        "Plugin from has no right to activate plugin to (denied by policy, rule 1)");
  g_assert_false (plug_engine_is_active (fixture->engine, "to"));
}

static void
test_activate_plugin_bad_argument (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "from", "manager", "activatePlugin", "[[\"to\",1]]");

  assert_outcome_error (outcome, PLUG_ERROR_INVALID_ARGUMENT,
                        "Argument 1 of method \"activatePlugin\" must be a plugin name or an array of plugin names");
}

static void
test_deactivate_plugin_array_from_manager (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "to");
  outcome = call_sync (fixture->engine, "manager", "manager", "deactivatePlugin", "[[\"to\",\"from\"]]");
  assert_outcome_json (outcome, "null");
  g_assert_false (plug_engine_is_active (fixture->engine, "to"));
  g_assert_false (plug_engine_is_active (fixture->engine, "from"));
  /* The manager does not ask. */
  g_assert_cmpuint (test_plugin_count_runs (fixture->target, "canDeactivate"), ==, 0);
}

static void
test_deactivate_plugin_array_first_error (Fixture       *fixture,
                                          gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "to");
  outcome = call_sync (fixture->engine, "anotherFrom", "manager", "deactivatePlugin",
                       "[[\"anotherFrom\",\"to\",\"from\"]]");
  assert_outcome_error (outcome, PLUG_ERROR_PERMISSION_DENIED,
                        "Plugin anotherFrom has no right to deactivate plugin to");
  g_assert_false (plug_engine_is_active (fixture->engine, "anotherFrom"));
  g_assert_true (plug_engine_is_active (fixture->engine, "to"));
  g_assert_true (plug_engine_is_active (fixture->engine, "from"));
}

static void
test_deactivate_plugin_self_allowed (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  activate_sync (fixture->engine, "to");
  outcome = call_sync (fixture->engine, "to", "manager", "deactivatePlugin", "[\"to\"]");
  assert_outcome_json (outcome, "null");
  g_assert_false (plug_engine_is_active (fixture->engine, "to"));
  g_assert_cmpuint (test_plugin_count_runs (fixture->target, "canDeactivate"), ==, 0);
}

static void
method_refuse (PlugCall *call,
               gpointer  user_data)
{
  g_autoptr(JsonNode) no = json_node_init_boolean (json_node_alloc (), FALSE);
  JsonObject *caller = json_array_get_object_element (plug_call_get_args (call), 0);

  g_assert_cmpstr (plug_call_get_caller (call), ==, "manager");
  g_assert_cmpstr (json_object_get_string_member (caller, "name"), ==, "from");
  plug_call_return_value (call, no);
}

static void
method_never_answer (PlugCall *call,
                     gpointer  user_data)
{
}

static void
test_deactivate_plugin_can_deactivate_false_refuses (Fixture       *fixture,
                                                     gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  load_policy (fixture, "{\"rules\":[{\"action\":\"deactivate\",\"from\":\"from\",\"allow\":true}]}");
  plug_plugin_add_method (PLUG_PLUGIN (fixture->target), "canDeactivate", method_refuse, NULL, NULL);
  activate_sync (fixture->engine, "to");
  outcome = call_sync (fixture->engine, "from", "manager", "deactivatePlugin", "[\"to\"]");

  assert_outcome_error (outcome, PLUG_ERROR_PERMISSION_DENIED, "Plugin from has no right to deactivate plugin to");
  g_assert_true (plug_engine_is_active (fixture->engine, "to"));
  g_assert_cmpuint (test_plugin_count_runs (fixture->target, "canDeactivate"), ==, 1);
}

static void
test_deactivate_plugin_no_answer_consents (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(Outcome) outcome = NULL;

  load_policy (fixture, "{\"rules\":[{\"action\":\"deactivate\",\"from\":\"from\",\"allow\":true}]}");
  plug_plugin_add_method (PLUG_PLUGIN (fixture->target), "canDeactivate", method_never_answer, NULL, NULL);
  activate_sync (fixture->engine, "to");

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING,
                         "Plugin to did not answer canDeactivate*[TIMEOUT]*taking it as consent");
  outcome = call_sync (fixture->engine, "from", "manager", "deactivatePlugin", "[\"to\"]");
  g_test_assert_expected_messages ();

  assert_outcome_json (outcome, "null");
  g_assert_false (plug_engine_is_active (fixture->engine, "to"));
}

static void
test_deactivate_plugin_inactive_is_noop (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(Outcome) outcome = call_sync (fixture->engine, "from", "manager", "deactivatePlugin", "[\"to\"]");

  assert_outcome_json (outcome, "null");
  g_assert_cmpuint (fixture->target->n_deactivate, ==, 0);
}

/* Policy */

static void
test_policy_first_match_wins (Fixture       *fixture,
                              gconstpointer  data)
{
  load_policy (fixture,
               "{\"rules\":["
               "{\"action\":\"call\",\"from\":\"cli\",\"to\":\"echo\",\"method\":\"fail\",\"allow\":false},"
               "{\"action\":\"call\",\"from\":\"c?i\",\"to\":\"*\",\"allow\":true},"
               "{\"action\":\"call\",\"to\":\"echo\",\"allow\":false},"
               "{\"action\":\"deactivate\",\"from\":\"ui\",\"to\":\"*\",\"allow\":true}]}");

  g_assert_false (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_CALL, "cli", "echo", "fail"));
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_CALL, "cli", "echo", "sum"));
  g_assert_false (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_CALL, "ui", "echo", "sum"));
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_CALL, "ui", "other", "sum"));
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_DEACTIVATE, "ui", "echo", NULL));
  /* Defaults where no rule matches. */
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_ACTIVATE, "ui", "echo", NULL));
  g_assert_false (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_DEACTIVATE, "cli", "echo", NULL));
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_DEACTIVATE, "echo", "echo", NULL));
  g_assert_true (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_DEACTIVATE, "manager", "echo", NULL));
}

static void
test_policy_from_file (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "policy.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (g_get_user_config_dir (), 0700));
  g_assert_true (g_file_set_contents (path,
      "{\"rules\":[{\"action\":\"activate\",\"to\":\"secret\",\"allow\":false}]}", -1, NULL));
  g_assert_true (plug_manager_load_policy (fixture->manager, path, &error));
  g_assert_no_error (error);
  g_assert_false (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_ACTIVATE, "a", "secret", NULL));
}

static void
assert_policy_error (Fixture    *fixture,
                     const char *json,
                     const char *expected)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "bad.json", NULL);
  g_autofree char *message = g_strdup_printf ("%s: %s", path, expected);
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir_with_parents (g_get_user_config_dir (), 0700));
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  g_assert_false (plug_manager_load_policy (fixture->manager, path, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_policy_errors_name_file_and_rule (Fixture       *fixture,
                                       gconstpointer  data)
{
  load_policy (fixture, "{\"rules\":[{\"action\":\"activate\",\"to\":\"x\",\"allow\":false}]}");

  assert_policy_error (fixture,
                       "{\"rules\":[{\"action\":\"call\",\"allow\":true},{\"action\":\"kill\",\"allow\":true}]}",
                       "rule 2: field \"action\" must be \"call\", \"activate\" or \"deactivate\"");
  assert_policy_error (fixture, "{\"rules\":[{\"action\":\"call\"}]}",
                       "rule 1: field \"allow\" must be a boolean");
  assert_policy_error (fixture, "{\"rules\":[{\"action\":\"call\",\"allow\":true,\"form\":\"a\"}]}",
                       "rule 1: unknown field \"form\"");
  assert_policy_error (fixture, "{\"rules\":[{\"action\":\"call\",\"allow\":true,\"to\":3}]}",
                       "rule 1: field \"to\" must be a string");
  assert_policy_error (fixture, "{\"rules\":[7]}", "rule 1: must be an object");
  assert_policy_error (fixture, "[]", "a policy is an object with an array \"rules\"");

  /* A failed load keeps the rules in force. */
  g_assert_false (plug_manager_is_allowed (fixture->manager, PLUG_PERMISSION_ACTIVATE, "a", "x", NULL));
}

static void
test_policy_missing_file (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (plug_manager_load_policy (fixture->manager, "/nonexistent/policy.json", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/policy.json"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("can-call/asked-with-names-through-queue", test_can_call_asked_with_names);
  ADD ("can-call/default-allows", test_can_call_default_allows);
  ADD ("get-profile/known-unknown-bad", test_get_profile);
  ADD ("is-active", test_is_active);
  ADD ("update-profile/own-without-name", test_update_profile_own_without_name);
  ADD ("update-profile/own-with-name", test_update_profile_own_with_name);
  ADD ("update-profile/refusals", test_update_profile_refusals);
  ADD ("activate-plugin/array-all-succeed", test_activate_plugin_array_all_succeed);
  ADD ("activate-plugin/array-first-error", test_activate_plugin_array_first_error);
  ADD ("activate-plugin/denied-by-policy", test_activate_plugin_denied_by_policy);
  ADD ("activate-plugin/bad-argument", test_activate_plugin_bad_argument);
  ADD ("deactivate-plugin/array-from-manager", test_deactivate_plugin_array_from_manager);
  ADD ("deactivate-plugin/array-first-error", test_deactivate_plugin_array_first_error);
  ADD ("deactivate-plugin/self-allowed", test_deactivate_plugin_self_allowed);
  ADD ("deactivate-plugin/can-deactivate-false-refuses", test_deactivate_plugin_can_deactivate_false_refuses);
  ADD ("deactivate-plugin/no-answer-consents", test_deactivate_plugin_no_answer_consents);
  ADD ("deactivate-plugin/inactive-is-noop", test_deactivate_plugin_inactive_is_noop);
  ADD ("policy/first-match-wins", test_policy_first_match_wins);
  ADD ("policy/from-file", test_policy_from_file);
  ADD ("policy/errors-name-file-and-rule", test_policy_errors_name_file_and_rule);
  ADD ("policy/missing-file", test_policy_missing_file);

  return g_test_run ();
}
