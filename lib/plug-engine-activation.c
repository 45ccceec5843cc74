/* plug-engine-activation.c: a plugin's activation, deactivation, loss
 * and restarts
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

static void start_activation (Entry        *entry);
static void on_plugin_lost   (PlugPlugin   *plugin,
                              const GError *cause,
                              gpointer      user_data);

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

void
plug_engine_entry_clear_restart_timer (PlugEngineEntry *entry)
{
  if (entry->restart_timer == NULL)
    return;
  g_source_destroy (entry->restart_timer);
  g_clear_pointer (&entry->restart_timer, g_source_unref);
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
  plug_engine_entry_clear_restart_timer (entry);
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
  plug_engine_entry_clear_restart_timer (entry);
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
      plug_manager_plugin_activated (plug_engine_get_manager (entry->engine), entry->plugin);
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

  plug_engine_entry_clear_restart_timer (entry);
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
void
plug_engine_entry_request_activation (PlugEngineEntry *entry,
                                      GTask           *waiter)
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
  plug_engine_entry_request_activation (entry, NULL);
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
    plug_manager_plugin_deactivated (plug_engine_get_manager (entry->engine), entry->plugin);
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
  plug_engine_entry_clear_restart_timer (entry);

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
  plug_events_drop_listener (plug_engine_get_events (self), entry_name (entry));
  plug_events_drop_memory (plug_engine_get_events (self), entry_name (entry));

  PLUG_PLUGIN_GET_CLASS (entry->plugin)->deactivate (entry->plugin,
                                                     on_plugin_deactivated,
                                                     plug_engine_entry_ref (entry));
}

void
plug_engine_entry_request_deactivation (PlugEngineEntry *entry,
                                        GTask           *waiter)
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
