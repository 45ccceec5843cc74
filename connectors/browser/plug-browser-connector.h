/* plug-browser-connector.h: plugins that live in a web page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "plugctl.h"

G_BEGIN_DECLS

#define PLUG_BROWSER_CONNECTOR_NAME "browser"
/* Largest message taken from a page, as for the websocket connector. */
#define PLUG_BROWSER_MAX_MESSAGE (64 * 1024 * 1024)

#define PLUG_TYPE_BROWSER_CONNECTOR (plug_browser_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugBrowserConnector, plug_browser_connector,
                      PLUG, BROWSER_CONNECTOR, PlugConnector)

/**
 * PlugBrowserConnector:
 *
 * The `browser` connector: the plugin is a page (a window, an iframe, a
 * web worker) that connected to the engine's #PlugBrowserListener with
 * one WebSocket, claiming the plugin's name. One JSON text frame per
 * message, as the websocket connector; the engine sends the handshake
 * once the page's connection is attached.
 *
 * Activating the plugin attaches the page's connection: one that came
 * already (a page that connects to an inactive plugin activates it), or
 * the next one, waited for until shortly before the profile's start
 * timeout (`Plugin <name>: no page connected to <uri> within <N> ms`).
 * Without a listener in the engine, activation fails at once. A page
 * that disconnects makes the plugin lost (§6): its pending calls fail
 * at once. Deactivation closes the connection with code 1000.
 */

/* Whether a page's connection is attached to the plugin or waits for
 * its activation. */
gboolean plug_browser_connector_is_claimed  (PlugBrowserConnector    *self);
/* Whether an activation waits for a page. */
gboolean plug_browser_connector_is_waiting  (PlugBrowserConnector    *self);
/* Hands the page's @connection (from @peer, the remote address) to the
 * plugin: attaches it to the activation that waits for it, or keeps it
 * for the next one. */
void     plug_browser_connector_offer       (PlugBrowserConnector    *self,
                                             SoupWebsocketConnection *connection,
                                             const char              *peer);
/* Closes a connection that was offered and not attached (the activation
 * it started failed) with code 1011 and @reason. */
void     plug_browser_connector_drop_offer  (PlugBrowserConnector    *self,
                                             const char              *reason);

G_END_DECLS
