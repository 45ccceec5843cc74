/* test-limits.c: the limits that keep one plugin, or too many, from
 * growing the engine without end, with their errors and defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The start timeout has its tests in tests/conformance and
 * tests/lifecycle; a line over the channel's limit sent by a plugin
 * process in test-faults.c.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault-probe.h"

typedef struct
{
  guint answers;
  gint64 answered_at;
  JsonNode *value;
  GError *error;
} Answer;

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Answer *answer = user_data;

  answer->answers++;
  answer->answered_at = g_get_monotonic_time ();
  answer->value = plug_engine_call_finish (PLUG_ENGINE (source), result, &answer->error);
}

static gboolean
all_answered (Answer *answers,
              guint   n)
{
  for (guint i = 0; i < n; i++)
    if (answers[i].answers == 0)
      return FALSE;
  return TRUE;
}

static void
answers_clear (Answer *answers,
               guint   n)
{
  for (guint i = 0; i < n; i++)
    {
      g_clear_pointer (&answers[i].value, json_node_unref);
      g_clear_error (&answers[i].error);
    }
}

/* Bound of a whole test: 16 MiB lines take a while under valgrind. */
#define LIMITS_TEST_BOUND_MS (6 * TEST_WAIT_MS)

static gboolean
on_test_too_long (gpointer user_data)
{
  g_error ("%s: still running after %u ms", g_test_get_path (), LIMITS_TEST_BOUND_MS);
  return G_SOURCE_REMOVE;
}

/* maxQueue */

static void
test_max_queue_default (void)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = plug_profile_new_from_data ("{\"name\": \"p\"}", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plug_profile_get_max_queue (profile), ==, PLUG_PROFILE_DEFAULT_MAX_QUEUE);
  g_assert_cmpuint (PLUG_PROFILE_DEFAULT_MAX_QUEUE, ==, 10000);
  g_clear_object (&profile);

  profile = plug_profile_new_from_data ("{\"name\": \"p\", \"maxQueue\": 0}", -1, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==, "<data>:1:27: field \"maxQueue\" must be an integer >= 1");
}

/* A plugin that hangs holds its running call and the queued ones up to
 * maxQueue; the next call fails at once, the others are answered in
 * turn, and then the plugin takes calls again. */
