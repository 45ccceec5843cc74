/* test-profile.c: plugin manifests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include <plugctl.h>

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("plugctl-profile-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return path;
}

static PlugProfile *
profile_from_data (const char *data,
                   const char *base_dir)
{
  g_autoptr(GError) error = NULL;
  PlugProfile *profile = plug_profile_new_from_data (data, -1, base_dir, &error);

  g_assert_no_error (error);
  g_assert_true (PLUG_IS_PROFILE (profile));

  return profile;
}

static void
assert_strv (const char * const *actual,
             const char * const *expected)
{
  g_autofree char *actual_text = actual ? g_strjoinv ("|", (GStrv) actual) : g_strdup ("(null)");
  g_autofree char *expected_text = expected ? g_strjoinv ("|", (GStrv) expected) : g_strdup ("(null)");

  g_assert_cmpstr (actual_text, ==, expected_text);
  if (expected != NULL)
    g_assert_cmpuint (g_strv_length ((GStrv) actual), ==, g_strv_length ((GStrv) expected));
}

static const char * const empty_strv[] = { NULL };

static void
assert_defaults (PlugProfile *profile)
{
  g_assert_cmpstr (plug_profile_get_connector (profile), ==, "child-process");
  g_assert_cmpuint (plug_profile_get_call_timeout (profile), ==, 10000);
  g_assert_cmpuint (plug_profile_get_start_timeout (profile), ==, 10000);
  g_assert_cmpuint (plug_profile_get_concurrency (profile), ==, 1);
  assert_strv (plug_profile_get_methods (profile), empty_strv);
  assert_strv (plug_profile_get_events (profile), empty_strv);
  assert_strv (plug_profile_get_args (profile), empty_strv);
  g_assert_null (plug_profile_get_env (profile));
  g_assert_null (plug_profile_get_command (profile));
  g_assert_null (plug_profile_get_description (profile));
  g_assert_null (plug_profile_get_version (profile));
  g_assert_null (plug_profile_get_url (profile));
}

static void
test_minimal (void)
{
  g_autoptr(PlugProfile) profile = profile_from_data ("{\"name\":\"echo\"}", NULL);

  g_assert_cmpstr (plug_profile_get_name (profile), ==, "echo");
  g_assert_null (plug_profile_get_path (profile));
  g_assert_null (plug_profile_get_cwd (profile));
  g_assert_false (plug_profile_has_method (profile, "echo"));
  assert_defaults (profile);
}

static void
test_new_name_only (void)
{
  g_autoptr(PlugProfile) profile = plug_profile_new ("manager");
  g_autoptr(JsonObject) json = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_assert_cmpstr (plug_profile_get_name (profile), ==, "manager");
  assert_defaults (profile);

  json = plug_profile_to_json (profile);
  json_node_set_object (node, json);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==, "{\"name\":\"manager\",\"methods\":[]}");
}

static const char full_manifest[] =
  "{\n"
  "  \"name\": \"echo\",\n"
  "  \"displayName\": \"Echo\",\n"
  "  \"description\": \"Answers what it gets\",\n"
  "  \"version\": \"1.2.3\",\n"
  "  \"url\": \"https://example.org/echo\",\n"
  "  \"connector\": \"child-process\",\n"
  "  \"command\": \"bin/echo-plugin\",\n"
  "  \"args\": [\"--verbose\", \"-n\", \"2\"],\n"
  "  \"env\": {\"LANG\": \"C\", \"ECHO_MODE\": \"a=b\"},\n"
  "  \"cwd\": \"/srv/echo\",\n"
  "  \"methods\": [\"echo\", \"sum\"],\n"
  "  \"events\": [\"echoed\"],\n"
  "  \"callTimeout\": 2500,\n"
  "  \"startTimeout\": 400,\n"
  "  \"concurrency\": 4,\n"
  "  \"kind\": \"test\",\n"
  "  \"location\": {\"nested\": [1, 2]}\n"
  "}\n";

static void
test_full (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *path = write_file (fixture->dir, "echo.json", full_manifest);
  g_autofree char *command = g_build_filename (fixture->dir, "bin", "echo-plugin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = plug_profile_new_from_file (path, &error);
  const char * const args[] = { "--verbose", "-n", "2", NULL };
  const char * const env[] = { "LANG=C", "ECHO_MODE=a=b", NULL };
  const char * const methods[] = { "echo", "sum", NULL };
  const char * const events[] = { "echoed", NULL };

  g_assert_no_error (error);
  g_assert_cmpstr (plug_profile_get_name (profile), ==, "echo");
  g_assert_cmpstr (plug_profile_get_description (profile), ==, "Answers what it gets");
  g_assert_cmpstr (plug_profile_get_version (profile), ==, "1.2.3");
  g_assert_cmpstr (plug_profile_get_url (profile), ==, "https://example.org/echo");
  g_assert_cmpstr (plug_profile_get_connector (profile), ==, "child-process");
  g_assert_cmpstr (plug_profile_get_command (profile), ==, command);
  assert_strv (plug_profile_get_args (profile), args);
  assert_strv (plug_profile_get_env (profile), env);
  g_assert_cmpstr (plug_profile_get_cwd (profile), ==, "/srv/echo");
  g_assert_cmpstr (plug_profile_get_path (profile), ==, path);
  assert_strv (plug_profile_get_methods (profile), methods);
  assert_strv (plug_profile_get_events (profile), events);
  g_assert_true (plug_profile_has_method (profile, "sum"));
  g_assert_false (plug_profile_has_method (profile, "echoed"));
  g_assert_cmpuint (plug_profile_get_call_timeout (profile), ==, 2500);
  g_assert_cmpuint (plug_profile_get_start_timeout (profile), ==, 400);
  g_assert_cmpuint (plug_profile_get_concurrency (profile), ==, 4);
}

static void
test_to_json_keeps_everything (void)
{
  g_autoptr(PlugProfile) profile = profile_from_data (full_manifest, "/srv");
  g_autoptr(JsonObject) json = plug_profile_to_json (profile);
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  JsonArray *nested;

  json_node_set_object (node, json);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==,
                   "{\"name\":\"echo\",\"displayName\":\"Echo\",\"description\":\"Answers what it gets\","
                   "\"version\":\"1.2.3\",\"url\":\"https://example.org/echo\",\"connector\":\"child-process\","
                   "\"command\":\"bin/echo-plugin\",\"args\":[\"--verbose\",\"-n\",\"2\"],"
                   "\"env\":{\"LANG\":\"C\",\"ECHO_MODE\":\"a=b\"},\"cwd\":\"/srv/echo\","
                   "\"methods\":[\"echo\",\"sum\"],\"events\":[\"echoed\"],\"callTimeout\":2500,"
                   "\"startTimeout\":400,\"concurrency\":4,\"kind\":\"test\","
                   "\"location\":{\"nested\":[1,2]}}");

  /* The result is the caller's: changing it leaves the profile alone. */
  nested = json_object_get_array_member (json_object_get_object_member (json, "location"), "nested");
  json_array_add_int_element (nested, 3);
  json_object_set_string_member (json, "kind", "changed");
  again = plug_profile_to_json (profile);
  g_assert_cmpstr (json_object_get_string_member (again, "kind"), ==, "test");
  nested = json_object_get_array_member (json_object_get_object_member (again, "location"), "nested");
  g_assert_cmpuint (json_array_get_length (nested), ==, 2);
}

