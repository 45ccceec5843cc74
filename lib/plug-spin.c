/* plug-spin.c: a short, bounded spin before the main loop blocks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why: on a VM, a process that blocks lets its vCPU go idle, and waking
 * an idle vCPU costs ~50 µs — more than a whole call through plugctl.
 * Node hides it because its event loop keeps CPUs busy. So, while
 * messages flow (one came or went less than HOT_WINDOW_US ago), the main
 * context's poll first polls without blocking, yielding the CPU between
 * tries, for up to a budget, and only then blocks. An idle loop never
 * spins: the window closes HOT_WINDOW_US after the last message. The
 * budget adapts between 0 and the limit ($PLUGCTL_SPIN_US, default
 * PLUG_SPIN_DEFAULT_US; 0 turns it off): a spin that caught nothing
 * doubles it when the event came within the same time again (answers a
 * little slower than the budget: big messages), and halves it otherwise
 * (idle, a slow peer); at zero, one poll in PROBE_EVERY tries the limit
 * again. With one CPU to run on, a spin only delays the peer: off.
 */
#include "config.h"

#include <sched.h>
#include <stdatomic.h>

#include "plug-spin.h"

#define HOT_WINDOW_US 2000
#define PROBE_EVERY 32

static guint spin_limit_us;
static gint spin_budget_us;
static guint cold_polls;
static _Atomic gint64 last_activity_us;

static guint
read_limit (void)
{
  const char *env = g_getenv ("PLUGCTL_SPIN_US");
  cpu_set_t cpus;
  guint64 value;

  if (sched_getaffinity (0, sizeof cpus, &cpus) == 0 && CPU_COUNT (&cpus) < 2)
    return 0;
  if (env == NULL || !g_ascii_string_to_unsigned (env, 10, 0, 100000, &value, NULL))
    return PLUG_SPIN_DEFAULT_US;
  return (guint) value;
}

guint
plug_spin_get_limit (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      spin_limit_us = read_limit ();
      g_atomic_int_set (&spin_budget_us, MIN ((gint) spin_limit_us, PLUG_SPIN_START_US));
      g_once_init_leave (&initialized, 1);
    }
  return spin_limit_us;
}

void
plug_spin_note_activity (void)
{
  if (spin_limit_us > 0)
    atomic_store_explicit (&last_activity_us, g_get_monotonic_time (), memory_order_relaxed);
}

static gboolean
is_hot (gint64 now)
{
  gint64 last = atomic_load_explicit (&last_activity_us, memory_order_relaxed);

  return now - last < HOT_WINDOW_US;
}

/* After a spin of @budget that caught nothing: the event came @waited µs
 * later. Soon (a slow answer, a big message): spin longer next time, up
 * to the limit. Late, or nothing (idle, a slow peer): spin less. */
static gint
adapt_budget (gint   budget,
              gint   ready,
              gint64 waited)
{
  if (ready > 0 && waited < budget)
    return MIN (budget * 2, (gint) spin_limit_us);
  return budget / 2 >= 2 ? budget / 2 : 0;
}

static gint
budget_for_this_poll (void)
{
  gint budget = g_atomic_int_get (&spin_budget_us);

  if (budget > 0)
    return budget;
  /* cold: probe now and then whether spinning pays again */
  return (g_atomic_int_add (&cold_polls, 1) % PROBE_EVERY) == 0 ? (gint) spin_limit_us : 0;
}

static gint
spin_poll (GPollFD *fds,
           guint    n_fds,
           gint     timeout)
{
  gint64 now, deadline, blocked_at;
  gint budget, ready;

  if (timeout == 0 || !is_hot (now = g_get_monotonic_time ()) ||
      (budget = budget_for_this_poll ()) == 0)
    return g_poll (fds, n_fds, timeout);

  deadline = now + budget;
  do
    {
      ready = g_poll (fds, n_fds, 0);
      if (ready != 0)
        {
          /* worth it at this budget (a probe's, too) */
          g_atomic_int_set (&spin_budget_us, budget);
          return ready;
        }
      sched_yield ();
    }
  while (g_get_monotonic_time () < deadline);

  blocked_at = g_get_monotonic_time ();
  /* the next timer is due no later for the time spent spinning */
  if (timeout > 0)
    timeout = MAX (0, timeout - (gint) ((blocked_at - now) / 1000));
  ready = g_poll (fds, n_fds, timeout);
  g_atomic_int_set (&spin_budget_us, adapt_budget (budget, ready, g_get_monotonic_time () - blocked_at));
  return ready;
}

gboolean
plug_spin_wait (GSourceFunc ready,
                gpointer    user_data)
{
  gint64 now, deadline;
  gint budget;

  if (plug_spin_get_limit () == 0 || !is_hot (now = g_get_monotonic_time ()) ||
      (budget = budget_for_this_poll ()) == 0)
    return FALSE;

  deadline = now + budget;
  do
    {
      if (ready (user_data))
        return TRUE;
      sched_yield ();
    }
  while (g_get_monotonic_time () < deadline);
  return FALSE;
}

void
plug_spin_attach (GMainContext *context)
{
  if (plug_spin_get_limit () == 0)
    return;
  /* Leave a poll function the application set alone. */
  if (g_main_context_get_poll_func (context) == g_poll)
    g_main_context_set_poll_func (context, spin_poll);
}
