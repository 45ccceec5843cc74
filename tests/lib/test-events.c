/* test-events.c: on/once/off/emit and the memory of events (PROTOCOL.md §4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "engine-test-util.h"

typedef struct
{
  PlugEngine *engine;
  GPtrArray *log;  /* "listener:payload" */
} Fixture;

/* One listener's callback data: it logs "<name>:<args JSON>". */
typedef struct
{
  Fixture *fixture;
  char *name;
  /* Run during delivery: off these (listener, emitter, event) triples. */
  const char *off_listeners[3];
} Listener;

static void
listener_free (gpointer data)
{
  Listener *listener = data;

  g_free (listener->name);
  g_free (listener);
}

static void
on_event (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  Listener *listener = user_data;
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), args);
  g_autofree char *text = json_to_string (node, FALSE);

  g_ptr_array_add (listener->fixture->log, g_strdup_printf ("%s:%s", listener->name, text));

  for (guint i = 0; i < G_N_ELEMENTS (listener->off_listeners) && listener->off_listeners[i]; i++)
    plug_engine_off (listener->fixture->engine, listener->off_listeners[i], emitter, event);
}

static Listener *
new_listener (Fixture    *fixture,
              const char *name)
{
  Listener *listener = g_new0 (Listener, 1);

  listener->fixture = fixture;
  listener->name = g_strdup (name);
  return listener;
}

static void
listen (Fixture    *fixture,
        const char *name,
        gboolean    once)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (once)
    ok = plug_engine_once (fixture->engine, name, "emitter", "tick", on_event,
                           new_listener (fixture, name), listener_free, &error);
  else
    ok = plug_engine_on (fixture->engine, name, "emitter", "tick", on_event,
                         new_listener (fixture, name), listener_free, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

static void
emit (Fixture    *fixture,
      const char *args_json)
{
  g_autoptr(JsonArray) args = args_from_json (args_json);
  g_autoptr(GError) error = NULL;

  g_assert_true (plug_engine_emit (fixture->engine, "emitter", "tick", args, &error));
  g_assert_no_error (error);
}

static void
assert_log (Fixture            *fixture,
            const char * const *expected)
{
  guint n = g_strv_length ((GStrv) expected);

  for (guint i = 0; i < MIN (n, fixture->log->len); i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->log, i), ==, expected[i]);
  g_assert_cmpuint (fixture->log->len, ==, n);
}

#define ASSERT_LOG(fixture, ...) assert_log ((fixture), (const char * const[]) { __VA_ARGS__, NULL })
#define ASSERT_LOG_EMPTY(fixture) g_assert_cmpuint ((fixture)->log->len, ==, 0)

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->engine = plug_engine_new ();
  fixture->log = g_ptr_array_new_with_free_func (g_free);
  add_caller (fixture->engine, "emitter");
  add_caller (fixture->engine, "a");
  add_caller (fixture->engine, "b");
  add_caller (fixture->engine, "c");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->log, g_ptr_array_unref);
}

static void
test_on_delivers_in_subscription_order (Fixture       *fixture,
                                        gconstpointer  data)
{
  listen (fixture, "b", FALSE);
  listen (fixture, "a", FALSE);
  listen (fixture, "c", FALSE);
  emit (fixture, "[1,{\"x\":2}]");

  ASSERT_LOG (fixture, "b:[1,{\"x\":2}]", "a:[1,{\"x\":2}]", "c:[1,{\"x\":2}]");
}

static void
test_emit_before_listener_not_replayed (Fixture       *fixture,
                                        gconstpointer  data)
{
  emit (fixture, "[1]");
  listen (fixture, "a", FALSE);
  ASSERT_LOG_EMPTY (fixture);

  emit (fixture, "[2]");
  ASSERT_LOG (fixture, "a:[2]");
}

