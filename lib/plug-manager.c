/* plug-manager.c: the `manager` plugin: profiles, activation, permissions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-manager-private.h"
#include "plug-manager-policy-private.h"
#include "plug-engine-private.h"
#include "plug-error.h"

/* Its methods wait on other plugins (activation, canDeactivate) and are
 * bounded by those plugins' own timeouts; running them one at a time
 * would let one slow start block every other manager call. */
#define MANAGER_CONCURRENCY   4096
#define MANAGER_CALL_TIMEOUT  (60 * 60 * 1000)

G_DEFINE_FINAL_TYPE (PlugManager, plug_manager, PLUG_TYPE_PLUGIN)

enum {
  SIGNAL_PLUGIN_ACTIVATED,
  SIGNAL_PLUGIN_DEACTIVATED,
  SIGNAL_PROFILE_ADDED,
  SIGNAL_PROFILE_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static PlugEngine *
get_engine (PlugManager *self)
{
  return plug_plugin_get_engine (PLUG_PLUGIN (self));
}

static JsonNode *
profile_node (PlugPlugin *plugin)
{
  JsonNode *node = json_node_alloc ();
  JsonObject *object = plug_profile_to_json (plug_plugin_get_profile (plugin));

  json_node_init_object (node, object);
  json_object_unref (object);
  return node;
}

/* Notifications from the engine */

static void
notify (PlugManager *self,
        guint        signal_id,
        const char  *event,
        PlugPlugin  *plugin)
{
  g_autoptr(JsonArray) args = NULL;
  PlugEngine *engine;

  if (self == NULL)
    return;

  g_signal_emit (self, signals[signal_id], 0, plug_plugin_get_profile (plugin));

  engine = get_engine (self);
  if (engine == NULL)
    return;
  args = json_array_new ();
  json_array_add_element (args, profile_node (plugin));
  plug_engine_emit (engine, PLUG_MANAGER_NAME, event, args, NULL);
}

void
plug_manager_plugin_activated (PlugManager *self,
                               PlugPlugin  *plugin)
{
  notify (self, SIGNAL_PLUGIN_ACTIVATED, "pluginActivated", plugin);
}

void
plug_manager_plugin_deactivated (PlugManager *self,
                                 PlugPlugin  *plugin)
{
  notify (self, SIGNAL_PLUGIN_DEACTIVATED, "pluginDeactivated", plugin);
}

void
plug_manager_profile_added (PlugManager *self,
                            PlugPlugin  *plugin)
{
  notify (self, SIGNAL_PROFILE_ADDED, "profileAdded", plugin);
}

void
plug_manager_profile_updated (PlugManager *self,
                              PlugPlugin  *plugin)
{
  notify (self, SIGNAL_PROFILE_UPDATED, "profileUpdated", plugin);
}

/* Methods */

static void
return_boolean (PlugCall *call,
                gboolean  value)
{
  g_autoptr(JsonNode) node = json_node_init_boolean (json_node_alloc (), value);

  plug_call_return_value (call, node);
}

static void
method_get_profile (PlugCall *call,
                    gpointer  user_data)
{
  PlugManager *self = user_data;
  g_autoptr(JsonNode) node = NULL;
  PlugPlugin *plugin;
  const char *name;

  if (!plug_call_get_arg_string (call, 0, &name))
    return;

  plugin = plug_engine_get_plugin (get_engine (self), name);
  if (plugin != NULL)
    node = profile_node (plugin);
  plug_call_return_value (call, node);
}

static void
method_update_profile (PlugCall *call,
                       gpointer  user_data)
{
  PlugManager *self = user_data;
  JsonArray *args = plug_call_get_args (call);
  const char *caller = plug_call_get_caller (call);
  g_autoptr(GError) error = NULL;
  JsonObject *update;
  PlugPlugin *plugin;
  JsonNode *node;
  const char *name;

  node = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      plug_call_return_value (call, NULL);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      plug_call_return_error_printf (call, PLUG_ERROR_INVALID_ARGUMENT,
                                     "Argument 1 of method \"updateProfile\" must be an object");
      return;
    }
  update = json_node_get_object (node);

