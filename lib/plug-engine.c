/* plug-engine.c: registry, activation and deactivation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-engine-private.h"
#include "plug-connector-module.h"
#include "plug-error.h"
#include "plug-events-private.h"
#include "plug-manager-private.h"
#include "plug-plugin-private.h"
#include "plug-queue-private.h"

/* One registered plugin, a g_rc_box (see plug-engine-private.h). */
struct _PlugEngineEntry
{
  PlugEngine *engine;
  PlugPlugin *plugin;
  PlugQueue *queue;
  gulong lost_handler;    /* connected by the first activation */

  /* Made on first use, like crash_times: most plugins never run. */
  GPtrArray *activate_waiters;    /* GTask */
  GPtrArray *deactivate_waiters;  /* GTask */
  /* Bumped whenever an activation in progress is abandoned. */
  guint activation_serial;
  GCancellable *activation_cancellable;
  /* A call arrived while deactivating: activate again afterwards. */
  gboolean activate_after_deactivation;
  /* The deactivation in progress follows an activation that completed. */
  gboolean deactivating_was_active;
  gboolean removing;

  /* Restart policy (PlugRestartPolicy): lost and coming back. */
  gboolean restarting;
  gboolean budget_spent;    /* the restart ends in FAILED */
  GArray *crash_times;      /* gint64, monotonic µs, within the window */
  GSource *restart_timer;   /* the backoff */
  GError *failure;          /* why it is FAILED */

  PlugEngineEntryStats stats;
};

typedef PlugEngineEntry Entry;

struct _PlugEngine
{
  GObject parent_instance;

  GHashTable *entries;  /* name → Entry */
  PlugEvents *events;
  PlugManager *manager;

  GSource *completions;

  PlugEngineResolveFunc resolve;
  gpointer resolve_data;
  GDestroyNotify resolve_destroy;
  gboolean resolving;
};

G_DEFINE_FINAL_TYPE (PlugEngine, plug_engine, G_TYPE_OBJECT)

static void start_activation (Entry        *entry);
static void on_plugin_lost   (PlugPlugin   *plugin,
                              const GError *cause,
                              gpointer      user_data);

static void
clear_restart_timer (Entry *entry)
{
  if (entry->restart_timer == NULL)
    return;
  g_source_destroy (entry->restart_timer);
  g_clear_pointer (&entry->restart_timer, g_source_unref);
}

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

static const char *
entry_name (Entry *entry)
{
  return plug_plugin_get_name (entry->plugin);
}