static void
test_to_json_current_values (void)
{
  g_autoptr(PlugProfile) profile = profile_from_data ("{\"name\":\"p\",\"methods\":[\"a\"],\"x\":1}", NULL);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  const char * const methods[] = { "b", "c", NULL };
  const char * const events[] = { "e", NULL };

  plug_profile_set_methods (profile, methods);
  plug_profile_set_events (profile, events);
  plug_profile_set_description (profile, "now described");
  plug_profile_set_call_timeout (profile, 30);
  plug_profile_set_start_timeout (profile, 40);
  plug_profile_set_concurrency (profile, 2);

  assert_strv (plug_profile_get_methods (profile), methods);
  assert_strv (plug_profile_get_events (profile), events);
  g_assert_true (plug_profile_has_method (profile, "c"));
  g_assert_false (plug_profile_has_method (profile, "a"));
  g_assert_cmpstr (plug_profile_get_description (profile), ==, "now described");
  g_assert_cmpuint (plug_profile_get_call_timeout (profile), ==, 30);
  g_assert_cmpuint (plug_profile_get_start_timeout (profile), ==, 40);
  g_assert_cmpuint (plug_profile_get_concurrency (profile), ==, 2);

  json = plug_profile_to_json (profile);
  json_node_set_object (node, json);
  text = json_to_string (node, FALSE);
  g_assert_cmpstr (text, ==,
                   "{\"name\":\"p\",\"methods\":[\"b\",\"c\"],\"x\":1,\"events\":[\"e\"],"
                   "\"description\":\"now described\",\"callTimeout\":30,\"startTimeout\":40,"
                   "\"concurrency\":2}");

  plug_profile_set_methods (profile, NULL);
  plug_profile_set_description (profile, NULL);
  assert_strv (plug_profile_get_methods (profile), empty_strv);
  g_assert_null (plug_profile_get_description (profile));
  g_clear_pointer (&json, json_object_unref);
  json = plug_profile_to_json (profile);
  g_assert_false (json_object_has_member (json, "description"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json, "methods")), ==, 0);
}

