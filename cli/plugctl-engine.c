/* plugctl-engine.c: the engine plugctl embeds, and the plugin `cli`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <glib-unix.h>

#include "plugctl-cli.h"

/* How long the shutdown waits for plugins to stop before giving up. */
#define PLUGCTL_SHUTDOWN_TIMEOUT_S 15
/* How often the shutdown looks for plugin processes still running. */
#define PLUGCTL_CHILD_POLL_MS 20

struct _PlugctlEngine
{
  PlugEngine   *engine;
  GCancellable *cancellable;     /* cancelled by SIGINT/SIGTERM */
  GPtrArray    *profiles;        /* PlugProfile: registered or unavailable */
  GHashTable   *profile_errors;  /* name → GError: why it is unavailable */
  GPtrArray    *deferred;        /* PlugProfile whose connector is not loaded yet */
  GStrv         connector_dirs;  /* the connector search path */
  guint         n_loaded_dirs;   /* connector_dirs[0, n) are loaded */
  int           signal;
  guint         sigint_id;
  guint         sigterm_id;
};

void
plugctl_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
plugctl_engine_wait (PlugctlEngine  *self,
                     GAsyncResult  **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
handle_signal (PlugctlEngine *self,
               int            signum)
{
  if (self->signal == 0)
    self->signal = signum;
  g_cancellable_cancel (self->cancellable);
}

static gboolean
on_sigint (gpointer user_data)
{
  handle_signal (user_data, SIGINT);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigterm (gpointer user_data)
{
  handle_signal (user_data, SIGTERM);
  return G_SOURCE_CONTINUE;
}

void
plugctl_load_connectors (void)
{
  const char * const *extra = (const char * const *) plugctl_options.connector_dirs->pdata;
  g_auto(GStrv) dirs = plug_connector_module_search_path (extra);

  plug_connector_module_load_dirs ((const char * const *) dirs);
}

static gboolean
register_cli (PlugctlEngine  *self,
              GError        **error)
{
  g_autoptr(PlugProfile) profile = plug_profile_new (PLUGCTL_CLI_PLUGIN);
  g_autoptr(PlugPlugin) plugin = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  plug_profile_set_description (profile, "The plugctl command line");
  plugin = plug_plugin_new (profile);
  if (!plug_engine_register (self->engine, plugin, error))
    return FALSE;

  plug_engine_activate (self->engine, PLUGCTL_CLI_PLUGIN, self->cancellable,
                        plugctl_store_result, &result);
  plugctl_engine_wait (self, &result);
  return plug_engine_activate_finish (self->engine, result, error);
}

static gboolean
connector_is_loaded (const char *connector)
{
  GIOExtensionPoint *point = plug_connector_module_ensure_extension_point ();

  return g_io_extension_point_get_extension_by_name (point, connector) != NULL;
}

static const char *
profile_connector (PlugProfile *profile)
{
  const char *connector = plug_profile_get_connector (profile);

  return connector != NULL ? connector : PLUG_PROFILE_DEFAULT_CONNECTOR;
}

/* Loads the connector directories up to @n, in search path order, so that
 * the directories a "No connector" error names keep that order. */
static void
load_connector_dirs (PlugctlEngine *self,
                     guint          n)
{
  g_autoptr(GPtrArray) dirs = NULL;

  if (n <= self->n_loaded_dirs)
    return;
  dirs = g_ptr_array_new ();
  for (guint i = self->n_loaded_dirs; i < n; i++)
    g_ptr_array_add (dirs, self->connector_dirs[i]);
  g_ptr_array_add (dirs, NULL);
  plug_connector_module_load_dirs ((const char * const *) dirs->pdata);
  self->n_loaded_dirs = n;
}

static void
load_all_connectors (PlugctlEngine *self)
{
  load_connector_dirs (self, g_strv_length (self->connector_dirs));
}

/* Loading a module costs milliseconds (the WebSocket ones bring libsoup):
 * load `<connector>.so` alone; else the directories in order up to the
 * first that has it, and all of them when that is not enough. */
static void
ensure_connector (PlugctlEngine *self,
                  const char    *connector)
{
  g_autofree char *file_name = g_strconcat (connector, ".so", NULL);

  if (plug_connector_module_load_named ((const char * const *) self->connector_dirs,
                                        connector))
    return;
  for (guint i = self->n_loaded_dirs;
       self->connector_dirs[i] != NULL && !connector_is_loaded (connector);
       i++)
    {
      g_autofree char *path = g_build_filename (self->connector_dirs[i], file_name, NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        load_connector_dirs (self, i + 1);
    }
  if (!connector_is_loaded (connector))
    load_all_connectors (self);
}

/* A plugin whose connector is missing stays listed, with the error it
 * gets whenever it is used; other errors are warnings. */
static void
register_profile (PlugctlEngine *self,
                  PlugProfile   *profile)
{
  g_autoptr(GError) error = NULL;

  if (plug_engine_register_profile (self->engine, profile, &error) != NULL)
    return;
  if (!g_error_matches (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR))
    {
      g_printerr ("plugctl: warning: %s\n", error->message);
      g_ptr_array_remove (self->profiles, profile);
      return;
    }
  g_hash_table_insert (self->profile_errors,
                       g_strdup (plug_profile_get_name (profile)),
                       g_steal_pointer (&error));
}

/* Registers the deferred profiles whose connector is loaded now, all of
 * them once every connector directory is. */
static void
register_deferred (PlugctlEngine *self)
{
  gboolean all_loaded = self->connector_dirs[self->n_loaded_dirs] == NULL;
  guint i = 0;

  while (i < self->deferred->len)
    {
      g_autoptr(PlugProfile) profile = g_object_ref (g_ptr_array_index (self->deferred, i));

      if (!all_loaded && !connector_is_loaded (profile_connector (profile)))
        {
          i++;
          continue;
        }
      g_ptr_array_remove_index (self->deferred, i);
      register_profile (self, profile);
    }
}

/* Makes plugin @name usable when its profile waits for its connector. */
static void
ensure_plugin (PlugctlEngine *self,
               const char    *name)
{
  for (guint i = 0; i < self->deferred->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (self->deferred, i);

      if (g_str_equal (plug_profile_get_name (profile), name))
        {
          ensure_connector (self, profile_connector (profile));
          register_deferred (self);
          return;
        }
    }
}

/* A plugin may use another one whose connector the command did not
 * need: the engine asks when it meets the name. */
static void
resolve_plugin (PlugEngine *engine,
                const char *name,
                gpointer    user_data)
{
  ensure_plugin (user_data, name);
}

static void
ensure_all_plugins (PlugctlEngine *self)
{
  load_all_connectors (self);
  register_deferred (self);
}

/* A manifest that does not load is a warning. A profile whose connector
 * is not loaded yet waits until it is used: a command that needs one
 * plugin loads one connector. */
static void
load_profiles (PlugctlEngine *self)
{
  const char * const *extra = (const char * const *) plugctl_options.plugin_dirs->pdata;
  g_auto(GStrv) dirs = plug_profile_search_path (extra);
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) profiles = plug_profile_load_dirs ((const char * const *) dirs,
                                                         &errors);

  for (guint i = 0; errors != NULL && i < errors->len; i++)
    {
      const GError *error = g_ptr_array_index (errors, i);

      g_printerr ("plugctl: warning: %s\n", error->message);
    }

  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);

      if (plugctl_options.timeout_ms > 0)
        plug_profile_set_call_timeout (profile, plugctl_options.timeout_ms);
      g_ptr_array_add (self->profiles, g_object_ref (profile));
      /* a name taken already fails at once, connector or not */
      if (self->connector_dirs[self->n_loaded_dirs] == NULL ||
          connector_is_loaded (profile_connector (profile)) ||
          plug_engine_is_registered (self->engine, plug_profile_get_name (profile)))
        register_profile (self, profile);
      else
        g_ptr_array_add (self->deferred, g_object_ref (profile));
    }
}

