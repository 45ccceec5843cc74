/* plug-spin-private.h: a short, bounded spin before the main loop blocks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The default of $PLUGCTL_SPIN_US: how long, at most, a main loop with
 * messages in flight polls without blocking before it sleeps. */
#define PLUG_SPIN_DEFAULT_US 250
/* Where the adaptive budget starts. */
#define PLUG_SPIN_START_US 50

/* Makes @context spin before it blocks while messages flow (see
 * plug-spin.c); once per context; not when the spin is off. */
void     plug_spin_attach          (GMainContext *context);
/* A message came or went: the loop is hot for a while. */
void     plug_spin_note_activity   (void);
/* The spin limit in µs ($PLUGCTL_SPIN_US), 0 when off. */
guint    plug_spin_get_limit       (void);

G_END_DECLS
