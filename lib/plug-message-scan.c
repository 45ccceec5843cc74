/* plug-message-scan.c: a message's envelope in one pass over its text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fast path of plug_message_parse(): the fields the engine routes on
 * are decoded, every other byte is validated, and the payload is kept as
 * text (most payloads are only forwarded). The rules are those of
 * plug_message_new_from_node(): a null member counts as absent (but a
 * response's null payload is a result), of two members with one name
 * the last wins, and of several fields of a wrong type the first in
 * reading order (below) is reported.
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-json-scan-private.h"
#include "plug-message-private.h"

/* The envelope's members, then requestInfo's: each object is matched
 * against its own range (a top-level "path" is no requestInfo.path). */
typedef enum
{
  FIELD_ACTION,
  FIELD_ID,
  FIELD_NAME,
  FIELD_KEY,
  FIELD_PAYLOAD,
  FIELD_REQUEST_INFO,
  FIELD_ERROR,
  FIELD_PROTOCOL,
  FIELD_FROM,
  FIELD_PATH,
  N_FIELDS,
  FIELD_OTHER = N_FIELDS,
} Field;

static const struct
{
  const char *name;
  const char *label;
  const char *expected;
} fields[N_FIELDS] = {
  [FIELD_ACTION] = { "action", "action", "a string" },
  [FIELD_ID] = { "id", "id", "an integer" },
  [FIELD_NAME] = { "name", "name", "a string" },
  [FIELD_KEY] = { "key", "key", "a string" },
  [FIELD_PAYLOAD] = { "payload", "payload", "an array" },
  [FIELD_REQUEST_INFO] = { "requestInfo", "requestInfo", "an object" },
  [FIELD_FROM] = { "from", "requestInfo.from", "a string" },
  [FIELD_PATH] = { "path", "requestInfo.path", "a string" },
  [FIELD_ERROR] = { "error", "error", "a string" },
  [FIELD_PROTOCOL] = { "protocol", "protocol", "an object" },
};

typedef struct
{
  PlugJsonScan scan;
  PlugMessage *message;
  char *action;
  /* What a field of the wrong type holds ("a number"), by field. */
  const char *wrong[N_FIELDS];
  const char *payload_start;
  const char *payload_end;
  gboolean payload_spaced;
} Envelope;

static const char *
describe_value (const char *start,
                const char *end)
{
  switch (*start)
    {
    case '"': return "a string";
    case '{': return "an object";
    case '[': return "an array";
    case 't': case 'f': return "a boolean";
    case 'n': return "null";
    default:
      for (const char *p = start; p < end; p++)
        if (*p == '.' || *p == 'e' || *p == 'E')
          return "a number";
      return "an integer";
    }
}

static Field
field_named (const char *name,
             gsize       length,
             Field       first,
             Field       last)
{
  for (Field field = first; field <= last; field++)
    if (strncmp (name, fields[field].name, length) == 0 && fields[field].name[length] == '\0')
      return field;
  return FIELD_OTHER;
}

/* The member name at *@pos, its field among @first..@last. */
static gboolean
scan_member_name (PlugJsonScan  *scan,
                  const char   **pos,
                  Field          first,
                  Field          last,
                  Field         *field)
{
  const char *start = *pos;
  g_autofree char *decoded = NULL;
  const char *plain;
  gsize length;

  if (!plug_json_scan_string_view (scan, pos, &plain, &length))
    return FALSE;
  if (plain != NULL)
    {
      *field = field_named (plain, length, first, last);
      return TRUE;
    }
  /* escapes (rare): decode, from the start again */
  if (!plug_json_scan_string (scan, &start, &decoded))
    return FALSE;
  *field = field_named (decoded, strlen (decoded), first, last);
  return TRUE;
}

static char **
string_field (Envelope *env,
              Field     field)
{
  switch (field)
    {
    case FIELD_ACTION: return &env->action;
    case FIELD_NAME: return &env->message->name;
    case FIELD_KEY: return &env->message->key;
    case FIELD_FROM: return &env->message->from;
    case FIELD_PATH: return &env->message->path;
    case FIELD_ERROR: return &env->message->error;
    default: return NULL;
    }
}

