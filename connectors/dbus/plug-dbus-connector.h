/* plug-dbus-connector.h: plugins as D-Bus services
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* How long deactivation waits for a plugin service to leave the bus
 * after `Quit`. */

#define PLUG_TYPE_DBUS_CONNECTOR (plug_dbus_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugDBusConnector, plug_dbus_connector, PLUG, DBUS_CONNECTOR, PlugConnector)

/**
 * PlugDBusConnector:
 *
 * The `dbus` connector (PROTOCOL.md §7). Profile fields: `bus`
 * ("session", the default, "system" or a D-Bus address), `service` (a
 * well-known name) and `protocol`:
 *
 * - "plugctl" (the default): the service is a plugin on #PlugClient
 *   with the D-Bus client connector (plug-dbus-client-connector.h). The
 *   connector starts it by D-Bus activation of `service` (its `Connect`
 *   method), then the handshake and every message of PROTOCOL.md travel
 *   as JSON text over org.plugctl.Plugin1. Deactivation calls `Quit` and
 *   waits up to `grace-period` ms for the service to leave the bus.
 * - "dbus": any D-Bus service, with `object` (default: the service name
 *   as a path) and `interface` (default: the service name). Activation
 *   introspects the object: the interface's methods become the profile's
 *   `methods` and its signals the profile's `events`; calls convert the
 *   JSON arguments by the method's signature, and each signal is emitted
 *   as an event whose arguments are the signal's parameters.
 *
 * The service leaving the bus while the plugin is active or activating
 * makes the plugin lost (§6): `Plugin <name>: D-Bus service <service>
 * left the bus`.
 */

G_END_DECLS
