/* plug-dbus-service.h: any D-Bus interface as a plugin (`"protocol":"dbus"`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

#include "plug-dbus-bus.h"

G_BEGIN_DECLS

/**
 * PlugDBusService:
 *
 * One interface of one object of a D-Bus service, seen as the plugin's
 * methods and events: its methods are called with arguments converted by
 * their signature, and its signals are emitted as the plugin's events,
 * with the signal's parameters as the arguments.
 */
typedef struct _PlugDBusService PlugDBusService;

/* Introspects the target's object (starting the service by D-Bus
 * activation when needed) within @timeout_ms; @plugin (not owned) is the
 * emitter of the signals. */
void             plug_dbus_service_open        (PlugPlugin            *plugin,
                                                GDBusConnection       *connection,
                                                const PlugDBusTarget  *target,
                                                guint                  timeout_ms,
                                                GCancellable          *cancellable,
                                                GAsyncReadyCallback    callback,
                                                gpointer               user_data);
PlugDBusService *plug_dbus_service_open_finish (GAsyncResult          *result,
                                                GError               **error);
/* Unsubscribes from the signals. */
void             plug_dbus_service_free        (PlugDBusService       *self);

/* The interface's method and signal names (NULL-terminated, owned). */
const char * const *plug_dbus_service_get_methods (PlugDBusService    *self);
const char * const *plug_dbus_service_get_signals (PlugDBusService    *self);

/* Calls the method @call names and answers @call. */
void             plug_dbus_service_call        (PlugDBusService       *self,
                                                PlugCall              *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugDBusService, plug_dbus_service_free)

G_END_DECLS
