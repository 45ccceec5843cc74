/* plug-connector-module-private.h: the module loader, for the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Loads the default search path when no directory was loaded yet. */
void  plug_connector_module_ensure_default_modules (void);
/* The directories searched so far, colon-separated (for errors). */
char *plug_connector_module_get_searched_dirs      (void);

G_END_DECLS
