/* plug-dbus-json.h: JSON arguments and results of D-Bus methods
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* The in-signature of @method as one tuple type string, e.g. "(su)". */
char      *plug_dbus_json_in_signature   (GDBusMethodInfo  *method);

/**
 * plug_dbus_json_to_parameters:
 * @plugin: the plugin's name, for errors
 * @method: the method's introspection data
 * @args: the call's JSON arguments
 *
 * Converts @args by @method's in-signature. A wrong argument is a
 * %PLUG_ERROR_INVALID_ARGUMENT error that names the method and the
 * signature: `Method "GetNameOwner" of plugin dbus expects (s): argument
 * 1 must be a string, got a number`.
 *
 * Returns: (transfer full): a tuple, or NULL and @error is set
 */
GVariant  *plug_dbus_json_to_parameters  (const char       *plugin,
                                          GDBusMethodInfo  *method,
                                          JsonArray        *args,
                                          GError          **error);

/* A method's reply as one JSON value: none → null, one value → that
 * value, several → an array of them. */
JsonNode  *plug_dbus_json_from_reply     (GVariant         *reply);

/* A signal's parameters as the event's arguments. */
JsonArray *plug_dbus_json_from_tuple     (GVariant         *tuple);

G_END_DECLS
