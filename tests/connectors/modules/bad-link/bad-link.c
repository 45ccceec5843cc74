/* bad-link.c: a module with an unresolved symbol: dlopen must fail
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plugctl.h"

void plug_test_symbol_that_does_not_exist (void);

PLUG_DEFINE_CONNECTOR_MODULE ("test-bad-link", (plug_test_symbol_that_does_not_exist (), G_TYPE_NONE))