static void
install_signal_handlers (PlugctlEngine *self)
{
  self->sigint_id = g_unix_signal_add (SIGINT, on_sigint, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, self);
}

/* --policy, else $XDG_CONFIG_HOME/plugctl/policy.json when it exists. */
static char *
plugctl_policy_path (void)
{
  g_autofree char *user = NULL;

  if (plugctl_options.policy != NULL)
    return g_strdup (plugctl_options.policy);
  user = g_build_filename (g_get_user_config_dir (), "plugctl", "policy.json", NULL);
  return g_file_test (user, G_FILE_TEST_EXISTS) ? g_steal_pointer (&user) : NULL;
}

static PlugctlEngine *
engine_open (gboolean  lazy,
             int      *exit_code)
{
  PlugctlEngine *self = g_new0 (PlugctlEngine, 1);
  const char * const *extra = (const char * const *) plugctl_options.connector_dirs->pdata;
  g_autoptr(GError) error = NULL;
  g_autofree char *policy = NULL;

  self->cancellable = g_cancellable_new ();
  self->profiles = g_ptr_array_new_with_free_func (g_object_unref);
  self->profile_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_error_free);
  self->deferred = g_ptr_array_new_with_free_func (g_object_unref);
  self->connector_dirs = plug_connector_module_search_path (extra);
  install_signal_handlers (self);

  if (!lazy)
    load_all_connectors (self);
  self->engine = plug_engine_new ();
  plug_engine_set_resolver (self->engine, resolve_plugin, self, NULL);

  policy = plugctl_policy_path ();
  if (policy != NULL &&
      !plug_manager_load_policy (plug_engine_get_manager (self->engine),
                                 policy, &error))
    {
      *exit_code = plugctl_print_error (error, PLUGCTL_EXIT_USAGE);
      plugctl_engine_close (self, *exit_code);
      return NULL;
    }

  if (!register_cli (self, &error))
    {
      *exit_code = plugctl_print_error (error, PLUGCTL_EXIT_FAILED);
      plugctl_engine_close (self, *exit_code);
      return NULL;
    }

  if (!plugctl_options.no_manifests)
    load_profiles (self);
  *exit_code = PLUGCTL_EXIT_OK;
  return self;
}

