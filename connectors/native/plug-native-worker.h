/* plug-native-worker.h: the threads a native plugin's functions run on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"
#include "plug-native-library.h"

G_BEGIN_DECLS

typedef struct _PlugNativeWorker PlugNativeWorker;

/* Starts @n_threads threads that take calls in FIFO order; results come
 * back in the thread-default main context of the caller. */
PlugNativeWorker *plug_native_worker_new         (const char          *plugin,
                                                  PlugNativeLibrary   *library,
                                                  guint                n_threads,
                                                  GError             **error);
/* Runs @function with @values (copied; its strings point into the call's
 * arguments) on a thread, unless the call has ended before its turn comes,
 * and answers @call with its result. */
void              plug_native_worker_push        (PlugNativeWorker    *self,
                                                  PlugCall            *call,
                                                  PlugNativeFunction  *function,
                                                  const PlugNativeValue *values);
/* Lets the threads finish the function they run and joins them; those
 * still running after @wait_ms are left to finish on their own (a C
 * function cannot be interrupted), with a warning. Always succeeds. */
void              plug_native_worker_stop        (PlugNativeWorker    *self,
                                                  guint                wait_ms,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          plug_native_worker_stop_finish (GAsyncResult        *result,
                                                  GError             **error);
/* Drops the owner's reference; threads not stopped yet are stopped
 * without waiting. */
void              plug_native_worker_unref       (PlugNativeWorker    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugNativeWorker, plug_native_worker_unref)

G_END_DECLS
