/* bench-engine.c: engines, plugins and profiles of the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "bench-engine.h"
#include "bench-util.h"

#include <string.h>

#define SETUP_WAIT_MS 20000

static void
on_async_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot,
             const char    *what)
{
  bench_wait_pointer ((gpointer const *) slot, SETUP_WAIT_MS, what);
  return g_steal_pointer (slot);
}

gboolean
bench_engine_activate (PlugEngine  *engine,
                       const char  *name,
                       GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  plug_engine_activate (engine, name, NULL, on_async_done, &slot);
  result = wait_result (&slot, "an activation");
  return plug_engine_activate_finish (engine, result, error);
}

void
bench_engine_deactivate (PlugEngine *engine,
                         const char *name)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_is_active (engine, name))
    return;
  plug_engine_deactivate (engine, name, NULL, on_async_done, &slot);
  result = wait_result (&slot, "a deactivation");
  if (!plug_engine_deactivate_finish (engine, result, &error))
    g_warning ("Could not deactivate %s: %s", name, error->message);
}

void
bench_engine_add_in_process (PlugEngine     *engine,
                             const char     *name,
                             PlugMethodFunc  method,
                             guint           concurrency)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (name);
  g_autoptr(PlugPlugin) plugin = NULL;
  g_autoptr(GError) error = NULL;

  if (concurrency > 0)
    plug_profile_set_concurrency (profile, concurrency);
  plugin = plug_plugin_new (profile);
  if (method != NULL)
    plug_plugin_add_method (plugin, "echo", method, NULL, NULL);
  if (!plug_engine_register (engine, plugin, &error) ||
      !bench_engine_activate (engine, name, &error))
    g_error ("In-process plugin %s: %s", name, error->message);
}

PlugEngine *
bench_engine_new (void)
{
  PlugEngine *engine = plug_engine_new ();

  bench_engine_add_in_process (engine, BENCH_CALLER, NULL, 256);
  return engine;
}

PlugEngine *
bench_engine_with_profile (const char  *program,
                           PlugProfile *profile)
{
  g_autoptr(PlugEngine) engine = bench_engine_new ();
  /* Copies: a connector may update the profile, and its strings with it. */
  g_autofree char *name = g_strdup (plug_profile_get_name (profile));
  g_autofree char *connector = g_strdup (plug_profile_get_connector (profile));
  g_autoptr(GError) error = NULL;

  if (plug_engine_register_profile (engine, profile, &error) == NULL ||
      !bench_engine_activate (engine, name, &error))
    {
      g_printerr ("%s: %s%s%s not available, skipped: %s\n", program, name,
                  connector != NULL ? " on " : "", connector != NULL ? connector : "",
                  error->message);
      return NULL;
    }
  return g_steal_pointer (&engine);
}

static GPtrArray *
load_profiles (void)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new ();
  g_auto(GStrv) search = plug_profile_search_path (NULL);
  const char *builddir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");

  if (builddir != NULL)
    g_ptr_array_add (dirs, (gpointer) builddir);
  for (guint i = 0; search[i] != NULL; i++)
    g_ptr_array_add (dirs, search[i]);
  g_ptr_array_add (dirs, NULL);

  return plug_profile_load_dirs ((const char * const *) dirs->pdata, NULL);
}

PlugProfile *
bench_profile_for (const char *name,
                   const char *connector,
                   guint       concurrency)
{
  static GPtrArray *profiles;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *base_dir = NULL;
  g_autoptr(GError) error = NULL;
  PlugProfile *found = NULL;
  PlugProfile *copy;

  if (profiles == NULL)
    profiles = load_profiles ();
  for (guint i = 0; i < profiles->len && found == NULL; i++)
    if (g_strcmp0 (plug_profile_get_name (profiles->pdata[i]), name) == 0)
      found = profiles->pdata[i];
  if (found == NULL)
    return NULL;

  object = plug_profile_to_json (found);
  if (connector != NULL)
    json_object_set_string_member (object, "connector", connector);
  if (concurrency > 0)
    json_object_set_int_member (object, "concurrency", concurrency);
  if (plug_profile_get_path (found) != NULL)
    base_dir = g_path_get_dirname (plug_profile_get_path (found));
  copy = plug_profile_new_from_json (object, base_dir, plug_profile_get_path (found), &error);
  if (copy == NULL)
    g_error ("Profile %s: %s", name, error->message);
  return copy;
}

/* Calls through the engine */

