/* plug-profile.c: a plugin's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-profile.h"

/* The typed view of the known fields; the JSON object keeps everything. */
typedef struct
{
  char *name;
  char *description;
  char *version;
  char *url;
  char *connector;
  char *command;
  char *cwd;
  GStrv args;
  GStrv env;
  GStrv methods;
  GStrv events;
  guint call_timeout;
  guint start_timeout;
  guint concurrency;
} ProfileFields;

/* Where a manifest came from, for error messages. */
typedef struct
{
  const char *origin;
  const char *text;
  gsize length;
} ProfileSource;

struct _PlugProfile
{
  GObject parent_instance;

  JsonObject *json;
  ProfileFields fields;
  char *path;
  char *base_dir;
};

G_DEFINE_FINAL_TYPE (PlugProfile, plug_profile, G_TYPE_OBJECT)

static void
profile_fields_clear (ProfileFields *fields)
{
  g_clear_pointer (&fields->name, g_free);
  g_clear_pointer (&fields->description, g_free);
  g_clear_pointer (&fields->version, g_free);
  g_clear_pointer (&fields->url, g_free);
  g_clear_pointer (&fields->connector, g_free);
  g_clear_pointer (&fields->command, g_free);
  g_clear_pointer (&fields->cwd, g_free);
  g_clear_pointer (&fields->args, g_strfreev);
  g_clear_pointer (&fields->env, g_strfreev);
  g_clear_pointer (&fields->methods, g_strfreev);
  g_clear_pointer (&fields->events, g_strfreev);
}

static void
plug_profile_finalize (GObject *object)
{
  PlugProfile *self = PLUG_PROFILE (object);

  profile_fields_clear (&self->fields);
  g_clear_pointer (&self->json, json_object_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->base_dir, g_free);

  G_OBJECT_CLASS (plug_profile_parent_class)->finalize (object);
}

static void
plug_profile_class_init (PlugProfileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = plug_profile_finalize;
}

static void
plug_profile_init (PlugProfile *self)
{
}

/* JSON helpers */

static JsonNode *deep_copy_node (JsonNode *node);

static JsonObject *
deep_copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    json_object_set_member (copy, member_name, deep_copy_node (member));

  return copy;
}

static JsonNode *
deep_copy_node (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, deep_copy_object (json_node_get_object (node)));
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint length = json_array_get_length (array);
      JsonArray *array_copy = json_array_sized_new (length);

      for (guint i = 0; i < length; i++)
        json_array_add_element (array_copy, deep_copy_node (json_array_get_element (array, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, array_copy);
    }
  else
    {
      copy = json_node_copy (node);
    }

  return copy;
}

static JsonArray *
strv_to_array (const char * const *strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);

  return array;
}

/* A member whose value is null counts as absent. */
static JsonNode *
get_member (JsonObject *object,
            const char *field)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;

  return node;
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

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
read_string (JsonObject           *object,
             const char           *field,
             char                **out,
             const ProfileSource  *source,
             GError              **error)
{
  JsonNode *node = get_member (object, field);

  if (node == NULL)
    return TRUE;
  if (!is_string (node))
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
  JsonNode *node = get_member (object, field);
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

          if (!is_string (element))
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
  JsonNode *node = get_member (object, "env");
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

      if (!is_string (value))
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
  JsonNode *node = get_member (object, field);
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
  JsonNode *node = get_member (object, field);

  if (node != NULL && !is_string (node))
    return field_error (source, field, "must be a string", error);

  return TRUE;
}

static gboolean
read_name (JsonObject           *object,
           char                **out,
           const ProfileSource  *source,
           GError              **error)
{
  JsonNode *node = get_member (object, "name");
  const char *name;

  if (node == NULL)
    return field_error (source, "name", "is required", error);
  if (!is_string (node) || *(name = json_node_get_string (node)) == '\0')
    return field_error (source, "name", "must be a non-empty string", error);
  /* Service paths such as "cmd.git" use dots to name a plugin's services. */
  if (strchr (name, '.') != NULL)
    return field_error (source, "name", "must not contain '.'", error);

  *out = g_strdup (name);
  return TRUE;
}

static gboolean
read_fields (ProfileFields        *fields,
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
                     &fields->concurrency, source, error);
}

static char *
resolve_path (const char *path,
              const char *base_dir)
{
  if (base_dir == NULL || g_path_is_absolute (path))
    return g_strdup (path);

  return g_canonicalize_filename (path, base_dir);
}

