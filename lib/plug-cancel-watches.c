/* plug-cancel-watches.c: one cancellable source per GCancellable
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-cancel-watches-private.h"

struct _PlugCancelWatches
{
  GHashTable     *watches;  /* GCancellable → PlugCancelWatch */
  GMainContext   *context;
  PlugCancelFunc  cancel;
};

struct _PlugCancelWatch
{
  PlugCancelWatches *owner;
  GCancellable      *cancellable;  /* the source holds a reference */
  GSource           *source;
  GQueue             items;        /* of PlugCancelLink.link */
  gboolean           cancelling;
};

PlugCancelWatches *
plug_cancel_watches_new (PlugCancelFunc cancel)
{
  PlugCancelWatches *self = g_new0 (PlugCancelWatches, 1);

  self->watches = g_hash_table_new (NULL, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->cancel = cancel;
  return self;
}

void
plug_cancel_watches_free (PlugCancelWatches *self)
{
  g_warn_if_fail (g_hash_table_size (self->watches) == 0);
  g_hash_table_unref (self->watches);
  g_main_context_unref (self->context);
  g_free (self);
}

static void
watch_free (PlugCancelWatch *watch)
{
  g_hash_table_remove (watch->owner->watches, watch->cancellable);
  g_source_destroy (watch->source);
  g_source_unref (watch->source);
  g_free (watch);
}

/* The latest item first: a call queued behind a running one is gone
 * before the running one's end starts the next. Items cancelled may end
 * others, which leave the watch themselves; new ones added meanwhile (a
 * cancelled cancellable) are cancelled too. */
static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  PlugCancelWatch *watch = user_data;
  GList *link;

  watch->cancelling = TRUE;
  while ((link = g_queue_pop_tail_link (&watch->items)) != NULL)
    {
      ((PlugCancelLink *) link)->watch = NULL;
      watch->owner->cancel (link->data);
    }
  watch_free (watch);

  return G_SOURCE_REMOVE;
}

static PlugCancelWatch *
watch_new (PlugCancelWatches *self,
           GCancellable      *cancellable)
{
  PlugCancelWatch *watch = g_new0 (PlugCancelWatch, 1);

  watch->owner = self;
  watch->cancellable = cancellable;
  watch->source = g_cancellable_source_new (cancellable);
  g_source_set_callback (watch->source, G_SOURCE_FUNC (on_cancelled), watch, NULL);
  g_source_set_static_name (watch->source, "[plugctl] calls cancelled");
  g_source_attach (watch->source, self->context);
  g_hash_table_insert (self->watches, cancellable, watch);

  return watch;
}

void
plug_cancel_watches_add (PlugCancelWatches *self,
                         GCancellable      *cancellable,
                         PlugCancelLink    *link,
                         gpointer           item)
{
  PlugCancelWatch *watch = g_hash_table_lookup (self->watches, cancellable);

  g_return_if_fail (link->watch == NULL);

  if (watch == NULL)
    watch = watch_new (self, cancellable);
  link->link.data = item;
  link->watch = watch;
  g_queue_push_tail_link (&watch->items, &link->link);
}

void
plug_cancel_watches_remove (PlugCancelWatches *self,
                            PlugCancelLink    *link)
{
  PlugCancelWatch *watch = link->watch;

  if (watch == NULL)
    return;
  g_queue_unlink (&watch->items, &link->link);
  link->watch = NULL;
  if (g_queue_is_empty (&watch->items) && !watch->cancelling)
    watch_free (watch);
}
