/* plug-protocol-private.h: plugctl's protocol version (PROTOCOL.md §2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The engine's handshake request carries `"protocol":{"versions":[…]}`,
 * the versions it speaks; a plugctl client answers with
 * `"protocol":{"version":N}`, the highest one it shares, or, sharing none,
 * with an error response carrying `"protocol":{"versions":[…]}` of its
 * own. Remix clients ignore the field and answer without it (version 0:
 * the Remix protocol, which every version includes).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The versions this library speaks, oldest to newest. */
#define PLUG_PROTOCOL_VERSION_MIN 1
#define PLUG_PROTOCOL_VERSION_MAX 1

/* "1, 2, 3": the integers of @versions (others skipped), for messages. */
char     *plug_protocol_format_versions (JsonArray *versions);
/* {"versions": [MIN … MAX]} */
JsonObject *plug_protocol_new_offer     (void);

G_END_DECLS
