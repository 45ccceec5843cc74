/* plugctl-daemon.c: `plugctl daemon`, the engine on the session bus
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

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

/* Lazy start: the profiles' `start`, `listens` and `idleTimeout` */

/* A plugin with an idleTimeout, while active: looked at four times per
 * timeout, it is deactivated once nothing happened for the timeout. */
typedef struct
{
  Daemon  *daemon;
  char    *name;
  guint    timeout_ms;
  guint    source_id;
  gint64   messages;       /* in and out, at the last look */
  gint64   last_activity;  /* monotonic µs */
} IdleWatch;

static void
on_started_lazily (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autofree char *name = user_data;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_activate_finish (PLUG_ENGINE (source), result, &error))
    g_printerr ("plugctl: warning: %s\n", error->message);
  else
    g_debug ("Started %s", name);
}

static void
start_lazily (Daemon     *self,
              const char *name)
{
  plug_engine_activate (plugctl_engine_get_engine (self->engine), name, NULL,
                        on_started_lazily, g_strdup (name));
}

static gboolean
on_wake (gpointer user_data)
{
  Daemon *self = user_data;
  /* starting one may emit an event that wakes others: they go in a new set */
  g_autoptr(GHashTable) names = g_steal_pointer (&self->to_wake);
  GHashTableIter iter;
  const char *name;

  self->wake_id = 0;
  self->to_wake = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    {
      PlugPluginState state = plugctl_engine_get_state (self->engine, name);

      /* an event is no explicit activation: a failed plugin stays failed */
      if (state == PLUG_PLUGIN_STATE_INACTIVE || state == PLUG_PLUGIN_STATE_DEACTIVATING)
        start_lazily (self, name);
    }
  return G_SOURCE_REMOVE;
}

/* Started from the main loop, not from inside the engine's delivery of
 * the event. The plugin gets the event when it subscribes: the engine
 * remembers it, since `cli` listens. */
void
plugctl_daemon_wake (Daemon     *self,
                     const char *key)
{
  GPtrArray *names = g_hash_table_lookup (self->wakers, key);

  for (guint i = 0; names != NULL && i < names->len; i++)
    g_hash_table_add (self->to_wake, g_strdup (g_ptr_array_index (names, i)));
  if (names != NULL && self->wake_id == 0)
    self->wake_id = g_idle_add (on_wake, self);
}

static void
add_waker (Daemon     *self,
           const char *name,
           const char *emitter,
           const char *event)
{
  g_autofree char *key = plugctl_daemon_subscription_key (emitter, event);
  g_autoptr(GError) error = NULL;
  GPtrArray *names;

  if (!plug_engine_is_registered (plugctl_engine_get_engine (self->engine), emitter))
    {
      g_printerr ("plugctl: warning: Plugin %s listens for event %s of %s, which is "
                  "not registered\n", name, event, emitter);
      return;
    }
  if (!plugctl_daemon_subscribe (self, emitter, event, &error))
    {
      g_printerr ("plugctl: warning: %s\n", error->message);
      return;
    }
  names = g_hash_table_lookup (self->wakers, key);
  if (names == NULL)
    {
      names = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->wakers, g_steal_pointer (&key), names);
    }
  g_ptr_array_add (names, g_strdup (name));
}

/* At daemon start: "daemon" plugins start, "event" ones wait for theirs. */
static void
start_plugins (Daemon *self)
{
  PlugEngine *engine = plugctl_engine_get_engine (self->engine);
  GPtrArray *profiles = plugctl_engine_list_profiles (self->engine);

  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);
      const char *name = plug_profile_get_name (profile);
      const char * const *listens = plug_profile_get_listens (profile);

      if (!plug_engine_is_registered (engine, name))
        continue;  /* unavailable: its error comes with its first use */
      if (plug_profile_get_start (profile) == PLUG_START_DAEMON)
        start_lazily (self, name);
      else if (plug_profile_get_start (profile) == PLUG_START_EVENT)
        for (gsize j = 0; listens[j] != NULL && listens[j + 1] != NULL; j += 2)
          add_waker (self, name, listens[j], listens[j + 1]);
    }
}

static gboolean
has_listeners_of (Daemon     *self,
                  const char *emitter)
{
  g_autofree char *prefix = plugctl_daemon_subscription_key (emitter, "");
  GHashTableIter clients;
  Client *client;

  g_hash_table_iter_init (&clients, self->clients);
  while (g_hash_table_iter_next (&clients, NULL, (gpointer *) &client))
    {
      GHashTableIter keys;
      const char *key;

      g_hash_table_iter_init (&keys, client->listens);
      while (g_hash_table_iter_next (&keys, (gpointer *) &key, NULL))
        if (g_str_has_prefix (key, prefix))
          return TRUE;
    }
  return FALSE;
}

