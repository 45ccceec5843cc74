/* plug-call-private.h: how the engine and the client observe a call's end
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-call.h"

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

G_END_DECLS
