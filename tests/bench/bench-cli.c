/* bench-cli.c: the plugctl command as a whole process, batch mode and RSS
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run: _build/tests/bench/bench-cli --plugctl _build/cli/plugctl [--pin] [--json]
 * with PLUGCTL_CONNECTOR_PATH and PLUGCTL_PLUGIN_PATH (or
 * PLUGCTL_PLUGINS_BUILDDIR) set; tests/bench/run.sh does that.
 *
 * Memory: VmRSS, PSS and private memory (USS) of the engine and of the C
 * echo plugin, the plugin's beside `bench-cli --idle` (this program run
 * again as a do-nothing process: the same libraries, the floor of any
 * process that links them).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <plugctl.h>

#include "bench-util.h"

extern char **environ;

#define DEPTH   256
#define WARMUP  200
#define REQUEST "[\"echo\",\"echo\",\"hi\"]\n"
#define ANSWER  "{\"result\":\"hi\"}\n"
#define REGISTERED 1000
#define ACTIVE     100

static BenchLength length = { 1.0, 0, 3 };
static gboolean pin;
static gboolean json_output;
static char *plugctl;

/* Processes */

typedef struct
{
  pid_t pid;
  int   to_child;    /* its stdin, or -1 */
  int   from_child;  /* its stdout, or -1 */
  const char *answer;  /* the expected first line */
  char  buffer[65536];
  gsize lines_seen;
} Child;

static void
child_spawn (Child              *child,
             const char * const *argv,
             char              **envp,
             gboolean            piped)
{
  posix_spawn_file_actions_t actions;
  int in[2] = { -1, -1 }, out[2] = { -1, -1 };
  int status;

  memset (child, 0, sizeof *child);
  child->to_child = child->from_child = -1;
  posix_spawn_file_actions_init (&actions);
  if (piped)
    {
      if (pipe2 (in, O_CLOEXEC) < 0 || pipe2 (out, O_CLOEXEC) < 0)
        g_error ("pipe: %s", g_strerror (errno));
      posix_spawn_file_actions_adddup2 (&actions, in[0], STDIN_FILENO);
      posix_spawn_file_actions_adddup2 (&actions, out[1], STDOUT_FILENO);
    }
  else
    posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);

  child->answer = ANSWER;
  status = posix_spawnp (&child->pid, argv[0], &actions, NULL, (char * const *) argv,
                         envp != NULL ? envp : environ);
  if (status != 0)
    g_error ("Could not start %s: %s", argv[0], g_strerror (status));
  posix_spawn_file_actions_destroy (&actions);
  if (piped)
    {
      close (in[0]);
      close (out[1]);
      child->to_child = in[1];
      child->from_child = out[0];
    }
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
child_wait (Child      *child,
            const char *what)
{
  int status;

  close_fd (&child->to_child);
  if (child->from_child >= 0)
    while (read (child->from_child, child->buffer, sizeof child->buffer) > 0)
      ;
  close_fd (&child->from_child);
  if (waitpid (child->pid, &status, 0) < 0)
    g_error ("waitpid: %s", g_strerror (errno));
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("%s failed (wait status %d)", what, status);
}

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("write: %s", g_strerror (errno));
      data += n;
      len -= n;
    }
}

/* Reads what is there (blocking until something is) and returns the
 * number of complete lines it ended. */
static gsize
read_lines (Child *child)
{
  gssize n;
  gsize lines = 0;

  do
    n = read (child->from_child, child->buffer, sizeof child->buffer);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    g_error ("The batch process stopped answering");

  if (child->lines_seen == 0 &&
      strncmp (child->buffer, child->answer, MIN ((gsize) n, strlen (child->answer))) != 0)
    g_error ("Unexpected answer: %.*s", (int) MIN (n, 200), child->buffer);
  for (const char *p = child->buffer; (p = memchr (p, '\n', child->buffer + n - p)) != NULL; p++)
    lines++;
  child->lines_seen += lines;
  return lines;
}

/* Whole processes */

static void
measure_whole_process (const char * const *argv,
                       const char         *id)
{
  BenchLength short_length = length;
  BenchTimer timer;

  bench_timer_init (&timer, &short_length);
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      guint64 t0 = bench_now_ns ();
      Child child;

      child_spawn (&child, argv, NULL, FALSE);
      child_wait (&child, argv[0]);
      bench_timer_add_latency (&timer, bench_now_ns () - t0);
      timer.done++;
    }
  bench_record (id, bench_timer_percentile_us (&timer, 50) / 1e3);
  bench_timer_clear (&timer);
}

