/* cli-runner.c: run plugctl as a subprocess, every wait bounded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <fcntl.h>

#include <string.h>

#include "cli-runner.h"

/* Every wait on the binary is bounded by this. */
#define CLI_TIMEOUT_S 30

void
cli_run_clear (CliRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

static const char *
getenv_required (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

/* argv: plugctl --plugin-dir <bundled> --plugin-dir <test plugins> … */
GPtrArray *
cli_argv_new (gboolean with_default_dirs)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (getenv_required ("PLUGCTL_CLI")));
  if (with_default_dirs)
    {
      g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
      g_ptr_array_add (argv, g_strdup (getenv_required ("PLUGCTL_PLUGINS_BUILDDIR")));
      g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
      g_ptr_array_add (argv, g_build_filename (getenv_required ("PLUGCTL_TESTS_BUILDDIR"),
                                               "plugins", NULL));
    }
  return argv;
}

static void
cli_argv_add_valist (GPtrArray  *argv,
                     const char *first,
                     va_list     args)
{
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);
}

/* Appends the args and the final NULL. */
void
cli_argv_add (GPtrArray  *argv,
              const char *first,
              ...)
{
  va_list args;

  va_start (args, first);
  cli_argv_add_valist (argv, first, args);
  va_end (args);
}

static GSubprocess *
cli_spawn (GPtrArray       *argv,
           GSubprocessFlags flags)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  /* only the directories the test names */
  g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_PLUGIN_PATH");
  process = g_subprocess_launcher_spawnv (launcher,
                                          (const char * const *) argv->pdata,
                                          &error);
  g_assert_no_error (error);
  return process;
}

typedef struct
{
  gboolean     done;
  gboolean     timed_out;
  GCancellable *cancellable;
} Wait;

static gboolean
on_wait_timeout (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  g_cancellable_cancel (wait->cancellable);
  return G_SOURCE_REMOVE;
}

static void
wait_init (Wait  *wait,
           guint *timeout_id)
{
  wait->done = FALSE;
  wait->timed_out = FALSE;
  wait->cancellable = g_cancellable_new ();
  *timeout_id = g_timeout_add_seconds (CLI_TIMEOUT_S, on_wait_timeout, wait);
}

static void
wait_finish (Wait        *wait,
             guint        timeout_id,
             GSubprocess *process)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
  if (wait->timed_out)
    {
      g_subprocess_force_exit (process);
      g_error ("plugctl did not finish within %d s", CLI_TIMEOUT_S);
    }
  g_source_remove (timeout_id);
  g_clear_object (&wait->cancellable);
}

typedef struct
{
  Wait   wait;
  char  *out;
  char  *err;
} Communicate;

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicate *communicate = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &communicate->out, &communicate->err,
                                        &error);
  if (!communicate->wait.timed_out)
    g_assert_no_error (error);
  communicate->wait.done = TRUE;
}

static int
exit_status (GSubprocess *process)
{
  if (g_subprocess_get_if_exited (process))
    return g_subprocess_get_exit_status (process);
  return -1;
}

void
cli_run_argv (CliRun     *run,
              GPtrArray  *argv,
              const char *input)
{
  g_autoptr(GSubprocess) process = NULL;
  Communicate communicate = { { 0, }, NULL, NULL };
  guint timeout_id;

  process = cli_spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                             G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  wait_init (&communicate.wait, &timeout_id);
  g_subprocess_communicate_utf8_async (process, input != NULL ? input : "",
                                       communicate.wait.cancellable,
                                       on_communicated, &communicate);
  wait_finish (&communicate.wait, timeout_id, process);

  run->out = communicate.out;
  run->err = communicate.err;
  run->status = exit_status (process);
  g_test_message ("status %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

/* Runs plugctl with the bundled and test plugin dirs and the given args. */
void
cli_run (CliRun     *run,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  va_list args;

  va_start (args, first);
  cli_argv_add_valist (argv, first, args);
  va_end (args);
  cli_run_argv (run, argv, NULL);
}

void
cli_run_with_input (CliRun     *run,
                    const char *input,
                    const char *first,
                    ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (TRUE);
  va_list args;

  va_start (args, first);
  cli_argv_add_valist (argv, first, args);
  va_end (args);
  cli_run_argv (run, argv, input);
}

void
assert_run (CliRun     *run,
            int         status,
            const char *out,
            const char *err)
{
  g_assert_cmpstr (run->out, ==, out);
  if (err != NULL)
    g_assert_cmpstr (run->err, ==, err);
  g_assert_cmpint (run->status, ==, status);
}

JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

gboolean
have_program (const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path == NULL)
    g_test_skip_printf ("%s is not installed", program);
  return path != NULL;
}

typedef struct
{
  Wait  wait;
  char *line;
} ReadLine;

static void
on_line_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadLine *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                         result, NULL, NULL);
  read->wait.done = TRUE;
}

char *
read_line_bounded (GDataInputStream *stream,
                   GSubprocess      *process)
{
  ReadLine read = { { 0, }, NULL };
  guint timeout_id;

  wait_init (&read.wait, &timeout_id);
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, read.wait.cancellable,
                                       on_line_read, &read);
  wait_finish (&read.wait, timeout_id, process);
  return read.line;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  wait->done = TRUE;
}

int
wait_exit_bounded (GSubprocess *process)
{
  Wait wait;
  guint timeout_id;

  wait_init (&wait, &timeout_id);
  g_subprocess_wait_async (process, wait.cancellable, on_exited, &wait);
  wait_finish (&wait, timeout_id, process);
  return exit_status (process);
}

/* stdout is read line by line; stderr goes to the test log */
GSubprocess *
cli_spawn_streaming (GPtrArray         *argv,
                     GDataInputStream **out)
{
  GSubprocess *process = cli_spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  *out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  return process;
}

void
cli_run_daemon (CliRun     *run,
                const char *first,
                ...)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  va_list args;

  g_ptr_array_add (argv, g_strdup ("--daemon"));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  cli_run_argv (run, argv, NULL);
}

void
cli_keep_test_dbus_watcher_private (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  g_test_dbus_up (bus);
  g_test_dbus_down (bus);
  for (int fd = 3; fd < 1024; fd++)
    {
      int flags = fcntl (fd, F_GETFD);

      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
}
