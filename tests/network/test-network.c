/* test-network.c: the websocket and socketio connectors against real peers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The peers (installed by `npm ci --prefix tests/network`) serve the same
 * Remix plugin (network-plugin.js, on the unmodified @remixproject/plugin
 * 0.3.44): ws-plugin-server.js through a `ws` server and the unmodified
 * @remixproject/plugin-ws client library, sio-plugin-server.js through an
 * unmodified socket.io 4 server (`message` events). Each test starts one
 * on a free loopback port, writes a manifest with its url and calls it
 * through an in-process engine, or through the plugctl binary. The same
 * tests run once per peer: /network/websocket/… and /network/socketio/…,
 * and over TLS (wss://, https://) as /network/websocket-tls/… and
 * /network/socketio-tls/…: there the test makes a CA and a server
 * certificate for 127.0.0.1 with the openssl command, and the manifest
 * trusts the CA with `"tlsCaFile": "ca.pem"`.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <plugctl.h>

#include "../conformance/test-util.h"

#define PLUGIN "remote"
#define HOST "host"
#define CA_FILE "ca.pem"
/* Generous bound for "at once": the figure measured is printed. */
#define FAIL_FAST_BOUND_MS 1000

typedef struct
{
  const char *name;       /* of the peer, in test paths */
  const char *connector;
  const char *script;
  const char *scheme;     /* of the url in the manifest */
  gboolean    tls;
} Peer;

static const Peer peers[] = {
  { "websocket", "websocket", "ws-plugin-server.js", "ws", FALSE },
  { "socketio", "socketio", "sio-plugin-server.js", "http", FALSE },
  { "websocket-tls", "websocket", "ws-plugin-server.js", "wss", TRUE },
  { "socketio-tls", "socketio", "sio-plugin-server.js", "https", TRUE },
};

typedef struct
{
  const Peer  *peer;
  char        *dir;       /* the manifest's directory */
  GSubprocess *server;
  guint        port;
  PlugEngine  *engine;
} Fixture;

static char *
network_srcdir (void)
{
  return g_build_filename (g_getenv ("PLUGCTL_TESTS_SRCDIR"), "network", NULL);
}

static gboolean
prerequisites_missing (const Peer *peer)
{
  g_autofree char *dir = network_srcdir ();
  g_autofree char *package = g_build_filename (dir, "node_modules", "@remixproject",
                                               "plugin-ws", "package.json", NULL);
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *openssl = NULL;

  if (node == NULL)
    {
      g_test_skip ("node is not installed");
      return TRUE;
    }
  if (!g_file_test (package, G_FILE_TEST_EXISTS))
    {
      g_test_skip_printf ("%s is missing: run `npm ci --prefix tests/network`", package);
      return TRUE;
    }
  if (peer->tls && !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend: install glib-networking");
      return TRUE;
    }
  if (peer->tls && (openssl = g_find_program_in_path ("openssl")) == NULL)
    {
      g_test_skip ("openssl is not installed");
      return TRUE;
    }
  test_load_connectors ();
  if (!test_connector_available (peer->connector))
    {
      g_test_skip_printf ("the %s connector module is not built", peer->connector);
      return TRUE;
    }
  return FALSE;
}

/* Certificates */

/* Two authorities, and a server certificate for 127.0.0.1 by the first. */
static const char openssl_config[] =
  "[req]\n"
  "distinguished_name = dn\n"
  "prompt = no\n"
  "[dn]\n"
  "CN = plugctl test\n"
  "[ca]\n"
  "basicConstraints = critical, CA:TRUE\n"
  "keyUsage = critical, keyCertSign, cRLSign\n"
  "subjectKeyIdentifier = hash\n"
  "[server]\n"
  "basicConstraints = critical, CA:FALSE\n"
  "keyUsage = critical, digitalSignature\n"
  "extendedKeyUsage = serverAuth\n"
  "subjectAltName = IP:127.0.0.1\n"
  "authorityKeyIdentifier = keyid\n";