/* Line ping-pong and overlapping lines, against plugctl batch or cat */

static void
one_at_a_time (Child      *child,
               const char *id)
{
  BenchTimer timer;

  for (guint i = 0; i < WARMUP; i++)
    {
      write_all (child->to_child, REQUEST, strlen (REQUEST));
      while (read_lines (child) == 0)
        ;
    }

  bench_timer_init (&timer, &length);
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      guint64 t0 = bench_now_ns ();

      write_all (child->to_child, REQUEST, strlen (REQUEST));
      while (read_lines (child) == 0)
        ;
      bench_timer_add_latency (&timer, bench_now_ns () - t0);
      timer.done++;
    }
  bench_timer_stop (&timer);
  bench_record_timer (id, &timer);
  bench_timer_clear (&timer);
}

static void
overlapping (Child      *child,
             const char *id)
{
  g_autofree char *rate_id = g_strconcat (id, ".rate", NULL);
  g_autoptr(GString) pending = g_string_new (NULL);
  gsize written = 0;
  guint64 sent = 0;
  gboolean sending = TRUE;
  BenchTimer timer;

  g_unix_set_fd_nonblocking (child->to_child, TRUE, NULL);
  bench_timer_init (&timer, &length);
  bench_timer_start (&timer);
  while (sending || timer.done < sent)
    {
      struct pollfd fds[2] = {
        { child->from_child, POLLIN, 0 },
        { child->to_child, POLLOUT, 0 },
      };

      while (sending && sent - timer.done < DEPTH)
        {
          g_string_append (pending, REQUEST);
          sent++;
        }
      if (poll (fds, written < pending->len ? 2 : 1, -1) < 0 && errno != EINTR)
        g_error ("poll: %s", g_strerror (errno));
      if (written < pending->len && (fds[1].revents & POLLOUT) != 0)
        {
          gssize n = write (child->to_child, pending->str + written, pending->len - written);

          if (n < 0 && errno != EAGAIN && errno != EINTR)
            g_error ("write: %s", g_strerror (errno));
          written += MAX (n, 0);
          if (written == pending->len)
            {
              g_string_truncate (pending, 0);
              written = 0;
            }
        }
      if ((fds[0].revents & (POLLIN | POLLHUP)) != 0)
        timer.done += read_lines (child);
      sending = sending && bench_timer_more (&timer);
    }
  bench_timer_stop (&timer);
  bench_record (rate_id, bench_timer_rate (&timer));
  bench_timer_clear (&timer);
  g_unix_set_fd_nonblocking (child->to_child, FALSE, NULL);
}

static void
measure_lines (const char * const *argv,
               char              **envp,
               const char         *answer,
               const char         *id)
{
  g_autofree char *seq_id = g_strconcat (id, ".seq", NULL);
  g_autofree char *flight_id = g_strconcat (id, ".flight256", NULL);
  Child child;

  child_spawn (&child, argv, envp, TRUE);
  child.answer = answer;
  one_at_a_time (&child, seq_id);
  overlapping (&child, flight_id);
  child_wait (&child, argv[0]);
}

/* RSS */

static int
find_child_pid (int parent)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      const char *after_comm;
      int ppid;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      after_comm = strrchr (stat, ')');
      if (after_comm != NULL && sscanf (after_comm, ") %*c %d", &ppid) == 1 && ppid == parent)
        return atoi (name);
    }
  return -1;
}

/* The sum of @field's values in /proc/@pid/smaps_rollup (or smaps, on
 * kernels without it), in KiB; -1 when unreadable. */
static gint64
read_smaps_kib (int                 pid,
                const char * const *fields)
{
  const char *files[] = { "smaps_rollup", "smaps" };
  g_autofree char *contents = NULL;
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (files) && contents == NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, files[i]);

      if (!g_file_get_contents (path, &contents, NULL, NULL))
        g_clear_pointer (&contents, g_free);
    }
  if (contents == NULL)
    return -1;

  for (const char *line = contents; line != NULL && *line != '\0'; )
    {
      const char *end = strchr (line, '\n');

      for (guint i = 0; fields[i] != NULL; i++)
        {
          gsize length = strlen (fields[i]);

          if (strncmp (line, fields[i], length) == 0 && line[length] == ':')
            total += g_ascii_strtoll (line + length + 1, NULL, 10);
        }
      line = end != NULL ? end + 1 : NULL;
    }
  return total;
}

