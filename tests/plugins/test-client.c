/* test-client.c: PlugClient against a scripted engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A fake PlugClientConnector records what the client sends and injects
 * what the "engine" says, so each protocol rule of the client side
 * (PROTOCOL.md §1–§2, Remix's connectClient) is checked message by message.
 */
#include "config.h"

#include <plugctl.h>

#define TEST_TYPE_CONNECTOR (test_connector_get_type ())
G_DECLARE_FINAL_TYPE (TestConnector, test_connector, TEST, CONNECTOR, GObject)

struct _TestConnector
{
  GObject    parent_instance;
  GPtrArray *sent;
  gboolean   started;
  gboolean   fail_sends;
};

static void test_connector_iface_init (PlugClientConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestConnector, test_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PLUG_TYPE_CLIENT_CONNECTOR,
                                                      test_connector_iface_init))

static void
test_connector_start (PlugClientConnector *connector)
{
  TEST_CONNECTOR (connector)->started = TRUE;
}

static gboolean
test_connector_send (PlugClientConnector  *connector,
                     PlugMessage          *message,
                     GError              **error)
{
  TestConnector *self = TEST_CONNECTOR (connector);

  if (self->fail_sends)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "closed");
      return FALSE;
    }

  g_ptr_array_add (self->sent, plug_message_to_string (message));
  return TRUE;
}

static void
test_connector_iface_init (PlugClientConnectorInterface *iface)
{
  iface->start = test_connector_start;
  iface->send = test_connector_send;
}

static void
test_connector_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_CONNECTOR (object)->sent);
  G_OBJECT_CLASS (test_connector_parent_class)->finalize (object);
}

static void
test_connector_class_init (TestConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_connector_finalize;
}

static void
test_connector_init (TestConnector *self)
{
  self->sent = g_ptr_array_new_with_free_func (g_free);
}

typedef struct
{
  TestConnector *connector;
  PlugClient    *client;
} Fixture;

static void
inject (Fixture    *fixture,
        const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = plug_message_parse (json, -1, &error);

  g_assert_no_error (error);
  plug_client_connector_emit_message (PLUG_CLIENT_CONNECTOR (fixture->connector), message);
}

/* The messages sent since the last call, one JSON text per line. */
static char *
take_sent (Fixture *fixture)
{
  GPtrArray *sent = fixture->connector->sent;
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < sent->len; i++)
    g_string_append_printf (out, "%s\n", (char *) g_ptr_array_index (sent, i));
  g_ptr_array_set_size (sent, 0);

  return g_string_free (out, FALSE);
}

static void
discard_sent (Fixture *fixture)
{
  g_ptr_array_set_size (fixture->connector->sent, 0);
}

static void
assert_sent (Fixture    *fixture,
             const char *expected)
{
  g_autofree char *sent = take_sent (fixture);

  g_assert_cmpstr (sent, ==, expected);
}

static void
return_first_arg (PlugCall *call,
                  gpointer  user_data)
{
  g_autoptr(GString) who = g_string_new (NULL);
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_VALUE);
  JsonArray *args = plug_call_get_args (call);

  g_string_printf (who, "%s|%s|%s|%s", plug_call_get_caller (call), plug_call_get_path (call),
                   plug_call_get_method (call),
                   json_array_get_length (args) > 0 ? json_array_get_string_element (args, 0) : "");
  json_node_set_string (result, who->str);
  plug_call_return_value (call, result);
}

static void
fail_with_text (PlugCall *call,
                gpointer  user_data)
{
  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, "it broke");
}

static void
keep_call (PlugCall *call,
           gpointer  user_data)
{
  PlugCall **slot = user_data;

  *slot = g_object_ref (call);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->connector = g_object_new (TEST_TYPE_CONNECTOR, NULL);
  fixture->client = plug_client_new (PLUG_CLIENT_CONNECTOR (fixture->connector));
  plug_client_add_method (fixture->client, "hello", return_first_arg, NULL, NULL);
  plug_client_add_method (fixture->client, "broken", fail_with_text, NULL, NULL);
  plug_client_add_method (fixture->client, "cmd.git.run", return_first_arg, NULL, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->client);
  g_assert_finalize_object (fixture->connector);
}