static void
test_on_replays_memory_to_new_listener (Fixture       *fixture,
                                        gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  emit (fixture, "[1]");
  emit (fixture, "[2]");
  listen (fixture, "b", FALSE);

  ASSERT_LOG (fixture, "a:[1]", "a:[2]", "b:[2]");
}

static void
test_memory_kept_after_off (Fixture       *fixture,
                            gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  plug_engine_off (fixture->engine, "a", "emitter", "tick");
  emit (fixture, "[1]");
  ASSERT_LOG_EMPTY (fixture);
  listen (fixture, "b", FALSE);

  ASSERT_LOG (fixture, "b:[1]");
}

static void
test_once_fires_from_memory_and_unsubscribes (Fixture       *fixture,
                                              gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  emit (fixture, "[1]");
  listen (fixture, "b", TRUE);
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]", "b:[1]", "a:[2]");
}

static void
test_once_delivers_one (Fixture       *fixture,
                        gconstpointer  data)
{
  listen (fixture, "a", TRUE);
  emit (fixture, "[1]");
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]");
}

static void
test_second_on_does_not_double (Fixture       *fixture,
                                gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  emit (fixture, "[1]");
  /* The second `on` gets the replay, but is not stored. */
  listen (fixture, "a", FALSE);
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]", "a:[1]", "a:[2]");
}

static void
test_off_unknown_is_noop (Fixture       *fixture,
                          gconstpointer  data)
{
  plug_engine_off (fixture->engine, "a", "emitter", "never");
  plug_engine_off (fixture->engine, "a", "nobody", "tick");
  listen (fixture, "b", FALSE);
  plug_engine_off (fixture->engine, "a", "emitter", "tick");
  emit (fixture, "[1]");

  ASSERT_LOG (fixture, "b:[1]");
}

static void
test_off_stops_delivery (Fixture       *fixture,
                         gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  emit (fixture, "[1]");
  plug_engine_off (fixture->engine, "a", "emitter", "tick");
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]");
}

static void
test_callback_removing_listeners_during_delivery (Fixture       *fixture,
                                                  gconstpointer  data)
{
  Listener *a = new_listener (fixture, "a");

  /* a removes itself and c while the event is being delivered. */
  a->off_listeners[0] = "a";
  a->off_listeners[1] = "c";
  g_assert_true (plug_engine_on (fixture->engine, "a", "emitter", "tick", on_event, a, listener_free, NULL));
  listen (fixture, "b", FALSE);
  listen (fixture, "c", FALSE);
  emit (fixture, "[1]");
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]", "b:[1]", "b:[2]");
}

static guint n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
  listener_free (data);
}

static void
test_destroy_notify_runs_once (Fixture       *fixture,
                               gconstpointer  data)
{
  n_destroyed = 0;
  g_assert_true (plug_engine_on (fixture->engine, "a", "emitter", "tick", on_event,
                                 new_listener (fixture, "a"), count_destroy, NULL));
  /* Not stored: destroyed at once. */
  g_assert_true (plug_engine_on (fixture->engine, "a", "emitter", "tick", on_event,
                                 new_listener (fixture, "a"), count_destroy, NULL));
  g_assert_cmpuint (n_destroyed, ==, 1);
  plug_engine_off (fixture->engine, "a", "emitter", "tick");
  g_assert_cmpuint (n_destroyed, ==, 2);
}

