/* plug-websocket-common.h: what the websocket and socketio connectors share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "plugctl.h"

G_BEGIN_DECLS

/* Gives @plugin's profile `"restart": "on-failure"` unless it has a
 * `restart` field: a remote plugin comes back after an abnormal close. */
void         plug_websocket_default_restart (PlugPlugin *plugin);

/* A session that connects directly: no system proxy (its GSettings may
 * not even be installed where the engine runs). */
SoupSession *plug_websocket_session_new     (void);

/* Cancels and frees *@source, if any. */
void         plug_websocket_clear_source    (GSource   **source);

/* A timeout source calling @func with @data, attached to the
 * thread-default main context. */
GSource     *plug_websocket_add_timeout     (guint        timeout_ms,
                                             GSourceFunc  func,
                                             gpointer     data,
                                             const char  *name);

G_END_DECLS