static PlugPluginState
entry_state (Entry *entry)
{
  return plug_plugin_get_state (entry->plugin);
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

static void
add_waiter (GPtrArray **waiters,
            GTask      *waiter)
{
  if (*waiters == NULL)
    *waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (*waiters, g_object_ref (waiter));
}

/* Completes the waiters present now; the array may gain new ones. */
static void
complete_waiters (GPtrArray    *waiters,
                  const GError *error)
{
  g_autofree gpointer *tasks = NULL;
  gsize n_tasks;

  if (waiters == NULL || waiters->len == 0)
    return;
  tasks = g_ptr_array_steal (waiters, &n_tasks);
  for (gsize i = 0; i < n_tasks; i++)
    {
      g_autoptr(GTask) task = tasks[i];

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

/* Activation and deactivation */

typedef struct
{
  Entry *entry;
  guint serial;
} Activation;

static void
set_last_error (Entry        *entry,
                const GError *error)
{
  g_clear_error (&entry->stats.last_error);
  entry->stats.last_error = g_error_copy (error);
}

/* Restart budget */

static guint
n_crashes (Entry *entry)
{
  return entry->crash_times != NULL ? entry->crash_times->len : 0;
}

/* Records a crash; TRUE when the budget allows another start. */
static gboolean
record_crash (Entry *entry)
{
  PlugProfile *profile = plug_plugin_get_profile (entry->plugin);
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) plug_profile_get_restart_window (profile) * G_TIME_SPAN_MILLISECOND;
  guint expired = 0;

  if (entry->crash_times == NULL)
    entry->crash_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  while (expired < entry->crash_times->len &&
         g_array_index (entry->crash_times, gint64, expired) <= now - window)
    expired++;
  g_array_remove_range (entry->crash_times, 0, expired);
  g_array_append_val (entry->crash_times, now);

  return entry->crash_times->len < plug_profile_get_restart_limit (profile);
}

/* The restartBackoff, doubled for every earlier crash in the window. */
static guint
restart_delay (Entry *entry)
{
  PlugProfile *profile = plug_plugin_get_profile (entry->plugin);
  guint64 delay = plug_profile_get_restart_backoff (profile);

  for (guint i = 1; i < n_crashes (entry) && delay < PLUG_PROFILE_MAX_RESTART_BACKOFF_MS; i++)
    delay *= 2;

  return (guint) MIN (delay, PLUG_PROFILE_MAX_RESTART_BACKOFF_MS);
}

static gboolean
on_restart_timer (gpointer user_data)
{
  Entry *entry = user_data;

  g_clear_pointer (&entry->restart_timer, g_source_unref);
  entry->stats.restarts++;
  g_debug ("Plugin %s: restart %u", entry_name (entry), entry->stats.restarts);
  start_activation (entry);

  return G_SOURCE_REMOVE;
}

/* The plugin counts as activating during the backoff: calls wait in its
 * queue, activations join the restart. */
static void
schedule_restart (Entry *entry)
{
  guint delay = restart_delay (entry);

  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_ACTIVATING);
  entry->activate_after_deactivation = FALSE;
  clear_restart_timer (entry);
  entry->restart_timer = g_timeout_source_new (delay);
  g_source_set_callback (entry->restart_timer, on_restart_timer,
                         plug_engine_entry_ref (entry), plug_engine_entry_unref);
  g_source_set_static_name (entry->restart_timer, "[plugctl] restart backoff");
  g_source_attach (entry->restart_timer, g_main_context_get_thread_default ());
  g_debug ("Plugin %s: restarting in %u ms", entry_name (entry), delay);
}

/* The budget is spent: FAILED until an explicit activation. */
static void
enter_failed (Entry        *entry,
              const GError *cause)
{
  PlugProfile *profile = plug_plugin_get_profile (entry->plugin);

  entry->restarting = FALSE;
  entry->budget_spent = FALSE;
  clear_restart_timer (entry);
  g_clear_error (&entry->failure);
  entry->failure = g_error_new (PLUG_ERROR, cause->domain == PLUG_ERROR ? cause->code : PLUG_ERROR_FAILED,
                                "Plugin %s failed %u times within %u ms and is not restarted; "
                                "the last error: %s",
                                entry_name (entry), n_crashes (entry),
                                plug_profile_get_restart_window (profile), cause->message);
  g_debug ("%s", entry->failure->message);

  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_FAILED);
  complete_waiters (entry->activate_waiters, entry->failure);
  plug_queue_fail_all (entry->queue, entry->failure);
}

static gboolean
restarts_on_failure (Entry *entry)
{
  return !entry->removing &&
         plug_profile_get_restart (plug_plugin_get_profile (entry->plugin)) == PLUG_RESTART_ON_FAILURE;
}

static void
activation_ended (Activation   *activation,
                  gboolean      ok,
                  const GError *error)
{
  Entry *entry = activation->entry;

  /* Abandoned (deactivated, lost or removed meanwhile): nothing to do. */
  if (activation->serial != entry->activation_serial ||
      entry_state (entry) != PLUG_PLUGIN_STATE_ACTIVATING)
    return;

  g_clear_object (&entry->activation_cancellable);

  if (ok)
    {
      entry->restarting = FALSE;
      entry->stats.activation_duration = g_get_monotonic_time () - entry->stats.activation_started;
      entry->stats.active_since = g_get_real_time ();
      plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_ACTIVE);
      plug_manager_plugin_activated (entry->engine->manager, entry->plugin);
      complete_waiters (entry->activate_waiters, NULL);
      plug_queue_pump (entry->queue);
      return;
    }

  set_last_error (entry, error);
  if (entry->restarting && restarts_on_failure (entry))
    {
      /* A failed restart is one more crash. */
      if (record_crash (entry))
        schedule_restart (entry);
      else
        enter_failed (entry, error);
      return;
    }

  entry->restarting = FALSE;
  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_INACTIVE);
  complete_waiters (entry->activate_waiters, error);
  plug_queue_fail_all (entry->queue, error);
}

