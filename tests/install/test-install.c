/* test-install.c: `meson install` into a temporary DESTDIR, then what
 * users do with an installation: list the installed plugins, build a
 * connector and a plugin out of tree against the installed plugctl-1.pc,
 * and run them with the installed plugctl.
 *
 * Under DESTDIR the compiled-in directories name the real prefix, where
 * nothing is installed: the installed plugctl is pointed at the DESTDIR
 * copies with LD_LIBRARY_PATH, PLUGCTL_CONNECTOR_PATH and XDG_DATA_DIRS,
 * and plugctl-1.pc is read from a copy whose `prefix=` is the DESTDIR's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <plugctl.h>

#include "../cli/cli-runner.h"

typedef struct
{
  char     *destdir;
  char     *root;            /* destdir + prefix */
  char     *pc_dir;          /* plugctl-1.pc with the DESTDIR's prefix */
  char     *work_dir;        /* sources, programs and manifests of the test */
  char     *plugctl;         /* the installed one */
  GStrv     plugctl_env;     /* VAR=VALUE: what it runs on */
  GStrv     pkg_config_env;
  gboolean  installed;
} Fixture;

static const char *
getenv_required (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

/* @dir (an installation directory) under the DESTDIR */
static char *
installed_path (Fixture    *fixture,
                const char *dir,
                const char *first,
                ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, fixture->destdir);
  g_ptr_array_add (parts, (char *) dir);
  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

/* Runs @program @first… with the `env` assignments of @env (nullable)
 * and checks that it succeeds. */
static void
run_valist (CliRun             *run,
            const char * const *env,
            const char         *program,
            const char         *first,
            va_list             args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  if (env != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("env"));
      for (guint i = 0; env[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (env[i]));
    }
  g_ptr_array_add (argv, g_strdup (program));
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);

  cli_run_argv (run, argv, NULL);
  g_assert_cmpint (run->status, ==, 0);
}

static void
run_ok (CliRun     *run,
        const char *program,
        const char *first,
        ...)
{
  va_list args;

  va_start (args, first);
  run_valist (run, NULL, program, first, args);
  va_end (args);
}

/* The installed plugctl, on the installed library, connectors and
 * manifests. */
static void
run_plugctl (CliRun     *run,
             Fixture    *fixture,
             const char *first,
             ...)
{
  va_list args;

  va_start (args, first);
  run_valist (run, (const char * const *) fixture->plugctl_env, fixture->plugctl, first, args);
  va_end (args);
}

/* pkg-config on the DESTDIR's plugctl-1.pc; its output, stripped */
static char *
pkg_config (Fixture    *fixture,
            const char *first,
            ...)
{
  g_auto(CliRun) run = { NULL, };
  va_list args;

  va_start (args, first);
  run_valist (&run, (const char * const *) fixture->pkg_config_env, "pkg-config", first, args);
  va_end (args);

  return g_strdup (g_strstrip (run.out));
}

