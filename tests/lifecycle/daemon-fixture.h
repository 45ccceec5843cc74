/* daemon-fixture.h: a `plugctl daemon` of a test's own, on a private bus,
 * with a plugin directory the test fills
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "../cli/cli-runner.h"

G_BEGIN_DECLS

/* Bound of every wait of these tests. */
#define DAEMON_WAIT_S 30

typedef struct
{
  GTestDBus       *bus;
  GDBusConnection *connection;  /* the test's own */
  char            *plugin_dir;  /* the daemon's only --plugin-dir */
  GSubprocess     *daemon;
  GDataInputStream *daemon_out;  /* kept open: the daemon may print */
  GPid             daemon_pid;
} DaemonFixture;

/* Call first in main(): see the .c file. */
void     daemon_fixture_init             (void);

void     daemon_fixture_set_up           (DaemonFixture *fixture,
                                          gconstpointer  data);
/* Stops the daemon (SIGTERM, exit status 0 checked) when it runs. */
void     daemon_fixture_tear_down        (DaemonFixture *fixture,
                                          gconstpointer  data);

/* Writes @name.json into the plugin directory. */
void     daemon_fixture_write_manifest   (DaemonFixture *fixture,
                                          const char    *name,
                                          const char    *json);
/* Starts `plugctl daemon --plugin-dir <dir>` and waits until it owns its
 * name on the bus. */
void     daemon_fixture_start            (DaemonFixture *fixture);

/* The daemon's child processes, zombies included (pids, sorted). */
GArray  *daemon_fixture_list_children    (DaemonFixture *fixture);
/* Waits until the daemon has exactly @n child processes. */
void     daemon_fixture_wait_for_children (DaemonFixture *fixture,
                                           guint          n);

/* The "state" of @name in `plugctl --daemon list --json`. */
char    *daemon_fixture_get_state        (const char    *name);

/* Runs the default main context until @condition (@data) holds; fails the
 * test naming @what after DAEMON_WAIT_S. */
void     daemon_fixture_wait_until       (gboolean     (*condition) (gpointer data),
                                          gpointer       data,
                                          const char    *what);

/* Absolute paths of built plugins: the C echo program, its thread module,
 * the test plugin killme. */
char    *daemon_fixture_echo_program     (void);
char    *daemon_fixture_echo_module      (void);
char    *daemon_fixture_killme_program   (void);

G_END_DECLS
