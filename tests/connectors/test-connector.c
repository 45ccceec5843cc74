/* test-connector.c: PlugConnector's protocol, with a mock transport
 *
 * The test plays the plugin: what the connector sends is recorded, and
 * what the plugin would say goes in through plug_connector_receive_text().
 * Ports remix-engine.md §9.2 and §9.5 where they apply.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"

/* MockConnector: connects at once, records what it sends. */

#define MOCK_TYPE_CONNECTOR (mock_connector_get_type ())
G_DECLARE_FINAL_TYPE (MockConnector, mock_connector, MOCK, CONNECTOR, PlugConnector)

struct _MockConnector
{
  PlugConnector parent_instance;

  GPtrArray *sent;      /* of PlugMessage */
  guint n_connect;
  guint n_disconnect;
  gboolean open;
  gboolean refuse_sends;
  char *connect_error;
};

G_DEFINE_FINAL_TYPE (MockConnector, mock_connector, PLUG_TYPE_CONNECTOR)

static void
mock_connect (PlugConnector       *connector,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  MockConnector *self = MOCK_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  self->n_connect++;
  if (self->connect_error != NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED, "%s", self->connect_error);
      return;
    }
  self->open = TRUE;
  g_task_return_boolean (task, TRUE);
}

static gboolean
mock_connect_finish (PlugConnector  *connector,
                     GAsyncResult   *result,
                     GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mock_disconnect (PlugConnector       *connector,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  MockConnector *self = MOCK_CONNECTOR (connector);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  self->n_disconnect++;
  self->open = FALSE;
  g_task_return_boolean (task, TRUE);
}

static gboolean
mock_disconnect_finish (PlugConnector  *connector,
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

  if (!self->open || self->refuse_sends)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s is not connected",
                   plug_plugin_get_name (PLUG_PLUGIN (self)));
      return FALSE;
    }
  g_ptr_array_add (self->sent, plug_message_ref (message));
  return TRUE;
}

static void
mock_connector_finalize (GObject *object)
{
  MockConnector *self = MOCK_CONNECTOR (object);

  g_ptr_array_unref (self->sent);
  g_free (self->connect_error);

  G_OBJECT_CLASS (mock_connector_parent_class)->finalize (object);
}

static void
mock_connector_class_init (MockConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->finalize = mock_connector_finalize;
  connector_class->connect = mock_connect;
  connector_class->connect_finish = mock_connect_finish;
  connector_class->disconnect = mock_disconnect;
  connector_class->disconnect_finish = mock_disconnect_finish;
  connector_class->send = mock_send;
}

static void
mock_connector_init (MockConnector *self)
{
  self->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) plug_message_unref);
}

/* Fixture: an engine with the mock plugin "connector" (methods
 * mockMethod) and an in-process plugin "caller" (methods echo, hold). */

typedef struct
{
  PlugEngine *engine;
  MockConnector *mock;
  PlugPlugin *caller;
  GPtrArray *held_calls;
  GPtrArray *events;    /* "emitter.event:[args]" strings */
  guint n_profile_updated;
  gboolean timed_out;
} Fixture;

typedef struct
{
  gboolean done;
  JsonNode *result;
  GError *error;
} AsyncResult;

