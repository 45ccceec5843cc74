/* plug-native-connector.c: C functions of a shared library as a plugin, through libffi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-native-connector.h"

#include <string.h>

#include "plug-native-library.h"
#include "plug-native-worker.h"

struct _PlugNativeConnector
{
  PlugConnector      parent_instance;

  PlugNativeLibrary *library;
  PlugNativeWorker  *worker;
  guint              stop_wait_ms;
};

G_DEFINE_FINAL_TYPE (PlugNativeConnector, plug_native_connector, PLUG_TYPE_CONNECTOR)

enum {
  PROP_0,
  PROP_STOP_WAIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
connector_name (PlugNativeConnector *self)
{
  return plug_plugin_get_name (PLUG_PLUGIN (self));
}

/* The profile */

static JsonObject *
dup_profile_json (PlugNativeConnector *self)
{
  return plug_profile_to_json (plug_plugin_get_profile (PLUG_PLUGIN (self)));
}

static JsonObject *
get_functions (JsonObject *profile)
{
  JsonNode *node = json_object_get_member (profile, "functions");

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* The methods are the functions' names, in the manifest's order. */
static void
set_methods_from_functions (PlugNativeConnector *self)
{
  g_autoptr(JsonObject) profile = dup_profile_json (self);
  JsonObject *functions = get_functions (profile);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) methods = NULL;
  JsonObjectIter iter;
  const char *name;

  if (functions == NULL)
    return;

  builder = g_strv_builder_new ();
  json_object_iter_init_ordered (&iter, functions);
  while (json_object_iter_next_ordered (&iter, &name, NULL))
    g_strv_builder_add (builder, name);
  methods = g_strv_builder_end (builder);
  plug_profile_set_methods (plug_plugin_get_profile (PLUG_PLUGIN (self)),
                            (const char * const *) methods);
}

static char *
dup_base_dir (PlugNativeConnector *self)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));
  const char *path = plug_profile_get_path (profile);

  if (path != NULL)
    return g_path_get_dirname (path);
  return g_strdup (plug_profile_get_cwd (profile));
}

static PlugNativeLibrary *
open_library (PlugNativeConnector  *self,
              GError              **error)
{
  g_autoptr(JsonObject) profile = dup_profile_json (self);
  JsonObject *functions = get_functions (profile);
  g_autofree char *base_dir = dup_base_dir (self);
  const char *library;
  JsonNode *node;

  node = json_object_get_member (profile, "library");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      *(library = json_node_get_string (node)) == '\0')
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"library\" must be a string: the shared "
                   "library to load, such as \"libm.so.6\"", connector_name (self));
      return NULL;
    }

  if (functions == NULL || json_object_get_size (functions) == 0)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"functions\" must be an object of C "
                   "signatures, such as {\"cos\": \"double(double)\"}",
                   connector_name (self));
      return NULL;
    }

  return plug_native_library_open (connector_name (self), library, base_dir,
                                   functions, error);
}

/* PlugPlugin: no transport, no messages */

static void
plug_native_connector_activate (PlugPlugin          *plugin,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (plugin);
  PlugProfile *profile = plug_plugin_get_profile (plugin);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(PlugNativeLibrary) library = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, plug_native_connector_activate);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->worker != NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Plugin %s is already active", connector_name (self));
      return;
    }

  library = open_library (self, &error);
  if (library != NULL)
    self->worker = plug_native_worker_new (connector_name (self), library,
                                           plug_profile_get_concurrency (profile),
                                           &error);
  if (self->worker == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self->library = g_steal_pointer (&library);
  g_task_return_boolean (task, TRUE);
}

