/* plug-json-node-private.h: JSON values as the library reads and names them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What @node is, for an error message: "an object", "null", "a string"…;
 * "nothing" for NULL. Integers are "an integer" when @integers_apart,
 * else "a number" like any other. */
const char *plug_json_describe            (JsonNode   *node,
                                           gboolean    integers_apart);

/* @object's member @name, or NULL when it is absent or null (a null
 * member counts as absent). */
JsonNode   *plug_json_get_present_member  (JsonObject *object,
                                           const char *name);

G_END_DECLS
