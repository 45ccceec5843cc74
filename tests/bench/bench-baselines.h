/* bench-baselines.h: what the machine does without plugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "bench-util.h"

G_BEGIN_DECLS

/* The request line the engine would write for echo(<payload_len bytes>). */
char *bench_wire_request         (gsize              payload_len);

/* A function call the compiler cannot inline: "direct.call" (µs). */
void  bench_direct_call          (const BenchLength *length);
/* Ping-pong of @line over a socketpair with a forked child that echoes
 * lines, each side trying to read without blocking for up to @spin_ns
 * before it blocks: "<id>.p50/.p99/.rate", and "<id>.cpu", the CPU time
 * of both sides per round trip (µs). */
void  bench_raw_pingpong         (const BenchLength *length,
                                  const char        *line,
                                  guint64            spin_ns,
                                  const char        *id);
/* The same with @depth lines in flight: "<id>.rate". */
void  bench_raw_pipelined        (const BenchLength *length,
                                  const char        *line,
                                  guint              depth,
                                  const char        *id);
/* A pointer to a thread and back through two GAsyncQueues:
 * "gasyncqueue.p50/.p99/.rate". */
void  bench_gasyncqueue_pingpong (const BenchLength *length);
/* g_signal_emit() to @n_handlers handlers: "gsignal.emits",
 * "gsignal.deliveries". */
void  bench_gsignal_fanout       (const BenchLength *length,
                                  guint              n_handlers);
/* posix_spawn of /bin/true and waitpid: "spawn.true" (ms). */
void  bench_spawn_true           (const BenchLength *length);

G_END_DECLS
