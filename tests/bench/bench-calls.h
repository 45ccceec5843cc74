/* bench-calls.h: what bench-calls.c shares with its other files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <plugctl.h>

#include "bench-util.h"

G_BEGIN_DECLS

#define BENCH_DEPTH 256

/* Sequential 16 B and 64 KiB echo calls and activations of @profile,
 * BENCH_DEPTH in flight on @deep_profile (the same at that concurrency):
 * "<prefix>.16.*", "<prefix>.64k.*", "activation.<prefix>",
 * "<prefix>.flight256.rate". */
void bench_calls_measure_plugin (PlugProfile *profile,
                                 PlugProfile *deep_profile,
                                 const char  *prefix);

/* The websocket and socketio connectors against the Node peers of
 * tests/network: "ws.*", "sio.*". */
void bench_calls_group_network  (void);

/* One in-process emitter, 100 child-process listeners (bench-listener):
 * "events.child.emits", "events.child.deliveries". */
void bench_calls_group_events_child (const BenchLength *length);

G_END_DECLS