static void
replace_string (char **field,
                char  *value)
{
  g_free (*field);
  *field = value;
}

/* Remix's child-process connector runs fork(url): a Node script. */
static void
apply_node_script (ProfileFields *fields,
                   const char    *base_dir)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autofree char *script = NULL;

  if (fields->command != NULL || fields->url == NULL ||
      strcmp (fields->connector, PLUG_PROFILE_DEFAULT_CONNECTOR) != 0 ||
      !g_str_has_suffix (fields->url, ".js") ||
      g_uri_peek_scheme (fields->url) != NULL)
    return;

  builder = g_strv_builder_new ();
  script = resolve_path (fields->url, base_dir);
  g_strv_builder_add (builder, script);
  g_strv_builder_addv (builder, (const char **) fields->args);
  g_strfreev (fields->args);
  fields->args = g_strv_builder_end (builder);
  fields->command = g_strdup ("node");
}

/* Defaults, and paths relative to the manifest's directory. */
static void
complete_fields (ProfileFields *fields,
                 const char    *base_dir)
{
  if (fields->call_timeout == 0)
    fields->call_timeout = PLUG_PROFILE_DEFAULT_CALL_TIMEOUT_MS;
  if (fields->start_timeout == 0)
    fields->start_timeout = PLUG_PROFILE_DEFAULT_START_TIMEOUT_MS;
  if (fields->concurrency == 0)
    fields->concurrency = PLUG_PROFILE_DEFAULT_CONCURRENCY;
  if (fields->connector == NULL)
    fields->connector = g_strdup (PLUG_PROFILE_DEFAULT_CONNECTOR);
  if (fields->methods == NULL)
    fields->methods = g_new0 (char *, 1);
  if (fields->events == NULL)
    fields->events = g_new0 (char *, 1);
  if (fields->args == NULL)
    fields->args = g_new0 (char *, 1);

  if (fields->cwd == NULL)
    fields->cwd = g_strdup (base_dir);
  else
    replace_string (&fields->cwd, resolve_path (fields->cwd, base_dir));

  /* A bare command name is looked up in PATH when spawning. */
  if (fields->command != NULL && strchr (fields->command, '/') != NULL)
    replace_string (&fields->command, resolve_path (fields->command, base_dir));

  apply_node_script (fields, base_dir);
}

static gboolean
load_fields (ProfileFields        *fields,
             JsonObject           *object,
             const char           *base_dir,
             const ProfileSource  *source,
             GError              **error)
{
  ProfileFields loaded = { NULL, };

  if (!read_fields (&loaded, object, source, error))
    {
      profile_fields_clear (&loaded);
      return FALSE;
    }

  complete_fields (&loaded, base_dir);
  profile_fields_clear (fields);
  *fields = loaded;
  return TRUE;
}

/* Constructors */

static PlugProfile *
profile_new_from_object (JsonObject           *object,
                         const char           *base_dir,
                         const ProfileSource  *source,
                         GError              **error)
{
  g_autoptr(PlugProfile) self = g_object_new (PLUG_TYPE_PROFILE, NULL);

  if (base_dir != NULL)
    self->base_dir = g_canonicalize_filename (base_dir, NULL);
  if (!load_fields (&self->fields, object, self->base_dir, source, error))
    return NULL;

  self->json = json_object_ref (object);
  return g_steal_pointer (&self);
}

static const char *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
    }
}

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
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      /* json-glib names the text "<data>"; name the file instead. */
      const char *message = local_error->message;
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
                   root ? describe_node (root) : "nothing");
      return NULL;
    }

  return profile_new_from_object (json_node_get_object (root), base_dir, &source, error);
}

PlugProfile *
plug_profile_new (const char *name)
{
  PlugProfile *self;
  g_autoptr(JsonObject) object = json_object_new ();
  ProfileSource source = { NULL, };

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  json_object_set_string_member (object, "name", name);
  self = profile_new_from_object (object, NULL, &source, NULL);
  g_return_val_if_fail (self != NULL, NULL);

  return self;
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

PlugProfile *
plug_profile_new_from_json (JsonObject  *object,
                            const char  *base_dir,
                            const char  *origin,
                            GError     **error)
{
  g_autoptr(JsonObject) copy = NULL;
  ProfileSource source = { origin, NULL, 0 };

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  copy = deep_copy_object (object);
  return profile_new_from_object (copy, base_dir, &source, error);
}

JsonObject *
plug_profile_to_json (PlugProfile *self)
{
  JsonObject *object;

  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  object = deep_copy_object (self->json);
  json_object_set_array_member (object, "methods",
                                strv_to_array ((const char * const *) self->fields.methods));

  return object;
}

static gboolean
refuse_change (JsonObject  *update,
               const char  *field,
               const char  *current,
               const char  *message,
               GError     **error)
{
  JsonNode *node = json_object_get_member (update, field);
  const char *wanted;

  if (node == NULL)
    return TRUE;

  wanted = is_string (node) ? json_node_get_string (node) : NULL;
  if ((JSON_NODE_HOLDS_NULL (node) && current == NULL) ||
      (wanted != NULL && g_strcmp0 (wanted, current) == 0))
    return TRUE;

  g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED, message);
  return FALSE;
}

