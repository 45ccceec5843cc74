/* fault-probe.c: see fault-probe.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fault-probe.h"

struct _FaultProbe
{
  PlugEngine *engine;
  char *target;
  GArray *latencies;  /* gint64 µs */
  guint failures;
  gint64 sent_at;
  gboolean stopping;
  gboolean idle;
};

static void probe_send (FaultProbe *probe);

static void
on_probe_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  FaultProbe *probe = user_data;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  gint64 latency = g_get_monotonic_time () - probe->sent_at;

  value = plug_engine_call_finish (PLUG_ENGINE (source), result, &error);
  if (value == NULL || g_strcmp0 (json_node_get_string (value), "probe") != 0)
    {
      g_test_message ("probe call failed: %s", error != NULL ? error->message : "wrong value");
      probe->failures++;
    }
  g_array_append_val (probe->latencies, latency);

  if (!probe->stopping || probe->latencies->len < FAULT_PROBE_MIN_SAMPLES)
    probe_send (probe);
  else
    probe->idle = TRUE;
}

static void
probe_send (FaultProbe *probe)
{
  g_autoptr(JsonArray) args = test_parse_args ("[\"probe\"]");

  probe->sent_at = g_get_monotonic_time ();
  plug_engine_call (probe->engine, TEST_CALLER, probe->target, "echo", args, NULL,
                    on_probe_answer, probe);
}

FaultProbe *
fault_probe_start (PlugEngine *engine,
                   const char *target)
{
  FaultProbe *probe = g_new0 (FaultProbe, 1);

  probe->engine = g_object_ref (engine);
  probe->target = g_strdup (target);
  probe->latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe_send (probe);

  return probe;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
running_under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

static double
percentile_ms (GArray *sorted,
               guint   percent)
{
  guint index = MIN (sorted->len - 1, sorted->len * percent / 100);

  return g_array_index (sorted, gint64, index) / 1000.0;
}

void
fault_probe_finish (FaultProbe *probe,
                    const char *what)
{
  double p50;
  double bound = FAULT_PROBE_P50_BOUND_MS * (running_under_valgrind () ? 10 : 1);

  probe->stopping = TRUE;
  test_wait_until (&probe->idle, TEST_WAIT_MS, "the probe's last answer");

  g_array_sort (probe->latencies, compare_gint64);
  p50 = percentile_ms (probe->latencies, 50);
  g_test_message ("%s: %u echo calls to %s meanwhile, p50 %.3f ms, p99 %.3f ms, max %.3f ms",
                  what, probe->latencies->len, probe->target, p50,
                  percentile_ms (probe->latencies, 99),
                  percentile_ms (probe->latencies, 100));
  g_assert_cmpuint (probe->failures, ==, 0);
  g_assert_cmpuint (probe->latencies->len, >=, FAULT_PROBE_MIN_SAMPLES);
  g_assert_cmpfloat (p50, <, bound);

  g_array_unref (probe->latencies);
  g_free (probe->target);
  g_object_unref (probe->engine);
  g_free (probe);
}

/* Log */

static GPtrArray *warnings;
static GPtrArray *plugin_lines;

static void
record_log (const char     *log_domain,
            GLogLevelFlags  log_level,
            const char     *message,
            gpointer        user_data)
{
  if (g_strcmp0 (log_domain, "plugctl-plugin") == 0)
    {
      /* Counted, not kept whole: a test writes megabytes. */
      g_ptr_array_add (plugin_lines, g_strndup (message, 64));
      return;
    }
  if (log_level & G_LOG_LEVEL_WARNING)
    {
      g_ptr_array_add (warnings, g_strndup (message, 512));
      g_test_message ("warning (expected): %.200s", message);
      return;
    }
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static gboolean
warnings_are_not_fatal (const char     *log_domain,
                        GLogLevelFlags  log_level,
                        const char     *message,
                        gpointer        user_data)
{
  return (log_level & G_LOG_LEVEL_WARNING) == 0;
}

void
fault_log_init (void)
{
  warnings = g_ptr_array_new_with_free_func (g_free);
  plugin_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_log_set_fatal_handler (warnings_are_not_fatal, NULL);
  g_log_set_default_handler (record_log, NULL);
}

static guint
count_in (GPtrArray  *lines,
          const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), needle) != NULL)
      n++;

  return n;
}

guint
fault_log_count_warnings (const char *needle)
{
  return count_in (warnings, needle);
}

guint
fault_log_count_plugin_lines (const char *needle)
{
  return count_in (plugin_lines, needle);
}

/* Profiles */

PlugProfile *
fault_load_profile (const char *name)
{
  const char *tests_dir = g_getenv ("PLUGCTL_TESTS_BUILDDIR");
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  PlugProfile *profile;

  g_assert_nonnull (tests_dir);
  path = g_build_filename (tests_dir, "faults", "plugins", file, NULL);
  profile = plug_profile_new_from_file (path, &error);
  g_assert_no_error (error);

  return profile;
}

PlugProfile *
fault_profile_with (PlugProfile *profile,
                    const char  *json_members)
{
  g_autoptr(JsonObject) object = plug_profile_to_json (profile);
  g_autoptr(JsonNode) members = test_parse_json (json_members);
  g_autoptr(GList) names = json_object_get_members (json_node_get_object (members));
  g_autoptr(GError) error = NULL;
  PlugProfile *copy;

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_object_dup_member (json_node_get_object (members), l->data));

  copy = plug_profile_new_from_json (object, plug_profile_get_cwd (profile), NULL, &error);
  g_assert_no_error (error);

  return copy;
}

static gboolean
on_spin_over (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
fault_spin (guint ms)
{
  gboolean over = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, on_spin_over, &over, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  while (!over)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (source);
  g_source_unref (source);
}
