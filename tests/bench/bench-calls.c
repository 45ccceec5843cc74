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

#include <gio/gio.h>
#include <plugctl.h>

#include "bench-baselines.h"
#include "bench-calls.h"
#include "bench-engine.h"
#include "bench-util.h"

#define DEPTH         BENCH_DEPTH
#define SPIN_NS       20000
#define LISTENERS     100
#define SMALL         16
#define LARGE         (64 * 1024)

static BenchLength length = { 1.0, 0, 3 };
static gboolean pin;
static gboolean json_output;
static gboolean small_only;
static char *only;

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
  g_autoptr(PlugEngine) engine = bench_engine_new ();

  bench_engine_add_in_process (engine, "echo", echo_method, DEPTH);
  bench_measure_echo (engine, "echo", SMALL, &length, "inproc.16");
  if (small_only)
    return;
  bench_measure_echo (engine, "echo", LARGE, &length, "inproc.64k");
  bench_measure_echo_in_flight (engine, "echo", SMALL, DEPTH, &length, "inproc.flight256");
}

/* An engine with @plugin (through @connector when not NULL) registered
 * and active, or NULL when it is not available here. */
static PlugEngine *
engine_with_plugin (const char *plugin,
                    const char *connector,
                    guint       concurrency)
{
  g_autoptr(PlugProfile) profile = bench_profile_for (plugin, connector, concurrency);

  if (profile == NULL)
    {
      g_printerr ("bench-calls: no manifest for %s, skipped\n", plugin);
      return NULL;
    }
  return bench_engine_with_profile ("bench-calls", profile);
}

/* Sequential 16 B and 64 KiB calls and activations on @profile, 256 in
 * flight on @deep_profile (the same at concurrency 256). */
void
bench_calls_measure_plugin (PlugProfile *profile,
                            PlugProfile *deep_profile,
                            const char  *prefix)
{
  /* A copy: a connector may update the profile, and its strings with it. */
  g_autofree char *plugin = g_strdup (plug_profile_get_name (profile));
  g_autoptr(PlugEngine) engine = bench_engine_with_profile ("bench-calls", profile);
  g_autoptr(PlugEngine) deep = NULL;
  g_autofree char *small_id = g_strconcat (prefix, ".16", NULL);
  g_autofree char *large_id = g_strconcat (prefix, ".64k", NULL);
  g_autofree char *flight_id = g_strconcat (prefix, ".flight256", NULL);
  g_autofree char *activation_id = g_strconcat ("activation.", prefix, NULL);

  if (engine == NULL)
    return;
  bench_measure_echo (engine, plugin, SMALL, &length, small_id);
  if (!small_only)
    {
      bench_measure_echo (engine, plugin, LARGE, &length, large_id);
      bench_measure_activation (engine, plugin, &length, activation_id);
    }
  bench_engine_deactivate (engine, plugin);
  if (small_only)
    return;

  deep = bench_engine_with_profile ("bench-calls", deep_profile);
  if (deep == NULL)
    return;
  bench_measure_echo_in_flight (deep, plugin, SMALL, DEPTH, &length, flight_id);
  bench_engine_deactivate (deep, plugin);
}

static void
measure_plugin (const char *plugin,
                const char *prefix)
{
  g_autoptr(PlugProfile) profile = bench_profile_for (plugin, NULL, 0);
  /* 256 in flight need a profile that lets the plugin run them. */
  g_autoptr(PlugProfile) deep = bench_profile_for (plugin, NULL, DEPTH);

  if (profile == NULL)
    {
      g_printerr ("bench-calls: no manifest for %s, skipped\n", plugin);
      return;
    }
  bench_calls_measure_plugin (profile, deep, prefix);
}

static void
group_child_c (void)
{
  measure_plugin ("echo", "child.c");
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
  measure_plugin ("node-echo", "child.node");
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
  measure_plugin ("echo-thread", "thread.c");
}

