/* plug-connector.h: the engine-side end of a transport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include "plug-macros.h"
#include "plug-message.h"
#include "plug-plugin.h"

G_BEGIN_DECLS

#define PLUG_TYPE_CONNECTOR (plug_connector_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (PlugConnector, plug_connector, PLUG, CONNECTOR, PlugPlugin)

/**
 * PlugConnectorClass:
 * @connect: open the transport (spawn, dial, start a thread). Finish as
 *   soon as messages can be sent; the base class then sends the handshake
 *   request and finishes the activation when it is answered.
 * @disconnect: close the transport and release what it holds. Must not
 *   fail pending calls itself: the base class does.
 * @connect_finish, @disconnect_finish: by default, the result is a GTask
 *   that returned a boolean (g_task_propagate_boolean()).
 * @send: deliver one message or fail at once (e.g. the transport is
 *   closed). Called from the engine's thread.
 *
 * The base class implements #PlugPlugin's activate, deactivate,
 * call_method and cancel_call in terms of these: the handshake
 * (PROTOCOL.md §2) with the profile's start timeout, request ids and the
 * pending-call table, the dispatch of every arriving message (§1), and the
 * fault rules of §6. A subclass hands each arriving message to
 * plug_connector_receive() (or its text to plug_connector_receive_text())
 * and reports a lost transport with plug_plugin_lost().
 */
struct _PlugConnectorClass
{
  PlugPluginClass parent_class;

  void      (*connect)           (PlugConnector       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  gboolean  (*connect_finish)    (PlugConnector       *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  void      (*disconnect)        (PlugConnector       *self,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
  gboolean  (*disconnect_finish) (PlugConnector       *self,
                                  GAsyncResult        *result,
                                  GError             **error);
  gboolean  (*send)              (PlugConnector       *self,
                                  PlugMessage         *message,
                                  GError             **error);

  /*< private >*/
  gpointer _reserved[8];
};

/* The one entry point for every message that arrives from the plugin. */
PLUG_AVAILABLE_IN_ALL
void      plug_connector_receive        (PlugConnector *self,
                                         PlugMessage   *message);
/* Parses @data as one message and receives it; malformed input is
 * logged as a warning naming the plugin and dropped (§6). */
PLUG_AVAILABLE_IN_ALL
void      plug_connector_receive_text   (PlugConnector *self,
                                         const char    *data,
                                         gsize          length);
/* Sends through the subclass's send vfunc (for subclasses and tests). */
PLUG_AVAILABLE_IN_ALL
gboolean  plug_connector_send           (PlugConnector *self,
                                         PlugMessage   *message,
                                         GError       **error);
/* Number of requests sent to the plugin that await a response. */
PLUG_AVAILABLE_IN_ALL
guint     plug_connector_get_n_pending  (PlugConnector *self);

/* How long a subclass's disconnect waits for the plugin to stop by itself
 * before it forces it (SIGTERM/SIGKILL, giving up on a thread or a bus
 * name): the "grace-period" property, in milliseconds. */
#define PLUG_CONNECTOR_DEFAULT_GRACE_PERIOD_MS 1000
PLUG_AVAILABLE_IN_ALL
guint     plug_connector_get_grace_period (PlugConnector *self);
/* The plugctl protocol version the last handshake agreed on; 0 for a
 * client that speaks none (a Remix client). */
PLUG_AVAILABLE_IN_ALL
gint      plug_connector_get_protocol_version (PlugConnector *self);
/* Messages received from and sent to the plugin, since it was created. */
PLUG_AVAILABLE_IN_ALL
guint64   plug_connector_get_n_messages_in    (PlugConnector *self);
PLUG_AVAILABLE_IN_ALL
guint64   plug_connector_get_n_messages_out   (PlugConnector *self);

G_END_DECLS
