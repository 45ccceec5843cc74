/* plug-thread-connector.c: plugins run as modules on threads of their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-thread-connector.h"

#include <errno.h>

#include <gmodule.h>

#include "plug-thread-client-connector.h"
#include "plug-thread-mailbox.h"

/* What the plugin's thread owns; the engine's thread never touches it. */
typedef struct
{
  GMainContext              *context;
  PlugThreadMailbox         *from_engine;
  PlugThreadMailbox         *to_engine;
  PlugClientModuleSetupFunc  setup;
} PluginThread;

/* One run of the plugin's thread, as the engine's thread sees it. It may
 * outlive the connector's interest in it, until the thread has ended or
 * has been given up on. */
typedef struct
{
  PlugThreadConnector *owner;         /* NULL once detached */
  char                *plugin_name;
  GMainContext        *context;       /* the engine's */
  GThread             *thread;        /* NULL once joined or given up */
  PlugThreadMailbox   *to_plugin;
  PlugThreadMailbox   *from_plugin;
  GSource             *grace_source;
  guint                grace_ms;
  GPtrArray           *waiters;       /* disconnect GTasks */
  gboolean             stopping;      /* its end is expected: no fault */
  gboolean             ended;         /* the thread has returned */
} ThreadRun;

struct _PlugThreadConnector
{
  PlugConnector  parent_instance;

  GMainContext  *context;
  ThreadRun     *run;
};

G_DEFINE_FINAL_TYPE (PlugThreadConnector, plug_thread_connector, PLUG_TYPE_CONNECTOR)

/* The plugin's thread */

static void
plugin_thread_free (PluginThread *pt)
{
  g_clear_pointer (&pt->from_engine, plug_thread_mailbox_unref);
  g_clear_pointer (&pt->to_engine, plug_thread_mailbox_unref);
  /* Usually the last reference: destroys what the plugin left attached,
   * such as the timers of calls it never answered. */
  g_clear_pointer (&pt->context, g_main_context_unref);
  g_free (pt);
}

static void
run_client (PluginThread *pt)
{
  g_autoptr(PlugThreadClientConnector) connector = NULL;
  g_autoptr(PlugClient) client = NULL;

  connector = plug_thread_client_connector_new (pt->from_engine, pt->to_engine);
  client = plug_client_new (PLUG_CLIENT_CONNECTOR (connector));
  pt->setup (client);
  /* Returns when the engine closes the connection. */
  plug_client_run (client);
}

static gpointer
plugin_thread_main (gpointer data)
{
  PluginThread *pt = data;
  g_autoptr(PlugThreadMailbox) to_engine = plug_thread_mailbox_ref (pt->to_engine);

  g_main_context_push_thread_default (pt->context);
  run_client (pt);
  /* Even if the plugin kept a reference to its client. */
  plug_thread_mailbox_close (pt->from_engine);
  g_main_context_pop_thread_default (pt->context);
  plugin_thread_free (pt);

  /* The last thing the thread does: the engine joins it on this. */
  plug_thread_mailbox_post_end (to_engine);

  return NULL;
}

/* ThreadRun */

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
thread_run_free (ThreadRun *run)
{
  g_assert (run->owner == NULL);
  g_assert (run->thread == NULL);
  g_assert (run->waiters->len == 0);

  clear_source (&run->grace_source);
  plug_thread_mailbox_close (run->from_plugin);
  g_clear_pointer (&run->from_plugin, plug_thread_mailbox_unref);
  g_clear_pointer (&run->to_plugin, plug_thread_mailbox_unref);
  g_clear_pointer (&run->waiters, g_ptr_array_unref);
  g_clear_pointer (&run->context, g_main_context_unref);
  g_free (run->plugin_name);
  g_free (run);
}

/* The thread is over for us (ended, or given up on): the disconnect
 * waiters return, and a detached run goes. */
static void
thread_run_settle (ThreadRun *run)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&run->waiters);

  run->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  clear_source (&run->grace_source);
  if (waiters->len > 0 && run->owner != NULL && run->owner->run == run)
    {
      run->owner->run = NULL;
      run->owner = NULL;
    }
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
  if (run->owner == NULL)
    thread_run_free (run);
}

static gboolean
on_grace_timeout (gpointer user_data)
{
  ThreadRun *run = user_data;

  g_clear_pointer (&run->grace_source, g_source_unref);

  /* A thread cannot be killed: it keeps its module, which is resident,
   * and whatever it holds. Nothing of ours waits on it any more. */
  g_warning ("Plugin %s: its thread did not return within %u ms of the "
             "deactivation; it is left running (a thread cannot be stopped "
             "from outside: untrusted plugins belong in a child process)",
             run->plugin_name, run->grace_ms);
  g_clear_pointer (&run->thread, g_thread_unref);
  plug_thread_mailbox_close (run->from_plugin);
  thread_run_settle (run);

  return G_SOURCE_REMOVE;
}

