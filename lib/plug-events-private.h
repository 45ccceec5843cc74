/* plug-events-private.h: subscriptions and the memory of events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "plug-plugin.h"

G_BEGIN_DECLS

/* PROTOCOL.md §4, without the checks on who may listen or emit (the
 * engine does those). */
typedef struct _PlugEvents PlugEvents;

PlugEvents *plug_events_new              (void);
void        plug_events_free             (PlugEvents    *self);

/* Subscribes @listener (once: for one delivery). A listener has one
 * subscription per (emitter, event): a repeated subscription keeps the
 * first callback and only gets the replay. The memorised payload, if
 * any, is delivered to @func at once. @destroy runs when the
 * subscription ends, or at once when @func was not stored. */
void        plug_events_subscribe        (PlugEvents    *self,
                                          const char    *listener,
                                          const char    *emitter,
                                          const char    *event,
                                          gboolean       once,
                                          PlugEventFunc  func,
                                          gpointer       user_data,
                                          GDestroyNotify destroy);
/* No-op when there is no such subscription. */
void        plug_events_unsubscribe      (PlugEvents    *self,
                                          const char    *listener,
                                          const char    *emitter,
                                          const char    *event);
/* Delivers to every subscriber, in subscription order, and memorises
 * @args once anyone has ever listened to (emitter, event). */
/* Whether anyone ever listened to (emitter, event): an emit of it that
 * nobody heard need not even be parsed. */
gboolean    plug_events_is_heard         (PlugEvents    *self,
                                          const char    *emitter,
                                          const char    *event);
void        plug_events_emit             (PlugEvents    *self,
                                          const char    *emitter,
                                          const char    *event,
                                          JsonArray     *args);
/* Drops every subscription of @listener. */
void        plug_events_drop_listener    (PlugEvents    *self,
                                          const char    *listener);
/* Forgets the memorised payloads of @emitter's events. */
void        plug_events_drop_memory      (PlugEvents    *self,
                                          const char    *emitter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugEvents, plug_events_free)

G_END_DECLS
