/* test-browser.c: plugins in web pages, through `plugctl daemon --listen`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test has a private bus (GTestDBus) and runs the real `plugctl
 * daemon --listen ws://127.0.0.1:0` on it, with the bundled manifests
 * (worker-echo and iframe-ticker are browser plugins, echo is not), and
 * uses it through `plugctl --daemon`. The listener's checks are driven
 * from C with libsoup's WebSocket client, which also plays a page. The
 * /browser/chromium/ tests serve plugins/browser/ over loopback HTTP from
 * this process and open example.html in Debian's headless Chromium: its
 * web worker is worker-echo, its iframe is iframe-ticker. They skip only
 * when chromium is not installed.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../cli/cli-runner.h"
#include "browser-util.h"

/* Generous bound for "at once": the figure measured is printed. */
#define FAIL_FAST_BOUND_MS 1000
#define DAEMON_NAME "org.plugctl.Engine1"
#define DAEMON_PATH "/org/plugctl/Engine1"

typedef struct
{
  GTestDBus        *bus;
  GDBusConnection  *connection;
  GSubprocess      *daemon;
  GString          *daemon_log;   /* its stderr, so far */
  gboolean          daemon_log_done;
  char             *listen;       /* the URL it printed */
  char             *token;
  SoupServer       *http;         /* serves plugins/browser/ */
  guint             http_port;
  GSubprocess      *chromium;
  char             *profile_dir;  /* chromium's --user-data-dir */
} Fixture;

/* Chromium's process group, killed on any exit, a failed assertion too. */
static volatile pid_t chromium_group;

static void
kill_chromium_group (void)
{
  if (chromium_group > 0)
    kill (-chromium_group, SIGKILL);
}

static void
on_fatal_signal (int signum)
{
  kill_chromium_group ();
  signal (signum, SIG_DFL);
  raise (signum);
}

/* The daemon */

static void
child_dies_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void read_daemon_log (Fixture *fixture, GDataInputStream *err);

static void
on_daemon_log_line (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Fixture *fixture = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                   NULL, NULL);
  if (line == NULL)
    {
      fixture->daemon_log_done = TRUE;
      g_object_unref (source);
      return;
    }
  g_test_message ("daemon: %s", line);
  g_string_append_printf (fixture->daemon_log, "%s\n", line);
  read_daemon_log (fixture, G_DATA_INPUT_STREAM (source));
}

static void
read_daemon_log (Fixture          *fixture,
                 GDataInputStream *err)
{
  g_data_input_stream_read_line_async (err, G_PRIORITY_DEFAULT, NULL,
                                       on_daemon_log_line, fixture);
}

typedef struct
{
  Fixture    *fixture;
  const char *pattern;
} LogSearch;

static gboolean
log_has_line (gpointer data)
{
  LogSearch *search = data;
  g_auto(GStrv) lines = g_strsplit (search->fixture->daemon_log->str, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_pattern_match_simple (search->pattern, lines[i]))
      return TRUE;
  return FALSE;
}

static void
assert_daemon_logs (Fixture    *fixture,
                    const char *pattern)
{
  LogSearch search = { fixture, pattern };
  g_autofree char *what = g_strdup_printf ("the daemon to log \"%s\"", pattern);

  wait_until (log_has_line, &search, what);
}

static void
start_daemon (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) line_node = NULL;
  g_autofree char *line = NULL;
  JsonObject *announce;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "PLUGCTL_PLUGIN_PATH");
  g_subprocess_launcher_set_child_setup (launcher, child_dies_with_parent, NULL, NULL);
  fixture->daemon = g_subprocess_launcher_spawn (launcher, &error,
                                                 g_getenv ("PLUGCTL_CLI"),
                                                 "--plugin-dir", g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"),
                                                 "daemon", "--listen", "ws://127.0.0.1:0",
                                                 NULL);
  g_assert_no_error (error);

  fixture->daemon_log = g_string_new (NULL);
  read_daemon_log (fixture, g_data_input_stream_new (g_subprocess_get_stderr_pipe (fixture->daemon)));

  /* the line comes once the daemon serves on the bus */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->daemon));
  line = read_line_bounded (out, fixture->daemon);
  g_assert_nonnull (line);
  line_node = parse_json (line);
  announce = json_node_get_object (line_node);
  fixture->listen = g_strdup (json_object_get_string_member (announce, "listen"));
  fixture->token = g_strdup (json_object_get_string_member (announce, "token"));
  g_assert_true (g_pattern_match_simple ("ws://127.0.0.1:*/plugctl", fixture->listen));
  g_assert_cmpuint (strlen (fixture->token), ==, 32);
}

