/* fuzz-dispatcher.c: libFuzzer target for what an external plugin can say
 *
 * Each input is what a plugin writes on its channel: lines, each one
 * message. They go through plug_connector_receive_text() of a mock
 * connector ("connector", method mockMethod) registered, activated and
 * with one call of ours pending (id 1), in an engine that also has the
 * in-process plugin "caller" (methods echo and fail) listening to its
 * event "changed". So the decoder, the router (responses, requests to
 * the engine and the manager, subscriptions, emits, cancels) and the
 * engine behind it are fuzzed. Every iteration builds its own engine and
 * runs the main context until idle after each line: no state leaks from
 * one input to the next.
 *
 * Checks: whatever the plugin says, every message the engine sends it
 * parses again, every call the engine was asked to make gets exactly one
 * answer by the time the plugin is deactivated, and the engine lets go of
 * the connector when it is finalized.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"

#include "fuzz-common.h"

#define MAX_LINES 64

/* MockConnector: connects at once; what it sends must parse again. */

#define MOCK_TYPE_CONNECTOR (mock_connector_get_type ())
G_DECLARE_FINAL_TYPE (MockConnector, mock_connector, MOCK, CONNECTOR, PlugConnector)

struct _MockConnector
{
  PlugConnector parent_instance;

  gboolean open;
  gint64 handshake_id;    /* -1 until the handshake request is sent */
};

G_DEFINE_FINAL_TYPE (MockConnector, mock_connector, PLUG_TYPE_CONNECTOR)

static void
mock_connect (PlugConnector       *connector,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (connector, cancellable, callback, user_data);

  MOCK_CONNECTOR (connector)->open = TRUE;
  g_task_return_boolean (task, TRUE);
}

static void
mock_disconnect (PlugConnector       *connector,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (connector, NULL, callback, user_data);

  MOCK_CONNECTOR (connector)->open = FALSE;
  g_task_return_boolean (task, TRUE);
}

static gboolean
mock_finish (PlugConnector  *connector,
             GAsyncResult   *result,
             GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
mock_send (PlugConnector  *connector,
           PlugMessage    *message,
           GError        **error)
{
  MockConnector *self = MOCK_CONNECTOR (connector);
  g_autofree char *text = NULL;
  g_autoptr(PlugMessage) parsed = NULL;
  g_autoptr(GError) parse_error = NULL;

  if (!self->open)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED, "not connected");
      return FALSE;
    }

  text = plug_message_to_string (message);
  parsed = plug_message_parse (text, -1, &parse_error);
  if (parsed == NULL)
    fuzz_fail (G_STRLOC, parse_error->message);
  fuzz_check (plug_message_get_action (message) != PLUG_ACTION_UNKNOWN &&
              g_strcmp0 (plug_message_get_action_name (message), "call") != 0,
              "the engine sends only request, response and notification");

  if (self->handshake_id < 0 && g_strcmp0 (plug_message_get_key (message), "handshake") == 0)
    self->handshake_id = plug_message_get_id (message);
  return TRUE;
}

static void
mock_connector_class_init (MockConnectorClass *klass)
{
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  connector_class->connect = mock_connect;
  connector_class->connect_finish = mock_finish;
  connector_class->disconnect = mock_disconnect;
  connector_class->disconnect_finish = mock_finish;
  connector_class->send = mock_send;
}

static void
mock_connector_init (MockConnector *self)
{
  self->handshake_id = -1;
}

/* The in-process plugin "caller" */

static void
method_echo (PlugCall *call,
             gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);

  plug_call_return_value (call, json_array_get_length (args) > 0 ?
                                json_array_get_element (args, 0) : NULL);
}

static void
method_fail (PlugCall *call,
             gpointer  user_data)
{
  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, "failed on purpose");
}

static void
ignore_event (const char *emitter,
              const char *event,
              JsonArray  *args,
              gpointer    user_data)
{
}

/* One engine per input */

typedef struct
{
  PlugEngine *engine;
  MockConnector *mock;
  PlugPlugin *caller;
  guint n_calls;
  guint n_answers;
  guint n_async_done;
} World;

