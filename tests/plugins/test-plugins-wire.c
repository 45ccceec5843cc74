/* test-plugins-wire.c: the bundled and test plugins, spoken to on the wire
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each plugin is started as the child-process connector starts it (a
 * socketpair on fd 3, NODE_CHANNEL_FD=3, cwd = the manifest's directory),
 * and the test plays the engine, message by message. This checks the
 * plugins (and PlugClient under the C ones) without the engine.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <glib-unix.h>
#include <plugctl.h>

#define WAIT_SECONDS 10

typedef struct
{
  GSubprocess *process;
  PlugChannel *channel;
  GQueue       lines;
  gboolean     closed;
  gboolean     exited;
  char        *name;
} Peer;

static void
on_line (PlugChannel *channel,
         const char  *line,
         gsize        length,
         gpointer     user_data)
{
  Peer *peer = user_data;

  g_queue_push_tail (&peer->lines, g_bytes_new (line, length));
}

static void
on_closed (PlugChannel  *channel,
           const GError *error,
           gpointer      user_data)
{
  ((Peer *) user_data)->closed = TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
on_process_exited (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static JsonObject *
load_manifest (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static Peer *
peer_start (const char *dir_variable,
            const char *subdir,
            const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv (dir_variable), subdir, NULL);
  g_autofree char *manifest_path = NULL;
  g_autoptr(JsonObject) manifest = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *command;
  Peer *peer;
  int fds[2];

  g_assert_nonnull (g_getenv (dir_variable));
  manifest_path = g_strdup_printf ("%s/%s.json", dir, name);
  manifest = load_manifest (manifest_path);
  command = json_object_get_string_member (manifest, "command");
  g_ptr_array_add (argv, strchr (command, '/') != NULL
                           ? g_build_filename (dir, command, NULL)
                           : g_strdup (command));
  if (json_object_has_member (manifest, "args"))
    {
      JsonArray *args = json_object_get_array_member (manifest, "args");

      for (guint i = 0; i < json_array_get_length (args); i++)
        g_ptr_array_add (argv, g_strdup (json_array_get_string_element (args, i)));
    }
  g_ptr_array_add (argv, NULL);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_setenv (launcher, "NODE_CHANNEL_FD", "3", TRUE);
  g_subprocess_launcher_setenv (launcher, "NODE_CHANNEL_SERIALIZATION_MODE", "json", TRUE);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);

  peer = g_new0 (Peer, 1);
  peer->name = g_strdup (name);
  peer->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (peer->process, NULL, on_process_exited, &peer->exited);

  g_assert_true (g_unix_set_fd_nonblocking (fds[0], TRUE, NULL));
  peer->channel = plug_channel_new (fds[0]);
  plug_channel_start (peer->channel, on_line, on_closed, NULL, peer);

  return peer;
}

static void
peer_wait_exit (Peer *peer)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (!peer->exited && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s did not exit", peer->name);
  g_source_remove (id);
}

static void
peer_free (Peer *peer)
{
  /* Every plugin exits by itself when the engine closes the channel. */
  plug_channel_close (peer->channel);
  peer_wait_exit (peer);
  g_queue_clear_full (&peer->lines, (GDestroyNotify) g_bytes_unref);
  g_object_unref (peer->channel);
  g_object_unref (peer->process);
  g_free (peer->name);
  g_free (peer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static void
peer_send (Peer       *peer,
           const char *json)
{
  g_autoptr(GError) error = NULL;

  plug_channel_send (peer->channel, json, strlen (json), &error);
  g_assert_no_error (error);
}

/* The next line from the plugin, raw. */
static GBytes *
peer_next_line (Peer *peer)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, on_timeout, &timed_out);

  while (g_queue_is_empty (&peer->lines) && !peer->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("%s sent nothing in %d s", peer->name, WAIT_SECONDS);
  g_source_remove (id);
  if (g_queue_is_empty (&peer->lines))
    g_error ("%s closed the channel", peer->name);

  return g_queue_pop_head (&peer->lines);
}

