/* loop-connector.c: a connector built out of tree, against the installed
 * plugctl-1.pc only (tests/install: test-install.c builds it with cc).
 *
 * Its plugins live in the connector itself: each answers the handshake
 * with its manifest's methods and any call with the call's arguments.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <plugctl.h>

#define LOOP_TYPE_CONNECTOR (loop_connector_get_type ())
G_DECLARE_FINAL_TYPE (LoopConnector, loop_connector, LOOP, CONNECTOR, PlugConnector)

struct _LoopConnector
{
  PlugConnector  parent_instance;

  GQueue         answers;  /* PlugMessage *, for the engine */
  GSource       *idle;     /* delivers them */
};

G_DEFINE_FINAL_TYPE (LoopConnector, loop_connector, PLUG_TYPE_CONNECTOR)

static void
clear_answers (LoopConnector *self)
{
  if (self->idle != NULL)
    g_source_destroy (self->idle);
  g_clear_pointer (&self->idle, g_source_unref);
  g_queue_clear_full (&self->answers, (GDestroyNotify) plug_message_unref);
}

/* Answers reach the engine from its main loop, never from inside send(). */
static gboolean
deliver_answers (gpointer user_data)
{
  g_autoptr(LoopConnector) self = g_object_ref (user_data);
  PlugMessage *answer;

  g_clear_pointer (&self->idle, g_source_unref);
  while ((answer = g_queue_pop_head (&self->answers)) != NULL)
    {
      plug_connector_receive (PLUG_CONNECTOR (self), answer);
      plug_message_unref (answer);
    }

  return G_SOURCE_REMOVE;
}

static JsonNode *
answer_to (LoopConnector *self,
           PlugMessage   *request)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));
  const char * const *methods = plug_profile_get_methods (profile);
  JsonNode *payload = plug_message_get_payload (request);
  JsonArray *names;

  if (g_strcmp0 (plug_message_get_key (request), "handshake") != 0)
    return payload != NULL ? json_node_copy (payload) : json_node_new (JSON_NODE_NULL);

  names = json_array_new ();
  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    json_array_add_string_element (names, methods[i]);
  return json_node_init_array (json_node_alloc (), names);
}

static gboolean
loop_connector_send (PlugConnector  *connector,
                     PlugMessage    *message,
                     GError        **error)
{
  LoopConnector *self = LOOP_CONNECTOR (connector);
  g_autoptr(JsonNode) result = NULL;

  /* notifications and cancels need no answer */
  if (plug_message_get_action (message) != PLUG_ACTION_REQUEST)
    return TRUE;

  result = answer_to (self, message);
  g_queue_push_tail (&self->answers, plug_message_new_response (message, result));
  if (self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_callback (self->idle, deliver_answers, self, NULL);
      g_source_attach (self->idle, g_main_context_get_thread_default ());
    }

  return TRUE;
}

static void
loop_connector_connect (PlugConnector       *connector,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (connector, cancellable, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

static gboolean
loop_connector_connect_finish (PlugConnector  *connector,
                               GAsyncResult   *result,
                               GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
loop_connector_disconnect (PlugConnector       *connector,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (connector, NULL, callback, user_data);

  clear_answers (LOOP_CONNECTOR (connector));
  g_task_return_boolean (task, TRUE);
}

static gboolean
loop_connector_disconnect_finish (PlugConnector  *connector,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
loop_connector_dispose (GObject *object)
{
  clear_answers (LOOP_CONNECTOR (object));

  G_OBJECT_CLASS (loop_connector_parent_class)->dispose (object);
}

static void
loop_connector_class_init (LoopConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->dispose = loop_connector_dispose;
  connector_class->connect = loop_connector_connect;
  connector_class->connect_finish = loop_connector_connect_finish;
  connector_class->disconnect = loop_connector_disconnect;
  connector_class->disconnect_finish = loop_connector_disconnect_finish;
  connector_class->send = loop_connector_send;
}

static void
loop_connector_init (LoopConnector *self)
{
  g_queue_init (&self->answers);
}

PLUG_DEFINE_CONNECTOR_MODULE ("loop", loop_connector_get_type ())
