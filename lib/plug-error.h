/* plug-error.h: the libplugctl error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include "plug-macros.h"

G_BEGIN_DECLS

#define PLUG_ERROR (plug_error_quark ())

/**
 * PlugError:
 * @PLUG_ERROR_FAILED: anything else; also an error string a plugin returned
 * @PLUG_ERROR_NOT_REGISTERED: no plugin of that name
 * @PLUG_ERROR_NOT_EXPOSED: the target does not expose that method
 * @PLUG_ERROR_NOT_ACTIVATED: the target is inactive and may not be activated
 * @PLUG_ERROR_PERMISSION_DENIED: the manager refused
 * @PLUG_ERROR_TIMEOUT: the call did not finish within the target's call timeout
 * @PLUG_ERROR_CANCELLED: the caller cancelled the call
 * @PLUG_ERROR_ALREADY_REGISTERED: a plugin of that name exists
 * @PLUG_ERROR_INVALID_MESSAGE: a message that is not valid JSON or has a field of the wrong type
 * @PLUG_ERROR_INVALID_PROFILE: a manifest that cannot be used
 * @PLUG_ERROR_CONNECTOR: no connector of that name, or it failed to load
 * @PLUG_ERROR_PLUGIN_EXITED: the plugin's process exited or its transport closed
 * @PLUG_ERROR_START_TIMEOUT: the plugin did not finish the handshake in its start timeout
 * @PLUG_ERROR_INVALID_ARGUMENT: bad arguments given by the caller
 */
typedef enum
{
  PLUG_ERROR_FAILED,
  PLUG_ERROR_NOT_REGISTERED,
  PLUG_ERROR_NOT_EXPOSED,
  PLUG_ERROR_NOT_ACTIVATED,
  PLUG_ERROR_PERMISSION_DENIED,
  PLUG_ERROR_TIMEOUT,
  PLUG_ERROR_CANCELLED,
  PLUG_ERROR_ALREADY_REGISTERED,
  PLUG_ERROR_INVALID_MESSAGE,
  PLUG_ERROR_INVALID_PROFILE,
  PLUG_ERROR_CONNECTOR,
  PLUG_ERROR_PLUGIN_EXITED,
  PLUG_ERROR_START_TIMEOUT,
  PLUG_ERROR_INVALID_ARGUMENT,
} PlugError;

PLUG_AVAILABLE_IN_ALL
GQuark plug_error_quark (void);

G_END_DECLS
