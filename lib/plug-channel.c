/* plug-channel.c: newline-delimited JSON over a stream fd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "plug-channel.h"
#include "plug-spin.h"

#define INITIAL_BUFFER_SIZE (64 * 1024)
/* Bigger messages are written at once, not copied to be coalesced. */
#define CORK_MAX 4096
/* Sent at once when a burst's corked output reaches this. */
#define BURST_MAX 2048
/* Reads per dispatch before yielding to other sources. */
#define MAX_READS_PER_DISPATCH 8
/* plug_channel_close() gives up flushing when the peer takes nothing
 * for this long: it is not reading any more. */
#define CLOSE_FLUSH_STALL_MS 200

struct _PlugChannel
{
  GObject parent_instance;

  int fd;
  gboolean is_socket;
  gboolean started;
  gboolean closed;
  gboolean closed_reported;
  gboolean reading;
  /* A message went out since the context last prepared: the next ones
   * wait for its next iteration (see send_iov). */
  gboolean burst;

  GMainContext *context;
  GSource *in_source;
  GSource *out_source;
  GSource *broken_source;
  GSource *cork_source;

  /* Input: one buffer; bytes [0, in_len) hold no newline between reads. */
  char *in_buf;
  gsize in_len;
  gsize in_alloc;
  gsize max_line;
  gboolean discarding;
  gsize discarded;

  /* Output not yet taken by the peer, from out_offset on. */
  GByteArray *out_buf;
  gsize out_offset;
  GError *write_error;
  GString *scratch;

  PlugChannelLineFunc on_line;
  PlugChannelClosedFunc on_closed;
  PlugChannelOverflowFunc on_overflow;
  gpointer user_data;
};

G_DEFINE_FINAL_TYPE (PlugChannel, plug_channel, G_TYPE_OBJECT)

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static gsize
out_pending (PlugChannel *self)
{
  return self->out_buf->len - self->out_offset;
}

static void
release_fd (PlugChannel *self)
{
  clear_source (&self->in_source);
  clear_source (&self->out_source);
  clear_source (&self->broken_source);
  clear_source (&self->cork_source);
  if (self->fd >= 0)
    {
      g_close (self->fd, NULL);
      self->fd = -1;
    }
  self->closed = TRUE;
  g_byte_array_set_size (self->out_buf, 0);
  self->out_offset = 0;
}

/* The peer is gone: tell the owner once, unless it closed us itself. */
static void
report_closed (PlugChannel  *self,
               const GError *error)
{
  gboolean was_closed = self->closed;

  release_fd (self);
  if (was_closed || self->closed_reported)
    return;
  self->closed_reported = TRUE;
  if (self->on_closed != NULL)
    self->on_closed (self, error, self->user_data);
}

static GError *
error_from_errno (int         saved_errno,
                  const char *what)
{
  return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno),
                      "%s: %s", what, g_strerror (saved_errno));
}

/* As GOutputStream does: dropping the last reference closes, and what is
 * queued or corked goes out first. */
static void
plug_channel_dispose (GObject *object)
{
  PlugChannel *self = PLUG_CHANNEL (object);

  if (!self->closed)
    plug_channel_close (self);

  G_OBJECT_CLASS (plug_channel_parent_class)->dispose (object);
}

static void
plug_channel_finalize (GObject *object)
{
  PlugChannel *self = PLUG_CHANNEL (object);

  release_fd (self);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->in_buf);
  g_byte_array_unref (self->out_buf);
  g_clear_error (&self->write_error);
  g_string_free (self->scratch, TRUE);

  G_OBJECT_CLASS (plug_channel_parent_class)->finalize (object);
}

static void
plug_channel_class_init (PlugChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = plug_channel_dispose;
  object_class->finalize = plug_channel_finalize;
}

static void
plug_channel_init (PlugChannel *self)
{
  self->fd = -1;
  self->max_line = PLUG_CHANNEL_DEFAULT_MAX_LINE;
  self->out_buf = g_byte_array_new ();
  self->scratch = g_string_sized_new (1024);
}