static void
async_result_clear (AsyncResult *r)
{
  g_clear_pointer (&r->result, json_node_unref);
  g_clear_error (&r->error);
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (Fixture       *f,
          gboolean     (*done) (Fixture *f, gconstpointer data),
          gconstpointer  data)
{
  guint id;

  f->timed_out = FALSE;
  id = g_timeout_add_seconds (10, on_timeout, &f->timed_out);
  while (!done (f, data) && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->timed_out);
  g_source_remove (id);
}

static gboolean
result_done (Fixture       *f,
             gconstpointer  data)
{
  return ((const AsyncResult *) data)->done;
}

static void
wait_result (Fixture     *f,
             AsyncResult *r)
{
  wait_for (f, result_done, r);
}

static gboolean
n_sent_reached (Fixture       *f,
                gconstpointer  data)
{
  return f->mock->sent->len >= GPOINTER_TO_UINT (data);
}

static void
wait_sent (Fixture *f,
           guint    n)
{
  wait_for (f, n_sent_reached, GUINT_TO_POINTER (n));
}

/* Lets every pending idle run (for "nothing else happened" checks). */
static void
drain (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
assert_sent (Fixture    *f,
             guint       index,
             const char *expected)
{
  g_autofree char *text = NULL;

  g_assert_cmpuint (index, <, f->mock->sent->len);
  text = plug_message_to_string (g_ptr_array_index (f->mock->sent, index));
  g_assert_cmpstr (text, ==, expected);
}

static void
receive (Fixture    *f,
         const char *text)
{
  plug_connector_receive_text (PLUG_CONNECTOR (f->mock), text, strlen (text));
}

static void
method_echo (PlugCall *call,
             gpointer  user_data)
{
  plug_call_return_value (call, json_array_get_element (plug_call_get_args (call), 0));
}

static void
method_hold (PlugCall *call,
             gpointer  user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->held_calls, g_object_ref (call));
}

static void
record_event (const char *emitter,
              const char *event,
              JsonArray  *args,
              gpointer    user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), args);
  g_autofree char *text = json_to_string (node, FALSE);

  g_ptr_array_add (f->events, g_strdup_printf ("%s.%s:%s", emitter, event, text));
}

static void
count_profile_updated (const char *emitter,
                       const char *event,
                       JsonArray  *args,
                       gpointer    user_data)
{
  Fixture *f = user_data;
  JsonObject *profile = json_array_get_object_element (args, 0);

  if (g_strcmp0 (json_object_get_string_member_with_default (profile, "name", ""), "connector") == 0)
    f->n_profile_updated++;
}

static void
activate_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncResult *r = user_data;

  plug_engine_activate_finish (PLUG_ENGINE (source), result, &r->error);
  r->done = TRUE;
}

static void
deactivate_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncResult *r = user_data;

  plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &r->error);
  r->done = TRUE;
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->result = plug_engine_call_finish (PLUG_ENGINE (source), result, &r->error);
  r->done = TRUE;
}

static void
start_call (Fixture     *f,
            const char  *method,
            const char  *arg,
            AsyncResult *r)
{
  g_autoptr(JsonArray) args = json_array_new ();

  if (arg != NULL)
    json_array_add_string_element (args, arg);
  plug_engine_call (f->engine, "caller", "connector", method, args, NULL, call_done, r);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *profile_json = data != NULL ? data :
    "{\"name\":\"connector\",\"url\":\"url\",\"methods\":[\"mockMethod\"]}";
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugProfile) caller_profile = plug_profile_new ("caller");
  g_autoptr(GError) error = NULL;
  AsyncResult r = { 0 };

  f->held_calls = g_ptr_array_new_with_free_func (g_object_unref);
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->engine = plug_engine_new ();

  profile = plug_profile_new_from_data (profile_json, -1, NULL, &error);
  g_assert_no_error (error);
  f->mock = g_object_new (MOCK_TYPE_CONNECTOR, "profile", profile, NULL);
  g_assert_true (plug_engine_register (f->engine, PLUG_PLUGIN (f->mock), &error));
  g_assert_no_error (error);

  f->caller = plug_plugin_new (caller_profile);
  plug_plugin_add_method (f->caller, "echo", method_echo, f, NULL);
  plug_plugin_add_method (f->caller, "hold", method_hold, f, NULL);
  g_assert_true (plug_engine_register (f->engine, f->caller, &error));
  g_assert_no_error (error);
  plug_engine_activate (f->engine, "caller", NULL, activate_done, &r);
  wait_result (f, &r);
  g_assert_no_error (r.error);

  g_assert_true (plug_engine_on (f->engine, "caller", "manager", "profileUpdated",
                                 count_profile_updated, f, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gpointer mock = f->mock;

  drain ();
  g_ptr_array_unref (f->held_calls);
  g_clear_object (&f->caller);
  g_object_add_weak_pointer (G_OBJECT (mock), &mock);
  g_clear_object (&f->mock);
  g_clear_object (&f->engine);
  g_ptr_array_unref (f->events);
  drain ();

  /* No reference cycle keeps the connector alive. */
  g_assert_null (mock);
}

#define HANDSHAKE_0 \
  "{\"id\":0,\"action\":\"request\",\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"connector\",\"plugctl\"]," \
  "\"protocol\":{\"versions\":[1]}}"

/* Starts the activation and waits for the handshake request. */
static void
begin_activation (Fixture     *f,
                  AsyncResult *r)
{
  plug_engine_activate (f->engine, "connector", NULL, activate_done, r);
  wait_sent (f, 1);
}

static void
activate_connector (Fixture *f)
{
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"mockMethod\",\"other\"]}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  g_assert_true (plug_engine_is_active (f->engine, "connector"));
  g_ptr_array_set_size (f->mock->sent, 0);
}

/* Activation and handshake */

static void
test_activate_sends_one_handshake (Fixture       *f,
                                   gconstpointer  data)
{
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  drain ();

  /* §9.2.1: activate() calls connect; then exactly one handshake. */
  g_assert_cmpuint (f->mock->n_connect, ==, 1);
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
  assert_sent (f, 0, HANDSHAKE_0);
  g_assert_false (r.done);
  g_assert_false (plug_engine_is_active (f->engine, "connector"));

  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"mockMethod\"]}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  g_assert_true (plug_engine_is_active (f->engine, "connector"));
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
}

static void
test_handshake_client_request_ignored (Fixture       *f,
                                       gconstpointer  data)
{
  AsyncResult r = { 0 };

  /* A Remix client opens with its own handshake request: never answered. */
  receive (f, "{\"action\":\"request\",\"key\":\"handshake\",\"id\":-1}");
  begin_activation (f, &r);
  receive (f, "{\"action\":\"request\",\"key\":\"handshake\",\"id\":-1}");
  drain ();

  g_assert_cmpuint (f->mock->sent->len, ==, 1);
  assert_sent (f, 0, HANDSHAKE_0);

  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[]}");
  wait_result (f, &r);
  receive (f, "{\"action\":\"request\",\"key\":\"handshake\",\"id\":-1}");
  drain ();
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
}

