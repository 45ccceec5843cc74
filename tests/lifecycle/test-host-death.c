/* test-host-death.c: plugins never outlive a plugctl killed by SIGKILL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs `plugctl batch` with two active plugins, `forker` (which leaves a
 * grandchild, `sleep 1000`) and the C plugin `echo`, kills plugctl with
 * SIGKILL, and checks that every process of theirs ends: the plugins by
 * PR_SET_PDEATHSIG, the grandchild by the process group reaper.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../conformance/test-util.h"

#define GONE_BOUND_MS 5000

static gboolean
process_is_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *paren;

  if (kill (pid, 0) < 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  paren = strrchr (stat, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

/* The processes whose parent is @parent. */
static GArray *
list_children_of (pid_t parent)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *paren;
      int ppid = 0;
      pid_t pid;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      pid = (pid_t) g_ascii_strtoll (entry, NULL, 10);
      path = g_strdup_printf ("/proc/%s/stat", entry);
      if (!g_file_get_contents (path, &stat, NULL, NULL) ||
          (paren = strrchr (stat, ')')) == NULL)
        continue;
      /* "pid (comm) S ppid …" */
      if (sscanf (paren + 2, "%*c %d", &ppid) == 1 && ppid == parent)
        g_array_append_val (pids, pid);
    }

  return pids;
}

typedef struct
{
  const char *path;
  char       *contents;
  gboolean    found;
} FileWatch;

static gboolean
check_file (gpointer user_data)
{
  FileWatch *watch = user_data;

  watch->found = g_file_get_contents (watch->path, &watch->contents, NULL, NULL);
  return watch->found ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

typedef struct
{
  GArray   *pids;
  gboolean  gone;
} GoneWatch;

static gboolean
check_gone (gpointer user_data)
{
  GoneWatch *watch = user_data;

  for (guint i = 0; i < watch->pids->len; i++)
    if (!process_is_gone (g_array_index (watch->pids, pid_t, i)))
      return G_SOURCE_CONTINUE;
  watch->gone = TRUE;
  return G_SOURCE_REMOVE;
}

typedef struct
{
  char     *line;
  gboolean  done;
} LineRead;

static void
on_line (GObject      *stream,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (stream),
                                                          result, NULL, NULL);
  read->done = TRUE;
}

static char *
read_answer (GDataInputStream *out)
{
  LineRead read = { NULL, FALSE };

  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line, &read);
  test_wait_until (&read.done, TEST_WAIT_MS, "an answer of plugctl");
  g_assert_nonnull (read.line);
  return read.line;
}

static void
test_sigkill_ends_every_plugin (void)
{
  g_autofree char *lifecycle_dir = g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                                     "lifecycle", NULL);
  g_autofree char *pidfile = g_build_filename (g_get_tmp_dir (), "forker.pids", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) plugctl = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  const char *request = "{\"id\":1,\"plugin\":\"echo\",\"method\":\"echo\",\"args\":[\"up\"]}\n";
  g_auto(GStrv) fields = NULL;
  FileWatch file = { pidfile, NULL, FALSE };
  GoneWatch gone = { NULL, FALSE };
  pid_t plugctl_pid;
  char *answer = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "PLUGCTL_TEST_PIDFILE", pidfile, TRUE);
  plugctl = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("PLUGCTL_CLI"),
                                         "--plugin-dir", lifecycle_dir,
                                         "--plugin-dir", g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"),
                                         "batch", NULL);
  g_assert_no_error (error);
  plugctl_pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (plugctl), NULL, 10);

  /* echo answers: it is active. */
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (plugctl), request, strlen (request),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (plugctl));
  answer = read_answer (out);
  g_test_message ("echo: %s", answer);
  g_assert_nonnull (strstr (answer, "\"up\""));
  g_free (answer);

  /* forker is active too, with its grandchild. */
  request = "{\"id\":2,\"plugin\":\"forker\",\"method\":\"pids\"}\n";
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (plugctl), request, strlen (request),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  answer = read_answer (out);
  g_test_message ("forker: %s", answer);
  g_free (answer);

  g_timeout_add (5, check_file, &file);
  test_wait_until (&file.found, TEST_WAIT_MS, "forker's pid file");

  pids = list_children_of (plugctl_pid);
  g_assert_cmpuint (pids->len, >=, 2);
  fields = g_strsplit (g_strstrip (file.contents), " ", -1);
  g_assert_cmpuint (g_strv_length (fields), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      pid_t pid = (pid_t) g_ascii_strtoll (fields[i], NULL, 10);

      g_assert_cmpint (pid, >, 1);
      g_assert_false (process_is_gone (pid));
      g_array_append_val (pids, pid);
    }
  g_free (file.contents);

  g_subprocess_send_signal (plugctl, SIGKILL);
  g_subprocess_wait (plugctl, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (plugctl));

  gone.pids = pids;
  g_timeout_add (5, check_gone, &gone);
  test_wait_until (&gone.gone, GONE_BOUND_MS, "the end of every plugin process");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/lifecycle/host-death/sigkill-ends-every-plugin",
                   test_sigkill_ends_every_plugin);

  return g_test_run ();
}
