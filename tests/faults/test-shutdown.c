/* test-shutdown.c: SIGINT and SIGTERM to plugctl, embedded (`batch`,
 * `listen`) and `plugctl daemon`, with plugins running, one of which
 * ignores both its closed channel and SIGTERM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This process is a child subreaper: a plugin process that plugctl left
 * behind, running or a zombie, becomes our child when plugctl exits, and
 * is found. plugctl must have stopped, killed and reaped every plugin
 * before it exits, with the status plugctl(1) documents. (tests/cli has
 * SIGINT to `batch` and `listen` with well-behaved plugins, tests/dbus
 * SIGTERM to the daemon with one.)
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "../cli/cli-runner.h"

#define DAEMON_NAME "org.plugctl.Engine1"
#define WAIT_TIMEOUT_S 30

static GPtrArray *
argv_new (void)
{
  GPtrArray *argv = cli_argv_new (TRUE);

  g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
  g_ptr_array_add (argv, g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                           "faults", "plugins", NULL));
  return argv;
}

static gboolean
process_is_gone (gint64 pid)
{
  return kill ((pid_t) pid, 0) == -1 && errno == ESRCH;
}

static gboolean
cmdline_contains (const char *pid,
                  const char *needle)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "cmdline", NULL);
  g_autofree char *cmdline = NULL;
  gsize length;

  if (!g_file_get_contents (path, &cmdline, &length, NULL))
    return FALSE;
  for (gsize i = 0; i + 1 < length; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  return strstr (cmdline, needle) != NULL;
}

/* Children of @parent (any state, zombies too) whose command line
 * contains @needle, from /proc/<parent>/task/<tid>/children. */
static guint
count_children (pid_t       parent,
                const char *needle)
{
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", (int) parent);
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  const char *tid;
  guint n = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (task_dir, tid, "children", NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) pids = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      pids = g_strsplit (g_strstrip (text), " ", -1);
      for (guint i = 0; pids[i] != NULL; i++)
        if (pids[i][0] != '\0' && cmdline_contains (pids[i], needle))
          n++;
    }

  return n;
}

/* No plugin process left: neither alive nor a zombie re-parented here. */
static void
assert_no_plugin_left (const gint64 *pids,
                       guint         n_pids)
{
  for (guint i = 0; i < n_pids; i++)
    g_assert_true (process_is_gone (pids[i]));
  g_assert_cmpuint (count_children (getpid (), "misbehave"), ==, 0);
  g_assert_cmpuint (count_children (getpid (), "killme"), ==, 0);
}

static gint64
result_int (const char *line)
{
  g_autoptr(JsonNode) answer = NULL;

  g_assert_nonnull (line);
  answer = parse_json (line);
  return json_object_get_int_member (json_node_get_object (answer), "result");
}

/* Embedded: batch */

static void
run_batch_interrupted (int signum,
                       int expected_status)
{
  const char input[] = "[\"killme\",\"pid\"]\n"
                       "[\"misbehave\",\"pid\"]\n"
                       "[\"misbehave-stubborn\",\"pid\"]\n"
                       "[\"misbehave-stubborn\",\"hang\"]\n";
  g_autoptr(GPtrArray) argv = argv_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hang_line = NULL;
  gint64 pids[3];
  gint64 signalled_at;

  cli_argv_add (argv, "batch", NULL);
  process = cli_spawn_streaming (argv, &out);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input,
                             strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      g_autofree char *line = read_line_bounded (out, process);

      pids[i] = result_int (line);
      g_assert_cmpint (pids[i], >, 1);
    }

  signalled_at = g_get_monotonic_time ();
  g_subprocess_send_signal (process, signum);
  /* The running call is answered, then every plugin stops; the stubborn
   * one after its grace periods, by SIGKILL. */
  hang_line = read_line_bounded (out, process);
  g_assert_nonnull (hang_line);
  g_assert_true (g_str_has_prefix (hang_line, "{\"error\":"));
  g_assert_cmpint (wait_exit_bounded (process), ==, expected_status);
  g_test_message ("plugctl batch exited %.0f ms after the signal",
                  (g_get_monotonic_time () - signalled_at) / 1000.0);

  assert_no_plugin_left (pids, G_N_ELEMENTS (pids));
}

