/* plug-queue.c: the FIFO of calls to one target plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-queue-private.h"
#include "plug-call-private.h"
#include "plug-context-private.h"
#include "plug-error.h"

/* See plug_queue_pump(). */
#define MAX_STARTS_PER_PUMP 128

typedef struct
{
  PlugQueue *queue;
  PlugCall *call;
  gint64 queued_at;  /* monotonic µs */
  gint64 deadline;   /* monotonic µs, once running */
  gboolean checked;
} Item;

struct _PlugQueue
{
  PlugPlugin *target;
  GMainContext *context;
  PlugQueueCheckFunc check;
  gpointer check_data;

  GQueue waiting;
  GQueue running;
  /* One timer for every running call (not a GSource per call): it fires
   * at the earliest deadline it knows of, or later. */
  GSource *timer;
  /* Pumps again in the next iteration (see plug_queue_pump()). */
  GSource *pump_source;
  gboolean pump_pending;

  /* > 0 while starting calls, or while ending one whose target must hear
   * of it before the next starts: nothing starts from nested calls then. */
  guint busy;
};

static void
item_free (Item *item)
{
  g_object_unref (item->call);
  g_free (item);
}

PlugQueue *
plug_queue_new (PlugPlugin         *target,
                PlugQueueCheckFunc  check,
                gpointer            check_data)
{
  PlugQueue *self = g_new0 (PlugQueue, 1);

  self->target = target;
  self->context = g_main_context_ref_thread_default ();
  self->check = check;
  self->check_data = check_data;
  g_queue_init (&self->waiting);
  g_queue_init (&self->running);

  return self;
}

void
plug_queue_free (PlugQueue *self)
{
  if (self == NULL)
    return;

  g_queue_clear_full (&self->waiting, (GDestroyNotify) item_free);
  g_queue_clear_full (&self->running, (GDestroyNotify) item_free);
  if (self->timer != NULL)
    g_source_destroy (self->timer);
  g_clear_pointer (&self->timer, g_source_unref);
  if (self->pump_source != NULL)
    g_source_destroy (self->pump_source);
  g_clear_pointer (&self->pump_source, g_source_unref);
  g_main_context_unref (self->context);
  g_free (self);
}

static GList *
find_link (GQueue   *queue,
           PlugCall *call)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Item *item = l->data;

      if (item->call == call)
        return l;
    }

  return NULL;
}

static gint64
earliest_deadline (PlugQueue *self)
{
  gint64 earliest = -1;

  for (GList *l = self->running.head; l != NULL; l = l->next)
    {
      Item *item = l->data;

      if (earliest < 0 || item->deadline < earliest)
        earliest = item->deadline;
    }
  return earliest;
}

static GError *
timeout_error (PlugCall *call)
{
  return g_error_new (PLUG_ERROR, PLUG_ERROR_TIMEOUT,
                      "[TIMEOUT] Timeout for call %s from %s",
                      plug_call_get_method (call), plug_call_get_caller (call));
}

/* Times out every running call past its deadline, then waits for the
 * next one. */
static gboolean
on_timer (gpointer user_data)
{
  PlugQueue *self = user_data;
  gint64 now = g_source_get_time (self->timer);
  g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = self->running.head; l != NULL; l = l->next)
    {
      Item *item = l->data;

      if (item->deadline <= now)
        g_ptr_array_add (expired, g_object_ref (item->call));
    }

  for (guint i = 0; i < expired->len; i++)
    {
      PlugCall *call = g_ptr_array_index (expired, i);
      g_autoptr(GError) error = timeout_error (call);

      plug_queue_cancel (self, call, error);
    }

  g_source_set_ready_time (self->timer, earliest_deadline (self));
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch, };

/* Deadlines come in start order with one timeout per target, so the
 * timer need only move when it is idle; a deadline that went with its
 * call makes it fire early once, and look again. */
static void
arm_timer (PlugQueue *self,
           gint64     deadline)
{
  if (self->timer == NULL)
    {
      self->timer = g_source_new (&timer_funcs, sizeof (GSource));
      g_source_set_callback (self->timer, on_timer, self, NULL);
      g_source_set_static_name (self->timer, "[plugctl] call timeouts");
      g_source_set_ready_time (self->timer, -1);
      g_source_attach (self->timer, self->context);
    }
  if (g_source_get_ready_time (self->timer) < 0 ||
      deadline < g_source_get_ready_time (self->timer))
    g_source_set_ready_time (self->timer, deadline);
}

