/* fuzz-common.c: what the libFuzzer targets share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"

#define MAX_DRAIN_ITERATIONS 100000

void
fuzz_fail (const char *where,
           const char *what)
{
  fprintf (stderr, "fuzz: %s: check failed: %s\n", where, what);
  abort ();
}

static const char *
field_value (const GLogField *fields,
             gsize            n_fields,
             const char      *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, key) == 0)
      return fields[i].length < 0 ? fields[i].value : NULL;
  return NULL;
}

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *domain = field_value (fields, n_fields, "GLIB_DOMAIN");
  gboolean ours = domain != NULL && g_str_has_prefix (domain, "plugctl");

  if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0 ||
      ((log_level & G_LOG_LEVEL_WARNING) != 0 && !ours))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_install_log_writer (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  /* g_log_structured() of a critical aborts before the writer when this
   * is set: keep the report of what went wrong. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
}

void
fuzz_drain_main_context (void)
{
  guint n = 0;

  while (g_main_context_iteration (NULL, FALSE))
    if (++n > MAX_DRAIN_ITERATIONS)
      fuzz_fail (G_STRLOC, "the main context never became idle");
}
