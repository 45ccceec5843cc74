/* plug-native-worker.c: the threads a native plugin's functions run on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Calls are converted in the engine's thread, queued here, run on a
 * thread of the plugin's own, and answered back in the engine's main
 * context, so a slow function never blocks the engine. One thread per
 * unit of the profile's concurrency keeps the FIFO order of concurrency 1.
 */
#include "config.h"

#include "plug-native-worker.h"

#include <string.h>

typedef struct
{
  PlugCall           *call;
  PlugNativeFunction *function;
  JsonNode           *result;  /* NULL: not run (the call ended first) */
  PlugNativeValue     values[];
} Job;

typedef struct
{
  PlugNativeWorker *worker;
  GThread          *thread;   /* NULL once joined or detached */
  const char       *running;  /* atomic: the function it runs now */
  gboolean          exited;
} WorkerThread;

struct _PlugNativeWorker
{
  char              *plugin;
  PlugNativeLibrary *library;
  GMainContext      *context;
  GAsyncQueue       *jobs;
  WorkerThread      *threads;
  guint              n_threads;
  guint              n_started;
  guint              n_exited;
  gboolean           stopping;
  gboolean           detached;
  GTask             *stop_task;
  GSource           *stop_timer;
  guint              stop_wait_ms;
};

/* Tells a thread to exit; GAsyncQueue takes no NULL. */
static char stop_sentinel;
#define STOP_JOB ((gpointer) &stop_sentinel)

static void
job_free (gpointer data)
{
  Job *job = data;

  g_object_unref (job->call);
  g_clear_pointer (&job->result, json_node_unref);
  g_free (job);
}

static void
worker_clear (gpointer data)
{
  PlugNativeWorker *self = data;
  gpointer job;

  while ((job = g_async_queue_try_pop (self->jobs)) != NULL)
    if (job != STOP_JOB)
      job_free (job);
  g_async_queue_unref (self->jobs);
  g_free (self->threads);
  g_clear_pointer (&self->library, plug_native_library_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->plugin);
}

static PlugNativeWorker *
worker_ref (PlugNativeWorker *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
worker_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, worker_clear);
}

static void
release_slot_worker (gpointer data)
{
  WorkerThread *slot = data;

  worker_release (slot->worker);
}

/* Never g_main_context_invoke(): it runs the function at once in the
 * calling thread when it can acquire the context, and the engine is not
 * thread-safe. */
static void
invoke_in_context (PlugNativeWorker *self,
                   GSourceFunc       func,
                   gpointer          data,
                   GDestroyNotify    destroy)
{
  GSource *source = g_idle_source_new ();

  plug_spin_note_activity ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[plugctl] native result");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Stopping */

static void
finish_stop (PlugNativeWorker *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->stop_task);

  if (self->stop_timer != NULL)
    {
      g_source_destroy (self->stop_timer);
      g_clear_pointer (&self->stop_timer, g_source_unref);
    }
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static gboolean
on_thread_exited (gpointer data)
{
  WorkerThread *slot = data;
  PlugNativeWorker *self = slot->worker;

  slot->exited = TRUE;
  if (slot->thread != NULL)
    g_thread_join (g_steal_pointer (&slot->thread));
  self->n_exited++;
  if (self->n_exited == self->n_started)
    finish_stop (self);

  return G_SOURCE_REMOVE;
}

static void
detach_threads (PlugNativeWorker *self)
{
  self->detached = TRUE;
  for (guint i = 0; i < self->n_started; i++)
    if (self->threads[i].thread != NULL)
      g_thread_unref (g_steal_pointer (&self->threads[i].thread));
}

static char *
describe_running (PlugNativeWorker *self)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < self->n_started; i++)
    {
      const char *running = g_atomic_pointer_get (&self->threads[i].running);

      if (self->threads[i].exited || running == NULL)
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append_printf (names, "\"%s\"", running);
    }

  return g_string_free (names, names->len == 0);
}

static gboolean
on_stop_timeout (gpointer data)
{
  PlugNativeWorker *self = data;
  g_autofree char *running = describe_running (self);

  g_warning ("Plugin %s: function %s still running %u ms after deactivation; "
             "its thread is left to finish on its own (a native call cannot be "
             "interrupted)", self->plugin, running != NULL ? running : "(none)",
             self->stop_wait_ms);
  detach_threads (self);
  finish_stop (self);

  return G_SOURCE_REMOVE;
}