static gint64
get_count (JsonObject *status,
           const char *member)
{
  return json_object_has_member (status, member) ? json_object_get_int_member (status, member)
                                                 : 0;
}

/* Whether a call is pending, a message went in or out since the last
 * look, or a caller of the daemon listens to the plugin's events. */
static gboolean
idle_watch_saw_activity (IdleWatch *watch)
{
  PlugEngine *engine = plugctl_engine_get_engine (watch->daemon->engine);
  g_autoptr(JsonObject) status = plug_engine_get_status (engine, watch->name, NULL);
  gint64 messages;
  gboolean busy;

  if (status == NULL)
    return TRUE;
  messages = get_count (status, "messagesIn") + get_count (status, "messagesOut");
  /* an operation of the daemon may start the plugin before its call is
   * queued: it counts from the start */
  busy = get_count (status, "pendingCalls") > 0 || messages != watch->messages ||
         g_hash_table_contains (watch->daemon->operations_on, watch->name) ||
         has_listeners_of (watch->daemon, watch->name);
  watch->messages = messages;
  return busy;
}

static void
on_idle_deactivated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &error))
    g_printerr ("plugctl: warning: %s\n", error->message);
}

static gboolean
on_idle_watch_tick (gpointer user_data)
{
  IdleWatch *watch = user_data;
  Daemon *self = watch->daemon;
  gint64 now = g_get_monotonic_time ();

  if (plugctl_engine_get_state (self->engine, watch->name) != PLUG_PLUGIN_STATE_ACTIVE ||
      idle_watch_saw_activity (watch))
    watch->last_activity = now;
  else if (now - watch->last_activity >= (gint64) watch->timeout_ms * G_TIME_SPAN_MILLISECOND)
    {
      g_info ("Plugin %s idle for %u ms: deactivating it", watch->name, watch->timeout_ms);
      /* a failed deactivation is tried again a timeout later; a done one
       * frees @watch, maybe at once */
      watch->last_activity = now;
      plug_engine_deactivate (plugctl_engine_get_engine (self->engine), watch->name,
                              NULL, on_idle_deactivated, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
idle_watch_free (IdleWatch *watch)
{
  g_clear_handle_id (&watch->source_id, g_source_remove);
  g_free (watch->name);
  g_free (watch);
}

static void
idle_watch_start (Daemon      *self,
                  PlugProfile *profile)
{
  guint timeout_ms = plug_profile_get_idle_timeout (profile);
  IdleWatch *watch;

  if (timeout_ms == 0 || is_builtin (plug_profile_get_name (profile)))
    return;
  watch = g_new0 (IdleWatch, 1);
  watch->daemon = self;
  watch->name = g_strdup (plug_profile_get_name (profile));
  watch->timeout_ms = timeout_ms;
  watch->last_activity = g_get_monotonic_time ();
  idle_watch_saw_activity (watch);  /* counts the handshake's messages */
  watch->source_id = g_timeout_add (MAX (timeout_ms / 4, 1), on_idle_watch_tick, watch);
  g_hash_table_replace (self->idle_watches, watch->name, watch);
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

/* @path: a plugin, or a service path such as cmd.git */
static void
count_operation_on (Daemon     *self,
                    const char *path,
                    int         change)
{
  g_autofree char *name = g_strndup (path, strcspn (path, "."));
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->operations_on, name)) + change;

  if (count == 0)
    g_hash_table_remove (self->operations_on, name);
  else
    g_hash_table_replace (self->operations_on, g_steal_pointer (&name), GUINT_TO_POINTER (count));
}

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
  count_operation_on (self, path, 1);
  self->pending++;
  update_idle (self);
  return op;
}

static void
operation_free (Operation *op)
{
  Daemon *self = op->daemon;

  count_operation_on (self, op->path, -1);
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
  idle_watch_start (self, profile);
  queue_update_idle (self);
}

static void
on_plugin_deactivated (PlugManager *manager,
                       PlugProfile *profile,
                       Daemon      *self)
{
  g_hash_table_remove (self->idle_watches, plug_profile_get_name (profile));
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

/* --listen: where pages connect, with the token, once the daemon serves
 * (scripts read this line, then use the daemon). */
static void
announce_listener (Daemon *self)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) line = NULL;

  if (self->listener == NULL)
    return;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "listen");
  json_builder_add_string_value (builder, plug_listener_get_bound_uri (self->listener));
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, plug_listener_get_token (self->listener));
  json_builder_end_object (builder);
  line = json_builder_get_root (builder);
  plugctl_print_json_line (line);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Daemon *self = user_data;

  g_debug ("Serving %s", name);
  if (!self->name_acquired)
    announce_listener (self);
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
  self->wakers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  self->to_wake = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->idle_watches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) idle_watch_free);
  self->operations_on = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  connect_handlers (self);
  start_plugins (self);

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
  /* nothing starts or stops on its own while the engine shuts down */
  g_hash_table_remove_all (self->wakers);
  g_hash_table_remove_all (self->idle_watches);
  g_clear_handle_id (&self->wake_id, g_source_remove);
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
  g_clear_pointer (&self->wakers, g_hash_table_unref);
  g_clear_pointer (&self->to_wake, g_hash_table_unref);
  g_clear_pointer (&self->idle_watches, g_hash_table_unref);
  g_clear_pointer (&self->operations_on, g_hash_table_unref);
  g_clear_handle_id (&self->wake_id, g_source_remove);
}

