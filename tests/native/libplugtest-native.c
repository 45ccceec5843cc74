/* libplugtest-native.c: a library of the project's own for the native
 * connector's tests: one function per supported type, as argument and as
 * result, and a few with behaviour to observe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__ ((visibility ("default")))

/* Every type returns what it was given. */
#define IDENTITY(name, type) EXPORT type name (type value); type name (type value) { return value; }

IDENTITY (id_i8, int8_t)
IDENTITY (id_i16, int16_t)
IDENTITY (id_i32, int32_t)
IDENTITY (id_i64, int64_t)
IDENTITY (id_u8, uint8_t)
IDENTITY (id_u16, uint16_t)
IDENTITY (id_u32, uint32_t)
IDENTITY (id_u64, uint64_t)
IDENTITY (id_int, int)
IDENTITY (id_uint, unsigned int)
IDENTITY (id_long, long)
IDENTITY (id_ulong, unsigned long)
IDENTITY (id_size, size_t)
IDENTITY (id_ssize, ssize_t)
IDENTITY (id_bool, bool)
IDENTITY (id_float, float)
IDENTITY (id_double, double)
IDENTITY (id_string, const char *)

static atomic_int n_touched;

EXPORT uint64_t max_u64 (void);
uint64_t
max_u64 (void)
{
  return UINT64_MAX;
}

EXPORT int64_t min_i64 (void);
int64_t
min_i64 (void)
{
  return INT64_MIN;
}

EXPORT bool not (bool value);
bool
not (bool value)
{
  return !value;
}

EXPORT float half (float value);
float
half (float value)
{
  return value / 2;
}

EXPORT double not_a_number (void);
double
not_a_number (void)
{
  return NAN;
}

/* The returned string stays the library's: a buffer per thread. */
EXPORT const char *greet (const char *name);
const char *
greet (const char *name)
{
  static _Thread_local char buffer[256];

  snprintf (buffer, sizeof buffer, "Hello, %s!", name);
  return buffer;
}

/* The returned string is the caller's, to free() */
EXPORT char *shout (const char *text);
char *
shout (const char *text)
{
  char *copy = strdup (text);

  for (char *c = copy; *c != '\0'; c++)
    *c = toupper ((unsigned char) *c);
  return copy;
}

EXPORT const char *nothing (void);
const char *
nothing (void)
{
  return NULL;
}

EXPORT const char *bad_utf8 (void);
const char *
bad_utf8 (void)
{
  return "a\xff" "b";
}

EXPORT void nop (void);
void
nop (void)
{
}

/* Counts its calls, to show that a rejected call calls nothing. */
EXPORT int touch (int value);
int
touch (int value)
{
  atomic_fetch_add (&n_touched, 1);
  return value;
}

EXPORT int touched (void);
int
touched (void)
{
  return atomic_load (&n_touched);
}

EXPORT double mix (int8_t a, uint16_t b, int64_t c, float d, double e, bool f, const char *g);
double
mix (int8_t a, uint16_t b, int64_t c, float d, double e, bool f, const char *g)
{
  return a + b + c + d + e + (f ? 1 : 0) + (double) strlen (g);
}

EXPORT int slow_ms (int ms);
int
slow_ms (int ms)
{
  struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };

  while (nanosleep (&delay, &delay) < 0 && errno == EINTR)
    ;
  return ms;
}

/* Blocks until every writer of the FIFO at @path has closed it; returns
 * the bytes read, or -1. The test that holds the FIFO open decides when
 * this function returns; when it has closed it already, at once (the
 * open does not wait for a writer). */
EXPORT int wait_fifo (const char *path);
int
wait_fifo (const char *path)
{
  char buffer[64];
  int total = 0;
  ssize_t n;
  int fd;

  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || fcntl (fd, F_SETFL, 0) < 0)
    return -1;
  while ((n = read (fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      total += (int) n;
  close (fd);
  return total;
}