static void
test_handshake_methods_replaced_once (Fixture       *f,
                                      gconstpointer  data)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (f->mock));
  const char *expected[] = { "sum", "fail", NULL };
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"sum\",\"fail\"]}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  drain ();

  g_assert_true (g_strv_equal (plug_profile_get_methods (profile), expected));
  g_assert_cmpuint (f->n_profile_updated, ==, 1);

  /* A second answer changes nothing. */
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"other\"]}");
  drain ();
  g_assert_true (g_strv_equal (plug_profile_get_methods (profile), expected));
  g_assert_cmpuint (f->n_profile_updated, ==, 1);
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
}

static void
test_handshake_null_payload_keeps_methods (Fixture       *f,
                                           gconstpointer  data)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (f->mock));
  const char *expected[] = { "mockMethod", NULL };
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\"}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  drain ();

  g_assert_true (g_strv_equal (plug_profile_get_methods (profile), expected));
  g_assert_cmpuint (f->n_profile_updated, ==, 0);
}

static void
test_handshake_error_fails_activation (Fixture       *f,
                                       gconstpointer  data)
{
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"error\":\"not today\"}");
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "not today");
  g_assert_false (plug_engine_is_active (f->engine, "connector"));
  g_assert_cmpuint (f->mock->n_disconnect, ==, 1);
  async_result_clear (&r);
}

static void
test_handshake_connect_error_fails_activation (Fixture       *f,
                                               gconstpointer  data)
{
  AsyncResult r = { 0 };

  f->mock->connect_error = g_strdup ("Cannot spawn: no such file");
  plug_engine_activate (f->engine, "connector", NULL, activate_done, &r);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "Cannot spawn: no such file");
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
  g_assert_cmpuint (f->mock->n_disconnect, ==, 0);
  async_result_clear (&r);
}

static void
test_handshake_start_timeout (Fixture       *f,
                              gconstpointer  data)
{
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT);
  g_assert_cmpstr (r.error->message, ==,
                   "Plugin connector did not answer the handshake within 50 ms");
  g_assert_false (plug_engine_is_active (f->engine, "connector"));
  g_assert_cmpuint (f->mock->n_disconnect, ==, 1);
  g_assert_cmpuint (f->mock->sent->len, ==, 1);

  /* The late answer changes nothing. */
  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"x\"]}");
  drain ();
  g_assert_false (plug_engine_is_active (f->engine, "connector"));
  async_result_clear (&r);
}

