/* bench-baselines.c: what the machine does without plugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "bench-baselines.h"

#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-object.h>

extern char **environ;

#define WARMUP 200

char *
bench_wire_request (gsize payload_len)
{
  g_autofree char *payload = g_strnfill (payload_len, 'x');

  return g_strdup_printf ("{\"id\":12345,\"action\":\"request\",\"key\":\"echo\","
                          "\"payload\":[\"%s\"],\"requestInfo\":{\"from\":\"bench\","
                          "\"path\":\"echo\"},\"name\":\"echo\"}\n", payload);
}

/* Direct call */

G_GNUC_NO_INLINE static gpointer
direct_echo (gpointer value)
{
  __asm__ volatile ("" : : "r" (value) : "memory");
  return value;
}

void
bench_direct_call (const BenchLength *length)
{
  gpointer (*volatile func) (gpointer) = direct_echo;
  BenchTimer timer;
  const guint batch = 1000;

  bench_timer_init (&timer, length);
  bench_timer_start (&timer);
  /* done counts batches so that --iterations stays meaningful. */
  while (bench_timer_more (&timer))
    {
      for (guint i = 0; i < batch; i++)
        func (&timer);
      timer.done++;
    }
  bench_timer_stop (&timer);
  bench_record ("direct.call", (timer.end_ns - timer.start_ns) / 1e3 / (timer.done * (double) batch));
  bench_timer_clear (&timer);
}

/* Raw socketpair */

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("write: %s", g_strerror (errno));
      data += n;
      len -= n;
    }
}

/* read(), after trying for up to @spin_ns without blocking. */
static gssize
read_spinning (int      fd,
               char    *buffer,
               gsize    len,
               guint64  spin_ns)
{
  if (spin_ns > 0)
    {
      guint64 until = bench_now_ns () + spin_ns;

      do
        {
          gssize n = recv (fd, buffer, len, MSG_DONTWAIT);

          if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return n;
          /* The peer may be waiting for this CPU. */
          sched_yield ();
        }
      while (bench_now_ns () < until);
    }
  return read (fd, buffer, len);
}

G_GNUC_NORETURN static void
echo_lines_child (int     fd,
                  guint64 spin_ns)
{
  gsize size = 1 << 20, used = 0;
  char *buffer = g_malloc (size);

  for (;;)
    {
      gssize n = read_spinning (fd, buffer + used, size - used, spin_ns);
      char *end;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (0);
      used += n;
      end = memrchr (buffer, '\n', used);
      if (end == NULL)
        continue;
      end++;
      write_all (fd, buffer, end - buffer);
      memmove (buffer, end, used - (end - buffer));
      used -= end - buffer;
    }
}

static pid_t
fork_echo_child (guint64  spin_ns,
                 int     *fd_out)
{
  int fds[2];
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    g_error ("socketpair: %s", g_strerror (errno));
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      close (fds[0]);
      echo_lines_child (fds[1], spin_ns);
    }
  close (fds[1]);
  *fd_out = fds[0];
  return pid;
}

static void
reap_echo_child (int   fd,
                 pid_t pid)
{
  close (fd);
  waitpid (pid, NULL, 0);
}

static void
read_bytes (int      fd,
            char    *buffer,
            gsize    len,
            guint64  spin_ns)
{
  while (len > 0)
    {
      gssize n = read_spinning (fd, buffer, len, spin_ns);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("read: %s", n == 0 ? "end of file" : g_strerror (errno));
      buffer += n;
      len -= n;
    }
}

static void
ping_pong_once (int         fd,
                const char *line,
                gsize       len,
                char       *buffer,
                guint64     spin_ns)
{
  write_all (fd, line, len);
  read_bytes (fd, buffer, len, spin_ns);
}

void
bench_raw_pingpong (const BenchLength *length,
                    const char        *line,
                    guint64            spin_ns,
                    const char        *id)
{
  gsize len = strlen (line);
  g_autofree char *buffer = g_malloc (len);
  g_autofree char *cpu_id = g_strconcat (id, ".cpu", NULL);
  guint64 cpu0 = bench_cpu_ns ();
  BenchTimer timer;
  int fd;
  pid_t pid = fork_echo_child (spin_ns, &fd);

  bench_timer_init (&timer, length);
  for (guint i = 0; i < WARMUP; i++)
    ping_pong_once (fd, line, len, buffer, spin_ns);

  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      guint64 t0 = bench_now_ns ();

      ping_pong_once (fd, line, len, buffer, spin_ns);
      bench_timer_add_latency (&timer, bench_now_ns () - t0);
      timer.done++;
    }
  bench_timer_stop (&timer);
  reap_echo_child (fd, pid);
  /* The child's CPU time counts once it is reaped. */
  bench_record (cpu_id, (bench_cpu_ns () - cpu0) / 1e3 / (WARMUP + timer.done));
  bench_record_timer (id, &timer);
  bench_timer_clear (&timer);
}

