/* plug-cancel-watches-private.h: one cancellable source per GCancellable
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Items (calls) cancelled through the same GCancellable share one
 * GCancellableSource: the GIO idiom of one cancellable for a group of
 * operations then costs one source and one signal handler, not one of
 * each per item. */
typedef struct _PlugCancelWatches PlugCancelWatches;
typedef struct _PlugCancelWatch PlugCancelWatch;

/* Runs on the context the watches were made on, once per item, with the
 * item already removed. */
typedef void (*PlugCancelFunc) (gpointer item);

/* Embedded in an item: zero it before plug_cancel_watches_add(). */
typedef struct
{
  GList            link;
  PlugCancelWatch *watch;
} PlugCancelLink;

PlugCancelWatches *plug_cancel_watches_new    (PlugCancelFunc     cancel);
/* Every item must have been removed. */
void               plug_cancel_watches_free   (PlugCancelWatches *self);

void               plug_cancel_watches_add    (PlugCancelWatches *self,
                                               GCancellable      *cancellable,
                                               PlugCancelLink    *link,
                                               gpointer           item);
/* Does nothing when @link is in no watch (never added, or cancelled). */
void               plug_cancel_watches_remove (PlugCancelWatches *self,
                                               PlugCancelLink    *link);

G_END_DECLS