static void
on_plugin_activated (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Activation *activation = user_data;
  Entry *entry = activation->entry;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = PLUG_PLUGIN_GET_CLASS (entry->plugin)->activate_finish (entry->plugin, result, &error);
  activation_ended (activation, ok, error);

  plug_engine_entry_unref (entry);
  g_free (activation);
}

/* A profile that needs another plugctl: fails in the next iteration,
 * like any activation, without starting anything. */
static void
on_incompatible (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Activation *activation = user_data;
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  activation_ended (activation, FALSE, error);

  plug_engine_entry_unref (activation->entry);
  g_free (activation);
}

static void
start_activation (Entry *entry)
{
  g_autoptr(GError) error = NULL;
  Activation *activation;

  clear_restart_timer (entry);
  /* Losing a plugin matters only from its first activation on. */
  if (entry->lost_handler == 0 && !entry->removing && entry->engine != NULL)
    entry->lost_handler = g_signal_connect (entry->plugin, "lost",
                                            G_CALLBACK (on_plugin_lost), entry);
  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_ACTIVATING);
  entry->activate_after_deactivation = FALSE;
  entry->stats.activation_started = g_get_monotonic_time ();

  activation = g_new0 (Activation, 1);
  activation->entry = plug_engine_entry_ref (entry);
  activation->serial = ++entry->activation_serial;
  g_clear_object (&entry->activation_cancellable);
  entry->activation_cancellable = g_cancellable_new ();

  if (!plug_profile_check_plugctl_version (plug_plugin_get_profile (entry->plugin),
                                           PACKAGE_VERSION, &error))
    {
      g_autoptr(GTask) task = g_task_new (entry->engine, NULL, on_incompatible, activation);

      g_task_set_source_tag (task, start_activation);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  PLUG_PLUGIN_GET_CLASS (entry->plugin)->activate (entry->plugin,
                                                   entry->activation_cancellable,
                                                   on_plugin_activated,
                                                   activation);
}

/* Starts an activation, or joins the one in progress. */
static void
request_activation (Entry *entry,
                    GTask *waiter)
{
  PlugPluginState state = entry_state (entry);

  if (state == PLUG_PLUGIN_STATE_ACTIVE)
    {
      if (waiter != NULL)
        g_task_return_boolean (waiter, TRUE);
      return;
    }

  /* Only an explicit activation (a waiter) brings a failed plugin back,
   * with a fresh budget; calls do not. */
  if (state == PLUG_PLUGIN_STATE_FAILED)
    {
      if (waiter == NULL)
        return;
      if (entry->crash_times != NULL)
        g_array_set_size (entry->crash_times, 0);
      g_clear_error (&entry->failure);
      state = PLUG_PLUGIN_STATE_INACTIVE;
    }

  /* Added first: an implementation may finish the activation at once. */
  if (waiter != NULL)
    add_waiter (&entry->activate_waiters, waiter);

  if (state == PLUG_PLUGIN_STATE_DEACTIVATING)
    entry->activate_after_deactivation = TRUE;
  else if (state == PLUG_PLUGIN_STATE_INACTIVE)
    start_activation (entry);
}

void
plug_engine_entry_activate (PlugEngineEntry *entry)
{
  request_activation (entry, NULL);
}

static void
on_plugin_deactivated (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Entry *entry = user_data;
  g_autoptr(GError) error = NULL;

  if (!PLUG_PLUGIN_GET_CLASS (entry->plugin)->deactivate_finish (entry->plugin, result, &error))
    g_warning ("Plugin %s did not deactivate cleanly: %s",
               entry_name (entry), error->message);

  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_INACTIVE);
  /* The engine was disposed meanwhile. */
  if (entry->engine == NULL)
    {
      complete_waiters (entry->deactivate_waiters, NULL);
      plug_engine_entry_unref (entry);
      return;
    }
  if (entry->deactivating_was_active)
    plug_manager_plugin_deactivated (entry->engine->manager, entry->plugin);
  complete_waiters (entry->deactivate_waiters, NULL);

  if (entry->restarting && !entry->removing && entry->budget_spent)
    enter_failed (entry, entry->stats.last_error);
  else if (entry->restarting && !entry->removing)
    schedule_restart (entry);
  else if (!entry->removing &&
           (entry->activate_after_deactivation ||
            (entry->activate_waiters != NULL && entry->activate_waiters->len > 0)))
    start_activation (entry);

  plug_engine_entry_unref (entry);
}