static gboolean
connected (Fixture       *f,
           gconstpointer  data)
{
  return f->mock->n_connect > 0;
}

static void
test_handshake_send_failure_waits_for_lost (Fixture       *f,
                                            gconstpointer  data)
{
  g_autoptr(GError) cause = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin connector closed its channel");
  AsyncResult r = { 0 };

  /* The handshake cannot be sent: the subclass's report of the loss,
   * which knows the cause, ends the activation. */
  f->mock->refuse_sends = TRUE;
  plug_engine_activate (f->engine, "connector", NULL, activate_done, &r);
  wait_for (f, connected, NULL);
  drain ();
  g_assert_false (r.done);

  plug_plugin_lost (PLUG_PLUGIN (f->mock), cause);
  wait_result (f, &r);
  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (r.error->message, ==, "Plugin connector closed its channel");
  async_result_clear (&r);
}

static void
test_handshake_send_failure_then_start_timeout (Fixture       *f,
                                                gconstpointer  data)
{
  AsyncResult r = { 0 };

  /* Without a report, the start timeout ends it with the send error. */
  f->mock->refuse_sends = TRUE;
  plug_engine_activate (f->engine, "connector", NULL, activate_done, &r);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (r.error->message, ==, "Plugin connector is not connected");
  g_assert_cmpuint (f->mock->n_disconnect, ==, 1);
  async_result_clear (&r);
}

static void
test_handshake_calls_wait (Fixture       *f,
                           gconstpointer  data)
{
  AsyncResult r = { 0 };

  /* The call activates the plugin; it is sent only after the handshake. */
  start_call (f, "mockMethod", "payload", &r);
  wait_sent (f, 1);
  drain ();
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
  assert_sent (f, 0, HANDSHAKE_0);

  receive (f, "{\"action\":\"response\",\"id\":0,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"mockMethod\"]}");
  wait_sent (f, 2);
  assert_sent (f, 1, "{\"id\":1,\"action\":\"request\",\"name\":\"connector\",\"key\":\"mockMethod\","
                     "\"payload\":[\"payload\"],\"requestInfo\":{\"from\":\"caller\",\"path\":\"connector\"}}");
  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\",\"payload\":true}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  g_assert_true (json_node_get_boolean (r.result));
  async_result_clear (&r);
}

/* Calls to the plugin */

static void
test_call_request_and_response (Fixture       *f,
                                gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  /* §9.5.5, with requestInfo set by the engine. */
  start_call (f, "mockMethod", "payload", &r);
  wait_sent (f, 1);
  assert_sent (f, 0, "{\"id\":1,\"action\":\"request\",\"name\":\"connector\",\"key\":\"mockMethod\","
                     "\"payload\":[\"payload\"],\"requestInfo\":{\"from\":\"caller\",\"path\":\"connector\"}}");
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 1);

  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\",\"payload\":{\"a\":[1,2]}}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 0);
  {
    g_autofree char *text = json_to_string (r.result, FALSE);

    g_assert_cmpstr (text, ==, "{\"a\":[1,2]}");
  }
  async_result_clear (&r);
}

static void
test_call_response_without_payload_is_null (Fixture       *f,
                                            gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  start_call (f, "mockMethod", NULL, &r);
  wait_sent (f, 1);
  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\"}");
  wait_result (f, &r);

  g_assert_no_error (r.error);
  g_assert_nonnull (r.result);
  g_assert_true (JSON_NODE_HOLDS_NULL (r.result));
  async_result_clear (&r);
}

static void
test_call_error_response (Fixture       *f,
                          gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  start_call (f, "mockMethod", NULL, &r);
  wait_sent (f, 1);
  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\",\"error\":\"Error from IDE : boom\"}");
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (r.error->message, ==, "Error from IDE : boom");
  async_result_clear (&r);
}

static void
test_call_send_failure_fails_fast (Fixture       *f,
                                   gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  f->mock->open = FALSE;
  start_call (f, "mockMethod", NULL, &r);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (r.error->message, ==, "Plugin connector is not connected");
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 0);
  async_result_clear (&r);
}

