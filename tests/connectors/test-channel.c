/* test-channel.c: PlugChannel over a socketpair
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "plugctl.h"

typedef struct
{
  PlugChannel *channel;
  int peer;
  GPtrArray *lines;
  GArray *overflows;
  guint n_closed;
  GError *closed_error;
  gboolean close_on_line;
  gboolean timed_out;
  guint timeout_id;
} Fixture;

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *f = user_data;

  f->timed_out = TRUE;
  f->timeout_id = 0;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done says so, failing after 10 s. */
static void
run_until (Fixture  *f,
           gboolean (*done) (Fixture *f))
{
  f->timed_out = FALSE;
  f->timeout_id = g_timeout_add_seconds (10, on_timeout, f);
  while (!done (f) && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->timed_out);
  g_clear_handle_id (&f->timeout_id, g_source_remove);
}

static void
on_line (PlugChannel *channel,
         const char  *line,
         gsize        length,
         gpointer     user_data)
{
  Fixture *f = user_data;

  g_assert_cmpuint (strlen (line), ==, length);
  g_ptr_array_add (f->lines, g_strndup (line, length));
  if (f->close_on_line)
    {
      plug_channel_close (channel);
      g_clear_object (&f->channel);
    }
}

static void
on_closed (PlugChannel  *channel,
           const GError *error,
           gpointer      user_data)
{
  Fixture *f = user_data;

  f->n_closed++;
  g_clear_error (&f->closed_error);
  if (error != NULL)
    f->closed_error = g_error_copy (error);
}

static void
on_overflow (PlugChannel *channel,
             gsize        discarded,
             gpointer     user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->overflows, discarded);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  int fds[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  f->channel = plug_channel_new (fds[0]);
  f->peer = fds[1];
  f->lines = g_ptr_array_new_with_free_func (g_free);
  f->overflows = g_array_new (FALSE, FALSE, sizeof (gsize));
  plug_channel_start (f->channel, on_line, on_closed, on_overflow, f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->channel);
  if (f->peer >= 0)
    g_close (f->peer, NULL);
  g_ptr_array_unref (f->lines);
  g_array_unref (f->overflows);
  g_clear_error (&f->closed_error);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
peer_write (Fixture    *f,
            const char *data)
{
  gsize length = strlen (data);

  g_assert_cmpint (write (f->peer, data, length), ==, (gssize) length);
}

static void
peer_close (Fixture *f)
{
  g_close (f->peer, NULL);
  f->peer = -1;
}

static guint want_lines;

static gboolean
have_lines (Fixture *f)
{
  return f->lines->len >= want_lines;
}

static gboolean
is_closed (Fixture *f)
{
  return f->n_closed > 0;
}

static void
assert_line (Fixture    *f,
             guint       index,
             const char *expected)
{
  g_assert_cmpuint (index, <, f->lines->len);
  g_assert_cmpstr (g_ptr_array_index (f->lines, index), ==, expected);
}

static void
test_lines_split_across_writes (Fixture       *f,
                                gconstpointer  data)
{
  peer_write (f, "{\"action\":");
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->lines->len, ==, 0);
  want_lines = 1;
  peer_write (f, "\"emit\"}");
  peer_write (f, "\n{\"id\"");
  run_until (f, have_lines);
  peer_write (f, ":1}\n");
  want_lines = 2;
  run_until (f, have_lines);

  g_assert_cmpuint (f->lines->len, ==, 2);
  assert_line (f, 0, "{\"action\":\"emit\"}");
  assert_line (f, 1, "{\"id\":1}");
  g_assert_cmpuint (f->n_closed, ==, 0);
}

static void
test_lines_many_per_read (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GString) burst = g_string_new (NULL);

  for (guint i = 0; i < 500; i++)
    g_string_append_printf (burst, "line %u\n", i);
  peer_write (f, burst->str);
  want_lines = 500;
  run_until (f, have_lines);

  g_assert_cmpuint (f->lines->len, ==, 500);
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);

      assert_line (f, i, expected);
    }
}

