/* plug-dbus-client-connector.h: the client end of the D-Bus transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include "plug-macros.h"
#include "plug-client-connector.h"

G_BEGIN_DECLS

/* being written */

G_END_DECLS
