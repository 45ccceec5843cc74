/* plugctl.h: the one header of libplugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define PLUGCTL_INSIDE
# include "plug-macros.h"
# include "plug-error.h"
# include "plug-message.h"
# include "plug-profile.h"
# include "plug-call.h"
# include "plug-plugin.h"
# include "plug-engine.h"
# include "plug-manager.h"
# include "plug-connector.h"
# include "plug-connector-module.h"
# include "plug-listener.h"
# include "plug-channel.h"
# include "plug-spin.h"
# include "plug-client-connector.h"
# include "plug-fd-client-connector.h"
# include "plug-dbus-client-connector.h"
# include "plug-client.h"
#undef PLUGCTL_INSIDE