static void
run_openssl (const char         *dir,
             const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  g_strv_builder_add (builder, "openssl");
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("openssl %s failed: %s", argv[1], err);
}

static void
make_authority (const char *dir,
                const char *name)
{
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *cert = g_strconcat (name, ".pem", NULL);
  g_autofree char *subject = g_strdup_printf ("/CN=plugctl test %s", name);
  const char *args[] = {
    "req", "-config", "openssl.cnf", "-x509", "-newkey", "ec",
    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-extensions", "ca", "-subj", subject, "-keyout", key, "-out", cert, NULL
  };

  run_openssl (dir, args);
}

/* In @dir: ca.pem, other-ca.pem, and server.pem (with server.key) for
 * 127.0.0.1 signed by ca.pem. */
static void
make_certificates (const char *dir)
{
  g_autofree char *config = g_build_filename (dir, "openssl.cnf", NULL);
  const char *request[] = {
    "req", "-config", "openssl.cnf", "-new", "-newkey", "ec",
    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
    "-keyout", "server.key", "-out", "server.csr", NULL
  };
  const char *sign[] = {
    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
    "-set_serial", "2", "-days", "2", "-extfile", "openssl.cnf", "-extensions", "server",
    "-out", "server.pem", NULL
  };
  g_autoptr(GError) error = NULL;

  g_file_set_contents (config, openssl_config, -1, &error);
  g_assert_no_error (error);
  make_authority (dir, "ca");
  make_authority (dir, "other-ca");
  run_openssl (dir, request);
  run_openssl (dir, sign);
}

/* The peer */

typedef struct
{
  gboolean  done;
  char     *line;
} LineRead;

static void
on_port_line (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                     NULL, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

/* Starts the server on @port (0: a free one) and reads the port it got. */
static void
start_server (Fixture *fixture,
              guint    port)
{
  g_autofree char *dir = network_srcdir ();
  g_autofree char *script = g_build_filename (dir, fixture->peer->script, NULL);
  g_autofree char *port_arg = g_strdup_printf ("%u", port);
  g_autofree char *cert = g_build_filename (fixture->dir, "server.pem", NULL);
  g_autofree char *key = g_build_filename (fixture->dir, "server.key", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  LineRead read = { FALSE, NULL };

  g_assert_null (fixture->server);
  /* stdin is a pipe: the server exits when we do. */
  fixture->server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                      &error, "node", script, port_arg,
                                      fixture->peer->tls ? cert : NULL, key, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->server));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_port_line, &read);
  test_wait_until (&read.done, TEST_WAIT_MS, "the server's port");
  g_assert_nonnull (read.line);
  fixture->port = (guint) g_ascii_strtoull (read.line, NULL, 10);
  g_free (read.line);
  g_assert_cmpuint (fixture->port, >, 0);
  g_assert_true (port == 0 || fixture->port == port);
}

static void
on_server_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

static void
kill_server (Fixture *fixture)
{
  gboolean exited = FALSE;

  if (fixture->server == NULL)
    return;
  g_subprocess_force_exit (fixture->server);
  g_subprocess_wait_async (fixture->server, NULL, on_server_exited, &exited);
  test_wait_until (&exited, TEST_WAIT_MS, "the server's exit");
  g_clear_object (&fixture->server);
}

/* The engine */

static void
greet (PlugCall *call,
       gpointer  user_data)
{
  const char *who = json_array_get_string_element (plug_call_get_args (call), 0);
  g_autofree char *text = g_strdup_printf ("hello %s", who);
  g_autoptr(JsonNode) result = json_node_init_string (json_node_alloc (), text);

  plug_call_return_value (call, result);
}

/* The manifest of plugin @name at the peer's url on @host, trusting the
 * authorities of @ca_file (NULL: no tlsCaFile field). */
