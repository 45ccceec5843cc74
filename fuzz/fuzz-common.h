/* fuzz-common.h: what the libFuzzer targets share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* The libFuzzer entry points every target defines (fuzz/replay.c calls
 * them too, to replay the corpus in the test suite). */
int       LLVMFuzzerInitialize      (int           *argc,
                                     char        ***argv);
int       LLVMFuzzerTestOneInput    (const uint8_t *data,
                                     size_t         size);

/* Drops the warnings bad input is expected to cause (log domains starting
 * with "plugctl"); aborts on any critical, and on warnings of other
 * domains (GLib's own warnings mean a misuse of its API). */
void      fuzz_install_log_writer   (void);

/* Runs the default main context until nothing is ready; aborts when it
 * never gets there (a livelock is a bug too). */
void      fuzz_drain_main_context   (void);

/* Aborts with @what when @condition does not hold. */
#define fuzz_check(condition, what) \
  G_STMT_START { if (G_UNLIKELY (!(condition))) fuzz_fail (G_STRLOC, what); } G_STMT_END

G_NORETURN void fuzz_fail           (const char    *where,
                                     const char    *what);

G_END_DECLS
