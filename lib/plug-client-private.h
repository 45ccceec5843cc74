/* plug-client-private.h: what plug-client.c shares with plug-client-outgoing.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-client.h"

G_BEGIN_DECLS

#define PLUG_CLIENT_CLOSED_TEXT "The engine closed the connection"

struct _PlugClient
{
  GObject              parent_instance;

  PlugClientConnector *connector;
  GHashTable          *methods;         /* name → Method */
  GPtrArray           *method_names;    /* in the order they were added */
  char                *name;

  GHashTable          *running_calls;   /* PlugCall → RunningCall */
  GHashTable          *pending_calls;   /* &id → PendingCall */
  gint64               last_call_id;
  GHashTable          *listeners;       /* "emitter\nevent" → GPtrArray of Listener */

  GMainLoop           *loop;

  guint                activated : 1;
  guint                closed : 1;
  guint                started : 1;
  guint                protocol_refused : 1;  /* no protocol version in common */
};

/* In plug-client.c */

/* Does nothing once the engine is gone; a failed send is only logged. */
void      plug_client_send_message           (PlugClient   *self,
                                              PlugMessage  *message);

/* In plug-client-outgoing.c */

/* Creates the pending-call and listener tables. */
void      plug_client_init_outgoing          (PlugClient   *self);
/* Sends on/once for every listener added before the activation. */
void      plug_client_resubscribe_listeners  (PlugClient   *self);
/* The engine's answer to one of the plugin's own calls. */
void      plug_client_handle_response        (PlugClient   *self,
                                              PlugMessage  *message);
/* An event the plugin listens to. */
void      plug_client_handle_notification    (PlugClient   *self,
                                              PlugMessage  *message);
void      plug_client_fail_pending_calls     (PlugClient   *self,
                                              const GError *error);

G_END_DECLS
