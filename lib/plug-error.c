/* plug-error.c: the libplugctl error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "plug-error.h"

/* Each code has a D-Bus error name, so an error crosses the bus (the
 * daemon, D-Bus plugins) and comes back as the same GError. */
static const GDBusErrorEntry plug_error_entries[] = {
  { PLUG_ERROR_FAILED, "org.plugctl.Error.Failed" },
  { PLUG_ERROR_NOT_REGISTERED, "org.plugctl.Error.NotRegistered" },
  { PLUG_ERROR_NOT_EXPOSED, "org.plugctl.Error.NotExposed" },
  { PLUG_ERROR_NOT_ACTIVATED, "org.plugctl.Error.NotActivated" },
  { PLUG_ERROR_PERMISSION_DENIED, "org.plugctl.Error.PermissionDenied" },
  { PLUG_ERROR_TIMEOUT, "org.plugctl.Error.Timeout" },
  { PLUG_ERROR_CANCELLED, "org.plugctl.Error.Cancelled" },
  { PLUG_ERROR_ALREADY_REGISTERED, "org.plugctl.Error.AlreadyRegistered" },
  { PLUG_ERROR_INVALID_MESSAGE, "org.plugctl.Error.InvalidMessage" },
  { PLUG_ERROR_INVALID_PROFILE, "org.plugctl.Error.InvalidProfile" },
  { PLUG_ERROR_CONNECTOR, "org.plugctl.Error.Connector" },
  { PLUG_ERROR_PLUGIN_EXITED, "org.plugctl.Error.PluginExited" },
  { PLUG_ERROR_START_TIMEOUT, "org.plugctl.Error.StartTimeout" },
  { PLUG_ERROR_INVALID_ARGUMENT, "org.plugctl.Error.InvalidArgument" },
};

GQuark
plug_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("plug-error-quark", &quark,
                                      plug_error_entries,
                                      G_N_ELEMENTS (plug_error_entries));
  return (GQuark) quark;
}
