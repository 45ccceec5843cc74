/* plug-call-private.h: how the engine and the client observe a call's end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "plug-call.h"
#include "plug-message.h"

G_BEGIN_DECLS

/* Called once, when the call is answered (by a return function or by
 * plug_call_end()). The call holds no reference to @user_data. */
typedef void (*PlugCallDoneFunc) (PlugCall *call,
                                  gpointer  user_data);

void      plug_call_set_done_func (PlugCall         *self,
                                   PlugCallDoneFunc  func,
                                   gpointer          user_data);
/* Ends the call from outside (timeout, cancel, plugin lost): @error becomes
 * its answer, its cancellable is cancelled, the done func runs. Returns
 * FALSE (and does nothing) when the call had already finished. A later
 * return_value/return_error is dropped. */
gboolean  plug_call_end           (PlugCall         *self,
                                   const GError     *error);

/* A call whose arguments are @request's payload, parsed only when asked
 * for: forwarded as text otherwise. Target and method: its name and key. */
PlugCall    *plug_call_new_for_request  (const char          *caller,
                                         PlugMessage         *request);
/* The arguments' compact JSON text while they were not parsed, or NULL. */
const char  *plug_call_peek_args_text   (PlugCall            *self,
                                         gsize               *length);
/* Answers with @response's payload (parsed only when asked for). */
void         plug_call_return_response  (PlugCall            *self,
                                         PlugMessage         *response);
/* The result's compact JSON text while it was not parsed, or NULL. */
const char  *plug_call_peek_result_text (PlugCall            *self,
                                         gsize               *length);

/* PlugCall is the GAsyncResult of plug_engine_call(): */
void         plug_call_set_async        (PlugCall            *self,
                                         GObject             *source_object,
                                         gpointer             source_tag,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
/* Runs the callback (once). */
void         plug_call_complete_async   (PlugCall            *self);

G_END_DECLS