/* plugctl-1.pc as installed, but for its prefix */
static void
relocate_pkg_config_file (Fixture *fixture)
{
  g_autofree char *installed = installed_path (fixture, getenv_required ("PLUGCTL_LIBDIR"),
                                               "pkgconfig", "plugctl-1.pc", NULL);
  g_autofree char *original_prefix = g_strdup_printf ("prefix=%s\n",
                                                      getenv_required ("PLUGCTL_PREFIX"));
  g_autofree char *prefix = g_strdup_printf ("prefix=%s\n", fixture->root);
  g_autofree char *copy = g_build_filename (fixture->pc_dir, "plugctl-1.pc", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GString) relocated = NULL;

  g_file_get_contents (installed, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (text, original_prefix));

  relocated = g_string_new (text);
  g_string_replace (relocated, original_prefix, prefix, 1);
  g_assert_cmpint (g_mkdir_with_parents (fixture->pc_dir, 0700), ==, 0);
  g_file_set_contents (copy, relocated->str, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *meson = getenv_required ("PLUGCTL_TEST_MESON");
  g_auto(CliRun) install = { NULL, };
  g_autofree char *libdir = NULL;
  g_autofree char *connectorsdir = NULL;
  g_autofree char *plugctl_datadir = g_path_get_dirname (PLUGCTL_PLUGINSDIR);
  g_autofree char *datadir = g_path_get_dirname (plugctl_datadir);
  g_autofree char *installed_datadir = NULL;

  /* G_TEST_OPTION_ISOLATE_DIRS: HOME is this test's own, removed after it */
  fixture->destdir = g_build_filename (g_get_home_dir (), "destdir", NULL);
  fixture->root = installed_path (fixture, getenv_required ("PLUGCTL_PREFIX"), NULL);
  fixture->pc_dir = g_build_filename (g_get_home_dir (), "pkgconfig", NULL);
  fixture->work_dir = g_build_filename (g_get_home_dir (), "work", NULL);
  fixture->plugctl = installed_path (fixture, getenv_required ("PLUGCTL_BINDIR"), "plugctl", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->work_dir, 0700), ==, 0);

  if (*meson == '\0')
    {
      g_test_skip ("meson is not in PATH: cannot run `meson install`");
      return;
    }
  run_ok (&install, meson, "install", "-C", getenv_required ("PLUGCTL_BUILD_ROOT"),
          "--destdir", fixture->destdir, "--no-rebuild", "--quiet", NULL);
  relocate_pkg_config_file (fixture);
  fixture->installed = TRUE;

  /* the installed plugctl, on the installed library, connectors and
   * manifests only */
  libdir = installed_path (fixture, getenv_required ("PLUGCTL_LIBDIR"), NULL);
  connectorsdir = installed_path (fixture, PLUGCTL_CONNECTORSDIR, NULL);
  installed_datadir = installed_path (fixture, datadir, NULL);
  fixture->plugctl_env = g_new0 (char *, 4);
  fixture->plugctl_env[0] = g_strconcat ("LD_LIBRARY_PATH=", libdir, NULL);
  fixture->plugctl_env[1] = g_strconcat ("PLUGCTL_CONNECTOR_PATH=", connectorsdir, NULL);
  fixture->plugctl_env[2] = g_strconcat ("XDG_DATA_DIRS=", installed_datadir, NULL);
  fixture->pkg_config_env = g_new0 (char *, 2);
  fixture->pkg_config_env[0] = g_strconcat ("PKG_CONFIG_PATH=", fixture->pc_dir, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_free (fixture->destdir);
  g_free (fixture->root);
  g_free (fixture->pc_dir);
  g_free (fixture->work_dir);
  g_free (fixture->plugctl);
  g_strfreev (fixture->plugctl_env);
  g_strfreev (fixture->pkg_config_env);
}

static void
assert_installed (Fixture    *fixture,
                  const char *dir,
                  const char *name,
                  gboolean    executable)
{
  g_autofree char *path = installed_path (fixture, dir, name, NULL);

  g_test_message ("installed: %s/%s", dir, name);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  if (executable)
    g_assert_cmpint (g_access (path, X_OK), ==, 0);
}

static void
test_layout (Fixture       *fixture,
             gconstpointer  data)
{
  const char *libdir = getenv_required ("PLUGCTL_LIBDIR");
  g_autofree char *includedir = g_build_filename (getenv_required ("PLUGCTL_INCLUDEDIR"),
                                                  "plugctl-1", NULL);
  const char *mandir = getenv_required ("PLUGCTL_MANDIR");
  const char *pluginexecdir = getenv_required ("PLUGCTL_PLUGINEXECDIR");
  g_auto(GStrv) man_pages = g_strsplit (getenv_required ("PLUGCTL_MAN_PAGES"), ":", -1);
  const char *completionsdir = g_getenv ("PLUGCTL_COMPLETIONSDIR");

  g_test_summary ("meson install puts the binary, library, headers, pkg-config "
                  "file, connectors, plugins, man pages and completion in place");
  if (!fixture->installed)
    return;

  assert_installed (fixture, getenv_required ("PLUGCTL_BINDIR"), "plugctl", TRUE);
  assert_installed (fixture, libdir, "libplugctl-1.so.0", FALSE);
  assert_installed (fixture, libdir, "pkgconfig/plugctl-1.pc", FALSE);
  assert_installed (fixture, includedir, "plugctl.h", FALSE);
  assert_installed (fixture, includedir, "plug-connector-module.h", FALSE);
  assert_installed (fixture, includedir, "plug-client.h", FALSE);
  for (const char *const *name = (const char *[]) { "child-process.so", "thread.so",
                                                    "native.so", "dbus.so", NULL };
       *name != NULL; name++)
    assert_installed (fixture, PLUGCTL_CONNECTORSDIR, *name, FALSE);
  assert_installed (fixture, pluginexecdir, "plugctl-echo", TRUE);
  assert_installed (fixture, pluginexecdir, "echo-thread.so", FALSE);
  assert_installed (fixture, pluginexecdir, "py-echo.py", FALSE);
  for (guint i = 0; man_pages[i] != NULL; i++)
    {
      g_autofree char *section = g_strdup_printf ("man%s", strrchr (man_pages[i], '.') + 1);
      g_autofree char *dir = g_build_filename (mandir, section, NULL);

      assert_installed (fixture, dir, man_pages[i], FALSE);
    }

  if (completionsdir == NULL)
    g_test_fail_printf ("PLUGCTL_COMPLETIONSDIR is not set: "
                        "completion/meson.build is not part of the build");
  else
    assert_installed (fixture, completionsdir, "plugctl", FALSE);
}

static void
test_pkg_config (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *connectorsdir = NULL;
  g_autofree char *pluginsdir = NULL;
  g_autofree char *expected_connectorsdir = NULL;
  g_autofree char *expected_pluginsdir = NULL;
  g_autofree char *abi = NULL;
  g_autofree char *version = NULL;

  g_test_summary ("plugctl-1.pc publishes the directories plugctl searches and "
                  "the connector ABI the headers define");
  if (!fixture->installed || !have_program ("pkg-config"))
    return;

  connectorsdir = pkg_config (fixture, "--variable=connectorsdir", "plugctl-1", NULL);
  pluginsdir = pkg_config (fixture, "--variable=pluginsdir", "plugctl-1", NULL);
  abi = pkg_config (fixture, "--variable=connector_abi", "plugctl-1", NULL);
  version = pkg_config (fixture, "--modversion", "plugctl-1", NULL);
  expected_connectorsdir = installed_path (fixture, PLUGCTL_CONNECTORSDIR, NULL);
  expected_pluginsdir = installed_path (fixture, PLUGCTL_PLUGINSDIR, NULL);

  g_assert_cmpstr (connectorsdir, ==, expected_connectorsdir);
  g_assert_cmpstr (pluginsdir, ==, expected_pluginsdir);
  g_assert_cmpstr (abi, ==, G_STRINGIFY (PLUG_CONNECTOR_ABI_VERSION));
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
}

/* A manifest's string @field, or NULL */
static const char *
manifest_string (JsonObject *manifest,
                 const char *field)
{
  return json_object_has_member (manifest, field) ?
    json_object_get_string_member (manifest, field) : NULL;
}

/* What the manifest runs from pluginexecdir is installed. */
static void
assert_manifest_paths (Fixture    *fixture,
                       JsonObject *manifest)
{
  const char *pluginexecdir = getenv_required ("PLUGCTL_PLUGINEXECDIR");
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  JsonArray *args = json_object_has_member (manifest, "args") ?
    json_object_get_array_member (manifest, "args") : NULL;

  g_ptr_array_add (paths, (char *) manifest_string (manifest, "command"));
  g_ptr_array_add (paths, (char *) manifest_string (manifest, "module"));
  for (guint i = 0; args != NULL && i < json_array_get_length (args); i++)
    g_ptr_array_add (paths, (char *) json_array_get_string_element (args, i));

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autofree char *in_destdir = NULL;

      if (path == NULL || !g_str_has_prefix (path, pluginexecdir))
        continue;
      in_destdir = installed_path (fixture, path, NULL);
      g_test_message ("%s runs %s", manifest_string (manifest, "name"), path);
      g_assert_true (g_file_test (in_destdir, G_FILE_TEST_EXISTS));
    }
}