static void
test_null_is_absent (void)
{
  g_autoptr(PlugProfile) profile = NULL;

  profile = profile_from_data ("{\"name\":\"n\",\"methods\":null,\"callTimeout\":null,"
                               "\"connector\":null,\"env\":null,\"cwd\":null}", NULL);
  assert_defaults (profile);
}

/* Each manifest has the bad field on line 3, after "  \"field\": ". */
static const struct
{
  const char *manifest;
  const char *error;
} bad_fields[] = {
  { "{\n  \"name\": \"echo\",\n  \"methods\": \"echo\"\n}", "%s:3:14: field \"methods\" must be an array of strings" },
  { "{\n  \"name\": \"echo\",\n  \"methods\": [\"a\", 1]\n}", "%s:3:14: field \"methods\" must be an array of strings" },
  { "{\n  \"name\": \"echo\",\n  \"events\": {}\n}", "%s:3:13: field \"events\" must be an array of strings" },
  { "{\n  \"name\": \"echo\",\n  \"args\":[null]\n}", "%s:3:10: field \"args\" must be an array of strings" },
  { "{\n  \"name\": \"echo\",\n  \"env\": [\"A=B\"]\n}", "%s:3:10: field \"env\" must be an object of strings" },
  { "{\n  \"name\": \"echo\",\n  \"env\": {\"A\": 1}\n}", "%s:3:10: field \"env\" must be an object of strings" },
  { "{\n  \"name\": \"echo\",\n  \"callTimeout\": 0\n}", "%s:3:18: field \"callTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"callTimeout\": -5\n}", "%s:3:18: field \"callTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"callTimeout\": \"10\"\n}", "%s:3:18: field \"callTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"callTimeout\": 1.5\n}", "%s:3:18: field \"callTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"callTimeout\": 4294967296\n}", "%s:3:18: field \"callTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"startTimeout\": 0\n}", "%s:3:19: field \"startTimeout\" must be an integer > 0" },
  { "{\n  \"name\": \"echo\",\n  \"concurrency\": 0\n}", "%s:3:18: field \"concurrency\" must be an integer >= 1" },
  { "{\n  \"name\": \"echo\",\n  \"concurrency\": true\n}", "%s:3:18: field \"concurrency\" must be an integer >= 1" },
  { "{\n  \"name\": \"echo\",\n  \"command\": 5\n}", "%s:3:14: field \"command\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"cwd\": true\n}", "%s:3:10: field \"cwd\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"connector\": []\n}", "%s:3:16: field \"connector\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"url\": 1\n}", "%s:3:10: field \"url\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"description\": {}\n}", "%s:3:18: field \"description\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"version\": 1\n}", "%s:3:14: field \"version\" must be a string" },
  { "{\n  \"name\": \"echo\",\n  \"displayName\": 2\n}", "%s:3:18: field \"displayName\" must be a string" },
  { "{\n  \"x\": 1,\n  \"name\": \"\"\n}", "%s:3:11: field \"name\" must be a non-empty string" },
  { "{\n  \"x\": 1,\n  \"name\": 5\n}", "%s:3:11: field \"name\" must be a non-empty string" },
  { "{\n  \"x\": 1,\n  \"name\": \"cmd.git\"\n}", "%s:3:11: field \"name\" must not contain '.'" },
  { "{\n  \"methods\": []\n}", "%s: field \"name\" is required" },
  { "{\n  \"name\": null\n}", "%s:2:11: field \"name\" is required" },
  /* The value's position, counted in characters, on the right line. */
  { "{ \"name\": \"é\",\r\n  \"description\": \"the \\\"methods\\\" list\", \"key\": \"methods\",\r\n"
    "\t\"methods\"\t :\n\n  7 }", "%s:5:3: field \"methods\" must be an array of strings" },
  /* Syntax errors carry json-glib's position. */
  { "{\n  \"name\": \"echo\",\n  \"methods\": [\"a\",]\n}",
    "%s:3:18: Parse error: unexpected character `,', expected character `]'" },
  { "{\n  \"name\": \"echo\"\n  \"methods\": []\n}",
    "%s:2:16: Parse error: unexpected string constant \"echo\", expected character `,'" },
  { "[\"echo\"]", "%s: a manifest must be a JSON object, got an array" },
  { "\"echo\"", "%s: a manifest must be a JSON object, got a string" },
  { "", "%s: a manifest must be a JSON object, got nothing" },
};