/* Asks the plugin to stop: its client sees the connection closed and
 * plug_client_run() returns, which ends the thread. */
static void
thread_run_stop (ThreadRun *run)
{
  run->stopping = TRUE;
  if (run->ended || run->grace_source != NULL)
    return;

  plug_thread_mailbox_post_end (run->to_plugin);
  run->grace_source = g_timeout_source_new (run->grace_ms);
  g_source_set_callback (run->grace_source, on_grace_timeout, run, NULL);
  g_source_set_static_name (run->grace_source, "[plugctl] thread plugin grace period");
  g_source_attach (run->grace_source, run->context);
}

/* The connector lets go of @run; a running thread is stopped in the
 * background and freed once it has ended. */
static void
thread_run_detach (ThreadRun *run)
{
  run->owner = NULL;
  if (run->ended || run->thread == NULL)
    {
      thread_run_settle (run);
      return;
    }
  thread_run_stop (run);
}

/* The thread returned by itself: the plugin is lost (§6). May free @run,
 * through the deactivation that follows. */
static void
thread_run_report_end (ThreadRun *run)
{
  g_autoptr(PlugThreadConnector) owner = g_object_ref (run->owner);
  g_autoptr(GError) error = NULL;
  PlugPluginState state;

  run->stopping = TRUE;
  error = g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                       "Plugin %s: its thread ended", run->plugin_name);
  state = plug_plugin_get_state (PLUG_PLUGIN (owner));
  if (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING)
    plug_plugin_lost (PLUG_PLUGIN (owner), error);
  else
    g_debug ("%s (plugin not active)", error->message);
}

static void
on_message_from_plugin (PlugMessage *message,
                        gpointer     user_data)
{
  ThreadRun *run = user_data;
  g_autoptr(PlugThreadConnector) owner = NULL;

  if (message == NULL)
    {
      gboolean expected = run->stopping || run->owner == NULL;

      run->ended = TRUE;
      /* The thread posted its end as the last thing it does. */
      if (run->thread != NULL)
        g_thread_join (g_steal_pointer (&run->thread));
      if (expected)
        thread_run_settle (run);
      else
        thread_run_report_end (run);
      return;
    }

  if (run->owner == NULL || run->stopping)
    return;

  owner = g_object_ref (run->owner);
  plug_connector_receive (PLUG_CONNECTOR (owner), message);
}

/* The module */

static char *
dup_module_path (PlugThreadConnector  *self,
                 GError              **error)
{
  PlugProfile *profile = plug_plugin_get_profile (PLUG_PLUGIN (self));
  g_autoptr(JsonObject) fields = plug_profile_to_json (profile);
  JsonNode *node = json_object_get_member (fields, "module");
  g_autofree char *base_dir = NULL;
  const char *module;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      *(module = json_node_get_string (node)) == '\0')
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s has no \"module\" to load: the thread connector "
                   "needs the path of a shared module",
                   plug_plugin_get_name (PLUG_PLUGIN (self)));
      return NULL;
    }

  if (g_path_is_absolute (module))
    return g_strdup (module);

  if (plug_profile_get_path (profile) != NULL)
    base_dir = g_path_get_dirname (plug_profile_get_path (profile));
  else if (plug_profile_get_cwd (profile) != NULL)
    base_dir = g_strdup (plug_profile_get_cwd (profile));
  else
    base_dir = g_get_current_dir ();

  return g_canonicalize_filename (module, base_dir);
}

/* Modules are never unloaded: the GTypes they register cannot be
 * unregistered, and a thread given up on may still run their code. */