/* libm's sqrt through libffi, on the native connector's worker. */
static void
group_native (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("libm", NULL, 0);
  BenchEngineCalls calls;
  JsonArray *args;

  if (engine == NULL)
    return;
  args = json_array_new ();
  json_array_add_double_element (args, 2.0);
  bench_engine_calls_init (&calls, &length, engine, "libm", "sqrt", args, NULL);
  bench_calls_sequential (&calls.calls, BENCH_WARMUP_CALLS, "native.sqrt");
  bench_engine_calls_clear (&calls);
  bench_engine_deactivate (engine, "libm");
}

/* The child C call's CPU time (getrusage of this process and of the
 * plugin once reaped, its start and warm-up included) per call, and the
 * CPUs it kept busy: "child.c.cpu.16.p50/.p99/.rate/.cpu/.load". Run in
 * a fresh process by the spin group, once per setting of
 * PLUGCTL_SPIN_US. */
static void
group_child_c_cpu (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("echo", NULL, 0);
  BenchEngineCalls calls;
  guint64 cpu0, calls_made;
  double cpu_us;

  if (engine == NULL)
    return;
  cpu0 = bench_cpu_ns ();
  bench_engine_calls_init_echo (&calls, &length, engine, "echo", SMALL);
  bench_calls_sequential (&calls.calls, BENCH_WARMUP_CALLS, "child.c.cpu.16");
  calls_made = BENCH_WARMUP_CALLS + calls.calls.timer.done;
  bench_engine_deactivate (engine, "echo");
  cpu_us = (bench_cpu_ns () - cpu0) / 1e3 / calls_made;
  bench_record ("child.c.cpu.16.cpu", cpu_us);
  bench_record ("child.c.cpu.16.load", cpu_us * bench_timer_rate (&calls.calls.timer) / 1e6);
  bench_engine_calls_clear (&calls);
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
  g_autoptr(PlugEngine) engine = bench_engine_new ();
  g_autoptr(JsonArray) args = json_array_new ();
  guint64 deliveries = 0;
  gboolean deferred;
  BenchTimer timer;

  json_array_add_string_element (args, "xxxxxxxxxxxxxxxx");
  bench_engine_add_in_process (engine, "emitter", NULL, DEPTH);
  for (guint i = 0; i < LISTENERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("listener-%03u", i);
      g_autoptr(GError) error = NULL;

      bench_engine_add_in_process (engine, name, NULL, DEPTH);
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
group_events_child (void)
{
  bench_calls_group_events_child (&length);
}

static void
group_raw (void)
{
  g_autofree char *small = bench_wire_request (SMALL);
  g_autofree char *large = bench_wire_request (LARGE);

  bench_raw_pingpong (&length, small, 0, "raw.16");
  bench_raw_pingpong (&length, large, 0, "raw.64k");
  bench_raw_pipelined (&length, small, DEPTH, "raw.flight256");
  bench_raw_pingpong (&length, small, SPIN_NS, "raw.spin.16");
}

/* Runs the child-c-cpu group in a fresh process whose environment has
 * PLUGCTL_SPIN_US=@spin_us (unset when NULL: the library's default), the
 * plugin's too, and records its figures as "<prefix>.*". A fresh process,
 * as the library may read the variable once. */
static void
measure_child_c_cpu_with (const char *spin_us,
                          const char *prefix)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JsonObject *measurements;
  g_autoptr(GList) ids = NULL;

  if (spin_us != NULL)
    g_subprocess_launcher_setenv (launcher, "PLUGCTL_SPIN_US", spin_us, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_SPIN_US");
  g_ptr_array_add (argv, g_file_read_link ("/proc/self/exe", NULL));
  g_ptr_array_add (argv, g_strdup ("--only=child-c-cpu"));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, g_strdup ("--runs=1"));
  g_ptr_array_add (argv, g_strdup_printf ("--duration=%g", length.duration_s));
  g_ptr_array_add (argv, g_strdup_printf ("--iterations=%u", length.iterations));
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (process == NULL ||
      !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error) ||
      !json_parser_load_from_data (parser, out, -1, &error))
    g_error ("bench-calls --only=child-c-cpu: %s", error->message);
  if (!g_subprocess_get_successful (process))
    g_error ("bench-calls --only=child-c-cpu failed");

  measurements = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                                "measurements");
  ids = json_object_get_members (measurements);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      const char *id = l->data;
      g_autofree char *mine = NULL;

      if (!g_str_has_prefix (id, "child.c.cpu.16.") ||
          JSON_NODE_HOLDS_NULL (json_object_get_member (measurements, id)))
        continue;
      mine = g_strconcat (prefix, id + strlen ("child.c.cpu.16"), NULL);
      bench_record (mine, json_object_get_double_member (measurements, id));
    }
}