static void
test_manifests (Fixture       *fixture,
                gconstpointer  data)
{
  const char *builddir = getenv_required ("PLUGCTL_PLUGINS_BUILDDIR");
  g_autofree char *echo_command = g_build_filename (getenv_required ("PLUGCTL_PLUGINEXECDIR"),
                                                    "plugctl-echo", NULL);
  g_autoptr(GDir) dir = g_dir_open (builddir, 0, NULL);
  g_auto(CliRun) list = { NULL, };
  g_autoptr(JsonNode) listed = NULL;
  JsonArray *plugins;
  guint n_bundled = 0;
  guint n_listed = 0;
  const char *file;

  g_test_summary ("Every bundled manifest is installed, runs what is installed "
                  "in libexecdir, and the installed plugctl lists it");
  if (!fixture->installed)
    return;
  g_assert_nonnull (dir);

  while ((file = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *manifest;

      if (!g_str_has_suffix (file, ".json"))
        continue;
      path = installed_path (fixture, PLUGCTL_PLUGINSDIR, file, NULL);
      g_test_message ("manifest %s", file);
      json_parser_load_from_file (parser, path, &error);
      g_assert_no_error (error);
      manifest = json_node_get_object (json_parser_get_root (parser));
      assert_manifest_paths (fixture, manifest);
      if (strcmp (file, "echo.json") == 0)
        g_assert_cmpstr (manifest_string (manifest, "command"), ==, echo_command);
      n_bundled++;
    }
  g_assert_cmpuint (n_bundled, >=, 5);

  /* found through XDG_DATA_DIRS, without --plugin-dir */
  run_plugctl (&list, fixture, "list", "--json", NULL);
  g_assert_cmpstr (list.err, ==, "");
  listed = parse_json (list.out);
  plugins = json_node_get_array (listed);
  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);
      const char *manifest = json_object_get_string_member (plugin, "path");

      g_assert_cmpstr (json_object_get_string_member (plugin, "state"), ==, "inactive");
      if (g_str_has_prefix (manifest, fixture->destdir))
        n_listed++;
    }
  g_assert_cmpuint (n_listed, ==, n_bundled);
}

