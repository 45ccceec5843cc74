/* plug-client.c: what a plugin written in C links to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Remix's PluginClient and connectClient (reference/remix-engine.md §7):
 * answers the engine's handshakes and requests, and gives the plugin
 * call/cancel/emit/on/once/off towards the engine.
 */
#include "config.h"

#include <string.h>

#include "plug-call-private.h"
#include "plug-client.h"
#include "plug-error.h"
#include "plug-fd-client-connector.h"

#define NOT_CONNECTED_TEXT "Not connected to the engine"
#define ENGINE_CLOSED_TEXT "The engine closed the connection"

typedef struct
{
  char           *name;
  PlugMethodFunc  func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} Method;

/* A method call from the engine that has not been answered yet. */
typedef struct
{
  PlugClient  *client;
  PlugCall    *call;
  PlugMessage *request;
  /* Set when the engine cancelled it: its answer is not sent. */
  gboolean     silenced;
} RunningCall;

/* A call this plugin made, waiting for the engine's response. */
typedef struct
{
  GTask        *task;
  gint64        id;
  char         *path;
  char         *method;
  gulong        cancelled_id;
} PendingCall;

typedef struct
{
  PlugEventFunc   func;
  gpointer        user_data;
  GDestroyNotify  destroy;
  gboolean        once;
  gboolean        removed;
} Listener;

struct _PlugClient
{
  GObject              parent_instance;

  PlugClientConnector *connector;
  GHashTable          *methods;         /* name → Method */
  GPtrArray           *method_names;    /* in the order they were added */
  char                *name;

  GHashTable          *running_calls;   /* PlugCall → RunningCall */
  GHashTable          *pending_calls;   /* &id → PendingCall */
  gint64               last_call_id;
  GHashTable          *listeners;       /* "emitter\nevent" → GPtrArray of Listener */

  GMainLoop           *loop;

  guint                activated : 1;
  guint                closed : 1;
  guint                started : 1;
};

enum {
  SIGNAL_ACTIVATED,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PlugClient, plug_client, G_TYPE_OBJECT)

static void
method_free (gpointer data)
{
  Method *method = data;

  if (method->destroy != NULL)
    method->destroy (method->user_data);
  g_free (method->name);
  g_free (method);
}

static void
listener_clear (gpointer data)
{
  Listener *listener = data;

  if (listener->destroy != NULL)
    listener->destroy (listener->user_data);
}

static void
listener_release (gpointer data)
{
  g_rc_box_release_full (data, listener_clear);
}

static void
pending_call_free (PendingCall *pending)
{
  GCancellable *cancellable = g_task_get_cancellable (pending->task);

  if (pending->cancelled_id != 0)
    g_cancellable_disconnect (cancellable, pending->cancelled_id);
  g_clear_object (&pending->task);
  g_free (pending->path);
  g_free (pending->method);
  g_free (pending);
}

static void
running_call_free (RunningCall *running)
{
  g_clear_object (&running->call);
  g_clear_pointer (&running->request, plug_message_unref);
  g_free (running);
}

static char *
listener_key (const char *emitter,
              const char *event)
{
  return g_strconcat (emitter, "\n", event, NULL);
}

static void
send_message (PlugClient  *self,
              PlugMessage *message)
{
  g_autoptr(GError) error = NULL;

  if (self->closed)
    return;

  if (!plug_client_connector_send (self->connector, message, &error))
    g_debug ("Could not send a message to the engine: %s", error->message);
}

static void
send_subscription (PlugClient *self,
                   PlugAction  action,
                   const char *emitter,
                   const char *event)
{
  g_autoptr(PlugMessage) message = plug_message_new (action);

  plug_message_set_name (message, emitter);
  plug_message_set_key (message, event);
  send_message (self, message);
}

/* Remix's getMethodPath: the first segment of the path is the plugin;
 * the rest names a service. */
static char *
method_for_request (const char *key,
                    const char *path)
{
  const char *dot = path != NULL ? strchr (path, '.') : NULL;

  if (dot == NULL)
    return g_strdup (key);

  return g_strconcat (dot + 1, ".", key, NULL);
}

static JsonNode *
method_names_node (PlugClient *self)
{
  JsonArray *array = json_array_sized_new (self->method_names->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < self->method_names->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (self->method_names, i));
  json_node_take_array (node, array);

  return node;
}

