/* plug-spin.h: a short, bounded spin before the main loop blocks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <glib.h>

#include "plug-macros.h"

G_BEGIN_DECLS

/**
 * SECTION: spin
 *
 * On a VM, a thread that blocks lets its vCPU go idle, and waking it
 * costs tens of microseconds: more than a call. While messages flow,
 * plugctl polls a little before it blocks (see plug-spin.c for the
 * rules). PlugChannel does it for the engine and the C client; a
 * connector with a transport of its own calls plug_spin_attach() on the
 * context it receives on, plug_spin_note_activity() for each message
 * sent or received, and plug_spin_wait() before a blocking wait of its
 * own (a worker thread's queue).
 */

/* The default of $PLUGCTL_SPIN_US: how long, at most, a main loop with
 * messages in flight polls without blocking before it sleeps. */
#define PLUG_SPIN_DEFAULT_US 250
/* Where the adaptive budget starts. */
#define PLUG_SPIN_START_US 50

/* Makes @context spin before it blocks while messages flow (see
 * plug-spin.c); once per context; not when the spin is off. */
PLUG_AVAILABLE_IN_ALL
void     plug_spin_attach          (GMainContext *context);
/* A message came or went: the loop is hot for a while. */
PLUG_AVAILABLE_IN_ALL
void     plug_spin_note_activity   (void);
/* The spin limit in µs ($PLUGCTL_SPIN_US), 0 when off. */
PLUG_AVAILABLE_IN_ALL
guint    plug_spin_get_limit       (void);
/* While messages flow, calls @ready (yielding the CPU between calls)
 * until it returns TRUE or the budget is spent: TRUE when it did. */
PLUG_AVAILABLE_IN_ALL
gboolean plug_spin_wait            (GSourceFunc   ready,
                                    gpointer      user_data);

G_END_DECLS