static void
write_manifest (Fixture    *fixture,
                const char *name,
                const char *host,
                const char *ca_file)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, file, NULL);
  g_autofree char *ca_field = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (ca_file != NULL)
    ca_field = g_strdup_printf (" \"tlsCaFile\": \"%s\",", ca_file);
  /* A generous restart budget: a refused reconnect counts as a crash. */
  text = g_strdup_printf ("{\"name\": \"%s\", \"connector\": \"%s\","
                          " \"url\": \"%s://%s:%u\",%s \"callTimeout\": 5000,"
                          " \"startTimeout\": 5000, \"restartLimit\": 50,"
                          " \"methods\": [\"echo\", \"sum\", \"fail\", \"hang\", \"shout\", \"askHost\"]}\n",
                          name, fixture->peer->connector, fixture->peer->scheme, host,
                          fixture->port, ca_field != NULL ? ca_field : "");
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
register_plugin (Fixture    *fixture,
                 const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->dir, file, NULL);
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = plug_profile_new_from_file (path, &error);
  g_assert_no_error (error);
  plug_engine_register_profile (fixture->engine, profile, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PlugProfile) host_profile = plug_profile_new (HOST);
  g_autoptr(PlugPlugin) host = plug_plugin_new (host_profile);
  g_autoptr(GError) error = NULL;

  fixture->peer = data;
  if (prerequisites_missing (fixture->peer))
    return;

  fixture->dir = g_dir_make_tmp ("plugctl-network-XXXXXX", &error);
  g_assert_no_error (error);
  if (fixture->peer->tls)
    make_certificates (fixture->dir);
  start_server (fixture, 0);
  write_manifest (fixture, PLUGIN, "127.0.0.1", fixture->peer->tls ? CA_FILE : NULL);

  fixture->engine = test_engine_new ();
  plug_plugin_add_method (host, "greet", greet, NULL, NULL);
  plug_engine_register (fixture->engine, host, &error);
  g_assert_no_error (error);
  register_plugin (fixture, PLUGIN);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->engine != NULL && plug_engine_is_active (fixture->engine, PLUGIN))
    test_deactivate (fixture->engine, PLUGIN, NULL);
  g_clear_object (&fixture->engine);
  kill_server (fixture);
  if (fixture->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
      const char *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (fixture->dir, file, NULL);

          g_remove (path);
        }
      g_rmdir (fixture->dir);
    }
  g_clear_pointer (&fixture->dir, g_free);
}

#define SKIP_IF_MISSING(fixture) \
  G_STMT_START { if ((fixture)->engine == NULL) return; } G_STMT_END

/* Calls */

static void
test_call_returns_results (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonNode) sum = NULL;
  g_autoptr(JsonNode) echo = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);

  sum = test_call (fixture->engine, PLUGIN, "sum", "[2, 3]", &error);
  g_assert_no_error (error);
  test_assert_json (sum, "5");

  echo = test_call (fixture->engine, PLUGIN, "echo", "[{\"a\": [1, \"é\", null]}]", &error);
  g_assert_no_error (error);
  test_assert_json (echo, "{\"a\": [1, \"é\", null]}");
  g_assert_cmpint (plug_plugin_get_state (plug_engine_get_plugin (fixture->engine, PLUGIN)),
                   ==, PLUG_PLUGIN_STATE_ACTIVE);
}

static void
test_call_error_text_passes_through (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);

  result = test_call (fixture->engine, PLUGIN, "fail", "[\"disk on fire\"]", &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "disk on fire");
}

/* A string of @length bytes, ASCII and two-byte UTF-8 mixed, that
 * differs with @seed. */
static char *
make_payload (gsize length,
              guint seed)
{
  GString *text = g_string_sized_new (length + 2);

  while (text->len < length)
    {
      if ((text->len + seed) % 7 == 0 && text->len + 2 <= length)
        g_string_append (text, "é");
      else
        g_string_append_c (text, 'a' + (text->len + seed) % 26);
    }
  return g_string_free (text, FALSE);
}

