/* plug-manager-private.h: how the engine drives the manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-manager.h"

G_BEGIN_DECLS

#define PLUG_MANAGER_NAME "manager"

PlugManager *plug_manager_new                (void);

/* Each emits the manager's GObject signal and its event (payload: the
 * plugin's profile as JSON). */
void         plug_manager_plugin_activated   (PlugManager *self,
                                              PlugPlugin  *plugin);
void         plug_manager_plugin_deactivated (PlugManager *self,
                                              PlugPlugin  *plugin);
void         plug_manager_profile_added      (PlugManager *self,
                                              PlugPlugin  *plugin);
void         plug_manager_profile_updated    (PlugManager *self,
                                              PlugPlugin  *plugin);

/* "" when no rule of the loaded policy matches (the default decides), else
 * " (denied by <policy file>, rule <n>)", for denial messages. */
char        *plug_manager_denial_suffix      (PlugManager    *self,
                                              PlugPermission  permission,
                                              const char     *from,
                                              const char     *to,
                                              const char     *method);

G_END_DECLS