static void
stop_daemon (Fixture *fixture)
{
  if (fixture->daemon == NULL)
    return;
  g_subprocess_send_signal (fixture->daemon, SIGTERM);
  g_assert_cmpint (wait_exit_bounded (fixture->daemon), ==, 0);
  wait_until (flag_is_set, &fixture->daemon_log_done, "the end of the daemon's log");
  g_clear_object (&fixture->daemon);
}

/* plugctl --daemon … */

static GSubprocess *
spawn_listen (const char        *plugin,
              const char        *event,
              GDataInputStream **out)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "--daemon", "listen", plugin, event, NULL);
  return cli_spawn_streaming (argv, out);
}

/* The daemon's Listeners property reaches @wanted. */
typedef struct
{
  GDBusProxy *proxy;
  guint       wanted;
} Listeners;

static gboolean
listeners_reached (gpointer data)
{
  Listeners *listeners = data;
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (listeners->proxy, "Listeners");

  return value != NULL && g_variant_get_uint32 (value) == listeners->wanted;
}

static void
wait_for_listeners (Fixture *fixture,
                    guint    wanted)
{
  g_autoptr(GError) error = NULL;
  Listeners listeners = { NULL, wanted };

  listeners.proxy = g_dbus_proxy_new_sync (fixture->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                           NULL, DAEMON_NAME, DAEMON_PATH,
                                           "org.plugctl.Engine1", NULL, &error);
  g_assert_no_error (error);
  wait_until (listeners_reached, &listeners, "the daemon's listeners");
  g_object_unref (listeners.proxy);
}

static void
assert_refused (Fixture    *fixture,
                const char *name,
                const char *token,
                const char *log_pattern)
{
  g_auto(CliRun) run = { NULL, };
  Page page = { NULL, };

  page_connect (&page, fixture->listen, name, token);
  g_assert_null (page.connection);
  g_assert_nonnull (page.error);
  g_assert_cmpuint (page.status, ==, SOUP_STATUS_FORBIDDEN);
  assert_daemon_logs (fixture, log_pattern);
  page_clear (&page);

  /* the engine goes on */
  cli_run_daemon (&run, "call", "manager", "isActive", "\"manager\"", NULL);
  assert_run (&run, 0, "true\n", "");
}

/* Chromium */

static char *
find_chromium (void)
{
  return g_find_program_in_path ("chromium");
}

static void
chromium_child_setup (gpointer user_data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Opens example.html; FALSE (the test skipped) without chromium. */
static gboolean
start_chromium (Fixture *fixture)
{
  g_autofree char *chromium = find_chromium ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *page = NULL;

  if (chromium == NULL)
    {
      g_test_skip ("chromium is not installed (apt install chromium)");
      return FALSE;
    }
  fixture->http = http_server_new (PLUGCTL_BROWSER_PAGES_DIR, &fixture->http_port);
  fixture->profile_dir = g_dir_make_tmp ("plugctl-chromium-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_strconcat ("--user-data-dir=", fixture->profile_dir, NULL);
  hash = g_uri_escape_string (fixture->listen, NULL, FALSE);
  page = g_strdup_printf ("http://127.0.0.1:%u/example.html#url=%s&token=%s",
                          fixture->http_port, hash, fixture->token);

  /* its stdout would break the TAP stream; its stderr goes to the log */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, chromium_child_setup, NULL, NULL);
  fixture->chromium = g_subprocess_launcher_spawn (launcher, &error, chromium,
                                                   "--headless", "--no-sandbox", "--disable-gpu",
                                                   "--disable-dev-shm-usage",
                                                   "--disable-background-networking",
                                                   "--disable-breakpad", "--no-first-run",
                                                   data_dir, page, NULL);
  g_assert_no_error (error);
  chromium_group = atoi (g_subprocess_get_identifier (fixture->chromium));
  return TRUE;
}

static void
kill_chromium (Fixture *fixture)
{
  if (fixture->chromium == NULL)
    return;
  kill_chromium_group ();
  wait_exit_bounded (fixture->chromium);
  chromium_group = 0;
  g_clear_object (&fixture->chromium);
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (fixture->bus);  /* sets DBUS_SESSION_BUS_ADDRESS for plugctl */
  g_unsetenv ("PLUGCTL_DAEMON");
  fixture->connection =
    g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  start_daemon (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  kill_chromium (fixture);
  stop_daemon (fixture);
  if (fixture->http != NULL)
    soup_server_disconnect (fixture->http);
  g_clear_object (&fixture->http);
  if (fixture->profile_dir != NULL)
    remove_tree (fixture->profile_dir);
  g_clear_pointer (&fixture->profile_dir, g_free);
  g_clear_pointer (&fixture->listen, g_free);
  g_clear_pointer (&fixture->token, g_free);
  if (fixture->daemon_log != NULL)
    g_string_free (fixture->daemon_log, TRUE);
  g_dbus_connection_close_sync (fixture->connection, NULL, NULL);
  g_clear_object (&fixture->connection);
  g_test_dbus_down (fixture->bus);
  g_clear_object (&fixture->bus);
}

/* The listener's checks (no browser needed) */

static void
test_wrong_token_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  assert_refused (fixture, "worker-echo", "0123456789abcdef0123456789abcdef",
                  "plugctl: warning: Refused the connection from 127.0.0.1:* "
                  "for plugin \"worker-echo\": wrong token");
}

static void
test_unknown_name_refused (Fixture       *fixture,
                           gconstpointer  data)
{
  assert_refused (fixture, "nope", fixture->token,
                  "plugctl: warning: Refused the connection from 127.0.0.1:* "
                  "for plugin \"nope\": no such plugin");
}

static void
test_non_browser_name_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  assert_refused (fixture, "echo", fixture->token,
                  "plugctl: warning: Refused the connection from 127.0.0.1:* "
                  "for plugin \"echo\": its connector is \"child-process\", not \"browser\"");
}

