/* bench-calls.c: call latency and throughput of plugctl, beside its baselines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run: meson compile -C _build && _build/tests/bench/bench-calls [--pin] [--json]
 * (tests/bench/run.sh runs it with the environment it needs; see README.md).
 *
 * Every figure is measured in this one run, for plugctl and for the
 * baseline beside it, and the table prints the median over --runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugctl.h>

#include "bench-baselines.h"
#include "bench-util.h"

#define CALLER        "bench"
#define WARMUP_CALLS  200
#define SETUP_WAIT_MS 20000
#define DEPTH         256
#define LISTENERS     100
#define SMALL         16
#define LARGE         (64 * 1024)

static BenchLength length = { 1.0, 0, 3 };
static gboolean pin;
static gboolean json_output;
static gboolean small_only;
static char *only;

/* Engine set-up */

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

static gboolean
activate (PlugEngine  *engine,
          const char  *name,
          GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  plug_engine_activate (engine, name, NULL, on_async_done, &slot);
  result = wait_result (&slot, "an activation");
  return plug_engine_activate_finish (engine, result, error);
}

static void
deactivate (PlugEngine *engine,
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

static void
register_in_process (PlugEngine     *engine,
                     const char     *name,
                     PlugMethodFunc  method)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (name);
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);
  g_autoptr(GError) error = NULL;

  plug_profile_set_concurrency (profile, DEPTH);
  if (method != NULL)
    plug_plugin_add_method (plugin, "echo", method, NULL, NULL);
  if (!plug_engine_register (engine, plugin, &error) ||
      !activate (engine, name, &error))
    g_error ("In-process plugin %s: %s", name, error->message);
}