/* VmRSS counts every shared library page a process maps as its own; PSS
 * shares each page among the processes mapping it, and USS (private
 * memory) is what the process alone costs: what exiting would free. */
static void
record_memory (int         pid,
               const char *id)
{
  const char * const pss[] = { "Pss", NULL };
  const char * const uss[] = { "Private_Clean", "Private_Dirty", NULL };
  g_autofree char *pss_id = g_strconcat (id, ".pss", NULL);
  g_autofree char *uss_id = g_strconcat (id, ".uss", NULL);

  bench_record (id, bench_read_rss_kib (pid) / 1024.0);
  bench_record (pss_id, read_smaps_kib (pid, pss) / 1024.0);
  bench_record (uss_id, read_smaps_kib (pid, uss) / 1024.0);
}

/* `bench-cli --idle`: the floor of a plugin process, the same libraries
 * as plugctl-echo (libplugctl, GIO, json-glib) loaded and nothing done.
 * Says "ready" and waits for the end of its input. */
static int
run_idle (void)
{
  char byte;

  write_all (STDOUT_FILENO, "ready\n", strlen ("ready\n"));
  while (read (STDIN_FILENO, &byte, 1) > 0 || errno == EINTR)
    ;
  return 0;
}

static void
measure_rss (const char * const *argv)
{
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  const char *idle_argv[] = { self_path, "--idle", NULL };
  Child child;
  Child idle;
  int plugin_pid;

  if (self_path == NULL)
    g_error ("Cannot find the bench-cli program in /proc/self/exe");
  child_spawn (&idle, idle_argv, NULL, TRUE);
  idle.answer = "ready\n";
  while (read_lines (&idle) == 0)
    ;
  child_spawn (&child, argv, NULL, TRUE);
  write_all (child.to_child, REQUEST, strlen (REQUEST));
  while (read_lines (&child) == 0)
    ;
  plugin_pid = find_child_pid (child.pid);
  record_memory (child.pid, "rss.engine");
  if (plugin_pid > 0)
    record_memory (plugin_pid, "rss.plugin");
  /* Measured beside the plugin, sharing pages with the same processes */
  record_memory (idle.pid, "rss.idle");
  child_wait (&child, argv[0]);
  child_wait (&idle, "bench-cli --idle");
}

/* The build tree's echo manifest, its command and cwd made absolute. */
static JsonParser *
load_echo_manifest (void)
{
  g_auto(GStrv) dirs = plug_profile_search_path (NULL);
  const char *builddir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");
  g_autofree char *manifest = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *manifest_dir = NULL;
  JsonObject *object;

  manifest = builddir != NULL ? g_build_filename (builddir, "echo.json", NULL) : NULL;
  for (guint i = 0; dirs[i] != NULL && (manifest == NULL || !g_file_test (manifest, G_FILE_TEST_EXISTS)); i++)
    {
      g_free (manifest);
      manifest = g_build_filename (dirs[i], "echo.json", NULL);
    }
  if (!json_parser_load_from_file (parser, manifest, &error))
    g_error ("%s: %s", manifest, error->message);

  object = json_node_get_object (json_parser_get_root (parser));
  manifest_dir = g_path_get_dirname (manifest);
  command = g_canonicalize_filename (json_object_get_string_member (object, "command"), manifest_dir);
  json_object_set_string_member (object, "command", command);
  json_object_set_string_member (object, "cwd", manifest_dir);
  return g_steal_pointer (&parser);
}

/* A new plugin dir: the echo manifest at @concurrency as `echo` when
 * @count is 0, else @count copies of it named echo-0000, echo-0001, … */
