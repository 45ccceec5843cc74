/* test-instances.c: one connector module, several plugins at once
 * (issue 9 §7)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two plugins on the same connector in one engine (the daemon's), for
 * the child-process, thread and native connectors: while `plugctl
 * --daemon batch` streams calls to B, `plugctl --daemon deactivate A`
 * stops A. B loses nothing: every call is answered, correctly, and none
 * fails; then A starts again on the module that stayed loaded.
 */
#include "config.h"

#include <string.h>
#include <plugctl.h>

#include "daemon-fixture.h"

/* Calls to B under way at any time, and made after A is gone. */
#define IN_FLIGHT 8
#define CALLS_AFTER_DEACTIVATION 20

typedef struct
{
  const char *connector;
  const char *a;
  const char *b;
  void      (*write_manifest) (DaemonFixture *fixture,
                               const char    *name,
                               const char    *extra_fields);
  char     *(*request)        (const char    *plugin,
                               guint          i);
  char     *(*answer)         (guint          i);
  /* a call to A after its restart, and what plugctl prints */
  const char *check_args[4];
  const char *check_out;
} Scenario;

/* echo, as a program and as a thread module: slow calls (5 ms) and echo
 * calls in turn */

static char *
echo_request (const char *plugin,
              guint       i)
{
  if (i % 2 == 0)
    return g_strdup_printf ("{\"id\":%u,\"plugin\":\"%s\",\"method\":\"slow\",\"args\":[5,%u]}\n",
                            i, plugin, i);
  return g_strdup_printf ("{\"id\":%u,\"plugin\":\"%s\",\"method\":\"echo\",\"args\":[\"s%u\"]}\n",
                          i, plugin, i);
}

static char *
echo_answer (guint i)
{
  if (i % 2 == 0)
    return g_strdup_printf ("{\"id\":%u,\"result\":%u}", i, i);
  return g_strdup_printf ("{\"id\":%u,\"result\":\"s%u\"}", i, i);
}

static void
write_program_manifest (DaemonFixture *fixture,
                        const char    *name,
                        const char    *extra_fields)
{
  g_autofree char *command = daemon_fixture_echo_program ();
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"command\": \"%s\"%s}",
                                           name, command, extra_fields);

  daemon_fixture_write_manifest (fixture, name, json);
}

static void
write_module_manifest (DaemonFixture *fixture,
                       const char    *name,
                       const char    *extra_fields)
{
  g_autofree char *module = daemon_fixture_echo_module ();
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"connector\": \"thread\", "
                                           "\"module\": \"%s\"%s}",
                                           name, module, extra_fields);

  daemon_fixture_write_manifest (fixture, name, json);
}

/* libm: fabs (-(i + 0.5)) */

static char *
libm_request (const char *plugin,
              guint       i)
{
  return g_strdup_printf ("{\"id\":%u,\"plugin\":\"%s\",\"method\":\"fabs\",\"args\":[-%u.5]}\n",
                          i, plugin, i);
}

static char *
libm_answer (guint i)
{
  return g_strdup_printf ("{\"id\":%u,\"result\":%u.5}", i, i);
}

static void
write_libm_manifest (DaemonFixture *fixture,
                     const char    *name,
                     const char    *extra_fields)
{
  g_autofree char *json = g_strdup_printf ("{\"name\": \"%s\", \"connector\": \"native\", "
                                           "\"library\": \"libm.so.6\", \"functions\": "
                                           "{\"fabs\": \"double(double)\"}%s}",
                                           name, extra_fields);

  daemon_fixture_write_manifest (fixture, name, json);
}

static const Scenario scenarios[] = {
  { "child-process", "echo-a", "echo-b", write_program_manifest, echo_request, echo_answer,
    { "echo", "again", NULL }, "\"again\"\n" },
  { "thread", "thread-a", "thread-b", write_module_manifest, echo_request, echo_answer,
    { "echo", "again", NULL }, "\"again\"\n" },
  { "native", "libm-a", "libm-b", write_libm_manifest, libm_request, libm_answer,
    { "fabs", "2.5", NULL }, "2.5\n" },
};

/* The stream of calls to B, and the deactivation of A in its middle */

typedef struct
{
  const Scenario   *scenario;
  GSubprocess      *batch;
  GDataInputStream *out;
  guint             sent;
  guint             answered;
  guint             sent_after_deactivation;
  GSubprocess      *deactivate;
  char             *deactivate_out;
  char             *deactivate_err;
  gboolean          deactivated;
  gboolean          input_closed;
  gboolean          finished;
} Stream;

static void
send_call (Stream *stream)
{
  g_autofree char *line = stream->scenario->request (stream->scenario->b, stream->sent);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (stream->batch), line,
                             strlen (line), NULL, NULL, &error);
  g_assert_no_error (error);
  stream->sent++;
  if (stream->deactivated)
    stream->sent_after_deactivation++;
}

static void
on_deactivated (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Stream *stream = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &stream->deactivate_out, &stream->deactivate_err,
                                        &error);
  g_assert_no_error (error);
  stream->deactivated = TRUE;
}

