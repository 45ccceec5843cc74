/* plug-events.c: subscriptions and the memory of events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-events-private.h"

/* Deliveries iterate over a snapshot, so a callback may subscribe or
 * unsubscribe anyone; a subscription is therefore reference counted and
 * its user data is destroyed only once no delivery uses it. */
typedef struct
{
  guint ref_count;
  gboolean active;
  gboolean once;
  char *listener;
  PlugEventFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Subscription;

/* One (emitter, event). It exists once anyone has listened to it, and
 * only then is the last payload memorised (Remix semantics). */
typedef struct
{
  char *emitter;
  char *event;
  GPtrArray *subscriptions;
  JsonArray *memory;
} Slot;

struct _PlugEvents
{
  /* emitter → (event → Slot) */
  GHashTable *emitters;
};

/* Snapshots of up to this many subscribers need no allocation. */
#define SNAPSHOT_PREALLOC 16

static Subscription *
subscription_ref (Subscription *sub)
{
  sub->ref_count++;
  return sub;
}

static void
subscription_unref (Subscription *sub)
{
  if (--sub->ref_count > 0)
    return;

  if (sub->destroy != NULL)
    sub->destroy (sub->user_data);
  g_free (sub->listener);
  g_free (sub);
}

static void
slot_free (gpointer data)
{
  Slot *slot = data;

  g_ptr_array_unref (slot->subscriptions);
  g_clear_pointer (&slot->memory, json_array_unref);
  g_free (slot->emitter);
  g_free (slot->event);
  g_free (slot);
}

static void
subscription_release (gpointer data)
{
  Subscription *sub = data;

  sub->active = FALSE;
  subscription_unref (sub);
}

PlugEvents *
plug_events_new (void)
{
  PlugEvents *self = g_new0 (PlugEvents, 1);

  self->emitters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_hash_table_unref);
  return self;
}

void
plug_events_free (PlugEvents *self)
{
  if (self == NULL)
    return;

  g_hash_table_unref (self->emitters);
  g_free (self);
}

static Slot *
lookup_slot (PlugEvents *self,
             const char *emitter,
             const char *event)
{
  GHashTable *events = g_hash_table_lookup (self->emitters, emitter);

  return events != NULL ? g_hash_table_lookup (events, event) : NULL;
}

gboolean
plug_events_is_heard (PlugEvents *self,
                      const char *emitter,
                      const char *event)
{
  return lookup_slot (self, emitter, event) != NULL;
}

static Slot *
ensure_slot (PlugEvents *self,
             const char *emitter,
             const char *event)
{
  GHashTable *events;
  Slot *slot;

  events = g_hash_table_lookup (self->emitters, emitter);
  if (events == NULL)
    {
      events = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, slot_free);
      g_hash_table_insert (self->emitters, g_strdup (emitter), events);
    }

  slot = g_hash_table_lookup (events, event);
  if (slot == NULL)
    {
      slot = g_new0 (Slot, 1);
      slot->emitter = g_strdup (emitter);
      slot->event = g_strdup (event);
      slot->subscriptions = g_ptr_array_new_with_free_func (subscription_release);
      g_hash_table_insert (events, slot->event, slot);
    }

  return slot;
}

static Subscription *
find_subscription (Slot       *slot,
                   const char *listener,
                   guint      *index)
{
  for (guint i = 0; i < slot->subscriptions->len; i++)
    {
      Subscription *sub = g_ptr_array_index (slot->subscriptions, i);

      if (g_str_equal (sub->listener, listener))
        {
          if (index != NULL)
            *index = i;
          return sub;
        }
    }

  return NULL;
}

static void
remove_subscription (Slot         *slot,
                     Subscription *sub)
{
  g_ptr_array_remove (slot->subscriptions, sub);
}

