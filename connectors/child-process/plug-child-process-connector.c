/* plug-child-process-connector.c: plugins run as child processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-child-process-connector.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "plug-child-spawn.h"
#include "plug-group-reaper.h"
#include "plug-log-reader.h"

/* After the channel closed: how long to wait for the exit status (it
 * usually follows within a millisecond). After the exit: how long to
 * wait for the last lines of stdout and stderr. */
#define SETTLE_MS 100
#define STDERR_TAIL_LINES 5

typedef enum
{
  STOP_NONE,
  STOP_CLOSED,  /* channel closed, waiting for it to exit by itself */
  STOP_TERM,    /* SIGTERM sent */
  STOP_KILL,    /* SIGKILL sent */
} StopStage;

/* One run of the plugin's process. It outlives the connector's interest
 * in it: a process being stopped keeps itself alive until it is reaped. */
typedef struct
{
  PlugChildProcessConnector *owner;  /* weak; NULL once detached */
  char          *plugin_name;
  GMainContext  *context;
  GSubprocess   *subprocess;
  pid_t          pgid;             /* its process group: its pid */
  PlugChannel   *channel;
  PlugLogReader *out_log;
  PlugLogReader *err_log;
  GSource       *settle_source;
  GSource       *stop_source;
  guint          grace_ms;
  StopStage      stop_stage;
  gboolean       connect_pending;  /* connect_finish() not called yet */
  gboolean       stopping;         /* its end is expected: no fault */
  gboolean       exited;           /* reaped */
  gboolean       ended;            /* reaped and its output drained */
  GError        *fault;            /* for connect_finish() to report */
  GPtrArray     *waiters;          /* disconnect GTasks */
} ChildProcess;

struct _PlugChildProcessConnector
{
  PlugConnector  parent_instance;

  ChildProcess  *process;
};

G_DEFINE_FINAL_TYPE (PlugChildProcessConnector, plug_child_process_connector, PLUG_TYPE_CONNECTOR)

