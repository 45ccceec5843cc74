/* plugctl-remote.c: the subcommands' way to the daemon (--daemon)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib-unix.h>

#include "plugctl-cli.h"

/* After SIGINT/SIGTERM, how long the daemon has to answer the cancelled
 * calls before plugctl stops waiting for them. */
#define PLUGCTL_CANCEL_GRACE_S 5

struct _PlugctlRemote
{
  PlugctlEngine1 *proxy;
  GCancellable   *cancellable;       /* cancelled by SIGINT/SIGTERM */
  GCancellable   *call_cancellable;  /* when the daemon does not answer then */
  int             signal;
  guint           sigint_id;
  guint           sigterm_id;
  guint           grace_id;
};

static const GDBusErrorEntry plugctl_start_error_entries[] = {
  { PLUG_ERROR_FAILED, "org.plugctl.StartError.Failed" },
  { PLUG_ERROR_NOT_REGISTERED, "org.plugctl.StartError.NotRegistered" },
  { PLUG_ERROR_NOT_EXPOSED, "org.plugctl.StartError.NotExposed" },
  { PLUG_ERROR_NOT_ACTIVATED, "org.plugctl.StartError.NotActivated" },
  { PLUG_ERROR_PERMISSION_DENIED, "org.plugctl.StartError.PermissionDenied" },
  { PLUG_ERROR_TIMEOUT, "org.plugctl.StartError.Timeout" },
  { PLUG_ERROR_CANCELLED, "org.plugctl.StartError.Cancelled" },
  { PLUG_ERROR_ALREADY_REGISTERED, "org.plugctl.StartError.AlreadyRegistered" },
  { PLUG_ERROR_INVALID_MESSAGE, "org.plugctl.StartError.InvalidMessage" },
  { PLUG_ERROR_INVALID_PROFILE, "org.plugctl.StartError.InvalidProfile" },
  { PLUG_ERROR_CONNECTOR, "org.plugctl.StartError.Connector" },
  { PLUG_ERROR_PLUGIN_EXITED, "org.plugctl.StartError.PluginExited" },
  { PLUG_ERROR_START_TIMEOUT, "org.plugctl.StartError.StartTimeout" },
  { PLUG_ERROR_INVALID_ARGUMENT, "org.plugctl.StartError.InvalidArgument" },
};

GQuark
plugctl_start_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("plugctl-start-error-quark", &quark,
                                      plugctl_start_error_entries,
                                      G_N_ELEMENTS (plugctl_start_error_entries));
  return (GQuark) quark;
}

/* --daemon, or PLUGCTL_DAEMON set to anything but "" and "0" */
gboolean
plugctl_use_daemon (void)
{
  const char *env = g_getenv ("PLUGCTL_DAEMON");

  if (plugctl_options.daemon)
    return TRUE;
  return env != NULL && env[0] != '\0' && strcmp (env, "0") != 0;
}

static gboolean
on_cancel_grace_over (gpointer user_data)
{
  PlugctlRemote *self = user_data;

  self->grace_id = 0;
  g_cancellable_cancel (self->call_cancellable);
  return G_SOURCE_REMOVE;
}

/* The daemon fails this client's calls with the engine's [CANCEL] text,
 * as the embedded engine does; plugctl waits a little for that answer. */
