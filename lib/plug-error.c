/* plug-error.c: the libplugctl error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-error.h"

G_DEFINE_QUARK (plug-error-quark, plug_error)