static void
activate_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  World *world = user_data;

  world->n_async_done++;
  if (!plug_engine_activate_finish (PLUG_ENGINE (source), result, NULL))
    fuzz_fail (G_STRLOC, "activation failed");
}

static void
deactivate_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  World *world = user_data;

  world->n_async_done++;
  plug_engine_deactivate_finish (PLUG_ENGINE (source), result, NULL);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  World *world = user_data;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  value = plug_engine_call_finish (PLUG_ENGINE (source), result, &error);
  fuzz_check ((value == NULL) != (error == NULL), "a result or an error");
  world->n_answers++;
}

static void
world_set_up (World *world)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugProfile) caller_profile = plug_profile_new ("caller");
  g_autoptr(JsonArray) args = json_array_new ();
  g_autofree char *handshake_answer = NULL;

  world->engine = plug_engine_new ();
  profile = plug_profile_new_from_data ("{\"name\":\"connector\",\"methods\":[\"mockMethod\"]}",
                                        -1, NULL, NULL);
  world->mock = g_object_new (MOCK_TYPE_CONNECTOR, "profile", profile, NULL);
  fuzz_check (plug_engine_register (world->engine, PLUG_PLUGIN (world->mock), NULL), "register the mock");

  world->caller = plug_plugin_new (caller_profile);
  plug_plugin_add_method (world->caller, "echo", method_echo, NULL, NULL);
  plug_plugin_add_method (world->caller, "fail", method_fail, NULL, NULL);
  fuzz_check (plug_engine_register (world->engine, world->caller, NULL), "register caller");

  plug_engine_activate (world->engine, "caller", NULL, activate_done, world);
  plug_engine_activate (world->engine, "connector", NULL, activate_done, world);
  fuzz_drain_main_context ();
  fuzz_check (world->mock->handshake_id >= 0, "the handshake was sent");
  handshake_answer = g_strdup_printf ("{\"action\":\"response\",\"id\":%" G_GINT64_FORMAT ","
                                      "\"name\":\"connector\",\"key\":\"handshake\","
                                      "\"payload\":[\"mockMethod\",\"other\"]}",
                                      world->mock->handshake_id);
  plug_connector_receive_text (PLUG_CONNECTOR (world->mock), handshake_answer, strlen (handshake_answer));
  fuzz_drain_main_context ();
  fuzz_check (world->n_async_done == 2 && plug_engine_is_active (world->engine, "connector"),
              "the mock is active");

  fuzz_check (plug_engine_on (world->engine, "caller", "connector", "changed",
                              ignore_event, NULL, NULL, NULL),
              "caller listens to connector.changed");
  json_array_add_string_element (args, "hello");
  world->n_calls++;
  plug_engine_call (world->engine, "caller", "connector", "mockMethod", args, NULL, call_done, world);
  fuzz_drain_main_context ();
}

static void
world_tear_down (World *world)
{
  gpointer mock = world->mock;

  world->n_async_done = 0;
  plug_engine_deactivate (world->engine, "connector", NULL, deactivate_done, world);
  fuzz_drain_main_context ();
  fuzz_check (world->n_async_done == 1, "the deactivation finished");
  fuzz_check (world->n_answers == world->n_calls, "every call got exactly one answer");

  g_object_add_weak_pointer (G_OBJECT (mock), &mock);
  g_clear_object (&world->caller);
  g_clear_object (&world->mock);
  g_clear_object (&world->engine);
  fuzz_drain_main_context ();
  fuzz_check (mock == NULL, "nothing keeps the connector alive after the engine");
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_install_log_writer ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  World world = { 0 };
  const char *p = (const char *) data;
  const char *end = p + size;

  world_set_up (&world);
  for (guint n = 0; p < end && n < MAX_LINES; n++)
    {
      const char *newline = memchr (p, '\n', end - p);
      const char *line_end = newline != NULL ? newline : end;

      plug_connector_receive_text (PLUG_CONNECTOR (world.mock), p, line_end - p);
      fuzz_drain_main_context ();
      p = line_end + 1;
    }
  world_tear_down (&world);
  return 0;
}
