/* plug-socketio-connector.h: plugins that serve socket.io
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

#define PLUG_TYPE_SOCKETIO_CONNECTOR (plug_socketio_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugSocketioConnector, plug_socketio_connector,
                      PLUG, SOCKETIO_CONNECTOR, PlugConnector)

/**
 * PlugSocketioConnector:
 *
 * The `socketio` connector (PROTOCOL.md §7): the plugin is a socket.io 4
 * server at the profile's `url` (`http://`, `https://`, `ws://` or
 * `wss://`; the path, if any, names the namespace, default `/`), such as
 * the seed's `SocketIOConnector` (`socket.emit('message', m)` /
 * `socket.on('message', cb)`). The engine speaks Engine.IO 4 over its
 * WebSocket transport (`/socket.io/?EIO=4&transport=websocket`): it
 * reads the open packet, connects to the namespace, answers the server's
 * pings, and carries each message as the event `message` whose single
 * argument is the message object (`42["message",{…}]`). The handshake
 * is sent once the namespace is connected.
 *
 * Faults and TLS are those of the `websocket` connector (a refused
 * connection fails the activation at once; a lost one makes the plugin
 * lost, and the profile restarts on failure unless it says otherwise;
 * `https://` and `wss://` urls verify the server's certificate against
 * the system's authorities or the profile's `tlsCaFile`). A server
 * that sends no ping within `pingInterval` + `pingTimeout` of its open
 * packet counts as gone, as in socket.io's own client.
 */

G_END_DECLS