static void
assert_echo (Fixture    *fixture,
             const char *payload)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GAsyncResult) done = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  json_array_add_string_element (args, payload);
  plug_engine_call (fixture->engine, TEST_CALLER, PLUGIN, "echo", args, NULL,
                    test_store_result, &slot);
  done = test_wait_result (&slot, TEST_WAIT_MS, "the echo");
  result = plug_engine_call_finish (fixture->engine, done, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (result), ==, payload);
}

typedef struct
{
  guint     answered;
  guint     total;
  gboolean  all_answered;
  char    **payloads;
} EchoBatch;

typedef struct
{
  EchoBatch *batch;
  guint      index;
} EchoCall;

static void
on_echo_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree EchoCall *call = user_data;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;

  value = plug_engine_call_finish (PLUG_ENGINE (source), result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (value), ==, call->batch->payloads[call->index]);
  call->batch->answered++;
  call->batch->all_answered = call->batch->answered == call->batch->total;
}

/* Frame lengths of every size class (7-bit, 16-bit, 64-bit), messages
 * larger than a read, and big ones in flight: more than the socket takes
 * at once, so that writes queue (not much more: socket.io's pong waits
 * behind them, and the test server allows it 300 ms). */
static void
test_call_large_and_many_messages_pass_intact (Fixture       *fixture,
                                               gconstpointer  data)
{
  /* The largest under socket.io's default limit of 1 MB a message. */
  static const gsize sizes[] = { 0, 1, 60, 100, 120, 65000, 65500, 70000, 900 * 1024 };
  guint in_flight = 24;
  EchoBatch batch = { .total = in_flight };

  SKIP_IF_MISSING (fixture);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (gsize delta = 0; delta < (sizes[i] < 70000 ? 40 : 1); delta += 3)
      {
        g_autofree char *payload = make_payload (sizes[i] + delta, i + delta);

        assert_echo (fixture, payload);
      }

  batch.payloads = g_new0 (char *, in_flight + 1);
  for (guint i = 0; i < in_flight; i++)
    {
      g_autoptr(JsonArray) args = json_array_new ();
      EchoCall *call = g_new0 (EchoCall, 1);

      batch.payloads[i] = make_payload (96 * 1024 + i, i);
      json_array_add_string_element (args, batch.payloads[i]);
      *call = (EchoCall) { &batch, i };
      plug_engine_call (fixture->engine, TEST_CALLER, PLUGIN, "echo", args, NULL,
                        on_echo_done, call);
    }
  test_wait_until (&batch.all_answered, TEST_WAIT_MS, "the answers to the calls in flight");
  g_strfreev (batch.payloads);
}

typedef struct
{
  guint     count;
  JsonNode *args;
} EventLog;

static void
on_event (const char *emitter,
          const char *event,
          JsonArray  *args,
          gpointer    user_data)
{
  EventLog *log = user_data;

  g_assert_cmpstr (emitter, ==, PLUGIN);
  g_assert_cmpstr (event, ==, "shouted");
  log->count++;
  g_clear_pointer (&log->args, json_node_unref);
  log->args = json_node_init_array (json_node_alloc (), args);
}

static void
test_event_reaches_listener (Fixture       *fixture,
                             gconstpointer  data)
{
  EventLog log = { 0, };
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);

  plug_engine_on (fixture->engine, TEST_CALLER, PLUGIN, "shouted", on_event, &log, NULL, &error);
  g_assert_no_error (error);

  result = test_call (fixture->engine, PLUGIN, "shout", "[\"hi\"]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"shouted\"");
  /* The emit is written before the response: it arrived first. */
  g_assert_cmpuint (log.count, ==, 1);
  test_assert_json (log.args, "[\"hi\"]");

  plug_engine_off (fixture->engine, TEST_CALLER, PLUGIN, "shouted");
  g_clear_pointer (&log.args, json_node_unref);
}

