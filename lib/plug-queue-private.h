/* plug-queue-private.h: the FIFO of calls to one target plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-call.h"
#include "plug-plugin.h"

G_BEGIN_DECLS

/* PROTOCOL.md §3: calls start in arrival order, up to the target's
 * concurrency at once and only while the target is active; each running
 * call fails after the target's call timeout. The queue never answers a
 * call itself except through plug_call_end(); whoever owns the call's done
 * func reports its end with plug_queue_call_done(). */
typedef struct _PlugQueue PlugQueue;

/* Decides, right before a call starts, whether it may run (the engine
 * checks exposure against the profile of the now active target).
 * Returns NULL or the error to end the call with. */
typedef GError *(*PlugQueueCheckFunc) (PlugCall *call,
                                       gpointer  user_data);

PlugQueue  *plug_queue_new          (PlugPlugin         *target,
                                     PlugQueueCheckFunc  check,
                                     gpointer            check_data);
void        plug_queue_free         (PlugQueue          *self);

/* Appends @call (a reference is taken). @checked: the check already
 * passed, do not run it again. Starts it when possible. When the target
 * already holds its profile's maxQueue calls, ends @call at once instead. */
void        plug_queue_push         (PlugQueue          *self,
                                     PlugCall           *call,
                                     gboolean            checked);
/* @call (one of this queue's) has finished: forget it and start the next. */
void        plug_queue_call_done    (PlugQueue          *self,
                                     PlugCall           *call);
/* Starts what can start (call it when the target became active). */
void        plug_queue_pump         (PlugQueue          *self);
/* Ends @call with @error; a running call's target is told through its
 * cancel_call vfunc before the next call starts. */
void        plug_queue_cancel       (PlugQueue          *self,
                                     PlugCall           *call,
                                     const GError       *error);
/* Nothing starts between hold and release (e.g. while cancelling a set
 * of calls, so that none of them starts in between); release starts what
 * can start. Nestable. */
void        plug_queue_hold         (PlugQueue          *self);
void        plug_queue_release      (PlugQueue          *self);
/* Ends every queued and running call: with @cause, or when NULL with
 * `Plugin <name> was deactivated before call <m> from <caller> finished`.
 * Nothing new starts from here. */
void        plug_queue_fail_all     (PlugQueue          *self,
                                     const GError       *cause);
/* Ends the running calls with @cause; the waiting ones stay (the target
 * is being restarted). */
void        plug_queue_fail_running (PlugQueue          *self,
                                     const GError       *cause);
/* (transfer container): the running then the waiting calls of @caller
 * (to @method, or any method when NULL or empty), in order. */
GPtrArray  *plug_queue_find_calls   (PlugQueue          *self,
                                     const char         *caller,
                                     const char         *method);
guint       plug_queue_get_n_waiting (PlugQueue         *self);
guint       plug_queue_get_n_running (PlugQueue         *self);
/* When the oldest running or waiting call was queued (monotonic µs), or
 * 0 when there is none. */
gint64      plug_queue_get_oldest_time (PlugQueue       *self);

G_END_DECLS
