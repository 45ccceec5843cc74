/* plug-client.h: what a plugin written in C links to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>

#include "plug-macros.h"
#include "plug-call.h"
#include "plug-client-connector.h"
#include "plug-plugin.h"

G_BEGIN_DECLS

#define PLUG_TYPE_CLIENT (plug_client_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugClient, plug_client, PLUG, CLIENT, GObject)

/**
 * PlugClient:
 *
 * The plugin side of the protocol, Remix's PluginClient in C. Add methods,
 * then run:
 *
 * |[<!-- language="C" -->
 * static void
 * echo (PlugCall *call, gpointer user_data)
 * {
 *   plug_call_return_value (call, json_array_get_element (plug_call_get_args (call), 0));
 * }
 *
 * int
 * main (void)
 * {
 *   g_autoptr(PlugClient) client = plug_client_new_for_environment (NULL);
 *   plug_client_add_method (client, "echo", echo, NULL, NULL);
 *   return plug_client_run (client);
 * }
 * ]|
 *
 * The client answers the engine's handshake with its method names,
 * answers each request by calling the method (synchronously or later:
 * the #PlugCall is answered once, whenever), and sends a failed method's
 * error text as the response's `error`. A request for a method it does
 * not have fails with `Method <m> doesn't exist on plugin <name>`.
 * Signals: `activated` (the first handshake arrived), `closed` (the
 * engine went away).
 */

PLUG_AVAILABLE_IN_ALL
PlugClient   *plug_client_new              (PlugClientConnector  *connector);
/* The connector a plugin process was started with: the channel of
 * NODE_CHANNEL_FD (child-process connector); else, when
 * PLUGCTL_DBUS_NAME is set, that name on D-Bus (the `dbus` connector,
 * see plug-dbus-client-connector.h: a D-Bus .service file's Exec can be
 * `env PLUGCTL_DBUS_NAME=org.example.Plugin /path/to/plugin`, unchanged).
 * On error prints nothing and returns NULL. */
PLUG_AVAILABLE_IN_ALL
PlugClient   *plug_client_new_for_environment (GError            **error);

PLUG_AVAILABLE_IN_ALL
void          plug_client_add_method       (PlugClient          *self,
                                            const char          *name,
                                            PlugMethodFunc       func,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy);
/* The plugin's name, from the handshake; NULL before. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_client_get_name         (PlugClient          *self);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_client_is_activated     (PlugClient          *self);

/* Calls a method of another plugin (or a service path) through the engine.
 * Fails at once when not activated or when the engine is gone. */
PLUG_AVAILABLE_IN_ALL
void          plug_client_call             (PlugClient          *self,
                                            const char          *path,
                                            const char          *method,
                                            JsonArray           *args,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_client_call_finish      (PlugClient          *self,
                                            GAsyncResult        *result,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
void          plug_client_cancel           (PlugClient          *self,
                                            const char          *path,
                                            const char          *method);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_client_emit             (PlugClient          *self,
                                            const char          *event,
                                            JsonArray           *args,
                                            GError             **error);
PLUG_AVAILABLE_IN_ALL
void          plug_client_on               (PlugClient          *self,
                                            const char          *emitter,
                                            const char          *event,
                                            PlugEventFunc        func,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy);
PLUG_AVAILABLE_IN_ALL
void          plug_client_once             (PlugClient          *self,
                                            const char          *emitter,
                                            const char          *event,
                                            PlugEventFunc        func,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy);
PLUG_AVAILABLE_IN_ALL
void          plug_client_off              (PlugClient          *self,
                                            const char          *emitter,
                                            const char          *event);

/* Starts the connector and runs the thread-default main context until
 * the engine closes the channel. Returns 0, for main() to return; 1 when
 * the engine offered no plugctl protocol version this library speaks. */
PLUG_AVAILABLE_IN_ALL
int           plug_client_run              (PlugClient          *self);

/**
 * PlugClientModuleSetupFunc:
 * @client: a client whose connector is ready, not started yet
 *
 * The entry point of a plugin built as a shared module for the `thread`
 * connector: it adds the plugin's methods (and listeners) to @client and
 * returns; the connector then runs @client on the plugin's own thread.
 * It must not call plug_client_run() itself, nor block.
 */
typedef void (*PlugClientModuleSetupFunc) (PlugClient *client);

/* The name of the entry point a `thread` plugin module exports. */
#define PLUG_CLIENT_MODULE_SETUP_SYMBOL "plug_client_module_setup"

/**
 * PLUG_CLIENT_DEFINE_MODULE:
 * @setup_func: a #PlugClientModuleSetupFunc
 *
 * Exports the entry point of a `thread` plugin module, so that the same
 * source builds as a program (main() calls @setup_func, then
 * plug_client_run()) and as a module:
 *
 * |[<!-- language="C" -->
 * #ifdef MY_PLUGIN_MODULE
 * PLUG_CLIENT_DEFINE_MODULE (my_plugin_setup)
 * #else
 * int main (void) { … my_plugin_setup (client); return plug_client_run (client); }
 * #endif
 * ]|
 */
#define PLUG_CLIENT_DEFINE_MODULE(setup_func)                                  \
  G_MODULE_EXPORT void plug_client_module_setup (PlugClient *client);          \
  G_MODULE_EXPORT void                                                         \
  plug_client_module_setup (PlugClient *client)                                \
  {                                                                            \
    (setup_func) (client);                                                     \
  }

G_END_DECLS
