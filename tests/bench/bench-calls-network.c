/* bench-calls-network.c: the websocket and socketio connectors calling
 * the Node peers of tests/network
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The peers, copies of tests/network's in peers/, serve an echo plugin on
 * the unmodified @remixproject/plugin: ws-plugin-server.js through a `ws`
 * server and the unmodified @remixproject/plugin-ws client library,
 * sio-plugin-server.js through an unmodified socket.io 4 server. Their
 * node_modules are those of $PLUGCTL_BENCH_PEERS_DIR (default: the source
 * tree's tests/network, which `npm ci --prefix tests/network` installs).
 * The Remix side (remix/bench-remix.js) calls the same peers.
 *
 * To profile: $PLUGCTL_BENCH_CONNECTORS (e.g. "websocket") picks the
 * connectors measured; with $PLUGCTL_BENCH_PEER_CPU set, each peer prints
 * its CPU time on stderr when it ends (the peer's share of a call).
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <plugctl.h>

#include "bench-calls.h"
#include "bench-util.h"

#ifndef BENCH_NETWORK_PEERS_DIR
#error "BENCH_NETWORK_PEERS_DIR: the source tree's tests/network"
#endif
#ifndef BENCH_SRCDIR
#error "BENCH_SRCDIR: the source tree's tests/bench"
#endif

typedef struct
{
  const char *connector;
  const char *script;
  const char *scheme;
  const char *module;   /* what the script needs from node_modules */
  const char *prefix;
} Peer;

static const Peer peers[] = {
  { "websocket", "ws-plugin-server.js", "ws", "@remixproject/plugin-ws", "ws" },
  { "socketio", "sio-plugin-server.js", "http", "socket.io", "sio" },
};

static const char *
peers_dir (void)
{
  const char *dir = g_getenv ("PLUGCTL_BENCH_PEERS_DIR");

  return dir != NULL ? dir : BENCH_NETWORK_PEERS_DIR;
}

/* $PLUGCTL_BENCH_CONNECTORS (comma-separated), to profile one of them. */
static gboolean
peer_selected (const Peer *peer)
{
  const char *only = g_getenv ("PLUGCTL_BENCH_CONNECTORS");
  g_auto(GStrv) names = NULL;

  if (only == NULL || *only == '\0')
    return TRUE;
  names = g_strsplit (only, ",", -1);
  return g_strv_contains ((const char * const *) names, peer->connector);
}

static gboolean
peer_available (const Peer *peer)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *module = g_build_filename (peers_dir (), "node_modules", peer->module,
                                              "package.json", NULL);
  g_auto(GStrv) connectors = plug_connector_module_list ();

  if (node == NULL)
    g_printerr ("bench-calls: node is not on PATH, %s skipped\n", peer->connector);
  else if (!g_file_test (module, G_FILE_TEST_EXISTS))
    g_printerr ("bench-calls: %s is missing (npm ci --prefix tests/network), %s skipped\n",
                module, peer->connector);
  else if (connectors == NULL ||
           !g_strv_contains ((const char * const *) connectors, peer->connector))
    g_printerr ("bench-calls: no %s connector, skipped\n", peer->connector);
  else
    return TRUE;
  return FALSE;
}

/* Starts the peer on a free loopback port; it prints the port, and exits
 * when its stdin closes. */
static GSubprocess *
start_peer (const Peer *peer,
            guint      *port)
{
  g_autofree char *script = g_build_filename (BENCH_SRCDIR, "peers", peer->script, NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *out;
  char line[32];
  gsize used = 0;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "PLUGCTL_BENCH_PEERS_DIR", peers_dir (), TRUE);
  server = g_subprocess_launcher_spawn (launcher, &error, "node", script, "0", NULL);
  if (server == NULL)
    g_error ("%s: %s", script, error->message);
  out = g_subprocess_get_stdout_pipe (server);
  /* Blocking: the port comes within a second or the peer has died. */
  while (used == 0 || line[used - 1] != '\n')
    {
      gssize n = g_input_stream_read (out, line + used, sizeof line - 1 - used, NULL, &error);

      if (n <= 0 || used + n >= sizeof line - 1)
        g_error ("%s did not print its port: %s", script,
                 n < 0 ? error->message : "end of output");
      used += n;
    }
  line[used] = '\0';
  *port = (guint) g_ascii_strtoull (line, NULL, 10);
  if (*port == 0)
    g_error ("%s printed %s", script, line);
  return g_steal_pointer (&server);
}

static void
on_peer_exited (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

static gboolean
on_peer_slow_to_exit (gpointer user_data)
{
  g_subprocess_force_exit (user_data);
  return G_SOURCE_REMOVE;
}

/* Closes the peer's stdin, which ends it (with $PLUGCTL_BENCH_PEER_CPU
 * set, it first prints its CPU time); killed if it has not exited
 * within a second. */
static void
stop_peer (GSubprocess *server)
{
  GSource *timeout = g_timeout_source_new (1000);
  gboolean exited = FALSE;

  g_source_set_callback (timeout, on_peer_slow_to_exit, server, NULL);
  g_source_attach (timeout, NULL);
  g_subprocess_wait_async (server, NULL, on_peer_exited, &exited);
  g_output_stream_close (g_subprocess_get_stdin_pipe (server), NULL, NULL);
  while (!exited)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

static PlugProfile *
peer_profile (const Peer *peer,
              guint       port,
              guint       concurrency)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonArray) methods = json_array_new ();
  g_autofree char *name = g_strconcat ("remote-", peer->prefix, NULL);
  g_autofree char *url = g_strdup_printf ("%s://127.0.0.1:%u", peer->scheme, port);
  g_autoptr(GError) error = NULL;
  PlugProfile *profile;

  json_array_add_string_element (methods, "echo");
  json_object_set_string_member (object, "name", name);
  json_object_set_string_member (object, "connector", peer->connector);
  json_object_set_string_member (object, "url", url);
  json_object_set_array_member (object, "methods", g_steal_pointer (&methods));
  json_object_set_int_member (object, "callTimeout", 20000);
  if (concurrency > 0)
    json_object_set_int_member (object, "concurrency", concurrency);
  profile = plug_profile_new_from_json (object, NULL, name, &error);
  if (profile == NULL)
    g_error ("Profile %s: %s", name, error->message);
  return profile;
}

void
bench_calls_group_network (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      g_autoptr(GSubprocess) server = NULL;
      g_autoptr(PlugProfile) profile = NULL;
      g_autoptr(PlugProfile) deep = NULL;
      guint port;

      if (!peer_selected (&peers[i]) || !peer_available (&peers[i]))
        continue;
      server = start_peer (&peers[i], &port);
      profile = peer_profile (&peers[i], port, 0);
      deep = peer_profile (&peers[i], port, BENCH_DEPTH);
      bench_calls_measure_plugin (profile, deep, peers[i].prefix);
      stop_peer (server);
    }
}