/* The next message, skipping the `-1` handshake request a client may open
 * with (PROTOCOL.md §2.1). */
static PlugMessage *
peer_next (Peer *peer)
{
  while (TRUE)
    {
      g_autoptr(GBytes) line = peer_next_line (peer);
      g_autoptr(GError) error = NULL;
      gsize length;
      const char *data = g_bytes_get_data (line, &length);
      PlugMessage *message = plug_message_parse (data, length, &error);

      g_assert_no_error (error);
      if (plug_message_get_action (message) == PLUG_ACTION_REQUEST &&
          g_strcmp0 (plug_message_get_key (message), "handshake") == 0 &&
          plug_message_get_id (message) == -1)
        {
          plug_message_unref (message);
          continue;
        }
      return message;
    }
}

static void
assert_response (PlugMessage *message,
                 gint64       id,
                 const char  *name,
                 const char  *key)
{
  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_RESPONSE);
  g_assert_true (plug_message_has_id (message));
  g_assert_cmpint (plug_message_get_id (message), ==, id);
  g_assert_cmpstr (plug_message_get_name (message), ==, name);
  g_assert_cmpstr (plug_message_get_key (message), ==, key);
}

static char *
payload_text (PlugMessage *message)
{
  g_assert_nonnull (plug_message_get_payload (message));
  return json_to_string (plug_message_get_payload (message), FALSE);
}

static void
request (Peer       *peer,
         gint64      id,
         const char *key,
         const char *payload)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"action\":\"request\",\"key\":\"%s\","
                                           "\"name\":\"%s\",\"payload\":%s,"
                                           "\"requestInfo\":{\"from\":\"test\",\"path\":\"%s\"}}",
                                           id, key, peer->name, payload, peer->name);

  peer_send (peer, json);
}

static void
expect_result (Peer       *peer,
               gint64      id,
               const char *key,
               const char *payload)
{
  g_autoptr(PlugMessage) message = peer_next (peer);
  g_autofree char *text = NULL;

  assert_response (message, id, peer->name, key);
  g_assert_cmpstr (plug_message_get_error (message), ==, NULL);
  text = payload_text (message);
  g_assert_cmpstr (text, ==, payload);
}

static void
expect_error (Peer       *peer,
              gint64      id,
              const char *key,
              const char *error)
{
  g_autoptr(PlugMessage) message = peer_next (peer);

  assert_response (message, id, peer->name, key);
  g_assert_cmpstr (plug_message_get_error (message), ==, error);
  g_assert_null (plug_message_get_payload (message));
}

static void
handshake (Peer       *peer,
           const char *methods)
{
  g_autofree char *json = g_strdup_printf ("{\"id\":0,\"action\":\"request\",\"key\":\"handshake\","
                                           "\"name\":\"%s\",\"payload\":[\"%s\",\"plugctl\"]}",
                                           peer->name, peer->name);

  peer_send (peer, json);
  expect_result (peer, 0, "handshake", methods);
}

#define ECHO_METHODS "[\"echo\",\"sum\",\"fail\",\"slow\",\"ping\"]"