static void
test_listener_must_be_active (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) once_error = NULL;

  deactivate_sync (fixture->engine, "a");
  g_assert_false (plug_engine_on (fixture->engine, "a", "emitter", "tick", on_event,
                                  new_listener (fixture, "a"), listener_free, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin \"a\" is currently deactivated. It cannot listen on event tick of "
                   "plugin emitter. Activate \"a\" first.");
  g_assert_false (plug_engine_once (fixture->engine, "nobody", "emitter", "tick", on_event,
                                    new_listener (fixture, "nobody"), listener_free, &once_error));
  g_assert_error (once_error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
}

static void
test_emitter_must_be_active (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  listen (fixture, "a", FALSE);
  deactivate_sync (fixture->engine, "emitter");
  g_assert_false (plug_engine_emit (fixture->engine, "emitter", "tick", NULL, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin \"emitter\" is currently deactivated. It cannot emit the event tick. "
                   "Activate \"emitter\" first.");
  ASSERT_LOG_EMPTY (fixture);
}

/* Deactivation drops the plugin's own subscriptions and the memory of
 * its events; others' subscriptions to it survive reactivation. */
static void
test_deactivation_drops_subscriptions_and_memory (Fixture       *fixture,
                                                  gconstpointer  data)
{
  listen (fixture, "a", FALSE);
  listen (fixture, "b", FALSE);
  emit (fixture, "[1]");

  deactivate_sync (fixture->engine, "emitter");
  deactivate_sync (fixture->engine, "b");
  activate_sync (fixture->engine, "emitter");
  activate_sync (fixture->engine, "b");

  /* No memory: c gets no replay. */
  listen (fixture, "c", FALSE);
  emit (fixture, "[2]");

  ASSERT_LOG (fixture, "a:[1]", "b:[1]", "a:[2]", "c:[2]");
}

static void
manager_event (const char *emitter,
               const char *event,
               JsonArray  *args,
               gpointer    user_data)
{
  GPtrArray *seen = user_data;
  JsonObject *profile = json_array_get_object_element (args, 0);

  g_assert_cmpstr (emitter, ==, "manager");
  g_assert_cmpuint (json_array_get_length (args), ==, 1);
  g_ptr_array_add (seen, g_strdup_printf ("%s %s", event, json_object_get_string_member (profile, "name")));
}

static void
test_manager_events_carry_profile (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PlugProfile) profile = plug_profile_new ("late");
  g_autoptr(PlugPlugin) plugin = plug_plugin_new (profile);

  g_assert_true (plug_engine_on (fixture->engine, "a", "manager", "profileAdded", manager_event, seen, NULL, NULL));
  g_assert_true (plug_engine_on (fixture->engine, "a", "manager", "pluginActivated", manager_event, seen, NULL, NULL));
  g_assert_true (plug_engine_on (fixture->engine, "a", "manager", "pluginDeactivated", manager_event, seen, NULL, NULL));
  g_assert_true (plug_engine_register (fixture->engine, plugin, NULL));
  activate_sync (fixture->engine, "late");
  deactivate_sync (fixture->engine, "late");

  g_assert_cmpuint (seen->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "profileAdded late");
  g_assert_cmpstr (g_ptr_array_index (seen, 1), ==, "pluginActivated late");
  g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "pluginDeactivated late");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/events/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("on/delivers-in-subscription-order", test_on_delivers_in_subscription_order);
  ADD ("memory/emit-before-listener-not-replayed", test_emit_before_listener_not_replayed);
  ADD ("memory/replayed-to-new-listener", test_on_replays_memory_to_new_listener);
  ADD ("memory/kept-after-off", test_memory_kept_after_off);
  ADD ("once/fires-from-memory-and-unsubscribes", test_once_fires_from_memory_and_unsubscribes);
  ADD ("once/delivers-one", test_once_delivers_one);
  ADD ("on/second-on-does-not-double", test_second_on_does_not_double);
  ADD ("off/unknown-is-noop", test_off_unknown_is_noop);
  ADD ("off/stops-delivery", test_off_stops_delivery);
  ADD ("emit/callback-removing-listeners", test_callback_removing_listeners_during_delivery);
  ADD ("on/destroy-notify-runs-once", test_destroy_notify_runs_once);
  ADD ("on/listener-must-be-active", test_listener_must_be_active);
  ADD ("emit/emitter-must-be-active", test_emitter_must_be_active);
  ADD ("deactivation/drops-subscriptions-and-memory", test_deactivation_drops_subscriptions_and_memory);
  ADD ("manager/events-carry-profile", test_manager_events_carry_profile);

#undef ADD

  return g_test_run ();
}
