/* plug-plugin.c: a plugin as the engine sees it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-plugin-private.h"
#include "plug-engine.h"
#include "plug-error.h"

typedef struct
{
  PlugMethodFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
} Method;

typedef struct
{
  PlugProfile *profile;
  PlugEngine *engine;
  PlugPluginState state;
  GHashTable *methods;  /* created by the first plug_plugin_add_method() */
} PlugPluginPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (PlugPlugin, plug_plugin, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_LOST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
method_free (gpointer data)
{
  Method *method = data;

  if (method->destroy != NULL)
    method->destroy (method->user_data);
  g_free (method);
}

static void
plug_plugin_real_activate (PlugPlugin          *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, plug_plugin_real_activate);
  g_task_return_boolean (task, TRUE);
}

static gboolean
plug_plugin_real_activate_finish (PlugPlugin    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
plug_plugin_real_deactivate (PlugPlugin          *self,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, plug_plugin_real_deactivate);
  g_task_return_boolean (task, TRUE);
}

static gboolean
plug_plugin_real_deactivate_finish (PlugPlugin    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Remix's getMethodPath: `cmd.git` + `fetch` runs `git.fetch`. Returns
 * @method itself when the path has no service part (@owned stays NULL). */
static const char *
method_for_path (const char  *path,
                 const char  *method,
                 char       **owned)
{
  const char *dot = strchr (path, '.');

  if (dot == NULL || dot[1] == '\0')
    return method;
  *owned = g_strconcat (dot + 1, ".", method, NULL);
  return *owned;
}

static void
plug_plugin_real_call_method (PlugPlugin *self,
                              PlugCall   *call)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);
  g_autofree char *owned = NULL;
  const char *name;
  Method *method;

  name = method_for_path (plug_call_get_path (call), plug_call_get_method (call), &owned);
  method = priv->methods != NULL ? g_hash_table_lookup (priv->methods, name) : NULL;
  if (method != NULL)
    {
      method->func (call, method->user_data);
      return;
    }

  /* Every plugin answers canDeactivate; without its own, it consents. */
  if (g_str_equal (name, "canDeactivate"))
    {
      g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

      plug_call_return_value (call, yes);
      return;
    }

  plug_call_return_error_printf (call, PLUG_ERROR_FAILED,
                                 "Method %s is not implemented by %s",
                                 name, plug_plugin_get_name (self));
}

static void
plug_plugin_real_cancel_call (PlugPlugin *self,
                              PlugCall   *call)
{
}

static void
plug_plugin_dispose (GObject *object)
{
  PlugPlugin *self = PLUG_PLUGIN (object);
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  if (priv->methods != NULL)
    g_hash_table_remove_all (priv->methods);

  G_OBJECT_CLASS (plug_plugin_parent_class)->dispose (object);
}

static void
plug_plugin_finalize (GObject *object)
{
  PlugPlugin *self = PLUG_PLUGIN (object);
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_clear_object (&priv->profile);
  g_clear_pointer (&priv->methods, g_hash_table_unref);

  G_OBJECT_CLASS (plug_plugin_parent_class)->finalize (object);
}

static void
plug_plugin_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PlugPlugin *self = PLUG_PLUGIN (object);
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, priv->profile);
      break;
    case PROP_STATE:
      g_value_set_int (value, priv->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_plugin_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  PlugPlugin *self = PLUG_PLUGIN (object);
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_PROFILE:
      priv->profile = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_plugin_constructed (GObject *object)
{
  PlugPlugin *self = PLUG_PLUGIN (object);
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  G_OBJECT_CLASS (plug_plugin_parent_class)->constructed (object);

  if (priv->profile == NULL)
    g_critical ("A %s was created without a profile", G_OBJECT_TYPE_NAME (self));
}

static void
plug_plugin_class_init (PlugPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = plug_plugin_constructed;
  object_class->dispose = plug_plugin_dispose;
  object_class->finalize = plug_plugin_finalize;
  object_class->get_property = plug_plugin_get_property;
  object_class->set_property = plug_plugin_set_property;

  klass->activate = plug_plugin_real_activate;
  klass->activate_finish = plug_plugin_real_activate_finish;
  klass->deactivate = plug_plugin_real_deactivate;
  klass->deactivate_finish = plug_plugin_real_deactivate_finish;
  klass->call_method = plug_plugin_real_call_method;
  klass->cancel_call = plug_plugin_real_cancel_call;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL,
                         PLUG_TYPE_PROFILE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /* A PlugPluginState (no GEnum type is registered for it). */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      PLUG_PLUGIN_STATE_INACTIVE,
                      PLUG_PLUGIN_STATE_FAILED,
                      PLUG_PLUGIN_STATE_INACTIVE,
                      (G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PlugPlugin::lost:
   * @error: why, naming the plugin and the cause
   *
   * The plugin's transport closed or its process exited.
   */
  /* RUN_FIRST: a subclass's class handler (the connector fails its
   * pending calls) runs before the engine's handler. */
  signals[SIGNAL_LOST] =
    g_signal_new ("lost",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_FIRST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
plug_plugin_init (PlugPlugin *self)
{
}

/**
 * plug_plugin_new:
 * @profile: the plugin's profile
 *
 * Returns: (transfer full): an in-process plugin with an empty method table
 */
PlugPlugin *
plug_plugin_new (PlugProfile *profile)
{
  g_return_val_if_fail (PLUG_IS_PROFILE (profile), NULL);

  return g_object_new (PLUG_TYPE_PLUGIN, "profile", profile, NULL);
}

PlugProfile *
plug_plugin_get_profile (PlugPlugin *self)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), NULL);

  return priv->profile;
}

const char *
plug_plugin_get_name (PlugPlugin *self)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), NULL);

  return plug_profile_get_name (priv->profile);
}

