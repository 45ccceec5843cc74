/* test-modules.c: finding and loading connector modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "plugctl.h"

/* Every directory given to the loader so far, in order (the "searched"
 * list of the "No connector" error). */
static GPtrArray *loaded_dirs;

static void
load_dirs (const char * const *dirs)
{
  for (guint i = 0; dirs[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (loaded_dirs, dirs[i], g_str_equal, NULL))
      g_ptr_array_add (loaded_dirs, g_strdup (dirs[i]));
  plug_connector_module_load_dirs (dirs);
}

static char *
scenario_dir (const char *scenario)
{
  return g_build_filename (TEST_MODULES_DIR, scenario, NULL);
}

static char *
scenario_file (const char *scenario)
{
  g_autofree char *name = g_strconcat (scenario, ".so", NULL);

  return g_build_filename (TEST_MODULES_DIR, scenario, name, NULL);
}

static void
expect_warning (const char *scenario,
                const char *reason_pattern)
{
  g_autofree char *file = scenario_file (scenario);
  g_autofree char *pattern = g_strdup_printf ("%s: %s", file, reason_pattern);

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, pattern);
}

/* Modules load once per process: the first test to need them loads all
 * the scenarios and checks the warnings. */
static void
ensure_loaded (void)
{
  static gboolean loaded = FALSE;
  g_autofree char *good = scenario_dir ("good");
  g_autofree char *no_abi = scenario_dir ("no-abi");
  g_autofree char *wrong_abi = scenario_dir ("wrong-abi");
  g_autofree char *bad_link = scenario_dir ("bad-link");
  const char *dirs[] = { bad_link, good, no_abi, wrong_abi, NULL };

  if (loaded)
    return;
  loaded = TRUE;

  expect_warning ("bad-link", "cannot load connector module: *plug_test_symbol_that_does_not_exist*");
  expect_warning ("no-abi", "not a plugctl connector module: no symbol plug_connector_abi_version");
  expect_warning ("wrong-abi", "connector ABI version 999, plugctl expects 1");
  load_dirs (dirs);
  g_test_assert_expected_messages ();
}

static void
test_load_bad_files_warn_good_listed (void)
{
  g_auto(GStrv) names = NULL;
  g_autofree char *good_file = scenario_file ("good");

  ensure_loaded ();
  names = plug_connector_module_list ();

  g_assert_true (g_strv_contains ((const char * const *) names, "test-good"));
  g_assert_false (g_strv_contains ((const char * const *) names, "test-bad-link"));
  g_assert_cmpstr (plug_connector_module_get_path ("test-good"), ==, good_file);
  g_assert_null (plug_connector_module_get_path ("test-bad-link"));
}

static void
test_load_once_per_file (void)
{
  g_autofree char *good = scenario_dir ("good");
  g_autofree char *wrong_abi = scenario_dir ("wrong-abi");
  const char *dirs[] = { good, wrong_abi, good, NULL };
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;

  ensure_loaded ();
  before = plug_connector_module_list ();
  /* No second warning, no second registration (which GType would refuse). */
  load_dirs (dirs);
  after = plug_connector_module_list ();

  g_assert_true (g_strv_equal ((const char * const *) before, (const char * const *) after));
}

/* The same files through another spelling of their directory (relative
 * PLUGCTL_CONNECTOR_PATH beside the installed one, a link): still once. */
static void
test_load_once_per_file_however_spelt (void)
{
  g_autofree char *good = scenario_dir ("good");
  g_autofree char *good_again = g_build_filename (good, "..", "good", NULL);
  g_autofree char *link_dir = g_dir_make_tmp ("plugctl-modules-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (link_dir, "good", NULL);
  const char *dirs[] = { good_again, link, NULL };
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) after = NULL;

  ensure_loaded ();
  g_assert_no_errno (symlink (good, link));
  before = plug_connector_module_list ();
  /* a second load would warn "registered no connector": fatal here */
  load_dirs (dirs);
  after = plug_connector_module_list ();

  g_assert_true (g_strv_equal ((const char * const *) before, (const char * const *) after));
  g_assert_no_errno (g_remove (link));
  g_assert_no_errno (g_rmdir (link_dir));
}

static void
test_load_missing_dir_is_quiet (void)
{
  const char *dirs[] = { "/nonexistent/plugctl-connectors", NULL };

  ensure_loaded ();
  load_dirs (dirs);
}

static void
test_list_sorted (void)
{
  g_auto(GStrv) names = NULL;

  ensure_loaded ();
  names = plug_connector_module_list ();
  for (guint i = 1; names[i] != NULL; i++)
    g_assert_cmpstr (names[i - 1], <, names[i]);
}

static void
test_search_path_order (void)
{
  const char *extra[] = { "/x", "/a", NULL };
  g_auto(GStrv) path = NULL;

  g_setenv ("PLUGCTL_CONNECTOR_PATH", "/a:/b::/x", TRUE);
  path = plug_connector_module_search_path (extra);

  g_assert_cmpuint (g_strv_length (path), ==, 4);
  g_assert_cmpstr (path[0], ==, "/x");
  g_assert_cmpstr (path[1], ==, "/a");
  g_assert_cmpstr (path[2], ==, "/b");
  g_assert_cmpstr (path[3], ==, PLUGCTL_CONNECTORSDIR);
}

static void
test_create_known_connector (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugPlugin) plugin = NULL;

  ensure_loaded ();
  profile = plug_profile_new_from_data ("{\"name\":\"p\",\"connector\":\"test-good\"}",
                                        -1, NULL, &error);
  g_assert_no_error (error);
  plugin = plug_connector_module_create_plugin (profile, &error);

  g_assert_no_error (error);
  g_assert_true (PLUG_IS_CONNECTOR (plugin));
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (plugin), ==, "TestGoodConnector");
  g_assert_true (plug_plugin_get_profile (plugin) == profile);
  g_assert_cmpstr (plug_plugin_get_name (plugin), ==, "p");
}

static void
test_create_unknown_connector (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugPlugin) plugin = NULL;
  g_autofree char *searched = NULL;
  g_autofree char *expected = NULL;

  ensure_loaded ();
  profile = plug_profile_new_from_data ("{\"name\":\"p\",\"connector\":\"carrier-pigeon\"}",
                                        -1, NULL, &error);
  g_assert_no_error (error);
  plugin = plug_connector_module_create_plugin (profile, &error);

  g_ptr_array_add (loaded_dirs, NULL);
  searched = g_strjoinv (":", (char **) loaded_dirs->pdata);
  g_ptr_array_remove_index (loaded_dirs, loaded_dirs->len - 1);
  expected = g_strdup_printf ("No connector \"carrier-pigeon\" for plugin p (searched: %s)",
                              searched);
  g_assert_null (plugin);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR);
  g_assert_cmpstr (error->message, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  loaded_dirs = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/modules/load/bad-files-warn-good-listed", test_load_bad_files_warn_good_listed);
  g_test_add_func ("/modules/load/once-per-file", test_load_once_per_file);
  g_test_add_func ("/modules/load/once-per-file-however-spelt", test_load_once_per_file_however_spelt);
  g_test_add_func ("/modules/load/missing-dir-is-quiet", test_load_missing_dir_is_quiet);
  g_test_add_func ("/modules/list/sorted", test_list_sorted);
  g_test_add_func ("/modules/search-path/order", test_search_path_order);
  g_test_add_func ("/modules/create/known-connector", test_create_known_connector);
  g_test_add_func ("/modules/create/unknown-connector", test_create_unknown_connector);

  return g_test_run ();
}