static void
handle_signal (PlugctlRemote *self,
               int            signum)
{
  if (self->signal != 0)
    return;
  self->signal = signum;
  g_cancellable_cancel (self->cancellable);
  plugctl_engine1_call_cancel (self->proxy, NULL, NULL, NULL);
  self->grace_id = g_timeout_add_seconds (PLUGCTL_CANCEL_GRACE_S,
                                          on_cancel_grace_over, self);
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

/* The engine's options belong to the daemon's command line. */
static void
warn_ignored_options (void)
{
  g_autoptr(GPtrArray) ignored = g_ptr_array_new ();

  if (plugctl_options.plugin_dirs->len > 1)
    g_ptr_array_add (ignored, "--plugin-dir");
  if (plugctl_options.connector_dirs->len > 1)
    g_ptr_array_add (ignored, "--connector-dir");
  if (plugctl_options.timeout_ms > 0)
    g_ptr_array_add (ignored, "--timeout");
  if (plugctl_options.policy != NULL)
    g_ptr_array_add (ignored, "--policy");
  if (ignored->len == 0)
    return;

  g_ptr_array_add (ignored, NULL);
  {
    g_autofree char *names = g_strjoinv (", ", (char **) ignored->pdata);

    g_printerr ("plugctl: warning: %s ignored: the daemon's own apply\n", names);
  }
}

/* Returns NULL, having printed why, with *exit_code set. No call is made
 * yet: the first one starts the daemon when it does not run. */
PlugctlRemote *
plugctl_remote_open (int *exit_code)
{
  g_autoptr(GError) error = NULL;
  PlugctlRemote *self;
  PlugctlEngine1 *proxy;

  /* registered before the first answer, so errors come back as ours */
  (void) PLUG_ERROR;
  (void) PLUGCTL_START_ERROR;

  warn_ignored_options ();
  proxy = plugctl_engine1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                  G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                                                  PLUGCTL_DBUS_NAME, PLUGCTL_DBUS_PATH,
                                                  NULL, &error);
  if (proxy == NULL)
    {
      g_printerr ("plugctl: Cannot reach the plugctl daemon: %s\n", error->message);
      *exit_code = PLUGCTL_EXIT_FAILED;
      return NULL;
    }
  /* the daemon bounds each call by the plugin's call timeout */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);

  self = g_new0 (PlugctlRemote, 1);
  self->proxy = proxy;
  self->cancellable = g_cancellable_new ();
  self->call_cancellable = g_cancellable_new ();
  self->sigint_id = g_unix_signal_add (SIGINT, on_sigint, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm, self);
  *exit_code = PLUGCTL_EXIT_OK;
  return self;
}

/* Frees @self and returns @exit_code. */
int
plugctl_remote_close (PlugctlRemote *self,
                      int            exit_code)
{
  GDBusConnection *connection = g_dbus_proxy_get_connection (G_DBUS_PROXY (self->proxy));

  /* the last messages (Cancel) leave before exit */
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_clear_handle_id (&self->sigint_id, g_source_remove);
  g_clear_handle_id (&self->sigterm_id, g_source_remove);
  g_clear_handle_id (&self->grace_id, g_source_remove);
  g_clear_object (&self->proxy);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->call_cancellable);
  g_free (self);
  return exit_code;
}

PlugctlEngine1 *
plugctl_remote_get_proxy (PlugctlRemote *self)
{
  return self->proxy;
}

/* Cancelled at once by SIGINT and SIGTERM: for what plugctl waits on
 * besides the daemon (standard input, listening). */
GCancellable *
plugctl_remote_get_cancellable (PlugctlRemote *self)
{
  return self->cancellable;
}

/* For the calls to the daemon: cancelled only when the daemon does not
 * answer in time after SIGINT/SIGTERM. */
GCancellable *
plugctl_remote_get_call_cancellable (PlugctlRemote *self)
{
  return self->call_cancellable;
}

int
plugctl_remote_get_signal (PlugctlRemote *self)
{
  return self->signal;
}

void
plugctl_remote_wait (PlugctlRemote  *self,
                     GAsyncResult  **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* An error as the embedded engine would have it: without the D-Bus
 * prefix, and a start error back in PLUG_ERROR. Returns whether it was a
 * start error. */
gboolean
plugctl_remote_localize_error (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  if (error->domain != PLUGCTL_START_ERROR)
    return FALSE;
  error->domain = PLUG_ERROR;
  return TRUE;
}

/* Prints @error as the embedded engine would; returns the exit status:
 * plugctl_exit_code_for_start() for a start error, else @exit_code_for,
 * or 128 + the signal that ended the command. */
int
plugctl_remote_fail (PlugctlRemote *self,
                     GError        *error,
                     int          (*exit_code_for) (const GError *))
{
  int exit_code;

  if (plugctl_remote_localize_error (error))
    exit_code = plugctl_exit_code_for_start (error);
  else
    exit_code = exit_code_for (error);
  plugctl_print_error (error, exit_code);
  if (self->signal != 0)
    return 128 + self->signal;
  return exit_code;
}

/* JSON text from the daemon */
JsonNode *
plugctl_remote_parse (const char  *text,
                      GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  JsonNode *node = json_from_string (text, &parse_error);

  if (node == NULL)
    g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE,
                 "The daemon sent invalid JSON: %s",
                 parse_error != NULL ? parse_error->message : "empty text");
  return node;
}