typedef gboolean (*MemberFunc) (Envelope    *env,
                                Field        field,
                                const char **pos);

/* The members of the object at *@pos, each handed to @func with the
 * field its name is among @first..@last. */
static gboolean
scan_members (Envelope    *env,
              const char **pos,
              Field        first,
              Field        last,
              MemberFunc   func)
{
  PlugJsonScan *scan = &env->scan;
  const char *p = plug_json_scan_skip_space (scan, *pos + 1);

  if (p < scan->end && *p == '}')
    {
      *pos = p + 1;
      return TRUE;
    }
  for (;;)
    {
      Field field;

      p = plug_json_scan_skip_space (scan, p);
      if (p == scan->end || *p != '"')
        return (scan->problem = "expected a member name", scan->where = p, FALSE);
      if (!scan_member_name (scan, &p, first, last, &field))
        return FALSE;
      p = plug_json_scan_skip_space (scan, p);
      if (p == scan->end || *p != ':')
        return (scan->problem = "expected ':'", scan->where = p, FALSE);
      p = plug_json_scan_skip_space (scan, p + 1);
      if (p == scan->end)
        return (scan->problem = "expected a value", scan->where = p, FALSE);
      if (!func (env, field, &p))
        return FALSE;
      p = plug_json_scan_skip_space (scan, p);
      if (p < scan->end && *p == '}')
        break;
      if (p == scan->end || *p != ',')
        return (scan->problem = "expected ',' or '}'", scan->where = p, FALSE);
      p++;
    }
  *pos = p + 1;
  return TRUE;
}

/* A string field: decoded, or absent (null), or of the wrong type. */
static gboolean
read_string_field (Envelope    *env,
                   Field        field,
                   const char **pos)
{
  const char *start = *pos;
  char **value = string_field (env, field);

  g_clear_pointer (value, g_free);
  env->wrong[field] = NULL;
  if (*start == '"')
    return plug_json_scan_string (&env->scan, pos, value);
  if (!plug_json_scan_value (&env->scan, pos, NULL))
    return FALSE;
  if (*start != 'n')
    env->wrong[field] = describe_value (start, *pos);
  return TRUE;
}

static gboolean
read_request_info_member (Envelope    *env,
                          Field        field,
                          const char **pos)
{
  if (field == FIELD_OTHER)
    return plug_json_scan_value (&env->scan, pos, NULL);
  return read_string_field (env, field, pos);
}

static gboolean
read_id (Envelope    *env,
         const char **pos)
{
  PlugMessage *message = env->message;
  const char *start = *pos;
  const char *got;

  env->wrong[FIELD_ID] = NULL;
  message->has_id = FALSE;
  if (!plug_json_scan_value (&env->scan, pos, NULL))
    return FALSE;
  if (*start == 'n')
    return TRUE;

  got = describe_value (start, *pos);
  if (strcmp (got, "an integer") != 0)
    env->wrong[FIELD_ID] = got;
  else
    {
      message->has_id = TRUE;
      message->id = g_ascii_strtoll (start, NULL, 10);
    }
  return TRUE;
}

static gboolean
read_request_info (Envelope    *env,
                   const char **pos)
{
  const char *start = *pos;

  env->wrong[FIELD_REQUEST_INFO] = env->wrong[FIELD_FROM] = env->wrong[FIELD_PATH] = NULL;
  env->message->has_request_info = FALSE;
  g_clear_pointer (&env->message->from, g_free);
  g_clear_pointer (&env->message->path, g_free);
  if (*start == '{')
    {
      env->message->has_request_info = TRUE;
      return scan_members (env, pos, FIELD_FROM, FIELD_PATH, read_request_info_member);
    }
  if (!plug_json_scan_value (&env->scan, pos, NULL))
    return FALSE;
  if (*start != 'n')
    env->wrong[FIELD_REQUEST_INFO] = describe_value (start, *pos);
  return TRUE;
}