static void
resubscribe_listeners (PlugClient *self)
{
  GHashTableIter iter;
  gpointer key;
  GPtrArray *listeners;

  g_hash_table_iter_init (&iter, self->listeners);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &listeners))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\n", 2);
      gboolean only_once = TRUE;

      for (guint i = 0; i < listeners->len; i++)
        only_once &= ((Listener *) g_ptr_array_index (listeners, i))->once;

      send_subscription (self, only_once ? PLUG_ACTION_ONCE : PLUG_ACTION_ON,
                         parts[0], parts[1]);
    }
}

static void
handle_handshake (PlugClient  *self,
                  PlugMessage *message)
{
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(JsonNode) methods = method_names_node (self);
  gboolean first = !self->activated;

  if (first)
    {
      JsonArray *args = plug_message_get_args (message);
      const char *name = NULL;

      if (args != NULL && json_array_get_length (args) > 0)
        name = json_node_get_string (json_array_get_element (args, 0));
      if (name == NULL)
        name = plug_message_get_name (message);

      self->activated = TRUE;
      g_free (self->name);
      self->name = g_strdup (name);
    }

  response = plug_message_new_response (message, methods);
  send_message (self, response);

  /* After the answer, so that what the plugin does on activation reaches
   * an engine that already counts it as active. */
  if (first)
    {
      resubscribe_listeners (self);
      g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0);
    }
}

static void
send_error_response (PlugClient  *self,
                     PlugMessage *request,
                     const char  *text)
{
  g_autoptr(PlugMessage) response = plug_message_new_error_response (request, text);

  send_message (self, response);
}

static void
on_method_done (PlugCall *call,
                gpointer  user_data)
{
  RunningCall *running = user_data;
  PlugClient *self = running->client;
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *result;

  if (!running->silenced)
    {
      result = plug_call_get_result (call, &error);
      if (error != NULL)
        response = plug_message_new_error_response (running->request, error->message);
      else
        response = plug_message_new_response (running->request, result);
      send_message (self, response);
    }

  g_hash_table_remove (self->running_calls, call);
}

static void
handle_request (PlugClient  *self,
                PlugMessage *message)
{
  g_autofree char *method_name = NULL;
  g_autoptr(JsonArray) no_args = NULL;
  g_autoptr(PlugCall) call = NULL;
  RunningCall *running;
  JsonArray *args;
  Method *method;
  const char *from;
  const char *path;

  method_name = method_for_request (plug_message_get_key (message),
                                    plug_message_get_path (message));
  method = g_hash_table_lookup (self->methods, method_name);
  if (method == NULL)
    {
      g_autofree char *text = NULL;
      const char *name = plug_message_get_name (message);

      text = g_strdup_printf ("Method %s doesn't exist on plugin %s",
                              method_name, name != NULL ? name : self->name);
      send_error_response (self, message, text);
      return;
    }

  args = plug_message_get_args (message);
  if (args == NULL)
    args = no_args = json_array_new ();

  from = plug_message_get_from (message);
  path = plug_message_get_path (message);
  if (path == NULL)
    path = plug_message_get_name (message) != NULL ? plug_message_get_name (message) : self->name;

  running = g_new0 (RunningCall, 1);
  running->client = self;
  running->request = plug_message_ref (message);
  running->call = plug_call_new (from != NULL ? from : "", path, method_name, args);
  g_hash_table_insert (self->running_calls, running->call, running);
  plug_call_set_done_func (running->call, on_method_done, running);

  /* The method may answer, and so free @running, before it returns. */
  call = g_object_ref (running->call);
  method->func (call, method->user_data);
}

static void
end_running_call (RunningCall  *running,
                  const GError *error)
{
  running->silenced = TRUE;
  plug_call_end (running->call, error);
}

static void
handle_cancel (PlugClient  *self,
               PlugMessage *message)
{
  GHashTableIter iter;
  RunningCall *running;
  gint64 id;

  if (!plug_message_has_id (message))
    return;

  id = plug_message_get_id (message);
  g_hash_table_iter_init (&iter, self->running_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &running))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugCall) call = NULL;

      if (!plug_message_has_id (running->request) ||
          plug_message_get_id (running->request) != id)
        continue;

      call = g_object_ref (running->call);
      error = g_error_new (PLUG_ERROR, PLUG_ERROR_CANCELLED,
                           "[CANCEL] Canceled call %s from %s",
                           plug_call_get_method (call), plug_call_get_caller (call));
      /* Ending it runs on_method_done, which removes it from the table. */
      end_running_call (running, error);
      return;
    }
}