static void
test_echo_protocol (gconstpointer data)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_PLUGINS_BUILDDIR", "", data);
  g_autoptr(PlugMessage) event = NULL;
  g_autofree char *event_payload = NULL;
  g_autofree char *unknown = NULL;

  /* Refused before the handshake, served after. */
  request (peer, 1, "ping", "[]");
  expect_error (peer, 1, "ping", "Handshake before communicating");
  handshake (peer, ECHO_METHODS);
  request (peer, 2, "ping", "[]");
  expect_result (peer, 2, "ping", "\"pong\"");

  /* echo: its event comes before its answer. */
  request (peer, 3, "echo", "[{\"a\":[1,\"x\"]}]");
  event = peer_next (peer);
  g_assert_cmpint (plug_message_get_action (event), ==, PLUG_ACTION_EMIT);
  g_assert_false (plug_message_has_id (event));
  g_assert_null (plug_message_get_name (event));
  g_assert_cmpstr (plug_message_get_key (event), ==, "echoed");
  event_payload = payload_text (event);
  g_assert_cmpstr (event_payload, ==, "[{\"a\":[1,\"x\"]}]");
  expect_result (peer, 3, "echo", "{\"a\":[1,\"x\"]}");

  request (peer, 4, "sum", "[1,2,3.5]");
  expect_result (peer, 4, "sum", "6.5");

  request (peer, 5, "fail", "[\"nope\"]");
  expect_error (peer, 5, "fail", "nope");
  request (peer, 6, "fail", "[]");
  expect_error (peer, 6, "fail", "failed");

  unknown = g_strdup_printf ("Method dance doesn't exist on plugin %s", peer->name);
  request (peer, 7, "dance", "[]");
  expect_error (peer, 7, "dance", unknown);
}

static void
test_echo_slow_does_not_block (gconstpointer data)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_PLUGINS_BUILDDIR", "", data);

  handshake (peer, ECHO_METHODS);
  request (peer, 1, "slow", "[300,\"late\"]");
  request (peer, 2, "ping", "[]");
  expect_result (peer, 2, "ping", "\"pong\"");
  expect_result (peer, 1, "slow", "\"late\"");
}

static void
test_echo_cancel_stops_slow (gconstpointer data)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_PLUGINS_BUILDDIR", "", data);
  g_autofree char *cancel = NULL;

  handshake (peer, ECHO_METHODS);
  request (peer, 7, "slow", "[100,\"a\"]");
  cancel = g_strdup_printf ("{\"id\":7,\"action\":\"cancel\",\"name\":\"%s\",\"key\":\"slow\"}", peer->name);
  peer_send (peer, cancel);
  request (peer, 8, "slow", "[300,\"b\"]");
  /* The cancelled call is never answered: the next answer is id 8's. */
  expect_result (peer, 8, "slow", "\"b\"");
}

static void
test_echo_exits_when_channel_closes (gconstpointer data)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_PLUGINS_BUILDDIR", "", data);

  handshake (peer, ECHO_METHODS);
  /* A pending call does not keep it alive. */
  request (peer, 1, "slow", "[60000,\"never\"]");
  request (peer, 2, "ping", "[]");
  expect_result (peer, 2, "ping", "\"pong\"");

  plug_channel_close (peer->channel);
  peer_wait_exit (peer);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 0);
}

static void
test_ticker_ticks (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_PLUGINS_BUILDDIR", "", "ticker");

  handshake (peer, "[\"ping\"]");
  for (gint64 n = 1; n <= 3; n++)
    {
      g_autoptr(PlugMessage) tick = peer_next (peer);
      JsonArray *args = plug_message_get_args (tick);

      g_assert_cmpint (plug_message_get_action (tick), ==, PLUG_ACTION_EMIT);
      g_assert_cmpstr (plug_message_get_key (tick), ==, "tick");
      g_assert_nonnull (args);
      g_assert_cmpint (json_array_get_int_element (args, 0), ==, n);
    }
}

static void
test_crasher_crash_aborts (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_TESTS_BUILDDIR", "plugins", "crasher");

  handshake (peer, "[\"crash\",\"exit\",\"ping\"]");
  request (peer, 1, "crash", "[]");
  peer_wait_exit (peer);
  g_assert_true (g_subprocess_get_if_signaled (peer->process));
  g_assert_cmpint (g_subprocess_get_term_sig (peer->process), ==, SIGABRT);
}

static void
test_crasher_exit_status (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_TESTS_BUILDDIR", "plugins", "crasher");

  handshake (peer, "[\"crash\",\"exit\",\"ping\"]");
  request (peer, 1, "exit", "[7]");
  peer_wait_exit (peer);
  g_assert_true (g_subprocess_get_if_exited (peer->process));
  g_assert_cmpint (g_subprocess_get_exit_status (peer->process), ==, 7);
}

