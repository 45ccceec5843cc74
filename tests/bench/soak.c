/* soak.c: many calls across several plugins while plugins are killed at
 * random (issue 7 §1); not part of `meson test`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An engine in this process keeps --in-flight echo calls going to each
 * plugin (child-process C, Node and Python echo, and the thread echo when
 * built), every one restarted on failure. Every --kill-interval ms (± half
 * of it, at random) one active plugin process gets SIGKILL. First a
 * warm-up of the same work; then, with no call in flight and every plugin
 * active, the engine's fds and RSS are noted; then the soak proper runs
 * for --duration s, and the same state is reached and measured again.
 *
 * It fails (exit status 1) when the answers differ from the calls sent
 * (each call must be answered exactly once: a result, or the error of the
 * kill that ended it), when the fds differ, or when the RSS grew by more
 * than --rss-slack KiB: malloc keeps some freed memory in its arenas, and
 * GLib allocates some memory once, on first use.
 *
 * Usage: soak [--duration S] [--warm-up S] [--in-flight N]
 *             [--kill-interval MS] [--rss-slack KIB] [--seed N]
 * with PLUGCTL_CONNECTOR_PATH and PLUGCTL_PLUGIN_PATH set (meson devenv
 * does; see README.md).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <plugctl.h>

#define CALLER "soak"
#define QUIESCE_TIMEOUT_S 60

static double duration_s = 180;
static double warm_up_s = 15;
static int in_flight = 8;
static int kill_interval_ms = 300;
static int rss_slack_kib = 2048;
static gint64 seed = 0;

typedef struct
{
  const char *name;
  gboolean can_kill;  /* a process of its own */
} SoakPlugin;

typedef struct
{
  PlugEngine *engine;
  GPtrArray *plugins;  /* SoakPlugin */
  GRand *rand;
  gboolean sending;
  guint64 sent;
  guint64 answered;
  guint64 succeeded;
  guint64 failed;
  guint64 in_flight;
  guint kills;
  GSource *kill_timer;
} Soak;

typedef struct
{
  Soak *soak;
  SoakPlugin *plugin;
} SoakCall;

static void send_call (Soak *soak, SoakPlugin *plugin);

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SoakCall *call = user_data;
  Soak *soak = call->soak;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  value = plug_engine_call_finish (soak->engine, result, &error);
  soak->answered++;
  soak->in_flight--;
  if (value != NULL && g_strcmp0 (json_node_get_string (value), "soak") == 0)
    soak->succeeded++;
  else
    soak->failed++;

  if (soak->sending)
    send_call (soak, call->plugin);
  g_free (call);
}

static void
send_call (Soak       *soak,
           SoakPlugin *plugin)
{
  g_autoptr(JsonArray) args = json_array_new ();
  SoakCall *call = g_new0 (SoakCall, 1);

  call->soak = soak;
  call->plugin = plugin;
  json_array_add_string_element (args, "soak");
  soak->sent++;
  soak->in_flight++;
  plug_engine_call (soak->engine, CALLER, plugin->name, "echo", args, NULL, on_answer, call);
}

/* Kills */

static gint64
active_pid (Soak       *soak,
            const char *name)
{
  g_autoptr(JsonObject) status = plug_engine_get_status (soak->engine, name, NULL);

  if (status == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (status, "state", ""), "active") != 0)
    return 0;
  return json_object_get_int_member_with_default (status, "pid", 0);
}

static void schedule_kill (Soak *soak);

static gboolean
on_kill_timer (gpointer user_data)
{
  Soak *soak = user_data;
  SoakPlugin *plugin = g_ptr_array_index (soak->plugins,
                                          g_rand_int_range (soak->rand, 0, soak->plugins->len));
  gint64 pid;

  g_clear_pointer (&soak->kill_timer, g_source_unref);
  if (plugin->can_kill && (pid = active_pid (soak, plugin->name)) > 1 &&
      kill ((pid_t) pid, SIGKILL) == 0)
    soak->kills++;
  schedule_kill (soak);

  return G_SOURCE_REMOVE;
}

static void
schedule_kill (Soak *soak)
{
  guint delay = g_rand_int_range (soak->rand, kill_interval_ms / 2, kill_interval_ms * 3 / 2 + 1);

  soak->kill_timer = g_timeout_source_new (delay);
  g_source_set_callback (soak->kill_timer, on_kill_timer, soak, NULL);
  g_source_attach (soak->kill_timer, NULL);
}

static void
stop_kills (Soak *soak)
{
  if (soak->kill_timer == NULL)
    return;
  g_source_destroy (soak->kill_timer);
  g_clear_pointer (&soak->kill_timer, g_source_unref);
}

/* Phases */