/* PROTOCOL.md §6: pending calls fail at once, the plugin's subscriptions
 * and the memory of its events go, then the plugin stops. @cause: why it
 * was lost, or NULL for a deliberate deactivation. */
static void
start_deactivation (Entry        *entry,
                    const GError *cause)
{
  PlugEngine *self = entry->engine;
  gboolean was_active = entry_state (entry) == PLUG_PLUGIN_STATE_ACTIVE;

  plug_plugin_set_state (entry->plugin, PLUG_PLUGIN_STATE_DEACTIVATING);
  entry->deactivating_was_active = was_active;
  entry->activate_after_deactivation = FALSE;
  entry->stats.active_since = 0;
  if (cause == NULL)
    entry->restarting = FALSE;
  clear_restart_timer (entry);

  if (!was_active)
    {
      g_autoptr(GError) abandoned = NULL;

      entry->activation_serial++;
      if (entry->activation_cancellable != NULL)
        g_cancellable_cancel (entry->activation_cancellable);
      g_clear_object (&entry->activation_cancellable);
      if (cause == NULL)
        abandoned = g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                                 "Plugin %s was deactivated before its activation finished",
                                 entry_name (entry));
      if (!entry->restarting)
        complete_waiters (entry->activate_waiters, cause != NULL ? cause : abandoned);
    }

  /* Calls not sent yet wait for the restart. */
  if (entry->restarting)
    plug_queue_fail_running (entry->queue, cause);
  else
    plug_queue_fail_all (entry->queue, cause);
  plug_events_drop_listener (self->events, entry_name (entry));
  plug_events_drop_memory (self->events, entry_name (entry));

  PLUG_PLUGIN_GET_CLASS (entry->plugin)->deactivate (entry->plugin,
                                                     on_plugin_deactivated,
                                                     plug_engine_entry_ref (entry));
}

static void
request_deactivation (Entry *entry,
                      GTask *waiter)
{
  PlugPluginState state = entry_state (entry);

  if (state == PLUG_PLUGIN_STATE_INACTIVE || state == PLUG_PLUGIN_STATE_FAILED)
    {
      entry->activate_after_deactivation = FALSE;
      if (waiter != NULL)
        g_task_return_boolean (waiter, TRUE);
      return;
    }

  if (waiter != NULL)
    add_waiter (&entry->deactivate_waiters, waiter);

  if (state != PLUG_PLUGIN_STATE_DEACTIVATING)
    start_deactivation (entry, NULL);
}

static void
on_plugin_lost (PlugPlugin   *plugin,
                const GError *cause,
                gpointer      user_data)
{
  Entry *entry = user_data;
  PlugPluginState state = entry_state (entry);

  /* A failed restart already counted by activation_ended(). */
  if (entry->restart_timer != NULL)
    return;

  switch (state)
    {
    case PLUG_PLUGIN_STATE_ACTIVE:
    case PLUG_PLUGIN_STATE_ACTIVATING:
      g_debug ("Plugin %s lost: %s", entry_name (entry), cause->message);
      set_last_error (entry, cause);
      /* A first start that fails is not retried. */
      if (restarts_on_failure (entry) &&
          (state == PLUG_PLUGIN_STATE_ACTIVE || entry->restarting))
        {
          /* Either way, calls not sent yet wait for the verdict. */
          entry->restarting = TRUE;
          entry->budget_spent = !record_crash (entry);
        }
      start_deactivation (entry, cause);
      break;

    case PLUG_PLUGIN_STATE_DEACTIVATING:
      if (entry->restarting)
        plug_queue_fail_running (entry->queue, cause);
      else
        plug_queue_fail_all (entry->queue, cause);
      break;

    case PLUG_PLUGIN_STATE_FAILED:
    case PLUG_PLUGIN_STATE_INACTIVE:
    default:
      break;
    }
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
      clear_restart_timer (entry);
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
  request_deactivation (entry, deactivation);
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

  request_activation (entry, task);
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

  request_deactivation (entry, task);
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
