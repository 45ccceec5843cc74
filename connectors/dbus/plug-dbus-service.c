/* plug-dbus-service.c: any D-Bus interface as a plugin (`"protocol":"dbus"`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-dbus-json.h"
#include "plug-dbus-service.h"

struct _PlugDBusService
{
  PlugPlugin         *plugin;      /* weak */
  char               *plugin_name;
  GDBusConnection    *connection;
  char               *service;
  char               *object;
  char               *interface_name;
  char               *owner;       /* unique name of the service */
  GDBusNodeInfo      *node;
  GDBusInterfaceInfo *interface;   /* in @node */
  GStrv               methods;
  GStrv               signals;
  guint               signal_id;
  guint               timeout_ms;
};

void
plug_dbus_service_free (PlugDBusService *self)
{
  if (self == NULL)
    return;

  if (self->signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->signal_id);
  g_clear_weak_pointer (&self->plugin);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->node, g_dbus_node_info_unref);
  g_strfreev (self->methods);
  g_strfreev (self->signals);
  g_free (self->plugin_name);
  g_free (self->service);
  g_free (self->object);
  g_free (self->interface_name);
  g_free (self->owner);
  g_free (self);
}

/* Signals → events */

static void
on_signal (GDBusConnection *connection,
           const char      *sender_name,
           const char      *object_path,
           const char      *interface_name,
           const char      *signal_name,
           GVariant        *parameters,
           gpointer         user_data)
{
  PlugDBusService *self = user_data;
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(GError) error = NULL;

  if (self->plugin == NULL ||
      plug_plugin_get_state (self->plugin) != PLUG_PLUGIN_STATE_ACTIVE)
    return;

  args = plug_dbus_json_from_tuple (parameters);
  if (!plug_plugin_emit (self->plugin, signal_name, args, &error))
    g_warning ("Plugin %s: signal %s not emitted as an event: %s",
               self->plugin_name, signal_name, error->message);
}

/* Introspection */

static GStrv
collect_names (gpointer *infos)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  /* GDBusMethodInfo and GDBusSignalInfo both start with ref_count, name. */
  for (guint i = 0; infos != NULL && infos[i] != NULL; i++)
    g_strv_builder_add (builder, ((GDBusMethodInfo *) infos[i])->name);

  return g_strv_builder_end (builder);
}

static gboolean
read_interface (PlugDBusService  *self,
                GVariant         *reply,
                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *xml;

  g_variant_get (reply, "(&s)", &xml);
  self->node = g_dbus_node_info_new_for_xml (xml, &local_error);
  if (self->node == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: D-Bus service %s sent invalid introspection data for %s: %s",
                   self->plugin_name, self->service, self->object, local_error->message);
      return FALSE;
    }

  self->interface = g_dbus_node_info_lookup_interface (self->node, self->interface_name);
  if (self->interface == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: D-Bus service %s has no interface %s at %s",
                   self->plugin_name, self->service, self->interface_name, self->object);
      return FALSE;
    }

  self->methods = collect_names ((gpointer *) self->interface->methods);
  self->signals = collect_names ((gpointer *) self->interface->signals);
  return TRUE;
}

static GError *
describe_open_error (PlugDBusService *self,
                     GError          *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (PLUG_ERROR, PLUG_ERROR_START_TIMEOUT,
                        "Plugin %s: D-Bus service %s did not answer within %u ms",
                        self->plugin_name, self->service, self->timeout_ms);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  g_dbus_error_strip_remote_error (error);
  return g_error_new (PLUG_ERROR, PLUG_ERROR_FAILED,
                      "Plugin %s: cannot reach D-Bus service %s: %s",
                      self->plugin_name, self->service, error->message);
}

