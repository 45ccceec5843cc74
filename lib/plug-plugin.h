/* plug-plugin.h: a plugin as the engine sees it
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
#include "plug-call.h"
#include "plug-profile.h"

G_BEGIN_DECLS

typedef struct _PlugEngine PlugEngine;

/**
 * PlugPluginState:
 * @PLUG_PLUGIN_STATE_INACTIVE: registered, not running
 * @PLUG_PLUGIN_STATE_ACTIVATING: started, handshake not finished
 * @PLUG_PLUGIN_STATE_ACTIVE: serving calls
 * @PLUG_PLUGIN_STATE_DEACTIVATING: stopping
 * @PLUG_PLUGIN_STATE_FAILED: lost more often than its restart budget
 *   allows (see #PlugRestartPolicy); not running, and calls do not start
 *   it: only an explicit activation does
 */
typedef enum
{
  PLUG_PLUGIN_STATE_INACTIVE,
  PLUG_PLUGIN_STATE_ACTIVATING,
  PLUG_PLUGIN_STATE_ACTIVE,
  PLUG_PLUGIN_STATE_DEACTIVATING,
  PLUG_PLUGIN_STATE_FAILED,
} PlugPluginState;

/**
 * PlugEventFunc:
 * @emitter: the plugin that emitted the event
 * @event: the event's name
 * @args: (transfer none): its arguments
 * @user_data: the data given when subscribing
 */
typedef void (*PlugEventFunc) (const char *emitter,
                               const char *event,
                               JsonArray  *args,
                               gpointer    user_data);

#define PLUG_TYPE_PLUGIN (plug_plugin_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (PlugPlugin, plug_plugin, PLUG, PLUGIN, GObject)

/**
 * PlugPluginClass:
 * @activate: start the plugin (default: succeeds at once)
 * @deactivate: stop it (default: succeeds at once)
 * @call_method: run @call; answer it through the #PlugCall (default:
 *   the method table of plug_plugin_add_method(), or the error
 *   `Method <m> is not implemented by <name>`)
 * @cancel_call: @call has ended early (timeout, cancel); tell the
 *   implementation, which may stop work (default: nothing)
 *
 * A plugin that lives in the engine's process is a #PlugPlugin with a
 * method table, or a subclass. Plugins in other processes, threads or
 * machines are #PlugConnector subclasses.
 */
struct _PlugPluginClass
{
  GObjectClass parent_class;

  void      (*activate)          (PlugPlugin          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  gboolean  (*activate_finish)   (PlugPlugin          *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  void      (*deactivate)        (PlugPlugin          *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  gboolean  (*deactivate_finish) (PlugPlugin          *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  void      (*call_method)       (PlugPlugin          *self,
                                  PlugCall            *call);
  void      (*cancel_call)       (PlugPlugin          *self,
                                  PlugCall            *call);

  /*< private >*/
  gpointer _reserved[8];
};

PLUG_AVAILABLE_IN_ALL
PlugPlugin     *plug_plugin_new            (PlugProfile     *profile);
PLUG_AVAILABLE_IN_ALL
PlugProfile    *plug_plugin_get_profile    (PlugPlugin      *self);
PLUG_AVAILABLE_IN_ALL
const char     *plug_plugin_get_name       (PlugPlugin      *self);
/* (nullable) (transfer none): set while registered */
PLUG_AVAILABLE_IN_ALL
PlugEngine     *plug_plugin_get_engine     (PlugPlugin      *self);
PLUG_AVAILABLE_IN_ALL
PlugPluginState plug_plugin_get_state      (PlugPlugin      *self);

/* Adds @name to the method table and to the profile's methods. */
PLUG_AVAILABLE_IN_ALL
void            plug_plugin_add_method     (PlugPlugin      *self,
                                            const char      *name,
                                            PlugMethodFunc   func,
                                            gpointer         user_data,
                                            GDestroyNotify   destroy);

/**
 * plug_plugin_lost:
 * @cause: why, naming the plugin and the cause (exit status, signal)
 *
 * For implementations: the plugin's transport closed or its process
 * exited while it was active or activating. The engine fails every pending
 * call of the plugin with @cause, deactivates it, emits
 * `pluginDeactivated`, and goes on. Emits #PlugPlugin::lost.
 */
PLUG_AVAILABLE_IN_ALL
void            plug_plugin_lost           (PlugPlugin      *self,
                                            const GError    *cause);

/* The plugin's own view of the engine (caller = this plugin). */
PLUG_AVAILABLE_IN_ALL
void            plug_plugin_call           (PlugPlugin          *self,
                                            const char          *path,
                                            const char          *method,
                                            JsonArray           *args,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
PLUG_AVAILABLE_IN_ALL
JsonNode       *plug_plugin_call_finish    (PlugPlugin          *self,
                                            GAsyncResult        *result,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
gboolean        plug_plugin_emit           (PlugPlugin          *self,
                                            const char          *event,
                                            JsonArray           *args,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
gboolean        plug_plugin_on             (PlugPlugin          *self,
                                            const char          *emitter,
                                            const char          *event,
                                            PlugEventFunc        func,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
gboolean        plug_plugin_once           (PlugPlugin          *self,
                                            const char          *emitter,
                                            const char          *event,
                                            PlugEventFunc        func,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
void            plug_plugin_off            (PlugPlugin          *self,
                                            const char          *emitter,
                                            const char          *event);

G_END_DECLS
