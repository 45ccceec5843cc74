/* plug-plugin-private.h: what the engine sets on a plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-plugin.h"

G_BEGIN_DECLS

void      plug_plugin_set_engine  (PlugPlugin      *self,
                                   PlugEngine      *engine);
void      plug_plugin_set_state   (PlugPlugin      *self,
                                   PlugPluginState  state);

G_END_DECLS