static gboolean
read_protocol (Envelope    *env,
               const char **pos)
{
  PlugMessage *message = env->message;
  const char *start = *pos;

  env->wrong[FIELD_PROTOCOL] = NULL;
  g_clear_pointer (&message->protocol, json_node_unref);
  if (*start == '{')
    return plug_json_scan_value (&env->scan, pos, &message->protocol);
  if (!plug_json_scan_value (&env->scan, pos, NULL))
    return FALSE;
  if (*start != 'n')
    env->wrong[FIELD_PROTOCOL] = describe_value (start, *pos);
  return TRUE;
}

static gboolean
read_member (Envelope    *env,
             Field        field,
             const char **pos)
{
  switch (field)
    {
    case FIELD_ID:
      return read_id (env, pos);
    case FIELD_PAYLOAD:
      {
        gsize n_spaces = env->scan.n_spaces;

        env->payload_start = *pos;
        if (!plug_json_scan_value (&env->scan, pos, NULL))
          return FALSE;
        env->payload_end = *pos;
        env->payload_spaced = env->scan.n_spaces != n_spaces;
        return TRUE;
      }
    case FIELD_REQUEST_INFO:
      return read_request_info (env, pos);
    case FIELD_PROTOCOL:
      return read_protocol (env, pos);
    case FIELD_OTHER:
      return plug_json_scan_value (&env->scan, pos, NULL);
    default:
      return read_string_field (env, field, pos);
    }
}

static void
set_action (Envelope *env)
{
  PlugMessage *message = env->message;

  if (env->action == NULL)
    {
      message->action = PLUG_ACTION_NONE;
      message->action_name = NULL;
      return;
    }
  message->action = plug_message_action_from_name (env->action, &message->action_name);
  if (message->action == PLUG_ACTION_UNKNOWN)
    message->action_name = message->unknown_action = g_steal_pointer (&env->action);
}

/* The payload's text, compact; a null one only for a response (a null
 * result). */
static void
set_payload (Envelope *env)
{
  PlugMessage *message = env->message;
  const char *start = env->payload_start;
  gsize length;

  if (start == NULL || (*start == 'n' && message->action != PLUG_ACTION_RESPONSE))
    return;

  length = env->payload_end - start;
  if (!env->payload_spaced)
    {
      message->payload_text = plug_json_dup (start, length);
      message->payload_text_length = length;
    }
  else
    message->payload_text = plug_json_compact (start, length, &message->payload_text_length);
}

static gboolean
check_types (Envelope  *env,
             GError   **error)
{
  PlugAction action = env->message->action;

  if (env->payload_start != NULL && *env->payload_start != '[' && *env->payload_start != 'n' &&
      (action == PLUG_ACTION_REQUEST || action == PLUG_ACTION_EMIT))
    env->wrong[FIELD_PAYLOAD] = describe_value (env->payload_start, env->payload_end);

  for (Field field = 0; field < N_FIELDS; field++)
    if (env->wrong[field] != NULL)
      return plug_message_wrong_type (fields[field].label, fields[field].expected,
                                      env->wrong[field], error);
  return TRUE;
}

PlugMessage *
plug_message_scan (const char  *data,
                   gsize        length,
                   const char **not_json,
                   const char **not_json_where,
                   GError     **error)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_NONE);
  g_autofree char *action = NULL;
  Envelope env = { .message = message, };
  const char *p;
  gboolean ok;

  plug_json_scan_init (&env.scan, data, length);
  p = plug_json_scan_skip_space (&env.scan, data);
  if (p == env.scan.end || *p != '{')
    ok = (env.scan.problem = "not a JSON object", env.scan.where = p, FALSE);
  else
    ok = scan_members (&env, &p, FIELD_ACTION, FIELD_PROTOCOL, read_member);
  action = env.action;
  if (ok && plug_json_scan_skip_space (&env.scan, p) != env.scan.end)
    ok = (env.scan.problem = "several JSON values in one text", env.scan.where = p, FALSE);
  if (!ok)
    {
      *not_json = env.scan.problem;
      *not_json_where = env.scan.where;
      return NULL;
    }

  set_action (&env);
  if (env.action == NULL)
    action = NULL;  /* stolen */
  if (!check_types (&env, error))
    return NULL;
  set_payload (&env);
  return g_steal_pointer (&message);
}