static void
test_call_timeout_sends_cancel (Fixture       *f,
                                gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  start_call (f, "mockMethod", NULL, &r);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_TIMEOUT);
  g_assert_cmpstr (r.error->message, ==, "[TIMEOUT] Timeout for call mockMethod from caller");
  g_assert_cmpuint (f->mock->sent->len, ==, 2);
  assert_sent (f, 1, "{\"id\":1,\"action\":\"cancel\",\"name\":\"connector\",\"key\":\"mockMethod\"}");
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 0);

  /* The late answer is dropped quietly (a warning would abort). */
  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\",\"payload\":1}");
  drain ();
  async_result_clear (&r);
}

static void
test_response_unknown_id_dropped (Fixture       *f,
                                  gconstpointer  data)
{
  activate_connector (f);

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING,
                         "Plugin connector answered unknown request id 42");
  receive (f, "{\"action\":\"response\",\"id\":42,\"name\":\"connector\",\"key\":\"x\",\"payload\":1}");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

/* Messages from the plugin */

static void
test_bounce_ignored (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  activate_connector (f);
  g_assert_true (plug_engine_on (f->engine, "caller", "connector", "ev",
                                 record_event, f, NULL, &error));
  g_assert_no_error (error);

  /* What a Remix client sends back for a notification it got too early. */
  receive (f, "{\"action\":\"notification\",\"name\":\"caller\",\"key\":\"ev\",\"payload\":[1],"
              "\"error\":\"Handshake before communicating\"}");
  receive (f, "{\"action\":\"emit\",\"key\":\"ev\",\"payload\":[1],\"error\":\"Handshake before communicating\"}");
  receive (f, "{\"action\":\"request\",\"id\":3,\"name\":\"caller\",\"key\":\"echo\",\"payload\":[1],\"error\":\"x\"}");
  drain ();

  g_assert_cmpuint (f->events->len, ==, 0);
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

static void
test_unknown_action_answered (Fixture       *f,
                              gconstpointer  data)
{
  activate_connector (f);

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "*connector*frobnicate*");
  receive (f, "{\"action\":\"frobnicate\",\"id\":7,\"name\":\"caller\",\"key\":\"k\"}");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
  assert_sent (f, 0, "{\"id\":7,\"action\":\"response\",\"name\":\"caller\",\"key\":\"k\","
                     "\"error\":\"Unknown action \\\"frobnicate\\\"\"}");

  /* Without an id there is nobody to answer. */
  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "*connector*frobnicate*");
  receive (f, "{\"action\":\"frobnicate\",\"name\":\"caller\",\"key\":\"k\"}");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->mock->sent->len, ==, 1);
}

static void
test_invalid_text_dropped (Fixture       *f,
                           gconstpointer  data)
{
  activate_connector (f);

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "connector: dropped invalid message: *");
  receive (f, "{\"action\":");
  g_test_assert_expected_messages ();
  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "connector: dropped invalid message: *\"id\"*");
  receive (f, "{\"action\":\"response\",\"id\":\"1\"}");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

static void
test_request_calls_engine (Fixture       *f,
                           gconstpointer  data)
{
  activate_connector (f);

  /* §9.2.3; the response echoes id, name and key. */
  receive (f, "{\"action\":\"request\",\"id\":1,\"name\":\"caller\",\"key\":\"echo\",\"payload\":[\"params\"]}");
  wait_sent (f, 1);
  assert_sent (f, 0, "{\"id\":1,\"action\":\"response\",\"name\":\"caller\",\"key\":\"echo\",\"payload\":\"params\"}");

  /* "call" is an alias; the answer is still a "response". */
  receive (f, "{\"action\":\"call\",\"id\":2,\"name\":\"caller\",\"key\":\"echo\",\"payload\":[3]}");
  wait_sent (f, 2);
  assert_sent (f, 1, "{\"id\":2,\"action\":\"response\",\"name\":\"caller\",\"key\":\"echo\",\"payload\":3}");
}

