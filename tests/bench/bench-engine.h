/* bench-engine.h: engines, plugins and profiles of the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <plugctl.h>

#include "bench-util.h"

G_BEGIN_DECLS

/* The in-process plugin every benchmark calls from. */
#define BENCH_CALLER "bench"

gboolean     bench_engine_activate       (PlugEngine      *engine,
                                          const char      *name,
                                          GError         **error);
/* Deactivates @name when active; warns when that fails. */
void         bench_engine_deactivate     (PlugEngine      *engine,
                                          const char      *name);

/* Registers and activates the in-process plugin @name, with @method as
 * its "echo" when not NULL, at @concurrency; aborts on failure. */
void         bench_engine_add_in_process (PlugEngine      *engine,
                                          const char      *name,
                                          PlugMethodFunc   method,
                                          guint            concurrency);
/* A new engine with BENCH_CALLER registered and active. */
PlugEngine  *bench_engine_new            (void);
/* A new engine with BENCH_CALLER and @profile registered, @profile
 * active; NULL, and a note on stderr from @program, when that fails. */
PlugEngine  *bench_engine_with_profile   (const char      *program,
                                          PlugProfile     *profile);

/* A copy of the manifest @name of $PLUGCTL_PLUGINS_BUILDDIR or the
 * search path, with @connector and @concurrency when given (not NULL,
 * > 0); NULL when there is no such manifest. */
PlugProfile *bench_profile_for           (const char      *name,
                                          const char      *connector,
                                          guint            concurrency);

/* Calls of @method of @plugin from BENCH_CALLER through @engine. */
typedef struct
{
  BenchCalls  calls;
  PlugEngine *engine;
  const char *plugin;
  const char *method;
  JsonArray  *args;
  /* The answer must be a string as long as this one (equal to it when
   * short); NULL: any answer. */
  char       *expected;
  gsize       expected_len;
} BenchEngineCalls;

/* Takes @args; the answer must be @expected when not NULL. */
void         bench_engine_calls_init     (BenchEngineCalls  *calls,
                                          const BenchLength *length,
                                          PlugEngine        *engine,
                                          const char        *plugin,
                                          const char        *method,
                                          JsonArray         *args,
                                          const char        *expected);
/* echo(@payload_len bytes) of @plugin, its answer checked. */
void         bench_engine_calls_init_echo (BenchEngineCalls  *calls,
                                           const BenchLength *length,
                                           PlugEngine        *engine,
                                           const char        *plugin,
                                           gsize              payload_len);
void         bench_engine_calls_clear    (BenchEngineCalls  *calls);

#define BENCH_WARMUP_CALLS 200

/* echo(@payload_len bytes) of @plugin one after another:
 * "<id>.p50", ".p99", ".rate". */
void         bench_measure_echo          (PlugEngine        *engine,
                                          const char        *plugin,
                                          gsize              payload_len,
                                          const BenchLength *length,
                                          const char        *id);
/* The same with @depth calls in flight: "<id>.rate". */
void         bench_measure_echo_in_flight (PlugEngine        *engine,
                                           const char        *plugin,
                                           gsize              payload_len,
                                           guint              depth,
                                           const BenchLength *length,
                                           const char        *id);
/* Deactivation, then activation until the first answered echo, 10 times
 * (fewer with --iterations): "<id>", the median in ms. */
void         bench_measure_activation    (PlugEngine        *engine,
                                          const char        *plugin,
                                          const BenchLength *length,
                                          const char        *id);

G_END_DECLS
