/* plugctl-run.c: the shape the subcommands share: open an engine of
 * their own or the daemon's, run, close
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plugctl-cli.h"

/* Runs @remote through the daemon when plugctl_use_daemon(), else @local
 * with an engine of its own: with every connector loaded and every
 * profile registered for PLUGCTL_RUN_ALL_PLUGINS, else lazily (see
 * plugctl_engine_open_lazy()). Returns the exit status. */
int
plugctl_run (PlugctlRunFlags   flags,
             PlugctlLocalFunc  local,
             PlugctlRemoteFunc remote,
             gpointer          user_data)
{
  PlugctlEngine *engine;
  int status;

  if (remote != NULL && plugctl_use_daemon ())
    {
      PlugctlRemote *daemon = plugctl_remote_open (&status);

      if (daemon == NULL)
        return status;
      return plugctl_remote_close (daemon, remote (daemon, user_data));
    }

  if ((flags & PLUGCTL_RUN_ALL_PLUGINS) != 0)
    engine = plugctl_engine_open (&status);
  else
    engine = plugctl_engine_open_lazy (&status);
  if (engine == NULL)
    return status;
  return plugctl_engine_close (engine, local (engine, user_data));
}

/* Waits for the method started on @remote to store its result in
 * *@result, and hands its answer, JSON text, to @print parsed; else
 * prints the error with the exit status @exit_code_for gives. */
int
plugctl_remote_finish_json (PlugctlRemote      *remote,
                            GAsyncResult      **result,
                            PlugctlTextFinish   finish,
                            PlugctlPrintFunc    print,
                            gpointer            user_data,
                            int               (*exit_code_for) (const GError *))
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;

  plugctl_remote_wait (remote, result);
  if (!finish (plugctl_remote_get_proxy (remote), &text, *result, &error) ||
      (node = plugctl_remote_parse (text, &error)) == NULL)
    return plugctl_remote_fail (remote, error, exit_code_for);
  print (node, user_data);
  return PLUGCTL_EXIT_OK;
}