static gboolean
can_start (PlugQueue *self)
{
  guint concurrency;

  if (self->waiting.length == 0)
    return FALSE;
  if (plug_plugin_get_state (self->target) != PLUG_PLUGIN_STATE_ACTIVE)
    return FALSE;

  concurrency = plug_profile_get_concurrency (plug_plugin_get_profile (self->target));
  return self->running.length < MAX (concurrency, 1);
}

static void
start_item (PlugQueue *self,
            Item      *item)
{
  g_autoptr(PlugCall) call = g_object_ref (item->call);
  guint timeout_ms;

  g_queue_push_tail (&self->running, item);

  if (!item->checked && self->check != NULL)
    {
      g_autoptr(GError) error = self->check (call, self->check_data);

      item->checked = TRUE;
      if (error != NULL)
        {
          plug_call_end (call, error);
          return;
        }
    }

  /* The timer runs from the start, not from the time it was queued. */
  timeout_ms = plug_profile_get_call_timeout (plug_plugin_get_profile (self->target));
  item->deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  arm_timer (self, item->deadline);

  /* It may answer at once, and @item be gone after this. */
  PLUG_PLUGIN_GET_CLASS (self->target)->call_method (self->target, call);
}

typedef struct
{
  GSource    source;
  PlugQueue *queue;
} PumpSource;

static gboolean
pump_prepare (GSource *source,
              int     *timeout)
{
  *timeout = -1;
  return ((PumpSource *) source)->queue->pump_pending;
}

static gboolean
pump_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  PlugQueue *queue = ((PumpSource *) source)->queue;

  queue->pump_pending = FALSE;
  plug_queue_pump (queue);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs pump_funcs = {
  .prepare = pump_prepare,
  .dispatch = pump_dispatch,
};

static void
pump_later (PlugQueue *self)
{
  if (self->pump_source == NULL)
    {
      self->pump_source = g_source_new (&pump_funcs, sizeof (PumpSource));
      ((PumpSource *) self->pump_source)->queue = self;
      g_source_set_static_name (self->pump_source, "[plugctl] queue pump");
      g_source_attach (self->pump_source, self->context);
    }
  self->pump_pending = TRUE;
  plug_context_wake_if_polled (self->context);
}

/* At most MAX_STARTS_PER_PUMP calls, the others in the next iteration: a
 * call may fail at once (its plugin is gone) and its caller call again
 * from the callback, which would start it in this same loop, for ever. */
void
plug_queue_pump (PlugQueue *self)
{
  guint started = 0;

  g_return_if_fail (self != NULL);

  if (self->busy > 0)
    return;

  self->busy++;
  while (started < MAX_STARTS_PER_PUMP && can_start (self))
    {
      start_item (self, g_queue_pop_head (&self->waiting));
      started++;
    }
  self->busy--;

  if (started == MAX_STARTS_PER_PUMP && can_start (self))
    pump_later (self);
}

/* The profile's maxQueue bounds what one plugin holds, so that a plugin
 * that stopped answering cannot make the engine grow without end. */
static gboolean
check_limit (PlugQueue *self,
             PlugCall  *call)
{
  guint limit = plug_profile_get_max_queue (plug_plugin_get_profile (self->target));
  g_autoptr(GError) error = NULL;

  if (self->waiting.length + self->running.length < limit)
    return TRUE;

  error = g_error_new (PLUG_ERROR, PLUG_ERROR_FAILED,
                       "Plugin %s has %u calls queued: limit reached",
                       plug_plugin_get_name (self->target), limit);
  plug_call_end (call, error);

  return FALSE;
}

void
plug_queue_push (PlugQueue *self,
                 PlugCall  *call,
                 gboolean   checked)
{
  Item *item;

  g_return_if_fail (self != NULL);
  g_return_if_fail (PLUG_IS_CALL (call));

  if (!check_limit (self, call))
    return;

  item = g_new0 (Item, 1);
  item->queue = self;
  item->call = g_object_ref (call);
  item->checked = checked;
  item->queued_at = g_get_monotonic_time ();
  g_queue_push_tail (&self->waiting, item);

  plug_queue_pump (self);
}

