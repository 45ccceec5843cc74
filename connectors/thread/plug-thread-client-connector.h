/* plug-thread-client-connector.h: the plugin's end of a thread plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

#include "plug-thread-mailbox.h"

G_BEGIN_DECLS

#define PLUG_TYPE_THREAD_CLIENT_CONNECTOR (plug_thread_client_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugThreadClientConnector, plug_thread_client_connector,
                      PLUG, THREAD_CLIENT_CONNECTOR, GObject)

/**
 * PlugThreadClientConnector:
 *
 * The #PlugClientConnector a `thread` plugin's #PlugClient runs on, in
 * the plugin's thread: messages from the engine arrive through
 * @from_engine (whose end means the engine closed the connection), and
 * go to the engine through @to_engine, each as a deep copy.
 */
PlugThreadClientConnector *plug_thread_client_connector_new (PlugThreadMailbox *from_engine,
                                                             PlugThreadMailbox *to_engine);

G_END_DECLS