enum {
  PROP_0,
  PROP_PID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void child_process_stop  (ChildProcess *proc,
                                 StopStage     first_stage);

/* ChildProcess lifetime */

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
child_process_clear (gpointer data)
{
  ChildProcess *proc = data;

  g_assert (proc->owner == NULL);

  clear_source (&proc->settle_source);
  clear_source (&proc->stop_source);
  if (proc->channel != NULL)
    plug_channel_close (proc->channel);
  g_clear_object (&proc->channel);
  g_clear_pointer (&proc->out_log, plug_log_reader_free);
  g_clear_pointer (&proc->err_log, plug_log_reader_free);
  g_clear_object (&proc->subprocess);
  g_clear_pointer (&proc->waiters, g_ptr_array_unref);
  g_clear_error (&proc->fault);
  g_clear_pointer (&proc->context, g_main_context_unref);
  g_free (proc->plugin_name);
}

static ChildProcess *
child_process_ref (ChildProcess *proc)
{
  return g_rc_box_acquire (proc);
}

static void
child_process_unref (ChildProcess *proc)
{
  g_rc_box_release_full (proc, child_process_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChildProcess, child_process_unref)

static GSource *
child_process_add_timeout (ChildProcess *proc,
                           guint         timeout_ms,
                           GSourceFunc   func)
{
  GSource *source = g_timeout_source_new (timeout_ms);

  g_source_set_callback (source, func, child_process_ref (proc),
                         (GDestroyNotify) child_process_unref);
  g_source_set_static_name (source, "[plugctl] child process timer");
  g_source_attach (source, proc->context);

  return source;
}

/* The connector lets go of @proc; a live process is stopped in the
 * background. Consumes the connector's reference. */
static void
child_process_detach (ChildProcess *proc)
{
  proc->owner = NULL;
  if (!proc->exited)
    child_process_stop (proc, STOP_CLOSED);
  child_process_unref (proc);
}

/* Faults */

static char *
describe_exit (ChildProcess *proc)
{
  GSubprocess *subprocess = proc->subprocess;

  if (g_subprocess_get_if_signaled (subprocess))
    {
      int signum = g_subprocess_get_term_sig (subprocess);
      const char *abbrev = sigabbrev_np (signum);

      if (abbrev != NULL)
        return g_strdup_printf ("Plugin %s was killed by signal %d (SIG%s)",
                                proc->plugin_name, signum, abbrev);
      return g_strdup_printf ("Plugin %s was killed by signal %d (%s)",
                              proc->plugin_name, signum, strsignal (signum));
    }

  return g_strdup_printf ("Plugin %s exited with status %d",
                          proc->plugin_name,
                          g_subprocess_get_exit_status (subprocess));
}

static gboolean
child_process_is_activating (ChildProcess *proc)
{
  return proc->connect_pending ||
         plug_plugin_get_state (PLUG_PLUGIN (proc->owner)) == PLUG_PLUGIN_STATE_ACTIVATING;
}

/* The process ended or closed its channel by itself: tell the engine. */
static void
child_process_report_fault (ChildProcess *proc,
                            const char   *cause)
{
  g_autoptr(PlugChildProcessConnector) owner = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tail = NULL;
  PlugPluginState state;

  if (proc->stopping)
    return;
  child_process_stop (proc, STOP_TERM);

  if (proc->owner == NULL)
    return;
  owner = g_object_ref (proc->owner);

  if (child_process_is_activating (proc) && proc->err_log != NULL)
    tail = plug_log_reader_dup_tail (proc->err_log);

  if (tail != NULL)
    error = g_error_new (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                         "%s before finishing its handshake; "
                         "the last lines of its stderr:\n%s", cause, tail);
  else
    error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED, cause);

  if (proc->connect_pending)
    {
      g_clear_error (&proc->fault);
      proc->fault = g_steal_pointer (&error);
      return;
    }

  state = plug_plugin_get_state (PLUG_PLUGIN (owner));
  if (state == PLUG_PLUGIN_STATE_ACTIVE || state == PLUG_PLUGIN_STATE_ACTIVATING)
    plug_plugin_lost (PLUG_PLUGIN (owner), error);
  else
    g_debug ("%s (plugin not active)", error->message);
}

/* Reaped and drained. */
static void
child_process_end (ChildProcess *proc)
{
  g_autoptr(ChildProcess) hold G_GNUC_UNUSED = child_process_ref (proc);
  g_autoptr(GPtrArray) waiters = NULL;
  g_autofree char *cause = NULL;

  if (proc->ended)
    return;
  proc->ended = TRUE;
  clear_source (&proc->settle_source);

  if (!proc->stopping)
    {
      cause = describe_exit (proc);
      child_process_report_fault (proc, cause);
    }

  g_clear_pointer (&proc->out_log, plug_log_reader_free);
  g_clear_pointer (&proc->err_log, plug_log_reader_free);

  waiters = g_steal_pointer (&proc->waiters);
  proc->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  if (waiters->len > 0 && proc->owner != NULL && proc->owner->process == proc)
    {
      proc->owner->process = NULL;
      proc->owner = NULL;
      child_process_unref (proc);
    }
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

static gboolean
child_process_is_drained (ChildProcess *proc)
{
  return (proc->out_log == NULL || plug_log_reader_is_done (proc->out_log)) &&
         (proc->err_log == NULL || plug_log_reader_is_done (proc->err_log));
}

static gboolean
on_drain_timeout (gpointer user_data)
{
  ChildProcess *proc = user_data;

  g_clear_pointer (&proc->settle_source, g_source_unref);
  child_process_end (proc);

  return G_SOURCE_REMOVE;
}

static void
on_log_done (PlugLogReader *reader,
             gpointer       user_data)
{
  ChildProcess *proc = user_data;

  if (proc->exited && child_process_is_drained (proc))
    child_process_end (proc);
}

static void
on_exited (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ChildProcess) proc = user_data;  /* the wait's reference */

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  proc->exited = TRUE;

  /* What the plugin started does not outlive it. */
  if (proc->pgid > 1)
    {
      kill (-proc->pgid, SIGKILL);
      plug_group_reaper_forget (proc->pgid);
    }
  clear_source (&proc->stop_source);
  clear_source (&proc->settle_source);
  g_debug ("Plugin %s: process %s", proc->plugin_name,
           g_subprocess_get_if_signaled (proc->subprocess) ? "killed" : "exited");

  if (child_process_is_drained (proc))
    child_process_end (proc);
  else
    proc->settle_source = child_process_add_timeout (proc, SETTLE_MS, on_drain_timeout);
}

/* Stopping */

/* The plugin's whole process group; its own process alone when the group
 * is gone already. */
static void
signal_group (ChildProcess *proc,
              int           signum)
{
  if (proc->pgid > 1 && kill (-proc->pgid, signum) == 0)
    return;
  if (!proc->exited)
    g_subprocess_send_signal (proc->subprocess, signum);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  ChildProcess *proc = user_data;

  g_clear_pointer (&proc->stop_source, g_source_unref);

  if (proc->stop_stage == STOP_CLOSED)
    {
      g_debug ("Plugin %s did not exit within %u ms, sending SIGTERM",
               proc->plugin_name, proc->grace_ms);
      proc->stop_stage = STOP_TERM;
      signal_group (proc, SIGTERM);
      proc->stop_source = child_process_add_timeout (proc, proc->grace_ms, on_stop_timeout);
    }
  else if (proc->stop_stage == STOP_TERM)
    {
      g_warning ("Plugin %s did not exit within %u ms of SIGTERM, sending SIGKILL",
                 proc->plugin_name, proc->grace_ms);
      proc->stop_stage = STOP_KILL;
      signal_group (proc, SIGKILL);
    }

  return G_SOURCE_REMOVE;
}

/* Closes the channel and makes sure the process goes: it gets a grace
 * period to exit by itself (from @first_stage STOP_CLOSED), then SIGTERM
 * and another grace period, then SIGKILL. */
static void
child_process_stop (ChildProcess *proc,
                    StopStage     first_stage)
{
  proc->stopping = TRUE;
  if (proc->channel != NULL)
    plug_channel_close (proc->channel);

  if (proc->exited || proc->stop_stage != STOP_NONE)
    return;

  clear_source (&proc->settle_source);
  proc->stop_stage = first_stage;
  if (first_stage == STOP_TERM)
    signal_group (proc, SIGTERM);
  proc->stop_source = child_process_add_timeout (proc, proc->grace_ms, on_stop_timeout);
}

/* The channel */

static void
on_channel_line (PlugChannel *channel,
                 const char  *line,
                 gsize        length,
                 gpointer     user_data)
{
  ChildProcess *proc = user_data;
  g_autoptr(PlugChildProcessConnector) owner = NULL;
  g_autoptr(ChildProcess) hold = NULL;

  if (proc->owner == NULL || proc->stopping)
    return;

  hold = child_process_ref (proc);
  owner = g_object_ref (proc->owner);
  plug_connector_receive_text (PLUG_CONNECTOR (owner), line, length);
}

static gboolean
on_channel_settle_timeout (gpointer user_data)
{
  ChildProcess *proc = user_data;
  g_autofree char *cause = NULL;

  g_clear_pointer (&proc->settle_source, g_source_unref);

  cause = g_strdup_printf ("Plugin %s closed its channel", proc->plugin_name);
  child_process_report_fault (proc, cause);

  return G_SOURCE_REMOVE;
}

static void
on_channel_closed (PlugChannel  *channel,
                   const GError *error,
                   gpointer      user_data)
{
  ChildProcess *proc = user_data;

  if (error != NULL)
    g_debug ("Plugin %s: channel failed: %s", proc->plugin_name, error->message);

  /* The exit status, which says more, is usually a millisecond away. */
  if (!proc->stopping && !proc->exited && proc->settle_source == NULL)
    proc->settle_source = child_process_add_timeout (proc, SETTLE_MS,
                                                     on_channel_settle_timeout);
}

static void
on_channel_overflow (PlugChannel *channel,
                     gsize        discarded,
                     gpointer     user_data)
{
  ChildProcess *proc = user_data;

  g_warning ("Plugin %s sent a message of more than %" G_GSIZE_FORMAT
             " bytes, over the limit: dropped",
             proc->plugin_name, discarded);
}

static ChildProcess *
child_process_new (PlugChildProcessConnector *owner,
                   GSubprocess               *subprocess,
                   int                        channel_fd)
{
  ChildProcess *proc = g_rc_box_new0 (ChildProcess);
  const char *name = plug_plugin_get_name (PLUG_PLUGIN (owner));
  const char *identifier;

  proc->owner = owner;
  proc->plugin_name = g_strdup (name);
  proc->context = g_main_context_ref_thread_default ();
  proc->subprocess = g_object_ref (subprocess);
  /* None when it has already exited and been reaped: its group, if any
   * is left, is out of reach. */
  identifier = g_subprocess_get_identifier (subprocess);
  proc->pgid = identifier != NULL ? (pid_t) g_ascii_strtoll (identifier, NULL, 10) : 0;
  if (proc->pgid > 1)
    plug_group_reaper_watch (proc->pgid);
  proc->grace_ms = plug_connector_get_grace_period (PLUG_CONNECTOR (owner));
  proc->connect_pending = TRUE;
  proc->waiters = g_ptr_array_new_with_free_func (g_object_unref);

  proc->out_log = plug_log_reader_new (g_subprocess_get_stdout_pipe (subprocess),
                                       name, G_LOG_LEVEL_INFO, 0);
  proc->err_log = plug_log_reader_new (g_subprocess_get_stderr_pipe (subprocess),
                                       name, G_LOG_LEVEL_MESSAGE, STDERR_TAIL_LINES);
  plug_log_reader_set_done_func (proc->out_log, on_log_done, proc);
  plug_log_reader_set_done_func (proc->err_log, on_log_done, proc);

  g_unix_set_fd_nonblocking (channel_fd, TRUE, NULL);
  proc->channel = plug_channel_new (channel_fd);
  plug_channel_start (proc->channel, on_channel_line, on_channel_closed,
                      on_channel_overflow, proc);

  g_subprocess_wait_async (subprocess, NULL, on_exited, child_process_ref (proc));

  return proc;
}

/* PlugConnector */

static void
plug_child_process_connector_connect (PlugConnector       *connector,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (connector);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  GError *error = NULL;
  int channel_fd = -1;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, plug_child_process_connector_connect);
  /* Once spawned, the process is reported even if the activation was
   * abandoned meanwhile (its first line may end it before connect_finish
   * runs): the base class then disconnects, which stops it. */
  g_task_set_check_cancellable (task, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_clear_pointer (&self->process, child_process_detach);

  subprocess = plug_child_spawn (PLUG_PLUGIN (self), &channel_fd, &error);
  if (subprocess == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self->process = child_process_new (self, subprocess, channel_fd);
  /* Messages can be sent at once: Node queues them until the script
   * listens, and the other clients read fd 3 when they are ready. */
  g_task_return_boolean (task, TRUE);
}

static gboolean
plug_child_process_connector_connect_finish (PlugConnector  *connector,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (connector);
  ChildProcess *proc = self->process;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  if (proc == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s stopped while starting",
                   plug_plugin_get_name (PLUG_PLUGIN (self)));
      return FALSE;
    }

  proc->connect_pending = FALSE;
  if (proc->fault != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&proc->fault));
      return FALSE;
    }

  return TRUE;
}

