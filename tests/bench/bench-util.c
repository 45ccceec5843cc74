/* bench-util.c: clock, samples, run length and results of the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "bench-util.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <json-glib/json-glib.h>

/* Timer */

void
bench_timer_init (BenchTimer        *timer,
                  const BenchLength *length)
{
  memset (timer, 0, sizeof *timer);
  timer->length = length;
  timer->latencies_ns = g_array_sized_new (FALSE, FALSE, sizeof (guint64), 1 << 16);
}

void
bench_timer_start (BenchTimer *timer)
{
  g_array_set_size (timer->latencies_ns, 0);
  timer->done = 0;
  timer->checks = 0;
  timer->end_ns = 0;
  timer->start_ns = bench_now_ns ();
}

gboolean
bench_timer_more (BenchTimer *timer)
{
  const BenchLength *length = timer->length;

  if (length->iterations > 0)
    return timer->done < length->iterations;

  /* Reading the clock costs ~20 ns: look at it every 64th time only. */
  if ((timer->checks++ & 63) != 0)
    return TRUE;
  return bench_now_ns () - timer->start_ns < (guint64) (length->duration_s * 1e9);
}

void
bench_timer_add_latency (BenchTimer *timer,
                         guint64     ns)
{
  g_array_append_val (timer->latencies_ns, ns);
}

void
bench_timer_stop (BenchTimer *timer)
{
  timer->end_ns = bench_now_ns ();
}

void
bench_timer_clear (BenchTimer *timer)
{
  g_clear_pointer (&timer->latencies_ns, g_array_unref);
}

static int
compare_u64 (const void *a,
             const void *b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

double
bench_timer_percentile_us (BenchTimer *timer,
                           double      percentile)
{
  GArray *samples = timer->latencies_ns;
  gsize index;

  if (samples->len == 0)
    return NAN;
  qsort (samples->data, samples->len, sizeof (guint64), compare_u64);
  index = (gsize) (percentile / 100.0 * (samples->len - 1) + 0.5);
  return g_array_index (samples, guint64, index) / 1e3;
}

double
bench_timer_rate (BenchTimer *timer)
{
  guint64 elapsed = timer->end_ns - timer->start_ns;

  return elapsed > 0 ? timer->done / (elapsed / 1e9) : NAN;
}

/* Calls */

void
bench_calls_init (BenchCalls        *calls,
                  const BenchLength *length,
                  BenchCallStart     start,
                  BenchCallFinish    finish)
{
  memset (calls, 0, sizeof *calls);
  calls->start = start;
  calls->finish = finish;
  bench_timer_init (&calls->timer, length);
}

void
bench_calls_clear (BenchCalls *calls)
{
  bench_timer_clear (&calls->timer);
}

static void
on_call_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  BenchCalls *calls = user_data;

  calls->finish (calls, result);
  calls->done = TRUE;
}

void
bench_calls_once (BenchCalls *calls)
{
  calls->done = FALSE;
  calls->start (calls, on_call_done);
  while (!calls->done)
    g_main_context_iteration (NULL, TRUE);
}

void
bench_calls_sequential (BenchCalls *calls,
                        guint       warmup,
                        const char *id)
{
  BenchTimer *timer = &calls->timer;

  for (guint i = 0; i < warmup; i++)
    bench_calls_once (calls);

  bench_timer_start (timer);
  while (bench_timer_more (timer))
    {
      guint64 t0 = bench_now_ns ();

      bench_calls_once (calls);
      bench_timer_add_latency (timer, bench_now_ns () - t0);
      timer->done++;
    }
  bench_timer_stop (timer);
  bench_record_timer (id, timer);
}

static void on_flight_done (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data);

static void
start_flight_call (BenchCalls *calls)
{
  calls->outstanding++;
  calls->start (calls, on_flight_done);
}

