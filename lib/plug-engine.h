/* plug-engine.h: registry, activation, call routing and events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "plug-macros.h"
#include "plug-plugin.h"
#include "plug-profile.h"

G_BEGIN_DECLS

/* Plugins one engine holds, its manager aside; one more fails to register. */
#define PLUG_ENGINE_MAX_PLUGINS 10000

typedef struct _PlugManager PlugManager;

#define PLUG_TYPE_ENGINE (plug_engine_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugEngine, plug_engine, PLUG, ENGINE, GObject)

/**
 * PlugEngine:
 *
 * The plugin engine of PROTOCOL.md §2–§6. It lives in the thread-default
 * main context of the thread that created it, and every function must be
 * called from that thread. A new engine has its `manager` plugin
 * registered and active.
 */

PLUG_AVAILABLE_IN_ALL
PlugEngine   *plug_engine_new                (void);
PLUG_AVAILABLE_IN_ALL
PlugManager  *plug_engine_get_manager        (PlugEngine          *self);

/* `Plugin <name> is already registered.` on a duplicate name; past
 * %PLUG_ENGINE_MAX_PLUGINS, `Cannot register plugin <name>: the engine
 * holds <N> plugins, its limit`. Emits the manager's profileAdded. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_register           (PlugEngine          *self,
                                              PlugPlugin          *plugin,
                                              GError             **error);
/* Creates the plugin for @profile through the connector it names (see
 * plug-connector-module.h) and registers it.
 * Returns: (transfer none) (nullable): the plugin, owned by the engine */
PLUG_AVAILABLE_IN_ALL
PlugPlugin   *plug_engine_register_profile   (PlugEngine          *self,
                                              PlugProfile         *profile,
                                              GError             **error);
/* plug_engine_on() and plug_engine_once() call @destroy at once when they
 * fail, and when a repeated subscription is not stored (one subscription per
 * listener, emitter and event). */

/* Deactivates @name if needed, then forgets the plugin and its profile. */
PLUG_AVAILABLE_IN_ALL
void          plug_engine_remove             (PlugEngine          *self,
                                              const char          *name,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_remove_finish      (PlugEngine          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/**
 * PlugEngineResolveFunc:
 *
 * Called when a plugin is looked up by a name nothing is registered
 * under (a call, a subscription, an activation): it may register it
 * then, e.g. from a manifest whose connector was not loaded yet. Not
 * called again for a lookup it makes itself.
 */
typedef void (*PlugEngineResolveFunc) (PlugEngine *engine,
                                       const char *name,
                                       gpointer    user_data);

PLUG_AVAILABLE_IN_ALL
void          plug_engine_set_resolver       (PlugEngine            *self,
                                              PlugEngineResolveFunc  func,
                                              gpointer               user_data,
                                              GDestroyNotify         destroy);
/* Whether @name is registered now (the resolver is not asked). */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_is_registered      (PlugEngine          *self,
                                              const char          *name);
/* (transfer none) (nullable) */
PLUG_AVAILABLE_IN_ALL
PlugPlugin   *plug_engine_get_plugin         (PlugEngine          *self,
                                              const char          *name);
/* (transfer container) (element-type PlugPlugin): sorted by name */
PLUG_AVAILABLE_IN_ALL
GPtrArray    *plug_engine_list_plugins       (PlugEngine          *self);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_is_active          (PlugEngine          *self,
                                              const char          *name);

/* Activation and deactivation with the manager's authority (no permission
 * check, as Remix's toggleActive); both are no-ops on a plugin already in
 * the requested state, and concurrent requests share one activation. */
PLUG_AVAILABLE_IN_ALL
void          plug_engine_activate           (PlugEngine          *self,
                                              const char          *name,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_activate_finish    (PlugEngine          *self,
                                              GAsyncResult        *result,
                                              GError             **error);
PLUG_AVAILABLE_IN_ALL
void          plug_engine_deactivate         (PlugEngine          *self,
                                              const char          *name,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_deactivate_finish  (PlugEngine          *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/**
 * plug_engine_call:
 * @caller: the calling plugin's name (it must be registered and active)
 * @path: the target, or a service path such as `cmd.git`
 * @args: (nullable): the arguments
 *
 * PROTOCOL.md §3: activates an inactive target when the manager allows,
 * checks the method is exposed, queues the call on the target (FIFO,
 * the profile's concurrency), and fails it after the target's call timeout.
 * Cancelling @cancellable cancels this one call.
 */
PLUG_AVAILABLE_IN_ALL
void          plug_engine_call               (PlugEngine          *self,
                                              const char          *caller,
                                              const char          *path,
                                              const char          *method,
                                              JsonArray           *args,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* Returns: (transfer full): the result (a JSON null for none) */
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_engine_call_finish        (PlugEngine          *self,
                                              GAsyncResult        *result,
                                              GError             **error);
/* The same, as compact JSON text (g_free): an answer that came from a
 * plugin is not parsed. @length: (out) (optional). */
PLUG_AVAILABLE_IN_ALL
char         *plug_engine_call_finish_text   (PlugEngine          *self,
                                              GAsyncResult        *result,
                                              gsize               *length,
                                              GError             **error);
/* Cancels every queued or running call of @caller to @method of @target
 * (every method when @method is NULL or empty), each failing with
 * `[CANCEL] Canceled call <m> from <caller>`. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_cancel             (PlugEngine          *self,
                                              const char          *caller,
                                              const char          *target,
                                              const char          *method,
                                              GError             **error);

/* Events, PROTOCOL.md §4. @listener must be registered and active. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_on                 (PlugEngine          *self,
                                              const char          *listener,
                                              const char          *emitter,
                                              const char          *event,
                                              PlugEventFunc        func,
                                              gpointer             user_data,
                                              GDestroyNotify       destroy,
                                              GError             **error);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_once               (PlugEngine          *self,
                                              const char          *listener,
                                              const char          *emitter,
                                              const char          *event,
                                              PlugEventFunc        func,
                                              gpointer             user_data,
                                              GDestroyNotify       destroy,
                                              GError             **error);
PLUG_AVAILABLE_IN_ALL
void          plug_engine_off                (PlugEngine          *self,
                                              const char          *listener,
                                              const char          *emitter,
                                              const char          *event);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_engine_emit               (PlugEngine          *self,
                                              const char          *emitter,
                                              const char          *event,
                                              JsonArray           *args,
                                              GError             **error);

/**
 * plug_engine_get_status:
 * @name: a registered plugin
 *
 * What runs (for `plugctl status`): a new JSON object with members
 * `name`, `state` ("inactive", "activating", "active", "deactivating",
 * "failed"), `connector`, `version` (when the profile has one), `pid`
 * (while a process runs), `startedAt` (ISO 8601, UTC) and `uptime` (ms)
 * while active, `activationTime` (ms the last activation took),
 * `restarts` (by the restart policy), `lastError` (the last loss or
 * failed activation), `pendingCalls` (queued and running) and
 * `oldestCallAge` (ms, when there are any), and for connectors
 * `protocolVersion` (0: a Remix client), `messagesIn`, `messagesOut`.
 * Absent members have no value.
 *
 * Returns: (transfer full) (nullable): the status, or NULL with
 *   %PLUG_ERROR_NOT_REGISTERED
 */
PLUG_AVAILABLE_IN_ALL
JsonObject   *plug_engine_get_status         (PlugEngine          *self,
                                              const char          *name,
                                              GError             **error);

G_END_DECLS
