/* plug-engine-private.h: engine entry points for the library's own parts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-engine.h"

G_BEGIN_DECLS

/* The name the engine gives itself in the handshake: ["<plugin>", "plugctl"]. */
#define PLUG_ENGINE_HANDSHAKE_NAME "plugctl"

/* @plugin's profile changed (its handshake replaced the methods, or
 * updateProfile merged fields): the manager emits `profileUpdated` and its
 * `profile-updated` signal. */
void      plug_engine_profile_updated (PlugEngine  *self,
                                       PlugPlugin  *plugin);

G_END_DECLS
