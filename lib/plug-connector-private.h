/* plug-connector-private.h: what plug-connector.c shares with the router
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-call.h"
#include "plug-connector.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 next_id;
  GHashTable *pending_by_id;    /* gint64 → PendingCall (owned) */
  GHashTable *pending_by_call;  /* PlugCall → PendingCall */
  GHashTable *abandoned_ids;    /* set of gint64 */

  /* One activation: connect, then the handshake. */
  GTask *activation;
  GSource *start_timer;
  GCancellable *connect_cancellable;
  gulong activation_cancel_id;
  guint generation;
  gboolean connecting;
  gboolean connected;
  gboolean handshake_pending;
  gint64 handshake_id;
  GError *handshake_send_error;

  /* What the last handshake agreed (0: a Remix client), and traffic. */
  gint protocol_version;
  guint64 n_messages_in;
  guint64 n_messages_out;

  guint grace_period_ms;
} PlugConnectorPrivate;

PlugConnectorPrivate *plug_connector_get_private               (PlugConnector *self);
/* Removes the call waiting for the response @id from the pending table;
 * NULL when there is none. */
PlugCall             *plug_connector_take_pending              (PlugConnector *self,
                                                                gint64         id);
/* Best effort: the plugin may be gone by now. */
void                  plug_connector_send_reply                (PlugConnector *self,
                                                                PlugMessage   *reply);
/* The first answer to our handshake: the plugin's methods, or an error. */
void                  plug_connector_handle_handshake_response (PlugConnector *self,
                                                                PlugMessage   *message);
/* Ends the activation in progress, if any, with @error (consumed), and
 * closes the transport. */
void                  plug_connector_fail_activation           (PlugConnector *self,
                                                                GError        *error);

G_END_DECLS
