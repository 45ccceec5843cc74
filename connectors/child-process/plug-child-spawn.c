/* plug-child-spawn.c: starting a child-process plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-child-spawn.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static GStrv
build_argv (PlugPlugin                 *self,
            GError                    **error)
{
  PlugProfile *profile = plug_plugin_get_profile (self);
  const char *command = plug_profile_get_command (profile);
  const char * const *args = plug_profile_get_args (profile);
  const char *url = plug_profile_get_url (profile);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (command != NULL && *command != '\0')
    g_strv_builder_add (builder, command);
  else if (url != NULL && g_str_has_suffix (url, ".js"))
    {
      /* Remix's fork(url) */
      g_strv_builder_add (builder, "node");
      g_strv_builder_add (builder, url);
    }
  else
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Plugin %s has no command to start (no \"command\", "
                   "and no \"url\" of a .js file)",
                   plug_plugin_get_name (self));
      return NULL;
    }

  if (args != NULL)
    g_strv_builder_addv (builder, (const char **) args);

  return g_strv_builder_end (builder);
}

/* In the child, between fork and exec: only async-signal-safe calls.
 * Its own process group, so that stopping it reaches what it starts;
 * SIGKILL when the thread that spawned it ends (with this process, even
 * by SIGKILL). */
static void
child_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The parent died before prctl(): nobody would tell us. */
  if (getppid () != parent)
    _exit (127);
}

static GSubprocessLauncher *
create_launcher (PlugPlugin *self)
{
  PlugProfile *profile = plug_plugin_get_profile (self);
  const char * const *env = plug_profile_get_env (profile);
  const char *cwd = plug_profile_get_cwd (profile);
  GSubprocessLauncher *launcher;

  /* Inherits the engine's environment. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == env[i])
        continue;
      key = g_strndup (env[i], equals - env[i]);
      g_subprocess_launcher_setenv (launcher, key, equals + 1, TRUE);
    }

  g_subprocess_launcher_setenv (launcher, "NODE_CHANNEL_FD",
                                G_STRINGIFY (PLUG_CHILD_CHANNEL_FD), TRUE);
  g_subprocess_launcher_setenv (launcher, "NODE_CHANNEL_SERIALIZATION_MODE",
                                "json", TRUE);

  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);

  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);

  return launcher;
}

/* GLib's spawn errors repeat the command; keep only the reason. */
static const char *
spawn_failure_reason (const GError *error)
{
  if (error->domain != G_SPAWN_ERROR)
    return error->message;

  switch (error->code)
    {
    case G_SPAWN_ERROR_NOENT: return g_strerror (ENOENT);
    case G_SPAWN_ERROR_ACCES: return g_strerror (EACCES);
    case G_SPAWN_ERROR_PERM: return g_strerror (EPERM);
    case G_SPAWN_ERROR_NOEXEC: return g_strerror (ENOEXEC);
    case G_SPAWN_ERROR_ISDIR: return g_strerror (EISDIR);
    case G_SPAWN_ERROR_NOTDIR: return g_strerror (ENOTDIR);
    case G_SPAWN_ERROR_LOOP: return g_strerror (ELOOP);
    case G_SPAWN_ERROR_TXTBUSY: return g_strerror (ETXTBSY);
    case G_SPAWN_ERROR_NAMETOOLONG: return g_strerror (ENAMETOOLONG);
    default: return error->message;
    }
}

GSubprocess *
plug_child_spawn (PlugPlugin                 *self,
                  int                        *channel_fd,
                  GError                    **error)
{
  const char *name = plug_plugin_get_name (self);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) argv = NULL;
  GSubprocess *subprocess;
  int fds[2];

  argv = build_argv (self, error);
  if (argv == NULL)
    return NULL;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot create its channel: %s",
                   name, g_strerror (errsv));
      return NULL;
    }

  launcher = create_launcher (self);
  g_subprocess_launcher_take_fd (launcher, fds[1], PLUG_CHILD_CHANNEL_FD);

  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv,
                                             &local_error);
  /* Closes the child's end in this process. */
  g_clear_object (&launcher);

  if (subprocess == NULL)
    {
      close (fds[0]);
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot start \"%s\": %s",
                   name, argv[0], spawn_failure_reason (local_error));
      return NULL;
    }

  g_debug ("Plugin %s: started %s as process %s", name, argv[0],
           g_subprocess_get_identifier (subprocess) != NULL ?
             g_subprocess_get_identifier (subprocess) : "(already ended)");
  *channel_fd = fds[0];
  return subprocess;
}
