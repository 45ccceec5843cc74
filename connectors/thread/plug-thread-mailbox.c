/* plug-thread-mailbox.c: messages from one thread to another's main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-thread-mailbox.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The mailbox is its own GSource (its reference count is atomic) polling
 * an eventfd of its own. A sender writes it after letting go of the
 * mailbox's lock, never inside the receiving context's lock as
 * g_source_set_ready_time() would: on one CPU the woken thread runs at
 * once, and finding a lock still held sent both threads through futex
 * waits and two more context switches per message. */
struct _PlugThreadMailbox
{
  GSource                source;
  int                    wake_fd;

  GMutex                 lock;
  GQueue                 messages;  /* PlugMessage, owned */
  gboolean               end_posted;
  gboolean               closed;
  /* The eventfd was written since the last dispatch began: a message
   * posted now will be seen. */
  gboolean               wake_pending;

  /* Receiving thread only. */
  PlugThreadMailboxFunc  func;
  gpointer               user_data;
  gboolean               end_delivered;
  guint                  dispatching;  /* dispatches under way (nested) */
};

static void
wake (PlugThreadMailbox *self)
{
  eventfd_write (self->wake_fd, 1);
}

/* Called with the lock held: whether the caller must wake the receiver
 * (once the lock is let go). A message posted while a dispatch is under
 * way wakes again, for that dispatch may be stuck in a callback running
 * a main loop of its own. */
static gboolean
claim_wake (PlugThreadMailbox *self)
{
  if (self->wake_pending || self->func == NULL || self->closed)
    return FALSE;
  self->wake_pending = TRUE;
  return TRUE;
}

static void
clear_messages (GQueue *messages)
{
  g_queue_clear_full (messages, (GDestroyNotify) plug_message_unref);
}

static PlugMessage *
take_next (PlugThreadMailbox *self)
{
  PlugMessage *message = NULL;

  g_mutex_lock (&self->lock);
  if (self->func != NULL && !self->closed)
    message = g_queue_pop_head (&self->messages);
  g_mutex_unlock (&self->lock);

  return message;
}

/* A callback that runs a main loop of its own suspends the dispatch that
 * called it; what was queued before it (and so woke nobody) is delivered
 * by that loop, without a wake: the source says it is ready. */
static gboolean
mailbox_prepare (GSource *source,
                 int     *timeout)
{
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;
  gboolean more;

  *timeout = -1;
  if (self->dispatching == 0)
    return FALSE;

  g_mutex_lock (&self->lock);
  more = self->func != NULL && !self->closed &&
         (!g_queue_is_empty (&self->messages) ||
          (self->end_posted && !self->end_delivered));
  g_mutex_unlock (&self->lock);

  return more;
}

/* Once a batch is delivered: the end, once every message posted before
 * it is. Messages that came meanwhile woke the receiver again: they wait
 * for the next iteration, after other sources. */
static void
finish_batch (PlugThreadMailbox *self)
{
  gboolean end = FALSE;

  g_mutex_lock (&self->lock);
  if (self->func != NULL && !self->closed)
    {
      end = g_queue_is_empty (&self->messages) && self->end_posted && !self->end_delivered;
      if (end)
        self->end_delivered = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (end)
    self->func (NULL, self->user_data);
}

/* Delivers, in order, as many messages as were queued when it began; stops
 * when the receiver closes the mailbox from a callback. The source may
 * recurse (a callback running a main loop of its own): messages are taken
 * one at a time, so a nested dispatch goes on where this one is. A source
 * that may not recurse has its eventfd taken out of the context's poll
 * set and put back around every dispatch, and each of those writes the
 * context's own wake-up eventfd. */
static gboolean
mailbox_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;
  eventfd_t count;
  guint budget;

  /* Before the queue is looked at: a message posted after that wakes again. */
  eventfd_read (self->wake_fd, &count);

  g_mutex_lock (&self->lock);
  self->wake_pending = FALSE;
  budget = self->messages.length;
  g_mutex_unlock (&self->lock);

  self->dispatching++;
  for (guint i = 0; i < budget; i++)
    {
      g_autoptr(PlugMessage) message = take_next (self);

      if (message == NULL)
        break;
      self->func (message, self->user_data);
    }
  finish_batch (self);
  self->dispatching--;

  return G_SOURCE_CONTINUE;
}

static void
mailbox_finalize (GSource *source)
{
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;

  clear_messages (&self->messages);
  g_mutex_clear (&self->lock);
  close (self->wake_fd);
}

static GSourceFuncs mailbox_funcs = {
  .prepare = mailbox_prepare,
  .dispatch = mailbox_dispatch,
  .finalize = mailbox_finalize,
};

PlugThreadMailbox *
plug_thread_mailbox_new (GMainContext *receiver_context,
                         const char   *name)
{
  GSource *source = g_source_new (&mailbox_funcs, sizeof (PlugThreadMailbox));
  PlugThreadMailbox *self = (PlugThreadMailbox *) source;

  self->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->wake_fd < 0)
    g_error ("Thread mailbox %s: eventfd: %s", name, g_strerror (errno));
  g_source_add_unix_fd (source, self->wake_fd, G_IO_IN);
  g_source_set_can_recurse (source, TRUE);
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
  gboolean pending;

  g_return_if_fail (self->func == NULL);

  g_mutex_lock (&self->lock);
  self->func = func;
  self->user_data = user_data;
  pending = (self->end_posted || !g_queue_is_empty (&self->messages)) && claim_wake (self);
  g_mutex_unlock (&self->lock);

  if (pending)
    wake (self);
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
  gboolean needs_wake = FALSE;

  plug_spin_note_activity ();
  g_mutex_lock (&self->lock);
  if (!self->closed && !self->end_posted)
    {
      g_queue_push_tail (&self->messages, message);
      needs_wake = claim_wake (self);
      posted = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (needs_wake)
    wake (self);
  if (!posted)
    plug_message_unref (message);

  return posted;
}

gboolean
plug_thread_mailbox_post_end (PlugThreadMailbox *self)
{
  gboolean posted = FALSE;
  gboolean needs_wake = FALSE;

  g_mutex_lock (&self->lock);
  if (!self->closed && !self->end_posted)
    {
      self->end_posted = TRUE;
      needs_wake = claim_wake (self);
      posted = TRUE;
    }
  g_mutex_unlock (&self->lock);

  if (needs_wake)
    wake (self);
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
