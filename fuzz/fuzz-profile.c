/* fuzz-profile.c: libFuzzer target for the profile (manifest) loader
 *
 * The input is a manifest. One that loads must load again from its
 * plug_profile_to_json() to the same profile, accept itself as an
 * update, and answer every getter; one that does not must say why in an
 * INVALID_PROFILE error. The input also goes to plug_profile_update() of
 * a plain profile, as the manager's updateProfile would pass it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"
#include "plug-json-check-private.h"

#include "fuzz-common.h"

#define BASE_DIR "/fuzz/plugins"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_install_log_writer ();
  return 0;
}

static char *
profile_text (PlugProfile *profile)
{
  g_autoptr(JsonObject) object = plug_profile_to_json (profile);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static void
check_getters (PlugProfile *profile)
{
  const char * const *methods = plug_profile_get_methods (profile);

  fuzz_check (plug_profile_get_name (profile) != NULL, "a loaded profile has a name");
  fuzz_check (plug_profile_get_connector (profile) != NULL, "a connector, by default child-process");
  fuzz_check (methods != NULL && plug_profile_get_events (profile) != NULL &&
              plug_profile_get_args (profile) != NULL,
              "methods, events and args are never NULL");
  fuzz_check (plug_profile_get_call_timeout (profile) > 0 &&
              plug_profile_get_start_timeout (profile) > 0 &&
              plug_profile_get_concurrency (profile) > 0,
              "timeouts and concurrency are positive");
  for (guint i = 0; methods[i] != NULL; i++)
    fuzz_check (plug_profile_has_method (profile, methods[i]), "has_method() of a listed method");

  (void) plug_profile_get_description (profile);
  (void) plug_profile_get_version (profile);
  (void) plug_profile_get_url (profile);
  (void) plug_profile_get_command (profile);
  (void) plug_profile_get_env (profile);
  (void) plug_profile_get_cwd (profile);
  (void) plug_profile_get_restart (profile);
  (void) plug_profile_get_restart_limit (profile);
  (void) plug_profile_get_restart_window (profile);
  (void) plug_profile_get_restart_backoff (profile);
  (void) plug_profile_get_plugctl_range (profile);
}

static void
check_versions (PlugProfile *profile)
{
  static const char * const versions[] = { PACKAGE_VERSION, "0", "1.2.3", "99999999999999999999.1" };

  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!plug_profile_check_plugctl_version (profile, versions[i], &error))
        fuzz_check (error != NULL && g_utf8_validate (error->message, -1, NULL),
                    "a refused version says why, in UTF-8");
    }
}

static void
check_reload (PlugProfile *profile)
{
  g_autoptr(JsonObject) object = plug_profile_to_json (profile);
  g_autoptr(PlugProfile) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = profile_text (profile);
  g_autofree char *text_again = NULL;

  again = plug_profile_new_from_json (object, BASE_DIR, "fuzz", &error);
  if (again == NULL)
    fuzz_fail (G_STRLOC, error->message);
  text_again = profile_text (again);
  fuzz_check (strcmp (text, text_again) == 0, "to_json() loads to the same profile");

  if (!plug_profile_update (again, object, &error))
    fuzz_fail (G_STRLOC, error->message);
  g_clear_pointer (&text_again, g_free);
  text_again = profile_text (again);
  fuzz_check (strcmp (text, text_again) == 0, "an update with itself changes nothing");
}

static void
check_update (const uint8_t *data,
              size_t         size)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("fuzz");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *before = profile_text (profile);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  /* as the manager gets it: from a message */
  if (plug_json_check_text ((const char *) data, size) != NULL ||
      !json_parser_load_from_data (parser, (const char *) data, size, NULL))
    return;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;

  if (plug_profile_update (profile, json_node_get_object (root), &error))
    {
      check_getters (profile);
      return;
    }
  fuzz_check (error != NULL && g_utf8_validate (error->message, -1, NULL),
              "a refused update says why, in UTF-8");
  after = profile_text (profile);
  fuzz_check (strcmp (before, after) == 0, "a refused update changes nothing");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  check_update (data, size);

  profile = plug_profile_new_from_data ((const char *) data, size, BASE_DIR, &error);
  if (profile == NULL)
    {
      fuzz_check (error != NULL && error->domain == PLUG_ERROR &&
                  error->code == PLUG_ERROR_INVALID_PROFILE,
                  "a rejected manifest has an INVALID_PROFILE error");
      fuzz_check (g_utf8_validate (error->message, -1, NULL), "error texts are UTF-8");
      return 0;
    }
  fuzz_check (error == NULL, "no error on success");

  check_getters (profile);
  check_versions (profile);
  check_reload (profile);
  return 0;
}