void
bench_raw_pipelined (const BenchLength *length,
                     const char        *line,
                     guint              depth,
                     const char        *id)
{
  gsize len = strlen (line);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autofree char *buffer = g_malloc (65536);
  g_autofree char *rate_id = g_strconcat (id, ".rate", NULL);
  guint64 received = 0, sent = 0;
  gboolean sending = TRUE;
  BenchTimer timer;
  int fd;
  pid_t pid = fork_echo_child (0, &fd);

  for (guint i = 0; i < depth; i++)
    g_string_append (lines, line);

  bench_timer_init (&timer, length);
  bench_timer_start (&timer);
  write_all (fd, lines->str, lines->len);
  sent = depth;
  while (timer.done < sent)
    {
      gssize n = read (fd, buffer, 65536);
      guint64 completed;

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("read: %s", g_strerror (errno));
      received += n;
      completed = received / len - timer.done;
      timer.done += completed;
      sending = sending && bench_timer_more (&timer);
      if (sending && completed > 0)
        {
          write_all (fd, lines->str, completed * len);
          sent += completed;
        }
    }
  bench_timer_stop (&timer);
  bench_record (rate_id, bench_timer_rate (&timer));
  bench_timer_clear (&timer);
  reap_echo_child (fd, pid);
}

/* GAsyncQueue */

typedef struct
{
  GAsyncQueue *to_thread;
  GAsyncQueue *to_main;
} QueuePair;

static gpointer
queue_echo_thread (gpointer data)
{
  QueuePair *pair = data;
  gpointer item;

  while ((item = g_async_queue_pop (pair->to_thread)) != pair)
    g_async_queue_push (pair->to_main, item);
  return NULL;
}

void
bench_gasyncqueue_pingpong (const BenchLength *length)
{
  QueuePair pair = { g_async_queue_new (), g_async_queue_new () };
  GThread *thread = g_thread_new ("bench-queue", queue_echo_thread, &pair);
  BenchTimer timer;
  int token = 0;

  bench_timer_init (&timer, length);
  for (guint i = 0; i < WARMUP; i++)
    {
      g_async_queue_push (pair.to_thread, &token);
      g_async_queue_pop (pair.to_main);
    }
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      guint64 t0 = bench_now_ns ();

      g_async_queue_push (pair.to_thread, &token);
      g_async_queue_pop (pair.to_main);
      bench_timer_add_latency (&timer, bench_now_ns () - t0);
      timer.done++;
    }
  bench_timer_stop (&timer);
  bench_record_timer ("gasyncqueue", &timer);
  bench_timer_clear (&timer);

  g_async_queue_push (pair.to_thread, &pair);
  g_thread_join (thread);
  g_async_queue_unref (pair.to_thread);
  g_async_queue_unref (pair.to_main);
}

/* GSignal fan-out */

#define BENCH_TYPE_EMITTER (bench_emitter_get_type ())
G_DECLARE_FINAL_TYPE (BenchEmitter, bench_emitter, BENCH, EMITTER, GObject)

struct _BenchEmitter
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (BenchEmitter, bench_emitter, G_TYPE_OBJECT)

static guint tick_signal;

static void
bench_emitter_class_init (BenchEmitterClass *klass)
{
  tick_signal = g_signal_new ("tick", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
bench_emitter_init (BenchEmitter *self)
{
}

static void
on_tick (BenchEmitter *emitter,
         gpointer      args,
         guint64      *deliveries)
{
  (*deliveries)++;
}

void
bench_gsignal_fanout (const BenchLength *length,
                      guint              n_handlers)
{
  g_autoptr(BenchEmitter) emitter = g_object_new (BENCH_TYPE_EMITTER, NULL);
  guint64 deliveries = 0;
  BenchTimer timer;

  for (guint i = 0; i < n_handlers; i++)
    g_signal_connect (emitter, "tick", G_CALLBACK (on_tick), &deliveries);

  bench_timer_init (&timer, length);
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      g_signal_emit (emitter, tick_signal, 0, NULL);
      timer.done++;
    }
  bench_timer_stop (&timer);
  g_assert_cmpuint (deliveries, ==, timer.done * n_handlers);
  bench_record ("gsignal.emits", bench_timer_rate (&timer));
  bench_record ("gsignal.deliveries", bench_timer_rate (&timer) * n_handlers);
  bench_timer_clear (&timer);
}

/* Spawning */

void
bench_spawn_true (const BenchLength *length)
{
  char *argv[] = { (char *) "true", NULL };
  BenchLength short_length = *length;
  BenchTimer timer;

  /* Processes are slow: a tenth of the run length is plenty. */
  short_length.duration_s = length->duration_s / 10;
  bench_timer_init (&timer, &short_length);
  bench_timer_start (&timer);
  while (bench_timer_more (&timer))
    {
      guint64 t0 = bench_now_ns ();
      pid_t pid;

      if (posix_spawnp (&pid, "true", NULL, NULL, argv, environ) != 0)
        g_error ("posix_spawnp true failed");
      waitpid (pid, NULL, 0);
      bench_timer_add_latency (&timer, bench_now_ns () - t0);
      timer.done++;
    }
  bench_timer_stop (&timer);
  bench_record ("spawn.true", bench_timer_percentile_us (&timer, 50) / 1e3);
  bench_timer_clear (&timer);
}
