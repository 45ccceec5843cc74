/* plug-child-spawn.h: starting a child-process plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

#define PLUG_CHILD_CHANNEL_FD 3

/* Runs @plugin's command (PROTOCOL.md §7) in a process group of its own
 * (its pid is the group id), with PR_SET_PDEATHSIG SIGKILL; *@channel_fd
 * is our end of the channel, the child's fd 3. Errors name the plugin
 * and the command. */
GSubprocess *plug_child_spawn (PlugPlugin  *plugin,
                               int         *channel_fd,
                               GError     **error);

G_END_DECLS