static void
engine_call_start (BenchCalls          *base,
                   GAsyncReadyCallback  callback)
{
  BenchEngineCalls *calls = (BenchEngineCalls *) base;

  plug_engine_call (calls->engine, BENCH_CALLER, calls->plugin, calls->method, calls->args,
                    NULL, callback, calls);
}

static void
engine_call_finish (BenchCalls   *base,
                    GAsyncResult *result)
{
  BenchEngineCalls *calls = (BenchEngineCalls *) base;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = plug_engine_call_finish (calls->engine, result, &error);
  const char *text;

  if (answer == NULL)
    g_error ("%s.%s failed: %s", calls->plugin, calls->method, error->message);
  if (calls->expected == NULL)
    return;
  /* Comparing 64 KiB would weigh on the in-process figure: the length. */
  text = JSON_NODE_HOLDS_VALUE (answer) ? json_node_get_string (answer) : NULL;
  if (text == NULL || strlen (text) != calls->expected_len ||
      (calls->expected_len <= 64 && strcmp (text, calls->expected) != 0))
    g_error ("%s.%s did not answer %.64s", calls->plugin, calls->method, calls->expected);
}

void
bench_engine_calls_init (BenchEngineCalls  *calls,
                         const BenchLength *length,
                         PlugEngine        *engine,
                         const char        *plugin,
                         const char        *method,
                         JsonArray         *args,
                         const char        *expected)
{
  bench_calls_init (&calls->calls, length, engine_call_start, engine_call_finish);
  calls->engine = engine;
  calls->plugin = plugin;
  calls->method = method;
  calls->args = args;
  calls->expected = g_strdup (expected);
  calls->expected_len = expected != NULL ? strlen (expected) : 0;
}

void
bench_engine_calls_init_echo (BenchEngineCalls  *calls,
                              const BenchLength *length,
                              PlugEngine        *engine,
                              const char        *plugin,
                              gsize              payload_len)
{
  g_autofree char *payload = g_strnfill (payload_len, 'x');
  JsonArray *args = json_array_new ();

  json_array_add_string_element (args, payload);
  bench_engine_calls_init (calls, length, engine, plugin, "echo", args, payload);
}

void
bench_engine_calls_clear (BenchEngineCalls *calls)
{
  g_clear_pointer (&calls->args, json_array_unref);
  g_clear_pointer (&calls->expected, g_free);
  bench_calls_clear (&calls->calls);
}

void
bench_measure_echo (PlugEngine        *engine,
                    const char        *plugin,
                    gsize              payload_len,
                    const BenchLength *length,
                    const char        *id)
{
  BenchEngineCalls calls;

  bench_engine_calls_init_echo (&calls, length, engine, plugin, payload_len);
  bench_calls_sequential (&calls.calls, BENCH_WARMUP_CALLS, id);
  bench_engine_calls_clear (&calls);
}

void
bench_measure_echo_in_flight (PlugEngine        *engine,
                              const char        *plugin,
                              gsize              payload_len,
                              guint              depth,
                              const BenchLength *length,
                              const char        *id)
{
  BenchEngineCalls calls;

  bench_engine_calls_init_echo (&calls, length, engine, plugin, payload_len);
  bench_calls_in_flight (&calls.calls, BENCH_WARMUP_CALLS, depth, id);
  bench_engine_calls_clear (&calls);
}

void
bench_measure_activation (PlugEngine        *engine,
                          const char        *plugin,
                          const BenchLength *length,
                          const char        *id)
{
  BenchLength count = { 0, length->iterations > 0 ? MIN (length->iterations, 10u) : 10, 1 };
  BenchEngineCalls calls;
  BenchTimer *timer = &calls.calls.timer;

  bench_engine_calls_init_echo (&calls, &count, engine, plugin, 16);
  bench_timer_start (timer);
  while (bench_timer_more (timer))
    {
      g_autoptr(GError) error = NULL;
      guint64 t0;

      bench_engine_deactivate (engine, plugin);
      t0 = bench_now_ns ();
      if (!bench_engine_activate (engine, plugin, &error))
        g_error ("Could not activate %s: %s", plugin, error->message);
      bench_calls_once (&calls.calls);
      bench_timer_add_latency (timer, bench_now_ns () - t0);
      timer->done++;
    }
  bench_record (id, bench_timer_percentile_us (timer, 50) / 1e3);
  bench_engine_calls_clear (&calls);
}