static void
push_stop_jobs (PlugNativeWorker *self)
{
  self->stopping = TRUE;
  for (guint i = 0; i < self->n_started; i++)
    g_async_queue_push (self->jobs, STOP_JOB);
}

void
plug_native_worker_stop (PlugNativeWorker    *self,
                         guint                wait_ms,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, plug_native_worker_stop);

  if (self->stopping || self->n_exited == self->n_started)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  push_stop_jobs (self);
  self->stop_task = g_steal_pointer (&task);
  self->stop_wait_ms = wait_ms;
  self->stop_timer = g_timeout_source_new (wait_ms);
  g_source_set_callback (self->stop_timer, on_stop_timeout, worker_ref (self), worker_release);
  g_source_set_static_name (self->stop_timer, "[plugctl] native stop");
  g_source_attach (self->stop_timer, self->context);
}

gboolean
plug_native_worker_stop_finish (GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
plug_native_worker_unref (PlugNativeWorker *self)
{
  if (!self->stopping)
    {
      push_stop_jobs (self);
      detach_threads (self);
    }
  worker_release (self);
}

/* Calls */

static gboolean
complete_job (gpointer data)
{
  Job *job = data;

  /* A call that ended meanwhile (timeout, cancel) drops the answer. */
  if (job->result != NULL)
    plug_call_return_value (job->call, job->result);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  GAsyncQueue *jobs;
  Job *job;
} PopAttempt;

static gboolean
try_pop (gpointer data)
{
  PopAttempt *attempt = data;

  attempt->job = g_async_queue_try_pop (attempt->jobs);
  return attempt->job != NULL;
}

/* While calls flow, the next job is caught before the thread sleeps. */
static Job *
next_job (PlugNativeWorker *self)
{
  PopAttempt attempt = { self->jobs, NULL };

  if (plug_spin_wait (try_pop, &attempt))
    return attempt.job;
  return g_async_queue_pop (self->jobs);
}

static gpointer
run_thread (gpointer data)
{
  WorkerThread *slot = data;
  PlugNativeWorker *self = slot->worker;
  Job *job;

  while ((job = next_job (self)) != STOP_JOB)
    {
      if (!g_cancellable_is_cancelled (plug_call_get_cancellable (job->call)))
        {
          g_atomic_pointer_set (&slot->running, job->function->name);
          job->result = plug_native_function_invoke (job->function, job->values);
          g_atomic_pointer_set (&slot->running, NULL);
        }
      invoke_in_context (self, complete_job, job, job_free);
    }

  /* the thread's reference goes with this source */
  invoke_in_context (self, on_thread_exited, slot, release_slot_worker);
  return NULL;
}

void
plug_native_worker_push (PlugNativeWorker      *self,
                         PlugCall              *call,
                         PlugNativeFunction    *function,
                         const PlugNativeValue *values)
{
  guint n_args = function->signature->n_args;
  Job *job;

  g_return_if_fail (!self->stopping);

  job = g_malloc0 (sizeof (Job) + n_args * sizeof (PlugNativeValue));
  job->call = g_object_ref (call);
  job->function = function;
  if (n_args > 0)
    memcpy (job->values, values, n_args * sizeof (PlugNativeValue));
  plug_spin_note_activity ();
  g_async_queue_push (self->jobs, job);
}

PlugNativeWorker *
plug_native_worker_new (const char         *plugin,
                        PlugNativeLibrary  *library,
                        guint               n_threads,
                        GError            **error)
{
  PlugNativeWorker *self = g_atomic_rc_box_new0 (PlugNativeWorker);
  g_autofree char *thread_name = g_strdup_printf ("native:%s", plugin);

  self->plugin = g_strdup (plugin);
  self->library = plug_native_library_ref (library);
  self->context = g_main_context_ref_thread_default ();
  plug_spin_attach (self->context);
  self->jobs = g_async_queue_new ();
  self->n_threads = MAX (n_threads, 1);
  self->threads = g_new0 (WorkerThread, self->n_threads);

  for (guint i = 0; i < self->n_threads; i++)
    {
      WorkerThread *slot = &self->threads[i];
      GError *local_error = NULL;

      slot->worker = self;
      worker_ref (self);
      slot->thread = g_thread_try_new (thread_name, run_thread, slot, &local_error);
      if (slot->thread == NULL)
        {
          worker_release (self);
          g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                       "Plugin %s: cannot start a thread: %s", plugin, local_error->message);
          g_error_free (local_error);
          plug_native_worker_unref (self);
          return NULL;
        }
      self->n_started++;
    }

  return self;
}