static char *
plugin_dir_new (guint count,
                guint concurrency)
{
  g_autoptr(JsonParser) parser = load_echo_manifest ();
  JsonObject *object = json_node_get_object (json_parser_get_root (parser));
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plugctl-bench-XXXXXX", &error);

  if (dir == NULL)
    g_error ("%s", error->message);
  if (concurrency > 0)
    json_object_set_int_member (object, "concurrency", concurrency);
  for (guint i = 0; i < MAX (count, 1u); i++)
    {
      g_autofree char *name = count > 0 ? g_strdup_printf ("echo-%04u", i) : g_strdup ("echo");
      g_autofree char *file = g_strconcat (name, ".json", NULL);
      g_autofree char *target = g_build_filename (dir, file, NULL);
      g_autofree char *text = NULL;

      json_object_set_string_member (object, "name", name);
      text = json_to_string (json_parser_get_root (parser), TRUE);
      if (!g_file_set_contents (target, text, -1, &error))
        g_error ("%s", error->message);
    }
  return g_steal_pointer (&dir);
}

static void
plugin_dir_remove (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

/* Calls echo-0000 … echo-<active - 1> of @dir in one `plugctl batch`
 * and records its RSS once echo-0000 answered ("<id>.1active", also
 * returned) and once all did ("<id>.<active>active"), in MiB. */
static double
measure_rss_registered (const char *dir,
                        guint       active,
                        const char *id)
{
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "PLUGCTL_PLUGIN_PATH", dir, TRUE);
  const char *batch_argv[] = { plugctl, "batch", NULL };
  g_autoptr(GString) requests = g_string_new (NULL);
  g_autofree char *one_id = g_strconcat (id, ".1active", NULL);
  g_autofree char *all_id = g_strdup_printf ("%s.%uactive", id, active);
  gsize answered = 0;
  double one_active;
  Child child;

  for (guint i = 0; i < active; i++)
    g_string_append_printf (requests, "[\"echo-%04u\",\"echo\",\"hi\"]\n", i);
  child_spawn (&child, batch_argv, env, TRUE);
  write_all (child.to_child, requests->str, strchr (requests->str, '\n') + 1 - requests->str);
  while (read_lines (&child) == 0)
    ;
  one_active = bench_read_rss_kib (child.pid) / 1024.0;
  bench_record (one_id, one_active);
  if (active > 1)
    {
      const char *rest = strchr (requests->str, '\n') + 1;

      write_all (child.to_child, rest, requests->str + requests->len - rest);
      while (answered < active - 1)
        answered += read_lines (&child);
      bench_record (all_id, bench_read_rss_kib (child.pid) / 1024.0);
    }
  child_wait (&child, plugctl);
  return one_active;
}

/* plugctl's RSS with 1 and with 1000 registered plugins (one active),
 * the KiB each registered plugin costs, and the RSS with 100 active. */
static void
measure_rss_many (const char *one_dir,
                  const char *many_dir)
{
  double one = measure_rss_registered (one_dir, 1, "rss.reg1");
  double many = measure_rss_registered (many_dir, ACTIVE, "rss.reg1000");

  bench_record ("rss.per_registered", (many - one) * 1024 / (REGISTERED - 1));
}

static const BenchRow rows[] = {
  { "plugctl call echo echo '\"hi\"', whole process", "ms", "cli.call", "cli.version",
    "plugctl --version", "activation.child", "≤ 10 ms" },
  { "batch, one at a time, p50", "µs", "batch.seq.p50", "cat.seq.p50", "line ping-pong via cat",
    NULL, NULL },
  { "batch, one at a time", "calls/s", "batch.seq.rate", "cat.seq.rate", "line ping-pong via cat",
    NULL, "≥ 20 k/s" },
  { "batch, 256 overlapping (concurrency 1)", "calls/s", "batch.flight256.rate",
    "cat.flight256.rate", "256 lines in flight via cat", NULL, "≥ 100 k/s" },
  { "batch, 256 overlapping (concurrency 256)", "calls/s", "batch-c256.flight256.rate",
    "cat.flight256.rate", "256 lines in flight via cat", NULL, "≥ 100 k/s" },
  { "engine RSS, 1 active child (plugctl batch)", "MiB", "rss.engine", NULL, NULL,
    "rss.engine", "≤ 8 MiB" },
  { "engine PSS, 1 active child", "MiB", "rss.engine.pss", NULL, NULL, NULL, NULL },
  { "engine private memory (USS), 1 active child", "MiB", "rss.engine.uss", NULL, NULL,
    NULL, NULL },
  { "C echo plugin process RSS", "MiB", "rss.plugin", "rss.idle", "idle, same libraries",
    "rss.plugin", "≤ 2 MiB" },
  { "C echo plugin process PSS", "MiB", "rss.plugin.pss", "rss.idle.pss",
    "idle, same libraries", NULL, NULL },
  { "C echo plugin private memory (USS)", "MiB", "rss.plugin.uss", "rss.idle.uss",
    "idle, same libraries", NULL, NULL },
  { "engine RSS, 1000 registered / 1 active", "MiB", "rss.reg1000.1active", "rss.reg1.1active",
    "1 registered / 1 active", NULL, NULL },
  { "engine RSS, 1000 registered / 100 active", "MiB", "rss.reg1000.100active",
    "rss.reg1.1active", "1 registered / 1 active", NULL, NULL },
  { "engine RSS per registered plugin", "KiB", "rss.per_registered", NULL, NULL,
    "rss.per_registered", "≤ 4 KiB" },
};

