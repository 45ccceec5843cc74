/* plugctl-daemon.c: `plugctl daemon`, the engine on the session bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plugctl-daemon-private.h"

char *
plugctl_daemon_subscription_key (const char *emitter,
                                 const char *event)
{
  return g_strconcat (emitter, "\n", event, NULL);
}

/* Idle: no call under way, nobody listening, no plugin running. */

static gboolean
is_builtin (const char *name)
{
  return g_str_equal (name, "manager") || g_str_equal (name, PLUGCTL_CLI_PLUGIN);
}

static gboolean
has_running_plugin (Daemon *self)
{
  PlugEngine *engine = plugctl_engine_get_engine (self->engine);
  g_autoptr(GPtrArray) plugins = plug_engine_list_plugins (engine);

  for (guint i = 0; i < plugins->len; i++)
    {
      PlugPlugin *plugin = g_ptr_array_index (plugins, i);

      if (!is_builtin (plug_plugin_get_name (plugin)) &&
          plug_plugin_get_state (plugin) != PLUG_PLUGIN_STATE_INACTIVE)
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  Daemon *self = user_data;

  self->idle_id = 0;
  g_info ("Idle for %u s: exiting", self->idle_timeout_s);
  /* at once, so that the bus starts a new daemon for the next caller */
  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  self->done = TRUE;
  return G_SOURCE_REMOVE;
}

static void
update_idle (Daemon *self)
{
  if (self->idle_timeout_s == 0 || self->done)
    return;
  if (self->pending > 0 || self->listeners > 0 || has_running_plugin (self))
    g_clear_handle_id (&self->idle_id, g_source_remove);
  else if (self->idle_id == 0)
    self->idle_id = g_timeout_add_seconds (self->idle_timeout_s, on_idle_timeout, self);
}

static gboolean
on_update_idle (gpointer user_data)
{
  Daemon *self = user_data;

  self->update_idle_id = 0;
  update_idle (self);
  return G_SOURCE_REMOVE;
}

/* After the engine has finished the state change that triggered this. */
static void
queue_update_idle (Daemon *self)
{
  if (self->update_idle_id == 0)
    self->update_idle_id = g_idle_add (on_update_idle, self);
}

void
plugctl_daemon_set_listeners (Daemon *self,
                              guint   listeners)
{
  self->listeners = listeners;
  plugctl_engine1_set_listeners (self->skeleton, listeners);
  update_idle (self);
}

/* Clients */

static void
client_free (Client *client)
{
  g_cancellable_cancel (client->cancellable);
  g_clear_handle_id (&client->watch_id, g_bus_unwatch_name);
  g_clear_object (&client->cancellable);
  g_clear_pointer (&client->listens, g_hash_table_unref);
  g_free (client->sender);
  g_free (client);
}

static void
on_client_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  Client *client = user_data;
  Daemon *self = client->daemon;
  guint listens = g_hash_table_size (client->listens);

  g_debug ("%s left the bus", name);
  g_hash_table_remove (self->clients, name);
  if (listens > 0)
    plugctl_daemon_set_listeners (self, self->listeners - listens);
}

Client *
plugctl_daemon_get_client (Daemon                *self,
                           GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  Client *client = g_hash_table_lookup (self->clients, sender);

  if (client != NULL)
    return client;

  client = g_new0 (Client, 1);
  client->daemon = self;
  client->sender = g_strdup (sender);
  client->cancellable = g_cancellable_new ();
  client->listens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (self->clients, client->sender, client);
  client->watch_id = g_bus_watch_name_on_connection (self->connection, sender,
                                                     G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                     NULL, on_client_vanished,
                                                     client, NULL);
  return client;
}

/* Operations */

Operation *
plugctl_daemon_operation_new (Daemon                *self,
                              GDBusMethodInvocation *invocation,
                              const char            *path,
                              const char            *method)
{
  Operation *op = g_new0 (Operation, 1);

  op->daemon = self;
  op->invocation = invocation;  /* the handler's reference: returning consumes it */
  op->cancellable = g_object_ref (plugctl_daemon_get_client (self, invocation)->cancellable);
  op->path = g_strdup (path);
  op->method = g_strdup (method);
  self->pending++;
  update_idle (self);
  return op;
}

static void
operation_free (Operation *op)
{
  Daemon *self = op->daemon;

  g_clear_object (&op->cancellable);
  g_clear_pointer (&op->args, json_array_unref);
  g_free (op->path);
  g_free (op->method);
  g_free (op);
  self->pending--;
  update_idle (self);
}

void
plugctl_daemon_return (Operation *op,
                       GVariant  *value)
{
  g_dbus_method_invocation_return_value (g_steal_pointer (&op->invocation), value);
  operation_free (op);
}

void
plugctl_daemon_return_error (Operation    *op,
                             const GError *error)
{
  g_dbus_method_invocation_return_gerror (g_steal_pointer (&op->invocation), error);
  operation_free (op);
}

/* A start failure as org.plugctl.StartError.<Code>: the caller maps it to
 * exit status 4 where the embedded engine does. */
void
plugctl_daemon_return_start_error (Operation    *op,
                                   const GError *error)
{
  PlugError code = PLUG_ERROR_FAILED;

  if (error->domain == PLUG_ERROR)
    code = error->code;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    code = PLUG_ERROR_CANCELLED;
  g_dbus_method_invocation_return_error_literal (g_steal_pointer (&op->invocation),
                                                 PLUGCTL_START_ERROR, code,
                                                 error->message);
  operation_free (op);
}