PlugEngine *
plug_plugin_get_engine (PlugPlugin *self)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), NULL);

  return priv->engine;
}

PlugPluginState
plug_plugin_get_state (PlugPlugin *self)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), PLUG_PLUGIN_STATE_INACTIVE);

  return priv->state;
}

/* The engine owns the plugin while it is registered: no reference back. */
void
plug_plugin_set_engine (PlugPlugin *self,
                        PlugEngine *engine)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_if_fail (PLUG_IS_PLUGIN (self));

  priv->engine = engine;
}

void
plug_plugin_set_state (PlugPlugin      *self,
                       PlugPluginState  state)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_if_fail (PLUG_IS_PLUGIN (self));

  if (priv->state == state)
    return;

  priv->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
append_profile_method (PlugProfile *profile,
                       const char  *name)
{
  const char * const *methods = plug_profile_get_methods (profile);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  if (plug_profile_has_method (profile, name))
    return;

  if (methods != NULL)
    g_strv_builder_addv (builder, (const char **) methods);
  g_strv_builder_add (builder, name);
  updated = g_strv_builder_end (builder);
  plug_profile_set_methods (profile, (const char * const *) updated);
}

void
plug_plugin_add_method (PlugPlugin     *self,
                        const char     *name,
                        PlugMethodFunc  func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);
  Method *method;

  g_return_if_fail (PLUG_IS_PLUGIN (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (func != NULL);

  method = g_new0 (Method, 1);
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  if (priv->methods == NULL)
    priv->methods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, method_free);
  g_hash_table_replace (priv->methods, g_strdup (name), method);

  append_profile_method (priv->profile, name);
}

void
plug_plugin_lost (PlugPlugin   *self,
                  const GError *cause)
{
  g_return_if_fail (PLUG_IS_PLUGIN (self));
  g_return_if_fail (cause != NULL);

  g_signal_emit (self, signals[SIGNAL_LOST], 0, cause);
}

/* Remix's text for a plugin used before registration. */
static gboolean
check_registered (PlugPlugin  *self,
                  const char  *what,
                  GError     **error)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  if (priv->engine != NULL)
    return TRUE;

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
               "Cannot use method \"%s\" from plugin \"%s\". "
               "It is not registered in the engine yet.",
               what, plug_plugin_get_name (self));
  return FALSE;
}

static void
on_engine_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  JsonNode *node;

  node = plug_engine_call_finish (PLUG_ENGINE (source), result, &error);
  if (node == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

void
plug_plugin_call (PlugPlugin          *self,
                  const char          *path,
                  const char          *method,
                  JsonArray           *args,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (PLUG_IS_PLUGIN (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (method != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_plugin_call);

  if (!check_registered (self, "call", &error))
    {
      g_task_return_error (task, error);
      return;
    }

  plug_engine_call (priv->engine, plug_plugin_get_name (self), path, method,
                    args, cancellable, on_engine_call_done, g_steal_pointer (&task));
}

/**
 * plug_plugin_call_finish:
 *
 * Returns: (transfer full): the result (a JSON null for none), or NULL
 */
JsonNode *
plug_plugin_call_finish (PlugPlugin    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (PLUG_IS_PLUGIN (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
plug_plugin_emit (PlugPlugin  *self,
                  const char  *event,
                  JsonArray   *args,
                  GError     **error)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), FALSE);

  if (!check_registered (self, "emit", error))
    return FALSE;

  return plug_engine_emit (priv->engine, plug_plugin_get_name (self),
                           event, args, error);
}

gboolean
plug_plugin_on (PlugPlugin     *self,
                const char     *emitter,
                const char     *event,
                PlugEventFunc   func,
                gpointer        user_data,
                GDestroyNotify  destroy,
                GError        **error)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), FALSE);

  if (!check_registered (self, "on", error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  return plug_engine_on (priv->engine, plug_plugin_get_name (self), emitter,
                         event, func, user_data, destroy, error);
}

gboolean
plug_plugin_once (PlugPlugin     *self,
                  const char     *emitter,
                  const char     *event,
                  PlugEventFunc   func,
                  gpointer        user_data,
                  GDestroyNotify  destroy,
                  GError        **error)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_val_if_fail (PLUG_IS_PLUGIN (self), FALSE);

  if (!check_registered (self, "once", error))
    {
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  return plug_engine_once (priv->engine, plug_plugin_get_name (self), emitter,
                           event, func, user_data, destroy, error);
}

void
plug_plugin_off (PlugPlugin *self,
                 const char *emitter,
                 const char *event)
{
  PlugPluginPrivate *priv = plug_plugin_get_instance_private (self);

  g_return_if_fail (PLUG_IS_PLUGIN (self));

  if (priv->engine == NULL)
    return;

  plug_engine_off (priv->engine, plug_plugin_get_name (self), emitter, event);
}