static void
test_plugin_calls_back_into_engine (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);

  result = test_call (fixture->engine, PLUGIN, "askHost", "[\"ws\"]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"hello ws\"");
}

/* Faults */

static void
test_refused_connection_fails_activation_at_once (Fixture       *fixture,
                                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  gint64 started;
  gint64 elapsed_ms;

  SKIP_IF_MISSING (fixture);

  kill_server (fixture);
  started = g_get_monotonic_time ();
  g_assert_false (test_activate (fixture->engine, PLUGIN, &error));
  elapsed_ms = (g_get_monotonic_time () - started) / 1000;

  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  expected = g_strdup_printf ("Cannot connect to plugin " PLUGIN " at %s://127.0.0.1:%u: *",
                              fixture->peer->scheme, fixture->port);
  g_assert_true (g_pattern_match_simple (expected, error->message));
  g_test_message ("refused activation failed in %" G_GINT64_FORMAT " ms", elapsed_ms);
  g_assert_cmpint (elapsed_ms, <, FAIL_FAST_BOUND_MS);
  g_assert_cmpint (plug_plugin_get_state (plug_engine_get_plugin (fixture->engine, PLUGIN)),
                   ==, PLUG_PLUGIN_STATE_INACTIVE);
}

static gboolean
hang_is_pending (gconstpointer data)
{
  PlugPlugin *plugin = (PlugPlugin *) data;

  return plug_plugin_get_state (plugin) == PLUG_PLUGIN_STATE_ACTIVE &&
         plug_connector_get_n_pending (PLUG_CONNECTOR (plugin)) == 1;
}

static void
wait_for_pending_hang (PlugPlugin *plugin)
{
  gint64 deadline = g_get_monotonic_time () + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (!hang_is_pending (plugin))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the call to hang was not sent within %u ms", TEST_WAIT_MS);
      g_main_context_iteration (NULL, FALSE);
    }
}

static void
test_killed_peer_fails_call_then_reconnects (Fixture       *fixture,
                                             gconstpointer  data)
{
  PlugPlugin *plugin;
  g_autoptr(JsonArray) no_args = json_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(JsonNode) sum = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  g_autofree char *expected = NULL;
  guint port = fixture->port;
  gint64 killed;
  gint64 elapsed_ms;

  SKIP_IF_MISSING (fixture);
  plugin = plug_engine_get_plugin (fixture->engine, PLUGIN);

  plug_engine_call (fixture->engine, TEST_CALLER, PLUGIN, "hang", no_args, NULL,
                    test_store_result, &slot);
  wait_for_pending_hang (plugin);

  g_subprocess_force_exit (fixture->server);
  killed = g_get_monotonic_time ();
  result = test_wait_result (&slot, TEST_WAIT_MS, "the failure of the call to hang");
  elapsed_ms = (g_get_monotonic_time () - killed) / 1000;

  value = plug_engine_call_finish (fixture->engine, result, &error);
  g_assert_null (value);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  expected = g_strdup_printf ("Plugin " PLUGIN ": connection to %s://127.0.0.1:%u lost (no close frame)",
                              fixture->peer->scheme, port);
  g_assert_cmpstr (error->message, ==, expected);
  g_test_message ("the call failed %" G_GINT64_FORMAT " ms after the peer was killed", elapsed_ms);
  g_assert_cmpint (elapsed_ms, <, FAIL_FAST_BOUND_MS);
  g_clear_error (&error);

  /* The same port again: the next call waits for the reconnection. */
  kill_server (fixture);
  start_server (fixture, port);
  sum = test_call (fixture->engine, PLUGIN, "sum", "[40, 2]", &error);
  g_assert_no_error (error);
  test_assert_json (sum, "42");
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_ACTIVE);
}