static void
test_lines_empty_skipped (Fixture       *f,
                          gconstpointer  data)
{
  peer_write (f, "\n\na\n\nb\n");
  want_lines = 2;
  run_until (f, have_lines);
  peer_close (f);
  run_until (f, is_closed);

  g_assert_cmpuint (f->lines->len, ==, 2);
  assert_line (f, 0, "a");
  assert_line (f, 1, "b");
}

static void
test_lines_partial_at_eof (Fixture       *f,
                           gconstpointer  data)
{
  peer_write (f, "first\nlast without newline");
  peer_close (f);
  run_until (f, is_closed);

  g_assert_cmpuint (f->lines->len, ==, 2);
  assert_line (f, 0, "first");
  assert_line (f, 1, "last without newline");
  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_no_error (f->closed_error);
  g_assert_true (plug_channel_is_closed (f->channel));
}

static void
test_overflow_discards_line (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *long_line = g_strnfill (100, 'x');

  plug_channel_set_max_line (f->channel, 16);
  peer_write (f, "short\n");
  /* The long line arrives in pieces, each over the limit on its own. */
  peer_write (f, long_line);
  want_lines = 1;
  run_until (f, have_lines);
  peer_write (f, long_line);
  peer_write (f, "\nnext\n");
  peer_write (f, "exactly-16-bytes\n");
  peer_write (f, "seventeen-bytes!!\nafter\n");
  want_lines = 4;
  run_until (f, have_lines);

  g_assert_cmpuint (f->lines->len, ==, 4);
  assert_line (f, 0, "short");
  assert_line (f, 1, "next");
  assert_line (f, 2, "exactly-16-bytes");
  assert_line (f, 3, "after");
  g_assert_cmpuint (f->overflows->len, ==, 2);
  g_assert_cmpuint (g_array_index (f->overflows, gsize, 0), ==, 200);
  g_assert_cmpuint (g_array_index (f->overflows, gsize, 1), ==, 17);
}

static void
test_overflow_at_eof (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *long_line = g_strnfill (64, 'y');

  plug_channel_set_max_line (f->channel, 16);
  peer_write (f, long_line);
  peer_close (f);
  run_until (f, is_closed);

  g_assert_cmpuint (f->lines->len, ==, 0);
  g_assert_cmpuint (f->overflows->len, ==, 1);
  g_assert_cmpuint (g_array_index (f->overflows, gsize, 0), ==, 64);
}

static void
test_overflow_bounded_memory (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *chunk = g_strnfill (1024 * 1024, 'z');

  /* 32 MiB in one line with a 1 MiB limit: never buffered whole. */
  plug_channel_set_max_line (f->channel, 1024 * 1024);
  g_unix_set_fd_nonblocking (f->peer, TRUE, NULL);
  for (guint i = 0; i < 32; i++)
    {
      gsize written = 0;

      while (written < 1024 * 1024)
        {
          gssize n = write (f->peer, chunk + written, 1024 * 1024 - written);

          if (n < 0 && errno == EAGAIN)
            {
              g_main_context_iteration (NULL, TRUE);
              continue;
            }
          g_assert_cmpint (n, >, 0);
          written += n;
        }
    }
  peer_write (f, "\nok\n");
  want_lines = 1;
  run_until (f, have_lines);

  assert_line (f, 0, "ok");
  g_assert_cmpuint (f->overflows->len, ==, 1);
  g_assert_cmpuint (g_array_index (f->overflows, gsize, 0), ==, 32 * 1024 * 1024);
}

typedef struct
{
  GString *received;
  guint source_id;
  gsize expected;
} SlowReader;