static GError *
error_from_response (const char *text)
{
  gint code = PLUG_ERROR_FAILED;

  if (g_str_has_prefix (text, "[TIMEOUT]"))
    code = PLUG_ERROR_TIMEOUT;
  else if (g_str_has_prefix (text, "[CANCEL]"))
    code = PLUG_ERROR_CANCELLED;

  return g_error_new_literal (PLUG_ERROR, code, text);
}

static void
handle_response (PlugClient  *self,
                 PlugMessage *message)
{
  PendingCall *pending;
  GTask *task;
  gint64 id;

  if (!plug_message_has_id (message))
    {
      g_warning ("Dropped a response without an id from the engine");
      return;
    }

  id = plug_message_get_id (message);
  pending = g_hash_table_lookup (self->pending_calls, &id);
  if (pending == NULL)
    {
      g_debug ("Dropped the response to call %" G_GINT64_FORMAT ": no such call is pending", id);
      return;
    }

  task = g_object_ref (pending->task);
  g_hash_table_remove (self->pending_calls, &id);

  if (plug_message_get_error (message) != NULL)
    {
      g_task_return_error (task, error_from_response (plug_message_get_error (message)));
    }
  else
    {
      JsonNode *payload = plug_message_get_payload (message);

      g_task_return_pointer (task,
                             payload != NULL ? json_node_copy (payload) : json_node_new (JSON_NODE_NULL),
                             (GDestroyNotify) json_node_unref);
    }
  g_object_unref (task);
}

static void
handle_notification (PlugClient  *self,
                     PlugMessage *message)
{
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) snapshot = NULL;
  g_autoptr(JsonArray) no_args = NULL;
  const char *emitter = plug_message_get_name (message);
  const char *event = plug_message_get_key (message);
  GPtrArray *listeners;
  JsonArray *args;

  if (emitter == NULL || event == NULL)
    {
      g_warning ("Dropped an event from the engine without a name or key");
      return;
    }

  key = listener_key (emitter, event);
  listeners = g_hash_table_lookup (self->listeners, key);
  if (listeners == NULL)
    return;

  args = plug_message_get_args (message);
  if (args == NULL)
    args = no_args = json_array_new ();

  /* Listeners may subscribe or unsubscribe from their callback. */
  snapshot = g_ptr_array_new_full (listeners->len, listener_release);
  for (guint i = 0; i < listeners->len; i++)
    {
      Listener *listener = g_ptr_array_index (listeners, i);

      g_ptr_array_add (snapshot, g_rc_box_acquire (listener));
      if (listener->once)
        g_ptr_array_remove_index (listeners, i--);
    }
  if (listeners->len == 0)
    g_hash_table_remove (self->listeners, key);

  for (guint i = 0; i < snapshot->len; i++)
    {
      Listener *listener = g_ptr_array_index (snapshot, i);

      if (!listener->removed)
        listener->func (emitter, event, args, listener->user_data);
    }
}

static void
on_connector_message (PlugClientConnector *connector,
                      PlugMessage         *message,
                      PlugClient          *self)
{
  PlugAction action = plug_message_get_action (message);
  g_autoptr(PlugClient) hold = g_object_ref (self);

  if (action == PLUG_ACTION_REQUEST &&
      g_strcmp0 (plug_message_get_key (message), "handshake") == 0)
    {
      handle_handshake (self, message);
      return;
    }

  if (plug_message_get_error (message) != NULL && action != PLUG_ACTION_RESPONSE)
    {
      g_debug ("Ignored a %s message carrying an error from the engine: %s",
               plug_message_get_action_name (message), plug_message_get_error (message));
      return;
    }

  if (!self->activated)
    {
      if (action == PLUG_ACTION_REQUEST)
        send_error_response (self, message, "Handshake before communicating");
      else
        g_debug ("Ignored a %s message before the handshake",
                 plug_message_get_action_name (message));
      return;
    }

  switch (action)
    {
    case PLUG_ACTION_REQUEST:
      handle_request (self, message);
      break;
    case PLUG_ACTION_RESPONSE:
      handle_response (self, message);
      break;
    case PLUG_ACTION_EMIT:
    case PLUG_ACTION_NOTIFICATION:
      handle_notification (self, message);
      break;
    case PLUG_ACTION_CANCEL:
      handle_cancel (self, message);
      break;
    case PLUG_ACTION_UNKNOWN:
    case PLUG_ACTION_NONE:
    case PLUG_ACTION_ON:
    case PLUG_ACTION_ONCE:
    case PLUG_ACTION_OFF:
    default:
      g_warning ("Dropped a message with action \"%s\" from the engine",
                 plug_message_get_action_name (message) != NULL ? plug_message_get_action_name (message) : "");
      break;
    }
}

