/* bench-calls-events.c: one emitter, 100 child-process listeners
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An in-process plugin `emitter` emits `tick` (a 16-byte string) in
 * bursts of BURST; 100 child processes of bench-listener (C, on
 * PlugClient) listen to it. After each burst every listener is asked
 * `count`, and the burst is done when all 100 have answered the number
 * of ticks expected: the clock covers every delivery, not only the
 * emits. The Remix side (remix/bench-remix.js) does the same with 100
 * @remixproject/plugin listeners on engine-node's ChildProcessPlugin.
 */
#include "config.h"

#include <string.h>

#include <plugctl.h>

#include "bench-calls.h"
#include "bench-engine.h"
#include "bench-util.h"

#ifndef BENCH_LISTENER
#error "BENCH_LISTENER: the path of the bench-listener program"
#endif

#define LISTENERS 100
#define BURST 256
#define WARMUP_TRIES 200

typedef struct
{
  PlugEngine *engine;
  gint64      counts[LISTENERS];
  gint64      base[LISTENERS];  /* each one's count once all listened */
  guint       answered;
} Listeners;

static char *
listener_name (guint i)
{
  return g_strdup_printf ("listener-%03u", i);
}

static PlugProfile *
listener_profile (guint i)
{
  g_autofree char *name = listener_name (i);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonArray) methods = json_array_new ();
  g_autoptr(GError) error = NULL;
  PlugProfile *profile;

  json_array_add_string_element (methods, "count");
  json_object_set_string_member (object, "name", name);
  json_object_set_string_member (object, "command", BENCH_LISTENER);
  json_object_set_array_member (object, "methods", g_steal_pointer (&methods));
  profile = plug_profile_new_from_json (object, NULL, NULL, &error);
  if (profile == NULL)
    g_error ("Listener profile: %s", error->message);
  return profile;
}

typedef struct
{
  Listeners *listeners;
  guint      index;
} CountCall;

static void
on_count (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  CountCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) count = plug_engine_call_finish (PLUG_ENGINE (source), result, &error);

  if (count == NULL)
    g_error ("count: %s", error->message);
  call->listeners->counts[call->index] = json_node_get_int (count);
  call->listeners->answered++;
  g_free (call);
}

/* Every listener's count, once each has heard what was emitted so far. */
static void
ask_counts (Listeners *listeners)
{
  listeners->answered = 0;
  for (guint i = 0; i < LISTENERS; i++)
    {
      g_autofree char *name = listener_name (i);
      CountCall *call = g_new0 (CountCall, 1);

      call->listeners = listeners;
      call->index = i;
      plug_engine_call (listeners->engine, BENCH_CALLER, name, "count", NULL, NULL,
                        on_count, call);
    }
  while (listeners->answered < LISTENERS)
    g_main_context_iteration (NULL, TRUE);
}

static void
emit_ticks (PlugEngine *engine,
            JsonArray  *args,
            guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!plug_engine_emit (engine, "emitter", "tick", args, &error))
        g_error ("emit: %s", error->message);
    }
}

/* Each listener has heard @emitted ticks since the warm-up. */
static gboolean
all_heard (Listeners *listeners,
           gint64     emitted)
{
  for (guint i = 0; i < LISTENERS; i++)
    if (listeners->counts[i] != listeners->base[i] + emitted)
      return FALSE;
  return TRUE;
}

/* Until every listener's subscription is in (one that came late heard
 * fewer ticks: each is counted from its own count here). */
static void
warm_up (Listeners *listeners,
         JsonArray *args)
{
  for (guint try = 0; try < WARMUP_TRIES; try++)
    {
      gboolean all_listen = TRUE;

      emit_ticks (listeners->engine, args, 1);
      ask_counts (listeners);
      for (guint i = 0; i < LISTENERS; i++)
        all_listen = all_listen && listeners->counts[i] > 0;
      if (all_listen)
        {
          memcpy (listeners->base, listeners->counts, sizeof listeners->base);
          return;
        }
    }
  g_error ("The child listeners did not all hear the emitter");
}

static gboolean
activate_listeners (PlugEngine *engine)
{
  for (guint i = 0; i < LISTENERS; i++)
    {
      g_autoptr(PlugProfile) profile = listener_profile (i);
      g_autofree char *name = listener_name (i);
      g_autoptr(GError) error = NULL;

      if (plug_engine_register_profile (engine, profile, &error) == NULL ||
          !bench_engine_activate (engine, name, &error))
        {
          g_printerr ("bench-calls: child listeners skipped: %s\n", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

void
bench_calls_group_events_child (const BenchLength *length)
{
  g_autoptr(PlugEngine) engine = bench_engine_new ();
  g_autoptr(JsonArray) args = json_array_new ();
  Listeners listeners = { engine, { 0, }, { 0, }, 0 };
  BenchTimer timer;

  json_array_add_string_element (args, "xxxxxxxxxxxxxxxx");
  bench_engine_add_in_process (engine, "emitter", NULL, BENCH_DEPTH);
  if (!activate_listeners (engine))
    return;
  warm_up (&listeners, args);

  bench_timer_init (&timer, length);
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      emit_ticks (engine, args, BURST);
      timer.done += BURST;
      ask_counts (&listeners);
      if (!all_heard (&listeners, (gint64) timer.done))
        g_error ("A child listener missed some of %" G_GUINT64_FORMAT " ticks", timer.done);
    }
  bench_timer_stop (&timer);
  bench_record ("events.child.emits", bench_timer_rate (&timer));
  bench_record ("events.child.deliveries", bench_timer_rate (&timer) * LISTENERS);
  bench_timer_clear (&timer);

  for (guint i = 0; i < LISTENERS; i++)
    {
      g_autofree char *name = listener_name (i);

      bench_engine_deactivate (engine, name);
    }
}