static void
test_request_ids_per_direction (Fixture       *f,
                                gconstpointer  data)
{
  AsyncResult r = { 0 };

  activate_connector (f);
  /* Our request 1 and the plugin's request 1 are in flight together. */
  start_call (f, "mockMethod", NULL, &r);
  wait_sent (f, 1);
  receive (f, "{\"action\":\"request\",\"id\":1,\"name\":\"caller\",\"key\":\"echo\",\"payload\":[\"mine\"]}");
  wait_sent (f, 2);
  assert_sent (f, 1, "{\"id\":1,\"action\":\"response\",\"name\":\"caller\",\"key\":\"echo\",\"payload\":\"mine\"}");
  g_assert_false (r.done);

  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"mockMethod\",\"payload\":\"yours\"}");
  wait_result (f, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (json_node_get_string (r.result), ==, "yours");
  async_result_clear (&r);
}

static void
test_request_error_reply (Fixture       *f,
                          gconstpointer  data)
{
  activate_connector (f);

  receive (f, "{\"action\":\"request\",\"id\":5,\"name\":\"nobody\",\"key\":\"x\",\"payload\":[]}");
  wait_sent (f, 1);
  assert_sent (f, 0, "{\"id\":5,\"action\":\"response\",\"name\":\"nobody\",\"key\":\"x\","
                     "\"error\":\"Cannot call nobody from connector, because nobody is not registered\"}");
}

static void
test_request_without_key_answered (Fixture       *f,
                                   gconstpointer  data)
{
  activate_connector (f);

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "*connector*\"key\"*");
  receive (f, "{\"action\":\"request\",\"id\":5,\"name\":\"caller\",\"payload\":[]}");
  g_test_assert_expected_messages ();
  wait_sent (f, 1);
  assert_sent (f, 0, "{\"id\":5,\"action\":\"response\",\"name\":\"caller\","
                     "\"error\":\"Invalid request: it needs a \\\"name\\\" and a \\\"key\\\"\"}");
}

static gboolean
has_held_call (Fixture       *f,
               gconstpointer  data)
{
  return f->held_calls->len > 0;
}

static void
test_request_reply_dropped_after_deactivation (Fixture       *f,
                                               gconstpointer  data)
{
  AsyncResult r = { 0 };
  g_autoptr(JsonNode) answer = json_node_new (JSON_NODE_NULL);

  activate_connector (f);
  receive (f, "{\"action\":\"request\",\"id\":1,\"name\":\"caller\",\"key\":\"hold\",\"payload\":[]}");
  wait_for (f, has_held_call, NULL);

  plug_engine_deactivate (f->engine, "connector", NULL, deactivate_done, &r);
  wait_result (f, &r);
  g_assert_no_error (r.error);

  /* The method answers after the plugin went away: nothing is sent. */
  plug_call_return_value (g_ptr_array_index (f->held_calls, 0), answer);
  drain ();
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

/* Events */

static void
test_events_listen_forwards (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();

  activate_connector (f);
  json_array_add_string_element (args, "params");

  /* §9.2.4: "listen" (alias of "on"), then three emits, three notifications. */
  receive (f, "{\"action\":\"listen\",\"name\":\"caller\",\"key\":\"method\",\"id\":2}");
  for (guint i = 0; i < 3; i++)
    g_assert_true (plug_engine_emit (f->engine, "caller", "method", args, NULL));
  wait_sent (f, 3);
  drain ();

  g_assert_cmpuint (f->mock->sent->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_sent (f, i, "{\"action\":\"notification\",\"name\":\"caller\",\"key\":\"method\",\"payload\":[\"params\"]}");
}

static void
test_events_once_forwards_once (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();

  activate_connector (f);
  json_array_add_int_element (args, 1);

  receive (f, "{\"action\":\"once\",\"name\":\"caller\",\"key\":\"tick\",\"id\":3}");
  g_assert_true (plug_engine_emit (f->engine, "caller", "tick", args, NULL));
  g_assert_true (plug_engine_emit (f->engine, "caller", "tick", args, NULL));
  wait_sent (f, 1);
  drain ();

  g_assert_cmpuint (f->mock->sent->len, ==, 1);
  assert_sent (f, 0, "{\"action\":\"notification\",\"name\":\"caller\",\"key\":\"tick\",\"payload\":[1]}");
}

static void
test_events_off_stops (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();

  activate_connector (f);

  receive (f, "{\"action\":\"on\",\"name\":\"caller\",\"key\":\"tick\",\"id\":3}");
  receive (f, "{\"action\":\"off\",\"name\":\"caller\",\"key\":\"tick\",\"id\":4}");
  g_assert_true (plug_engine_emit (f->engine, "caller", "tick", args, NULL));
  drain ();

  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

static void
test_events_emit_reaches_listener (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  activate_connector (f);
  g_assert_true (plug_engine_on (f->engine, "caller", "connector", "hello",
                                 record_event, f, NULL, &error));
  g_assert_no_error (error);

  /* §9.5.6: no name and no id; the emitter is the plugin itself. */
  receive (f, "{\"action\":\"emit\",\"key\":\"hello\",\"payload\":[\"w\",3]}");
  receive (f, "{\"action\":\"notification\",\"key\":\"hello\",\"payload\":[]}");
  /* No payload: ignored, as in Remix. */
  receive (f, "{\"action\":\"emit\",\"key\":\"hello\"}");
  drain ();

  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "connector.hello:[\"w\",3]");
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "connector.hello:[]");
  g_assert_cmpuint (f->mock->sent->len, ==, 0);
}

static void
test_events_forward_failure_warns (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GError) error = NULL;

  activate_connector (f);
  g_assert_true (plug_engine_on (f->engine, "caller", "caller", "tick",
                                 record_event, f, NULL, &error));
  receive (f, "{\"action\":\"on\",\"name\":\"caller\",\"key\":\"tick\"}");
  f->mock->open = FALSE;

  g_test_expect_message ("plugctl", G_LOG_LEVEL_WARNING, "Cannot deliver event tick of caller to plugin connector: *");
  g_assert_true (plug_engine_emit (f->engine, "caller", "tick", args, NULL));
  drain ();
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->events->len, ==, 1);
}

