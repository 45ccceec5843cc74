/* plug-profile-loader.c: reading manifests from text and files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-json-check-private.h"
#include "plug-json-node-private.h"
#include "plug-profile-private.h"

/* Errors */

/* The position of @field's value in the source text: the first quoted
 * occurrence of the key followed by ':' (json-glib keeps no positions). */
static gboolean
find_field_position (const ProfileSource *source,
                     const char          *field,
                     guint               *line,
                     guint               *column)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", field);
  gsize quoted_len = strlen (quoted);
  const char *end = source->text + source->length;
  const char *p = source->text;

  while ((p = g_strstr_len (p, end - p, quoted)) != NULL)
    {
      const char *q = p + quoted_len;
      const char *line_start = source->text;

      while (q < end && g_ascii_isspace (*q))
        q++;
      if (q >= end || *q != ':')
        {
          p += quoted_len;
          continue;
        }
      for (q++; q < end && g_ascii_isspace (*q); q++)
        ;

      *line = 1;
      for (const char *c = source->text; c < q; c++)
        {
          if (*c == '\n')
            {
              (*line)++;
              line_start = c + 1;
            }
        }
      *column = g_utf8_strlen (line_start, q - line_start) + 1;
      return TRUE;
    }

  return FALSE;
}

static char *
error_prefix (const ProfileSource *source,
              const char          *field)
{
  guint line, column;

  if (source->text != NULL && field != NULL &&
      find_field_position (source, field, &line, &column))
    return g_strdup_printf ("%s:%u:%u: ", source->origin ? source->origin : "<data>",
                            line, column);
  if (source->origin != NULL)
    return g_strdup_printf ("%s: ", source->origin);

  return g_strdup ("");
}

static gboolean
field_error (const ProfileSource *source,
             const char          *field,
             const char          *problem,
             GError             **error)
{
  g_autofree char *prefix = error_prefix (source, field);

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
               "%sfield \"%s\" %s", prefix, field, problem);
  return FALSE;
}

/* Reading the known fields */

static gboolean
is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
read_string (JsonObject           *object,
             const char           *field,
             char                **out,
             const ProfileSource  *source,
             GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, field);

  if (node == NULL)
    return TRUE;
  if (!plug_profile_node_is_string (node))
    return field_error (source, field, "must be a string", error);

  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_strv (JsonObject           *object,
           const char           *field,
           GStrv                *out,
           const ProfileSource  *source,
           GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, field);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return field_error (source, field, "must be an array of strings", error);

      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!plug_profile_node_is_string (element))
            return field_error (source, field, "must be an array of strings", error);
          g_strv_builder_add (builder, json_node_get_string (element));
        }
    }

  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
read_env (JsonObject           *object,
          GStrv                *out,
          const ProfileSource  *source,
          GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, "env");
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonObjectIter iter;
  const char *variable;
  JsonNode *value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return field_error (source, "env", "must be an object of strings", error);

  builder = g_strv_builder_new ();
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &variable, &value))
    {
      g_autofree char *entry = NULL;

      if (!plug_profile_node_is_string (value))
        return field_error (source, "env", "must be an object of strings", error);
      entry = g_strconcat (variable, "=", json_node_get_string (value), NULL);
      g_strv_builder_add (builder, entry);
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* Timeouts and concurrency: an integer >= 1 that fits a guint. */
static gboolean
read_count (JsonObject           *object,
            const char           *field,
            const char           *problem,
            guint                *out,
            const ProfileSource  *source,
            GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, field);
  gint64 value;

  if (node == NULL)
    return TRUE;

  value = is_integer (node) ? json_node_get_int (node) : 0;
  if (value < 1 || value > G_MAXUINT)
    return field_error (source, field, problem, error);

  *out = (guint) value;
  return TRUE;
}

static gboolean
check_string (JsonObject           *object,
              const char           *field,
              const ProfileSource  *source,
              GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, field);

  if (node != NULL && !plug_profile_node_is_string (node))
    return field_error (source, field, "must be a string", error);

  return TRUE;
}

/* Version ranges: ">=0.1, <2". Each comparison is an operator (>=, <=,
 * >, <, =, or none for =) and a version of one to three numbers, the
 * missing ones 0. */

static gboolean
parse_version (const char **p,
               guint64      parts[3])
{
  const char *s = *p;

  parts[0] = parts[1] = parts[2] = 0;
  for (guint i = 0; i < 3; i++)
    {
      char *end = NULL;

      if (!g_ascii_isdigit (*s))
        return FALSE;
      parts[i] = g_ascii_strtoull (s, &end, 10);
      s = end;
      if (*s != '.' || i == 2)
        break;
      s++;
    }
  *p = s;
  return TRUE;
}

static int
compare_versions (const guint64 a[3],
                  const guint64 b[3])
{
  for (guint i = 0; i < 3; i++)
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  return 0;
}

typedef enum { CMP_EQ, CMP_LT, CMP_LE, CMP_GT, CMP_GE } Comparison;

