/* plug-group-reaper.c: plugins' process groups end with the host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-group-reaper.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

/* Lines "+ PGID" and "- PGID" on stdin; at end of input, SIGKILL to every
 * group added and not removed. It ignores the signals a terminal or a
 * session manager sends to the whole session. */
static const char reaper_script[] =
  "trap '' INT TERM HUP QUIT PIPE\n"
  "groups=' '\n"
  "while read -r op pgid; do\n"
  "  case $op in\n"
  "    +) groups=\"$groups$pgid \" ;;\n"
  "    -) case $groups in *\" $pgid \"*) groups=\"${groups%% $pgid *} ${groups#* $pgid }\" ;; esac ;;\n"
  "  esac\n"
  "done\n"
  "for g in $groups; do kill -KILL -\"$g\" 2>/dev/null; done\n";

G_LOCK_DEFINE_STATIC (reaper);
static int reaper_fd = -1;
static gboolean reaper_tried;

/* Without G_SPAWN_DO_NOT_REAP_CHILD, GLib spawns through an intermediate
 * child: the reaper is not our child, so nobody waits for it. */
static int
start_reaper (void)
{
  const char *argv[] = { "/bin/sh", "-c", reaper_script, "plugctl-group-reaper", NULL };
  g_autoptr(GError) error = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int errsv = errno;

      g_warning ("Cannot create the process group reaper's socket: %s", g_strerror (errsv));
      return -1;
    }

  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, NULL,
                                         G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                         NULL, NULL,
                                         fds[1], -1, -1,
                                         NULL, NULL, 0,
                                         NULL, NULL, NULL, NULL,
                                         &error))
    {
      g_warning ("Cannot start the process group reaper: %s", error->message);
      close (fds[0]);
      close (fds[1]);
      return -1;
    }

  close (fds[1]);
  return fds[0];
}

static void
tell_reaper (char  op,
             pid_t pgid)
{
  char line[32];
  int length;

  if (pgid <= 1)
    return;
  length = g_snprintf (line, sizeof line, "%c %d\n", op, (int) pgid);

  G_LOCK (reaper);
  if (!reaper_tried)
    {
      reaper_tried = TRUE;
      reaper_fd = start_reaper ();
    }
  /* One short line: written whole or not at all. */
  if (reaper_fd >= 0 && send (reaper_fd, line, length, MSG_NOSIGNAL) != length)
    g_debug ("The process group reaper is gone: %s", g_strerror (errno));
  G_UNLOCK (reaper);
}

void
plug_group_reaper_watch (pid_t pgid)
{
  tell_reaper ('+', pgid);
}

void
plug_group_reaper_forget (pid_t pgid)
{
  G_LOCK (reaper);
  if (reaper_fd < 0)
    {
      G_UNLOCK (reaper);
      return;
    }
  G_UNLOCK (reaper);
  tell_reaper ('-', pgid);
}
