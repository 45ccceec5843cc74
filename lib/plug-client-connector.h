/* plug-client-connector.h: the plugin-side end of a transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <glib-object.h>

#include "plug-macros.h"
#include "plug-message.h"

G_BEGIN_DECLS

#define PLUG_TYPE_CLIENT_CONNECTOR (plug_client_connector_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (PlugClientConnector, plug_client_connector, PLUG, CLIENT_CONNECTOR, GObject)

/**
 * PlugClientConnectorInterface:
 * @start: begin delivering messages (signal #PlugClientConnector::message)
 * @send: deliver one message to the engine, or fail at once
 * @close: close the transport
 *
 * Remix's ClientConnector (`send`, `on`). An implementation emits
 * ::message for every message from the engine and ::closed once when the
 * engine is gone, through the two emit functions below.
 */
struct _PlugClientConnectorInterface
{
  GTypeInterface g_iface;

  void      (*start) (PlugClientConnector  *self);
  gboolean  (*send)  (PlugClientConnector  *self,
                      PlugMessage          *message,
                      GError              **error);
  void      (*close) (PlugClientConnector  *self);
};

PLUG_AVAILABLE_IN_ALL
void      plug_client_connector_start         (PlugClientConnector  *self);
PLUG_AVAILABLE_IN_ALL
gboolean  plug_client_connector_send          (PlugClientConnector  *self,
                                               PlugMessage          *message,
                                               GError              **error);
PLUG_AVAILABLE_IN_ALL
void      plug_client_connector_close         (PlugClientConnector  *self);

/* For implementations. */
PLUG_AVAILABLE_IN_ALL
void      plug_client_connector_emit_message  (PlugClientConnector  *self,
                                               PlugMessage          *message);
/* @error: (nullable) */
PLUG_AVAILABLE_IN_ALL
void      plug_client_connector_emit_closed   (PlugClientConnector  *self,
                                               const GError         *error);

G_END_DECLS