static void
test_garbage_then_works (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_TESTS_BUILDDIR", "plugins", "garbage");
  const char *expected[] = {
    "this is not JSON",
    "[1,2,3]",
    "{\"action\":\"response\",\"name\":\"garbage\",\"key\":\"ping\",\"id\":\"x\",\"payload\":\"pong\"}",
  };

  handshake (peer, "[\"ping\"]");
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GBytes) line = peer_next_line (peer);
      g_autoptr(GBytes) want = g_bytes_new_static (expected[i], strlen (expected[i]));

      g_assert_true (g_bytes_equal (line, want));
    }
  {
    g_autoptr(GBytes) nuls = peer_next_line (peer);
    const char *data;
    gsize length;

    data = g_bytes_get_data (nuls, &length);
    g_assert_cmpuint (length, ==, 100);
    for (gsize i = 0; i < length; i++)
      g_assert_cmpint (data[i], ==, '\0');
  }

  request (peer, 1, "ping", "[]");
  expect_result (peer, 1, "ping", "\"pong\"");
}

static void
test_silent_never_answers (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_TESTS_BUILDDIR", "plugins", "silent");

  peer_send (peer, "{\"id\":0,\"action\":\"request\",\"key\":\"handshake\",\"name\":\"silent\",\"payload\":[\"silent\",\"plugctl\"]}");
  plug_channel_close (peer->channel);
  peer_wait_exit (peer);
  g_assert_true (g_queue_is_empty (&peer->lines));
}

static void
test_killme_pid_and_hang (void)
{
  g_autoptr(Peer) peer = peer_start ("PLUGCTL_TESTS_BUILDDIR", "plugins", "killme");
  g_autofree char *pid = NULL;

  handshake (peer, "[\"pid\",\"hang\",\"ping\"]");
  request (peer, 1, "hang", "[]");
  request (peer, 2, "pid", "[]");
  pid = g_strdup (g_subprocess_get_identifier (peer->process));
  expect_result (peer, 2, "pid", pid);
  request (peer, 3, "ping", "[]");
  expect_result (peer, 3, "ping", "\"pong\"");

  g_subprocess_send_signal (peer->process, SIGTERM);
  peer_wait_exit (peer);
  g_assert_true (g_subprocess_get_if_signaled (peer->process));
  g_assert_cmpint (g_subprocess_get_term_sig (peer->process), ==, SIGTERM);
}

static gboolean
have_program (const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);

  return path != NULL;
}

static void
add_echo_tests (const char *name,
                const char *interpreter)
{
  struct { const char *path; GTestDataFunc func; } tests[] = {
    { "protocol", test_echo_protocol },
    { "slow-does-not-block", test_echo_slow_does_not_block },
    { "cancel-stops-slow", test_echo_cancel_stops_slow },
    { "exits-when-channel-closes", test_echo_exits_when_channel_closes },
  };

  if (interpreter != NULL && !have_program (interpreter))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *path = g_strdup_printf ("/plugins/%s/%s", name, tests[i].path);

      g_test_add_data_func (path, name, tests[i].func);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* A plugin that exits while we write must not kill the test. */
  signal (SIGPIPE, SIG_IGN);

  add_echo_tests ("echo", NULL);
  add_echo_tests ("node-echo", "node");
  add_echo_tests ("py-echo", "python3");
  g_test_add_func ("/plugins/ticker/ticks-after-handshake", test_ticker_ticks);
  g_test_add_func ("/plugins/crasher/crash-aborts", test_crasher_crash_aborts);
  g_test_add_func ("/plugins/crasher/exit-status", test_crasher_exit_status);
  g_test_add_func ("/plugins/garbage/garbage-then-works", test_garbage_then_works);
  g_test_add_func ("/plugins/silent/never-answers", test_silent_never_answers);
  g_test_add_func ("/plugins/killme/pid-and-hang", test_killme_pid_and_hang);

  return g_test_run ();
}
