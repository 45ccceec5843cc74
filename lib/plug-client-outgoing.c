/* plug-client-outgoing.c: what a C plugin asks of the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PlugClient's own calls to other plugins (with their pending table),
 * cancel, emit, on/once/off with the local listener table, and the
 * delivery of the events it listens to.
 */
#include "config.h"

#include "plug-client-private.h"
#include "plug-error.h"

#define NOT_CONNECTED_TEXT "Not connected to the engine"

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

void
plug_client_init_outgoing (PlugClient *self)
{
  self->pending_calls = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                               (GDestroyNotify) pending_call_free);
  self->listeners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
}

static char *
listener_key (const char *emitter,
              const char *event)
{
  return g_strconcat (emitter, "\n", event, NULL);
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
  plug_client_send_message (self, message);
}

void
plug_client_resubscribe_listeners (PlugClient *self)
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

void
plug_client_handle_response (PlugClient  *self,
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

void
plug_client_handle_notification (PlugClient  *self,
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

void
plug_client_fail_pending_calls (PlugClient   *self,
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

static gboolean
check_connected (PlugClient  *self,
                 GError     **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                           PLUG_CLIENT_CLOSED_TEXT);
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
  plug_client_send_message (self, message);
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