static int
listen_exit_code (const GError *error)
{
  if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT))
    return PLUGCTL_EXIT_USAGE;
  if (g_error_matches (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR))
    return PLUGCTL_EXIT_NOT_FOUND;
  return PLUGCTL_EXIT_FAILED;
}

int
plugctl_cmd_daemon (int      argc,
                    char   **argv,
                    gboolean do_help)
{
  gint idle_timeout = 0;
  gboolean replace = FALSE;
  g_autofree char *listen = NULL;
  g_autofree char *token = NULL;
  const GOptionEntry entries[] = {
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      "Exit after SECONDS with no plugin running, no call and no listener "
      "(default: stay)", "SECONDS" },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      "Take the name over from a daemon that runs", NULL },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      "Accept plugins of web pages on this loopback WebSocket address, "
      "e.g. ws://127.0.0.1:0 (port 0: any free one; also PLUGCTL_LISTEN)", "URI" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token,
      "The token pages must present (also PLUGCTL_LISTEN_TOKEN; "
      "default: a random one)", "TOKEN" },
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
                                        "starts it on the first call. A plugin starts "
                                        "when it is first used, or as the \"start\" "
                                        "field of its manifest says, and stops after "
                                        "its \"idleTimeout\" (plugctl-profile(5)). "
                                        "Stops every plugin and exits 0 on SIGINT or "
                                        "SIGTERM.",
                                        entries);
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (!plugctl_check_words (argc, argv, 0, NULL))
    return PLUGCTL_EXIT_USAGE;
  if (idle_timeout < 0)
    return plugctl_usage_error ("Invalid idle timeout %d", idle_timeout);
  if (listen == NULL && g_getenv ("PLUGCTL_LISTEN") != NULL && *g_getenv ("PLUGCTL_LISTEN") != '\0')
    listen = g_strdup (g_getenv ("PLUGCTL_LISTEN"));
  if (token != NULL && listen == NULL)
    return plugctl_usage_error ("--token needs --listen");
  if (token == NULL && listen != NULL && g_getenv ("PLUGCTL_LISTEN_TOKEN") != NULL)
    token = g_strdup (g_getenv ("PLUGCTL_LISTEN_TOKEN"));
  if (token != NULL && *token == '\0')
    return plugctl_usage_error ("The token must not be empty");

  /* errors of both domains cross the bus under their own names */
  (void) PLUG_ERROR;
  (void) PLUGCTL_START_ERROR;

  self.engine = plugctl_engine_open (&status);
  if (self.engine == NULL)
    return status;
  self.idle_timeout_s = idle_timeout;
  if (listen != NULL)
    {
      g_autoptr(GError) error = NULL;

      self.listener = plug_listener_new_for_uri (plugctl_engine_get_engine (self.engine),
                                                 listen, token, &error);
      if (self.listener == NULL)
        {
          status = plugctl_print_error (error, listen_exit_code (error));
          status = plugctl_engine_close (self.engine, status);
          daemon_clear (&self);
          return status;
        }
    }

  status = run_daemon (&self, replace);
  /* no page connects while the plugins stop */
  g_clear_object (&self.listener);
  disconnect_handlers (&self);
  status = plugctl_engine_close (self.engine, status);
  daemon_clear (&self);
  return status;
}