/* The expected error text, "%s" standing for the manifest's origin. */
static char *
with_origin (const char *error_template,
             const char *origin)
{
  g_auto(GStrv) parts = g_strsplit (error_template, "%s", 2);

  return g_strjoinv (origin, parts);
}

static void
test_bad_fields_in_file (Fixture       *fixture,
                         gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_fields); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad%u.json", i);
      g_autofree char *path = write_file (fixture->dir, name, bad_fields[i].manifest);
      g_autofree char *expected = with_origin (bad_fields[i].error, path);
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugProfile) profile = plug_profile_new_from_file (path, &error);

      g_test_message ("manifest %u: %s", i, bad_fields[i].manifest);
      g_assert_null (profile);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_bad_fields_in_data (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_fields); i++)
    {
      g_autofree char *expected = with_origin (bad_fields[i].error, "<data>");
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugProfile) profile = plug_profile_new_from_data (bad_fields[i].manifest, -1, "/srv", &error);

      g_assert_null (profile);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_bad_fields_in_json (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;

  json_object_set_string_member (object, "name", "echo");
  json_object_set_int_member (object, "methods", 3);

  profile = plug_profile_new_from_json (object, NULL, "dbus:org.example.Echo", &error);
  g_assert_null (profile);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==, "dbus:org.example.Echo: field \"methods\" must be an array of strings");
  g_clear_error (&error);

  profile = plug_profile_new_from_json (object, NULL, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==, "field \"methods\" must be an array of strings");
}

