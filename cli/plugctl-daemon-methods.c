/* plugctl-daemon-methods.c: the methods of org.plugctl.Engine1
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl-daemon-private.h"

static char *
node_to_text (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static GVariant *
text_reply (JsonNode *node)
{
  g_autofree char *text = node_to_text (node);

  return g_variant_new ("(s)", text);
}

/* What a handler returns once it has answered at once: with @node as
 * JSON text, with @error, or with nothing. */
static gboolean
reply_json (GDBusMethodInvocation *invocation,
            JsonNode              *node)
{
  g_dbus_method_invocation_return_value (invocation, text_reply (node));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
reply_error (GDBusMethodInvocation *invocation,
             const GError          *error)
{
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
reply_nothing (GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_value (invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Whether @name is a plugin of the engine; else answers @invocation
 * with why not. */
static gboolean
lookup_plugin (Daemon                *self,
               GDBusMethodInvocation *invocation,
               const char            *name)
{
  g_autoptr(GError) error = NULL;

  if (plugctl_engine_lookup (self->engine, name, &error))
    return TRUE;
  g_dbus_method_invocation_return_gerror (invocation, error);
  return FALSE;
}

/* @text must be a JSON array: a call's or an event's arguments. */
static JsonArray *
parse_args (const char  *text,
            GError     **error)
{
  g_autoptr(JsonNode) node = NULL;

  node = plug_json_from_text (text, -1, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "The arguments must be a JSON array, not \"%s\"", text);
      return NULL;
    }
  return json_array_ref (json_node_get_array (node));
}

static gboolean
may_start (Daemon     *self,
           const char *name)
{
  PlugEngine *engine = plugctl_engine_get_engine (self->engine);

  return plug_engine_is_registered (engine, name) &&
         plugctl_engine_get_state (self->engine, name) != PLUG_PLUGIN_STATE_ACTIVE &&
         plugctl_engine_may_activate (self->engine, name);
}

static void
start (Operation           *op,
       const char          *name,
       GAsyncReadyCallback  callback)
{
  plug_engine_activate (plugctl_engine_get_engine (op->daemon->engine), name,
                        op->cancellable, callback, op);
}

/* List, Info, Connectors */

static gboolean
handle_list (PlugctlEngine1        *skeleton,
             GDBusMethodInvocation *invocation,
             Daemon                *self)
{
  g_autoptr(JsonNode) plugins = plugctl_list_to_json (self->engine);

  return reply_json (invocation, plugins);
}

static gboolean
handle_info (PlugctlEngine1        *skeleton,
             GDBusMethodInvocation *invocation,
             const char            *name,
             Daemon                *self)
{
  PlugProfile *profile = plugctl_engine_find_profile (self->engine, name);
  g_autoptr(JsonNode) info = NULL;

  if (profile == NULL)
    {
      lookup_plugin (self, invocation, name);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  info = plugctl_info_to_json (self->engine, profile);
  return reply_json (invocation, info);
}

static gboolean
handle_connectors (PlugctlEngine1        *skeleton,
                   GDBusMethodInvocation *invocation,
                   Daemon                *self)
{
  g_autoptr(JsonNode) connectors = plugctl_connectors_to_json ();

  return reply_json (invocation, connectors);
}

/* Status: the shared engine's view; "" for every plugin */
static gboolean
handle_status (PlugctlEngine1        *skeleton,
               GDBusMethodInvocation *invocation,
               const char            *name,
               Daemon                *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = plugctl_status_to_json (self->engine,
                                                       name[0] != '\0' ? name : NULL,
                                                       &error);

  if (status == NULL)
    return reply_error (invocation, error);
  return reply_json (invocation, status);
}

/* Call: what `plugctl call` does with its embedded engine */

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = plug_engine_call_finish_text (PLUG_ENGINE (source), result,
                                                        NULL, &error);

  if (text == NULL)
    plugctl_daemon_return_error (op, error);
  else
    plugctl_daemon_return (op, g_variant_new ("(s)", text));
}

static void
call_now (Operation *op)
{
  plug_engine_call (plugctl_engine_get_engine (op->daemon->engine), PLUGCTL_CLI_PLUGIN,
                    op->path, op->method, op->args, op->cancellable, on_call_done, op);
}

static void
on_call_target_started (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    plugctl_daemon_return_start_error (op, error);
  else
    call_now (op);
}

static gboolean
handle_call (PlugctlEngine1        *skeleton,
             GDBusMethodInvocation *invocation,
             const char            *path,
             const char            *method,
             const char            *args,
             Daemon                *self)
{
  g_autofree char *target = g_strndup (path, strcspn (path, "."));
  const GError *profile_error = plugctl_engine_get_profile_error (self->engine, target);
  g_autoptr(GError) error = NULL;
  Operation *op;

  if (profile_error != NULL)
    return reply_error (invocation, profile_error);

  op = plugctl_daemon_operation_new (self, invocation, path, method);
  op->args = parse_args (args, &error);
  if (op->args == NULL)
    plugctl_daemon_return_error (op, error);
  /* starting first tells a plugin that does not start from a call that
   * fails; the call itself starts it when the policy forbids `cli` to */
  else if (may_start (self, target))
    start (op, target, on_call_target_started);
  else
    call_now (op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Activate, Deactivate, Emit */

static void
on_activated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) methods = NULL;
  PlugProfile *profile;
  const char * const *names;

  if (!plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    {
      plugctl_daemon_return_start_error (op, error);
      return;
    }

  profile = plugctl_engine_find_profile (op->daemon->engine, op->path);
  names = profile != NULL ? plug_profile_get_methods (profile) : NULL;
  methods = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (methods, json_array_new ());
  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    json_array_add_string_element (json_node_get_array (methods), names[i]);
  plugctl_daemon_return (op, text_reply (methods));
}

static gboolean
handle_activate (PlugctlEngine1        *skeleton,
                 GDBusMethodInvocation *invocation,
                 const char            *name,
                 Daemon                *self)
{
  if (lookup_plugin (self, invocation, name))
    start (plugctl_daemon_operation_new (self, invocation, name, NULL), name, on_activated);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_deactivated (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &error))
    plugctl_daemon_return_error (op, error);
  else
    plugctl_daemon_return (op, NULL);
}

static gboolean
handle_deactivate (PlugctlEngine1        *skeleton,
                   GDBusMethodInvocation *invocation,
                   const char            *name,
                   Daemon                *self)
{
  Operation *op;

  if (!lookup_plugin (self, invocation, name))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  op = plugctl_daemon_operation_new (self, invocation, name, NULL);
  plug_engine_deactivate (plugctl_engine_get_engine (self->engine), name,
                          op->cancellable, on_deactivated, op);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_emit (PlugctlEngine1        *skeleton,
             GDBusMethodInvocation *invocation,
             const char            *event,
             const char            *args_text,
             Daemon                *self)
{
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(GError) error = NULL;

  args = parse_args (args_text, &error);
  if (args == NULL ||
      !plug_engine_emit (plugctl_engine_get_engine (self->engine), PLUGCTL_CLI_PLUGIN,
                         event, args, &error))
    return reply_error (invocation, error);
  return reply_nothing (invocation);
}

/* Listen, Unlisten, Event */

static void
on_event (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  Daemon *self = user_data;
  g_autofree char *key = NULL;
  g_autofree char *args_text = NULL;
  GHashTableIter iter;
  Client *client;

  /* listeners get the events from Listen on, never the engine's memory */
  if (self->subscribing)
    return;

  key = plugctl_daemon_subscription_key (emitter, event);
  plugctl_daemon_wake (self, key);
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &client))
    {
      g_autoptr(GError) error = NULL;

      if (!g_hash_table_contains (client->listens, key))
        continue;
      if (args_text == NULL)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

          json_node_set_array (node, args);
          args_text = node_to_text (node);
        }
      if (!g_dbus_connection_emit_signal (self->connection, client->sender,
                                          PLUGCTL_DBUS_PATH, "org.plugctl.Engine1",
                                          "Event",
                                          g_variant_new ("(sss)", emitter, event, args_text),
                                          &error))
        g_warning ("Cannot send event %s of %s to %s: %s", event, emitter,
                   client->sender, error->message);
    }
}

/* The plugin `cli` listens once to each (emitter, event) a client asked
 * for, and stays subscribed: the events go to whoever listens then. */
gboolean
plugctl_daemon_subscribe (Daemon      *self,
                          const char  *emitter,
                          const char  *event,
                          GError     **error)
{
  g_autofree char *key = plugctl_daemon_subscription_key (emitter, event);
  gboolean subscribed;

  if (g_hash_table_contains (self->subscriptions, key))
    return TRUE;
  self->subscribing = TRUE;
  subscribed = plug_engine_on (plugctl_engine_get_engine (self->engine), PLUGCTL_CLI_PLUGIN,
                               emitter, event, on_event, self, NULL, error);
  self->subscribing = FALSE;
  if (subscribed)
    g_hash_table_add (self->subscriptions, g_steal_pointer (&key));
  return subscribed;
}

/* (nullable): the client that sent @invocation, when it has one */
static Client *
find_client (Daemon                *self,
             GDBusMethodInvocation *invocation)
{
  return g_hash_table_lookup (self->clients, g_dbus_method_invocation_get_sender (invocation));
}

static void
client_listen (Client     *client,
               const char *emitter,
               const char *event)
{
  Daemon *self = client->daemon;

  if (g_hash_table_add (client->listens, plugctl_daemon_subscription_key (emitter, event)))
    plugctl_daemon_set_listeners (self, self->listeners + 1);
}

static void
client_unlisten (Client     *client,
                 const char *emitter,
                 const char *event)
{
  Daemon *self = client->daemon;
  g_autofree char *key = plugctl_daemon_subscription_key (emitter, event);

  if (g_hash_table_remove (client->listens, key))
    plugctl_daemon_set_listeners (self, self->listeners - 1);
}

static void
on_emitter_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  Client *client;

  if (plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    {
      plugctl_daemon_return (op, NULL);
      return;
    }

  client = find_client (op->daemon, op->invocation);
  if (client != NULL)
    client_unlisten (client, op->path, op->method);
  plugctl_daemon_return_start_error (op, error);
}

static gboolean
handle_listen (PlugctlEngine1        *skeleton,
               GDBusMethodInvocation *invocation,
               const char            *emitter,
               const char            *event,
               Daemon                *self)
{
  g_autoptr(GError) error = NULL;

  if (!lookup_plugin (self, invocation, emitter))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  if (!plugctl_daemon_subscribe (self, emitter, event, &error))
    return reply_error (invocation, error);

  /* subscribed first: the emitter may emit as soon as it is active */
  client_listen (plugctl_daemon_get_client (self, invocation), emitter, event);
  if (may_start (self, emitter))
    start (plugctl_daemon_operation_new (self, invocation, emitter, event), emitter,
           on_emitter_started);
  else
    reply_nothing (invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unlisten (PlugctlEngine1        *skeleton,
                 GDBusMethodInvocation *invocation,
                 const char            *emitter,
                 const char            *event,
                 Daemon                *self)
{
  Client *client = find_client (self, invocation);

  if (client != NULL)
    client_unlisten (client, emitter, event);
  return reply_nothing (invocation);
}

static gboolean
handle_cancel (PlugctlEngine1        *skeleton,
               GDBusMethodInvocation *invocation,
               Daemon                *self)
{
  Client *client = find_client (self, invocation);

  if (client != NULL)
    {
      g_cancellable_cancel (client->cancellable);
      g_object_unref (client->cancellable);
      client->cancellable = g_cancellable_new ();
    }
  return reply_nothing (invocation);
}

void
plugctl_daemon_connect_methods (Daemon *self)
{
  const struct
  {
    const char *signal;
    GCallback   handler;
  } handlers[] = {
    { "handle-list", G_CALLBACK (handle_list) },
    { "handle-info", G_CALLBACK (handle_info) },
    { "handle-call", G_CALLBACK (handle_call) },
    { "handle-activate", G_CALLBACK (handle_activate) },
    { "handle-deactivate", G_CALLBACK (handle_deactivate) },
    { "handle-emit", G_CALLBACK (handle_emit) },
    { "handle-listen", G_CALLBACK (handle_listen) },
    { "handle-unlisten", G_CALLBACK (handle_unlisten) },
    { "handle-cancel", G_CALLBACK (handle_cancel) },
    { "handle-connectors", G_CALLBACK (handle_connectors) },
    { "handle-status", G_CALLBACK (handle_status) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect (self->skeleton, handlers[i].signal, handlers[i].handler, self);
}
