/* plug-engine.c: registry, activation and deactivation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-engine-entry-private.h"
#include "plug-connector-module.h"
#include "plug-error.h"
#include "plug-events-private.h"
#include "plug-manager-private.h"
#include "plug-plugin-private.h"
#include "plug-queue-private.h"

typedef PlugEngineEntry Entry;

struct _PlugEngine
{
  GObject parent_instance;

  GHashTable *entries;  /* name → Entry */
  PlugEvents *events;
  PlugManager *manager;

  GSource *completions;
  PlugCancelWatches *cancel_watches;

  PlugEngineResolveFunc resolve;
  gpointer resolve_data;
  GDestroyNotify resolve_destroy;
  gboolean resolving;
};

G_DEFINE_FINAL_TYPE (PlugEngine, plug_engine, G_TYPE_OBJECT)



static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_assert (entry->restart_timer == NULL);
  g_clear_pointer (&entry->crash_times, g_array_unref);
  g_clear_error (&entry->failure);
  g_clear_error (&entry->stats.last_error);

  g_clear_pointer (&entry->queue, plug_queue_free);
  g_clear_pointer (&entry->activate_waiters, g_ptr_array_unref);
  g_clear_pointer (&entry->deactivate_waiters, g_ptr_array_unref);
  g_clear_object (&entry->activation_cancellable);
  g_clear_object (&entry->plugin);
}

PlugEngineEntry *
plug_engine_entry_ref (PlugEngineEntry *entry)
{
  return g_rc_box_acquire (entry);
}

void
plug_engine_entry_unref (gpointer entry)
{
  g_rc_box_release_full (entry, entry_clear);
}

PlugEngine *
plug_engine_entry_get_engine (PlugEngineEntry *entry)
{
  return entry->engine;
}

PlugPlugin *
plug_engine_entry_get_plugin (PlugEngineEntry *entry)
{
  return entry->plugin;
}

PlugQueue *
plug_engine_entry_get_queue (PlugEngineEntry *entry)
{
  return entry->queue;
}

const GError *
plug_engine_entry_get_failure (PlugEngineEntry *entry)
{
  return entry->failure;
}

PlugEngineEntryStats *
plug_engine_entry_get_stats (PlugEngineEntry *entry)
{
  return &entry->stats;
}



PlugEngineEntry *
plug_engine_lookup_entry (PlugEngine *self,
                          const char *name)
{
  Entry *entry;

  if (name == NULL)
    return NULL;
  entry = g_hash_table_lookup (self->entries, name);
  if (entry == NULL && self->resolve != NULL && !self->resolving)
    {
      self->resolving = TRUE;
      self->resolve (self, name, self->resolve_data);
      self->resolving = FALSE;
      entry = g_hash_table_lookup (self->entries, name);
    }
  return entry != NULL && !entry->removing ? entry : NULL;
}

GSource *
plug_engine_get_completions (PlugEngine *self)
{
  if (self->completions == NULL)
    self->completions = plug_engine_completions_new ();
  return self->completions;
}

PlugCancelWatches *
plug_engine_get_cancel_watches (PlugEngine *self)
{
  if (self->cancel_watches == NULL)
    self->cancel_watches = plug_cancel_watches_new (plug_engine_cancel_request);
  return self->cancel_watches;
}

void
plug_engine_set_resolver (PlugEngine            *self,
                          PlugEngineResolveFunc  func,
                          gpointer               user_data,
                          GDestroyNotify         destroy)
{
  g_return_if_fail (PLUG_IS_ENGINE (self));

  if (self->resolve_destroy != NULL)
    self->resolve_destroy (self->resolve_data);
  self->resolve = func;
  self->resolve_data = user_data;
  self->resolve_destroy = destroy;
}

/* A plugin may call, listen and emit from the start of its activation
 * (Remix lets activate() use the API): its first calls can arrive in
 * the same read as its handshake answer. */
gboolean
plug_engine_can_act (PlugEngine *self,
                     const char *name)
{
  Entry *entry = plug_engine_lookup_entry (self, name);

  return entry != NULL &&
         (entry_state (entry) == PLUG_PLUGIN_STATE_ACTIVE ||
          entry_state (entry) == PLUG_PLUGIN_STATE_ACTIVATING);
}

PlugEvents *
plug_engine_get_events (PlugEngine *self)
{
  return self->events;
}



/* Registry */