/* The engine's state changes */

static void
on_plugin_activated (PlugManager *manager,
                     PlugProfile *profile,
                     Daemon      *self)
{
  queue_update_idle (self);
}

static void
on_plugin_deactivated (PlugManager *manager,
                       PlugProfile *profile,
                       Daemon      *self)
{
  plugctl_engine1_emit_plugin_deactivated (self->skeleton, plug_profile_get_name (profile));
  queue_update_idle (self);
}

/* The name on the bus */

static void
on_bus_acquired (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Daemon *self = user_data;
  g_autoptr(GError) error = NULL;

  self->connection = g_object_ref (connection);
  /* a bus that goes away ends the daemon through on_name_lost() */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         connection, PLUGCTL_DBUS_PATH, &error))
    {
      g_printerr ("plugctl: Cannot export the engine on the bus: %s\n", error->message);
      self->exit_code = PLUGCTL_EXIT_FAILED;
      self->done = TRUE;
    }
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *self = user_data;

  g_debug ("Serving %s", name);
  self->name_acquired = TRUE;
  update_idle (self);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Daemon *self = user_data;

  if (connection == NULL || g_dbus_connection_is_closed (connection))
    {
      g_printerr ("plugctl: %s\n", self->name_acquired ? "The session bus went away"
                                                       : "Cannot connect to the session bus");
      self->exit_code = PLUGCTL_EXIT_FAILED;
    }
  else if (self->name_acquired)
    {
      g_printerr ("plugctl: Another daemon replaced this one as %s\n", name);
    }
  else
    {
      g_printerr ("plugctl: %s is already taken on the session bus: another daemon "
                  "runs (use --replace to replace it)\n", name);
      self->exit_code = PLUGCTL_EXIT_FAILED;
    }
  self->done = TRUE;
}

static void
connect_handlers (Daemon *self)
{
  PlugManager *manager = plug_engine_get_manager (plugctl_engine_get_engine (self->engine));

  plugctl_daemon_connect_methods (self);
  self->activated_id = g_signal_connect (manager, "plugin-activated",
                                         G_CALLBACK (on_plugin_activated), self);
  self->deactivated_id = g_signal_connect (manager, "plugin-deactivated",
                                           G_CALLBACK (on_plugin_deactivated), self);
}

static void
disconnect_handlers (Daemon *self)
{
  PlugManager *manager = plug_engine_get_manager (plugctl_engine_get_engine (self->engine));

  g_clear_signal_handler (&self->activated_id, manager);
  g_clear_signal_handler (&self->deactivated_id, manager);
  g_signal_handlers_disconnect_by_data (self->skeleton, self);
}

static int
run_daemon (Daemon   *self,
            gboolean  replace)
{
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;
  GDBusInterfaceSkeleton *skeleton;

  if (replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;

  self->skeleton = plugctl_engine1_skeleton_new ();
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) client_free);
  self->subscriptions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  connect_handlers (self);

  self->owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, PLUGCTL_DBUS_NAME, flags,
                                   on_bus_acquired, on_name_acquired, on_name_lost,
                                   self, NULL);
  while (!self->done && plugctl_engine_get_signal (self->engine) == 0)
    g_main_context_iteration (NULL, TRUE);

  /* no new calls; those under way end with their plugins */
  skeleton = G_DBUS_INTERFACE_SKELETON (self->skeleton);
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);
  g_hash_table_remove_all (self->clients);
  return self->exit_code;
}

static void
daemon_clear (Daemon *self)
{
  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_handle_id (&self->update_idle_id, g_source_remove);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_pointer (&self->subscriptions, g_hash_table_unref);
}

int
plugctl_cmd_daemon (int      argc,
                    char   **argv,
                    gboolean do_help)
{
  gint idle_timeout = 0;
  gboolean replace = FALSE;
  const GOptionEntry entries[] = {
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "Exit after SECONDS with no plugin running, no call and no listener "
      "(default: stay)", "SECONDS" },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      "Take the name over from a daemon that runs", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  Daemon self = { NULL, };
  int status;

  context = plugctl_option_context_new ("",
                                        "Serve the engine on the session bus as "
                                        PLUGCTL_DBUS_NAME ", so that plugins stay "
                                        "active between plugctl runs: other plugctl "
                                        "commands use it with --daemon, and the bus "
                                        "starts it on the first call. Stops every "
                                        "plugin and exits 0 on SIGINT or SIGTERM.",
                                        entries);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (argc > 1)
    return plugctl_usage_error ("Unexpected argument \"%s\"", argv[1]);
  if (idle_timeout < 0)
    return plugctl_usage_error ("Invalid idle timeout %d", idle_timeout);

  /* errors of both domains cross the bus under their own names */
  (void) PLUG_ERROR;
  (void) PLUGCTL_START_ERROR;

  self.engine = plugctl_engine_open (&status);
  if (self.engine == NULL)
    return status;
  self.idle_timeout_s = idle_timeout;

  status = run_daemon (&self, replace);
  disconnect_handlers (&self);
  status = plugctl_engine_close (self.engine, status);
  daemon_clear (&self);
  return status;
}