static gboolean
on_flag_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (double seconds)
{
  gboolean over = FALSE;

  g_timeout_add ((guint) (seconds * 1000), on_flag_timeout, &over);
  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

static void
run_load (Soak   *soak,
          double  seconds)
{
  soak->sending = TRUE;
  for (guint i = 0; i < soak->plugins->len; i++)
    for (int n = 0; n < in_flight; n++)
      send_call (soak, g_ptr_array_index (soak->plugins, i));
  schedule_kill (soak);
  run_for (seconds);
}

static gboolean
all_active (Soak *soak)
{
  for (guint i = 0; i < soak->plugins->len; i++)
    {
      SoakPlugin *plugin = g_ptr_array_index (soak->plugins, i);

      if (!plug_engine_is_active (soak->engine, plugin->name))
        return FALSE;
    }
  return TRUE;
}

/* No call in flight, every plugin active: the state that is measured. */
static gboolean
quiesce (Soak *soak)
{
  gboolean timed_out = FALSE;
  guint timer;

  soak->sending = FALSE;
  stop_kills (soak);
  timer = g_timeout_add_seconds (QUIESCE_TIMEOUT_S, on_flag_timeout, &timed_out);
  while ((soak->in_flight > 0 || !all_active (soak)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    {
      g_printerr ("soak: still %" G_GUINT64_FORMAT " calls in flight after %u s\n",
                  soak->in_flight, QUIESCE_TIMEOUT_S);
      return FALSE;
    }
  g_source_remove (timer);
  /* GLib closes the pidfds of reaped children from its worker thread,
   * and stray answers to ended calls may still come: let them. */
  run_for (0.5);

  return TRUE;
}

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      if (target == NULL || strstr (target, "pidfd") == NULL)
        n++;
    }

  return n;
}

static guint
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;
  return (guint) g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

static guint
total_restarts (Soak *soak)
{
  guint restarts = 0;

  for (guint i = 0; i < soak->plugins->len; i++)
    {
      SoakPlugin *plugin = g_ptr_array_index (soak->plugins, i);
      g_autoptr(JsonObject) status = plug_engine_get_status (soak->engine, plugin->name, NULL);

      restarts += json_object_get_int_member_with_default (status, "restarts", 0);
    }
  return restarts;
}

/* Setup */

static void
quiet_log (const char     *log_domain,
           GLogLevelFlags  log_level,
           const char     *message,
           gpointer        user_data)
{
  /* Plugin output and the expected warnings of killed plugins. */
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    g_log_default_handler (log_domain, log_level, message, user_data);
}

/* $PLUGCTL_PLUGINS_BUILDDIR (meson test), else the first directory of
 * $PLUGCTL_PLUGIN_PATH (meson devenv). */
static char *
plugins_dir (void)
{
  const char *builddir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");
  const char *path = g_getenv ("PLUGCTL_PLUGIN_PATH");
  g_auto(GStrv) dirs = NULL;

  if (builddir != NULL && *builddir != '\0')
    return g_strdup (builddir);
  if (path == NULL)
    return NULL;
  dirs = g_strsplit (path, ":", 2);
  return dirs[0] != NULL && *dirs[0] != '\0' ? g_strdup (dirs[0]) : NULL;
}

static gboolean
add_plugin (Soak       *soak,
            const char *name,
            gboolean    can_kill)
{
  g_autofree char *dir = plugins_dir ();
  g_autofree char *path = g_strdup_printf ("%s/%s.json", dir, name);
  g_autoptr(PlugProfile) loaded = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(GError) error = NULL;
  SoakPlugin *plugin;

  if ((loaded = plug_profile_new_from_file (path, &error)) == NULL)
    {
      g_printerr ("soak: %s: skipped: %s\n", name, error->message);
      return FALSE;
    }
  json = plug_profile_to_json (loaded);
  json_object_set_string_member (json, "restart", "on-failure");
  json_object_set_int_member (json, "restartLimit", 1000000);
  json_object_set_int_member (json, "restartWindow", 1000);
  json_object_set_int_member (json, "restartBackoff", 10);
  profile = plug_profile_new_from_json (json, plug_profile_get_cwd (loaded), NULL, &error);
  if (profile == NULL || plug_engine_register_profile (soak->engine, profile, &error) == NULL)
    {
      g_printerr ("soak: %s: skipped: %s\n", name, error->message);
      return FALSE;
    }

  plugin = g_new0 (SoakPlugin, 1);
  plugin->name = name;
  plugin->can_kill = can_kill;
  g_ptr_array_add (soak->plugins, plugin);
  return TRUE;
}

static void
on_caller_activated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    g_error ("%s", error->message);
  *(gboolean *) user_data = TRUE;
}

/* The in-process plugin the calls come from. */
static void
register_caller (Soak *soak)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (CALLER);
  g_autoptr(PlugPlugin) caller = plug_plugin_new (profile);
  g_autoptr(GError) error = NULL;
  gboolean active = FALSE;

  if (!plug_engine_register (soak->engine, caller, &error))
    g_error ("%s", error->message);
  plug_engine_activate (soak->engine, CALLER, NULL, on_caller_activated, &active);
  while (!active)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