static gboolean
on_quiet_period (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_deactivation_does_not_reconnect (Fixture       *fixture,
                                      gconstpointer  data)
{
  PlugPlugin *plugin;
  g_autoptr(GError) error = NULL;
  gboolean quiet_period_over = FALSE;

  SKIP_IF_MISSING (fixture);
  plugin = plug_engine_get_plugin (fixture->engine, PLUGIN);

  g_assert_true (test_activate (fixture->engine, PLUGIN, &error));
  g_assert_no_error (error);
  g_assert_true (test_deactivate (fixture->engine, PLUGIN, &error));
  g_assert_no_error (error);

  /* Longer than the first restart backoff (100 ms). */
  g_timeout_add (500, on_quiet_period, &quiet_period_over);
  test_wait_until (&quiet_period_over, TEST_WAIT_MS, "the quiet period");
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_INACTIVE);
}

/* Pings: the websocket connector pings every second here (`keepalive`);
 * the socket.io test server pings every 300 ms and waits 300 ms. */

static void
use_short_keepalive (Fixture *fixture)
{
  PlugPlugin *plugin = plug_engine_get_plugin (fixture->engine, PLUGIN);

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (plugin), "keepalive") != NULL)
    g_object_set (plugin, "keepalive", 1, NULL);
}

static void
wait_ms (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, on_quiet_period, &over);
  test_wait_until (&over, ms + TEST_WAIT_MS, "a pause");
}

static void
test_idle_connection_survives_pings (Fixture       *fixture,
                                     gconstpointer  data)
{
  PlugPlugin *plugin;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);
  use_short_keepalive (fixture);
  plugin = plug_engine_get_plugin (fixture->engine, PLUGIN);

  first = test_call (fixture->engine, PLUGIN, "sum", "[1, 1]", &error);
  g_assert_no_error (error);
  test_assert_json (first, "2");
  /* Several ping periods of both kinds, with no message. */
  wait_ms (2500);
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_ACTIVE);
  second = test_call (fixture->engine, PLUGIN, "sum", "[2, 2]", &error);
  g_assert_no_error (error);
  test_assert_json (second, "4");
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_ACTIVE);
}

static void
test_frozen_peer_is_detected (Fixture       *fixture,
                              gconstpointer  data)
{
  PlugPlugin *plugin;
  g_autoptr(JsonArray) no_args = json_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 frozen;
  gint64 elapsed_ms;
  pid_t pid;

  SKIP_IF_MISSING (fixture);
  use_short_keepalive (fixture);
  plugin = plug_engine_get_plugin (fixture->engine, PLUGIN);

  plug_engine_call (fixture->engine, TEST_CALLER, PLUGIN, "hang", no_args, NULL,
                    test_store_result, &slot);
  wait_for_pending_hang (plugin);

  /* Stopped, its socket stays open: only the pings can tell. */
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (fixture->server), NULL, 10);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  frozen = g_get_monotonic_time ();
  result = test_wait_result (&slot, TEST_WAIT_MS, "the failure of the call to hang");
  elapsed_ms = (g_get_monotonic_time () - frozen) / 1000;
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);

  value = plug_engine_call_finish (fixture->engine, result, &error);
  g_assert_null (value);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  if (g_str_equal (fixture->peer->connector, "websocket"))
    g_assert_cmpstr (error->message, ==, "Plugin " PLUGIN " did not answer pings");
  else
    g_assert_cmpstr (error->message, ==, "Plugin " PLUGIN ": no ping from the server within 600 ms");
  g_test_message ("the frozen peer was detected after %" G_GINT64_FORMAT " ms", elapsed_ms);
  g_assert_cmpint (elapsed_ms, <, 5000);
}

/* The binary */

