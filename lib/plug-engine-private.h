/* plug-engine-private.h: engine entry points for the library's own parts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-call.h"
#include "plug-engine.h"
#include "plug-cancel-watches-private.h"
#include "plug-events-private.h"
#include "plug-message.h"
#include "plug-queue-private.h"

G_BEGIN_DECLS

/* The name the engine gives itself in the handshake: ["<plugin>", "plugctl"]. */
#define PLUG_ENGINE_HANDSHAKE_NAME "plugctl"

/* @plugin's profile changed (its handshake replaced the methods, or
 * updateProfile merged fields): the manager emits `profileUpdated` and its
 * `profile-updated` signal. */
void      plug_engine_profile_updated (PlugEngine  *self,
                                       PlugPlugin  *plugin);

/* Shared by plug-engine.c and plug-engine-call.c only. */

/* One registered plugin. Reference counted: activations, deactivations
 * and calls in flight keep it alive after a removal. */
typedef struct _PlugEngineEntry PlugEngineEntry;

/* (transfer none) (nullable): NULL when @name is NULL, unknown or being
 * removed */
PlugEngineEntry  *plug_engine_lookup_entry        (PlugEngine       *self,
                                                   const char       *name);
/* (transfer none) */
PlugEvents       *plug_engine_get_events          (PlugEngine       *self);
/* (transfer none): the source that delivers answers plug_engine_call()
 * had before it returned (made by plug_engine_completions_new()). */
GSource          *plug_engine_get_completions     (PlugEngine       *self);
GSource          *plug_engine_completions_new     (void);
/* (transfer none): the calls' cancellables, watched one source each */
PlugCancelWatches *plug_engine_get_cancel_watches (PlugEngine       *self);
/* A PlugCancelFunc: cancels a call plug_engine_call() made */
void              plug_engine_cancel_request      (gpointer          item);
/* plug_engine_emit() of a plugin's emit (@message, its key the event,
 * its payload an array): parsed only when someone listens. */
gboolean          plug_engine_emit_message        (PlugEngine          *self,
                                                   const char          *emitter,
                                                   PlugMessage         *message,
                                                   GError             **error);
/* plug_engine_call() for a plugin's request: the arguments go on as the
 * text they came in unless the target parses them. */
void              plug_engine_call_request        (PlugEngine          *self,
                                                   const char          *caller,
                                                   PlugMessage         *request,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Whether @name is registered and active or activating. */
gboolean          plug_engine_can_act             (PlugEngine       *self,
                                                   const char       *name);
PlugEngineEntry  *plug_engine_entry_ref           (PlugEngineEntry  *entry);
void              plug_engine_entry_unref         (gpointer          entry);
/* (transfer none) */
PlugEngine       *plug_engine_entry_get_engine    (PlugEngineEntry  *entry);
/* (transfer none) */
PlugPlugin       *plug_engine_entry_get_plugin    (PlugEngineEntry  *entry);
/* (transfer none) */
PlugQueue        *plug_engine_entry_get_queue     (PlugEngineEntry  *entry);
/* What plug_engine_get_status() shows of an entry. */
typedef struct
{
  GError *last_error;          /* the last loss or failed activation */
  guint restarts;              /* restarts made by the restart policy */
  gint64 activation_started;   /* monotonic µs */
  gint64 activation_duration;  /* µs, of the last activation that finished */
  gint64 active_since;         /* real time µs; 0 when not active */
} PlugEngineEntryStats;

PlugEngineEntryStats *plug_engine_entry_get_stats (PlugEngineEntry *entry);
/* (transfer none) (nullable): why the plugin is FAILED */
const GError     *plug_engine_entry_get_failure   (PlugEngineEntry  *entry);
/* Starts the activation of @entry's plugin, or joins the one in progress. */
void              plug_engine_entry_activate      (PlugEngineEntry  *entry);

/* The PlugQueueCheckFunc of every entry's queue (@user_data: the entry):
 * exposure against the current profile, then the call permission. */
GError           *plug_engine_check_call          (PlugCall         *call,
                                                   gpointer          user_data);

G_END_DECLS
