/* plug-json-check-private.h: JSON texts json-glib 1.6 must not see
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NULL when @data (@length bytes, or NUL-terminated when @length < 0) can
 * go to json-glib; else what is wrong with it, for an error message. */
const char *plug_json_check_text (const char *data,
                                  gssize      length);

G_END_DECLS
