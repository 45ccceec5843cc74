/* plug-browser-listener.h: web pages connect to the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* The path of a listen URI that names none. */
#define PLUG_BROWSER_DEFAULT_PATH "/plugctl"

#define PLUG_TYPE_BROWSER_LISTENER (plug_browser_listener_get_type ())

G_DECLARE_FINAL_TYPE (PlugBrowserListener, plug_browser_listener,
                      PLUG, BROWSER_LISTENER, PlugListener)

/**
 * PlugBrowserListener:
 *
 * The #PlugListener of `ws://` URIs: an HTTP server (libsoup) on a
 * loopback address only, that accepts WebSocket upgrades at the URI's
 * path (default %PLUG_BROWSER_DEFAULT_PATH). Each plugin of a page
 * opens one WebSocket to
 * `ws://127.0.0.1:PORT/plugctl?name=<plugin>&token=<token>`.
 *
 * Before the upgrade, a request is refused with HTTP 403 when its token
 * is not the listener's (compared in constant time), when no plugin of
 * that name is registered, when that plugin's connector is not
 * `browser`, or when another live connection claimed the name; each
 * refusal is logged as a warning naming the remote address, the name and
 * the reason. An accepted connection goes to the plugin's
 * #PlugBrowserConnector, and activates the plugin when it is inactive.
 */

/* (nullable) (transfer none): the listener started for @engine. */
PlugBrowserListener *plug_browser_listener_get_for_engine (PlugEngine *engine);

G_END_DECLS