gboolean
plug_profile_update (PlugProfile  *self,
                     JsonObject   *update,
                     GError      **error)
{
  g_autoptr(JsonObject) merged = NULL;
  ProfileSource source = { NULL, };
  JsonObjectIter iter;
  const char *member_name;
  JsonNode *member;

  g_return_val_if_fail (PLUG_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!refuse_change (update, "name", self->fields.name,
                      "A plugin cannot change its name.", error) ||
      !refuse_change (update, "url", self->fields.url,
                      "Url from Profile cannot be updated.", error))
    return FALSE;

  merged = deep_copy_object (self->json);
  json_object_iter_init_ordered (&iter, update);
  while (json_object_iter_next_ordered (&iter, &member_name, &member))
    json_object_set_member (merged, member_name, deep_copy_node (member));

  if (!load_fields (&self->fields, merged, self->base_dir, &source, error))
    return FALSE;

  g_clear_pointer (&self->json, json_object_unref);
  self->json = g_steal_pointer (&merged);
  return TRUE;
}

/* Getters */

const char *
plug_profile_get_name (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.name;
}

const char *
plug_profile_get_description (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.description;
}

const char *
plug_profile_get_version (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.version;
}

const char *
plug_profile_get_url (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.url;
}

const char *
plug_profile_get_connector (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.connector;
}

const char *
plug_profile_get_command (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.command;
}

const char * const *
plug_profile_get_args (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return (const char * const *) self->fields.args;
}

const char * const *
plug_profile_get_env (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return (const char * const *) self->fields.env;
}

const char *
plug_profile_get_cwd (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.cwd;
}

const char *
plug_profile_get_path (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->path;
}

const char * const *
plug_profile_get_methods (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return (const char * const *) self->fields.methods;
}

const char * const *
plug_profile_get_events (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return (const char * const *) self->fields.events;
}

gboolean
plug_profile_has_method (PlugProfile *self,
                         const char  *method)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (method != NULL, FALSE);

  return g_strv_contains ((const char * const *) self->fields.methods, method);
}

guint
plug_profile_get_call_timeout (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), 0);

  return self->fields.call_timeout;
}

guint
plug_profile_get_start_timeout (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), 0);

  return self->fields.start_timeout;
}

guint
plug_profile_get_concurrency (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), 0);

  return self->fields.concurrency;
}

/* Setters: they keep the JSON object in step, for plug_profile_to_json(). */

static void
set_strv (PlugProfile         *self,
          const char          *field,
          GStrv               *out,
          const char * const  *value)
{
  GStrv copy = value ? g_strdupv ((GStrv) value) : g_new0 (char *, 1);

  g_strfreev (*out);
  *out = copy;
  json_object_set_array_member (self->json, field, strv_to_array (value));
}

void
plug_profile_set_methods (PlugProfile        *self,
                          const char * const *methods)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));

  set_strv (self, "methods", &self->fields.methods, methods);
}

void
plug_profile_set_events (PlugProfile        *self,
                         const char * const *events)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));

  set_strv (self, "events", &self->fields.events, events);
}

void
plug_profile_set_description (PlugProfile *self,
                              const char  *description)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));

  replace_string (&self->fields.description, g_strdup (description));
  if (description != NULL)
    json_object_set_string_member (self->json, "description", description);
  else
    json_object_remove_member (self->json, "description");
}

void
plug_profile_set_call_timeout (PlugProfile *self,
                               guint        timeout_ms)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));
  g_return_if_fail (timeout_ms > 0);

  self->fields.call_timeout = timeout_ms;
  json_object_set_int_member (self->json, "callTimeout", timeout_ms);
}

