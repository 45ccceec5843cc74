/* plug-log-reader.h: a plugin's stdout or stderr, logged line by line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The log domain of the plugins' own output. */
#define PLUG_PLUGIN_LOG_DOMAIN "plugctl-plugin"

typedef struct _PlugLogReader PlugLogReader;

typedef void (*PlugLogReaderDoneFunc) (PlugLogReader *reader,
                                       gpointer       user_data);

/* Reads @stream (a pipe from a child process) in the thread-default main
 * context and logs each line as "<plugin>: <line>" at @level in
 * PLUG_PLUGIN_LOG_DOMAIN, keeping the last @keep_lines lines. */
G_GNUC_INTERNAL
PlugLogReader *plug_log_reader_new       (GInputStream          *stream,
                                          const char            *plugin_name,
                                          GLogLevelFlags         level,
                                          guint                  keep_lines);
/* @func runs once, at end of file or on a read error (not after free). */
G_GNUC_INTERNAL
void           plug_log_reader_set_done_func (PlugLogReader     *self,
                                              PlugLogReaderDoneFunc func,
                                              gpointer           user_data);
G_GNUC_INTERNAL
gboolean       plug_log_reader_is_done   (PlugLogReader         *self);
/* The kept lines joined with newlines, or NULL when there are none. */
G_GNUC_INTERNAL
char          *plug_log_reader_dup_tail  (PlugLogReader         *self);
/* Stops reading and closes the stream at once. */
G_GNUC_INTERNAL
void           plug_log_reader_free      (PlugLogReader         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugLogReader, plug_log_reader_free)

G_END_DECLS
