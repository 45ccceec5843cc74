/* cli-runner.h: run plugctl as a subprocess, every wait bounded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *out;
  char *err;
  int   status;  /* the exit status, or -1 when killed by a signal */
} CliRun;

void cli_run_clear (CliRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliRun, cli_run_clear)

/* argv: plugctl [--plugin-dir <bundled> --plugin-dir <test plugins>] */
GPtrArray   *cli_argv_new         (gboolean          with_default_dirs);
/* Appends the args and the final NULL. */
void         cli_argv_add         (GPtrArray        *argv,
                                   const char       *first,
                                   ...) G_GNUC_NULL_TERMINATED;
void         cli_run_argv         (CliRun           *run,
                                   GPtrArray        *argv,
                                   const char       *input);
/* With the bundled and test plugin dirs. */
void         cli_run              (CliRun           *run,
                                   const char       *first,
                                   ...) G_GNUC_NULL_TERMINATED;
/* GTestDBus's watcher process (started by the first bus) keeps the
 * write end of a pipe in every bus it starts, so a test that aborts would
 * leave its bus, and a daemon on it, running: start the watcher now and
 * keep its pipe out of the processes to come. Call once, first thing. */
void         cli_keep_test_dbus_watcher_private (void);
/* plugctl --daemon ARGS…: the daemon's own plugin dirs apply */
void         cli_run_daemon       (CliRun           *run,
                                   const char       *first,
                                   ...) G_GNUC_NULL_TERMINATED;
void         cli_run_with_input   (CliRun           *run,
                                   const char       *input,
                                   const char       *first,
                                   ...) G_GNUC_NULL_TERMINATED;
/* @err NULL: not checked */
void         assert_run           (CliRun           *run,
                                   int               status,
                                   const char       *out,
                                   const char       *err);
JsonNode    *parse_json           (const char       *text);
/* Marks the test skipped when @program is missing. */
gboolean     have_program         (const char       *program);

/* stdout is read line by line; stderr goes to the test log */
GSubprocess *cli_spawn_streaming  (GPtrArray        *argv,
                                   GDataInputStream **out);
char        *read_line_bounded    (GDataInputStream *stream,
                                   GSubprocess      *process);
int          wait_exit_bounded    (GSubprocess      *process);

G_END_DECLS