/* Faults and deactivation */

static void
test_lost_fails_pending_at_once (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) cause = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin connector exited with status 3");
  AsyncResult r = { 0 };

  activate_connector (f);
  start_call (f, "mockMethod", NULL, &r);
  wait_sent (f, 1);

  f->mock->open = FALSE;
  plug_plugin_lost (PLUG_PLUGIN (f->mock), cause);
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 0);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (r.error->message, ==, "Plugin connector exited with status 3");
  async_result_clear (&r);
}

static void
test_lost_during_activation (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) cause = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                 "Plugin connector exited with status 1");
  AsyncResult r = { 0 };

  begin_activation (f, &r);
  f->mock->open = FALSE;
  plug_plugin_lost (PLUG_PLUGIN (f->mock), cause);
  wait_result (f, &r);

  g_assert_error (r.error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (r.error->message, ==, "Plugin connector exited with status 1");
  g_assert_false (plug_engine_is_active (f->engine, "connector"));
  async_result_clear (&r);
}

static void
test_deactivate_fails_pending (Fixture       *f,
                               gconstpointer  data)
{
  AsyncResult call = { 0 };
  AsyncResult r = { 0 };

  activate_connector (f);
  start_call (f, "mockMethod", NULL, &call);
  wait_sent (f, 1);

  /* §9.2.2: deactivate() disconnects; pending calls end now, not at their timeout. */
  plug_engine_deactivate (f->engine, "connector", NULL, deactivate_done, &r);
  wait_result (f, &r);
  wait_result (f, &call);

  g_assert_no_error (r.error);
  g_assert_cmpuint (f->mock->n_disconnect, ==, 1);
  g_assert_nonnull (call.error);
  g_assert_cmpstr (call.error->message, ==,
                   "Plugin connector was deactivated before call mockMethod from caller finished");
  g_assert_cmpuint (plug_connector_get_n_pending (PLUG_CONNECTOR (f->mock)), ==, 0);
  async_result_clear (&call);
}

