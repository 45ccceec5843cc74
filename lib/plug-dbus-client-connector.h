/* plug-dbus-client-connector.h: the client end of the D-Bus transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>

#include "plug-macros.h"
#include "plug-client-connector.h"

G_BEGIN_DECLS

/**
 * SECTION: the D-Bus transport
 *
 * A plugin on #PlugClient can be a D-Bus service: it owns a well-known
 * name and exports, at %PLUG_DBUS_PLUGIN_PATH, the interface
 * %PLUG_DBUS_PLUGIN_INTERFACE:
 *
 * |[
 * <interface name="org.plugctl.Plugin1">
 *   <method name="Connect"/>
 *   <method name="Message"><arg name="message" type="s" direction="in"/></method>
 *   <method name="Quit"/>
 *   <signal name="Message"><arg name="message" type="s"/></signal>
 *   <signal name="Messages"><arg name="messages" type="as"/></signal>
 * </interface>
 * ]|
 *
 * The engine (the `dbus` connector) calls `Connect` first, by D-Bus
 * activation of the name: the caller becomes the plugin's one engine,
 * and another engine's `Connect` fails while that one is on the bus.
 * Then the JSON messages of PROTOCOL.md travel as text: the engine's as
 * calls of `Message` (sent without expecting a reply), the plugin's as
 * the signal `Message`, unicast to the engine. An engine whose handshake
 * request says `"protocol":{…,"batches":true}` also takes `Messages`:
 * what the plugin sends while it handles one of the engine's messages
 * (an event, then the answer) goes out as one signal, in order. `Quit`,
 * or the engine leaving the bus, closes the connector: plug_client_run()
 * returns.
 */
#define PLUG_DBUS_PLUGIN_INTERFACE "org.plugctl.Plugin1"
#define PLUG_DBUS_PLUGIN_PATH "/org/plugctl/Plugin1"

/* The environment of a plugin started as a D-Bus service: the name it
 * owns, and the bus ("session", "system" or an address; default: the
 * bus that activated it, else the session bus). */
#define PLUG_DBUS_NAME_VARIABLE "PLUGCTL_DBUS_NAME"
#define PLUG_DBUS_BUS_VARIABLE "PLUGCTL_DBUS_BUS"

#define PLUG_TYPE_DBUS_CLIENT_CONNECTOR (plug_dbus_client_connector_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugDBusClientConnector, plug_dbus_client_connector, PLUG, DBUS_CLIENT_CONNECTOR, GObject)

/* Serves the engine on @connection under the well-known @name, which it
 * owns from plug_client_connector_start() on. */
PLUG_AVAILABLE_IN_ALL
PlugDBusClientConnector *plug_dbus_client_connector_new (GDBusConnection  *connection,
                                                         const char       *name);
/* The name of %PLUG_DBUS_NAME_VARIABLE on the bus of
 * %PLUG_DBUS_BUS_VARIABLE (see above); an error when the name is missing
 * or invalid, or the bus cannot be reached. */
PLUG_AVAILABLE_IN_ALL
PlugDBusClientConnector *plug_dbus_client_connector_new_from_environment (GError **error);

/* The unique name of the engine it serves, or NULL before `Connect`. */
PLUG_AVAILABLE_IN_ALL
const char *plug_dbus_client_connector_get_peer (PlugDBusClientConnector *self);

G_END_DECLS
