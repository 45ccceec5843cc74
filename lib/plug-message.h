/* plug-message.h: one message of the wire protocol (PROTOCOL.md §1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "plug-macros.h"

G_BEGIN_DECLS

/**
 * PlugAction:
 * @PLUG_ACTION_UNKNOWN: an action this protocol does not know; the wire
 *   spelling is kept in plug_message_get_action_name()
 * @PLUG_ACTION_REQUEST: `request`, or its alias `call`
 * @PLUG_ACTION_RESPONSE: `response`
 * @PLUG_ACTION_ON: `on`, or its alias `listen`
 * @PLUG_ACTION_ONCE: `once`
 * @PLUG_ACTION_OFF: `off`
 * @PLUG_ACTION_EMIT: `emit`, or `notification` sent by a plugin
 * @PLUG_ACTION_NOTIFICATION: `notification` as the engine sends it; when
 *   parsing, `notification` yields %PLUG_ACTION_EMIT
 * @PLUG_ACTION_CANCEL: `cancel`
 * @PLUG_ACTION_NONE: the message carries no `action`
 */
typedef enum
{
  PLUG_ACTION_UNKNOWN,
  PLUG_ACTION_REQUEST,
  PLUG_ACTION_RESPONSE,
  PLUG_ACTION_ON,
  PLUG_ACTION_ONCE,
  PLUG_ACTION_OFF,
  PLUG_ACTION_EMIT,
  PLUG_ACTION_NOTIFICATION,
  PLUG_ACTION_CANCEL,
  PLUG_ACTION_NONE,
} PlugAction;

/**
 * PlugMessage:
 *
 * A reference-counted, immutable-once-shared message. Fields are absent
 * unless set; the writer never emits an absent field (never `null`).
 * A message is safe to pass between threads once built (it is not
 * modified after it has been handed to another thread).
 */
typedef struct _PlugMessage PlugMessage;

#define PLUG_TYPE_MESSAGE (plug_message_get_type ())

PLUG_AVAILABLE_IN_ALL
GType         plug_message_get_type         (void) G_GNUC_CONST;

PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_new              (PlugAction          action);
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_ref              (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
void          plug_message_unref            (PlugMessage        *message);

/* Parses one JSON text (not NUL-terminated when @length >= 0). Errors are
 * PLUG_ERROR_INVALID_MESSAGE and name the field and the expected type:
 * `field "id" must be an integer, got a string`. An unknown action is not
 * an error: it parses as PLUG_ACTION_UNKNOWN. */
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_parse            (const char         *data,
                                             gssize              length,
                                             GError            **error);
/* The same, from an already parsed node (which must be an object). */
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_new_from_node    (JsonNode           *node,
                                             GError            **error);

/* Appends the message as compact JSON text to @out (no newline). */
PLUG_AVAILABLE_IN_ALL
void          plug_message_write            (PlugMessage        *message,
                                             GString            *out);
PLUG_AVAILABLE_IN_ALL
char         *plug_message_to_string        (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_message_to_node          (PlugMessage        *message);

PLUG_AVAILABLE_IN_ALL
PlugAction    plug_message_get_action       (PlugMessage        *message);
/* The action as it was spelled on the wire ("call", "listen", …), or the
 * canonical spelling for a message built in memory. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_action_name  (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_message_has_id           (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
gint64        plug_message_get_id           (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_name         (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_key          (PlugMessage        *message);
/* (transfer none) (nullable) */
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_message_get_payload      (PlugMessage        *message);
/* The payload when it is an array (requests and events), else NULL. */
PLUG_AVAILABLE_IN_ALL
JsonArray    *plug_message_get_args         (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_error        (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_message_has_request_info (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_from         (PlugMessage        *message);
PLUG_AVAILABLE_IN_ALL
const char   *plug_message_get_path         (PlugMessage        *message);

/* Setters, for building a message before it is shared. */
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_id           (PlugMessage        *message,
                                             gint64              id);
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_name         (PlugMessage        *message,
                                             const char         *name);
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_key          (PlugMessage        *message,
                                             const char         *key);
/* Takes a new reference on @payload (nullable: removes it). */
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_payload      (PlugMessage        *message,
                                             JsonNode           *payload);
/* Convenience: wraps @args (a new reference is taken) as the payload. */
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_args         (PlugMessage        *message,
                                             JsonArray          *args);
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_error        (PlugMessage        *message,
                                             const char         *error);
/* Both nullable; sets requestInfo {from, path} (path omitted when NULL). */
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_request_info (PlugMessage        *message,
                                             const char         *from,
                                             const char         *path);
/* plugctl's extension field `protocol` (an object), absent in Remix
 * messages: the handshake's version offer and answer (PROTOCOL.md §2).
 * (transfer none) (nullable) */
PLUG_AVAILABLE_IN_ALL
JsonObject   *plug_message_get_protocol     (PlugMessage        *message);
/* Takes a new reference on @protocol (nullable: removes it). */
PLUG_AVAILABLE_IN_ALL
void          plug_message_set_protocol     (PlugMessage        *message,
                                             JsonObject         *protocol);

/* Builders for the shapes the protocol uses. */
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_new_request      (gint64              id,
                                             const char         *name,
                                             const char         *key,
                                             JsonArray          *args);
/* A response that echoes @request's id, name and key; @result is
 * nullable (a response with no payload, e.g. a void method). */
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_new_response     (PlugMessage        *request,
                                             JsonNode           *result);
PLUG_AVAILABLE_IN_ALL
PlugMessage  *plug_message_new_error_response (PlugMessage      *request,
                                               const char       *error);

/**
 * plug_json_from_text:
 * @text: JSON text
 * @length: its length, or -1 when NUL-terminated
 *
 * Parses one JSON value as plugctl reads messages: strictly (RFC 8259:
 * UTF-8, escapes, the number grammar, one value, bounded depth), with
 * integers as gint64 and other numbers as double, as json-glib does.
 *
 * Returns: (transfer full): the value, or NULL with
 * %PLUG_ERROR_INVALID_ARGUMENT ("not valid JSON: …")
 */
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_json_from_text           (const char         *text,
                                             gssize              length,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugMessage, plug_message_unref)

G_END_DECLS