static void
start_deactivation (Stream *stream)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GError) error = NULL;

  cli_argv_add (argv, "--daemon", "deactivate", stream->scenario->a, NULL);
  stream->deactivate = g_subprocess_newv ((const char * const *) argv->pdata,
                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (stream->deactivate, NULL, NULL, on_deactivated, stream);
}

static void read_next_answer (Stream *stream);

static void
on_answer (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stream *stream = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (stream->out, result, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    {
      stream->finished = TRUE;
      return;
    }

  expected = stream->scenario->answer (stream->answered);
  g_assert_cmpstr (line, ==, expected);
  stream->answered++;
  if (stream->answered == 1)
    start_deactivation (stream);

  if (!stream->deactivated || stream->sent_after_deactivation < CALLS_AFTER_DEACTIVATION)
    send_call (stream);
  else if (!stream->input_closed)
    {
      stream->input_closed = TRUE;
      g_output_stream_close (g_subprocess_get_stdin_pipe (stream->batch), NULL, &error);
      g_assert_no_error (error);
    }
  read_next_answer (stream);
}

static void
read_next_answer (Stream *stream)
{
  g_data_input_stream_read_line_async (stream->out, G_PRIORITY_DEFAULT, NULL,
                                       on_answer, stream);
}

static gboolean
stream_finished (gpointer data)
{
  Stream *stream = data;

  return stream->finished && stream->deactivated;
}

static void
run_stream (Stream *stream)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "--daemon", "batch", NULL);
  stream->batch = cli_spawn_streaming (argv, &stream->out);
  for (guint i = 0; i < IN_FLIGHT; i++)
    send_call (stream);
  read_next_answer (stream);
  daemon_fixture_wait_until (stream_finished, stream, "the calls to B to be answered");
}

static gboolean
have_connector (const char *connector)
{
  g_auto(GStrv) dirs = plug_connector_module_search_path (NULL);
  g_auto(GStrv) connectors = NULL;

  plug_connector_module_load_dirs ((const char * const *) dirs);
  connectors = plug_connector_module_list ();
  if (!g_strv_contains ((const char * const *) connectors, connector))
    {
      g_test_skip_printf ("no %s connector", connector);
      return FALSE;
    }
  return TRUE;
}

static void
activate (const char *name)
{
  g_auto(CliRun) run = { 0, };

  cli_run_daemon (&run, "activate", name, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

static void
assert_state (const char *name,
              const char *state)
{
  g_autofree char *current = daemon_fixture_get_state (name);

  g_assert_cmpstr (current, ==, state);
}

static void
test_deactivate_one_other_loses_nothing (DaemonFixture *fixture,
                                         gconstpointer  data)
{
  const Scenario *scenario = data;
  Stream stream = { scenario, };
  g_auto(CliRun) check = { 0, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  gboolean processes = g_str_equal (scenario->connector, "child-process");

  if (!have_connector (scenario->connector))
    return;
  scenario->write_manifest (fixture, scenario->a, "");
  scenario->write_manifest (fixture, scenario->b, ", \"concurrency\": 4");
  daemon_fixture_start (fixture);
  activate (scenario->a);
  activate (scenario->b);
  if (processes)
    daemon_fixture_wait_for_children (fixture, 2);

  run_stream (&stream);
  g_test_message ("%u calls to %s, %u of them after %s was deactivated",
                  stream.sent, scenario->b, stream.sent_after_deactivation, scenario->a);
  g_assert_cmpint (wait_exit_bounded (stream.batch), ==, 0);
  g_assert_cmpuint (stream.answered, ==, stream.sent);
  g_assert_cmpuint (stream.sent_after_deactivation, >=, CALLS_AFTER_DEACTIVATION);
  g_assert_cmpstr (stream.deactivate_out, ==, "");
  g_assert_cmpstr (stream.deactivate_err, ==, "");
  g_assert_true (g_subprocess_get_if_exited (stream.deactivate));
  g_assert_cmpint (g_subprocess_get_exit_status (stream.deactivate), ==, 0);
  assert_state (scenario->a, "inactive");
  assert_state (scenario->b, "active");
  if (processes)
    daemon_fixture_wait_for_children (fixture, 1);

  /* A's instance is gone, its connector module is not */
  g_ptr_array_add (argv, g_strdup ("--daemon"));
  g_ptr_array_add (argv, g_strdup ("call"));
  g_ptr_array_add (argv, g_strdup (scenario->a));
  cli_argv_add (argv, scenario->check_args[0], scenario->check_args[1], NULL);
  cli_run_argv (&check, argv, NULL);
  assert_run (&check, 0, scenario->check_out, "");
  assert_state (scenario->a, "active");
  if (processes)
    daemon_fixture_wait_for_children (fixture, 2);

  g_clear_object (&stream.batch);
  g_clear_object (&stream.out);
  g_clear_object (&stream.deactivate);
  g_free (stream.deactivate_out);
  g_free (stream.deactivate_err);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  daemon_fixture_init ();

  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autofree char *path = g_strdup_printf ("/instances/%s/deactivate-one-other-loses-nothing",
                                               scenarios[i].connector);

      g_test_add (path, DaemonFixture, &scenarios[i], daemon_fixture_set_up,
                  test_deactivate_one_other_loses_nothing, daemon_fixture_tear_down);
    }
  return g_test_run ();
}
