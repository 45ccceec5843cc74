/* plug-channel.h: newline-delimited JSON over a stream fd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <glib-object.h>

#include "plug-macros.h"
#include "plug-message.h"

G_BEGIN_DECLS

/* Default limit of one line (one message), in bytes. */
#define PLUG_CHANNEL_DEFAULT_MAX_LINE (16 * 1024 * 1024)

#define PLUG_TYPE_CHANNEL (plug_channel_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugChannel, plug_channel, PLUG, CHANNEL, GObject)

/**
 * PlugChannel:
 *
 * The byte transport shared by the child-process connector and the
 * client library: a non-blocking socket or pipe watched by a fd source in
 * the thread-default main context of the thread that creates it. Input is
 * read into one reused buffer and split into lines by hand; output is
 * written at once when the socket takes it, else queued and flushed when
 * it becomes writable. Small messages sent while a read is handled, or
 * after another since the context last polled (a burst), are corked and
 * go out together (2 KiB at most waiting) before the context next polls,
 * or on close. Node.js's IPC channel speaks exactly this.
 */

/**
 * PlugChannelLineFunc:
 * @line: one line without its newline, NUL-terminated (valid only during
 *   the call)
 */
typedef void (*PlugChannelLineFunc)   (PlugChannel  *channel,
                                       const char   *line,
                                       gsize         length,
                                       gpointer      user_data);
/**
 * PlugChannelClosedFunc:
 * @error: (nullable): NULL for a clean end of stream
 *
 * Called once, when the peer closed or the fd failed; not when
 * plug_channel_close() was called.
 */
typedef void (*PlugChannelClosedFunc) (PlugChannel  *channel,
                                       const GError *error,
                                       gpointer      user_data);
/**
 * PlugChannelOverflowFunc:
 *
 * A line longer than the limit was received and discarded.
 */
typedef void (*PlugChannelOverflowFunc) (PlugChannel *channel,
                                         gsize        discarded,
                                         gpointer     user_data);

/* Takes ownership of @fd (closed on finalize or close). */
PLUG_AVAILABLE_IN_ALL
PlugChannel  *plug_channel_new            (int                      fd);
/* Starts watching; callbacks run in the channel's main context. */
PLUG_AVAILABLE_IN_ALL
void          plug_channel_start          (PlugChannel             *self,
                                           PlugChannelLineFunc      on_line,
                                           PlugChannelClosedFunc    on_closed,
                                           PlugChannelOverflowFunc  on_overflow,
                                           gpointer                 user_data);
PLUG_AVAILABLE_IN_ALL
void          plug_channel_set_max_line   (PlugChannel             *self,
                                           gsize                    max_line);
/* Writes @data and a newline. Fails with G_IO_ERROR_CLOSED after close. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_channel_send           (PlugChannel             *self,
                                           const char              *data,
                                           gsize                    length,
                                           GError                 **error);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_channel_send_message   (PlugChannel             *self,
                                           PlugMessage             *message,
                                           GError                 **error);
/* Blocks until everything queued is written or the peer is gone. */
PLUG_AVAILABLE_IN_ALL
void          plug_channel_flush          (PlugChannel             *self);
/* Stops watching and closes the fd; queued output is flushed first when
 * the peer still reads. Idempotent. */
PLUG_AVAILABLE_IN_ALL
void          plug_channel_close          (PlugChannel             *self);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_channel_is_closed      (PlugChannel             *self);

G_END_DECLS