static void
test_new_from_json (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  const char * const methods[] = { "run", NULL };

  json_object_set_string_member (object, "name", "cmd");
  json_object_set_array_member (object, "methods", json_array_new ());
  json_array_add_string_element (json_object_get_array_member (object, "methods"), "run");
  json_object_set_string_member (object, "command", "./cmd");

  profile = plug_profile_new_from_json (object, "/opt/cmd", "test", &error);
  g_assert_no_error (error);
  assert_strv (plug_profile_get_methods (profile), methods);
  g_assert_cmpstr (plug_profile_get_command (profile), ==, "/opt/cmd/cmd");
  g_assert_cmpstr (plug_profile_get_cwd (profile), ==, "/opt/cmd");
  g_assert_null (plug_profile_get_path (profile));

  /* The profile keeps its own copy. */
  json_object_set_string_member (object, "name", "other");
  g_assert_cmpstr (plug_profile_get_name (profile), ==, "cmd");
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "nope.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = plug_profile_new_from_file (path, &error);

  g_assert_null (profile);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_paths_relative (Fixture       *fixture,
                     gconstpointer  data)
{
  static const struct
  {
    const char *manifest;
    const char *command;  /* "~" is the manifest's directory */
    const char *cwd;
  } cases[] = {
    { "{\"name\":\"a\",\"command\":\"python3\"}", "python3", "~" },
    { "{\"name\":\"a\",\"command\":\"./bin/run\"}", "~/bin/run", "~" },
    { "{\"name\":\"a\",\"command\":\"bin/run\",\"cwd\":\"work\"}", "~/bin/run", "~/work" },
    { "{\"name\":\"a\",\"command\":\"../up/run\",\"cwd\":\"sub/../work/\"}", "~/../up/run", "~/work" },
    { "{\"name\":\"a\",\"command\":\"/usr/bin/env\",\"cwd\":\"/var/tmp\"}", "/usr/bin/env", "/var/tmp" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_file (fixture->dir, "sub/p.json", cases[i].manifest);
      g_autofree char *base = g_build_filename (fixture->dir, "sub", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugProfile) profile = plug_profile_new_from_file (path, &error);
      g_autofree char *command = NULL;
      g_autofree char *cwd = NULL;

      g_assert_no_error (error);
      command = cases[i].command[0] == '~'
        ? g_canonicalize_filename (cases[i].command + 2, base) : g_strdup (cases[i].command);
      cwd = cases[i].cwd[0] == '~'
        ? g_canonicalize_filename (cases[i].cwd + 1 + (cases[i].cwd[1] == '/'), base)
        : g_strdup (cases[i].cwd);
      g_test_message ("case %u: %s", i, cases[i].manifest);
      g_assert_cmpstr (plug_profile_get_command (profile), ==, command);
      g_assert_cmpstr (plug_profile_get_cwd (profile), ==, cwd);
    }
}

static void
test_paths_from_data (void)
{
  g_autoptr(PlugProfile) with_base = NULL;
  g_autoptr(PlugProfile) without_base = NULL;
  const char *manifest = "{\"name\":\"a\",\"command\":\"bin/run\",\"cwd\":\"work\"}";

  with_base = profile_from_data (manifest, "/srv/a/");
  g_assert_cmpstr (plug_profile_get_command (with_base), ==, "/srv/a/bin/run");
  g_assert_cmpstr (plug_profile_get_cwd (with_base), ==, "/srv/a/work");

  without_base = profile_from_data (manifest, NULL);
  g_assert_cmpstr (plug_profile_get_command (without_base), ==, "bin/run");
  g_assert_cmpstr (plug_profile_get_cwd (without_base), ==, "work");
}

static void
test_node_script (void)
{
  g_autoptr(PlugProfile) relative = NULL;
  g_autoptr(PlugProfile) absolute = NULL;
  g_autoptr(PlugProfile) with_command = NULL;
  g_autoptr(PlugProfile) other_connector = NULL;
  g_autoptr(PlugProfile) remote = NULL;
  g_autoptr(PlugProfile) not_js = NULL;
  const char * const relative_args[] = { "/srv/plugins/node-echo/index.js", "--x", "1", NULL };
  const char * const absolute_args[] = { "/opt/p.js", NULL };
  const char * const x_args[] = { "--x", NULL };

  relative = profile_from_data ("{\"name\":\"node-echo\",\"url\":\"node-echo/index.js\",\"args\":[\"--x\",\"1\"]}",
                                "/srv/plugins");
  g_assert_cmpstr (plug_profile_get_command (relative), ==, "node");
  assert_strv (plug_profile_get_args (relative), relative_args);
  g_assert_cmpstr (plug_profile_get_url (relative), ==, "node-echo/index.js");
  g_assert_cmpstr (plug_profile_get_cwd (relative), ==, "/srv/plugins");

  absolute = profile_from_data ("{\"name\":\"p\",\"url\":\"/opt/p.js\"}", "/srv");
  g_assert_cmpstr (plug_profile_get_command (absolute), ==, "node");
  assert_strv (plug_profile_get_args (absolute), absolute_args);

  with_command = profile_from_data ("{\"name\":\"p\",\"url\":\"p.js\",\"command\":\"deno\",\"args\":[\"--x\"]}", "/srv");
  g_assert_cmpstr (plug_profile_get_command (with_command), ==, "deno");
  assert_strv (plug_profile_get_args (with_command), x_args);

  other_connector = profile_from_data ("{\"name\":\"p\",\"url\":\"p.js\",\"connector\":\"websocket\"}", "/srv");
  g_assert_null (plug_profile_get_command (other_connector));
  assert_strv (plug_profile_get_args (other_connector), empty_strv);

  remote = profile_from_data ("{\"name\":\"p\",\"url\":\"https://example.org/p.js\"}", "/srv");
  g_assert_null (plug_profile_get_command (remote));

  not_js = profile_from_data ("{\"name\":\"p\",\"url\":\"p.py\"}", "/srv");
  g_assert_null (plug_profile_get_command (not_js));
}

static void
test_update (void)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(GError) error = NULL;
  const char * const methods[] = { "x", "y", NULL };

  profile = profile_from_data ("{\"name\":\"p\",\"url\":\"u\",\"methods\":[\"a\"],\"kind\":\"k\"}", NULL);

  g_assert_true (json_parser_load_from_data (parser,
                                             "{\"name\":\"p\",\"url\":\"u\",\"methods\":[\"x\",\"y\"],"
                                             "\"description\":\"d\",\"callTimeout\":77,\"extra\":[1]}",
                                             -1, NULL));
  g_assert_true (plug_profile_update (profile, json_node_get_object (json_parser_get_root (parser)), &error));
  g_assert_no_error (error);
  assert_strv (plug_profile_get_methods (profile), methods);
  g_assert_cmpstr (plug_profile_get_description (profile), ==, "d");
  g_assert_cmpuint (plug_profile_get_call_timeout (profile), ==, 77);

  json = plug_profile_to_json (profile);
  g_assert_cmpstr (json_object_get_string_member (json, "kind"), ==, "k");
  g_assert_cmpint (json_object_get_int_member (json, "callTimeout"), ==, 77);
  g_assert_true (json_object_has_member (json, "extra"));
}

static void
assert_update_fails (PlugProfile *profile,
                     const char  *update,
                     int          code,
                     const char  *message)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) before = plug_profile_to_json (profile);
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonNode) before_node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) after_node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *before_text = NULL;
  g_autofree char *after_text = NULL;

  g_assert_true (json_parser_load_from_data (parser, update, -1, NULL));
  g_assert_false (plug_profile_update (profile, json_node_get_object (json_parser_get_root (parser)), &error));
  g_assert_error (error, PLUG_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);

  /* A refused update changes nothing. */
  after = plug_profile_to_json (profile);
  json_node_set_object (before_node, before);
  json_node_set_object (after_node, after);
  before_text = json_to_string (before_node, FALSE);
  after_text = json_to_string (after_node, FALSE);
  g_assert_cmpstr (before_text, ==, after_text);
}