static gboolean
slow_read (int          fd,
           GIOCondition condition,
           gpointer     user_data)
{
  SlowReader *reader = user_data;
  char buf[4096];
  gssize n = read (fd, buf, sizeof buf);

  if (n > 0)
    g_string_append_len (reader->received, buf, n);
  if (n == 0 || reader->received->len >= reader->expected)
    {
      reader->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static SlowReader *slow_reader;

static gboolean
reader_done (Fixture *f)
{
  return slow_reader->source_id == 0;
}

static void
test_send_backpressure_keeps_order (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *pad = g_strnfill (1000, 'p');
  SlowReader reader = { g_string_new (NULL), 0, 0 };
  guint n_lines = 8 * 1024;

  g_unix_set_fd_nonblocking (f->peer, TRUE, NULL);
  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *line = g_strdup_printf ("%08u %s", i, pad);
      g_autoptr(GError) error = NULL;

      g_assert_true (plug_channel_send (f->channel, line, strlen (line), &error));
      g_assert_no_error (error);
      g_string_append (expected, line);
      g_string_append_c (expected, '\n');
    }
  g_assert_cmpuint (expected->len, >=, 8 * 1000 * 1000);

  reader.expected = expected->len;
  reader.source_id = g_unix_fd_add (f->peer, G_IO_IN, slow_read, &reader);
  slow_reader = &reader;
  run_until (f, reader_done);

  g_assert_cmpuint (reader.received->len, ==, expected->len);
  g_assert_true (memcmp (reader.received->str, expected->str, expected->len) == 0);
  g_string_free (reader.received, TRUE);
}

static void
test_send_message_appends_newline (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_EMIT);
  g_autoptr(GError) error = NULL;
  char buf[256];
  gssize n;

  plug_message_set_key (message, "tick");
  g_assert_true (plug_channel_send_message (f->channel, message, &error));
  g_assert_no_error (error);
  g_assert_true (plug_channel_send (f->channel, "{}", 2, &error));
  g_assert_no_error (error);
  /* the second of a burst goes out before the context next polls */
  g_main_context_iteration (NULL, FALSE);

  n = read (f->peer, buf, sizeof buf - 1);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  g_assert_cmpstr (buf, ==, "{\"action\":\"emit\",\"key\":\"tick\"}\n{}\n");
}