static PlugClientModuleSetupFunc
load_module (PlugThreadConnector  *self,
             GError              **error)
{
  const char *name = plug_plugin_get_name (PLUG_PLUGIN (self));
  g_autofree char *path = NULL;
  gpointer symbol = NULL;
  GModule *module;

  path = dup_module_path (self, error);
  if (path == NULL)
    return NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot load module \"%s\": %s",
                   name, path, g_strerror (ENOENT));
      return NULL;
    }

  /* Bound now: a missing symbol is an error here, not a crash later. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot load module \"%s\": %s",
                   name, path, g_module_error ());
      return NULL;
    }

  if (!g_module_symbol (module, PLUG_CLIENT_MODULE_SETUP_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: module \"%s\" has no entry point %s() "
                   "(see PLUG_CLIENT_DEFINE_MODULE)",
                   name, path, PLUG_CLIENT_MODULE_SETUP_SYMBOL);
      g_module_close (module);
      return NULL;
    }

  g_module_make_resident (module);
  g_module_close (module);

  return (PlugClientModuleSetupFunc) symbol;
}

static ThreadRun *
thread_run_start (PlugThreadConnector        *self,
                  PlugClientModuleSetupFunc   setup,
                  GError                    **error)
{
  const char *name = plug_plugin_get_name (PLUG_PLUGIN (self));
  g_autoptr(GMainContext) plugin_context = g_main_context_new ();
  g_autoptr(GError) local_error = NULL;
  PluginThread *pt;
  ThreadRun *run;

  run = g_new0 (ThreadRun, 1);
  run->owner = self;
  run->plugin_name = g_strdup (name);
  run->context = g_main_context_ref (self->context);
  run->grace_ms = plug_connector_get_grace_period (PLUG_CONNECTOR (self));
  run->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  run->to_plugin = plug_thread_mailbox_new (plugin_context, "[plugctl] messages to a thread plugin");
  run->from_plugin = plug_thread_mailbox_new (self->context, "[plugctl] messages from a thread plugin");
  plug_thread_mailbox_start (run->from_plugin, on_message_from_plugin, run);

  pt = g_new0 (PluginThread, 1);
  pt->context = g_steal_pointer (&plugin_context);
  pt->from_engine = plug_thread_mailbox_ref (run->to_plugin);
  pt->to_engine = plug_thread_mailbox_ref (run->from_plugin);
  pt->setup = setup;

  run->thread = g_thread_try_new (name, plugin_thread_main, pt, &local_error);
  if (run->thread == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot start its thread: %s", name, local_error->message);
      plug_thread_mailbox_close (pt->from_engine);
      plugin_thread_free (pt);
      run->owner = NULL;
      thread_run_free (run);
      return NULL;
    }

  return run;
}

/* PlugConnector */

static void
plug_thread_connector_connect (PlugConnector       *connector,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  PlugThreadConnector *self = PLUG_THREAD_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  PlugClientModuleSetupFunc setup;
  GError *error = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_thread_connector_connect);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_clear_pointer (&self->run, thread_run_detach);

  setup = load_module (self, &error);
  if (setup != NULL)
    self->run = thread_run_start (self, setup, &error);

  /* Messages can be sent at once: they wait in the plugin's mailbox. */
  if (self->run == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
plug_thread_connector_disconnect (PlugConnector       *connector,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  PlugThreadConnector *self = PLUG_THREAD_CONNECTOR (connector);
  ThreadRun *run = self->run;
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, plug_thread_connector_disconnect);

  if (run == NULL || run->ended)
    {
      g_clear_pointer (&self->run, thread_run_detach);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (run->waiters, g_steal_pointer (&task));
  thread_run_stop (run);
}

static gboolean
plug_thread_connector_send (PlugConnector  *connector,
                            PlugMessage    *message,
                            GError        **error)
{
  PlugThreadConnector *self = PLUG_THREAD_CONNECTOR (connector);
  ThreadRun *run = self->run;

  if (run != NULL && run->ended)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s: its thread ended", run->plugin_name);
      return FALSE;
    }
  if (run == NULL || run->stopping ||
      !plug_thread_mailbox_post (run->to_plugin, plug_thread_message_copy (message)))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Thread of plugin \"%s\" is not running",
                   plug_plugin_get_name (PLUG_PLUGIN (self)));
      return FALSE;
    }

  return TRUE;
}

/* GObject */

static void
plug_thread_connector_dispose (GObject *object)
{
  PlugThreadConnector *self = PLUG_THREAD_CONNECTOR (object);

  g_clear_pointer (&self->run, thread_run_detach);

  G_OBJECT_CLASS (plug_thread_connector_parent_class)->dispose (object);
}

static void
plug_thread_connector_finalize (GObject *object)
{
  PlugThreadConnector *self = PLUG_THREAD_CONNECTOR (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (plug_thread_connector_parent_class)->finalize (object);
}

static void
plug_thread_connector_class_init (PlugThreadConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->dispose = plug_thread_connector_dispose;
  object_class->finalize = plug_thread_connector_finalize;

  connector_class->connect = plug_thread_connector_connect;
  connector_class->disconnect = plug_thread_connector_disconnect;
  connector_class->send = plug_thread_connector_send;
}

static void
plug_thread_connector_init (PlugThreadConnector *self)
{
  /* Messages from the plugin are received where the engine runs. */
  self->context = g_main_context_ref_thread_default ();
}

PLUG_DEFINE_CONNECTOR_MODULE ("thread", plug_thread_connector_get_type ())