static void
on_flight_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  BenchCalls *calls = user_data;

  calls->finish (calls, result);
  calls->outstanding--;
  calls->timer.done++;
  calls->sending = calls->sending && bench_timer_more (&calls->timer);
  if (calls->sending)
    start_flight_call (calls);
}

void
bench_calls_in_flight (BenchCalls *calls,
                       guint       warmup,
                       guint       depth,
                       const char *id)
{
  g_autofree char *rate_id = g_strconcat (id, ".rate", NULL);

  for (guint i = 0; i < warmup; i++)
    bench_calls_once (calls);

  calls->sending = TRUE;
  bench_timer_start (&calls->timer);
  for (guint i = 0; i < depth; i++)
    start_flight_call (calls);
  while (calls->outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  bench_timer_stop (&calls->timer);
  bench_record (rate_id, bench_timer_rate (&calls->timer));
}

static guint64
timeval_ns (const struct timeval *tv)
{
  return (guint64) tv->tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) tv->tv_usec * 1000;
}

guint64
bench_cpu_ns (void)
{
  struct rusage self, children;

  if (getrusage (RUSAGE_SELF, &self) != 0 || getrusage (RUSAGE_CHILDREN, &children) != 0)
    g_error ("getrusage: %s", g_strerror (errno));
  return timeval_ns (&self.ru_utime) + timeval_ns (&self.ru_stime) +
         timeval_ns (&children.ru_utime) + timeval_ns (&children.ru_stime);
}

/* Measurements: id → GArray of doubles, one per run */

static GHashTable *
measurements (void)
{
  static GHashTable *table;

  if (table == NULL)
    table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_array_unref);
  return table;
}

void
bench_record (const char *id,
              double      value)
{
  GArray *values = g_hash_table_lookup (measurements (), id);

  if (values == NULL)
    {
      values = g_array_new (FALSE, FALSE, sizeof (double));
      g_hash_table_insert (measurements (), g_strdup (id), values);
    }
  g_array_append_val (values, value);
}

