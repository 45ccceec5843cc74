/* plug-fd-client-connector.h: the client end of the child-process channel
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

#define PLUG_TYPE_FD_CLIENT_CONNECTOR (plug_fd_client_connector_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugFdClientConnector, plug_fd_client_connector, PLUG, FD_CLIENT_CONNECTOR, GObject)

/* Newline-delimited JSON over @fd (taken over). */
PLUG_AVAILABLE_IN_ALL
PlugFdClientConnector *plug_fd_client_connector_new (int fd);
/* The fd named by `NODE_CHANNEL_FD`, as the child-process connector
 * passes it; an error when the variable is missing or not a valid fd. */
PLUG_AVAILABLE_IN_ALL
PlugFdClientConnector *plug_fd_client_connector_new_from_environment (GError **error);

G_END_DECLS