static void
run_once (const char *deep_dir,
          const char *one_dir,
          const char *many_dir)
{
  g_auto(GStrv) deep_env = g_environ_setenv (g_get_environ (), "PLUGCTL_PLUGIN_PATH",
                                             deep_dir, TRUE);
  const char *call_argv[] = { plugctl, "call", "echo", "echo", "\"hi\"", NULL };
  const char *version_argv[] = { plugctl, "--version", NULL };
  const char *batch_argv[] = { plugctl, "batch", NULL };
  const char *cat_argv[] = { "cat", NULL };

  measure_whole_process (call_argv, "cli.call");
  measure_whole_process (version_argv, "cli.version");
  measure_lines (batch_argv, NULL, ANSWER, "batch");
  measure_lines (batch_argv, deep_env, ANSWER, "batch-c256");
  measure_lines (cat_argv, NULL, REQUEST, "cat");
  measure_rss (batch_argv);
  measure_rss_many (one_dir, many_dir);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "plugctl", 0, 0, G_OPTION_ARG_FILENAME, &plugctl,
      "The plugctl program (default: $PLUGCTL_CLI, else plugctl on PATH)", "PATH" },
    { "pin", 0, 0, G_OPTION_ARG_NONE, &pin,
      "Run everything, plugctl and its plugins included, on one CPU", NULL },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &length.duration_s,
      "Seconds each figure runs (default 1)", "S" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &length.iterations,
      "Units of work per figure instead of a duration", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &length.runs,
      "Runs; the table shows the median (default 3)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *deep_dir = NULL;
  g_autofree char *one_dir = NULL;
  g_autofree char *many_dir = NULL;
  g_autofree char *title = NULL;

  /* Before any option parsing: the floor must do nothing else. */
  if (argc == 2 && strcmp (argv[1], "--idle") == 0)
    return run_idle ();

  context = g_option_context_new ("- plugctl command benchmarks");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-cli: %s\n", error->message);
      return 2;
    }
  if (length.runs < 1 || length.duration_s <= 0)
    {
      g_printerr ("bench-cli: --runs and --duration must be positive\n");
      return 2;
    }
  if (plugctl == NULL)
    plugctl = g_strdup (g_getenv ("PLUGCTL_CLI") != NULL ? g_getenv ("PLUGCTL_CLI") : "plugctl");
  if (g_getenv ("PLUGCTL_PLUGIN_PATH") == NULL && g_getenv ("PLUGCTL_PLUGINS_BUILDDIR") != NULL)
    g_setenv ("PLUGCTL_PLUGIN_PATH", g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), TRUE);
  if (pin)
    g_printerr ("bench-cli: pinned to CPU %d\n", bench_pin_to_one_cpu ());

  deep_dir = plugin_dir_new (0, DEPTH);
  one_dir = plugin_dir_new (1, 0);
  many_dir = plugin_dir_new (REGISTERED, 0);
  for (guint run = 0; run < length.runs; run++)
    {
      g_printerr ("bench-cli: run %u/%u\n", run + 1, length.runs);
      run_once (deep_dir, one_dir, many_dir);
    }
  plugin_dir_remove (deep_dir);
  plugin_dir_remove (one_dir);
  plugin_dir_remove (many_dir);

  if (json_output)
    {
      bench_print_json (rows, G_N_ELEMENTS (rows), pin ? "pinned" : "unpinned");
      return 0;
    }
  title = g_strdup_printf ("plugctl command, %s, median of %u runs", pin ? "one CPU" : "unpinned",
                           length.runs);
  bench_print_table (rows, G_N_ELEMENTS (rows), title);
  return 0;
}