static void
test_closed_peer_close_once (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  peer_close (f);
  run_until (f, is_closed);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_no_error (f->closed_error);
  g_assert_true (plug_channel_is_closed (f->channel));
  g_assert_false (plug_channel_send (f->channel, "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_closed_send_to_gone_peer (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* A peer that only shut its reading side: the write fails (EPIPE, no
   * SIGPIPE), and the owner hears of it once from the main loop. */
  g_assert_no_errno (shutdown (f->peer, SHUT_RD));
  g_assert_false (plug_channel_send (f->channel, "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpuint (f->n_closed, ==, 0);
  run_until (f, is_closed);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpuint (f->n_closed, ==, 1);
  g_assert_error (f->closed_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

static void
test_closed_not_reported_after_close (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  plug_channel_close (f->channel);
  plug_channel_close (f->channel);
  peer_close (f);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpuint (f->n_closed, ==, 0);
  g_assert_true (plug_channel_is_closed (f->channel));
  g_assert_false (plug_channel_send (f->channel, "x", 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_close_inside_callback (Fixture       *f,
                            gconstpointer  data)
{
  f->close_on_line = TRUE;
  peer_write (f, "one\ntwo\nthree\n");
  want_lines = 1;
  run_until (f, have_lines);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  /* The callback dropped the last reference as well. */
  g_assert_null (f->channel);
  g_assert_cmpuint (f->lines->len, ==, 1);
  assert_line (f, 0, "one");
  g_assert_cmpuint (f->n_closed, ==, 0);
}

static gpointer
drain_thread (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  gsize total = 0;
  char buf[65536];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    total += n;
  return GSIZE_TO_POINTER (total);
}

static void
test_flush_blocks_until_written (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *line = g_strnfill (4095, 'f');
  g_autoptr(GThread) thread = NULL;
  gsize total;

  for (guint i = 0; i < 1024; i++)
    g_assert_true (plug_channel_send (f->channel, line, 4095, NULL));
  thread = g_thread_new ("drain", drain_thread, GINT_TO_POINTER (f->peer));
  plug_channel_flush (f->channel);
  plug_channel_close (f->channel);
  total = GPOINTER_TO_SIZE (g_thread_join (g_steal_pointer (&thread)));

  g_assert_cmpuint (total, ==, 1024 * 4096);
}

/* The spin before blocking (lib/plug-spin.c). $PLUGCTL_SPIN_US is read
 * once per process: each case runs in a subprocess of its own. */

static gint
count_polls (GPollFD *fds,
             guint    n_fds,
             gint     timeout)
{
  return g_poll (fds, n_fds, timeout);
}

static GPollFunc
poll_func_after_start (void)
{
  int fds[2];
  g_autoptr(PlugChannel) channel = NULL;

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  channel = plug_channel_new (fds[0]);
  plug_channel_start (channel, on_line, on_closed, on_overflow, NULL);
  plug_channel_close (channel);
  g_close (fds[1], NULL);
  return g_main_context_get_poll_func (g_main_context_default ());
}

static gboolean
has_two_cpus (void)
{
  cpu_set_t cpus;

  return sched_getaffinity (0, sizeof cpus, &cpus) == 0 && CPU_COUNT (&cpus) >= 2;
}

static void
test_spin_on_by_default (void)
{
  if (g_test_subprocess ())
    {
      g_assert_true (poll_func_after_start () != g_poll);
      return;
    }
  if (!has_two_cpus ())
    {
      g_test_skip ("one CPU: the spin is off by design");
      return;
    }
  g_unsetenv ("PLUGCTL_SPIN_US");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_spin_off_when_zero (void)
{
  if (g_test_subprocess ())
    {
      g_assert_true (poll_func_after_start () == g_poll);
      return;
    }
  g_setenv ("PLUGCTL_SPIN_US", "0", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("PLUGCTL_SPIN_US");
  g_test_trap_assert_passed ();
}

static void
test_spin_keeps_application_poll_func (void)
{
  if (g_test_subprocess ())
    {
      g_main_context_set_poll_func (g_main_context_default (), count_polls);
      g_assert_true (poll_func_after_start () == count_polls);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gpointer
echo_lines (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  char buf[4096];
  gssize n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_assert_cmpint (write (fd, buf, n), ==, n);
  return NULL;
}

/* Each line is sent once the previous echo came back: every wait is a
 * spin (or, past it, a blocking poll), and none loses a line. */
static void
test_spin_ping_pong (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GThread) thread = g_thread_new ("echo", echo_lines, GINT_TO_POINTER (f->peer));

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *line = g_strdup_printf ("%u", i);

      g_assert_true (plug_channel_send (f->channel, line, strlen (line), NULL));
      while (f->lines->len <= i)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpstr (g_ptr_array_index (f->lines, i), ==, line);
    }
  shutdown (f->peer, SHUT_RDWR);
  g_thread_join (g_steal_pointer (&thread));
}

static void
on_line_answer_twice (PlugChannel *channel,
                      const char  *line,
                      gsize        length,
                      gpointer     user_data)
{
  Fixture *f = user_data;
  char byte;

  g_assert_true (plug_channel_send (channel, "event", 5, NULL));
  /* corked: nothing has gone out while the line is handled */
  g_assert_cmpint (recv (f->peer, &byte, 1, MSG_PEEK | MSG_DONTWAIT), ==, -1);
  g_assert_cmpint (errno, ==, EAGAIN);
  g_assert_true (plug_channel_send (channel, "response", 8, NULL));
  g_ptr_array_add (f->lines, g_strndup (line, length));
}

/* Sends in a row outside any read: the first goes out at once, the
 * others together, in order, before the context next polls (or once
 * 2 KiB are waiting). */
static void
test_send_burst_goes_out_before_next_poll (Fixture       *f,
                                           gconstpointer  data)
{
  g_autoptr(GString) expected = g_string_new ("m000\n");
  char buf[8192];
  gssize n;

  for (guint i = 0; i < 100; i++)
    {
      char line[8];

      g_snprintf (line, sizeof line, "m%03u", i);
      g_assert_true (plug_channel_send (f->channel, line, 4, NULL));
    }
  n = read (f->peer, buf, sizeof buf);
  g_assert_cmpint (n, ==, 5);
  g_assert_true (memcmp (buf, "m000\n", 5) == 0);

  g_main_context_iteration (NULL, FALSE);
  n = read (f->peer, buf, sizeof buf);
  g_string_truncate (expected, 0);
  for (guint i = 1; i < 100; i++)
    g_string_append_printf (expected, "m%03u\n", i);
  g_assert_cmpint (n, ==, (gssize) expected->len);
  g_assert_true (memcmp (buf, expected->str, expected->len) == 0);
}

/* A long burst does not wait whole: 2 KiB go out as soon as they are made. */
static void
test_send_long_burst_goes_out_in_parts (Fixture       *f,
                                        gconstpointer  data)
{
  char line[100];
  char buf[8192];
  gssize n;

  memset (line, 'x', sizeof line);
  for (guint i = 0; i < 30; i++)
    g_assert_true (plug_channel_send (f->channel, line, sizeof line, NULL));
  /* the first at once, then 21 (2121 bytes) once they passed 2 KiB;
   * the last 8 wait for the next iteration */
  n = recv (f->peer, buf, sizeof buf, MSG_DONTWAIT);
  g_assert_cmpint (n, ==, 22 * (sizeof line + 1));
  g_main_context_iteration (NULL, FALSE);
  n = recv (f->peer, buf, sizeof buf, MSG_DONTWAIT);
  g_assert_cmpint (n, ==, 8 * (sizeof line + 1));
}

/* Closing sends what a burst corked. */
static void
test_send_burst_flushed_by_close (Fixture       *f,
                                  gconstpointer  data)
{
  char buf[64] = { 0, };
  gssize n;

  g_assert_true (plug_channel_send (f->channel, "one", 3, NULL));
  g_assert_true (plug_channel_send (f->channel, "two", 3, NULL));
  g_assert_true (plug_channel_send (f->channel, "three", 5, NULL));
  plug_channel_close (f->channel);
  n = read (f->peer, buf, sizeof buf - 1);
  g_assert_cmpint (n, ==, 14);
  g_assert_cmpstr (buf, ==, "one\ntwo\nthree\n");
}

/* Dropping the last reference closes, as closing does: nothing corked is
 * lost. */
static void
test_send_burst_flushed_by_last_unref (Fixture       *f,
                                       gconstpointer  data)
{
  char buf[64] = { 0, };
  gssize n;

  g_assert_true (plug_channel_send (f->channel, "one", 3, NULL));
  g_assert_true (plug_channel_send (f->channel, "two", 3, NULL));
  g_clear_object (&f->channel);
  n = read (f->peer, buf, sizeof buf - 1);
  g_assert_cmpint (n, ==, 8);
  g_assert_cmpstr (buf, ==, "one\ntwo\n");
}

/* What the callbacks of one read send goes out in one write, in order,
 * once the read is handled. */
static void
test_send_answers_coalesced (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  int fds[2];
  char buf[64] = { 0, };
  gssize n;

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  f->channel = plug_channel_new (fds[0]);
  f->peer = fds[1];
  f->lines = g_ptr_array_new_with_free_func (g_free);
  f->overflows = g_array_new (FALSE, FALSE, sizeof (gsize));
  plug_channel_start (f->channel, on_line_answer_twice, on_closed, on_overflow, f);

  peer_write (f, "request\n");
  while (f->lines->len < 1)
    g_main_context_iteration (NULL, TRUE);
  n = read (f->peer, buf, sizeof buf - 1);
  g_assert_cmpstr (buf, ==, "event\nresponse\n");
  g_assert_cmpint (n, ==, 15);

  fixture_tear_down (f, NULL);
}

static void
on_line_wait_for_answer (PlugChannel *channel,
                         const char  *line,
                         gsize        length,
                         gpointer     user_data)
{
  Fixture *f = user_data;
  char buf[16] = { 0, };
  gssize n;

  g_ptr_array_add (f->lines, g_strndup (line, length));
  if (f->lines->len > 1)
    return;
  g_assert_true (plug_channel_send (channel, "question", 8, NULL));
  /* a loop of its own, as a callback waiting for an answer would run */
  while ((n = recv (f->peer, buf, sizeof buf - 1, MSG_DONTWAIT)) < 0 && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->timed_out);
  g_assert_cmpstr (buf, ==, "question\n");
}

/* Output corked while a line is handled goes out when the callback
 * iterates the main context itself: no deadlock. */
static void
test_send_corked_flushed_by_nested_loop (void)
{
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  int fds[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  f->channel = plug_channel_new (fds[0]);
  f->peer = fds[1];
  f->lines = g_ptr_array_new_with_free_func (g_free);
  f->overflows = g_array_new (FALSE, FALSE, sizeof (gsize));
  plug_channel_start (f->channel, on_line_wait_for_answer, on_closed, on_overflow, f);

  f->timeout_id = g_timeout_add_seconds (10, on_timeout, f);
  peer_write (f, "request\n");
  while (f->lines->len < 1 && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (f->timed_out);
  g_clear_handle_id (&f->timeout_id, g_source_remove);

  fixture_tear_down (f, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/channel/lines/split-across-writes", test_lines_split_across_writes);
  ADD ("/channel/lines/many-per-read", test_lines_many_per_read);
  ADD ("/channel/lines/empty-skipped", test_lines_empty_skipped);
  ADD ("/channel/lines/partial-at-eof", test_lines_partial_at_eof);
  ADD ("/channel/overflow/discards-line-then-continues", test_overflow_discards_line);
  ADD ("/channel/overflow/at-eof", test_overflow_at_eof);
  ADD ("/channel/overflow/bounded-memory", test_overflow_bounded_memory);
  ADD ("/channel/send/backpressure-keeps-order", test_send_backpressure_keeps_order);
  ADD ("/channel/send/message-appends-newline", test_send_message_appends_newline);
  ADD ("/channel/send/burst-goes-out-before-next-poll", test_send_burst_goes_out_before_next_poll);
  ADD ("/channel/send/long-burst-goes-out-in-parts", test_send_long_burst_goes_out_in_parts);
  ADD ("/channel/send/burst-flushed-by-close", test_send_burst_flushed_by_close);
  ADD ("/channel/send/burst-flushed-by-last-unref", test_send_burst_flushed_by_last_unref);
  ADD ("/channel/closed/peer-close-reported-once", test_closed_peer_close_once);
  ADD ("/channel/closed/send-to-gone-peer", test_closed_send_to_gone_peer);
  ADD ("/channel/closed/not-reported-after-close", test_closed_not_reported_after_close);
  ADD ("/channel/close-inside-callback", test_close_inside_callback);
  ADD ("/channel/flush/blocks-until-written", test_flush_blocks_until_written);

  ADD ("/channel/spin/ping-pong", test_spin_ping_pong);
  g_test_add_func ("/channel/send/answers-coalesced", test_send_answers_coalesced);
  g_test_add_func ("/channel/send/corked-flushed-by-nested-loop", test_send_corked_flushed_by_nested_loop);
  g_test_add_func ("/channel/spin/on-by-default", test_spin_on_by_default);
  g_test_add_func ("/channel/spin/off-when-zero", test_spin_off_when_zero);
  g_test_add_func ("/channel/spin/keeps-application-poll-func", test_spin_keeps_application_poll_func);

#undef ADD

  return g_test_run ();
}