static void
plug_child_process_connector_disconnect (PlugConnector       *connector,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (connector);
  ChildProcess *proc = self->process;
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, plug_child_process_connector_disconnect);

  if (proc == NULL || proc->ended)
    {
      g_clear_pointer (&self->process, child_process_detach);
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Closing the channel first lets a Node plugin exit by itself. */
  g_ptr_array_add (proc->waiters, g_steal_pointer (&task));
  child_process_stop (proc, STOP_CLOSED);
}

static gboolean
plug_child_process_connector_send (PlugConnector  *connector,
                                   PlugMessage    *message,
                                   GError        **error)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (connector);
  ChildProcess *proc = self->process;
  g_autoptr(GError) local_error = NULL;

  if (proc != NULL && proc->exited)
    {
      g_autofree char *cause = describe_exit (proc);

      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED, cause);
      return FALSE;
    }
  if (proc == NULL || proc->stopping)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Child process from plugin \"%s\" is not connected",
                   plug_plugin_get_name (PLUG_PLUGIN (self)));
      return FALSE;
    }

  if (!plug_channel_send_message (proc->channel, message, &local_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                   "Plugin %s: cannot send: %s",
                   proc->plugin_name, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* GObject */

static void
plug_child_process_connector_dispose (GObject *object)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (object);

  g_clear_pointer (&self->process, child_process_detach);

  G_OBJECT_CLASS (plug_child_process_connector_parent_class)->dispose (object);
}

static void
plug_child_process_connector_get_property (GObject    *object,
                                           guint       prop_id,
                                           GValue     *value,
                                           GParamSpec *pspec)
{
  PlugChildProcessConnector *self = PLUG_CHILD_PROCESS_CONNECTOR (object);

  switch (prop_id)
    {
    case PROP_PID:
      g_value_set_int (value, self->process != NULL && !self->process->exited ?
                              (int) self->process->pgid : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_child_process_connector_class_init (PlugChildProcessConnectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PlugConnectorClass *connector_class = PLUG_CONNECTOR_CLASS (klass);

  object_class->dispose = plug_child_process_connector_dispose;
  object_class->get_property = plug_child_process_connector_get_property;

  connector_class->connect = plug_child_process_connector_connect;
  connector_class->connect_finish = plug_child_process_connector_connect_finish;
  connector_class->disconnect = plug_child_process_connector_disconnect;
  connector_class->send = plug_child_process_connector_send;

  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL,
                      0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
plug_child_process_connector_init (PlugChildProcessConnector *self)
{
}

PLUG_DEFINE_CONNECTOR_MODULE ("child-process", plug_child_process_connector_get_type ())