static const char *
skip_spaces (const char *s)
{
  while (g_ascii_isspace (*s))
    s++;
  return s;
}

static Comparison
parse_operator (const char **p)
{
  const char *s = *p;
  Comparison op = CMP_EQ;

  if (s[0] == '>' && s[1] == '=')
    op = CMP_GE, s += 2;
  else if (s[0] == '<' && s[1] == '=')
    op = CMP_LE, s += 2;
  else if (s[0] == '>')
    op = CMP_GT, s += 1;
  else if (s[0] == '<')
    op = CMP_LT, s += 1;
  else if (s[0] == '=')
    s += 1;
  *p = skip_spaces (s);
  return op;
}

static gboolean
comparison_holds (Comparison op,
                  int        order)
{
  switch (op)
    {
    case CMP_LT: return order < 0;
    case CMP_LE: return order <= 0;
    case CMP_GT: return order > 0;
    case CMP_GE: return order >= 0;
    case CMP_EQ:
    default:
      return order == 0;
    }
}

/* Walks @range; with @version (3 parts) also checks it. FALSE on a
 * syntax error, or when @matches is FALSE at the end. */
static gboolean
walk_range (const char    *range,
            const guint64 *version,
            gboolean      *matches)
{
  const char *s = skip_spaces (range);

  *matches = TRUE;
  if (*s == '\0')
    return FALSE;

  while (TRUE)
    {
      Comparison op = parse_operator (&s);
      guint64 bound[3];

      if (!parse_version (&s, bound))
        return FALSE;
      if (version != NULL && !comparison_holds (op, compare_versions (version, bound)))
        *matches = FALSE;

      s = skip_spaces (s);
      if (*s == '\0')
        return TRUE;
      if (*s != ',')
        return FALSE;
      s = skip_spaces (s + 1);
    }
}

gboolean
plug_profile_range_is_valid (const char *range)
{
  gboolean matches;

  return walk_range (range, NULL, &matches);
}

/* @version: "0.1.0" (trailing text such as "-rc1" is ignored). */
gboolean
plug_profile_range_matches (const char *range,
                            const char *version)
{
  guint64 parts[3];
  gboolean matches;

  if (!parse_version (&version, parts))
    return FALSE;
  return walk_range (range, parts, &matches) && matches;
}

static gboolean
read_range (JsonObject           *object,
            char                **out,
            const ProfileSource  *source,
            GError              **error)
{
  if (!read_string (object, "plugctl", out, source, error))
    return FALSE;
  if (*out != NULL && !plug_profile_range_is_valid (*out))
    return field_error (source, "plugctl",
                        "must be a version range such as \">=0.1, <2\"", error);
  return TRUE;
}

static gboolean
read_restart (JsonObject           *object,
              PlugRestartPolicy    *out,
              const ProfileSource  *source,
              GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, "restart");
  const char *value;

  if (node == NULL)
    return TRUE;
  value = plug_profile_node_is_string (node) ? json_node_get_string (node) : "";
  if (strcmp (value, "never") == 0)
    *out = PLUG_RESTART_NEVER;
  else if (strcmp (value, "on-failure") == 0)
    *out = PLUG_RESTART_ON_FAILURE;
  else
    return field_error (source, "restart", "must be \"never\" or \"on-failure\"", error);
  return TRUE;
}

static gboolean
read_start (JsonObject           *object,
            PlugStartMode        *out,
            const ProfileSource  *source,
            GError              **error)
{
  static const char * const modes[] = { "call", "event", "daemon" };
  JsonNode *node = plug_json_get_present_member (object, "start");
  const char *value;

  if (node == NULL)
    return TRUE;
  value = plug_profile_node_is_string (node) ? json_node_get_string (node) : "";
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      if (strcmp (value, modes[i]) == 0)
        {
          *out = (PlugStartMode) i;
          return TRUE;
        }
    }
  return field_error (source, "start", "must be \"call\", \"event\" or \"daemon\"", error);
}

/* A non-empty string member of a `listens` entry, or NULL. */
static const char *
get_listen_member (JsonNode   *entry,
                   const char *member)
{
  JsonNode *node;

  if (!JSON_NODE_HOLDS_OBJECT (entry))
    return NULL;
  node = json_object_get_member (json_node_get_object (entry), member);
  if (node == NULL || !plug_profile_node_is_string (node) ||
      *json_node_get_string (node) == '\0')
    return NULL;
  return json_node_get_string (node);
}