void
plug_events_subscribe (PlugEvents     *self,
                       const char     *listener,
                       const char     *emitter,
                       const char     *event,
                       gboolean        once,
                       PlugEventFunc   func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  g_autoptr(JsonArray) memory = NULL;
  Subscription *stored = NULL;
  Slot *slot;

  g_return_if_fail (self != NULL);
  g_return_if_fail (listener != NULL && emitter != NULL && event != NULL);
  g_return_if_fail (func != NULL);

  slot = ensure_slot (self, emitter, event);
  if (slot->memory != NULL)
    memory = json_array_ref (slot->memory);

  /* A `once` that the memory satisfies at once is never stored. */
  if (find_subscription (slot, listener, NULL) == NULL &&
      !(once && memory != NULL))
    {
      stored = g_new0 (Subscription, 1);
      stored->ref_count = 1;
      stored->active = TRUE;
      stored->once = once;
      stored->listener = g_strdup (listener);
      stored->func = func;
      stored->user_data = user_data;
      stored->destroy = destroy;
      g_ptr_array_add (slot->subscriptions, stored);
    }

  if (memory != NULL)
    {
      if (stored != NULL)
        subscription_ref (stored);
      func (slot->emitter, slot->event, memory, user_data);
      if (stored != NULL)
        subscription_unref (stored);
    }

  if (stored == NULL && destroy != NULL)
    destroy (user_data);
}

void
plug_events_unsubscribe (PlugEvents *self,
                         const char *listener,
                         const char *emitter,
                         const char *event)
{
  Subscription *sub;
  Slot *slot;

  g_return_if_fail (self != NULL);

  if (listener == NULL || emitter == NULL || event == NULL)
    return;

  slot = lookup_slot (self, emitter, event);
  if (slot == NULL)
    return;

  sub = find_subscription (slot, listener, NULL);
  if (sub != NULL)
    remove_subscription (slot, sub);
}

void
plug_events_emit (PlugEvents *self,
                  const char *emitter,
                  const char *event,
                  JsonArray  *args)
{
  Subscription *prealloc[SNAPSHOT_PREALLOC];
  g_autofree Subscription **allocated = NULL;
  g_autoptr(JsonArray) payload = NULL;
  Subscription **snapshot;
  guint n;
  Slot *slot;

  g_return_if_fail (self != NULL);
  g_return_if_fail (emitter != NULL && event != NULL);

  slot = lookup_slot (self, emitter, event);
  if (slot == NULL)
    return;

  payload = args != NULL ? json_array_ref (args) : json_array_new ();

  /* Memorised first: a listener that subscribes during the delivery gets
   * this payload by replay and not twice. */
  g_clear_pointer (&slot->memory, json_array_unref);
  slot->memory = json_array_ref (payload);

  n = slot->subscriptions->len;
  if (n == 0)
    return;

  snapshot = n <= SNAPSHOT_PREALLOC ? prealloc : (allocated = g_new (Subscription *, n));
  for (guint i = 0; i < n; i++)
    snapshot[i] = subscription_ref (g_ptr_array_index (slot->subscriptions, i));

  for (guint i = 0; i < n; i++)
    {
      Subscription *sub = snapshot[i];

      if (!sub->active)
        continue;

      if (sub->once)
        remove_subscription (slot, sub);
      sub->func (slot->emitter, slot->event, payload, sub->user_data);
    }

  for (guint i = 0; i < n; i++)
    subscription_unref (snapshot[i]);
}

void
plug_events_drop_listener (PlugEvents *self,
                           const char *listener)
{
  GHashTableIter emitters;
  GHashTable *events;

  g_return_if_fail (self != NULL);
  g_return_if_fail (listener != NULL);

  g_hash_table_iter_init (&emitters, self->emitters);
  while (g_hash_table_iter_next (&emitters, NULL, (gpointer *) &events))
    {
      GHashTableIter iter;
      Slot *slot;

      g_hash_table_iter_init (&iter, events);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
        {
          guint index;

          if (find_subscription (slot, listener, &index) != NULL)
            g_ptr_array_remove_index (slot->subscriptions, index);
        }
    }
}

void
plug_events_drop_memory (PlugEvents *self,
                         const char *emitter)
{
  GHashTableIter iter;
  GHashTable *events;
  Slot *slot;

  g_return_if_fail (self != NULL);
  g_return_if_fail (emitter != NULL);

  events = g_hash_table_lookup (self->emitters, emitter);
  if (events == NULL)
    return;

  g_hash_table_iter_init (&iter, events);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &slot))
    g_clear_pointer (&slot->memory, json_array_unref);
}