/* A page registers its plugin, serves it, and keeps its name. */
static void
test_page_registers_and_keeps_name (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_auto(CliRun) run = { NULL, };
  Page page = { NULL, };

  page_connect (&page, fixture->listen, "worker-echo", fixture->token);
  g_assert_no_error (page.error);
  wait_until (flag_is_set, &page.handshaken, "the handshake");

  cli_run_daemon (&run, "call", "worker-echo", "echo", "\"from C\"", NULL);
  assert_run (&run, 0, "\"from C\"\n", "");

  assert_refused (fixture, "worker-echo", fixture->token,
                  "plugctl: warning: Refused the connection from 127.0.0.1:* "
                  "for plugin \"worker-echo\": another connection claimed it");

  cli_run_clear (&run);
  cli_run_daemon (&run, "call", "worker-echo", "echo", "[1,2]", NULL);
  assert_run (&run, 0, "[1,2]\n", "");
  page_clear (&page);
}

typedef struct
{
  gboolean done;
  gint64   exited_at;
  char    *out;
  char    *err;
  int      status;
} Background;

static void
on_background_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Background *call = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  g_subprocess_communicate_utf8_finish (process, result, &call->out, &call->err, NULL);
  call->exited_at = g_get_monotonic_time ();
  call->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  call->done = TRUE;
}

static GSubprocess *
call_in_background (Background *call,
                    const char *plugin,
                    const char *method,
                    const char *arg)
{
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  cli_argv_add (argv, "--daemon", "call", plugin, method, arg, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_background_done, call);
  return process;
}

static gint64
wait_background (Background *call,
                 gint64      since)
{
  gint64 elapsed_ms;

  wait_until (flag_is_set, &call->done, "the call to fail");
  elapsed_ms = (call->exited_at - since) / G_TIME_SPAN_MILLISECOND;
  g_test_message ("the call failed %" G_GINT64_FORMAT " ms after the page went away", elapsed_ms);
  return elapsed_ms;
}

static gboolean
page_got_hang (gpointer data)
{
  Page *page = data;

  return g_strcmp0 (page->request_key, "hang") == 0;
}

/* A page whose connection breaks fails its plugin's pending call at once. */
static void
test_lost_page_fails_pending_call (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GSubprocess) process = NULL;
  Background call = { FALSE, };
  Page page = { NULL, };
  gint64 lost_at;

  page_connect (&page, fixture->listen, "worker-echo", fixture->token);
  g_assert_no_error (page.error);
  wait_until (flag_is_set, &page.handshaken, "the handshake");

  process = call_in_background (&call, "worker-echo", "hang", NULL);
  wait_until (page_got_hang, &page, "the page to get the call");

  lost_at = g_get_monotonic_time ();
  /* no close frame: as a page whose browser died */
  g_io_stream_close (soup_websocket_connection_get_io_stream (page.connection), NULL, NULL);
  g_assert_cmpint (wait_background (&call, lost_at), <, FAIL_FAST_BOUND_MS);
  g_assert_cmpint (call.status, ==, 1);
  g_assert_cmpstr (call.out, ==, "");
  g_assert_true (g_pattern_match_simple ("plugctl: Plugin worker-echo: connection to the "
                                         "page at 127.0.0.1:* lost\n", call.err));
  g_free (call.out);
  g_free (call.err);
  page_clear (&page);
}

/* Headless Chromium: example.html */

