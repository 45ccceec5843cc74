/* plug-log-reader.c: a plugin's stdout or stderr, logged line by line
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-log-reader.h"

#include <errno.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>

/* Longer lines are logged in pieces of this size. */
#define MAX_LOG_LINE (16 * 1024)
#define READ_CHUNK 4096
/* Reads per wake-up, so that a chatty plugin cannot starve the loop. */
#define MAX_READS_PER_DISPATCH 16

struct _PlugLogReader
{
  GInputStream          *stream;
  int                    fd;
  GSource               *source;
  GString               *pending;
  char                  *plugin_name;
  GLogLevelFlags         level;
  GQueue                 tail;
  guint                  keep_lines;
  gboolean               done;
  PlugLogReaderDoneFunc  done_func;
  gpointer               done_data;
};

static void
log_line (PlugLogReader *self,
          const char    *line,
          gsize          length)
{
  if (length > 0 && line[length - 1] == '\r')
    length--;

  g_log (PLUG_PLUGIN_LOG_DOMAIN, self->level, "%s: %.*s",
         self->plugin_name, (int) length, line);

  if (self->keep_lines == 0)
    return;

  g_queue_push_tail (&self->tail, g_strndup (line, length));
  while (self->tail.length > self->keep_lines)
    g_free (g_queue_pop_head (&self->tail));
}

static void
take_lines (PlugLogReader *self)
{
  char *start = self->pending->str;
  char *end = start + self->pending->len;
  char *newline;

  while ((newline = memchr (start, '\n', end - start)) != NULL)
    {
      log_line (self, start, newline - start);
      start = newline + 1;
    }

  g_string_erase (self->pending, 0, start - self->pending->str);

  if (self->pending->len >= MAX_LOG_LINE)
    {
      log_line (self, self->pending->str, self->pending->len);
      g_string_truncate (self->pending, 0);
    }
}

static void
finish (PlugLogReader *self)
{
  if (self->pending->len > 0)
    log_line (self, self->pending->str, self->pending->len);
  g_string_truncate (self->pending, 0);

  self->done = TRUE;
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  /* Close the pipe now rather than when the GSubprocess goes. */
  g_input_stream_close (self->stream, NULL, NULL);
  self->fd = -1;

  if (self->done_func != NULL)
    self->done_func (self, self->done_data);
}

static gboolean
on_readable (int           fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  PlugLogReader *self = user_data;
  char buffer[READ_CHUNK];

  for (guint i = 0; i < MAX_READS_PER_DISPATCH; i++)
    {
      gssize n = read (self->fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        {
          finish (self);
          return G_SOURCE_REMOVE;
        }

      g_string_append_len (self->pending, buffer, n);
      take_lines (self);
    }

  return G_SOURCE_CONTINUE;
}

PlugLogReader *
plug_log_reader_new (GInputStream   *stream,
                     const char     *plugin_name,
                     GLogLevelFlags  level,
                     guint           keep_lines)
{
  PlugLogReader *self;

  g_return_val_if_fail (G_IS_UNIX_INPUT_STREAM (stream), NULL);

  self = g_new0 (PlugLogReader, 1);
  self->stream = g_object_ref (stream);
  self->fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  self->pending = g_string_sized_new (256);
  self->plugin_name = g_strdup (plugin_name);
  self->level = level;
  self->keep_lines = keep_lines;
  g_queue_init (&self->tail);

  g_unix_set_fd_nonblocking (self->fd, TRUE, NULL);
  self->source = g_unix_fd_source_new (self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (self->source, G_SOURCE_FUNC (on_readable), self, NULL);
  g_source_set_static_name (self->source, "[plugctl] plugin log reader");
  g_source_attach (self->source, g_main_context_get_thread_default ());

  return self;
}

void
plug_log_reader_set_done_func (PlugLogReader         *self,
                               PlugLogReaderDoneFunc  func,
                               gpointer               user_data)
{
  self->done_func = func;
  self->done_data = user_data;
}

gboolean
plug_log_reader_is_done (PlugLogReader *self)
{
  return self->done;
}

char *
plug_log_reader_dup_tail (PlugLogReader *self)
{
  GString *text;

  if (g_queue_is_empty (&self->tail))
    return NULL;

  text = g_string_new (NULL);
  for (GList *l = self->tail.head; l != NULL; l = l->next)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, l->data);
    }

  return g_string_free (text, FALSE);
}

void
plug_log_reader_free (PlugLogReader *self)
{
  if (self == NULL)
    return;

  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }
  g_input_stream_close (self->stream, NULL, NULL);
  g_object_unref (self->stream);
  g_string_free (self->pending, TRUE);
  g_queue_clear_full (&self->tail, g_free);
  g_free (self->plugin_name);
  g_free (self);
}