static PlugEngine *
engine_new (void)
{
  PlugEngine *engine = plug_engine_new ();

  register_in_process (engine, CALLER, NULL);
  return engine;
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

/* A copy of the manifest @name, with another connector and concurrency
 * when given; NULL when there is no such manifest. */
static PlugProfile *
profile_for (const char *name,
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

static JsonArray *
payload_args (gsize len)
{
  JsonArray *args = json_array_new ();
  g_autofree char *payload = g_strnfill (len, 'x');

  json_array_add_string_element (args, payload);
  return args;
}

/* Calls */

typedef struct
{
  PlugEngine *engine;
  const char *target;
  const char *method;
  JsonArray  *args;
  BenchTimer  timer;
  guint       outstanding;
  gboolean    done;
  gboolean    sending;
  gsize       expected_len;
} CallLoop;

static void
check_answer (CallLoop     *loop,
              GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = plug_engine_call_finish (loop->engine, result, &error);

  if (answer == NULL)
    g_error ("Call to %s failed: %s", loop->target, error->message);
  if (loop->expected_len > 0 && g_str_equal (loop->method, "echo") &&
      (!JSON_NODE_HOLDS_VALUE (answer) ||
       strlen (json_node_get_string (answer)) != loop->expected_len))
    g_error ("%s.echo did not echo its argument", loop->target);
}

static void
on_sequential_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CallLoop *loop = user_data;

  check_answer (loop, result);
  loop->done = TRUE;
}

static void
call_once (CallLoop *loop)
{
  loop->done = FALSE;
  plug_engine_call (loop->engine, CALLER, loop->target, loop->method, loop->args, NULL,
                    on_sequential_done, loop);
  while (!loop->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
call_loop_init (CallLoop   *loop,
                PlugEngine *engine,
                const char *target,
                gsize       payload_len)
{
  memset (loop, 0, sizeof *loop);
  loop->engine = engine;
  loop->target = target;
  loop->method = "echo";
  loop->args = payload_args (payload_len);
  loop->expected_len = payload_len;
  bench_timer_init (&loop->timer, &length);
}

static void
call_loop_clear (CallLoop *loop)
{
  g_clear_pointer (&loop->args, json_array_unref);
  bench_timer_clear (&loop->timer);
}

static void
run_sequential (CallLoop   *loop,
                const char *id)
{
  for (guint i = 0; i < WARMUP_CALLS; i++)
    call_once (loop);

  bench_timer_start (&loop->timer);
  while (bench_timer_more (&loop->timer))
    {
      guint64 t0 = bench_now_ns ();

      call_once (loop);
      bench_timer_add_latency (&loop->timer, bench_now_ns () - t0);
      loop->timer.done++;
    }
  bench_timer_stop (&loop->timer);
  bench_record_timer (id, &loop->timer);
}

static void
measure_sequential (PlugEngine *engine,
                    const char *target,
                    gsize       payload_len,
                    const char *id)
{
  CallLoop loop;

  call_loop_init (&loop, engine, target, payload_len);
  run_sequential (&loop, id);
  call_loop_clear (&loop);
}

static void on_flight_done (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data);

static void
start_flight_call (CallLoop *loop)
{
  loop->outstanding++;
  plug_engine_call (loop->engine, CALLER, loop->target, loop->method, loop->args, NULL,
                    on_flight_done, loop);
}

static void
on_flight_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CallLoop *loop = user_data;

  check_answer (loop, result);
  loop->outstanding--;
  loop->timer.done++;
  loop->sending = loop->sending && bench_timer_more (&loop->timer);
  if (loop->sending)
    start_flight_call (loop);
}

static void
measure_in_flight (PlugEngine *engine,
                   const char *target,
                   gsize       payload_len,
                   const char *id)
{
  g_autofree char *rate_id = g_strconcat (id, ".rate", NULL);
  CallLoop loop;

  call_loop_init (&loop, engine, target, payload_len);
  for (guint i = 0; i < WARMUP_CALLS; i++)
    call_once (&loop);

  loop.sending = TRUE;
  bench_timer_start (&loop.timer);
  for (guint i = 0; i < DEPTH; i++)
    start_flight_call (&loop);
  while (loop.outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  bench_timer_stop (&loop.timer);
  bench_record (rate_id, bench_timer_rate (&loop.timer));
  call_loop_clear (&loop);
}

/* Activation of a fresh plugin process until its first answer, in ms. */
static void
measure_activation (PlugEngine *engine,
                    const char *target,
                    const char *id)
{
  BenchLength count = { 0, length.iterations > 0 ? MIN (length.iterations, 10u) : 10, 1 };
  CallLoop loop;

  call_loop_init (&loop, engine, target, SMALL);
  loop.timer.length = &count;
  bench_timer_start (&loop.timer);
  while (bench_timer_more (&loop.timer))
    {
      g_autoptr(GError) error = NULL;
      guint64 t0;

      deactivate (engine, target);
      t0 = bench_now_ns ();
      if (!activate (engine, target, &error))
        g_error ("Could not activate %s: %s", target, error->message);
      call_once (&loop);
      bench_timer_add_latency (&loop.timer, bench_now_ns () - t0);
      loop.timer.done++;
    }
  bench_record (id, bench_timer_percentile_us (&loop.timer, 50) / 1e3);
  call_loop_clear (&loop);
}

/* Figure groups */

static void
echo_method (PlugCall *call,
             gpointer  user_data)
{
  plug_call_return_value (call, json_array_get_element (plug_call_get_args (call), 0));
}

static void
group_direct (void)
{
  bench_direct_call (&length);
}

static void
group_in_process (void)
{
  g_autoptr(PlugEngine) engine = engine_new ();

  register_in_process (engine, "echo", echo_method);
  measure_sequential (engine, "echo", SMALL, "inproc.16");
  measure_sequential (engine, "echo", LARGE, "inproc.64k");
  measure_in_flight (engine, "echo", SMALL, "inproc.flight256");
}

/* An engine with @plugin (through @connector when not NULL) registered
 * and active, or NULL when it is not available here. */
static PlugEngine *
engine_with_plugin (const char *plugin,
                    const char *connector,
                    guint       concurrency)
{
  g_autoptr(PlugProfile) profile = profile_for (plugin, connector, concurrency);
  g_autoptr(PlugEngine) engine = NULL;
  g_autoptr(GError) error = NULL;

  if (profile == NULL)
    {
      g_printerr ("bench-calls: no manifest for %s, skipped\n", plugin);
      return NULL;
    }
  engine = engine_new ();
  if (plug_engine_register_profile (engine, profile, &error) == NULL ||
      !activate (engine, plugin, &error))
    {
      g_printerr ("bench-calls: %s%s%s not available, skipped: %s\n", plugin,
                  connector != NULL ? " on " : "", connector != NULL ? connector : "",
                  error->message);
      return NULL;
    }
  return g_steal_pointer (&engine);
}

static void
measure_plugin (const char *plugin,
                const char *connector,
                const char *prefix)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin (plugin, connector, 0);
  g_autoptr(PlugEngine) deep = NULL;
  g_autofree char *small_id = g_strconcat (prefix, ".16", NULL);
  g_autofree char *large_id = g_strconcat (prefix, ".64k", NULL);
  g_autofree char *flight_id = g_strconcat (prefix, ".flight256", NULL);
  g_autofree char *activation_id = g_strconcat ("activation.", prefix, NULL);

  if (engine == NULL)
    return;
  measure_sequential (engine, plugin, SMALL, small_id);
  if (!small_only)
    {
      measure_sequential (engine, plugin, LARGE, large_id);
      measure_activation (engine, plugin, activation_id);
    }
  deactivate (engine, plugin);
  if (small_only)
    return;

  /* 256 in flight need a profile that lets the plugin run them. */
  deep = engine_with_plugin (plugin, connector, DEPTH);
  if (deep == NULL)
    return;
  measure_in_flight (deep, plugin, SMALL, flight_id);
  deactivate (deep, plugin);
}

static void
group_child_c (void)
{
  measure_plugin ("echo", NULL, "child.c");
}

static void
group_child_node (void)
{
  g_autofree char *node = g_find_program_in_path ("node");

  if (node == NULL)
    {
      g_printerr ("bench-calls: node is not on PATH, Node plugin skipped\n");
      return;
    }
  measure_plugin ("node-echo", NULL, "child.node");
}

static void
group_thread (void)
{
  g_auto(GStrv) connectors = plug_connector_module_list ();

  if (connectors == NULL || !g_strv_contains ((const char * const *) connectors, "thread"))
    {
      g_printerr ("bench-calls: no thread connector, thread call skipped\n");
      return;
    }
  measure_plugin ("echo-thread", NULL, "thread.c");
}

/* libm's sqrt through libffi, on the native connector's worker. */
static void
group_native (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("libm", NULL, 0);
  CallLoop loop;

  if (engine == NULL)
    return;
  call_loop_init (&loop, engine, "libm", 0);
  loop.method = "sqrt";
  json_array_remove_element (loop.args, 0);
  json_array_add_double_element (loop.args, 2.0);
  run_sequential (&loop, "native.sqrt");
  call_loop_clear (&loop);
  deactivate (engine, "libm");
}

static void
on_event (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  guint64 *deliveries = user_data;

  (*deliveries)++;
}

static void
emit_tick (PlugEngine *engine,
           JsonArray  *args)
{
  g_autoptr(GError) error = NULL;

  if (!plug_engine_emit (engine, "emitter", "tick", args, &error))
    g_error ("emit: %s", error->message);
}

static void
group_events (void)
{
  g_autoptr(PlugEngine) engine = engine_new ();
  g_autoptr(JsonArray) args = payload_args (SMALL);
  guint64 deliveries = 0;
  gboolean deferred;
  BenchTimer timer;

  register_in_process (engine, "emitter", NULL);
  for (guint i = 0; i < LISTENERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("listener-%03u", i);
      g_autoptr(GError) error = NULL;

      register_in_process (engine, name, NULL);
      if (!plug_engine_on (engine, name, "emitter", "tick", on_event, &deliveries,
                           NULL, &error))
        g_error ("on: %s", error->message);
    }

  /* Delivery is synchronous, as Remix's; if it ever is not, wait for it. */
  emit_tick (engine, args);
  deferred = deliveries != LISTENERS;
  while (deliveries < LISTENERS)
    g_main_context_iteration (NULL, TRUE);

  bench_timer_init (&timer, &length);
  deliveries = 0;
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      emit_tick (engine, args);
      timer.done++;
      while (deferred && deliveries < timer.done * LISTENERS)
        g_main_context_iteration (NULL, TRUE);
    }
  bench_timer_stop (&timer);
  g_assert_cmpuint (deliveries, ==, timer.done * LISTENERS);
  bench_record ("events.inproc.emits", bench_timer_rate (&timer));
  bench_record ("events.inproc.deliveries", bench_timer_rate (&timer) * LISTENERS);
  bench_timer_clear (&timer);

  bench_gsignal_fanout (&length, LISTENERS);
}

static void
group_raw (void)
{
  g_autofree char *small = bench_wire_request (SMALL);
  g_autofree char *large = bench_wire_request (LARGE);

  bench_raw_pingpong (&length, small, "raw.16");
  bench_raw_pingpong (&length, large, "raw.64k");
  bench_raw_pipelined (&length, small, DEPTH, "raw.flight256");
}

static void
group_queue (void)
{
  bench_gasyncqueue_pingpong (&length);
}

static void
group_spawn (void)
{
  bench_spawn_true (&length);
}

typedef struct
{
  const char *name;
  void      (*func) (void);
} Group;

/* The thread group last: a group that leaks (the thread connector did)
 * makes every fork after it slower, activations included. */
static const Group groups[] = {
  { "direct", group_direct },
  { "inproc", group_in_process },
  { "raw", group_raw },
  { "queue", group_queue },
  { "child-c", group_child_c },
  { "child-node", group_child_node },
  { "events", group_events },
  { "spawn", group_spawn },
  { "native", group_native },
  { "thread", group_thread },
};

#define RAW      "raw socketpair ping-pong"
#define PIPE256  "raw socketpair, 256 pipelined"
#define SPAWN    "posix_spawn + wait of true"

static const BenchRow rows[] = {
  { "in-process call, 16 B, p50", "µs", "inproc.16.p50", "direct.call", "direct C call",
    "call.inproc.16.p50", "≤ 1 µs" },
  { "in-process call, 16 B, p99", "µs", "inproc.16.p99", NULL, NULL, "call.inproc.16.p99", NULL },
  { "in-process call, 16 B, sequential", "calls/s", "inproc.16.rate", NULL, NULL,
    "call.inproc.16.rate", NULL },
  { "in-process call, 64 KiB, p50", "µs", "inproc.64k.p50", "direct.call", "direct C call",
    "call.inproc.64k.p50", NULL },
  { "in-process call, 256 in flight", "calls/s", "inproc.flight256.rate", NULL, NULL,
    "flight.inproc.rate", NULL },
  { "child C, 16 B, p50", "µs", "child.c.16.p50", "raw.16.p50", RAW, "call.child.16.p50",
    "≤ 3× base, ≤ 0.33× Remix" },
  { "child C, 16 B, p99", "µs", "child.c.16.p99", "raw.16.p99", RAW, "call.child.16.p99", NULL },
  { "child C, 16 B, sequential", "calls/s", "child.c.16.rate", "raw.16.rate", RAW,
    "call.child.16.rate", NULL },
  { "child C, 64 KiB, p50", "µs", "child.c.64k.p50", "raw.64k.p50", RAW, "call.child.64k.p50",
    "≤ 0.3× Remix" },
  { "child C, 64 KiB, p99", "µs", "child.c.64k.p99", "raw.64k.p99", RAW, "call.child.64k.p99", NULL },
  { "child C, 64 KiB, sequential", "calls/s", "child.c.64k.rate", "raw.64k.rate", RAW,
    "call.child.64k.rate", NULL },
  { "child C, 256 in flight", "calls/s", "child.c.flight256.rate", "raw.flight256.rate", PIPE256,
    "flight.child.rate", "≥ 150 k/s, ≥ 15× Remix" },
  { "child Node, 16 B, p50", "µs", "child.node.16.p50", "raw.16.p50", RAW, "call.child.16.p50",
    "≤ 0.75× Remix" },
  { "child Node, 16 B, p99", "µs", "child.node.16.p99", "raw.16.p99", RAW, "call.child.16.p99", NULL },
  { "child Node, 16 B, sequential", "calls/s", "child.node.16.rate", "raw.16.rate", RAW,
    "call.child.16.rate", NULL },
  { "child Node, 64 KiB, p50", "µs", "child.node.64k.p50", "raw.64k.p50", RAW,
    "call.child.64k.p50", NULL },
  { "child Node, 256 in flight", "calls/s", "child.node.flight256.rate", "raw.flight256.rate",
    PIPE256, "flight.child.rate", NULL },
  { "thread call, 16 B, p50", "µs", "thread.c.16.p50", "gasyncqueue.p50", "GAsyncQueue ping-pong",
    NULL, "≤ 1.3× base" },
  { "thread call, 16 B, p99", "µs", "thread.c.16.p99", "gasyncqueue.p99", "GAsyncQueue ping-pong",
    NULL, NULL },
  { "thread call, 16 B, sequential", "calls/s", "thread.c.16.rate", "gasyncqueue.rate",
    "GAsyncQueue ping-pong", NULL, NULL },
  { "thread call, 64 KiB, p50", "µs", "thread.c.64k.p50", "gasyncqueue.p50", "GAsyncQueue ping-pong",
    "call.inproc.64k.p50", NULL },
  { "thread call, 256 in flight", "calls/s", "thread.c.flight256.rate", NULL, NULL,
    "flight.inproc.rate", NULL },
  { "native ffi call (libm sqrt), p50", "µs", "native.sqrt.p50", "thread.c.16.p50",
    "thread call, 16 B", NULL, "≤ 1.3× base" },
  { "native ffi call (libm sqrt), p99", "µs", "native.sqrt.p99", "thread.c.16.p99",
    "thread call, 16 B", NULL, NULL },
  /* Issue 3 asks for these two against a direct call and the in-process plugin. */
  { "thread call, 16 B, p50", "µs", "thread.c.16.p50", "direct.call", "direct C call", NULL, NULL },
  { "thread call, 16 B, p50", "µs", "thread.c.16.p50", "inproc.16.p50", "in-process call, 16 B",
    NULL, NULL },
  { "native ffi call (libm sqrt), p50", "µs", "native.sqrt.p50", "direct.call", "direct C call",
    NULL, NULL },
  { "native ffi call (libm sqrt), p50", "µs", "native.sqrt.p50", "inproc.16.p50",
    "in-process call, 16 B", NULL, NULL },
  { "event 1 → 100 in-process listeners", "emits/s", "events.inproc.emits", "gsignal.emits",
    "g_signal_emit, 100 handlers", "events.inproc.emits", "≥ 2× Remix" },
  { "event 1 → 100 in-process listeners", "deliv/s", "events.inproc.deliveries",
    "gsignal.deliveries", "g_signal_emit, 100 handlers", "events.inproc.deliveries", NULL },
  { "activation → first answer, C child", "ms", "activation.child.c", "spawn.true", SPAWN,
    "activation.child", NULL },
  { "activation → first answer, Node child", "ms", "activation.child.node", "spawn.true", SPAWN,
    "activation.child", NULL },
};

static gboolean
group_selected (const char *name)
{
  g_auto(GStrv) names = NULL;

  if (only == NULL)
    return TRUE;
  names = g_strsplit (only, ",", -1);
  return g_strv_contains ((const char * const *) names, name);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "pin", 0, 0, G_OPTION_ARG_NONE, &pin,
      "Run everything, plugin processes included, on one CPU", NULL },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &length.duration_s,
      "Seconds each figure runs (default 1)", "S" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &length.iterations,
      "Units of work per figure instead of a duration", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &length.runs,
      "Runs; the table shows the median (default 3)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, "Print JSON", NULL },
    { "small-only", 0, 0, G_OPTION_ARG_NONE, &small_only,
      "Plugins: only the sequential 16 B calls (to profile them)", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Comma-separated groups: direct, inproc, raw, queue, child-c, child-node, "
      "events, spawn, native, thread", "LIST" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- plugctl call benchmarks");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) connector_dirs = NULL;
  g_autofree char *title = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-calls: %s\n", error->message);
      return 2;
    }
  if (length.runs < 1 || length.duration_s <= 0)
    {
      g_printerr ("bench-calls: --runs and --duration must be positive\n");
      return 2;
    }
  if (pin)
    g_printerr ("bench-calls: pinned to CPU %d\n", bench_pin_to_one_cpu ());

  connector_dirs = plug_connector_module_search_path (NULL);
  plug_connector_module_load_dirs ((const char * const *) connector_dirs);

  /* Each group's runs back to back, so one group cannot weigh on the
   * next run of another. */
  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    for (guint run = 0; run < length.runs; run++)
      if (group_selected (groups[i].name))
        {
          g_printerr ("bench-calls: run %u/%u: %s\n", run + 1, length.runs, groups[i].name);
          groups[i].func ();
        }

  if (json_output)
    {
      bench_print_json (rows, G_N_ELEMENTS (rows), pin ? "pinned" : "unpinned");
      return 0;
    }
  title = g_strdup_printf ("plugctl calls, %s, median of %u runs", pin ? "one CPU" : "unpinned",
                           length.runs);
  bench_print_table (rows, G_N_ELEMENTS (rows), title);
  return 0;
}
