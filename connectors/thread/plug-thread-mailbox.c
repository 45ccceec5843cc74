/* plug-thread-mailbox.c: messages from one thread to another's main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-thread-mailbox.h"

/* The mailbox is its own GSource: its reference count is atomic, and it
 * is woken from the sending thread with g_source_set_ready_time(), which
 * takes the context's lock. The mailbox's lock is held around that call,
 * and around the receiver's g_source_destroy(), so a sender never wakes a
 * source whose context may be gone. */
struct _PlugThreadMailbox
{
  GSource                source;

  GMutex                 lock;
  GQueue                 messages;  /* PlugMessage, owned */
  gboolean               end_posted;
  gboolean               closed;

  /* Receiving thread only. */
  PlugThreadMailboxFunc  func;
  gpointer               user_data;
  gboolean               end_delivered;
};

static void
clear_messages (GQueue *messages)
{
  g_queue_clear_full (messages, (GDestroyNotify) plug_message_unref);
}

/* Delivers what is queued now, in order; stops when the receiver closes
 * the mailbox from a callback. */
static gboolean
mailbox_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;
  GQueue batch = G_QUEUE_INIT;
  gboolean end;

  g_source_set_ready_time (source, -1);

  g_mutex_lock (&self->lock);
  if (self->func != NULL)
    {
      batch = self->messages;
      g_queue_init (&self->messages);
    }
  end = self->end_posted && self->func != NULL;
  g_mutex_unlock (&self->lock);

  while (!g_queue_is_empty (&batch))
    {
      g_autoptr(PlugMessage) message = g_queue_pop_head (&batch);

      if (self->closed)
        break;
      self->func (message, self->user_data);
    }
  clear_messages (&batch);

  /* Every message posted before the end was in this batch. */
  if (end && !self->closed && !self->end_delivered)
    {
      self->end_delivered = TRUE;
      self->func (NULL, self->user_data);
    }

  return G_SOURCE_CONTINUE;
}

static void
mailbox_finalize (GSource *source)
{
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;

  clear_messages (&self->messages);
  g_mutex_clear (&self->lock);
}

static GSourceFuncs mailbox_funcs = {
  .dispatch = mailbox_dispatch,
  .finalize = mailbox_finalize,
};

PlugThreadMailbox *
plug_thread_mailbox_new (GMainContext *receiver_context,
                         const char   *name)
{
  GSource *source = g_source_new (&mailbox_funcs, sizeof (PlugThreadMailbox));
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;

  g_mutex_init (&self->lock);
  g_queue_init (&self->messages);
  g_source_set_name (source, name);
  g_source_attach (source, receiver_context);
  plug_spin_attach (receiver_context);

  return self;
}

PlugThreadMailbox *
plug_thread_mailbox_ref (PlugThreadMailbox *self)
{
  return (PlugThreadMailbox *) g_source_ref ((GSource *) self);
}

void
plug_thread_mailbox_unref (PlugThreadMailbox *self)
{
  g_source_unref ((GSource *) self);
}

void
plug_thread_mailbox_start (PlugThreadMailbox     *self,
                           PlugThreadMailboxFunc  func,
                           gpointer               user_data)
{
  g_return_if_fail (self->func == NULL);

  g_mutex_lock (&self->lock);
  self->func = func;
  self->user_data = user_data;
  if (!self->closed && (self->end_posted || !g_queue_is_empty (&self->messages)))
    g_source_set_ready_time ((GSource *) self, 0);
  g_mutex_unlock (&self->lock);
}

void
plug_thread_mailbox_close (PlugThreadMailbox *self)
{
  GQueue dropped = G_QUEUE_INIT;

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  dropped = self->messages;
  g_queue_init (&self->messages);
  g_source_destroy ((GSource *) self);
  g_mutex_unlock (&self->lock);

  /* Outside the lock: the last reference to a message may drop a tree. */
  clear_messages (&dropped);
}