static gboolean
plug_native_connector_activate_finish (PlugPlugin    *plugin,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_worker_stopped (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  plug_native_worker_stop_finish (result, NULL);
  g_task_return_boolean (task, TRUE);
}

/* The engine has failed the pending calls already; a function that still
 * runs is waited for, within the stop wait. */
static void
plug_native_connector_deactivate (PlugPlugin          *plugin,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (plugin);
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  PlugNativeWorker *worker = g_steal_pointer (&self->worker);

  g_task_set_source_tag (task, plug_native_connector_deactivate);
  g_clear_pointer (&self->library, plug_native_library_unref);

  if (worker == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, worker, (GDestroyNotify) plug_native_worker_unref);
  plug_native_worker_stop (worker, self->stop_wait_ms, on_worker_stopped,
                           g_steal_pointer (&task));
}

static gboolean
plug_native_connector_deactivate_finish (PlugPlugin    *plugin,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static PlugNativeFunction *
lookup_function (PlugNativeConnector *self,
                 PlugCall            *call)
{
  /* a service path (`cmd.git`) names no function */
  if (self->library == NULL || strchr (plug_call_get_path (call), '.') != NULL)
    return NULL;
  return plug_native_library_lookup (self->library, plug_call_get_method (call));
}

static void
answer_no_function (PlugNativeConnector *self,
                    PlugCall            *call)
{
  const char *path = plug_call_get_path (call);
  const char *method = plug_call_get_method (call);
  const char *service = strchr (path, '.');

  if (service == NULL && g_str_equal (method, "canDeactivate"))
    {
      g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

      plug_call_return_value (call, yes);
      return;
    }

  if (service != NULL)
    plug_call_return_error_printf (call, PLUG_ERROR_FAILED,
                                   "Method %s.%s is not implemented by %s",
                                   service + 1, method, connector_name (self));
  else
    plug_call_return_error_printf (call, PLUG_ERROR_FAILED,
                                   "Method %s is not implemented by %s",
                                   method, connector_name (self));
}

/* Arguments are checked here, in the engine's thread: a bad call is
 * answered at once and nothing is called. */
static void
plug_native_connector_call_method (PlugPlugin *plugin,
                                   PlugCall   *call)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (plugin);
  PlugNativeFunction *function = lookup_function (self, call);
  g_autoptr(GError) error = NULL;
  PlugNativeValue *values;

  if (function == NULL || self->worker == NULL)
    {
      answer_no_function (self, call);
      return;
    }

  values = g_newa (PlugNativeValue, MAX (function->signature->n_args, 1));
  if (!plug_native_function_convert_args (function, plug_call_get_args (call),
                                          values, &error))
    {
      plug_call_return_error (call, error);
      return;
    }

  plug_native_worker_push (self->worker, call, function, values);
}

/* A running C function cannot be stopped; one still queued is skipped
 * by the worker, as its call has ended. */
static void
plug_native_connector_cancel_call (PlugPlugin *plugin,
                                   PlugCall   *call)
{
}

/* GObject */

static void
plug_native_connector_constructed (GObject *object)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (object);

  G_OBJECT_CLASS (plug_native_connector_parent_class)->constructed (object);

  if (plug_plugin_get_profile (PLUG_PLUGIN (self)) != NULL)
    set_methods_from_functions (self);
}

static void
plug_native_connector_dispose (GObject *object)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (object);

  g_clear_pointer (&self->worker, plug_native_worker_unref);
  g_clear_pointer (&self->library, plug_native_library_unref);

  G_OBJECT_CLASS (plug_native_connector_parent_class)->dispose (object);
}

static void
plug_native_connector_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_STOP_WAIT:
      g_value_set_uint (value, self->stop_wait_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_native_connector_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PlugNativeConnector *self = PLUG_NATIVE_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_STOP_WAIT:
      self->stop_wait_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_native_connector_class_init (PlugNativeConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugPluginClass *plugin_class = PLUG_PLUGIN_CLASS (klass);

  object_class->constructed = plug_native_connector_constructed;
  object_class->dispose = plug_native_connector_dispose;
  object_class->get_property = plug_native_connector_get_property;
  object_class->set_property = plug_native_connector_set_property;

  /* PlugConnector's versions speak the wire protocol: not needed here. */
  plugin_class->activate = plug_native_connector_activate;
  plugin_class->activate_finish = plug_native_connector_activate_finish;
  plugin_class->deactivate = plug_native_connector_deactivate;
  plugin_class->deactivate_finish = plug_native_connector_deactivate_finish;
  plugin_class->call_method = plug_native_connector_call_method;
  plugin_class->cancel_call = plug_native_connector_cancel_call;

  properties[PROP_STOP_WAIT] =
    g_param_spec_uint ("stop-wait", NULL, NULL,
                       0, G_MAXUINT, PLUG_NATIVE_DEFAULT_STOP_WAIT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
plug_native_connector_init (PlugNativeConnector *self)
{
  self->stop_wait_ms = PLUG_NATIVE_DEFAULT_STOP_WAIT_MS;
}

PLUG_DEFINE_CONNECTOR_MODULE ("native", plug_native_connector_get_type ())