  /* Remix's services send no name: the update is the caller's own. */
  name = json_object_get_string_member_with_default (update, "name", caller);
  plugin = plug_engine_get_plugin (get_engine (self), name);
  if (plugin == NULL)
    {
      plug_call_return_error_printf (call, PLUG_ERROR_NOT_REGISTERED,
                                     "Plugin %s is not register, you cannot update it's profile.",
                                     name);
      return;
    }
  if (!g_str_equal (name, caller) && !g_str_equal (caller, PLUG_MANAGER_NAME))
    {
      plug_call_return_error_literal (call, PLUG_ERROR_PERMISSION_DENIED,
                                      "A plugin cannot change its name.");
      return;
    }

  if (!plug_profile_update (plug_plugin_get_profile (plugin), update, &error))
    {
      plug_call_return_error (call, error);
      return;
    }

  plug_engine_profile_updated (get_engine (self), plugin);
  plug_call_return_value (call, NULL);
}

static void
method_is_active (PlugCall *call,
                  gpointer  user_data)
{
  PlugManager *self = user_data;
  const char *name;

  if (!plug_call_get_arg_string (call, 0, &name))
    return;

  return_boolean (call, plug_engine_is_active (get_engine (self), name));
}

static void
method_can_call (PlugCall *call,
                 gpointer  user_data)
{
  PlugManager *self = user_data;
  const char *from, *to, *method;

  if (!plug_call_get_arg_string (call, 0, &from) ||
      !plug_call_get_arg_string (call, 1, &to) ||
      !plug_call_get_arg_string (call, 2, &method))
    return;

  return_boolean (call, plug_manager_is_allowed (self, PLUG_PERMISSION_CALL, from, to, method));
}

/* activatePlugin and deactivatePlugin take a name or an array of names;
 * the array form answers null when every one succeeded, else the first
 * error in the array's order (Remix swapped the two). */
typedef struct
{
  PlugManager *manager;
  PlugCall *call;
  guint pending;
  GPtrArray *errors;  /* GError or NULL, one per name */
} Batch;

typedef struct
{
  Batch *batch;
  guint index;
  char *name;
} BatchItem;

static void
error_free_nullable (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static void
batch_release (Batch *batch)
{
  if (--batch->pending > 0)
    return;

  for (guint i = 0; i < batch->errors->len; i++)
    {
      GError *error = g_ptr_array_index (batch->errors, i);

      if (error != NULL)
        {
          plug_call_return_error (batch->call, error);
          goto out;
        }
    }
  plug_call_return_value (batch->call, NULL);

out:
  g_ptr_array_unref (batch->errors);
  g_object_unref (batch->call);
  g_object_unref (batch->manager);
  g_free (batch);
}

static void
batch_item_done (BatchItem *item,
                 GError    *error)
{
  Batch *batch = item->batch;

  if (error != NULL)
    g_ptr_array_index (batch->errors, item->index) = error;
  g_free (item->name);
  g_free (item);
  batch_release (batch);
}

static GPtrArray *
get_names (PlugCall *call)
{
  JsonArray *args = plug_call_get_args (call);
  JsonNode *node = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : NULL;
  GPtrArray *names = g_ptr_array_new ();
  JsonArray *array;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_ptr_array_add (names, (gpointer) json_node_get_string (node));
      return names;
    }

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            break;
          g_ptr_array_add (names, (gpointer) json_node_get_string (element));
        }
      if (names->len == json_array_get_length (array))
        return names;
    }

  plug_call_return_error_printf (call, PLUG_ERROR_INVALID_ARGUMENT,
                                 "Argument 1 of method \"%s\" must be a plugin name "
                                 "or an array of plugin names",
                                 plug_call_get_method (call));
  g_ptr_array_unref (names);
  return NULL;
}

