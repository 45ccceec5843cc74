/* plug-manager.h: the `manager` plugin: profiles, activation, permissions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include "plug-macros.h"
#include "plug-plugin.h"

G_BEGIN_DECLS

#define PLUG_TYPE_MANAGER (plug_manager_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugManager, plug_manager, PLUG, MANAGER, PlugPlugin)

/**
 * PlugManager:
 *
 * The plugin named `manager` (PROTOCOL.md §5). Methods `getProfile`,
 * `updateProfile`, `activatePlugin`, `deactivatePlugin`, `isActive`,
 * `canCall`; events `pluginActivated`, `pluginDeactivated`,
 * `profileAdded`, `profileUpdated`, whose payload is the profile.
 *
 * Hooks for the application are GObject signals of the same names
 * (`plugin-activated`, `plugin-deactivated`, `profile-added`,
 * `profile-updated`, each with the #PlugProfile).
 *
 * Permissions: by default any plugin may activate another and call any
 * exposed method; only the manager and the plugin itself may deactivate
 * a plugin. A policy file narrows that:
 *
 * |[
 * { "rules": [
 *     { "action": "call", "from": "cli", "to": "echo", "method": "fail", "allow": false },
 *     { "action": "activate", "from": "*", "to": "secret", "allow": false },
 *     { "action": "deactivate", "from": "ui", "to": "*", "allow": true } ] }
 * ]|
 *
 * `from`, `to` and `method` are glob patterns (`*`, `?`); the first rule
 * that matches decides, else the default above.
 */

typedef enum
{
  PLUG_PERMISSION_CALL,
  PLUG_PERMISSION_ACTIVATE,
  PLUG_PERMISSION_DEACTIVATE,
} PlugPermission;

PLUG_AVAILABLE_IN_ALL
gboolean      plug_manager_load_policy       (PlugManager    *self,
                                              const char     *path,
                                              GError        **error);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_manager_load_policy_from_data (PlugManager *self,
                                                  const char  *data,
                                                  gssize       length,
                                                  GError     **error);
/* @method is ignored for activate/deactivate (may be NULL). */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_manager_is_allowed        (PlugManager    *self,
                                              PlugPermission  permission,
                                              const char     *from,
                                              const char     *to,
                                              const char     *method);

G_END_DECLS