gboolean
plug_thread_mailbox_post (PlugThreadMailbox *self,
                          PlugMessage       *message)
{
  gboolean posted = FALSE;
  gboolean wake;

  plug_spin_note_activity ();
  g_mutex_lock (&self->lock);
  if (!self->closed && !self->end_posted)
    {
      wake = g_queue_is_empty (&self->messages);
      g_queue_push_tail (&self->messages, message);
      /* A non-empty queue has been woken already. */
      if (wake && self->func != NULL)
        g_source_set_ready_time ((GSource *) self, 0);
      posted = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (!posted)
    plug_message_unref (message);

  return posted;
}

gboolean
plug_thread_mailbox_post_end (PlugThreadMailbox *self)
{
  gboolean posted = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->closed && !self->end_posted)
    {
      self->end_posted = TRUE;
      if (self->func != NULL)
        g_source_set_ready_time ((GSource *) self, 0);
      posted = TRUE;
    }
  g_mutex_unlock (&self->lock);

  return posted;
}

/* Deep copy */

static JsonNode *
copy_tree (JsonNode *node);

static JsonArray *
copy_array (JsonArray *array)
{
  guint length = json_array_get_length (array);
  JsonArray *copy = json_array_sized_new (length);

  for (guint i = 0; i < length; i++)
    json_array_add_element (copy, copy_tree (json_array_get_element (array, i)));

  return copy;
}

static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  /* In insertion order, which the writer keeps. */
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    json_object_set_member (copy, member_name, copy_tree (member));

  return copy;
}

/* A fresh value node, so that not even the JsonValue is shared. */
static JsonNode *
copy_value (JsonNode *node)
{
  JsonNode *copy = json_node_alloc ();

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_init_int (copy, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return json_node_init_double (copy, json_node_get_double (node));
    case G_TYPE_BOOLEAN:
      return json_node_init_boolean (copy, json_node_get_boolean (node));
    case G_TYPE_STRING:
      return json_node_init_string (copy, json_node_get_string (node));
    default:
      return json_node_init_null (copy);
    }
}

static JsonNode *
copy_tree (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        g_autoptr(JsonObject) object = copy_object (json_node_get_object (node));

        /* json_node_init_object() takes its own reference */
        return json_node_init_object (json_node_alloc (), object);
      }
    case JSON_NODE_ARRAY:
      {
        g_autoptr(JsonArray) array = copy_array (json_node_get_array (node));

        return json_node_init_array (json_node_alloc (), array);
      }
    case JSON_NODE_VALUE:
      return copy_value (node);
    case JSON_NODE_NULL:
    default:
      return json_node_new (JSON_NODE_NULL);
    }
}

/* An action spelled otherwise than its canonical name (an alias, or one
 * this protocol does not know) keeps its spelling through JSON text; no
 * plugctl client or engine sends one, so it never costs in practice. */
static PlugMessage *
copy_through_text (PlugMessage *message)
{
  g_autofree char *text = plug_message_to_string (message);
  g_autoptr(GError) error = NULL;
  PlugMessage *copy = plug_message_parse (text, -1, &error);

  g_assert_no_error (error);
  return copy;
}

PlugMessage *
plug_thread_message_copy (PlugMessage *message)
{
  g_autoptr(PlugMessage) copy = plug_message_new (plug_message_get_action (message));
  JsonNode *payload = plug_message_get_payload (message);

  if (g_strcmp0 (plug_message_get_action_name (copy),
                 plug_message_get_action_name (message)) != 0)
    return copy_through_text (message);

  if (plug_message_has_id (message))
    plug_message_set_id (copy, plug_message_get_id (message));
  if (plug_message_get_name (message) != NULL)
    plug_message_set_name (copy, plug_message_get_name (message));
  if (plug_message_get_key (message) != NULL)
    plug_message_set_key (copy, plug_message_get_key (message));
  if (plug_message_get_error (message) != NULL)
    plug_message_set_error (copy, plug_message_get_error (message));
  if (plug_message_has_request_info (message))
    plug_message_set_request_info (copy, plug_message_get_from (message),
                                   plug_message_get_path (message));
  if (payload != NULL)
    {
      g_autoptr(JsonNode) payload_copy = copy_tree (payload);

      plug_message_set_payload (copy, payload_copy);
    }

  return g_steal_pointer (&copy);
}