PlugChannel *
plug_channel_new (int fd)
{
  PlugChannel *self;
  struct stat st;
  int flags;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_object_new (PLUG_TYPE_CHANNEL, NULL);
  self->fd = fd;
  self->is_socket = fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
  if (!g_unix_set_fd_nonblocking (fd, TRUE, NULL))
    g_warning ("Cannot make fd %d non-blocking: %s", fd, g_strerror (errno));
  flags = fcntl (fd, F_GETFD);
  if (flags >= 0)
    fcntl (fd, F_SETFD, flags | FD_CLOEXEC);

  return self;
}

void
plug_channel_set_max_line (PlugChannel *self,
                           gsize        max_line)
{
  g_return_if_fail (PLUG_IS_CHANNEL (self));
  g_return_if_fail (max_line > 0);

  self->max_line = max_line;
}

gboolean
plug_channel_is_closed (PlugChannel *self)
{
  g_return_val_if_fail (PLUG_IS_CHANNEL (self), TRUE);

  return self->closed;
}

static void schedule_broken   (PlugChannel *self);
static void ensure_out_source (PlugChannel *self);
static void uncork            (PlugChannel *self);
static void attach_cork_source (PlugChannel *self);

/* Input */

static void
overflow (PlugChannel *self,
          gsize        discarded)
{
  if (self->on_overflow != NULL)
    self->on_overflow (self, discarded, self->user_data);
}

/* Delivers every complete line in the buffer, then keeps the partial
 * rest at its start. Returns FALSE when a callback closed the channel. */
static gboolean
split_lines (PlugChannel *self,
             gsize        scan_from)
{
  gsize start = 0;
  gsize rest;

  while (scan_from < self->in_len)
    {
      char *nl = memchr (self->in_buf + scan_from, '\n', self->in_len - scan_from);
      gsize length;

      if (nl == NULL)
        break;

      length = nl - (self->in_buf + start);
      if (self->discarding)
        {
          self->discarding = FALSE;
          overflow (self, self->discarded + length);
        }
      else if (length > self->max_line)
        overflow (self, length);
      else if (length > 0 && self->on_line != NULL)
        {
          *nl = '\0';
          self->on_line (self, self->in_buf + start, length, self->user_data);
        }

      if (self->closed)
        return FALSE;
      start = scan_from = (nl - self->in_buf) + 1;
    }

  rest = self->in_len - start;
  if (self->discarding)
    {
      self->discarded += rest;
      rest = 0;
    }
  else if (rest > self->max_line)
    {
      self->discarding = TRUE;
      self->discarded = rest;
      rest = 0;
    }
  else if (start > 0 && rest > 0)
    memmove (self->in_buf, self->in_buf + start, rest);
  self->in_len = rest;

  return TRUE;
}

static void
ensure_read_space (PlugChannel *self)
{
  gsize wanted;

  if (self->in_alloc - self->in_len >= 4096)
    return;

  wanted = MAX (self->in_alloc * 2, INITIAL_BUFFER_SIZE);
  self->in_buf = g_realloc (self->in_buf, wanted);
  self->in_alloc = wanted;
}

/* A buffer grown for one huge message goes back to its usual size. */
static void
maybe_shrink (PlugChannel *self)
{
  if (self->in_alloc > 16 * INITIAL_BUFFER_SIZE && self->in_len <= INITIAL_BUFFER_SIZE / 2)
    {
      self->in_buf = g_realloc (self->in_buf, INITIAL_BUFFER_SIZE);
      self->in_alloc = INITIAL_BUFFER_SIZE;
    }
}

