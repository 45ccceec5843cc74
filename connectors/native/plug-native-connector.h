/* plug-native-connector.h: C functions of a shared library as a plugin, through libffi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* How long deactivation waits for a function still running before it
 * leaves the thread to finish on its own. */
#define PLUG_NATIVE_DEFAULT_STOP_WAIT_MS 1000

#define PLUG_TYPE_NATIVE_CONNECTOR (plug_native_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugNativeConnector, plug_native_connector,
                      PLUG, NATIVE_CONNECTOR, PlugConnector)

/**
 * PlugNativeConnector:
 *
 * The `native` connector: the profile's `library` (a soname or a path)
 * and `functions` (name → C signature, see plugctl-profile(5)). The
 * plugin's methods are the function names. Activation parses every
 * signature, opens the library and resolves every function, or fails
 * naming what is wrong; then the calls run through libffi on threads of
 * the plugin's own (as many as its concurrency).
 *
 * It is a #PlugConnector because connector modules register one, but it
 * has no transport: it implements #PlugPlugin's activate, deactivate and
 * call_method itself, and no message is ever built.
 */

G_END_DECLS