static void
test_batch_sigterm (void)
{
  run_batch_interrupted (SIGTERM, 143);
}

static void
test_batch_sigint (void)
{
  run_batch_interrupted (SIGINT, 130);
}

/* Embedded: listen */

typedef struct
{
  pid_t parent;
  gboolean found;
} ChildWatch;

static gboolean
look_for_plugin (gpointer user_data)
{
  ChildWatch *watch = user_data;

  watch->found = count_children (watch->parent, "misbehave.py") > 0;
  return watch->found ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static void
wait_flag (gboolean   *flag,
           const char *what)
{
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, on_wait_timeout, (gpointer) what);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
}

static void
test_listen_sigterm (void)
{
  g_autoptr(GPtrArray) argv = argv_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  ChildWatch watch = { 0, FALSE };

  cli_argv_add (argv, "listen", "misbehave-stubborn", "flood", NULL);
  process = cli_spawn_streaming (argv, &out);
  watch.parent = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (process), NULL, 10);
  g_timeout_add (5, look_for_plugin, &watch);
  wait_flag (&watch.found, "the plugin of plugctl listen to start");

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (process), ==, 0);
  assert_no_plugin_left (NULL, 0);
}

/* Daemon */

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gint64
daemon_call_pid (const char *plugin)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_auto(CliRun) run = { 0, };

  cli_argv_add (argv, "--daemon", "call", plugin, "pid", NULL);
  cli_run_argv (&run, argv, NULL);
  g_assert_cmpint (run.status, ==, 0);
  return g_ascii_strtoll (run.out, NULL, 10);
}

static void
run_daemon_interrupted (int signum)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GPtrArray) argv = argv_new ();
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;
  gint64 pids[2];
  guint watch_id;

  if (!have_program ("dbus-daemon"))
    return;
  g_test_dbus_up (bus);  /* sets DBUS_SESSION_BUS_ADDRESS */
  g_unsetenv ("PLUGCTL_DAEMON");

  watch_id = g_bus_watch_name (G_BUS_TYPE_SESSION, DAEMON_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                               on_name_appeared, NULL, &owned, NULL);
  cli_argv_add (argv, "daemon", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  daemon = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  wait_flag (&owned, "the daemon to own its name");
  g_bus_unwatch_name (watch_id);

  pids[0] = daemon_call_pid ("killme");
  pids[1] = daemon_call_pid ("misbehave-stubborn");
  g_assert_false (process_is_gone (pids[0]));
  g_assert_false (process_is_gone (pids[1]));

  g_subprocess_send_signal (daemon, signum);
  g_assert_cmpint (wait_exit_bounded (daemon), ==, 0);
  assert_no_plugin_left (pids, G_N_ELEMENTS (pids));

  g_test_dbus_down (bus);
}

static void
test_daemon_sigterm (void)
{
  run_daemon_interrupted (SIGTERM);
}

static void
test_daemon_sigint (void)
{
  run_daemon_interrupted (SIGINT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Orphans of plugctl come to us (see above). */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1) != 0)
    g_error ("prctl (PR_SET_CHILD_SUBREAPER): %s", g_strerror (errno));

  g_test_add_func ("/shutdown/embedded/batch-sigterm-stops-every-plugin", test_batch_sigterm);
  g_test_add_func ("/shutdown/embedded/batch-sigint-stops-every-plugin", test_batch_sigint);
  g_test_add_func ("/shutdown/embedded/listen-sigterm-kills-stubborn-plugin", test_listen_sigterm);
  g_test_add_func ("/shutdown/daemon/sigterm-stops-every-plugin", test_daemon_sigterm);
  g_test_add_func ("/shutdown/daemon/sigint-stops-every-plugin", test_daemon_sigint);

  return g_test_run ();
}