static void
test_update_refused (void)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugProfile) no_url = NULL;

  profile = profile_from_data ("{\"name\":\"p\",\"url\":\"u\",\"methods\":[\"a\"]}", NULL);
  assert_update_fails (profile, "{\"name\":\"q\",\"methods\":[\"b\"]}",
                       PLUG_ERROR_PERMISSION_DENIED, "A plugin cannot change its name.");
  assert_update_fails (profile, "{\"name\":null}",
                       PLUG_ERROR_PERMISSION_DENIED, "A plugin cannot change its name.");
  assert_update_fails (profile, "{\"url\":\"v\",\"methods\":[\"b\"]}",
                       PLUG_ERROR_PERMISSION_DENIED, "Url from Profile cannot be updated.");
  assert_update_fails (profile, "{\"url\":null}",
                       PLUG_ERROR_PERMISSION_DENIED, "Url from Profile cannot be updated.");
  assert_update_fails (profile, "{\"methods\":\"b\"}",
                       PLUG_ERROR_INVALID_PROFILE, "field \"methods\" must be an array of strings");
  assert_update_fails (profile, "{\"concurrency\":0}",
                       PLUG_ERROR_INVALID_PROFILE, "field \"concurrency\" must be an integer >= 1");
  g_assert_true (plug_profile_has_method (profile, "a"));
  g_assert_cmpuint (plug_profile_get_concurrency (profile), ==, 1);

  no_url = profile_from_data ("{\"name\":\"p\"}", NULL);
  assert_update_fails (no_url, "{\"url\":\"v\"}",
                       PLUG_ERROR_PERMISSION_DENIED, "Url from Profile cannot be updated.");
}