/* Every connector loaded and every profile registered, as list, status
 * and the daemon want. Returns NULL, having printed why, with *exit_code
 * set. */
PlugctlEngine *
plugctl_engine_open (int *exit_code)
{
  return engine_open (FALSE, exit_code);
}

/* For commands that use the plugins they name: a plugin is registered,
 * and its connector loaded, when one of the functions below that take
 * its name first sees it. */
PlugctlEngine *
plugctl_engine_open_lazy (int *exit_code)
{
  return engine_open (TRUE, exit_code);
}

/* Registers @profile (not from a manifest), its connector loaded first. */
PlugPlugin *
plugctl_engine_register_profile (PlugctlEngine  *self,
                                 PlugProfile    *profile,
                                 GError        **error)
{
  ensure_connector (self, profile_connector (profile));
  return plug_engine_register_profile (self->engine, profile, error);
}

typedef struct
{
  guint    pending;
  gboolean timed_out;
} Shutdown;

static void
on_deactivated (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Shutdown *shutdown = user_data;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_deactivate_finish (PLUG_ENGINE (source), result, &error))
    g_printerr ("plugctl: warning: %s\n", error->message);
  shutdown->pending--;
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  Shutdown *shutdown = user_data;

  shutdown->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_builtin (const char *name)
{
  return g_str_equal (name, "manager") || g_str_equal (name, PLUGCTL_CLI_PLUGIN);
}

/* Stops every plugin that runs, so that no child process outlives
 * plugctl. Returns FALSE when some did not stop in time. */