static void
run_batch (PlugManager *self,
           PlugCall    *call,
           void       (*start) (PlugManager *, PlugCall *, BatchItem *))
{
  g_autoptr(GPtrArray) names = get_names (call);
  Batch *batch;

  if (names == NULL)
    return;

  batch = g_new0 (Batch, 1);
  batch->manager = g_object_ref (self);
  batch->call = g_object_ref (call);
  batch->errors = g_ptr_array_new_full (names->len, error_free_nullable);
  g_ptr_array_set_size (batch->errors, names->len);
  /* One more than the names: nothing completes before all have started. */
  batch->pending = names->len + 1;

  for (guint i = 0; i < names->len; i++)
    {
      BatchItem *item = g_new0 (BatchItem, 1);

      item->batch = batch;
      item->index = i;
      item->name = g_strdup (g_ptr_array_index (names, i));
      start (self, call, item);
    }

  batch_release (batch);
}

static void
on_activated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError *error = NULL;

  plug_engine_activate_finish (PLUG_ENGINE (source), result, &error);
  batch_item_done (user_data, error);
}

static void
start_activate (PlugManager *self,
                PlugCall    *call,
                BatchItem   *item)
{
  PlugEngine *engine = get_engine (self);
  const char *from = plug_call_get_caller (call);

  if (plug_engine_is_registered (engine, item->name) &&
      !plug_engine_is_active (engine, item->name) &&
      !g_str_equal (from, PLUG_MANAGER_NAME) &&
      !plug_manager_is_allowed (self, PLUG_PERMISSION_ACTIVATE, from, item->name, NULL))
    {
      g_autofree char *why = plug_manager_denial_suffix (self, PLUG_PERMISSION_ACTIVATE,
                                                         from, item->name, NULL);

      batch_item_done (item, g_error_new (PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                                          "Plugin %s has no right to activate plugin %s%s",
                                          from, item->name, why));
      return;
    }

  plug_engine_activate (engine, item->name, NULL, on_activated, item);
}

static void
method_activate_plugin (PlugCall *call,
                        gpointer  user_data)
{
  run_batch (user_data, call, start_activate);
}

static void
on_deactivated (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GError *error = NULL;

  plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &error);
  batch_item_done (user_data, error);
}

/* @why: "" when the plugin itself or the default refused, else the rule */
static GError *
refused (PlugCall   *call,
         const char *name,
         const char *why)
{
  return g_error_new (PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                      "Plugin %s has no right to deactivate plugin %s%s",
                      plug_call_get_caller (call), name, why);
}

typedef struct
{
  PlugManager *manager;
  PlugCall *call;
  BatchItem *item;
} Consent;

static void
on_can_deactivate (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Consent *consent = user_data;
  PlugEngine *engine = PLUG_ENGINE (source);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) error = NULL;
  BatchItem *item = consent->item;

  answer = plug_engine_call_finish (engine, result, &error);
  if (answer != NULL && JSON_NODE_HOLDS_VALUE (answer) &&
      json_node_get_value_type (answer) == G_TYPE_BOOLEAN &&
      !json_node_get_boolean (answer))
    {
      batch_item_done (item, refused (consent->call, item->name, ""));
      goto out;
    }

  /* A plugin-ws client never answers a method it does not list. */
  if (error != NULL)
    g_warning ("Plugin %s did not answer canDeactivate (%s); taking it as consent",
               item->name, error->message);

  plug_engine_deactivate (engine, item->name, NULL, on_deactivated, item);

out:
  g_object_unref (consent->call);
  g_object_unref (consent->manager);
  g_free (consent);
}