static void
plug_engine_dispose (GObject *object)
{
  PlugEngine *self = PLUG_ENGINE (object);
  GHashTableIter iter;
  Entry *entry;

  plug_engine_set_resolver (self, NULL, NULL, NULL);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      entry->removing = TRUE;
      plug_engine_entry_clear_restart_timer (entry);
      /* What is still in flight finds no engine and no activation. */
      entry->engine = NULL;
      entry->activation_serial++;
      g_clear_signal_handler (&entry->lost_handler, entry->plugin);
      plug_plugin_set_engine (entry->plugin, NULL);
    }
  g_hash_table_remove_all (self->entries);
  self->manager = NULL;

  G_OBJECT_CLASS (plug_engine_parent_class)->dispose (object);
}

static void
plug_engine_finalize (GObject *object)
{
  PlugEngine *self = PLUG_ENGINE (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->events, plug_events_free);
  if (self->completions != NULL)
    g_source_destroy (self->completions);
  g_clear_pointer (&self->completions, g_source_unref);
  g_clear_pointer (&self->cancel_watches, plug_cancel_watches_free);

  G_OBJECT_CLASS (plug_engine_parent_class)->finalize (object);
}

static void
plug_engine_class_init (PlugEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = plug_engine_dispose;
  object_class->finalize = plug_engine_finalize;
}

static void
plug_engine_init (PlugEngine *self)
{
  /* Keyed by the profile's name, which lives as long as the entry. */
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal,
                                         NULL, plug_engine_entry_unref);
  self->events = plug_events_new ();
}

static Entry *
add_entry (PlugEngine *self,
           PlugPlugin *plugin)
{
  Entry *entry = g_rc_box_new0 (Entry);

  entry->engine = self;
  entry->plugin = g_object_ref (plugin);
  entry->queue = plug_queue_new (plugin, plug_engine_check_call, entry);

  g_hash_table_insert (self->entries, (gpointer) plug_plugin_get_name (plugin), entry);
  plug_plugin_set_engine (plugin, self);

  return entry;
}

/**
 * plug_engine_new:
 *
 * Returns: (transfer full): an engine whose manager is registered and active
 */
PlugEngine *
plug_engine_new (void)
{
  PlugEngine *self = g_object_new (PLUG_TYPE_ENGINE, NULL);
  g_autoptr(PlugManager) manager = plug_manager_new ();

  self->manager = manager;
  add_entry (self, PLUG_PLUGIN (manager));
  plug_plugin_set_state (PLUG_PLUGIN (manager), PLUG_PLUGIN_STATE_ACTIVE);

  return self;
}

/**
 * plug_engine_get_manager:
 *
 * Returns: (transfer none): the manager
 */
PlugManager *
plug_engine_get_manager (PlugEngine *self)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);
  return self->manager;
}

static gboolean
check_room (PlugEngine  *self,
            const char  *name,
            GError     **error)
{
  /* The manager does not count. */
  if (g_hash_table_size (self->entries) <= PLUG_ENGINE_MAX_PLUGINS)
    return TRUE;

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
               "Cannot register plugin %s: the engine holds %u plugins, its limit",
               name, PLUG_ENGINE_MAX_PLUGINS);
  return FALSE;
}

gboolean
plug_engine_register (PlugEngine  *self,
                      PlugPlugin  *plugin,
                      GError     **error)
{
  const char *name;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (PLUG_IS_PLUGIN (plugin), FALSE);

  name = plug_plugin_get_name (plugin);
  if (g_hash_table_contains (self->entries, name))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED,
                   "Plugin %s is already registered.", name);
      return FALSE;
    }
  if (plug_plugin_get_engine (plugin) != NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED,
                   "Plugin %s is already registered in another engine.", name);
      return FALSE;
    }
  if (!check_room (self, name, error))
    return FALSE;

  add_entry (self, plugin);
  plug_manager_profile_added (self->manager, plugin);

  return TRUE;
}

/**
 * plug_engine_register_profile:
 *
 * Returns: (transfer none) (nullable): the new plugin, owned by the engine
 */
PlugPlugin *
plug_engine_register_profile (PlugEngine   *self,
                              PlugProfile  *profile,
                              GError      **error)
{
  g_autoptr(PlugPlugin) plugin = NULL;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);
  g_return_val_if_fail (PLUG_IS_PROFILE (profile), NULL);

  if (g_hash_table_contains (self->entries, plug_profile_get_name (profile)))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED,
                   "Plugin %s is already registered.", plug_profile_get_name (profile));
      return NULL;
    }
  if (!check_room (self, plug_profile_get_name (profile), error))
    return NULL;

  plugin = plug_connector_module_create_plugin (profile, error);
  if (plugin == NULL)
    return NULL;

  if (!plug_engine_register (self, plugin, error))
    return NULL;

  return plug_engine_get_plugin (self, plug_profile_get_name (profile));
}

