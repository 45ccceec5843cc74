/* plug-dbus-bus.c: the bus and the service a `dbus` profile names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-dbus-bus.h"

/* Profile fields */

static const char *
get_string_field (JsonObject  *object,
                  const char  *plugin,
                  const char  *field,
                  const char  *default_value,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return default_value;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"%s\" must be a string", plugin, field);
      return NULL;
    }

  return json_node_get_string (node);
}

/* org.freedesktop.DBus → /org/freedesktop/DBus */
static char *
path_for_service (const char *service)
{
  g_autofree char *path = g_strconcat ("/", service, NULL);

  g_strdelimit (path, ".", '/');
  g_strdelimit (path, "-", '_');
  return g_steal_pointer (&path);
}

static gboolean
read_fields (PlugDBusTarget  *target,
             JsonObject      *object,
             const char      *plugin,
             GError         **error)
{
  const char *protocol = NULL;
  const char *value = NULL;

  if ((value = get_string_field (object, plugin, "bus", "session", error)) == NULL)
    return FALSE;
  target->bus = g_strdup (value);

  if ((protocol = get_string_field (object, plugin, "protocol", "plugctl", error)) == NULL)
    return FALSE;
  if (g_str_equal (protocol, "dbus"))
    target->protocol = PLUG_DBUS_PROTOCOL_DBUS;
  else if (g_str_equal (protocol, "plugctl"))
    target->protocol = PLUG_DBUS_PROTOCOL_PLUGCTL;
  else
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"protocol\" must be \"plugctl\" or \"dbus\", not \"%s\"",
                   plugin, protocol);
      return FALSE;
    }

  value = get_string_field (object, plugin, "service", "", error);
  if (value == NULL)
    return FALSE;
  if (*value == '\0')
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"service\" (the D-Bus name of its service) is missing",
                   plugin);
      return FALSE;
    }
  if (!g_dbus_is_name (value))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"service\" must be a D-Bus name, not \"%s\"",
                   plugin, value);
      return FALSE;
    }
  target->service = g_strdup (value);

  if (target->protocol == PLUG_DBUS_PROTOCOL_PLUGCTL)
    {
      target->object = g_strdup (PLUG_DBUS_PLUGIN_PATH);
      target->interface = g_strdup (PLUG_DBUS_PLUGIN_INTERFACE);
      return TRUE;
    }

  /* By convention, the object and the interface are named after the service. */
  target->object = g_strdup (get_string_field (object, plugin, "object", NULL, error));
  if (target->object == NULL)
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      target->object = path_for_service (target->service);
    }
  if (!g_variant_is_object_path (target->object))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"object\" must be a D-Bus object path, not \"%s\"",
                   plugin, target->object);
      return FALSE;
    }

  value = get_string_field (object, plugin, "interface", target->service, error);
  if (value == NULL)
    return FALSE;
  if (!g_dbus_is_interface_name (value))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s: field \"interface\" must be a D-Bus interface name, not \"%s\"",
                   plugin, value);
      return FALSE;
    }
  target->interface = g_strdup (value);

  return TRUE;
}

PlugDBusTarget *
plug_dbus_target_new_from_profile (PlugProfile  *profile,
                                   GError      **error)
{
  g_autoptr(PlugDBusTarget) target = g_new0 (PlugDBusTarget, 1);
  g_autoptr(JsonObject) object = plug_profile_to_json (profile);

  if (!read_fields (target, object, plug_profile_get_name (profile), error))
    return NULL;

  return g_steal_pointer (&target);
}

void
plug_dbus_target_free (PlugDBusTarget *target)
{
  if (target == NULL)
    return;
  g_free (target->bus);
  g_free (target->service);
  g_free (target->object);
  g_free (target->interface);
  g_free (target);
}

/* Buses */

static gboolean
is_shared_bus (const char *bus)
{
  return g_str_equal (bus, "session") || g_str_equal (bus, "system");
}

static void
on_bus_ready (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  const char *bus = g_task_get_task_data (task);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (is_shared_bus (bus))
    connection = g_bus_get_finish (result, &error);
  else
    connection = g_dbus_connection_new_for_address_finish (result, &error);

  if (connection == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_FAILED,
                               "Cannot connect to the %s bus: %s", bus, error->message);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
}

void
plug_dbus_bus_get (const char          *bus,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, plug_dbus_bus_get);
  g_task_set_task_data (task, g_strdup (bus), g_free);

  if (g_str_equal (bus, "session"))
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus_ready, task);
  else if (g_str_equal (bus, "system"))
    g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_bus_ready, task);
  else
    g_dbus_connection_new_for_address (bus,
                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                       NULL, cancellable, on_bus_ready, task);
}

GDBusConnection *
plug_dbus_bus_get_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
plug_dbus_bus_release (GDBusConnection *connection,
                       const char      *bus)
{
  if (connection == NULL || is_shared_bus (bus))
    return;
  g_dbus_connection_close (connection, NULL, NULL, NULL);
}

/* Calls */

typedef struct
{
  GVariant *body;
  char *sender;
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->body, g_variant_unref);
  g_free (reply->sender);
  g_free (reply);
}

static void
on_reply (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GDBusMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *body;
  Reply *reply;

  message = g_dbus_connection_send_message_with_reply_finish (G_DBUS_CONNECTION (source),
                                                              result, &error);
  if (message == NULL || g_dbus_message_to_gerror (message, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  body = g_dbus_message_get_body (message);
  reply = g_new0 (Reply, 1);
  reply->body = body != NULL ? g_variant_ref (body) : g_variant_ref_sink (g_variant_new ("()"));
  reply->sender = g_strdup (g_dbus_message_get_sender (message));
  g_task_return_pointer (task, reply, (GDestroyNotify) reply_free);
}

void
plug_dbus_call_with_sender (GDBusConnection     *connection,
                            const char          *destination,
                            const char          *object_path,
                            const char          *interface_name,
                            const char          *method_name,
                            GVariant            *parameters,
                            int                  timeout_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GDBusMessage) message = NULL;
  GTask *task = g_task_new (connection, cancellable, callback, user_data);

  g_task_set_source_tag (task, plug_dbus_call_with_sender);

  message = g_dbus_message_new_method_call (destination, object_path,
                                            interface_name, method_name);
  if (parameters != NULL)
    g_dbus_message_set_body (message, parameters);

  g_dbus_connection_send_message_with_reply (connection, message,
                                             G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                             timeout_ms, NULL, cancellable,
                                             on_reply, task);
}

GVariant *
plug_dbus_call_with_sender_finish (GAsyncResult  *result,
                                   char         **sender,
                                   GError       **error)
{
  Reply *reply = g_task_propagate_pointer (G_TASK (result), error);
  GVariant *body;

  if (reply == NULL)
    return NULL;

  body = g_steal_pointer (&reply->body);
  if (sender != NULL)
    *sender = g_steal_pointer (&reply->sender);
  reply_free (reply);

  return body;
}