/* The child C call with the library's spin-before-block at its default and
 * off, each with its CPU time per call: "spin.default.*", "spin.off.*". */
static void
group_spin (void)
{
  measure_child_c_cpu_with (NULL, "spin.default");
  measure_child_c_cpu_with ("0", "spin.off");
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
  gboolean    by_default;  /* else only when --only names it */
} Group;

/* The thread group last: a group that leaks (the thread connector did)
 * makes every fork after it slower, activations included. */
static const Group groups[] = {
  { "direct", group_direct, TRUE },
  { "inproc", group_in_process, TRUE },
  { "raw", group_raw, TRUE },
  { "queue", group_queue, TRUE },
  { "child-c", group_child_c, TRUE },
  { "spin", group_spin, TRUE },
  { "child-c-cpu", group_child_c_cpu, FALSE },
  { "child-node", group_child_node, TRUE },
  { "network", bench_calls_group_network, TRUE },
  { "events", group_events, TRUE },
  { "events-child", group_events_child, TRUE },
  { "spawn", group_spawn, TRUE },
  { "native", group_native, TRUE },
  { "thread", group_thread, TRUE },
};

#define RAW      "raw socketpair ping-pong"
#define PIPE256  "raw socketpair, 256 pipelined"
#define SPAWN    "posix_spawn + wait of true"
#define RAWSPIN  "raw socketpair, spinning ≤ 20 µs"
#define CHILDC   "child C, same figure"
#define NET_ROWS(name, pre, remix)                                                           \
  { name ", 16 B, p50", "µs", pre ".16.p50", "child.c.16.p50", CHILDC, "call." remix ".16.p50", \
    "≤ 0.5× Remix" },                                                                         \
  { name ", 16 B, p99", "µs", pre ".16.p99", "child.c.16.p99", CHILDC, "call." remix ".16.p99", \
    NULL },                                                                                   \
  { name ", 16 B, sequential", "calls/s", pre ".16.rate", "child.c.16.rate", CHILDC,          \
    "call." remix ".16.rate", NULL },                                                         \
  { name ", 64 KiB, p50", "µs", pre ".64k.p50", "child.c.64k.p50", CHILDC,                    \
    "call." remix ".64k.p50", NULL },                                                         \
  { name ", 64 KiB, p99", "µs", pre ".64k.p99", "child.c.64k.p99", CHILDC,                    \
    "call." remix ".64k.p99", NULL },                                                         \
  { name ", 256 in flight", "calls/s", pre ".flight256.rate", "child.c.flight256.rate",       \
    CHILDC, "flight." remix ".rate", NULL },                                                  \
  { name ", connect → first answer", "ms", "activation." pre, "activation.child.c",           \
    "child C, start → first answer", "activation." remix, NULL }

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
  { "child C, 16 B, p50, spin default", "µs", "spin.default.p50", "raw.spin.16.p50", RAWSPIN,
    "call.child.16.p50", "≤ 3× base, ≤ 0.33× Remix" },
  { "child C, 16 B, p99, spin default", "µs", "spin.default.p99", "raw.spin.16.p99", RAWSPIN,
    "call.child.16.p99", NULL },
  { "child C, 16 B, sequential, spin default", "calls/s", "spin.default.rate", "raw.spin.16.rate",
    RAWSPIN, "call.child.16.rate", NULL },
  { "child C, 16 B, CPU per call, spin default", "µs", "spin.default.cpu", "raw.spin.16.cpu",
    RAWSPIN, NULL, NULL },
  { "child C, 16 B, CPUs busy, spin default", "CPUs", "spin.default.load", NULL, NULL, NULL,
    NULL },
  { "child C, 16 B, p50, PLUGCTL_SPIN_US=0", "µs", "spin.off.p50", "raw.16.p50", RAW,
    "call.child.16.p50", "≤ 3× base, ≤ 0.33× Remix" },
  { "child C, 16 B, p99, PLUGCTL_SPIN_US=0", "µs", "spin.off.p99", "raw.16.p99", RAW,
    "call.child.16.p99", NULL },
  { "child C, 16 B, sequential, PLUGCTL_SPIN_US=0", "calls/s", "spin.off.rate", "raw.16.rate",
    RAW, "call.child.16.rate", NULL },
  { "child C, 16 B, CPU per call, PLUGCTL_SPIN_US=0", "µs", "spin.off.cpu", "raw.16.cpu", RAW,
    NULL, NULL },
  { "child C, 16 B, CPUs busy, PLUGCTL_SPIN_US=0", "CPUs", "spin.off.load", NULL, NULL, NULL,
    NULL },
  { "child C, 16 B, p50, spin default", "µs", "spin.default.p50", "spin.off.p50",
    "the same, PLUGCTL_SPIN_US=0", NULL, NULL },
  { "child C, 16 B, CPU per call, spin default", "µs", "spin.default.cpu", "spin.off.cpu",
    "the same, PLUGCTL_SPIN_US=0", NULL, NULL },
  { "machine: raw socketpair, spin ≤ 20 µs, p50", "µs", "raw.spin.16.p50", "raw.16.p50",
    RAW " (blocking)", NULL, NULL },
  { "machine: raw socketpair, spin ≤ 20 µs, CPU/call", "µs", "raw.spin.16.cpu", "raw.16.cpu",
    RAW " (blocking)", NULL, NULL },
  { "child Node, 16 B, p50", "µs", "child.node.16.p50", "raw.16.p50", RAW, "call.child.16.p50",
    "≤ 0.75× Remix" },
  { "child Node, 16 B, p99", "µs", "child.node.16.p99", "raw.16.p99", RAW, "call.child.16.p99", NULL },
  { "child Node, 16 B, sequential", "calls/s", "child.node.16.rate", "raw.16.rate", RAW,
    "call.child.16.rate", NULL },
  { "child Node, 64 KiB, p50", "µs", "child.node.64k.p50", "raw.64k.p50", RAW,
    "call.child.64k.p50", NULL },
  { "child Node, 256 in flight", "calls/s", "child.node.flight256.rate", "raw.flight256.rate",
    PIPE256, "flight.child.rate", NULL },
  NET_ROWS ("WebSocket", "ws", "ws"),
  NET_ROWS ("socket.io", "sio", "sio"),
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
  { "event 1 → 100 child listeners", "emits/s", "events.child.emits", NULL, NULL,
    "events.child.emits", NULL },
  { "event 1 → 100 child listeners", "deliv/s", "events.child.deliveries", NULL, NULL,
    "events.child.deliveries", "≥ 10× Remix" },
  { "activation → first answer, C child", "ms", "activation.child.c", "spawn.true", SPAWN,
    "activation.child", NULL },
  { "activation → first answer, Node child", "ms", "activation.child.node", "spawn.true", SPAWN,
    "activation.child", NULL },
};

static gboolean
group_selected (const Group *group)
{
  g_auto(GStrv) names = NULL;

  if (only == NULL)
    return group->by_default;
  names = g_strsplit (only, ",", -1);
  return g_strv_contains ((const char * const *) names, group->name);
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
      "Comma-separated groups: direct, inproc, raw, queue, child-c, spin, child-node, "
      "network, events, events-child, spawn, native, thread (and child-c-cpu, which spin "
      "runs)", "LIST" },
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
      if (group_selected (&groups[i]))
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