void
plug_profile_set_start_timeout (PlugProfile *self,
                                guint        timeout_ms)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));
  g_return_if_fail (timeout_ms > 0);

  self->fields.start_timeout = timeout_ms;
  json_object_set_int_member (self->json, "startTimeout", timeout_ms);
}

void
plug_profile_set_concurrency (PlugProfile *self,
                              guint        concurrency)
{
  g_return_if_fail (PLUG_IS_PROFILE (self));
  g_return_if_fail (concurrency >= 1);

  self->fields.concurrency = concurrency;
  json_object_set_int_member (self->json, "concurrency", concurrency);
}

/* Finding and loading manifests */

static void
add_search_dir (GPtrArray  *dirs,
                const char *dir)
{
  g_autofree char *canonical = NULL;

  if (dir == NULL || *dir == '\0')
    return;

  canonical = g_canonicalize_filename (dir, NULL);
  for (guint i = 0; i < dirs->len; i++)
    {
      if (strcmp (g_ptr_array_index (dirs, i), canonical) == 0)
        return;
    }
  g_ptr_array_add (dirs, g_steal_pointer (&canonical));
}

GStrv
plug_profile_search_path (const char * const *extra_dirs)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env_path = g_getenv ("PLUGCTL_PLUGIN_PATH");
  const char * const *system_dirs = g_get_system_data_dirs ();
  g_autofree char *user_dir = NULL;

  for (guint i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    add_search_dir (dirs, extra_dirs[i]);

  if (env_path != NULL)
    {
      g_auto(GStrv) env_dirs = g_strsplit (env_path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; env_dirs[i] != NULL; i++)
        add_search_dir (dirs, env_dirs[i]);
    }

  user_dir = g_build_filename (g_get_user_data_dir (), "plugctl", "plugins", NULL);
  add_search_dir (dirs, user_dir);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (system_dirs[i], "plugctl", "plugins", NULL);

      add_search_dir (dirs, dir);
    }

  g_ptr_array_add (dirs, NULL);
  return (GStrv) g_ptr_array_free (dirs, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_profiles (gconstpointer a,
                  gconstpointer b)
{
  PlugProfile *profile_a = *(PlugProfile * const *) a;
  PlugProfile *profile_b = *(PlugProfile * const *) b;

  return strcmp (profile_a->fields.name, profile_b->fields.name);
}

/* The manifests of @dir_path, sorted by file name; NULL when there is no
 * such directory. */
static GPtrArray *
list_manifests (const char  *dir_path,
                GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  GPtrArray *files;
  const char *file_name;

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL)
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
          !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  files = g_ptr_array_new_with_free_func (g_free);
  while ((file_name = g_dir_read_name (dir)) != NULL)
    {
      /* Hidden files are editors' and tools' leftovers. */
      if (file_name[0] != '.' && g_str_has_suffix (file_name, ".json"))
        g_ptr_array_add (files, g_build_filename (dir_path, file_name, NULL));
    }
  g_ptr_array_sort (files, compare_strings);

  return files;
}

static void
load_manifest (const char  *file,
               GPtrArray   *profiles,
               GHashTable  *files_by_name,
               GPtrArray   *errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  const char *first_file;

  profile = plug_profile_new_from_file (file, &error);
  if (profile == NULL)
    {
      g_ptr_array_add (errors, g_steal_pointer (&error));
      return;
    }

  first_file = g_hash_table_lookup (files_by_name, profile->fields.name);
  if (first_file != NULL)
    {
      g_ptr_array_add (errors,
                       g_error_new (PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED,
                                    "%s: plugin \"%s\" is already defined in %s",
                                    file, profile->fields.name, first_file));
      return;
    }

  g_hash_table_insert (files_by_name, g_strdup (profile->fields.name), g_strdup (file));
  g_ptr_array_add (profiles, g_steal_pointer (&profile));
}

GPtrArray *
plug_profile_load_dirs (const char * const  *dirs,
                        GPtrArray          **errors)
{
  g_autoptr(GHashTable) files_by_name = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                               g_free, g_free);
  g_autoptr(GPtrArray) all_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GPtrArray *profiles = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) files = list_manifests (dirs[i], &error);

      if (error != NULL)
        g_ptr_array_add (all_errors, g_steal_pointer (&error));
      for (guint j = 0; files != NULL && j < files->len; j++)
        load_manifest (g_ptr_array_index (files, j), profiles, files_by_name, all_errors);
    }

  g_ptr_array_sort (profiles, compare_profiles);
  if (errors != NULL)
    *errors = g_steal_pointer (&all_errors);

  return profiles;
}