static void
test_max_queue_full_fails_at_once (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) misbehave = fault_load_profile ("misbehave");
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  Answer answers[4] = { { 0, }, };
  const char *methods[] = { "hang", "echo", "echo", "echo" };
  gint64 sent_at;
  guint guard = g_timeout_add (LIMITS_TEST_BOUND_MS, on_test_too_long, NULL);

  profile = fault_profile_with (misbehave, "{\"maxQueue\": 3, \"callTimeout\": 300}");
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
  g_assert_true (test_activate (engine, "misbehave", &error));
  g_assert_no_error (error);

  sent_at = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(JsonArray) args = test_parse_args ("[\"queued\"]");

      plug_engine_call (engine, TEST_CALLER, "misbehave", methods[i], args, NULL,
                        on_answer, &answers[i]);
    }

  while (answers[3].answers == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (answers[3].error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (answers[3].error->message, ==, "Plugin misbehave has 3 calls queued: limit reached");
  /* At once: long before the hanging call's timeout. */
  g_assert_cmpint (answers[3].answered_at - sent_at, <, 250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (answers[0].answers + answers[1].answers + answers[2].answers, ==, 0);

  while (!all_answered (answers, 3))
    g_main_context_iteration (NULL, TRUE);
  fault_spin (50);
  g_assert_error (answers[0].error, PLUG_ERROR, PLUG_ERROR_TIMEOUT);
  for (guint i = 1; i < 3; i++)
    {
      g_assert_no_error (answers[i].error);
      test_assert_json (answers[i].value, "\"queued\"");
    }
  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    g_assert_cmpuint (answers[i].answers, ==, 1);
  answers_clear (answers, G_N_ELEMENTS (answers));

  value = test_call (engine, "misbehave", "echo", "[\"room again\"]", &error);
  g_assert_no_error (error);
  test_assert_json (value, "\"room again\"");
  g_source_remove (guard);
}

/* Number of plugins */

static void
test_engine_plugin_limit (void)
{
  g_autoptr(PlugEngine) engine = plug_engine_new ();
  g_autoptr(PlugProfile) last = plug_profile_new ("one-too-many");
  g_autoptr(PlugPlugin) plugin = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < PLUG_ENGINE_MAX_PLUGINS; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%05u", i);
      g_autoptr(PlugProfile) profile = plug_profile_new (name);
      g_autoptr(PlugPlugin) each = plug_plugin_new (profile);

      if (!plug_engine_register (engine, each, &error))
        g_error ("plugin %u: %s", i, error->message);
    }
  g_test_message ("%u plugins registered in %.1f ms", PLUG_ENGINE_MAX_PLUGINS,
                  (g_get_monotonic_time () - start) / 1000.0);

  plugin = plug_plugin_new (last);
  g_assert_false (plug_engine_register (engine, plugin, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Cannot register plugin one-too-many: the engine holds 10000 plugins, its limit");
  g_clear_error (&error);

  g_assert_null (plug_engine_register_profile (engine, last, &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_clear_error (&error);

  /* The manager does not count, and the others still work. */
  all = plug_engine_list_plugins (engine);
  g_assert_cmpuint (all->len, ==, PLUG_ENGINE_MAX_PLUGINS + 1);
  g_assert_false (plug_engine_is_registered (engine, "one-too-many"));
  g_assert_true (test_activate (engine, "p09999", &error));
  g_assert_no_error (error);
}

/* Message size */

typedef struct
{
  gsize longest;
  gsize overflowed;
  guint lines;
} LineCount;

static void
on_line (PlugChannel *channel,
         const char  *line,
         gsize        length,
         gpointer     user_data)
{
  LineCount *count = user_data;

  count->lines++;
  count->longest = MAX (count->longest, length);
}

static void
on_overflow (PlugChannel *channel,
             gsize        discarded,
             gpointer     user_data)
{
  LineCount *count = user_data;

  count->overflowed = discarded;
}

static gpointer
write_lines (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  gsize limit = PLUG_CHANNEL_DEFAULT_MAX_LINE;
  g_autofree char *line = g_malloc (limit + 2);

  /* One line at the limit, one a byte over it, then a short one. */
  memset (line, 'x', limit + 1);
  line[limit] = '\n';
  g_assert_true (write (fd, line, limit + 1) == (gssize) (limit + 1));
  line[limit] = 'x';
  line[limit + 1] = '\n';
  g_assert_true (write (fd, line, limit + 2) == (gssize) (limit + 2));
  g_assert_true (write (fd, "{}\n", 3) == 3);
  close (fd);

  return NULL;
}

static void
test_channel_default_max_line (void)
{
  g_autoptr(PlugChannel) channel = NULL;
  LineCount count = { 0, };
  GThread *writer;
  int fds[2];
  guint guard = g_timeout_add (LIMITS_TEST_BOUND_MS, on_test_too_long, NULL);

  g_assert_cmpuint (PLUG_CHANNEL_DEFAULT_MAX_LINE, ==, 16 * 1024 * 1024);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  channel = plug_channel_new (fds[0]);
  plug_channel_start (channel, on_line, NULL, on_overflow, &count);
  writer = g_thread_new ("writer", write_lines, GINT_TO_POINTER (fds[1]));

  while (count.lines < 2)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (writer);

  g_assert_cmpuint (count.longest, ==, PLUG_CHANNEL_DEFAULT_MAX_LINE);
  g_assert_cmpuint (count.overflowed, ==, PLUG_CHANNEL_DEFAULT_MAX_LINE + 1);
  plug_channel_close (channel);
  g_source_remove (guard);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fault_log_init ();
  test_load_connectors ();

  g_test_add_func ("/limits/queue/max-queue-default-and-invalid", test_max_queue_default);
  g_test_add_func ("/limits/queue/full-queue-fails-new-call-at-once", test_max_queue_full_fails_at_once);
  g_test_add_func ("/limits/engine/plugin-count", test_engine_plugin_limit);
  g_test_add_func ("/limits/channel/default-max-line", test_channel_default_max_line);

  return g_test_run ();
}