static void
on_removed_deactivated (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlugEngine *self = g_task_get_source_object (task);
  Entry *entry = g_task_get_task_data (task);
  const char *name = entry_name (entry);

  /* Anything queued while it stopped has nowhere to go now. */
  plug_queue_fail_all (entry->queue, NULL);
  plug_events_drop_listener (self->events, name);
  plug_events_drop_memory (self->events, name);
  g_clear_signal_handler (&entry->lost_handler, entry->plugin);
  plug_plugin_set_engine (entry->plugin, NULL);
  g_hash_table_remove (self->entries, name);

  g_task_return_boolean (task, TRUE);
}

void
plug_engine_remove (PlugEngine          *self,
                    const char          *name,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) deactivation = NULL;
  Entry *entry;

  g_return_if_fail (PLUG_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_engine_remove);

  entry = plug_engine_lookup_entry (self, name);
  if (entry == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                               "Cannot remove plugin %s because it's not registered", name);
      return;
    }
  if (entry->plugin == PLUG_PLUGIN (self->manager))
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                               "The manager cannot be removed");
      return;
    }

  entry->removing = TRUE;
  g_task_set_task_data (task, plug_engine_entry_ref (entry), plug_engine_entry_unref);
  deactivation = g_task_new (self, NULL, on_removed_deactivated, g_steal_pointer (&task));
  plug_engine_entry_request_deactivation (entry, deactivation);
}

gboolean
plug_engine_remove_finish (PlugEngine    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
plug_engine_is_registered (PlugEngine *self,
                           const char *name)
{
  Entry *entry;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);

  /* What is registered now: no resolving. */
  entry = name != NULL ? g_hash_table_lookup (self->entries, name) : NULL;
  return entry != NULL && !entry->removing;
}

PlugPlugin *
plug_engine_get_plugin (PlugEngine *self,
                        const char *name)
{
  Entry *entry;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);

  entry = plug_engine_lookup_entry (self, name);
  return entry != NULL ? entry->plugin : NULL;
}

static gint
compare_plugin_names (gconstpointer a,
                      gconstpointer b)
{
  PlugPlugin *plugin_a = *(PlugPlugin **) a;
  PlugPlugin *plugin_b = *(PlugPlugin **) b;

  return g_strcmp0 (plug_plugin_get_name (plugin_a), plug_plugin_get_name (plugin_b));
}

GPtrArray *
plug_engine_list_plugins (PlugEngine *self)
{
  GPtrArray *plugins;
  GHashTableIter iter;
  Entry *entry;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);

  plugins = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (!entry->removing)
      g_ptr_array_add (plugins, g_object_ref (entry->plugin));
  g_ptr_array_sort (plugins, compare_plugin_names);

  return plugins;
}

gboolean
plug_engine_is_active (PlugEngine *self,
                       const char *name)
{
  Entry *entry;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);

  entry = plug_engine_lookup_entry (self, name);
  return entry != NULL && entry_state (entry) == PLUG_PLUGIN_STATE_ACTIVE;
}

void
plug_engine_activate (PlugEngine          *self,
                      const char          *name,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Entry *entry;

  g_return_if_fail (PLUG_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_engine_activate);

  entry = plug_engine_lookup_entry (self, name);
  if (entry == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                               "Cannot active plugin %s because it's not registered yet",
                               name);
      return;
    }

  plug_engine_entry_request_activation (entry, task);
}

gboolean
plug_engine_activate_finish (PlugEngine    *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
plug_engine_deactivate (PlugEngine          *self,
                        const char          *name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Entry *entry;

  g_return_if_fail (PLUG_IS_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_engine_deactivate);

  entry = plug_engine_lookup_entry (self, name);
  if (entry == NULL)
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                               "Cannot deactive plugin %s because it's not registered yet",
                               name);
      return;
    }
  if (entry->plugin == PLUG_PLUGIN (self->manager))
    {
      g_task_return_new_error (task, PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                               "The manager cannot be deactivated");
      return;
    }

  plug_engine_entry_request_deactivation (entry, task);
}

gboolean
plug_engine_deactivate_finish (PlugEngine    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
plug_engine_profile_updated (PlugEngine *self,
                             PlugPlugin *plugin)
{
  g_return_if_fail (PLUG_IS_ENGINE (self));
  g_return_if_fail (PLUG_IS_PLUGIN (plugin));

  plug_manager_profile_updated (self->manager, plugin);
}