static void
handle_eof (PlugChannel *self)
{
  /* A last line without its newline still counts. */
  if (self->discarding)
    {
      self->discarding = FALSE;
      overflow (self, self->discarded);
    }
  else if (self->in_len > 0 && self->on_line != NULL)
    {
      gsize length = self->in_len;

      ensure_read_space (self);
      self->in_buf[length] = '\0';
      self->in_len = 0;
      self->on_line (self, self->in_buf, length, self->user_data);
    }

  if (!self->closed)
    report_closed (self, NULL);
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  g_autoptr(PlugChannel) self = g_object_ref (PLUG_CHANNEL (user_data));

  /* The source may recurse (see plug_channel_start): a callback that
   * iterates the main context must not read into the buffer being split.
   * (Such a nested loop would spin on the readable fd until it returns;
   * nothing in plugctl runs one inside a line callback.) */
  if (self->reading)
    return G_SOURCE_CONTINUE;
  self->reading = TRUE;

  for (guint i = 0; i < MAX_READS_PER_DISPATCH && !self->closed; i++)
    {
      gsize old_len = self->in_len;
      gsize room;
      gssize n;

      ensure_read_space (self);
      room = self->in_alloc - self->in_len;
      n = read (self->fd, self->in_buf + self->in_len, room);
      if (n < 0)
        {
          int saved_errno = errno;
          g_autoptr(GError) error = NULL;

          if (saved_errno == EINTR)
            continue;
          if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)
            break;
          error = error_from_errno (saved_errno, "Read failed");
          report_closed (self, error);
          break;
        }
      if (n == 0)
        {
          handle_eof (self);
          break;
        }

      self->in_len += n;
      plug_spin_note_activity ();
      if (!split_lines (self, old_len))
        break;
      if ((gsize) n < room)
        break;
    }

  if (!self->closed)
    maybe_shrink (self);
  self->reading = FALSE;
  if (!self->closed)
    uncork (self);

  return self->closed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

void
plug_channel_start (PlugChannel             *self,
                    PlugChannelLineFunc      on_line,
                    PlugChannelClosedFunc    on_closed,
                    PlugChannelOverflowFunc  on_overflow,
                    gpointer                 user_data)
{
  g_return_if_fail (PLUG_IS_CHANNEL (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->on_line = on_line;
  self->on_closed = on_closed;
  self->on_overflow = on_overflow;
  self->user_data = user_data;
  if (self->closed)
    return;

  self->context = g_main_context_ref_thread_default ();
  self->in_source = g_unix_fd_source_new (self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (on_readable), self, NULL);
  /* Without this, GLib blocks and unblocks the source around each dispatch,
   * each time writing the context's wakeup eventfd: 4 extra syscalls per
   * message. Re-entry is guarded in on_readable(). */
  g_source_set_can_recurse (self->in_source, TRUE);
  g_source_set_static_name (self->in_source, "PlugChannel input");
  g_source_attach (self->in_source, self->context);
  attach_cork_source (self);
  plug_spin_attach (self->context);

  /* Output queued before start (or a write error) waited for a context. */
  if (self->write_error != NULL)
    schedule_broken (self);
  else if (out_pending (self) > 0)
    ensure_out_source (self);
}

/* Output */

/* Writes what it can; returns the bytes written, or -1 with errno set. */
static gssize
write_iov (PlugChannel  *self,
           struct iovec *iov,
           int           n_iov)
{
  for (;;)
    {
      gssize n;

      if (self->is_socket)
        {
          struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n_iov };

          n = sendmsg (self->fd, &msg, MSG_NOSIGNAL);
          if (n < 0 && errno == ENOTSOCK)
            {
              self->is_socket = FALSE;
              continue;
            }
        }
      else
        n = writev (self->fd, iov, n_iov);

      if (n < 0 && errno == EINTR)
        continue;
      return n;
    }
}

static gboolean
on_broken (gpointer user_data)
{
  PlugChannel *self = user_data;
  g_autoptr(GError) error = g_error_copy (self->write_error);

  g_object_ref (self);
  g_clear_pointer (&self->broken_source, g_source_unref);
  report_closed (self, error);
  g_object_unref (self);

  return G_SOURCE_REMOVE;
}

/* A write failed for good: the queue is dropped, and the owner hears of
 * it from the main loop, never from inside its own send. */
static void
set_broken (PlugChannel *self,
            int          saved_errno)
{
  if (self->write_error == NULL)
    self->write_error = error_from_errno (saved_errno, "Write failed");
  g_byte_array_set_size (self->out_buf, 0);
  self->out_offset = 0;
  clear_source (&self->out_source);
  schedule_broken (self);
}

static void
schedule_broken (PlugChannel *self)
{
  if (self->broken_source == NULL && self->context != NULL && !self->closed)
    {
      self->broken_source = g_idle_source_new ();
      g_source_set_priority (self->broken_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->broken_source, on_broken, self, NULL);
      g_source_set_static_name (self->broken_source, "PlugChannel broken");
      g_source_attach (self->broken_source, self->context);
    }
}

/* Writes queued output; returns FALSE on a fatal error. */
static gboolean
write_queue (PlugChannel *self)
{
  while (out_pending (self) > 0)
    {
      struct iovec iov = {
        .iov_base = self->out_buf->data + self->out_offset,
        .iov_len = out_pending (self),
      };
      gssize n = write_iov (self, &iov, 1);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TRUE;
          set_broken (self, errno);
          return FALSE;
        }
      self->out_offset += n;
    }

  g_byte_array_set_size (self->out_buf, 0);
  self->out_offset = 0;
  return TRUE;
}