static void
fail_pending_calls (PlugClient   *self,
                    const GError *error)
{
  g_autoptr(GList) calls = g_hash_table_get_values (self->pending_calls);

  g_hash_table_steal_all (self->pending_calls);
  for (GList *l = calls; l != NULL; l = l->next)
    {
      PendingCall *pending = l->data;
      g_autoptr(GTask) task = g_object_ref (pending->task);

      pending_call_free (pending);
      g_task_return_error (task, g_error_copy (error));
    }
}

static void
end_running_calls (PlugClient   *self,
                   const GError *error)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer call;

  /* Ending a call removes it from the table. */
  g_hash_table_iter_init (&iter, self->running_calls);
  while (g_hash_table_iter_next (&iter, &call, NULL))
    g_ptr_array_add (calls, g_object_ref (call));

  for (guint i = 0; i < calls->len; i++)
    {
      RunningCall *running = g_hash_table_lookup (self->running_calls,
                                                  g_ptr_array_index (calls, i));

      if (running != NULL)
        end_running_call (running, error);
    }
}

static void
on_connector_closed (PlugClientConnector *connector,
                     const GError        *error,
                     PlugClient          *self)
{
  g_autoptr(PlugClient) hold = g_object_ref (self);
  g_autoptr(GError) closed_error = NULL;

  if (self->closed)
    return;

  if (error != NULL)
    g_debug ("The engine connection failed: %s", error->message);

  self->closed = TRUE;
  closed_error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED, ENGINE_CLOSED_TEXT);
  fail_pending_calls (self, closed_error);
  end_running_calls (self, closed_error);

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);

  if (self->loop != NULL)
    g_main_loop_quit (self->loop);
}

static void
plug_client_dispose (GObject *object)
{
  PlugClient *self = PLUG_CLIENT (object);

  if (self->connector != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                     ENGINE_CLOSED_TEXT);

      g_signal_handlers_disconnect_by_data (self->connector, self);
      self->closed = TRUE;
      end_running_calls (self, error);
      fail_pending_calls (self, error);
      g_clear_object (&self->connector);
    }

  g_clear_pointer (&self->listeners, g_hash_table_unref);

  G_OBJECT_CLASS (plug_client_parent_class)->dispose (object);
}

static void
plug_client_finalize (GObject *object)
{
  PlugClient *self = PLUG_CLIENT (object);

  g_clear_pointer (&self->running_calls, g_hash_table_unref);
  g_clear_pointer (&self->pending_calls, g_hash_table_unref);
  g_clear_pointer (&self->method_names, g_ptr_array_unref);
  g_clear_pointer (&self->methods, g_hash_table_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->name);

  G_OBJECT_CLASS (plug_client_parent_class)->finalize (object);
}

static void
plug_client_class_init (PlugClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = plug_client_dispose;
  object_class->finalize = plug_client_finalize;

  /**
   * PlugClient::activated:
   *
   * The engine's first handshake arrived: the plugin has its name and
   * may call, emit and listen.
   */
  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * PlugClient::closed:
   *
   * The engine closed the connection; plug_client_run() returns.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
plug_client_init (PlugClient *self)
{
  self->methods = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, method_free);
  self->method_names = g_ptr_array_new ();
  self->running_calls = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) running_call_free);
  self->pending_calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                               (GDestroyNotify) pending_call_free);
  self->listeners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
}

PlugClient *
plug_client_new (PlugClientConnector *connector)
{
  PlugClient *self;

  g_return_val_if_fail (PLUG_IS_CLIENT_CONNECTOR (connector), NULL);

  self = g_object_new (PLUG_TYPE_CLIENT, NULL);
  self->connector = g_object_ref (connector);
  g_signal_connect (connector, "message", G_CALLBACK (on_connector_message), self);
  g_signal_connect (connector, "closed", G_CALLBACK (on_connector_closed), self);

  return self;
}