void
plug_queue_call_done (PlugQueue *self,
                      PlugCall  *call)
{
  GList *link;

  g_return_if_fail (self != NULL);

  if ((link = find_link (&self->running, call)) != NULL)
    {
      item_free (link->data);
      g_queue_delete_link (&self->running, link);
      plug_queue_pump (self);
    }
  else if ((link = find_link (&self->waiting, call)) != NULL)
    {
      item_free (link->data);
      g_queue_delete_link (&self->waiting, link);
    }
}

void
plug_queue_cancel (PlugQueue    *self,
                   PlugCall     *call,
                   const GError *error)
{
  g_autoptr(PlugCall) hold G_GNUC_UNUSED = g_object_ref (call);
  gboolean was_running;

  g_return_if_fail (self != NULL);

  was_running = find_link (&self->running, call) != NULL;

  self->busy++;
  if (plug_call_end (call, error) && was_running)
    PLUG_PLUGIN_GET_CLASS (self->target)->cancel_call (self->target, call);
  self->busy--;

  plug_queue_pump (self);
}

void
plug_queue_hold (PlugQueue *self)
{
  g_return_if_fail (self != NULL);
  self->busy++;
}

void
plug_queue_release (PlugQueue *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->busy > 0);

  self->busy--;
  plug_queue_pump (self);
}

static GError *
deactivated_error (PlugQueue *self,
                   PlugCall  *call)
{
  return g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                      "Plugin %s was deactivated before call %s from %s finished",
                      plug_plugin_get_name (self->target),
                      plug_call_get_method (call), plug_call_get_caller (call));
}

static void
collect_calls (GQueue    *queue,
               GPtrArray *calls)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Item *item = l->data;

      g_ptr_array_add (calls, g_object_ref (item->call));
    }
}

void
plug_queue_fail_all (PlugQueue    *self,
                     const GError *cause)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (self != NULL);

  collect_calls (&self->running, calls);
  collect_calls (&self->waiting, calls);

  self->busy++;
  for (guint i = 0; i < calls->len; i++)
    {
      PlugCall *call = g_ptr_array_index (calls, i);
      g_autoptr(GError) error = NULL;

      if (cause == NULL)
        error = deactivated_error (self, call);
      plug_call_end (call, cause != NULL ? cause : error);
      /* Its owner normally reports the end; make sure nothing stays. */
      plug_queue_call_done (self, call);
    }
  self->busy--;
}

void
plug_queue_fail_running (PlugQueue    *self,
                         const GError *cause)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (self != NULL);
  g_return_if_fail (cause != NULL);

  collect_calls (&self->running, calls);

  self->busy++;
  for (guint i = 0; i < calls->len; i++)
    {
      PlugCall *call = g_ptr_array_index (calls, i);

      plug_call_end (call, cause);
      plug_queue_call_done (self, call);
    }
  self->busy--;
}

GPtrArray *
plug_queue_find_calls (PlugQueue  *self,
                       const char *caller,
                       const char *method)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean any_method = method == NULL || method[0] == '\0';

  g_return_val_if_fail (self != NULL, found);

  collect_calls (&self->running, all);
  collect_calls (&self->waiting, all);

  for (guint i = 0; i < all->len; i++)
    {
      PlugCall *call = g_ptr_array_index (all, i);

      if (g_strcmp0 (plug_call_get_caller (call), caller) != 0)
        continue;
      if (!any_method && g_strcmp0 (plug_call_get_method (call), method) != 0)
        continue;
      g_ptr_array_add (found, g_object_ref (call));
    }

  return found;
}

guint
plug_queue_get_n_waiting (PlugQueue *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->waiting.length;
}

guint
plug_queue_get_n_running (PlugQueue *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->running.length;
}

static gint64
oldest_in (GQueue *queue,
           gint64  oldest)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Item *item = l->data;

      if (oldest == 0 || item->queued_at < oldest)
        oldest = item->queued_at;
    }

  return oldest;
}

gint64
plug_queue_get_oldest_time (PlugQueue *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return oldest_in (&self->waiting, oldest_in (&self->running, 0));
}