static void
assert_error_at (GPtrArray  *errors,
                 guint       index,
                 int         code,
                 const char *message)
{
  GError *error = g_ptr_array_index (errors, index);

  g_assert_error (error, PLUG_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_load_dirs (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *dir1 = g_build_filename (fixture->dir, "one", NULL);
  g_autofree char *dir2 = g_build_filename (fixture->dir, "two", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  g_autofree char *alpha = write_file (dir1, "a.json", "{\"name\":\"alpha\"}");
  g_autofree char *broken = write_file (dir1, "b.json", "{\"name\":\"broken\",\n\"methods\": 1}");
  g_autofree char *gamma = write_file (dir1, "c.json", "{\"name\":\"gamma\"}");
  g_autofree char *alpha2 = write_file (dir1, "d.json", "{\"name\":\"alpha\",\"version\":\"2\"}");
  g_autofree char *notes G_GNUC_UNUSED = write_file (dir1, "notes.txt", "{\"name\":\"notes\"}");
  g_autofree char *hidden G_GNUC_UNUSED = write_file (dir1, ".hidden.json", "{\"name\":\"hidden\"}");
  g_autofree char *beta = write_file (dir2, "0-beta.json", "{\"name\":\"beta\"}");
  g_autofree char *gamma2 = write_file (dir2, "gamma.json", "{\"name\":\"gamma\"}");
  g_autofree char *zeta = write_file (dir2, "z.json", "{\"name\":\"zeta\"}");
  const char * const dirs[] = { missing, dir1, dir2, NULL };
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) profiles = plug_profile_load_dirs (dirs, &errors);
  g_autofree char *broken_error = g_strdup_printf ("%s:2:12: field \"methods\" must be an array of strings", broken);
  g_autofree char *alpha_error = g_strdup_printf ("%s: plugin \"alpha\" is already defined in %s", alpha2, alpha);
  g_autofree char *gamma_error = g_strdup_printf ("%s: plugin \"gamma\" is already defined in %s", gamma2, gamma);
  static const char *names[] = { "alpha", "beta", "gamma", "zeta" };
  const char *paths[] = { alpha, beta, gamma, zeta };

  g_assert_cmpuint (profiles->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);

      g_assert_cmpstr (plug_profile_get_name (profile), ==, names[i]);
      g_assert_cmpstr (plug_profile_get_path (profile), ==, paths[i]);
    }
  g_assert_null (plug_profile_get_version (g_ptr_array_index (profiles, 0)));

  g_assert_nonnull (errors);
  g_assert_cmpuint (errors->len, ==, 3);
  assert_error_at (errors, 0, PLUG_ERROR_INVALID_PROFILE, broken_error);
  assert_error_at (errors, 1, PLUG_ERROR_ALREADY_REGISTERED, alpha_error);
  assert_error_at (errors, 2, PLUG_ERROR_ALREADY_REGISTERED, gamma_error);
}

static void
test_load_dirs_empty (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "missing", NULL);
  const char * const dirs[] = { missing, fixture->dir, NULL };
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) profiles = plug_profile_load_dirs (dirs, &errors);
  g_autoptr(GPtrArray) no_dirs = plug_profile_load_dirs (NULL, NULL);

  g_assert_cmpuint (profiles->len, ==, 0);
  g_assert_cmpuint (errors->len, ==, 0);
  g_assert_cmpuint (no_dirs->len, ==, 0);
}

static GStrv
expected_data_dirs (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char * const *system_dirs = g_get_system_data_dirs ();
  g_autofree char *user = g_build_filename (g_get_user_data_dir (), "plugctl", "plugins", NULL);
  g_autofree char *installed = g_canonicalize_filename (PLUGCTL_PLUGINSDIR, NULL);
  gboolean installed_seen = FALSE;

  g_strv_builder_add (builder, user);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (system_dirs[i], "plugctl", "plugins", NULL);
      g_autofree char *canonical = g_canonicalize_filename (dir, NULL);

      installed_seen |= g_str_equal (canonical, installed);
      g_strv_builder_add (builder, canonical);
    }
  /* The installed manifests come last, for a prefix outside the data dirs. */
  if (!installed_seen)
    g_strv_builder_add (builder, installed);

  return g_strv_builder_end (builder);
}

