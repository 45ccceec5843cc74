/* plugctl-args.h: how `plugctl call` and `emit` turn their ARG words into JSON
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode       *plugctl_parse_arg            (const char          *arg);
GPtrArray      *plugctl_positional_args      (int                  argc,
                                              char               **argv,
                                              GError             **error);
JsonArray      *plugctl_args_to_json         (GPtrArray           *words,
                                              guint                first);
char           *plugctl_json_to_text         (JsonNode            *node);
char           *plugctl_args_to_text         (JsonArray           *args);

G_END_DECLS