/* After `start`: "event" without an event to wait for would never start. */
static gboolean
read_listens (JsonObject           *object,
              ProfileFields        *fields,
              const ProfileSource  *source,
              GError              **error)
{
  const char *problem = "must be an array of {\"emitter\": string, \"event\": string}";
  JsonNode *node = plug_json_get_present_member (object, "listens");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array = NULL;

  if (node != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    return field_error (source, "listens", problem, error);
  if (node != NULL)
    array = json_node_get_array (node);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *entry = json_array_get_element (array, i);
      const char *emitter = get_listen_member (entry, "emitter");
      const char *event = get_listen_member (entry, "event");

      if (emitter == NULL || event == NULL)
        return field_error (source, "listens", problem, error);
      g_strv_builder_add_many (builder, emitter, event, NULL);
    }
  g_strfreev (fields->listens);
  fields->listens = g_strv_builder_end (builder);
  if (fields->start == PLUG_START_EVENT && fields->listens[0] == NULL)
    return field_error (source, "start", "is \"event\" but \"listens\" names no event",
                        error);
  return TRUE;
}

static gboolean
read_name (JsonObject           *object,
           char                **out,
           const ProfileSource  *source,
           GError              **error)
{
  JsonNode *node = plug_json_get_present_member (object, "name");
  const char *name;

  if (node == NULL)
    return field_error (source, "name", "is required", error);
  if (!plug_profile_node_is_string (node) || *(name = json_node_get_string (node)) == '\0')
    return field_error (source, "name", "must be a non-empty string", error);
  /* Service paths such as "cmd.git" use dots to name a plugin's services. */
  if (strchr (name, '.') != NULL)
    return field_error (source, "name", "must not contain '.'", error);

  *out = g_strdup (name);
  return TRUE;
}

gboolean
plug_profile_read_fields (ProfileFields        *fields,
                          JsonObject           *object,
                          const ProfileSource  *source,
                          GError              **error)
{
  return read_name (object, &fields->name, source, error) &&
         check_string (object, "displayName", source, error) &&
         read_string (object, "description", &fields->description, source, error) &&
         read_string (object, "version", &fields->version, source, error) &&
         read_string (object, "url", &fields->url, source, error) &&
         read_string (object, "connector", &fields->connector, source, error) &&
         read_string (object, "command", &fields->command, source, error) &&
         read_strv (object, "args", &fields->args, source, error) &&
         read_env (object, &fields->env, source, error) &&
         read_string (object, "cwd", &fields->cwd, source, error) &&
         read_strv (object, "methods", &fields->methods, source, error) &&
         read_strv (object, "events", &fields->events, source, error) &&
         read_count (object, "callTimeout", "must be an integer > 0",
                     &fields->call_timeout, source, error) &&
         read_count (object, "startTimeout", "must be an integer > 0",
                     &fields->start_timeout, source, error) &&
         read_count (object, "concurrency", "must be an integer >= 1",
                     &fields->concurrency, source, error) &&
         read_count (object, "maxQueue", "must be an integer >= 1",
                     &fields->max_queue, source, error) &&
         read_range (object, &fields->plugctl_range, source, error) &&
         read_restart (object, &fields->restart, source, error) &&
         read_count (object, "restartLimit", "must be an integer >= 1",
                     &fields->restart_limit, source, error) &&
         read_count (object, "restartWindow", "must be an integer > 0",
                     &fields->restart_window, source, error) &&
         read_count (object, "restartBackoff", "must be an integer > 0",
                     &fields->restart_backoff, source, error) &&
         read_start (object, &fields->start, source, error) &&
         read_listens (object, fields, source, error) &&
         read_count (object, "idleTimeout", "must be an integer > 0",
                     &fields->idle_timeout, source, error);
}

/* Parsing manifests */

static PlugProfile *
profile_new_from_text (const char  *text,
                       gsize        length,
                       const char  *base_dir,
                       const char  *origin,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  ProfileSource source = { origin ? origin : "<data>", text, length };
  const char *problem = plug_json_check_text (text, length);
  JsonNode *root;

  if (problem != NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: not valid JSON: %s", source.origin, problem);
      return NULL;
    }

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      /* json-glib names the text "<data>"; name the file instead. It
       * quotes the text, and may cut a character in two. */
      g_autofree char *valid = g_utf8_make_valid (local_error->message, -1);
      const char *message = valid;
      const char *separator = ": ";

      if (g_str_has_prefix (message, "<data>:"))
        {
          message += strlen ("<data>:");
          separator = ":";
        }
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s%s%s", source.origin, separator, message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: a manifest must be a JSON object, got %s", source.origin,
                   plug_json_describe (root, FALSE));
      return NULL;
    }

  return plug_profile_new_from_object (json_node_get_object (root), base_dir, &source, error);
}

PlugProfile *
plug_profile_new_from_file (const char  *path,
                            GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *base_dir = NULL;
  gsize length;
  PlugProfile *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, error))
    return NULL;

  base_dir = g_path_get_dirname (path);
  self = profile_new_from_text (text, length, base_dir, path, error);
  if (self != NULL)
    self->path = g_strdup (path);

  return self;
}

PlugProfile *
plug_profile_new_from_data (const char  *data,
                            gssize       length,
                            const char  *base_dir,
                            GError     **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length < 0)
    length = strlen (data);

  return profile_new_from_text (data, length, base_dir, NULL, error);
}
