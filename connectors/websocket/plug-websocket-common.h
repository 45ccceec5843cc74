/* plug-websocket-common.h: what the websocket and socketio connectors share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "plugctl.h"

G_BEGIN_DECLS

/* Largest message taken from a plugin, as for a child process's line. */
#define PLUG_WEBSOCKET_MAX_MESSAGE (64 * 1024 * 1024)
/* The profile field naming the CA certificates (PEM) that a wss://
 * server's certificate must chain to, relative to the manifest. */
#define PLUG_WEBSOCKET_TLS_CA_FILE_FIELD "tlsCaFile"

typedef struct _PlugWebsocketLink PlugWebsocketLink;

/* What a connector adds to its link. */
typedef struct
{
  /* "Websocket", "Socket.io": names the connection in errors. */
  const char *transport;
  /* The ws:// or wss:// URL to open for the profile's @url, or NULL with
   * a PLUG_ERROR_INVALID_PROFILE error naming the plugin. */
  char *(*endpoint) (PlugConnector  *connector,
                     const char     *url,
                     GError        **error);
  /* The socket is open: the connect stays pending until the connector
   * calls plug_websocket_link_connected(). */
  void  (*opened)   (PlugConnector  *connector);
  /* A frame arrived (never while a deliberate close is under way). */
  void  (*frame)    (PlugConnector  *connector,
                     gint            type,
                     const char     *data,
                     gsize           length);
} PlugWebsocketLinkFuncs;

/* One connector's connection to its plugin, embedded in the connector:
 * connecting (TLS included), the lost-connection rules, the deliberate
 * close. Not a GObject: both modules carry a copy of this code, and two
 * copies of one GType could not both be registered in one process. */
struct _PlugWebsocketLink
{
  PlugConnector                *connector;
  const PlugWebsocketLinkFuncs *funcs;
  SoupSession                  *session;
  SoupWebsocketConnection      *connection;
  GTask                        *connect_task;   /* until connected or failed */
  GCancellable                 *soup_cancellable;
  gulong                        cancel_id;
  GTlsCertificateFlags          tls_errors;     /* of the last refused certificate */
  GSource                      *watchdog;       /* the connector's; ends with the connection */
  GSource                      *close_timer;
  GPtrArray                    *close_waiters;  /* disconnect GTasks */
  gboolean                      heard;          /* a frame or a pong came in */
  gboolean                      closing;        /* the close is ours: no fault */
};

void         plug_websocket_link_init        (PlugWebsocketLink            *link,
                                              PlugConnector                *connector,
                                              const PlugWebsocketLinkFuncs *funcs);
/* For dispose: closes and lets go of everything. */
void         plug_websocket_link_clear       (PlugWebsocketLink            *link);

/* PlugConnectorClass.connect and .disconnect, for the link's connector. */
void         plug_websocket_link_connect     (PlugWebsocketLink            *link,
                                              GCancellable                 *cancellable,
                                              GAsyncReadyCallback           callback,
                                              gpointer                      user_data);
void         plug_websocket_link_disconnect  (PlugWebsocketLink            *link,
                                              GAsyncReadyCallback           callback,
                                              gpointer                      user_data);

/* Ends the pending connect successfully. */
void         plug_websocket_link_connected   (PlugWebsocketLink            *link);
/* The connection ended without us asking (@cause consumed): fails the
 * pending connect, or makes the plugin lost if it is active. */
void         plug_websocket_link_lost        (PlugWebsocketLink            *link,
                                              GError                       *cause);
/* Whether messages may be sent; else the error names the plugin. */
gboolean     plug_websocket_link_check_open  (PlugWebsocketLink            *link,
                                              GError                      **error);
void         plug_websocket_link_send_text   (PlugWebsocketLink            *link,
                                              const char                   *text);
/* Replaces the watchdog (cleared with the connection) with a timeout
 * source calling @func with the connector; 0 ms: none. */
void         plug_websocket_link_set_watchdog (PlugWebsocketLink           *link,
                                               guint                        timeout_ms,
                                               GSourceFunc                  func,
                                               const char                  *name);

const char  *plug_websocket_link_name        (PlugWebsocketLink            *link);
const char  *plug_websocket_link_url         (PlugWebsocketLink            *link);

/* A session that connects directly: no system proxy (its GSettings may
 * not even be installed where the engine runs). */
SoupSession *plug_websocket_session_new      (void);
/* Cancels and frees *@source, if any. */
void         plug_websocket_clear_source     (GSource                     **source);
/* A timeout source calling @func with @data, attached to the
 * thread-default main context. */
GSource     *plug_websocket_add_timeout      (guint                          timeout_ms,
                                              GSourceFunc                    func,
                                              gpointer                       data,
                                              const char                    *name);

/* Gives @plugin's profile `"restart": "on-failure"` unless it has a
 * `restart` field: a remote plugin comes back after an abnormal close. */
void         plug_websocket_default_restart  (PlugPlugin                   *plugin);

G_END_DECLS