static void
start_deactivate (PlugManager *self,
                  PlugCall    *call,
                  BatchItem   *item)
{
  PlugEngine *engine = get_engine (self);
  const char *from = plug_call_get_caller (call);
  g_autoptr(JsonArray) args = NULL;
  PlugPlugin *caller;
  PlugPlugin *target;
  Consent *consent;

  target = plug_engine_get_plugin (engine, item->name);
  if (target == NULL || plug_plugin_get_state (target) == PLUG_PLUGIN_STATE_INACTIVE ||
      plug_plugin_get_state (target) == PLUG_PLUGIN_STATE_FAILED ||
      g_str_equal (from, PLUG_MANAGER_NAME))
    {
      /* The engine reports an unknown name; an inactive one is a no-op. */
      plug_engine_deactivate (engine, item->name, NULL, on_deactivated, item);
      return;
    }

  if (!plug_manager_is_allowed (self, PLUG_PERMISSION_DEACTIVATE, from, item->name, NULL))
    {
      g_autofree char *why = plug_manager_denial_suffix (self, PLUG_PERMISSION_DEACTIVATE,
                                                         from, item->name, NULL);

      batch_item_done (item, refused (call, item->name, why));
      return;
    }

  if (g_str_equal (from, item->name))
    {
      plug_engine_deactivate (engine, item->name, NULL, on_deactivated, item);
      return;
    }

  args = json_array_new ();
  caller = plug_engine_get_plugin (engine, from);
  if (caller != NULL)
    json_array_add_element (args, profile_node (caller));
  else
    json_array_add_null_element (args);

  consent = g_new0 (Consent, 1);
  consent->manager = g_object_ref (self);
  consent->call = g_object_ref (call);
  consent->item = item;
  plug_engine_call (engine, PLUG_MANAGER_NAME, item->name, "canDeactivate", args,
                    NULL, on_can_deactivate, consent);
}

static void
method_deactivate_plugin (PlugCall *call,
                          gpointer  user_data)
{
  run_batch (user_data, call, start_deactivate);
}

/* Type */

static void
plug_manager_finalize (GObject *object)
{
  PlugManager *self = PLUG_MANAGER (object);

  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->policy_origin, g_free);

  G_OBJECT_CLASS (plug_manager_parent_class)->finalize (object);
}

static void
plug_manager_class_init (PlugManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = plug_manager_finalize;

  signals[SIGNAL_PLUGIN_ACTIVATED] =
    g_signal_new ("plugin-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PLUG_TYPE_PROFILE);
  signals[SIGNAL_PLUGIN_DEACTIVATED] =
    g_signal_new ("plugin-deactivated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PLUG_TYPE_PROFILE);
  signals[SIGNAL_PROFILE_ADDED] =
    g_signal_new ("profile-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PLUG_TYPE_PROFILE);
  signals[SIGNAL_PROFILE_UPDATED] =
    g_signal_new ("profile-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PLUG_TYPE_PROFILE);
}

static void
plug_manager_init (PlugManager *self)
{
  self->rules = g_ptr_array_new_with_free_func (plug_manager_rule_free);
}

PlugManager *
plug_manager_new (void)
{
  static const char * const events[] = {
    "pluginActivated", "pluginDeactivated", "profileAdded", "profileUpdated", NULL
  };
  g_autoptr(PlugProfile) profile = plug_profile_new (PLUG_MANAGER_NAME);
  PlugManager *self;
  PlugPlugin *plugin;

  plug_profile_set_events (profile, events);
  plug_profile_set_concurrency (profile, MANAGER_CONCURRENCY);
  plug_profile_set_call_timeout (profile, MANAGER_CALL_TIMEOUT);
  plug_profile_set_description (profile, "Profiles, activation and permissions");

  self = g_object_new (PLUG_TYPE_MANAGER, "profile", profile, NULL);
  plugin = PLUG_PLUGIN (self);

  /* The manager's methods hold no reference to it: it owns them. */
  plug_plugin_add_method (plugin, "getProfile", method_get_profile, self, NULL);
  plug_plugin_add_method (plugin, "updateProfile", method_update_profile, self, NULL);
  plug_plugin_add_method (plugin, "activatePlugin", method_activate_plugin, self, NULL);
  plug_plugin_add_method (plugin, "deactivatePlugin", method_deactivate_plugin, self, NULL);
  plug_plugin_add_method (plugin, "isActive", method_is_active, self, NULL);
  plug_plugin_add_method (plugin, "canCall", method_can_call, self, NULL);

  return self;
}
