/* plug-listener.h: the engine listens for plugins that connect to it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>

#include "plug-macros.h"
#include "plug-engine.h"

G_BEGIN_DECLS

/* Implementations of #PlugListener, named by the URI scheme they serve
 * (`ws`), come from connector modules like connectors do (see
 * plug-connector-module.h, PLUG_DEFINE_CONNECTOR_MODULE_WITH_LISTENER()). */
#define PLUG_LISTENER_EXTENSION_POINT_NAME "plugctl-listener"

#define PLUG_TYPE_LISTENER (plug_listener_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (PlugListener, plug_listener, PLUG, LISTENER, GObject)

/**
 * PlugListenerClass:
 * @start: bind the address of the "uri" property and start accepting
 *   connections in the thread-default main context; on success call
 *   plug_listener_set_bound_uri() with the address actually bound (a
 *   port 0 replaced by the real one)
 *
 * A listener accepts connections of plugins that come to the engine
 * (for instance pages of a web browser), checks that each presents the
 * listener's token and claims a name its profile allows, and hands it
 * to that plugin's connector. Dropping the last reference stops it;
 * connections already handed over stay with their plugins.
 */
struct _PlugListenerClass
{
  GObjectClass parent_class;

  gboolean (*start) (PlugListener  *self,
                     GError       **error);

  /*< private >*/
  gpointer _reserved[8];
};

/* Registers the extension point (idempotent; modules do it too). */
PLUG_AVAILABLE_IN_ALL
GIOExtensionPoint *plug_listener_ensure_extension_point (void);

/**
 * plug_listener_new_for_uri:
 * @engine: the engine whose plugins may connect
 * @uri: where to listen, e.g. `ws://127.0.0.1:0` (port 0: any free one)
 * @token: (nullable): the secret a connection must present; NULL makes
 *   a random one (plug_listener_get_token())
 *
 * Finds the implementation for @uri's scheme among the loaded connector
 * modules (loading the default ones when none is loaded) and starts it.
 * Errors: %PLUG_ERROR_CONNECTOR `No listener for "<scheme>" URIs
 * (searched: <dirs>)`, %PLUG_ERROR_INVALID_ARGUMENT for an address the
 * implementation refuses, or the error of binding it.
 *
 * Returns: (transfer full) (nullable): the listener, accepting connections
 */
PLUG_AVAILABLE_IN_ALL
PlugListener *plug_listener_new_for_uri   (PlugEngine    *engine,
                                           const char    *uri,
                                           const char    *token,
                                           GError       **error);

PLUG_AVAILABLE_IN_ALL
PlugEngine   *plug_listener_get_engine    (PlugListener  *self);
/* The address asked for (the "uri" property). */
PLUG_AVAILABLE_IN_ALL
const char   *plug_listener_get_uri       (PlugListener  *self);
/* (nullable): the address bound, once started: what clients connect to. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_listener_get_bound_uri (PlugListener  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_listener_get_token     (PlugListener  *self);

/* For implementations. */
PLUG_AVAILABLE_IN_ALL
void          plug_listener_set_bound_uri (PlugListener  *self,
                                           const char    *uri);
/* Whether @token is the listener's, in time independent of where they
 * differ. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_listener_check_token   (PlugListener  *self,
                                           const char    *token);

G_END_DECLS