static void
add_strv (GPtrArray          *argv,
          const char * const *strv)
{
  for (guint i = 0; strv[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (strv[i]));
}

/* cc with the flags of the installed plugctl-1.pc; FALSE (and the test
 * skipped) when there is no compiler */
static gboolean
compile (Fixture    *fixture,
         const char *source,
         const char *output,
         gboolean    shared)
{
  const char * const warnings[] = { "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror", NULL };
  const char * const shared_flags[] = { "-shared", "-fPIC", NULL };
  g_auto(GStrv) cc = NULL;
  g_auto(GStrv) flags = NULL;
  g_autofree char *cc_path = NULL;
  g_autofree char *pc_flags = NULL;
  g_autofree char *source_path = g_build_filename (getenv_required ("PLUGCTL_OUT_OF_TREE_DIR"),
                                                   source, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(CliRun) run = { NULL, };

  g_shell_parse_argv (getenv_required ("PLUGCTL_TEST_CC"), NULL, &cc, &error);
  g_assert_no_error (error);
  cc_path = g_find_program_in_path (cc[0]);
  if (cc_path == NULL)
    {
      g_test_skip_printf ("no C compiler: %s is not installed", cc[0]);
      return FALSE;
    }
  if (!have_program ("pkg-config"))
    return FALSE;

  pc_flags = pkg_config (fixture, "--cflags", "--libs", "plugctl-1", NULL);
  g_shell_parse_argv (pc_flags, NULL, &flags, &error);
  g_assert_no_error (error);

  add_strv (argv, (const char * const *) cc);
  add_strv (argv, (const char * const *) warnings);
  if (shared)
    add_strv (argv, (const char * const *) shared_flags);
  add_strv (argv, (const char * const *) (const char *[]) { "-o", output, source_path, NULL });
  add_strv (argv, (const char * const *) flags);
  g_ptr_array_add (argv, NULL);

  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 0, "", "");
  return TRUE;
}

static void
write_manifest (Fixture    *fixture,
                const char *name,
                const char *text)
{
  g_autofree char *path = g_build_filename (fixture->work_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_out_of_tree_connector (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *connectorsdir = NULL;
  g_autofree char *module = NULL;
  g_autofree char *expected_line = NULL;
  g_auto(CliRun) connectors = { NULL, };
  g_auto(CliRun) call = { NULL, };

  g_test_summary ("A connector built against the installed plugctl-1.pc only, "
                  "dropped into its connectorsdir, is listed by the installed "
                  "plugctl and runs a plugin");
  if (!fixture->installed)
    return;

  connectorsdir = pkg_config (fixture, "--variable=connectorsdir", "plugctl-1", NULL);
  module = g_build_filename (connectorsdir, "loop.so", NULL);
  if (!compile (fixture, "loop-connector.c", module, TRUE))
    return;

  run_plugctl (&connectors, fixture, "connectors", NULL);
  expected_line = g_strdup_printf ("\nloop             %s\n", module);
  g_assert_nonnull (strstr (connectors.out, expected_line));
  g_assert_cmpstr (connectors.err, ==, "");

  write_manifest (fixture, "loopy.json",
                  "{ \"name\": \"loopy\", \"connector\": \"loop\", \"methods\": [\"echo\"] }");
  run_plugctl (&call, fixture, "--plugin-dir", fixture->work_dir,
          "call", "loopy", "echo", "1", "\"a\"", NULL);
  assert_run (&call, 0, "[1,\"a\"]\n", "");
}

static void
test_out_of_tree_plugin (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *program = g_build_filename (fixture->work_dir, "hello", NULL);
  g_auto(CliRun) call = { NULL, };

  g_test_summary ("A plugin program built against the installed headers and "
                  "plugctl-1.pc answers a call through the installed plugctl");
  if (!fixture->installed || !compile (fixture, "hello-plugin.c", program, FALSE))
    return;

  write_manifest (fixture, "hello.json",
                  "{ \"name\": \"hello\", \"command\": \"./hello\", \"methods\": [\"greet\"] }");
  run_plugctl (&call, fixture, "--plugin-dir", fixture->work_dir,
          "call", "hello", "greet", "world", NULL);
  assert_run (&call, 0, "\"Hello, world!\"\n", "");
}

/* `test-install --search-path DIRS` prints the manifest search path with
 * XDG_DATA_DIRS=DIRS, one directory a line: in a process of its own, as
 * GLib reads the data dirs once, and the test isolation sets them. */
static int
print_search_path (const char *xdg_data_dirs)
{
  g_auto(GStrv) path = NULL;

  g_setenv ("XDG_DATA_DIRS", xdg_data_dirs, TRUE);
  g_unsetenv ("PLUGCTL_PLUGIN_PATH");
  path = plug_profile_search_path (NULL);
  for (guint i = 0; path[i] != NULL; i++)
    g_print ("%s\n", path[i]);

  return 0;
}

static void
assert_search_path (const char *xdg_data_dirs,
                    const char *expected_tail)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_auto(CliRun) run = { NULL, };

  g_assert_nonnull (self);
  run_ok (&run, self, "--search-path", xdg_data_dirs, NULL);
  g_assert_true (g_str_has_suffix (run.out, expected_tail));
  /* once only */
  g_assert_true (strstr (run.out, PLUGCTL_PLUGINSDIR "\n") ==
                 run.out + strlen (run.out) - strlen (PLUGCTL_PLUGINSDIR "\n"));
}

static void
test_search_path (void)
{
  g_test_summary ("The installed manifests are searched last, also when the "
                  "prefix's datadir is not in XDG_DATA_DIRS, and once when it is");
  assert_search_path ("/nonexistent/share",
                      "\n/nonexistent/share/plugctl/plugins\n" PLUGCTL_PLUGINSDIR "\n");
  /* the same datadir, spelled otherwise: the search path is canonical */
  assert_search_path ("/nonexistent/share:" PLUGCTL_PLUGINSDIR "/../..",
                      "\n/nonexistent/share/plugctl/plugins\n" PLUGCTL_PLUGINSDIR "\n");
}

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--search-path"))
    return print_search_path (argv[2]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/install/layout", Fixture, NULL,
              fixture_set_up, test_layout, fixture_tear_down);
  g_test_add ("/install/pkg-config/variables", Fixture, NULL,
              fixture_set_up, test_pkg_config, fixture_tear_down);
  g_test_add ("/install/manifests/run-installed-files", Fixture, NULL,
              fixture_set_up, test_manifests, fixture_tear_down);
  g_test_add ("/install/out-of-tree/connector", Fixture, NULL,
              fixture_set_up, test_out_of_tree_connector, fixture_tear_down);
  g_test_add ("/install/out-of-tree/plugin", Fixture, NULL,
              fixture_set_up, test_out_of_tree_plugin, fixture_tear_down);
  g_test_add_func ("/install/search-path/installed-manifests-last", test_search_path);

  return g_test_run ();
}