static void
test_search_path (void)
{
  const char * const extra[] = { "/x/extra", "/x/extra/", "/x/other", NULL };
  g_auto(GStrv) data_dirs = expected_data_dirs ();
  g_auto(GStrv) with_env = NULL;
  g_auto(GStrv) without_env = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) expected = NULL;

  g_assert_cmpuint (g_strv_length (data_dirs), >=, 2);
  g_assert_true (g_setenv ("PLUGCTL_PLUGIN_PATH", "/p1::/p2/:/x/other:/p1", TRUE));
  with_env = plug_profile_search_path (extra);

  g_strv_builder_add_many (builder, "/x/extra", "/x/other", "/p1", "/p2", NULL);
  g_strv_builder_addv (builder, (const char **) data_dirs);
  expected = g_strv_builder_end (builder);
  assert_strv ((const char * const *) with_env, (const char * const *) expected);

  g_unsetenv ("PLUGCTL_PLUGIN_PATH");
  without_env = plug_profile_search_path (NULL);
  assert_strv ((const char * const *) without_env, (const char * const *) data_dirs);
}

/* What plug_profile_get_name() and _get_url() returned stays valid across
 * an update (they cannot change). */
static void
test_update_keeps_name_and_url_strings (void)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(JsonObject) update = json_object_new ();
  const char *name, *url;

  profile = plug_profile_new_from_data ("{\"name\":\"p\",\"url\":\"ws://127.0.0.1:1\"}", -1, NULL, NULL);
  g_assert_nonnull (profile);
  name = plug_profile_get_name (profile);
  url = plug_profile_get_url (profile);
  json_object_set_string_member (update, "name", "p");
  json_object_set_string_member (update, "description", "updated");
  g_assert_true (plug_profile_update (profile, update, NULL));
  g_assert_true (plug_profile_get_name (profile) == name);
  g_assert_true (plug_profile_get_url (profile) == url);
  g_assert_cmpstr (name, ==, "p");
  g_assert_cmpstr (plug_profile_get_description (profile), ==, "updated");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/profile/new/minimal-defaults", test_minimal);
  g_test_add_func ("/profile/new/name-only", test_new_name_only);
  g_test_add ("/profile/new/full-manifest", Fixture, NULL, fixture_set_up, test_full, fixture_tear_down);
  g_test_add_func ("/profile/new/from-json", test_new_from_json);
  g_test_add_func ("/profile/new/null-is-absent", test_null_is_absent);
  g_test_add ("/profile/new/missing-file", Fixture, NULL, fixture_set_up, test_missing_file, fixture_tear_down);
  g_test_add ("/profile/errors/file-line-column", Fixture, NULL,
              fixture_set_up, test_bad_fields_in_file, fixture_tear_down);
  g_test_add_func ("/profile/errors/data-line-column", test_bad_fields_in_data);
  g_test_add_func ("/profile/errors/json-origin-only", test_bad_fields_in_json);
  g_test_add_func ("/profile/to-json/keeps-unknown-fields", test_to_json_keeps_everything);
  g_test_add_func ("/profile/to-json/current-values", test_to_json_current_values);
  g_test_add ("/profile/paths/relative-to-manifest", Fixture, NULL,
              fixture_set_up, test_paths_relative, fixture_tear_down);
  g_test_add_func ("/profile/paths/base-dir-of-data", test_paths_from_data);
  g_test_add_func ("/profile/paths/url-js-runs-node", test_node_script);
  g_test_add_func ("/profile/update/merges", test_update);
  g_test_add_func ("/profile/update/refuses-name-url-and-bad-fields", test_update_refused);
  g_test_add ("/profile/load-dirs/broken-and-duplicate-skipped", Fixture, NULL,
              fixture_set_up, test_load_dirs, fixture_tear_down);
  g_test_add ("/profile/load-dirs/empty-and-missing", Fixture, NULL,
              fixture_set_up, test_load_dirs_empty, fixture_tear_down);
  g_test_add_func ("/profile/search-path/order-and-duplicates", test_search_path);

  g_test_add_func ("/profile/update/keeps-name-and-url-strings", test_update_keeps_name_and_url_strings);

  return g_test_run ();
}
