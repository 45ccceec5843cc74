/* plug-child-process-connector.h: plugins run as child processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/* How long deactivation waits for the process to exit by itself after
 * its channel closed, and again after SIGTERM, before SIGKILL. */

#define PLUG_TYPE_CHILD_PROCESS_CONNECTOR (plug_child_process_connector_get_type ())

G_DECLARE_FINAL_TYPE (PlugChildProcessConnector, plug_child_process_connector,
                      PLUG, CHILD_PROCESS_CONNECTOR, PlugConnector)

/**
 * PlugChildProcessConnector:
 *
 * The `child-process` connector (PROTOCOL.md §7): runs the profile's
 * `command` (or `node <url>`) with `args`, `env` and `cwd`, and speaks
 * newline-delimited JSON with it over a socketpair passed as fd 3 with
 * `NODE_CHANNEL_FD=3`, Node.js's own IPC channel. stdin is /dev/null;
 * stdout and stderr lines are logged in the `plugctl-plugin` domain.
 * A process that exits, or closes its channel, while the plugin is
 * active or activating makes the plugin lost (§6), with the exit status
 * or signal in the error.
 *
 * Each plugin runs in a process group of its own, with PR_SET_PDEATHSIG
 * SIGKILL. Stopping it closes the channel, waits the grace period, sends
 * SIGTERM to the group, waits again, then sends SIGKILL to the group;
 * once the plugin's process has exited, what is left of its group gets
 * SIGKILL. When the host process dies, even by SIGKILL, the plugin gets
 * SIGKILL (PDEATHSIG) and a reaper process kills what is left of every
 * plugin's group (plug-group-reaper.h). A process that leaves its group
 * (setsid, setpgid) escapes this.
 *
 * Properties: `grace-period` (milliseconds, see
 * %PLUG_CONNECTOR_DEFAULT_GRACE_PERIOD_MS); `pid` (read-only, the
 * plugin's process id while it runs, else 0).
 */

G_END_DECLS
