/* plug-dbus-bus.h: the bus and the service a `dbus` profile names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* How the plugin speaks: PlugClient's messages over org.plugctl.Plugin1,
 * or the methods and signals of any D-Bus interface. */
typedef enum
{
  PLUG_DBUS_PROTOCOL_PLUGCTL,
  PLUG_DBUS_PROTOCOL_DBUS,
} PlugDBusProtocol;

/* The profile's D-Bus fields: `bus` ("session", "system" or an address;
 * default session), `service`, `object`, `interface`, `protocol`
 * ("plugctl", the default, or "dbus"). */
typedef struct
{
  char             *bus;
  char             *service;
  char             *object;
  char             *interface;
  PlugDBusProtocol  protocol;
} PlugDBusTarget;

/* Reads and checks the fields; errors are PLUG_ERROR_INVALID_PROFILE
 * and name the plugin and the field. */
PlugDBusTarget *plug_dbus_target_new_from_profile (PlugProfile     *profile,
                                                   GError         **error);
void            plug_dbus_target_free             (PlugDBusTarget  *target);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugDBusTarget, plug_dbus_target_free)

/* The shared session or system bus connection, or a new one to the
 * address; errors name the bus. */
void             plug_dbus_bus_get        (const char          *bus,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GDBusConnection *plug_dbus_bus_get_finish (GAsyncResult        *result,
                                           GError             **error);

/* Closes a connection of its own (to an address); leaves the shared
 * buses alone. */
void             plug_dbus_bus_release    (GDBusConnection     *connection,
                                           const char          *bus);

/**
 * plug_dbus_call_with_sender:
 *
 * g_dbus_connection_call() that also tells who answered: the unique name
 * of the name's owner, which a name watcher or a signal subscription
 * needs. Starts the service by D-Bus activation when needed.
 */
void      plug_dbus_call_with_sender        (GDBusConnection     *connection,
                                             const char          *destination,
                                             const char          *object_path,
                                             const char          *interface_name,
                                             const char          *method_name,
                                             GVariant            *parameters,
                                             int                  timeout_ms,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Returns: (transfer full): the reply's body (an empty tuple when it has
 * none); @sender: (out) (transfer full) */
GVariant *plug_dbus_call_with_sender_finish (GAsyncResult        *result,
                                             char               **sender,
                                             GError             **error);

G_END_DECLS
