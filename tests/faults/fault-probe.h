/* fault-probe.h: what the fault tests share: the engine's latency to a
 * well-behaved plugin while another misbehaves, and the log they keep
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "test-util.h"

G_BEGIN_DECLS

/* The bound on the probe's median latency (ms): generous, for a loaded
 * CI machine; ten times more under valgrind. */
#define FAULT_PROBE_P50_BOUND_MS 50
/* Answers the probe collects at least, fault or not. */
#define FAULT_PROBE_MIN_SAMPLES  20

/* Echo calls to one plugin, one after the other, for as long as it runs. */
typedef struct _FaultProbe FaultProbe;

FaultProbe  *fault_probe_start       (PlugEngine  *engine,
                                      const char  *target);
/* Stops sending once FAULT_PROBE_MIN_SAMPLES answers arrived, waits for
 * the last one, prints the figures (naming @what) and asserts that every
 * echo succeeded and the median is within the bound. */
void         fault_probe_finish      (FaultProbe  *probe,
                                      const char  *what);

/* Warnings are recorded (not fatal), and what plugins write is counted
 * rather than printed: a fault test makes megabytes of both. */
void         fault_log_init          (void);
guint        fault_log_count_warnings (const char *needle);
/* Lines logged by plugins (domain "plugctl-plugin") containing @needle. */
guint        fault_log_count_plugin_lines (const char *needle);

/* A fresh copy of tests/faults/plugins/<name>.json from the build dir. */
PlugProfile *fault_load_profile      (const char  *name);
/* @profile with the members of @json_members (a JSON object) set. */
PlugProfile *fault_profile_with      (PlugProfile *profile,
                                      const char  *json_members);

/* Runs the main context for @ms, whatever happens (to see that nothing
 * more arrives). */
void         fault_spin              (guint        ms);

G_END_DECLS
