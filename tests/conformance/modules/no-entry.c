/* no-entry.c: a shared module that is no thread plugin (no entry point)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gmodule.h>

G_MODULE_EXPORT int plugctl_test_not_a_plugin (void);

int
plugctl_test_not_a_plugin (void)
{
  return 42;
}