static void
test_worker_answers_call (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(CliRun) run = { NULL, };

  if (!start_chromium (fixture))
    return;

  /* the activation waits for the page (the profile's startTimeout) */
  cli_run_daemon (&run, "call", "worker-echo", "echo", "\"hi\"", NULL);
  assert_run (&run, 0, "\"hi\"\n", "");

  cli_run_clear (&run);
  cli_run_daemon (&run, "call", "worker-echo", "sum", "1", "2", "3.5", NULL);
  assert_run (&run, 0, "6.5\n", "");

  cli_run_clear (&run);
  cli_run_daemon (&run, "call", "worker-echo", "fail", "\"boom\"", NULL);
  assert_run (&run, 1, "", "plugctl: boom\n");
}

static void
test_iframe_event_reaches_listen (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_auto(CliRun) run = { NULL, };
  g_autoptr(GSubprocess) listen = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (!start_chromium (fixture))
    return;

  listen = spawn_listen ("iframe-ticker", "tick", &out);
  line = read_line_bounded (out, listen);
  g_assert_nonnull (line);
  g_test_message ("plugctl listen printed %s", line);
  g_assert_true (g_regex_match_simple ("^\\[[1-9][0-9]*\\]$", line, 0, 0));

  /* the iframe calls the worker through the engine */
  cli_run_daemon (&run, "call", "iframe-ticker", "relay", "\"through the iframe\"", NULL);
  assert_run (&run, 0, "\"through the iframe\"\n", "");

  g_subprocess_send_signal (listen, SIGTERM);
  wait_exit_bounded (listen);
}

static void
test_closed_page_fails_pending_call (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GSubprocess) listen = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  Background call = { FALSE, };
  gint64 killed_at;

  if (!start_chromium (fixture))
    return;

  /* the worker emits `waiting` when its method wait starts */
  listen = spawn_listen ("worker-echo", "waiting", &out);
  wait_for_listeners (fixture, 1);
  process = call_in_background (&call, "worker-echo", "wait", "60000");
  line = read_line_bounded (out, listen);
  g_assert_cmpstr (line, ==, "[60000]");

  killed_at = g_get_monotonic_time ();
  kill_chromium (fixture);
  g_assert_cmpint (wait_background (&call, killed_at), <, FAIL_FAST_BOUND_MS);
  g_assert_cmpint (call.status, ==, 1);
  g_assert_cmpstr (call.out, ==, "");
  g_assert_true (g_pattern_match_simple ("plugctl: Plugin worker-echo: connection to the "
                                         "page at 127.0.0.1:* lost\n", call.err));
  g_free (call.out);
  g_free (call.err);

  g_subprocess_send_signal (listen, SIGTERM);
  wait_exit_bounded (listen);
}

/* Without the daemon's listener */

static void
test_no_listener_fails_fast (void)
{
  g_auto(CliRun) run = { NULL, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "--plugin-dir", g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"),
                "call", "worker-echo", "echo", "1", NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 4, "",
              "plugctl: Plugin worker-echo runs in a web page, and no page can connect: "
              "the engine does not listen (plugctl daemon --listen ws://127.0.0.1:PORT)\n");
}

static void
test_listen_refuses_non_loopback (void)
{
  g_auto(CliRun) run = { NULL, };
  g_autoptr(GPtrArray) argv = cli_argv_new (FALSE);

  cli_argv_add (argv, "daemon", "--listen", "ws://0.0.0.0:0", NULL);
  cli_run_argv (&run, argv, NULL);
  assert_run (&run, 2, "",
              "plugctl: Refusing to listen on 0.0.0.0: pages may connect on a loopback "
              "address only (127.0.0.1, ::1 or localhost)\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  signal (SIGABRT, on_fatal_signal);
  signal (SIGTERM, on_fatal_signal);
  signal (SIGINT, on_fatal_signal);
  signal (SIGSEGV, on_fatal_signal);
  atexit (kill_chromium_group);

  g_test_add_func ("/browser/daemon/listen-refuses-non-loopback", test_listen_refuses_non_loopback);
  g_test_add_func ("/browser/embedded/no-listener-fails-fast", test_no_listener_fails_fast);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/browser/listener/wrong-token-refused", test_wrong_token_refused);
  ADD ("/browser/listener/unknown-name-refused", test_unknown_name_refused);
  ADD ("/browser/listener/non-browser-name-refused", test_non_browser_name_refused);
  ADD ("/browser/listener/page-registers-and-keeps-name", test_page_registers_and_keeps_name);
  ADD ("/browser/listener/lost-page-fails-pending-call", test_lost_page_fails_pending_call);
  ADD ("/browser/chromium/worker-answers-call", test_worker_answers_call);
  ADD ("/browser/chromium/iframe-event-reaches-listen", test_iframe_event_reaches_listen);
  ADD ("/browser/chromium/closed-page-fails-pending-call", test_closed_page_fails_pending_call);
#undef ADD

  return g_test_run ();
}