PlugClient *
plug_client_new_for_environment (GError **error)
{
  g_autoptr(PlugFdClientConnector) connector = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  connector = plug_fd_client_connector_new_from_environment (error);
  if (connector == NULL)
    return NULL;

  return plug_client_new (PLUG_CLIENT_CONNECTOR (connector));
}

void
plug_client_add_method (PlugClient     *self,
                        const char     *name,
                        PlugMethodFunc  func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  Method *method;

  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (name != NULL && *name != '\0');
  g_return_if_fail (func != NULL);

  if (g_hash_table_contains (self->methods, name))
    {
      Method *old = g_hash_table_lookup (self->methods, name);

      g_ptr_array_remove (self->method_names, old->name);
      g_hash_table_remove (self->methods, name);
    }

  method = g_new0 (Method, 1);
  method->name = g_strdup (name);
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  g_hash_table_insert (self->methods, method->name, method);
  g_ptr_array_add (self->method_names, method->name);
}

const char *
plug_client_get_name (PlugClient *self)
{
  g_return_val_if_fail (PLUG_IS_CLIENT (self), NULL);

  return self->name;
}

gboolean
plug_client_is_activated (PlugClient *self)
{
  g_return_val_if_fail (PLUG_IS_CLIENT (self), FALSE);

  return self->activated;
}

static gboolean
check_connected (PlugClient  *self,
                 GError     **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED, ENGINE_CLOSED_TEXT);
      return FALSE;
    }

  if (!self->activated)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED, NOT_CONNECTED_TEXT);
      return FALSE;
    }

  return TRUE;
}

static gboolean
other_call_pending (PlugClient  *self,
                    PendingCall *except)
{
  GHashTableIter iter;
  PendingCall *pending;

  g_hash_table_iter_init (&iter, self->pending_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      if (pending != except &&
          g_str_equal (pending->path, except->path) &&
          g_str_equal (pending->method, except->method))
        return TRUE;
    }

  return FALSE;
}

static PendingCall *
find_pending_call (PlugClient *self,
                   GTask      *task)
{
  GHashTableIter iter;
  PendingCall *pending;

  g_hash_table_iter_init (&iter, self->pending_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &pending))
    {
      if (pending->task == task)
        return pending;
    }

  return NULL;
}

static gboolean
cancel_pending_call_idle (gpointer user_data)
{
  GTask *task = user_data;
  PlugClient *self = g_task_get_source_object (task);
  PendingCall *pending = find_pending_call (self, task);
  gint64 id;

  /* The response may have come first. */
  if (pending == NULL)
    return G_SOURCE_REMOVE;
  id = pending->id;

  /* The engine cancels every call of this plugin to that method: ask it
   * only when no other such call still waits for its answer. */
  if (!other_call_pending (self, pending))
    plug_client_cancel (self, pending->path, pending->method);

  g_hash_table_remove (self->pending_calls, &id);
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

static void
on_pending_call_cancelled (GCancellable *cancellable,
                           PendingCall  *pending)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  /* Not from the handler: g_cancellable_disconnect() would deadlock. */
  g_source_set_callback (source, cancel_pending_call_idle,
                         g_object_ref (pending->task), g_object_unref);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_attach (source, g_task_get_context (pending->task));
}