static gboolean
on_writable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  PlugChannel *self = user_data;

  if (!write_queue (self))
    return G_SOURCE_REMOVE;   /* set_broken() cleared out_source */
  if (out_pending (self) > 0)
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&self->out_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
append_output (PlugChannel  *self,
               struct iovec *iov,
               int           n_iov,
               gsize         skip)
{
  /* Compact when the written head outweighs what is left. */
  if (self->out_offset > 0 && self->out_offset >= out_pending (self))
    {
      g_byte_array_remove_range (self->out_buf, 0, self->out_offset);
      self->out_offset = 0;
    }

  for (int i = 0; i < n_iov; i++)
    {
      gsize len = iov[i].iov_len;

      if (skip >= len)
        {
          skip -= len;
          continue;
        }
      g_byte_array_append (self->out_buf, (guint8 *) iov[i].iov_base + skip, len - skip);
      skip = 0;
    }
}

static void
queue_output (PlugChannel  *self,
              struct iovec *iov,
              int           n_iov,
              gsize         skip)
{
  append_output (self, iov, n_iov, skip);
  ensure_out_source (self);
}

/* Output corked by a burst of sends goes out before the context polls;
 * and a callback that runs a main loop of its own (waiting for an answer)
 * must not wait for what it sent: an iteration that finds output corked
 * sends it (prepare only says so: it runs with the context locked). */
typedef struct
{
  GSource source;
  PlugChannel *channel;
} CorkSource;

static gboolean
cork_prepare (GSource *source,
              gint    *timeout)
{
  PlugChannel *self = ((CorkSource *) source)->channel;

  *timeout = -1;
  self->burst = FALSE;
  return out_pending (self) > 0 && self->out_source == NULL && self->write_error == NULL;
}

static gboolean
cork_dispatch (GSource     *source,
               GSourceFunc  callback,
               gpointer     user_data)
{
  uncork (((CorkSource *) source)->channel);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs cork_funcs = {
  .prepare = cork_prepare,
  .dispatch = cork_dispatch,
};

static void
attach_cork_source (PlugChannel *self)
{
  self->cork_source = g_source_new (&cork_funcs, sizeof (CorkSource));
  ((CorkSource *) self->cork_source)->channel = self;
  g_source_set_static_name (self->cork_source, "PlugChannel corked output");
  g_source_attach (self->cork_source, self->context);
}

/* What the callbacks of one read sent, in one write. */
static void
uncork (PlugChannel *self)
{
  if (out_pending (self) == 0 || self->out_source != NULL || self->write_error != NULL)
    return;
  if (write_queue (self) && out_pending (self) > 0)
    ensure_out_source (self);
}

static void
ensure_out_source (PlugChannel *self)
{
  if (self->out_source == NULL && self->context != NULL)
    {
      self->out_source = g_unix_fd_source_new (self->fd, G_IO_OUT);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (on_writable), self, NULL);
      g_source_set_static_name (self->out_source, "PlugChannel output");
      g_source_attach (self->out_source, self->context);
    }
}