static void
on_introspected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PlugDBusService) self = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = plug_dbus_call_with_sender_finish (result, &self->owner, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, describe_open_error (self, error));
      return;
    }
  if (!read_interface (self, reply, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->signal_id = g_dbus_connection_signal_subscribe (self->connection, self->owner,
                                                        self->interface_name, NULL,
                                                        self->object, NULL,
                                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                                        on_signal, self, NULL);
  g_task_return_pointer (task, g_steal_pointer (&self), (GDestroyNotify) plug_dbus_service_free);
}

void
plug_dbus_service_open (PlugPlugin            *plugin,
                        GDBusConnection       *connection,
                        const PlugDBusTarget  *target,
                        guint                  timeout_ms,
                        GCancellable          *cancellable,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  PlugDBusService *self = g_new0 (PlugDBusService, 1);

  g_task_set_source_tag (task, plug_dbus_service_open);
  g_set_weak_pointer (&self->plugin, plugin);
  self->plugin_name = g_strdup (plug_plugin_get_name (plugin));
  self->connection = g_object_ref (connection);
  self->service = g_strdup (target->service);
  self->object = g_strdup (target->object);
  self->interface_name = g_strdup (target->interface);
  self->timeout_ms = timeout_ms;
  /* on_introspected() owns it: the reply always comes, if only as an error. */
  g_task_set_task_data (task, self, NULL);

  plug_dbus_call_with_sender (connection, self->service, self->object,
                              "org.freedesktop.DBus.Introspectable", "Introspect",
                              NULL, (int) MIN (timeout_ms, G_MAXINT), cancellable,
                              on_introspected, task);
}

PlugDBusService *
plug_dbus_service_open_finish (GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char * const *
plug_dbus_service_get_methods (PlugDBusService *self)
{
  return (const char * const *) self->methods;
}

const char * const *
plug_dbus_service_get_signals (PlugDBusService *self)
{
  return (const char * const *) self->signals;
}

/* Calls */

static void
return_dbus_error (PlugCall *call,
                   GError   *error)
{
  g_autofree char *remote_name = g_dbus_error_get_remote_error (error);

  g_dbus_error_strip_remote_error (error);
  /* An error of plugctl's own domain (another engine's) comes back as it was. */
  if (error->domain == PLUG_ERROR)
    plug_call_return_error (call, error);
  else if (remote_name != NULL)
    plug_call_return_error_printf (call, PLUG_ERROR_FAILED, "%s: %s", remote_name, error->message);
  else
    plug_call_return_error_literal (call, PLUG_ERROR_FAILED, error->message);
}

static void
on_call_reply (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PlugCall) call = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      /* Cancelled: the call has its answer already (timeout, cancel). */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return_dbus_error (call, error);
      return;
    }

  value = plug_dbus_json_from_reply (reply);
  plug_call_return_value (call, value);
}

void
plug_dbus_service_call (PlugDBusService *self,
                        PlugCall        *call)
{
  const char *name = plug_call_get_method (call);
  g_autoptr(GVariant) parameters = NULL;
  g_autoptr(GError) error = NULL;
  GDBusMethodInfo *method;

  method = g_dbus_interface_info_lookup_method (self->interface, name);
  if (method == NULL)
    {
      /* Every plugin answers canDeactivate; a D-Bus service consents. */
      if (g_str_equal (name, "canDeactivate"))
        {
          g_autoptr(JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

          plug_call_return_value (call, yes);
        }
      else
        plug_call_return_error_printf (call, PLUG_ERROR_FAILED,
                                       "Method %s is not implemented by %s",
                                       name, self->plugin_name);
      return;
    }

  parameters = plug_dbus_json_to_parameters (self->plugin_name, method,
                                             plug_call_get_args (call), &error);
  if (parameters == NULL)
    {
      plug_call_return_error (call, error);
      return;
    }

  /* The engine bounds the call with the plugin's call timeout. */
  g_dbus_connection_call (self->connection, self->owner, self->object,
                          self->interface_name, name, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, G_MAXINT,
                          plug_call_get_cancellable (call),
                          on_call_reply, g_object_ref (call));
}