static void
handshake (Fixture *fixture)
{
  inject (fixture, "{\"id\":0,\"action\":\"request\",\"key\":\"handshake\",\"name\":\"ext\",\"payload\":[\"ext\",\"plugctl\"]}");
  discard_sent (fixture);
}

static void
on_activated (PlugClient *client,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_client_handshake_answers_methods (Fixture       *fixture,
                                       gconstpointer  data)
{
  guint activated = 0;

  g_signal_connect (fixture->client, "activated", G_CALLBACK (on_activated), &activated);
  g_assert_false (plug_client_is_activated (fixture->client));
  g_assert_null (plug_client_get_name (fixture->client));

  inject (fixture, "{\"id\":0,\"action\":\"request\",\"key\":\"handshake\",\"name\":\"ext\",\"payload\":[\"ext\",\"plugctl\"]}");
  assert_sent (fixture, "{\"id\":0,\"action\":\"response\",\"name\":\"ext\",\"key\":\"handshake\",\"payload\":[\"hello\",\"broken\",\"cmd.git.run\"]}\n");
  g_assert_true (plug_client_is_activated (fixture->client));
  g_assert_cmpstr (plug_client_get_name (fixture->client), ==, "ext");
  g_assert_cmpuint (activated, ==, 1);

  /* Every handshake is answered; only the first activates. */
  inject (fixture, "{\"id\":5,\"action\":\"call\",\"key\":\"handshake\",\"name\":\"ext\",\"payload\":[\"other\"]}");
  assert_sent (fixture, "{\"id\":5,\"action\":\"response\",\"name\":\"ext\",\"key\":\"handshake\",\"payload\":[\"hello\",\"broken\",\"cmd.git.run\"]}\n");
  g_assert_cmpstr (plug_client_get_name (fixture->client), ==, "ext");
  g_assert_cmpuint (activated, ==, 1);
}

static void
test_client_request_before_handshake (Fixture       *fixture,
                                      gconstpointer  data)
{
  inject (fixture, "{\"id\":3,\"action\":\"request\",\"key\":\"hello\",\"name\":\"ext\",\"payload\":[\"w\"]}");
  assert_sent (fixture, "{\"id\":3,\"action\":\"response\",\"name\":\"ext\",\"key\":\"hello\",\"error\":\"Handshake before communicating\"}\n");

  /* Events are not answered: the engine would take an answer for a bounce. */
  inject (fixture, "{\"action\":\"notification\",\"name\":\"a\",\"key\":\"b\",\"payload\":[]}");
  assert_sent (fixture, "");
}

static void
test_client_request_runs_method (Fixture       *fixture,
                                 gconstpointer  data)
{
  handshake (fixture);

  inject (fixture, "{\"id\":1,\"action\":\"request\",\"key\":\"hello\",\"name\":\"ext\",\"payload\":[\"w\"],\"requestInfo\":{\"from\":\"cli\",\"path\":\"ext\"}}");
  assert_sent (fixture, "{\"id\":1,\"action\":\"response\",\"name\":\"ext\",\"key\":\"hello\",\"payload\":\"cli|ext|hello|w\"}\n");

  inject (fixture, "{\"id\":2,\"action\":\"request\",\"key\":\"broken\",\"name\":\"ext\",\"payload\":[]}");
  assert_sent (fixture, "{\"id\":2,\"action\":\"response\",\"name\":\"ext\",\"key\":\"broken\",\"error\":\"it broke\"}\n");
}

static void
test_client_service_path (Fixture       *fixture,
                          gconstpointer  data)
{
  handshake (fixture);

  inject (fixture, "{\"id\":4,\"action\":\"request\",\"key\":\"run\",\"name\":\"ext\",\"payload\":[\"x\"],\"requestInfo\":{\"from\":\"cli\",\"path\":\"ext.cmd.git\"}}");
  assert_sent (fixture, "{\"id\":4,\"action\":\"response\",\"name\":\"ext\",\"key\":\"run\",\"payload\":\"cli|ext.cmd.git|cmd.git.run|x\"}\n");

  inject (fixture, "{\"id\":5,\"action\":\"request\",\"key\":\"hello\",\"name\":\"ext\",\"payload\":[],\"requestInfo\":{\"from\":\"cli\",\"path\":\"ext.cmd\"}}");
  assert_sent (fixture, "{\"id\":5,\"action\":\"response\",\"name\":\"ext\",\"key\":\"hello\",\"error\":\"Method cmd.hello doesn't exist on plugin ext\"}\n");
}

static void
test_client_unknown_method (Fixture       *fixture,
                            gconstpointer  data)
{
  handshake (fixture);

  inject (fixture, "{\"id\":6,\"action\":\"request\",\"key\":\"nope\",\"name\":\"ext\",\"payload\":[]}");
  assert_sent (fixture, "{\"id\":6,\"action\":\"response\",\"name\":\"ext\",\"key\":\"nope\",\"error\":\"Method nope doesn't exist on plugin ext\"}\n");
}

static void
test_client_cancel_ends_running_call (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(PlugCall) kept = NULL;
  g_autoptr(JsonNode) late = json_node_new (JSON_NODE_NULL);

  plug_client_add_method (fixture->client, "wait", keep_call, &kept, NULL);
  handshake (fixture);

  inject (fixture, "{\"id\":7,\"action\":\"request\",\"key\":\"wait\",\"name\":\"ext\",\"payload\":[],\"requestInfo\":{\"from\":\"cli\"}}");
  g_assert_nonnull (kept);
  assert_sent (fixture, "");

  /* A cancel for another id changes nothing. */
  inject (fixture, "{\"id\":8,\"action\":\"cancel\",\"name\":\"ext\",\"key\":\"wait\"}");
  g_assert_false (g_cancellable_is_cancelled (plug_call_get_cancellable (kept)));

  inject (fixture, "{\"id\":7,\"action\":\"cancel\",\"name\":\"ext\",\"key\":\"wait\"}");
  g_assert_true (g_cancellable_is_cancelled (plug_call_get_cancellable (kept)));
  g_assert_true (plug_call_is_finished (kept));

  /* The method's late answer is dropped, and nothing is sent for it. */
  plug_call_return_value (kept, late);
  assert_sent (fixture, "");
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  JsonNode *node = plug_client_call_finish (PLUG_CLIENT (source), result, &error);

  if (node != NULL)
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/* Starts a call whose outcome lands in the returned task. */
static GTask *
start_call (Fixture      *fixture,
            const char   *path,
            const char   *method,
            GCancellable *cancellable)
{
  GTask *outcome = g_task_new (NULL, NULL, NULL, NULL);
  g_autoptr(JsonArray) args = json_array_new ();

  json_array_add_string_element (args, "a");
  plug_client_call (fixture->client, path, method, args, cancellable,
                    on_call_done, g_object_ref (outcome));

  return outcome;
}

static void
wait_task (GTask *task)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!g_task_get_completed (task))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
}