static gboolean
send_iov (PlugChannel   *self,
          struct iovec  *iov,
          int            n_iov,
          GError       **error)
{
  gsize total = 0;
  gssize n = 0;

  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Channel is closed");
      return FALSE;
    }
  if (self->write_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->write_error));
      return FALSE;
    }

  for (int i = 0; i < n_iov; i++)
    total += iov[i].iov_len;
  plug_spin_note_activity ();

  /* Answering what it reads (an event then a response, a response then
   * the next request): small messages go out together, in one write
   * when the reading ends (see on_readable). So do those of a burst (an
   * emit to many listeners, calls started in a loop): the first goes out
   * at once, the others together before the context next polls. */
  if ((self->reading || self->burst) && total <= CORK_MAX)
    {
      append_output (self, iov, n_iov, 0);
      /* Not too much at once: the peer starts on the first messages while
       * the rest are made (a pipeline, on two CPUs). */
      if (out_pending (self) >= BURST_MAX)
        uncork (self);
      return TRUE;
    }

  /* Order: nothing jumps the queue (corked output goes first). */
  if (out_pending (self) > 0 && self->out_source == NULL && !write_queue (self))
    {
      g_propagate_error (error, g_error_copy (self->write_error));
      return FALSE;
    }
  if (out_pending (self) == 0)
    {
      n = write_iov (self, iov, n_iov);
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno != EAGAIN && saved_errno != EWOULDBLOCK)
            {
              set_broken (self, saved_errno);
              g_propagate_error (error, g_error_copy (self->write_error));
              return FALSE;
            }
          n = 0;
        }
      if ((gsize) n == total)
        {
          self->burst = self->cork_source != NULL;
          return TRUE;
        }
    }

  queue_output (self, iov, n_iov, n);
  return TRUE;
}

gboolean
plug_channel_send (PlugChannel  *self,
                   const char   *data,
                   gsize         length,
                   GError      **error)
{
  struct iovec iov[2] = {
    { .iov_base = (void *) data, .iov_len = length },
    { .iov_base = (void *) "\n", .iov_len = 1 },
  };

  g_return_val_if_fail (PLUG_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  return send_iov (self, iov, 2, error);
}

gboolean
plug_channel_send_message (PlugChannel  *self,
                           PlugMessage  *message,
                           GError      **error)
{
  struct iovec iov;

  g_return_val_if_fail (PLUG_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  g_string_truncate (self->scratch, 0);
  plug_message_write (message, self->scratch);
  g_string_append_c (self->scratch, '\n');
  iov.iov_base = self->scratch->str;
  iov.iov_len = self->scratch->len;

  return send_iov (self, &iov, 1, error);
}

/* Blocks while the peer takes the queue; gives up after @stall_ms without
 * progress (-1: never). */
static void
flush_blocking (PlugChannel *self,
                int          stall_ms)
{
  while (!self->closed && self->write_error == NULL && out_pending (self) > 0)
    {
      struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };
      int r = poll (&pfd, 1, stall_ms);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return;
      if (!write_queue (self))
        return;
    }

  if (out_pending (self) == 0)
    clear_source (&self->out_source);
}

void
plug_channel_flush (PlugChannel *self)
{
  g_return_if_fail (PLUG_IS_CHANNEL (self));

  flush_blocking (self, -1);
}

void
plug_channel_close (PlugChannel *self)
{
  g_return_if_fail (PLUG_IS_CHANNEL (self));

  if (self->closed)
    return;

  flush_blocking (self, CLOSE_FLUSH_STALL_MS);
  release_fd (self);
}
