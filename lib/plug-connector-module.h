/* plug-connector-module.h: connector modules, found and loaded at run time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>

#include "plug-macros.h"
#include "plug-listener.h"
#include "plug-profile.h"
#include "plug-plugin.h"

G_BEGIN_DECLS

/**
 * SECTION: connector modules
 *
 * A connector is a shared module (`*.so`) in a connector directory. It
 * exports two symbols:
 *
 * - `plug_connector_abi_version`: a `const guint` equal to
 *   %PLUG_CONNECTOR_ABI_VERSION of the headers it was built with;
 * - `plug_connector_module_register`: `void (*)(void)`, which implements the
 *   GIO extension point %PLUG_CONNECTOR_EXTENSION_POINT_NAME with a
 *   #PlugConnector subclass, the extension's name being the connector's
 *   name (the profile's `connector` field).
 *
 * PLUG_DEFINE_CONNECTOR_MODULE() writes both. Modules stay resident once
 * loaded: GTypes cannot be unregistered.
 */
#define PLUG_CONNECTOR_EXTENSION_POINT_NAME "plugctl-connector"

#define PLUG_DEFINE_CONNECTOR_MODULE(connector_name, type_expr)                \
  G_MODULE_EXPORT const guint plug_connector_abi_version =                    \
    PLUG_CONNECTOR_ABI_VERSION;                                                \
  G_MODULE_EXPORT void plug_connector_module_register (void);                  \
  G_MODULE_EXPORT void                                                         \
  plug_connector_module_register (void)                                        \
  {                                                                            \
    g_io_extension_point_implement (PLUG_CONNECTOR_EXTENSION_POINT_NAME,       \
                                    (type_expr), (connector_name), 0);         \
  }

/* The same, for a module that also implements a #PlugListener for URIs
 * of @scheme (the extension point %PLUG_LISTENER_EXTENSION_POINT_NAME,
 * see plug-listener.h). */
#define PLUG_DEFINE_CONNECTOR_MODULE_WITH_LISTENER(connector_name, type_expr,  \
                                                   scheme, listener_type_expr) \
  G_MODULE_EXPORT const guint plug_connector_abi_version =                    \
    PLUG_CONNECTOR_ABI_VERSION;                                                \
  G_MODULE_EXPORT void plug_connector_module_register (void);                  \
  G_MODULE_EXPORT void                                                         \
  plug_connector_module_register (void)                                        \
  {                                                                            \
    g_io_extension_point_implement (PLUG_CONNECTOR_EXTENSION_POINT_NAME,       \
                                    (type_expr), (connector_name), 0);         \
    plug_listener_ensure_extension_point ();                                   \
    g_io_extension_point_implement (PLUG_LISTENER_EXTENSION_POINT_NAME,        \
                                    (listener_type_expr), (scheme), 0);        \
  }

/* Registers the extension point (idempotent; done by the loader too). */
PLUG_AVAILABLE_IN_ALL
GIOExtensionPoint *plug_connector_module_ensure_extension_point (void);

/**
 * plug_connector_module_search_path:
 * @extra_dirs: (nullable): directories given on the command line, first
 *
 * @extra_dirs, then `$PLUGCTL_CONNECTOR_PATH` (colon-separated), then the
 * installed connector directory.
 */
PLUG_AVAILABLE_IN_ALL
GStrv              plug_connector_module_search_path (const char * const *extra_dirs);

/* Loads every `*.so` in @dirs not loaded yet (per file, once per process).
 * A file that does not load, lacks a symbol or has another ABI version is
 * skipped with a warning naming the file and the reason; the others load. */
PLUG_AVAILABLE_IN_ALL
void               plug_connector_module_load_dirs   (const char * const *dirs);

PLUG_AVAILABLE_IN_ALL
gboolean           plug_connector_module_load_named  (const char * const *dirs,
                                                      const char         *connector);

/* Names of the connectors available now, sorted. */
PLUG_AVAILABLE_IN_ALL
GStrv              plug_connector_module_list        (void);
/* The file a connector was loaded from, or NULL (built in / unknown). */
PLUG_AVAILABLE_IN_ALL
const char        *plug_connector_module_get_path    (const char         *connector_name);

/* Creates the plugin for @profile with the connector it names:
 * `No connector "<name>" for plugin <plugin> (searched: <dirs>)`. */
PLUG_AVAILABLE_IN_ALL
PlugPlugin        *plug_connector_module_create_plugin (PlugProfile      *profile,
                                                        GError          **error);

G_END_DECLS