static void
test_client_call_before_activation (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GTask) outcome = start_call (fixture, "other", "m", NULL);
  g_autoptr(GError) error = NULL;

  wait_task (outcome);
  g_assert_null (g_task_propagate_pointer (outcome, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==, "Not connected to the engine");
  assert_sent (fixture, "");

  g_clear_error (&error);
  g_assert_false (plug_client_emit (fixture->client, "ev", NULL, &error));
  g_assert_cmpstr (error->message, ==, "Not connected to the engine");
}

static void
test_client_call_gets_response (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GTask) first = NULL;
  g_autoptr(GTask) second = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  handshake (fixture);
  first = start_call (fixture, "other", "m", NULL);
  second = start_call (fixture, "cmd.git", "run", NULL);
  assert_sent (fixture,
               "{\"id\":1,\"action\":\"request\",\"name\":\"other\",\"key\":\"m\",\"payload\":[\"a\"]}\n"
               "{\"id\":2,\"action\":\"request\",\"name\":\"cmd.git\",\"key\":\"run\",\"payload\":[\"a\"]}\n");

  /* An engine request with the same id is another direction: no mix-up. */
  inject (fixture, "{\"id\":2,\"action\":\"response\",\"name\":\"cmd.git\",\"key\":\"run\",\"error\":\"[TIMEOUT] Timeout for call run from ext\"}");
  inject (fixture, "{\"id\":1,\"action\":\"response\",\"name\":\"other\",\"key\":\"m\",\"payload\":{\"v\":1}}");
  /* Unknown ids are dropped. */
  inject (fixture, "{\"id\":9,\"action\":\"response\",\"name\":\"other\",\"key\":\"m\",\"payload\":1}");

  wait_task (first);
  result = g_task_propagate_pointer (first, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (result), "v"), ==, 1);

  wait_task (second);
  g_assert_null (g_task_propagate_pointer (second, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "[TIMEOUT] Timeout for call run from ext");
}

