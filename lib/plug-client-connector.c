/* plug-client-connector.c: the plugin-side end of a transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-client-connector.h"

enum {
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_INTERFACE (PlugClientConnector, plug_client_connector, G_TYPE_OBJECT)

static void
plug_client_connector_default_init (PlugClientConnectorInterface *iface)
{
  /**
   * PlugClientConnector::message:
   * @message: a message from the engine
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  PLUG_TYPE_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * PlugClientConnector::closed:
   * @error: (nullable): why, or NULL for a clean end
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

void
plug_client_connector_start (PlugClientConnector *self)
{
  PlugClientConnectorInterface *iface;

  g_return_if_fail (PLUG_IS_CLIENT_CONNECTOR (self));

  iface = PLUG_CLIENT_CONNECTOR_GET_IFACE (self);
  if (iface->start != NULL)
    iface->start (self);
}

gboolean
plug_client_connector_send (PlugClientConnector  *self,
                            PlugMessage          *message,
                            GError              **error)
{
  PlugClientConnectorInterface *iface;

  g_return_val_if_fail (PLUG_IS_CLIENT_CONNECTOR (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = PLUG_CLIENT_CONNECTOR_GET_IFACE (self);
  g_return_val_if_fail (iface->send != NULL, FALSE);

  return iface->send (self, message, error);
}

void
plug_client_connector_close (PlugClientConnector *self)
{
  PlugClientConnectorInterface *iface;

  g_return_if_fail (PLUG_IS_CLIENT_CONNECTOR (self));

  iface = PLUG_CLIENT_CONNECTOR_GET_IFACE (self);
  if (iface->close != NULL)
    iface->close (self);
}

void
plug_client_connector_emit_message (PlugClientConnector *self,
                                    PlugMessage         *message)
{
  g_return_if_fail (PLUG_IS_CLIENT_CONNECTOR (self));
  g_return_if_fail (message != NULL);

  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

void
plug_client_connector_emit_closed (PlugClientConnector *self,
                                   const GError        *error)
{
  g_return_if_fail (PLUG_IS_CLIENT_CONNECTOR (self));

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
}
