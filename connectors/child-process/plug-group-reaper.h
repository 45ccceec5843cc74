/* plug-group-reaper.h: plugins' process groups end with the host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

/* The reaper is a small process, not a child of ours, that reads process
 * group ids from a socket and, when the socket closes (this process
 * ended, by SIGKILL too), sends SIGKILL to every group it still knows.
 * PR_SET_PDEATHSIG alone ends only the plugin's own process; the reaper
 * also ends what the plugin started. Both calls are thread-safe and best
 * effort: without a reaper (no /bin/sh), only PDEATHSIG remains. */
void  plug_group_reaper_watch   (pid_t pgid);
void  plug_group_reaper_forget  (pid_t pgid);

G_END_DECLS
