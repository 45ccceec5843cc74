/* bench-util.h: clock, samples, run length and results of the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <time.h>

#include <gio/gio.h>

G_BEGIN_DECLS

static inline guint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec;
}

/* How long one figure runs: @iterations when > 0, else @duration_s. */
typedef struct
{
  double duration_s;
  guint  iterations;
  guint  runs;
} BenchLength;

/* One timed stretch of work: latencies (when recorded) and the count. */
typedef struct
{
  const BenchLength *length;
  GArray            *latencies_ns;  /* guint64 */
  guint64            start_ns;
  guint64            end_ns;
  guint64            done;
  guint64            checks;
} BenchTimer;

void     bench_timer_init        (BenchTimer        *timer,
                                  const BenchLength *length);
/* Starts the clock (after the warm-up). */
void     bench_timer_start       (BenchTimer        *timer);
/* TRUE while the figure should go on; @done units of work are finished. */
gboolean bench_timer_more        (BenchTimer        *timer);
void     bench_timer_add_latency (BenchTimer        *timer,
                                  guint64            ns);
void     bench_timer_stop        (BenchTimer        *timer);
void     bench_timer_clear       (BenchTimer        *timer);

/* Percentile (0–100) of the latencies, in µs; sorts them. */
double   bench_timer_percentile_us (BenchTimer      *timer,
                                    double           percentile);
/* Units of work per second. */
double   bench_timer_rate        (BenchTimer        *timer);

/* Calls through something asynchronous (an engine, a D-Bus connection),
 * one after another or many in flight. Embed it first in a struct that
 * knows the target, and cast. */
typedef struct _BenchCalls BenchCalls;

/* Starts one call; its completion runs @callback with @calls as user data. */
typedef void (*BenchCallStart)  (BenchCalls          *calls,
                                 GAsyncReadyCallback  callback);
/* Checks the answer of one call; aborts when it is not the expected one. */
typedef void (*BenchCallFinish) (BenchCalls          *calls,
                                 GAsyncResult        *result);

struct _BenchCalls
{
  BenchCallStart  start;
  BenchCallFinish finish;
  BenchTimer      timer;
  guint           outstanding;
  gboolean        done;
  gboolean        sending;
};

void     bench_calls_init        (BenchCalls        *calls,
                                  const BenchLength *length,
                                  BenchCallStart     start,
                                  BenchCallFinish    finish);
void     bench_calls_clear       (BenchCalls        *calls);
/* One call, waited for on the thread-default main context. */
void     bench_calls_once        (BenchCalls        *calls);
/* @warmup calls, then p50, p99 and the rate of calls one after another:
 * "<id>.p50", ".p99", ".rate". */
void     bench_calls_sequential  (BenchCalls        *calls,
                                  guint              warmup,
                                  const char        *id);
/* @warmup calls, then calls/s with @depth calls in flight: "<id>.rate". */
void     bench_calls_in_flight   (BenchCalls        *calls,
                                  guint              warmup,
                                  guint              depth,
                                  const char        *id);

/* CPU time (user + system) used so far by this process, all its threads,
 * and its children that have been waited for, in ns (getrusage). */
guint64  bench_cpu_ns            (void);

/* Records @value of measurement @id for the current run; the report takes
 * the median over runs. */
void     bench_record            (const char        *id,
                                  double             value);
/* Records p50 and p99 (µs) and the rate of @timer as @prefix.p50, .p99,
 * .rate. */
void     bench_record_timer      (const char        *prefix,
                                  BenchTimer        *timer);
/* The median over runs, or NAN when never recorded. */
double   bench_median            (const char        *id);

/* A row of the table: @plugctl_id against @baseline_id (either may be
 * NULL), and the Remix measurement it compares with. */
typedef struct
{
  const char *label;
  const char *unit;
  const char *plugctl_id;
  const char *baseline_id;
  const char *baseline_label;
  const char *remix_id;
  const char *target;
} BenchRow;

void     bench_print_table       (const BenchRow    *rows,
                                  gsize              n_rows,
                                  const char        *title);
/* One JSON object: placement, rows with their medians, and every
 * measurement. */
void     bench_print_json        (const BenchRow    *rows,
                                  gsize              n_rows,
                                  const char        *placement);

/* Binds this process, and the processes and threads it starts later, to
 * the first CPU it may run on; returns that CPU. */
int      bench_pin_to_one_cpu    (void);

/* The resident set size of @pid in KiB (VmRSS), or -1. */
gint64   bench_read_rss_kib      (int                pid);

/* Runs the thread-default main context until *@done, or aborts after
 * @timeout_ms naming @what. */
void     bench_wait_flag         (const gboolean    *done,
                                  guint              timeout_ms,
                                  const char        *what);

/* The same, until *@slot is not NULL. */
void     bench_wait_pointer      (gpointer const    *slot,
                                  guint              timeout_ms,
                                  const char        *what);

G_END_DECLS
