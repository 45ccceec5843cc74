/* plug-thread-connector.h: plugins run as modules on threads of their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* How long deactivation waits for the plugin's thread to return after
 * its connection was closed, before it leaves the thread running. */

#define PLUG_TYPE_THREAD_CONNECTOR (plug_thread_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugThreadConnector, plug_thread_connector,
                      PLUG, THREAD_CONNECTOR, PlugConnector)

/**
 * PlugThreadConnector:
 *
 * The `thread` connector (PROTOCOL.md §7): loads the shared module named
 * by the profile's `module` field (relative to the manifest's directory),
 * looks up its entry point %PLUG_CLIENT_MODULE_SETUP_SYMBOL (see
 * PLUG_CLIENT_DEFINE_MODULE()), and runs the plugin on a #GThread of its
 * own with its own #GMainContext: a #PlugClient on a
 * #PlugThreadClientConnector, set up by the entry point, then
 * plug_client_run(). Messages cross between the threads as #PlugMessage
 * objects, each a deep copy (no JSON text).
 *
 * Deactivation closes the plugin's connection, which makes its
 * plug_client_run() return, and joins the thread. A thread cannot be
 * killed: one that does not return within the `grace-period` property
 * (milliseconds, %PLUG_CONNECTOR_DEFAULT_GRACE_PERIOD_MS) is left running,
 * with a warning, and the deactivation finishes.
 *
 * Modules stay loaded for good (resident): the GTypes a module registers
 * cannot be unregistered. A thread plugin shares the engine's address
 * space: a crash in it is a crash of the engine. Untrusted code belongs
 * in a child process.
 */

G_END_DECLS
