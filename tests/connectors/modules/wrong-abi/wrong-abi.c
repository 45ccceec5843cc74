/* wrong-abi.c: a module built for another connector ABI
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gmodule.h>

G_MODULE_EXPORT const guint plug_connector_abi_version = 999;
G_MODULE_EXPORT void plug_connector_module_register (void);

G_MODULE_EXPORT void
plug_connector_module_register (void)
{
  g_error ("must not be called");
}