parse_options (int    *argc,
               char ***argv)
{
  GOptionEntry entries[] = {
    { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration_s, "Seconds of soak after the warm-up (180)", "S" },
    { "warm-up", 0, 0, G_OPTION_ARG_DOUBLE, &warm_up_s, "Seconds of warm-up (15)", "S" },
    { "in-flight", 0, 0, G_OPTION_ARG_INT, &in_flight, "Calls in flight per plugin (8)", "N" },
    { "kill-interval", 0, 0, G_OPTION_ARG_INT, &kill_interval_ms, "Mean ms between kills (300)", "MS" },
    { "rss-slack", 0, 0, G_OPTION_ARG_INT, &rss_slack_kib, "RSS growth allowed, KiB (2048)", "KIB" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default: from the clock)", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- plugctl soak test");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error) ||
      in_flight < 1 || kill_interval_ms < 2 || duration_s <= 0 || warm_up_s <= 0)
    {
      g_printerr ("soak: %s\n", error != NULL ? error->message : "bad option value");
      return FALSE;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  Soak soak = { NULL, };
  g_auto(GStrv) dirs = NULL;
  g_autofree char *dir = NULL;
  guint fds_before, fds_after, rss_before, rss_after;
  guint64 sent_before_soak;
  guint kills_before_soak;
  gboolean ok;

  if (!parse_options (&argc, &argv))
    return 2;
  if ((dir = plugins_dir ()) == NULL)
    {
      g_printerr ("soak: set PLUGCTL_PLUGIN_PATH and PLUGCTL_CONNECTOR_PATH, "
                  "e.g. with meson devenv (see tests/bench/README.md)\n");
      return 2;
    }
  if (seed == 0)
    seed = g_get_real_time () & G_MAXINT32;
  g_log_set_default_handler (quiet_log, NULL);
  dirs = plug_connector_module_search_path (NULL);
  plug_connector_module_load_dirs ((const char * const *) dirs);

  soak.engine = plug_engine_new ();
  soak.plugins = g_ptr_array_new_with_free_func (g_free);
  soak.rand = g_rand_new_with_seed ((guint32) seed);
  register_caller (&soak);
  add_plugin (&soak, "echo", TRUE);
  add_plugin (&soak, "node-echo", TRUE);
  add_plugin (&soak, "py-echo", TRUE);
  add_plugin (&soak, "echo-thread", FALSE);
  printf ("soak: seed %" G_GINT64_FORMAT ", %u plugins, %d calls in flight each, a kill every %d ms on average\n",
          seed, soak.plugins->len, in_flight, kill_interval_ms);

  run_load (&soak, warm_up_s);
  if (!quiesce (&soak))
    return 1;
  fds_before = count_fds ();
  rss_before = rss_kib ();
  sent_before_soak = soak.sent;
  kills_before_soak = soak.kills;
  printf ("soak: warm-up %.0f s: %" G_GUINT64_FORMAT " calls, %u kills; fds %u, RSS %u KiB\n",
          warm_up_s, soak.sent, soak.kills, fds_before, rss_before);
  fflush (stdout);

  run_load (&soak, duration_s);
  if (!quiesce (&soak))
    return 1;
  fds_after = count_fds ();
  rss_after = rss_kib ();

  ok = soak.sent == soak.answered && fds_after == fds_before &&
       rss_after <= rss_before + (guint) rss_slack_kib;
  printf ("soak: %.0f s: calls sent %" G_GUINT64_FORMAT ", answers %" G_GUINT64_FORMAT
          " (in all: results %" G_GUINT64_FORMAT ", errors %" G_GUINT64_FORMAT ")\n",
          duration_s, soak.sent - sent_before_soak, soak.answered - sent_before_soak,
          soak.succeeded, soak.failed);
  printf ("soak: in all (warm-up too): calls %" G_GUINT64_FORMAT ", answers %" G_GUINT64_FORMAT
          ", kills %u (%u in the soak), restarts %u\n",
          soak.sent, soak.answered, soak.kills, soak.kills - kills_before_soak, total_restarts (&soak));
  printf ("soak: fds after warm-up %u, at the end %u; RSS after warm-up %u KiB, at the end %u KiB "
          "(%+d KiB, slack %d KiB)\n",
          fds_before, fds_after, rss_before, rss_after, (int) rss_after - (int) rss_before, rss_slack_kib);
  printf ("soak: %s\n", ok ? "PASS" : "FAIL");

  g_clear_object (&soak.engine);
  g_ptr_array_unref (soak.plugins);
  g_rand_free (soak.rand);

  return ok ? 0 : 1;
}
