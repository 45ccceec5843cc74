/* daemon-fixture.c: a `plugctl daemon` of a test's own, on a private bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "daemon-fixture.h"

#define DAEMON_NAME "org.plugctl.Engine1"
/* How often waits on /proc look again. */
#define PROC_POLL_MS 10

void
daemon_fixture_init (void)
{
  cli_keep_test_dbus_watcher_private ();
}

void
daemon_fixture_set_up (DaemonFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);  /* sets DBUS_SESSION_BUS_ADDRESS for plugctl */
  g_unsetenv ("PLUGCTL_DAEMON");
  fixture->connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);

  /* not plugctl/plugins: the daemon must see these manifests only */
  fixture->plugin_dir = g_build_filename (g_get_user_data_dir (), "manifests", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->plugin_dir, 0700), ==, 0);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
daemon_fixture_wait_until (gboolean   (*condition) (gpointer data),
                           gpointer     data,
                           const char  *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (DAEMON_WAIT_S, on_wait_timeout, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_daemon_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

void
daemon_fixture_tear_down (DaemonFixture *fixture,
                          gconstpointer  data)
{
  if (fixture->daemon != NULL)
    {
      gboolean exited = FALSE;

      g_subprocess_send_signal (fixture->daemon, SIGTERM);
      g_subprocess_wait_async (fixture->daemon, NULL, on_daemon_exited, &exited);
      daemon_fixture_wait_until (is_true, &exited, "the daemon to exit");
      g_assert_true (g_subprocess_get_if_exited (fixture->daemon));
      g_assert_cmpint (g_subprocess_get_exit_status (fixture->daemon), ==, 0);
      g_clear_object (&fixture->daemon);
      g_clear_object (&fixture->daemon_out);
    }
  g_dbus_connection_close_sync (fixture->connection, NULL, NULL);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
  g_clear_pointer (&fixture->plugin_dir, g_free);
}

void
daemon_fixture_write_manifest (DaemonFixture *fixture,
                               const char    *name,
                               const char    *json)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->plugin_dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
}

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* A test that fails leaves no daemon behind, holding the test's output. */
static void
end_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
daemon_fixture_start (DaemonFixture *fixture)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;
  guint watch_id;

  watch_id = g_bus_watch_name_on_connection (fixture->connection, DAEMON_NAME,
                                             G_BUS_NAME_WATCHER_FLAGS_NONE,
                                             on_name_appeared, NULL, &owned, NULL);
  cli_argv_add (argv, "daemon", "--plugin-dir", fixture->plugin_dir, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_PLUGIN_PATH");
  g_subprocess_launcher_set_child_setup (launcher, end_with_test, NULL, NULL);
  fixture->daemon = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);
  fixture->daemon_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->daemon));
  fixture->daemon_pid = atoi (g_subprocess_get_identifier (fixture->daemon));
  daemon_fixture_wait_until (is_true, &owned, "the daemon to own its name");
  g_bus_unwatch_name (watch_id);
}

static int
compare_pids (gconstpointer a,
              gconstpointer b)
{
  return *(const GPid *) a - *(const GPid *) b;
}

GArray *
daemon_fixture_list_children (DaemonFixture *fixture)
{
  g_autofree char *tasks_path = g_strdup_printf ("/proc/%d/task", (int) fixture->daemon_pid);
  g_autoptr(GDir) tasks = g_dir_open (tasks_path, 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *tid;

  while (tasks != NULL && (tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *path = g_build_filename (tasks_path, tid, "children", NULL);
      g_autofree char *children = NULL;
      g_auto(GStrv) words = NULL;

      if (!g_file_get_contents (path, &children, NULL, NULL))
        continue;
      words = g_strsplit (g_strstrip (children), " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        {
          GPid pid = atoi (words[i]);

          if (pid > 0)
            g_array_append_val (pids, pid);
        }
    }
  g_array_sort (pids, compare_pids);
  return pids;
}

typedef struct
{
  DaemonFixture *fixture;
  guint          wanted;
} ChildrenWait;

static gboolean
has_children (gpointer data)
{
  ChildrenWait *wait = data;
  g_autoptr(GArray) pids = daemon_fixture_list_children (wait->fixture);

  return pids->len == wait->wanted;
}

static gboolean
on_proc_poll (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
daemon_fixture_wait_for_children (DaemonFixture *fixture,
                                  guint          n)
{
  ChildrenWait wait = { fixture, n };
  g_autofree char *what = g_strdup_printf ("the daemon to have %u child processes", n);
  guint poll_id = g_timeout_add (PROC_POLL_MS, on_proc_poll, NULL);

  daemon_fixture_wait_until (has_children, &wait, what);
  g_source_remove (poll_id);
}

char *
daemon_fixture_get_state (const char *name)
{
  g_auto(CliRun) run = { 0, };
  g_autoptr(JsonNode) list = NULL;
  JsonArray *plugins;

  cli_run_daemon (&run, "list", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  list = parse_json (run.out);
  plugins = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);

      if (g_strcmp0 (json_object_get_string_member (plugin, "name"), name) == 0)
        return g_strdup (json_object_get_string_member (plugin, "state"));
    }
  g_error ("plugctl list has no plugin %s", name);
}

char *
daemon_fixture_echo_program (void)
{
  return g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), "plugctl-echo", NULL);
}

char *
daemon_fixture_echo_module (void)
{
  return g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), "echo-thread.so", NULL);
}

char *
daemon_fixture_killme_program (void)
{
  return g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"), "plugins", "killme", NULL);
}
