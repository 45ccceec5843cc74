/* plug-profile.c: a plugin's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-profile-private.h"

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
  g_clear_pointer (&fields->plugctl_range, g_free);
  g_clear_pointer (&fields->listens, g_strfreev);
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

gboolean
plug_profile_node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
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
  if (fields->max_queue == 0)
    fields->max_queue = PLUG_PROFILE_DEFAULT_MAX_QUEUE;
  if (fields->restart_limit == 0)
    fields->restart_limit = PLUG_PROFILE_DEFAULT_RESTART_LIMIT;
  if (fields->restart_window == 0)
    fields->restart_window = PLUG_PROFILE_DEFAULT_RESTART_WINDOW_MS;
  if (fields->restart_backoff == 0)
    fields->restart_backoff = PLUG_PROFILE_DEFAULT_RESTART_BACKOFF_MS;
  if (fields->connector == NULL)
    fields->connector = g_strdup (PLUG_PROFILE_DEFAULT_CONNECTOR);
  if (fields->methods == NULL)
    fields->methods = g_new0 (char *, 1);
  if (fields->events == NULL)
    fields->events = g_new0 (char *, 1);
  if (fields->args == NULL)
    fields->args = g_new0 (char *, 1);
  if (fields->listens == NULL)
    fields->listens = g_new0 (char *, 1);

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

  if (!plug_profile_read_fields (&loaded, object, source, error))
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

PlugProfile *
plug_profile_new_from_object (JsonObject           *object,
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

PlugProfile *
plug_profile_new (const char *name)
{
  PlugProfile *self;
  g_autoptr(JsonObject) object = json_object_new ();
  ProfileSource source = { NULL, };

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  json_object_set_string_member (object, "name", name);
  self = plug_profile_new_from_object (object, NULL, &source, NULL);
  g_return_val_if_fail (self != NULL, NULL);

  return self;
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
  return plug_profile_new_from_object (copy, base_dir, &source, error);
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

/* Puts *@old back in *@field when they are equal. */
static void
keep_string (char **field,
             char **old)
{
  if (g_strcmp0 (*field, *old) != 0)
    return;
  g_free (*field);
  *field = g_steal_pointer (old);
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

  wanted = plug_profile_node_is_string (node) ? json_node_get_string (node) : NULL;
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
  g_autofree char *name = NULL;
  g_autofree char *url = NULL;
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

  name = g_steal_pointer (&self->fields.name);
  url = g_steal_pointer (&self->fields.url);
  if (!load_fields (&self->fields, merged, self->base_dir, &source, error))
    {
      self->fields.name = g_steal_pointer (&name);
      self->fields.url = g_steal_pointer (&url);
      return FALSE;
    }
  /* Unchanged (refused above): keep the strings callers may hold. */
  keep_string (&self->fields.name, &name);
  keep_string (&self->fields.url, &url);

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

const char *
plug_profile_get_plugctl_range (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return self->fields.plugctl_range;
}

gboolean
plug_profile_check_plugctl_version (PlugProfile  *self,
                                    const char   *version,
                                    GError      **error)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (version != NULL, FALSE);

  if (self->fields.plugctl_range == NULL ||
      plug_profile_range_matches (self->fields.plugctl_range, version))
    return TRUE;

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
               "Plugin %s needs plugctl %s; this is plugctl %s",
               self->fields.name, self->fields.plugctl_range, version);
  return FALSE;
}

PlugRestartPolicy
plug_profile_get_restart (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_RESTART_NEVER);

  return self->fields.restart;
}

guint
plug_profile_get_restart_limit (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_PROFILE_DEFAULT_RESTART_LIMIT);

  return self->fields.restart_limit;
}

guint
plug_profile_get_restart_window (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_PROFILE_DEFAULT_RESTART_WINDOW_MS);

  return self->fields.restart_window;
}

guint
plug_profile_get_restart_backoff (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_PROFILE_DEFAULT_RESTART_BACKOFF_MS);

  return self->fields.restart_backoff;
}

guint
plug_profile_get_max_queue (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_PROFILE_DEFAULT_MAX_QUEUE);

  return self->fields.max_queue;
}

PlugStartMode
plug_profile_get_start (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), PLUG_START_CALL);

  return self->fields.start;
}

const char * const *
plug_profile_get_listens (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), NULL);

  return (const char * const *) self->fields.listens;
}

guint
plug_profile_get_idle_timeout (PlugProfile *self)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (self), 0);

  return self->fields.idle_timeout;
}