static void
run_cli (Fixture     *fixture,
         const char  *plugin,
         const char  *method,
         const char  *arg,
         int          expected_status,
         const char  *expected_out,
         const char  *expected_err)
{
  const char *cli = g_getenv ("PLUGCTL_CLI");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_nonnull (cli);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* Under AddressSanitizer, LeakSanitizer's tracer crashes ("Tracer
   * caught signal 11") scanning a process that used GnuTLS through
   * glib-networking, and the crash eats the output: no leak check for
   * that child. (The test process, which uses TLS too, is checked.) */
  if (fixture->peer->tls && g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *options = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }
  process = g_subprocess_launcher_spawn (launcher, &error, cli, "--plugin-dir", fixture->dir,
                                         "call", plugin, method, arg, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected_out);
  g_assert_cmpstr (err, ==, expected_err);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, expected_status);
}

static void
test_cli_calls_plugin (Fixture       *fixture,
                       gconstpointer  data)
{
  SKIP_IF_MISSING (fixture);

  run_cli (fixture, PLUGIN, "echo", "{\"b\":true}", 0, "{\"b\":true}\n", "");
  run_cli (fixture, PLUGIN, "fail", "\"no such thing\"", 1, "", "plugctl: no such thing\n");
}

/* TLS: the certificate the server shows must chain to tlsCaFile (or, with
 * no such field, to the system's authorities) and name the host. */

#define UNTRUSTED "untrusted"

static char *
untrusted_error (Fixture    *fixture,
                 const char *host,
                 const char *problem)
{
  return g_strdup_printf ("Cannot connect to plugin " UNTRUSTED " at %s://%s:%u:"
                          " the server's TLS certificate is not trusted: %s",
                          fixture->peer->scheme, host, fixture->port, problem);
}

/* Activates plugin UNTRUSTED, which the manifest puts at the peer's url
 * on @host and trusting @ca_file; returns the error it fails with. */