static void
test_deactivate_then_reactivate (Fixture       *f,
                                 gconstpointer  data)
{
  AsyncResult r = { 0 };
  AsyncResult again = { 0 };

  activate_connector (f);
  plug_engine_deactivate (f->engine, "connector", NULL, deactivate_done, &r);
  wait_result (f, &r);
  g_assert_no_error (r.error);

  plug_engine_activate (f->engine, "connector", NULL, activate_done, &again);
  wait_sent (f, 1);
  g_assert_cmpuint (f->mock->n_connect, ==, 2);
  assert_sent (f, 0, "{\"id\":1,\"action\":\"request\",\"name\":\"connector\",\"key\":\"handshake\","
                     "\"payload\":[\"connector\",\"plugctl\"],\"protocol\":{\"versions\":[1]}}");
  receive (f, "{\"action\":\"response\",\"id\":1,\"name\":\"connector\",\"key\":\"handshake\",\"payload\":[\"mockMethod\"]}");
  wait_result (f, &again);
  g_assert_no_error (again.error);
  g_assert_true (plug_engine_is_active (f->engine, "connector"));
}

int
main (int   argc,
      char *argv[])
{
  const char *start_timeout_profile =
    "{\"name\":\"connector\",\"methods\":[\"mockMethod\"],\"startTimeout\":50}";
  const char *call_timeout_profile =
    "{\"name\":\"connector\",\"methods\":[\"mockMethod\"],\"callTimeout\":50}";

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_WITH(path, profile, func) \
  g_test_add (path, Fixture, profile, fixture_set_up, func, fixture_tear_down)

  ADD ("/connector/activate/sends-one-handshake", test_activate_sends_one_handshake);
  ADD ("/connector/handshake/client-request-ignored", test_handshake_client_request_ignored);
  ADD ("/connector/handshake/methods-replaced-once", test_handshake_methods_replaced_once);
  ADD ("/connector/handshake/null-payload-keeps-methods", test_handshake_null_payload_keeps_methods);
  ADD ("/connector/handshake/error-fails-activation", test_handshake_error_fails_activation);
  ADD ("/connector/handshake/connect-error-fails-activation", test_handshake_connect_error_fails_activation);
  ADD_WITH ("/connector/handshake/start-timeout", start_timeout_profile, test_handshake_start_timeout);
  ADD ("/connector/handshake/send-failure-waits-for-lost", test_handshake_send_failure_waits_for_lost);
  ADD_WITH ("/connector/handshake/send-failure-then-start-timeout", start_timeout_profile,
            test_handshake_send_failure_then_start_timeout);
  ADD ("/connector/handshake/calls-wait", test_handshake_calls_wait);
  ADD ("/connector/call/request-and-response", test_call_request_and_response);
  ADD ("/connector/call/response-without-payload-is-null", test_call_response_without_payload_is_null);
  ADD ("/connector/call/error-response", test_call_error_response);
  ADD ("/connector/call/send-failure-fails-fast", test_call_send_failure_fails_fast);
  ADD_WITH ("/connector/call/timeout-sends-cancel", call_timeout_profile, test_call_timeout_sends_cancel);
  ADD ("/connector/response/unknown-id-dropped", test_response_unknown_id_dropped);
  ADD ("/connector/receive/bounce-ignored", test_bounce_ignored);
  ADD ("/connector/receive/unknown-action-answered", test_unknown_action_answered);
  ADD ("/connector/receive/invalid-text-dropped", test_invalid_text_dropped);
  ADD ("/connector/request/calls-engine", test_request_calls_engine);
  ADD ("/connector/request/ids-per-direction", test_request_ids_per_direction);
  ADD ("/connector/request/error-reply", test_request_error_reply);
  ADD ("/connector/request/without-key-answered", test_request_without_key_answered);
  ADD ("/connector/request/reply-dropped-after-deactivation", test_request_reply_dropped_after_deactivation);
  ADD ("/connector/events/listen-forwards", test_events_listen_forwards);
  ADD ("/connector/events/once-forwards-once", test_events_once_forwards_once);
  ADD ("/connector/events/off-stops", test_events_off_stops);
  ADD ("/connector/events/emit-reaches-listener", test_events_emit_reaches_listener);
  ADD ("/connector/events/forward-failure-warns", test_events_forward_failure_warns);
  ADD ("/connector/lost/fails-pending-at-once", test_lost_fails_pending_at_once);
  ADD ("/connector/lost/during-activation", test_lost_during_activation);
  ADD ("/connector/deactivate/fails-pending", test_deactivate_fails_pending);
  ADD ("/connector/deactivate/then-reactivate", test_deactivate_then_reactivate);

#undef ADD
#undef ADD_WITH

  return g_test_run ();
}
