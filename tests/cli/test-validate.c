/* test-validate.c: `plugctl validate` (issue 9 §4), through the binary:
 * manifests checked offline, each error with file, line and column.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cli-runner.h"

typedef struct
{
  char *dir;
} Fixture;

static const struct
{
  const char *file;
  const char *text;
} manifests[] = {
  { "ok.json", "{ \"name\": \"ok\", \"methods\": [\"a\"] }\n" },
  { "methods.json", "{\n  \"name\": \"methods\",\n  \"methods\": 7\n}\n" },
  { "future.json", "{ \"name\": \"future\",\n  \"plugctl\": \">= 99\" }\n" },
  { "array.json", "\n  [1]\n" },
  { "noname.json", "{ \"methods\": [] }\n" },
  { "syntax.json", "{ \"name\": \"x\",\n  \"oops\" }\n" },
  /* never started: had it been, it would fail */
  { "nowhere.json", "{ \"name\": \"nowhere\", \"command\": \"/nonexistent/x\" }\n" },
};

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("plugctl-validate-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (manifests); i++)
    {
      g_autofree char *path = g_build_filename (fixture->dir, manifests[i].file, NULL);

      g_file_set_contents (path, manifests[i].text, -1, &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (manifests); i++)
    {
      g_autofree char *path = g_build_filename (fixture->dir, manifests[i].file, NULL);

      g_remove (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
}

/* plugctl validate with the files of the fixture's directory; their
 * paths are shown relative to it. */
static void
run_validate (CliRun     *run,
              Fixture    *fixture,
              const char *first,
              ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autofree char *prefix = g_strconcat (fixture->dir, G_DIR_SEPARATOR_S, NULL);
  GString *out;
  va_list args;

  g_ptr_array_add (argv, g_strdup ("validate"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, arg[0] == '-' ? g_strdup (arg)
                                         : g_build_filename (fixture->dir, arg, NULL));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  cli_run_argv (run, argv, NULL);

  out = g_string_new (run->out);
  g_string_replace (out, prefix, "", 0);
  g_free (run->out);
  run->out = g_string_free (out, FALSE);
}

static void
test_valid (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };

  g_test_summary ("Valid manifests print nothing and exit 0; nothing is started");
  run_validate (&run, fixture, "ok.json", "nowhere.json", NULL);
  assert_run (&run, 0, "", "");
}

static void
test_errors_with_positions (Fixture       *fixture,
                            gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };
  g_autofree char *future = g_strdup_printf ("future.json:2:14: Plugin future needs "
                                             "plugctl >= 99; this is plugctl %s\n",
                                             PACKAGE_VERSION);
  g_autofree char *expected = NULL;

  g_test_summary ("Every invalid manifest is reported as FILE:LINE:COLUMN: message, "
                  "the valid ones are not, and the exit status is 1");
  run_validate (&run, fixture, "methods.json", "ok.json", "future.json", "array.json",
                "noname.json", "missing.json", NULL);
  expected = g_strconcat ("methods.json:3:14: field \"methods\" must be an array of strings\n",
                          future,
                          "array.json:2:3: a manifest must be a JSON object, got an array\n",
                          "noname.json:1:1: field \"name\" is required\n",
                          "missing.json: Failed to open file \xe2\x80\x9cmissing.json\xe2\x80\x9d: "
                          "No such file or directory\n", NULL);
  assert_run (&run, 1, expected, "");
}

static void
test_syntax_error (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };

  g_test_summary ("A JSON syntax error has the parser's position");
  run_validate (&run, fixture, "syntax.json", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.out, "syntax.json:2:"));
  g_assert_nonnull (strstr (run.out, ": Parse error: "));
  g_assert_cmpstr (strchr (run.out, '\n') + 1, ==, "");
}

static void
test_json (Fixture       *fixture,
           gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *results;
  JsonObject *ok, *bad, *problem;

  g_test_summary ("validate --json: one result per file, errors with code, line "
                  "and column");
  run_validate (&run, fixture, "--json", "ok.json", "methods.json", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "");
  root = parse_json (run.out);
  results = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (results), ==, 2);

  ok = json_array_get_object_element (results, 0);
  g_assert_cmpstr (json_object_get_string_member (ok, "file"), ==, "ok.json");
  g_assert_true (json_object_get_boolean_member (ok, "valid"));
  g_assert_cmpstr (json_object_get_string_member (ok, "name"), ==, "ok");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ok, "errors")), ==, 0);

  bad = json_array_get_object_element (results, 1);
  g_assert_false (json_object_get_boolean_member (bad, "valid"));
  g_assert_false (json_object_has_member (bad, "name"));
  problem = json_array_get_object_element (json_object_get_array_member (bad, "errors"), 0);
  g_assert_cmpstr (json_object_get_string_member (problem, "error"), ==,
                   "field \"methods\" must be an array of strings");
  g_assert_cmpstr (json_object_get_string_member (problem, "code"), ==, "invalid-profile");
  g_assert_cmpint (json_object_get_int_member (problem, "line"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (problem, "column"), ==, 14);
}

static void
test_no_file_exits_2 (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(CliRun) run = { 0, };

  g_test_summary ("validate without FILE is a usage error");
  run_validate (&run, fixture, NULL, NULL);
  assert_run (&run, 2, "", "plugctl: Missing FILE\nTry 'plugctl validate --help'\n");
}

static void
test_completes_files (void)
{
  g_auto(CliRun) first = { 0, };
  g_auto(CliRun) next = { 0, };
  g_autoptr(GPtrArray) first_argv = cli_argv_new (FALSE);
  g_autoptr(GPtrArray) next_argv = cli_argv_new (FALSE);

  g_test_summary ("bash completion offers files for every FILE of validate");
  cli_argv_add (first_argv, "complete", "plugctl validate ", "17", NULL);
  cli_run_argv (&first, first_argv, NULL);
  assert_run (&first, 0, "__PLUGCTL_FILE\n", "");
  cli_argv_add (next_argv, "complete", "plugctl validate a.json b", "25", NULL);
  cli_run_argv (&next, next_argv, NULL);
  assert_run (&next, 0, "__PLUGCTL_FILE\n", "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define TEST(path, func) \
  g_test_add ("/validate/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  TEST ("valid-exits-0", test_valid);
  TEST ("errors-with-positions", test_errors_with_positions);
  TEST ("syntax-error", test_syntax_error);
  TEST ("json", test_json);
  TEST ("no-file-exits-2", test_no_file_exits_2);

#undef TEST
  g_test_add_func ("/validate/completes-files", test_completes_files);
  return g_test_run ();
}