void
bench_record_timer (const char *prefix,
                    BenchTimer *timer)
{
  g_autofree char *p50 = g_strconcat (prefix, ".p50", NULL);
  g_autofree char *p99 = g_strconcat (prefix, ".p99", NULL);
  g_autofree char *rate = g_strconcat (prefix, ".rate", NULL);

  bench_record (rate, bench_timer_rate (timer));
  if (timer->latencies_ns->len == 0)
    return;
  bench_record (p50, bench_timer_percentile_us (timer, 50));
  bench_record (p99, bench_timer_percentile_us (timer, 99));
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

double
bench_median (const char *id)
{
  GArray *values;
  g_autofree double *sorted = NULL;
  guint n;

  if (id == NULL || (values = g_hash_table_lookup (measurements (), id)) == NULL)
    return NAN;
  n = values->len;
  sorted = g_memdup2 (values->data, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_double);
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Output */

static void
format_value (char   *buffer,
              gsize   size,
              double  value)
{
  if (isnan (value))
    g_strlcpy (buffer, "—", size);
  else if (value >= 1e6)
    g_snprintf (buffer, size, "%.2f M", value / 1e6);
  else if (value >= 1e4)
    g_snprintf (buffer, size, "%.1f k", value / 1e3);
  else if (value >= 100)
    g_snprintf (buffer, size, "%.0f", value);
  else if (value >= 1)
    g_snprintf (buffer, size, "%.2f", value);
  else
    g_snprintf (buffer, size, "%.4f", value);
}

static void
format_ratio (char   *buffer,
              gsize   size,
              double  a,
              double  b)
{
  if (isnan (a) || isnan (b) || b == 0)
    g_strlcpy (buffer, "—", size);
  else
    g_snprintf (buffer, size, "%.2f×", a / b);
}

/* printf's widths count bytes: pad by characters for "µs" and "→". */
static void
print_cell (const char *text,
            int         width,
            gboolean    right)
{
  int pad = MAX (0, width - (int) g_utf8_strlen (text, -1));

  printf ("%*s%s%*s ", right ? pad : 0, "", text, right ? 0 : pad, "");
}

void
bench_print_table (const BenchRow *rows,
                   gsize           n_rows,
                   const char     *title)
{
  printf ("\n%s\n", title);
  print_cell ("figure", 44, FALSE);
  print_cell ("unit", 8, FALSE);
  print_cell ("plugctl", 10, TRUE);
  print_cell ("baseline", 10, TRUE);
  print_cell ("ratio", 9, TRUE);
  printf (" baseline is\n");
  for (gsize i = 0; i < n_rows; i++)
    {
      double plugctl = bench_median (rows[i].plugctl_id);
      double baseline = bench_median (rows[i].baseline_id);
      char a[32], b[32], r[32];

      format_value (a, sizeof a, plugctl);
      format_value (b, sizeof b, baseline);
      format_ratio (r, sizeof r, plugctl, baseline);
      print_cell (rows[i].label, 44, FALSE);
      print_cell (rows[i].unit, 8, FALSE);
      print_cell (a, 10, TRUE);
      print_cell (b, 10, TRUE);
      print_cell (r, 9, TRUE);
      printf (" %s\n", rows[i].baseline_label != NULL ? rows[i].baseline_label : "");
    }
}

static void
add_number_or_null (JsonBuilder *builder,
                    const char  *member,
                    double       value)
{
  json_builder_set_member_name (builder, member);
  if (isnan (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *member,
                    const char  *value)
{
  json_builder_set_member_name (builder, member);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

static void
add_row (JsonBuilder    *builder,
         const BenchRow *row)
{
  json_builder_begin_object (builder);
  add_string_or_null (builder, "label", row->label);
  add_string_or_null (builder, "unit", row->unit);
  add_string_or_null (builder, "baseline_label", row->baseline_label);
  add_string_or_null (builder, "remix_id", row->remix_id);
  add_string_or_null (builder, "target", row->target);
  add_number_or_null (builder, "plugctl", bench_median (row->plugctl_id));
  add_number_or_null (builder, "baseline", bench_median (row->baseline_id));
  json_builder_end_object (builder);
}

void
bench_print_json (const BenchRow *rows,
                  gsize           n_rows,
                  const char     *placement)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GList) ids = NULL;

  json_builder_begin_object (builder);
  add_string_or_null (builder, "placement", placement);
  json_builder_set_member_name (builder, "rows");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n_rows; i++)
    add_row (builder, &rows[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "measurements");
  json_builder_begin_object (builder);
  ids = g_list_sort (g_hash_table_get_keys (measurements ()), (GCompareFunc) strcmp);
  for (GList *l = ids; l != NULL; l = l->next)
    add_number_or_null (builder, l->data, bench_median (l->data));
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

/* System */

int
bench_pin_to_one_cpu (void)
{
  cpu_set_t set;
  int cpu = 0;

  if (sched_getaffinity (0, sizeof set, &set) == 0)
    while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET (cpu, &set))
      cpu++;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    g_error ("sched_setaffinity: %s", g_strerror (errno));
  return cpu;
}

gint64
bench_read_rss_kib (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, "\nVmRSS:");
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (const gboolean *flag,
            gpointer const *pointer,
            guint           timeout_ms,
            const char     *what)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout;

#define DONE() (flag != NULL ? *flag : *pointer != NULL)
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_wait_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!DONE () && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  if (!DONE ())
    g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
#undef DONE
}

void
bench_wait_flag (const gboolean *done,
                 guint           timeout_ms,
                 const char     *what)
{
  wait_until (done, NULL, timeout_ms, what);
}

void
bench_wait_pointer (gpointer const *slot,
                    guint           timeout_ms,
                    const char     *what)
{
  wait_until (NULL, slot, timeout_ms, what);
}