static void
test_client_call_cancellable (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) outcome = NULL;
  g_autoptr(GError) error = NULL;

  handshake (fixture);
  outcome = start_call (fixture, "other", "m", cancellable);
  discard_sent (fixture);

  g_cancellable_cancel (cancellable);
  wait_task (outcome);
  g_assert_null (g_task_propagate_pointer (outcome, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_sent (fixture, "{\"action\":\"cancel\",\"name\":\"other\",\"key\":\"m\"}\n");

  /* The engine's answer to the cancelled call is dropped. */
  inject (fixture, "{\"id\":1,\"action\":\"response\",\"name\":\"other\",\"key\":\"m\",\"error\":\"[CANCEL] Canceled call m from ext\"}");
}

static void
count_closed (PlugClient *client,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_client_close_fails_calls (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(PlugCall) kept = NULL;
  g_autoptr(GTask) outcome = NULL;
  g_autoptr(GError) error = NULL;
  guint closed = 0;

  plug_client_add_method (fixture->client, "wait", keep_call, &kept, NULL);
  g_signal_connect (fixture->client, "closed", G_CALLBACK (count_closed), &closed);
  handshake (fixture);
  inject (fixture, "{\"id\":7,\"action\":\"request\",\"key\":\"wait\",\"name\":\"ext\",\"payload\":[]}");
  outcome = start_call (fixture, "other", "m", NULL);
  discard_sent (fixture);

  plug_client_connector_emit_closed (PLUG_CLIENT_CONNECTOR (fixture->connector), NULL);
  g_assert_cmpuint (closed, ==, 1);
  g_assert_true (plug_call_is_finished (kept));
  g_assert_true (g_cancellable_is_cancelled (plug_call_get_cancellable (kept)));

  wait_task (outcome);
  g_assert_null (g_task_propagate_pointer (outcome, &error));
  g_assert_cmpstr (error->message, ==, "The engine closed the connection");
  assert_sent (fixture, "");

  /* run() returns at once on a closed client. */
  g_assert_cmpint (plug_client_run (fixture->client), ==, 0);
  g_assert_true (fixture->connector->started);
}

typedef struct
{
  GString *log;
} Events;

static void
record_event (const char *emitter,
              const char *event,
              JsonArray  *args,
              gpointer    user_data)
{
  GString *log = user_data;

  g_string_append_printf (log, "%s.%s(%" G_GINT64_FORMAT ") ", emitter, event,
                          json_array_get_int_element (args, 0));
}

static void
test_client_on_once_off (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) on_log = g_string_new (NULL);
  g_autoptr(GString) once_log = g_string_new (NULL);

  /* Subscriptions made before activation are sent with it. */
  plug_client_on (fixture->client, "ticker", "tick", record_event, on_log, NULL);
  inject (fixture, "{\"id\":0,\"action\":\"request\",\"key\":\"handshake\",\"name\":\"ext\",\"payload\":[\"ext\"]}");
  assert_sent (fixture,
               "{\"id\":0,\"action\":\"response\",\"name\":\"ext\",\"key\":\"handshake\",\"payload\":[\"hello\",\"broken\",\"cmd.git.run\"]}\n"
               "{\"action\":\"on\",\"name\":\"ticker\",\"key\":\"tick\"}\n");

  plug_client_once (fixture->client, "ticker", "tick", record_event, once_log, NULL);
  assert_sent (fixture, "{\"action\":\"once\",\"name\":\"ticker\",\"key\":\"tick\"}\n");

  inject (fixture, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"tick\",\"payload\":[1]}");
  inject (fixture, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"other\",\"payload\":[9]}");
  inject (fixture, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"tick\",\"payload\":[2]}");
  g_assert_cmpstr (on_log->str, ==, "ticker.tick(1) ticker.tick(2) ");
  g_assert_cmpstr (once_log->str, ==, "ticker.tick(1) ");

  plug_client_off (fixture->client, "ticker", "tick");
  assert_sent (fixture, "{\"action\":\"off\",\"name\":\"ticker\",\"key\":\"tick\"}\n");
  inject (fixture, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"tick\",\"payload\":[3]}");
  g_assert_cmpstr (on_log->str, ==, "ticker.tick(1) ticker.tick(2) ");

  /* A bounce (an error on a non-response) is not an event. */
  plug_client_on (fixture->client, "ticker", "tick", record_event, on_log, NULL);
  discard_sent (fixture);
  inject (fixture, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"tick\",\"payload\":[4],\"error\":\"x\"}");
  g_assert_cmpstr (on_log->str, ==, "ticker.tick(1) ticker.tick(2) ");
}

static void
test_client_emit_and_cancel (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GError) error = NULL;

  handshake (fixture);
  json_array_add_string_element (args, "w");
  g_assert_true (plug_client_emit (fixture->client, "hello", args, &error));
  g_assert_no_error (error);
  plug_client_cancel (fixture->client, "other", "slow");
  plug_client_cancel (fixture->client, "other", NULL);
  assert_sent (fixture,
               "{\"action\":\"emit\",\"key\":\"hello\",\"payload\":[\"w\"]}\n"
               "{\"action\":\"cancel\",\"name\":\"other\",\"key\":\"slow\"}\n"
               "{\"action\":\"cancel\",\"name\":\"other\"}\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/client/handshake/answers-methods", test_client_handshake_answers_methods);
  ADD ("/client/handshake/request-before-is-refused", test_client_request_before_handshake);
  ADD ("/client/request/runs-method", test_client_request_runs_method);
  ADD ("/client/request/service-path", test_client_service_path);
  ADD ("/client/request/unknown-method", test_client_unknown_method);
  ADD ("/client/request/cancel-ends-running-call", test_client_cancel_ends_running_call);
  ADD ("/client/call/before-activation-fails", test_client_call_before_activation);
  ADD ("/client/call/gets-response", test_client_call_gets_response);
  ADD ("/client/call/cancellable", test_client_call_cancellable);
  ADD ("/client/close/fails-calls", test_client_close_fails_calls);
  ADD ("/client/events/on-once-off", test_client_on_once_off);
  ADD ("/client/events/emit-and-cancel", test_client_emit_and_cancel);

#undef ADD

  return g_test_run ();
}
