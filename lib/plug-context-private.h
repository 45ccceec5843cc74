/* plug-context-private.h: small helpers on GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For a source that says it is ready in its prepare: makes sure @context
 * prepares again soon. A thread polling the context owns it; when this
 * thread can own it, no one is polling, and the next iteration prepares
 * first. (g_source_set_ready_time() would write the context's wake-up
 * eventfd every time, and its poll and read cost two more system calls.) */
static inline void
plug_context_wake_if_polled (GMainContext *context)
{
  if (g_main_context_acquire (context))
    g_main_context_release (context);
  else
    g_main_context_wakeup (context);
}

G_END_DECLS