void
plug_client_call (PlugClient          *self,
                  const char          *path,
                  const char          *method,
                  JsonArray           *args,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PlugMessage) request = NULL;
  g_autoptr(JsonArray) no_args = NULL;
  g_autoptr(GError) error = NULL;
  PendingCall *pending;

  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (method != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_client_call);

  if (!check_connected (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (args == NULL)
    args = no_args = json_array_new ();

  pending = g_new0 (PendingCall, 1);
  pending->task = g_object_ref (task);
  pending->id = ++self->last_call_id;
  pending->path = g_strdup (path);
  pending->method = g_strdup (method);
  g_hash_table_insert (self->pending_calls, &pending->id, pending);

  request = plug_message_new_request (pending->id, path, method, args);
  if (!plug_client_connector_send (self->connector, request, &error))
    {
      g_hash_table_remove (self->pending_calls, &pending->id);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (cancellable != NULL)
    pending->cancelled_id = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (on_pending_call_cancelled),
                                                   pending, NULL);
}

JsonNode *
plug_client_call_finish (PlugClient    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (PLUG_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == plug_client_call, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
plug_client_cancel (PlugClient *self,
                    const char *path,
                    const char *method)
{
  g_autoptr(PlugMessage) message = NULL;

  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (path != NULL);

  if (!check_connected (self, NULL))
    return;

  message = plug_message_new (PLUG_ACTION_CANCEL);
  plug_message_set_name (message, path);
  if (method != NULL && *method != '\0')
    plug_message_set_key (message, method);
  send_message (self, message);
}

gboolean
plug_client_emit (PlugClient  *self,
                  const char  *event,
                  JsonArray   *args,
                  GError     **error)
{
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(JsonArray) no_args = NULL;

  g_return_val_if_fail (PLUG_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_connected (self, error))
    return FALSE;

  if (args == NULL)
    args = no_args = json_array_new ();

  message = plug_message_new (PLUG_ACTION_EMIT);
  plug_message_set_key (message, event);
  plug_message_set_args (message, args);

  return plug_client_connector_send (self->connector, message, error);
}

static void
add_listener (PlugClient     *self,
              PlugAction      action,
              const char     *emitter,
              const char     *event,
              PlugEventFunc   func,
              gpointer        user_data,
              GDestroyNotify  destroy)
{
  g_autofree char *key = listener_key (emitter, event);
  GPtrArray *listeners;
  Listener *listener;

  listeners = g_hash_table_lookup (self->listeners, key);
  if (listeners == NULL)
    {
      listeners = g_ptr_array_new_with_free_func (listener_release);
      g_hash_table_insert (self->listeners, g_steal_pointer (&key), listeners);
    }

  listener = g_rc_box_new0 (Listener);
  listener->func = func;
  listener->user_data = user_data;
  listener->destroy = destroy;
  listener->once = action == PLUG_ACTION_ONCE;
  g_ptr_array_add (listeners, listener);

  /* Before activation the subscription is sent with the handshake's answer. */
  if (self->activated)
    send_subscription (self, action, emitter, event);
}

void
plug_client_on (PlugClient     *self,
                const char     *emitter,
                const char     *event,
                PlugEventFunc   func,
                gpointer        user_data,
                GDestroyNotify  destroy)
{
  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (emitter != NULL);
  g_return_if_fail (event != NULL);
  g_return_if_fail (func != NULL);

  add_listener (self, PLUG_ACTION_ON, emitter, event, func, user_data, destroy);
}

void
plug_client_once (PlugClient     *self,
                  const char     *emitter,
                  const char     *event,
                  PlugEventFunc   func,
                  gpointer        user_data,
                  GDestroyNotify  destroy)
{
  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (emitter != NULL);
  g_return_if_fail (event != NULL);
  g_return_if_fail (func != NULL);

  add_listener (self, PLUG_ACTION_ONCE, emitter, event, func, user_data, destroy);
}

void
plug_client_off (PlugClient *self,
                 const char *emitter,
                 const char *event)
{
  g_autofree char *key = NULL;
  GPtrArray *listeners;

  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (emitter != NULL);
  g_return_if_fail (event != NULL);

  key = listener_key (emitter, event);
  listeners = g_hash_table_lookup (self->listeners, key);
  if (listeners != NULL)
    {
      for (guint i = 0; i < listeners->len; i++)
        ((Listener *) g_ptr_array_index (listeners, i))->removed = TRUE;
      g_hash_table_remove (self->listeners, key);
    }

  if (self->activated)
    send_subscription (self, PLUG_ACTION_OFF, emitter, event);
}

/* What a Remix client sends first (PROTOCOL.md §2.1): an engine that waits
 * for it, as Remix's ChildProcessPlugin does, then starts the handshake;
 * plugctl ignores it. */
static void
send_handshake_request (PlugClient *self)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_REQUEST);

  plug_message_set_key (message, "handshake");
  plug_message_set_id (message, -1);
  send_message (self, message);
}

int
plug_client_run (PlugClient *self)
{
  g_autoptr(GMainContext) context = NULL;

  g_return_val_if_fail (PLUG_IS_CLIENT (self), 1);
  g_return_val_if_fail (self->loop == NULL, 1);

  g_object_ref (self);

  if (!self->started)
    {
      self->started = TRUE;
      plug_client_connector_start (self->connector);
      send_handshake_request (self);
    }

  if (!self->closed)
    {
      context = g_main_context_ref_thread_default ();
      self->loop = g_main_loop_new (context, FALSE);
      g_main_loop_run (self->loop);
      g_clear_pointer (&self->loop, g_main_loop_unref);
    }

  g_object_unref (self);

  return 0;
}