static GError *
activate_untrusted (Fixture    *fixture,
                    const char *host,
                    const char *ca_file)
{
  GError *error = NULL;

  write_manifest (fixture, UNTRUSTED, host, ca_file);
  register_plugin (fixture, UNTRUSTED);

  g_assert_false (test_activate (fixture->engine, UNTRUSTED, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (plug_plugin_get_state (plug_engine_get_plugin (fixture->engine, UNTRUSTED)),
                   ==, PLUG_PLUGIN_STATE_INACTIVE);
  return error;
}

static void
assert_certificate_refused (Fixture    *fixture,
                            const char *host,
                            const char *ca_file,
                            const char *expected)
{
  g_autoptr(GError) error = activate_untrusted (fixture, host, ca_file);

  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_tls_unknown_authority_fails_activation (Fixture       *fixture,
                                             gconstpointer  data)
{
  g_autofree char *expected = NULL;
  g_autofree char *expected_err = NULL;

  SKIP_IF_MISSING (fixture);

  /* No tlsCaFile: the system's authorities do not know the test CA. */
  expected = untrusted_error (fixture, "127.0.0.1", "it is not signed by a trusted authority");
  assert_certificate_refused (fixture, "127.0.0.1", NULL, expected);

  /* The binary says the same, as a start error. */
  expected_err = g_strdup_printf ("plugctl: %s\n", expected);
  run_cli (fixture, UNTRUSTED, "echo", "1", 4, "", expected_err);
}

static void
test_tls_other_authority_fails_activation (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autofree char *expected = NULL;

  SKIP_IF_MISSING (fixture);

  expected = untrusted_error (fixture, "127.0.0.1", "it is not signed by a trusted authority");
  assert_certificate_refused (fixture, "127.0.0.1", "other-ca.pem", expected);
}

static void
test_tls_host_mismatch_fails_activation (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *expected = NULL;

  SKIP_IF_MISSING (fixture);

  /* The certificate names 127.0.0.1 only. */
  expected = untrusted_error (fixture, "localhost", "it does not name the host");
  assert_certificate_refused (fixture, "localhost", CA_FILE, expected);
}

/* An unusable tlsCaFile is the profile's fault; the error names the file. */
static void
assert_ca_file_refused (Fixture    *fixture,
                        const char *ca_file,
                        const char *expected_reason)
{
  g_autofree char *path = g_build_filename (fixture->dir, ca_file, NULL);
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = activate_untrusted (fixture, "127.0.0.1", ca_file);

  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  expected = g_strdup_printf ("Plugin " UNTRUSTED ": cannot use tlsCaFile %s: %s",
                              path, expected_reason);
  if (!g_pattern_match_simple (expected, error->message))
    g_error ("\"%s\" does not match \"%s\"", error->message, expected);
}

static void
test_tls_missing_ca_file_fails_activation (Fixture       *fixture,
                                           gconstpointer  data)
{
  SKIP_IF_MISSING (fixture);

  assert_ca_file_refused (fixture, "missing.pem", "*?");
}

static void
test_tls_ca_file_without_certificate_fails_activation (Fixture       *fixture,
                                                       gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_MISSING (fixture);

  path = g_build_filename (fixture->dir, "empty.pem", NULL);
  g_file_set_contents (path, "not a certificate\n", -1, &error);
  g_assert_no_error (error);
  assert_ca_file_refused (fixture, "empty.pem", "it holds no PEM certificate");
}

static void
add_tests (const Peer *peer)
{
  static const struct
  {
    const char *path;
    void (*func) (Fixture *, gconstpointer);
  } tests[] = {
    { "/call/returns-results", test_call_returns_results },
    { "/call/error-text-passes-through", test_call_error_text_passes_through },
    { "/event/reaches-listener-before-response", test_event_reaches_listener },
    { "/call/plugin-calls-back-into-engine", test_plugin_calls_back_into_engine },
    { "/fault/refused-connection-fails-activation-at-once",
      test_refused_connection_fails_activation_at_once },
    { "/fault/killed-peer-fails-call-then-reconnects",
      test_killed_peer_fails_call_then_reconnects },
    { "/deactivate/does-not-reconnect", test_deactivation_does_not_reconnect },
    { "/call/large-and-many-messages-pass-intact",
      test_call_large_and_many_messages_pass_intact },
    { "/cli/calls-plugin", test_cli_calls_plugin },
    { "/keepalive/idle-connection-survives-pings", test_idle_connection_survives_pings },
    { "/keepalive/frozen-peer-is-detected", test_frozen_peer_is_detected },
  };
  static const struct
  {
    const char *path;
    void (*func) (Fixture *, gconstpointer);
  } tls_tests[] = {
    { "/tls/unknown-authority-fails-activation", test_tls_unknown_authority_fails_activation },
    { "/tls/other-authority-fails-activation", test_tls_other_authority_fails_activation },
    { "/tls/host-mismatch-fails-activation", test_tls_host_mismatch_fails_activation },
    { "/tls/missing-ca-file-fails-activation", test_tls_missing_ca_file_fails_activation },
    { "/tls/ca-file-without-certificate-fails-activation",
      test_tls_ca_file_without_certificate_fails_activation },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      g_autofree char *path = g_strconcat ("/network/", peer->name, tests[i].path, NULL);

      g_test_add (path, Fixture, peer, fixture_set_up, tests[i].func, fixture_tear_down);
    }
  for (gsize i = 0; peer->tls && i < G_N_ELEMENTS (tls_tests); i++)
    {
      g_autofree char *path = g_strconcat ("/network/", peer->name, tls_tests[i].path, NULL);

      g_test_add (path, Fixture, peer, fixture_set_up, tls_tests[i].func, fixture_tear_down);
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *only = NULL;

  /* --peer=NAME (first): run the tests of that peer only. */
  if (argc > 1 && g_str_has_prefix (argv[1], "--peer="))
    {
      only = argv[1] + strlen ("--peer=");
      argv[1] = argv[0];
      argc--, argv++;
    }
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (peers); i++)
    if (only == NULL || g_strcmp0 (only, peers[i].name) == 0)
      add_tests (&peers[i]);

  return g_test_run ();
}
