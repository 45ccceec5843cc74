/* plug-websocket-connector.h: plugins that serve a WebSocket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* Seconds between pings on an otherwise idle connection. */
#define PLUG_WEBSOCKET_DEFAULT_KEEPALIVE_S 10

#define PLUG_TYPE_WEBSOCKET_CONNECTOR (plug_websocket_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugWebsocketConnector, plug_websocket_connector,
                      PLUG, WEBSOCKET_CONNECTOR, PlugConnector)

/**
 * PlugWebsocketConnector:
 *
 * The `websocket` connector (PROTOCOL.md §7): the plugin is a WebSocket
 * server at the profile's `url` (`ws://` or `wss://`), such as a Node
 * server built on `@remixproject/plugin-ws`. The engine connects to it
 * (libsoup), sends the handshake as soon as the socket is open, and
 * exchanges one JSON text frame per message. Binary frames are dropped
 * with a warning.
 *
 * Faults: a refused or failed connection fails the activation at once.
 * A connection that closes while the plugin is active or activating
 * makes the plugin lost (§6): its pending calls fail at once with the
 * close code. Reconnection is the engine's restart policy: a websocket
 * profile without a `restart` field gets `"restart": "on-failure"`, so
 * an abnormal close reconnects after the profile's `restartBackoff`
 * (100 ms, doubling per crash) and handshakes again, within the restart
 * budget (`restartLimit` crashes in `restartWindow`; a refused reconnect
 * counts as one). Calls made meanwhile wait in the plugin's queue for
 * the reconnection (bounded by their call timeout); when the budget is
 * spent they fail at once. A deliberate deactivation closes with code
 * 1000 and does not reconnect.
 *
 * Keepalive: a ping goes out every `keepalive` seconds (the property;
 * %PLUG_WEBSOCKET_DEFAULT_KEEPALIVE_S; 0 turns pings off). A watchdog
 * looks every 1.5 × `keepalive` seconds; a peer that showed no sign of
 * life (no pong, no message) since its previous look is lost with
 * `Plugin <name> did not answer pings`: a frozen peer whose socket stays
 * open is found within 3 × `keepalive` seconds.
 *
 * TLS: a `wss://` server's certificate must chain to the system's trusted
 * authorities, or, when the profile has `tlsCaFile` (a PEM file, relative
 * to the manifest's directory), to the authorities in that file instead.
 * A refused certificate fails the connection with `Cannot connect to
 * plugin <name> at <url>: the server's TLS certificate is not trusted:
 * <problems>`.
 *
 * Connections are direct: no system proxy is used.
 */

G_END_DECLS