static gboolean
deactivate_all (PlugctlEngine *self,
                Shutdown      *shutdown)
{
  g_autoptr(GPtrArray) plugins = plug_engine_list_plugins (self->engine);
  guint timeout_id;

  for (guint i = 0; i < plugins->len; i++)
    {
      PlugPlugin *plugin = g_ptr_array_index (plugins, i);
      const char *name = plug_plugin_get_name (plugin);

      if (is_builtin (name) ||
          plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_INACTIVE)
        continue;
      shutdown->pending++;
      plug_engine_deactivate (self->engine, name, NULL, on_deactivated, shutdown);
    }

  if (shutdown->pending == 0)
    return TRUE;

  timeout_id = g_timeout_add_seconds (PLUGCTL_SHUTDOWN_TIMEOUT_S,
                                      on_shutdown_timeout, shutdown);
  while (shutdown->pending > 0 && !shutdown->timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (shutdown->timed_out)
    {
      g_printerr ("plugctl: warning: plugins still running after %d s\n",
                  PLUGCTL_SHUTDOWN_TIMEOUT_S);
      return FALSE;
    }
  g_source_remove (timeout_id);
  return TRUE;
}

/* Linux lists the processes a thread started, zombies included, in
 * /proc/self/task/<tid>/children; elsewhere this says no. */
static gboolean
has_child_processes (void)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (tasks != NULL && (tid = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "children", NULL);
      g_autofree char *children = NULL;

      if (g_file_get_contents (path, &children, NULL, NULL) && children[0] != '\0')
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_child_poll (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A plugin whose activation failed is stopped in the background, where
 * nobody waits for it: wait until its process has gone too. */
static void
wait_for_child_processes (Shutdown *shutdown)
{
  guint poll_id, timeout_id;

  if (!has_child_processes ())
    return;

  poll_id = g_timeout_add (PLUGCTL_CHILD_POLL_MS, on_child_poll, NULL);
  timeout_id = g_timeout_add_seconds (PLUGCTL_SHUTDOWN_TIMEOUT_S,
                                      on_shutdown_timeout, shutdown);
  while (has_child_processes () && !shutdown->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (poll_id);
  if (shutdown->timed_out)
    g_printerr ("plugctl: warning: plugins still running after %d s\n",
                PLUGCTL_SHUTDOWN_TIMEOUT_S);
  else
    g_source_remove (timeout_id);
}

/* Deactivates every plugin, frees @self and returns @exit_code. */
int
plugctl_engine_close (PlugctlEngine *self,
                      int            exit_code)
{
  /* static: a deactivation that never finishes may still answer into it */
  static Shutdown shutdown;

  if (self->engine != NULL && !deactivate_all (self, &shutdown))
    return exit_code;  /* leave the engine alone: exit is what is left */
  wait_for_child_processes (&shutdown);

  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_object (&self->engine);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->profile_errors, g_hash_table_unref);
  g_clear_pointer (&self->deferred, g_ptr_array_unref);
  g_clear_pointer (&self->connector_dirs, g_strfreev);
  g_free (self);
  return exit_code;
}

PlugEngine *
plugctl_engine_get_engine (PlugctlEngine *self)
{
  return self->engine;
}

GCancellable *
plugctl_engine_get_cancellable (PlugctlEngine *self)
{
  return self->cancellable;
}

int
plugctl_engine_get_signal (PlugctlEngine *self)
{
  return self->signal;
}

int
plugctl_engine_signal_exit_code (PlugctlEngine *self)
{
  return 128 + self->signal;
}

/* Prints @error; returns @exit_code, or 128 + the signal that ended the
 * command (the error is then most likely its cancellation). */
int
plugctl_engine_fail (PlugctlEngine *self,
                     const GError  *error,
                     int            exit_code)
{
  plugctl_print_error (error, exit_code);
  if (self->signal != 0)
    return plugctl_engine_signal_exit_code (self);
  return exit_code;
}

/* The profiles of the manifests, sorted by name, with the unavailable ones. */
GPtrArray *
plugctl_engine_list_profiles (PlugctlEngine *self)
{
  ensure_all_plugins (self);
  return self->profiles;
}

PlugProfile *
plugctl_engine_find_profile (PlugctlEngine *self,
                             const char    *name)
{
  PlugPlugin *plugin;

  ensure_plugin (self, name);
  plugin = plug_engine_get_plugin (self->engine, name);
  if (plugin != NULL)
    return plug_plugin_get_profile (plugin);

  for (guint i = 0; i < self->profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (self->profiles, i);

      if (g_str_equal (plug_profile_get_name (profile), name))
        return profile;
    }
  return NULL;
}

/* (nullable): why @name is listed but cannot be used */
const GError *
plugctl_engine_get_profile_error (PlugctlEngine *self,
                                  const char    *name)
{
  ensure_plugin (self, name);
  return g_hash_table_lookup (self->profile_errors, name);
}

gboolean
plugctl_engine_lookup (PlugctlEngine  *self,
                       const char     *name,
                       GError        **error)
{
  const GError *profile_error;

  ensure_plugin (self, name);
  if (plug_engine_is_registered (self->engine, name))
    return TRUE;

  profile_error = plugctl_engine_get_profile_error (self, name);
  if (profile_error != NULL)
    g_propagate_error (error, g_error_copy (profile_error));
  else
    g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                 "Plugin %s is not registered", name);
  return FALSE;
}

PlugPluginState
plugctl_engine_get_state (PlugctlEngine *self,
                          const char    *name)
{
  PlugPlugin *plugin;

  ensure_plugin (self, name);
  plugin = plug_engine_get_plugin (self->engine, name);
  return plugin != NULL ? plug_plugin_get_state (plugin) : PLUG_PLUGIN_STATE_INACTIVE;
}

gboolean
plugctl_engine_activate (PlugctlEngine  *self,
                         const char     *name,
                         GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  ensure_plugin (self, name);
  plug_engine_activate (self->engine, name, self->cancellable,
                        plugctl_store_result, &result);
  plugctl_engine_wait (self, &result);
  return plug_engine_activate_finish (self->engine, result, error);
}

/* Whether the policy lets `cli` activate @name. */
gboolean
plugctl_engine_may_activate (PlugctlEngine *self,
                             const char    *name)
{
  return plug_manager_is_allowed (plug_engine_get_manager (self->engine),
                                  PLUG_PERMISSION_ACTIVATE,
                                  PLUGCTL_CLI_PLUGIN, name, NULL);
}
