/* plug-engine-entry-private.h: one registered plugin, shared by the
 * engine's registry (plug-engine.c) and its activation
 * (plug-engine-activation.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-engine-private.h"

G_BEGIN_DECLS

/* One registered plugin, a g_rc_box (see plug-engine-private.h). */
struct _PlugEngineEntry
{
  PlugEngine *engine;
  PlugPlugin *plugin;
  PlugQueue *queue;
  gulong lost_handler;    /* connected by the first activation */

  /* Made on first use, like crash_times: most plugins never run. */
  GPtrArray *activate_waiters;    /* GTask */
  GPtrArray *deactivate_waiters;  /* GTask */
  /* Bumped whenever an activation in progress is abandoned. */
  guint activation_serial;
  GCancellable *activation_cancellable;
  /* A call arrived while deactivating: activate again afterwards. */
  gboolean activate_after_deactivation;
  /* The deactivation in progress follows an activation that completed. */
  gboolean deactivating_was_active;
  gboolean removing;

  /* Restart policy (PlugRestartPolicy): lost and coming back. */
  gboolean restarting;
  gboolean budget_spent;    /* the restart ends in FAILED */
  GArray *crash_times;      /* gint64, monotonic µs, within the window */
  GSource *restart_timer;   /* the backoff */
  GError *failure;          /* why it is FAILED */

  PlugEngineEntryStats stats;
};


static inline const char *
entry_name (PlugEngineEntry *entry)
{
  return plug_plugin_get_name (entry->plugin);
}

static inline PlugPluginState
entry_state (PlugEngineEntry *entry)
{
  return plug_plugin_get_state (entry->plugin);
}

/* Starts an activation, or joins the one in progress; @waiter (nullable)
 * is completed with its outcome. */
void plug_engine_entry_request_activation   (PlugEngineEntry *entry,
                                             GTask           *waiter);
void plug_engine_entry_request_deactivation (PlugEngineEntry *entry,
                                             GTask           *waiter);
void plug_engine_entry_clear_restart_timer  (PlugEngineEntry *entry);

G_END_DECLS
