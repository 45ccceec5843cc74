/* hang-setup.c: a thread plugin whose setup does not return
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Its setup blocks until the test calls plugctl_test_hang_release(), so
 * that the test can check the engine is not held up by it, then let the
 * thread end.
 */
#include <plugctl.h>

static GMutex lock;
static GCond released_cond;
static gboolean released;

G_MODULE_EXPORT void plugctl_test_hang_release (void);

void
plugctl_test_hang_release (void)
{
  g_mutex_lock (&lock);
  released = TRUE;
  g_cond_broadcast (&released_cond);
  g_mutex_unlock (&lock);
}

static void
hang_setup (PlugClient *client)
{
  g_mutex_lock (&lock);
  while (!released)
    g_cond_wait (&released_cond, &lock);
  g_mutex_unlock (&lock);
}

PLUG_CLIENT_DEFINE_MODULE (hang_setup)
