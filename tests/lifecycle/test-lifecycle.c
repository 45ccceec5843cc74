/* test-lifecycle.c: start-up, versions, stopping and restarts of plugins
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Issue 9 §1–§4 against the engine and the child-process connector: the
 * protocol version in the handshake (both sides), the manifest's plugctl
 * range, the distinct start errors, process groups on stop, the restart
 * budget and the status view. Warnings are expected (a SIGKILL after a
 * grace period): only criticals are fatal.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../conformance/test-util.h"

#define GONE_BOUND_MS 5000

static gboolean
warnings_are_not_fatal (const char     *log_domain,
                        GLogLevelFlags  log_level,
                        const char     *message,
                        gpointer        user_data)
{
  return (log_level & G_LOG_LEVEL_WARNING) == 0;
}

static PlugPlugin *
register_data (PlugEngine *engine,
               const char *json)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  PlugPlugin *plugin;

  profile = plug_profile_new_from_data (json, -1, NULL, &error);
  g_assert_no_error (error);
  plugin = plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
  return plugin;
}


static void
register_crasher (PlugEngine *engine,
                  const char *extra_fields)
{
  g_autofree char *command = g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                               "plugins", "crasher", NULL);
  g_autofree char *json = NULL;

  json = g_strdup_printf ("{\"name\": \"crasher\", \"command\": \"%s\", "
                          "\"methods\": [\"crash\", \"ping\"]%s}", command, extra_fields);
  register_data (engine, json);
}

static JsonObject *
get_status (PlugEngine *engine,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  JsonObject *status = plug_engine_get_status (engine, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (status);
  return status;
}

/* Gone: no such process, or a zombie nobody of ours will reap. */
static gboolean
process_is_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *paren;

  if (kill (pid, 0) < 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  paren = strrchr (stat, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

typedef struct
{
  const pid_t *pids;
  guint        n_pids;
  gboolean     gone;
} GoneWatch;

static gboolean
check_gone (gpointer user_data)
{
  GoneWatch *watch = user_data;

  for (guint i = 0; i < watch->n_pids; i++)
    if (!process_is_gone (watch->pids[i]))
      return G_SOURCE_CONTINUE;
  watch->gone = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_gone (const pid_t *pids,
           guint        n_pids)
{
  GoneWatch watch = { pids, n_pids, FALSE };

  g_timeout_add (5, check_gone, &watch);
  test_wait_until (&watch.gone, GONE_BOUND_MS, "the end of the processes");
}

/* §1 The protocol version */

static void
test_version_agreed (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(PlugProfile) py_echo = test_load_profile ("py-echo");
  g_autoptr(JsonObject) echo_status = NULL;
  g_autoptr(JsonObject) py_status = NULL;
  g_autoptr(GError) error = NULL;

  plug_engine_register_profile (engine, echo, &error);
  g_assert_no_error (error);
  plug_engine_register_profile (engine, py_echo, &error);
  g_assert_no_error (error);
  g_assert_true (test_activate (engine, "echo", &error));
  g_assert_no_error (error);
  g_assert_true (test_activate (engine, "py-echo", &error));
  g_assert_no_error (error);

  /* A PlugClient picks version 1; a client that knows none answers
   * without it, as Remix clients do. */
  echo_status = get_status (engine, "echo");
  g_assert_cmpint (json_object_get_int_member (echo_status, "protocolVersion"), ==, 1);
  py_status = get_status (engine, "py-echo");
  g_assert_cmpint (json_object_get_int_member (py_status, "protocolVersion"), ==, 0);
}

static void
test_version_mismatch (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;

  /* Answers the handshake (id 0) as a client of versions 7 and 8. */
  register_data (engine,
                 "{\"name\": \"oldproto\", \"command\": \"/bin/sh\", \"args\": [\"-c\", "
                 "\"IFS= read -r line <&3; printf '%s\\\\n' "
                 "'{\\\"action\\\":\\\"response\\\",\\\"id\\\":0,\\\"name\\\":\\\"oldproto\\\","
                 "\\\"key\\\":\\\"handshake\\\",\\\"error\\\":\\\"no common version\\\","
                 "\\\"protocol\\\":{\\\"versions\\\":[7,8]}}' >&3; sleep 5\"]}");

  g_assert_false (test_activate (engine, "oldproto", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin oldproto speaks plugctl protocol versions 7, 8; plugctl "
                   PACKAGE_VERSION " offers 1: no version in common");
}

/* The client side: a PlugClient on a socketpair, in a thread of its own. */
typedef struct
{
  int   fd;
  int   status;
} ClientThread;

static gpointer
run_client (gpointer user_data)
{
  ClientThread *thread = user_data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(PlugFdClientConnector) connector = NULL;
  g_autoptr(PlugClient) client = NULL;

  g_main_context_push_thread_default (context);
  connector = plug_fd_client_connector_new (thread->fd);
  client = plug_client_new (PLUG_CLIENT_CONNECTOR (connector));
  thread->status = plug_client_run (client);
  g_clear_object (&client);
  g_clear_object (&connector);
  g_main_context_pop_thread_default (context);

  return NULL;
}

/* One line from @fd, within a bound. */
static char *
read_line (int fd)
{
  GString *line = g_string_new (NULL);
  struct pollfd pfd = { fd, POLLIN, 0 };
  char c;

  while (TRUE)
    {
      g_assert_cmpint (poll (&pfd, 1, TEST_WAIT_MS), ==, 1);
      if (read (fd, &c, 1) != 1 || c == '\n')
        break;
      g_string_append_c (line, c);
    }

  return g_string_free (line, FALSE);
}

static void
write_line (int         fd,
            const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
}

static char *
client_handshake (const char *offer,
                  int        *status)
{
  ClientThread thread = { -1, -1 };
  g_autofree char *opening = NULL;
  g_autofree char *request = NULL;
  GThread *client;
  char *answer;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  thread.fd = fds[1];
  client = g_thread_new ("client", run_client, &thread);

  opening = read_line (fds[0]);
  g_assert_cmpstr (opening, ==, "{\"id\":-1,\"action\":\"request\",\"key\":\"handshake\"}");
  request = g_strdup_printf ("{\"id\":0,\"action\":\"request\",\"name\":\"ext\",\"key\":\"handshake\","
                             "\"payload\":[\"ext\",\"plugctl\"],\"protocol\":%s}", offer);
  write_line (fds[0], request);
  answer = read_line (fds[0]);

  close (fds[0]);
  g_thread_join (client);
  *status = thread.status;

  return answer;
}

static void
test_client_picks_highest (void)
{
  g_autofree char *answer = NULL;
  int status;

  answer = client_handshake ("{\"versions\":[0,1,7]}", &status);
  g_assert_cmpstr (answer, ==,
                   "{\"id\":0,\"action\":\"response\",\"name\":\"ext\",\"key\":\"handshake\","
                   "\"payload\":[],\"protocol\":{\"version\":1}}");
  g_assert_cmpint (status, ==, 0);
}

static void
test_client_refuses (void)
{
  g_autofree char *answer = NULL;
  int status;

  answer = client_handshake ("{\"versions\":[7,8]}", &status);
  g_assert_cmpstr (answer, ==,
                   "{\"id\":0,\"action\":\"response\",\"name\":\"ext\",\"key\":\"handshake\","
                   "\"error\":\"Plugin ext speaks plugctl protocol versions 1; the engine "
                   "offers 7, 8: no version in common\",\"protocol\":{\"versions\":[1]}}");
  /* It closed the channel and plug_client_run() says so. */
  g_assert_cmpint (status, ==, 1);
}

/* §1 The manifest's plugctl range */

static void
test_range_satisfied (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(JsonObject) update = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (update, "plugctl", ">=0.1, <2");
  g_assert_true (plug_profile_update (echo, update, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (plug_profile_get_plugctl_range (echo), ==, ">=0.1, <2");
  plug_engine_register_profile (engine, echo, &error);
  g_assert_no_error (error);
  g_assert_true (test_activate (engine, "echo", &error));
  g_assert_no_error (error);
}

static void
test_range_unsatisfied (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;

  /* Had it been spawned, the error would say the command is missing. */
  register_data (engine, "{\"name\": \"future\", \"plugctl\": \">= 99.0\", "
                         "\"command\": \"/nonexistent/plugctl-never-spawned\"}");
  g_assert_false (test_activate (engine, "future", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==,
                   "Plugin future needs plugctl >= 99.0; this is plugctl " PACKAGE_VERSION);
  g_assert_false (plug_engine_is_active (engine, "future"));
}

static void
test_range_syntax (void)
{
  const char *bad[] = { "~1", "", ">=", "1.2.3.4", ">=1,", "1, <2 x", "=>1" };
  const char *good[] = { "0.1", "=0.1.0", ">0 , <=0.1", " >=0.1,<2 " };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\n  \"name\": \"x\",\n  \"plugctl\": \"%s\"\n}", bad[i]);
      g_autoptr(PlugProfile) profile = NULL;
      g_autoptr(GError) error = NULL;

      profile = plug_profile_new_from_data (json, -1, NULL, &error);
      g_assert_null (profile);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
      g_assert_cmpstr (error->message, ==,
                       "<data>:3:14: field \"plugctl\" must be a version range such as \">=0.1, <2\"");
    }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"name\": \"x\", \"plugctl\": \"%s\"}", good[i]);
      g_autoptr(PlugProfile) profile = NULL;
      g_autoptr(GError) error = NULL;

      profile = plug_profile_new_from_data (json, -1, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (plug_profile_check_plugctl_version (profile, "0.1.0", &error));
      g_assert_no_error (error);
    }
}

/* §1 Start errors */

static void
test_start_exited_by_signal (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;

  register_data (engine, "{\"name\": \"usr1\", \"command\": \"/bin/sh\", "
                         "\"args\": [\"-c\", \"echo starting >&2; echo boom >&2; kill -USR1 $$\"]}");
  g_assert_false (test_activate (engine, "usr1", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin usr1 was killed by signal 10 (SIGUSR1) before finishing its handshake; "
                   "the last lines of its stderr:\nstarting\nboom");
}

static void
test_start_timeout (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;

  register_data (engine, "{\"name\": \"sleeper\", \"startTimeout\": 200, "
                         "\"command\": \"/bin/sh\", \"args\": [\"-c\", \"sleep 5\"]}");
  g_assert_false (test_activate (engine, "sleeper", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "Plugin sleeper did not answer the handshake within 200 ms");
}

static void
assert_invalid_first (const char *script,
                      const char *quoted)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *suffix = g_strdup_printf (": %s", quoted);
  PlugPlugin *plugin;
  pid_t pid = 0;

  json = g_strdup_printf ("{\"name\": \"badfirst\", \"command\": \"/bin/sh\", "
                          "\"args\": [\"-c\", \"%s; exec sleep 5\"]}", script);
  plugin = register_data (engine, json);
  g_object_set (plugin, "grace-period", 50, NULL);

  g_assert_false (test_activate (engine, "badfirst", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message,
                                   "Plugin badfirst: its first message is not valid: "
                                   "invalid message: not valid JSON: "));
  g_assert_true (g_str_has_suffix (error->message, suffix));

  /* The plugin is stopped. */
  g_object_get (plugin, "pid", &pid, NULL);
  if (pid > 0)
    wait_gone (&pid, 1);
}

static void
test_start_invalid_first_message (void)
{
  assert_invalid_first ("printf 'not \\\"json\\\" at all\\\\n' >&3",
                        "\"not \\\"json\\\" at all\"");
}

static void
test_start_invalid_first_message_cut (void)
{
  g_autofree char *quoted = NULL;
  g_autofree char *xs = g_strnfill (200, 'x');

  quoted = g_strdup_printf ("\"%s…\"", xs);
  assert_invalid_first ("head -c 300 /dev/zero | tr '\\\\0' x >&3; echo >&3", quoted);
}

/* §2 Stopping */

static void
test_stop_ends_group (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autofree char *path = g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"),
                                            "lifecycle", "forker.json", NULL);
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(JsonNode) pids_node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *pids_array;
  pid_t pids[2];

  profile = plug_profile_new_from_file (path, &error);
  g_assert_no_error (error);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);

  pids_node = test_call (engine, "forker", "pids", "[]", &error);
  g_assert_no_error (error);
  pids_array = json_node_get_array (pids_node);
  pids[0] = (pid_t) json_array_get_int_element (pids_array, 0);
  pids[1] = (pid_t) json_array_get_int_element (pids_array, 1);
  g_assert_false (process_is_gone (pids[1]));

  /* The plugin exits when its channel closes; its grandchild would not. */
  g_assert_true (test_deactivate (engine, "forker", &error));
  g_assert_no_error (error);
  wait_gone (pids, G_N_ELEMENTS (pids));
}

/* A PlugClient plugin ends by itself when its channel closes: the
 * deactivation does not wait for a signal. */
static void
test_stop_client_exits_on_close (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(GError) error = NULL;
  PlugPlugin *plugin;
  gint64 start;
  pid_t pid;

  plugin = plug_engine_register_profile (engine, echo, &error);
  g_assert_no_error (error);
  g_object_set (plugin, "grace-period", 60000, NULL);
  g_assert_true (test_activate (engine, "echo", &error));
  g_object_get (plugin, "pid", &pid, NULL);
  g_assert_cmpint (pid, >, 1);

  start = g_get_monotonic_time ();
  g_assert_true (test_deactivate (engine, "echo", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  wait_gone (&pid, 1);
  g_object_get (plugin, "pid", &pid, NULL);
  g_assert_cmpint (pid, ==, 0);
}

/* §3 Restart budget */

static void
count_event (const char *emitter,
             const char *event,
             JsonArray  *args,
             gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
assert_crash (PlugEngine *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  result = test_call (engine, "crasher", "crash", "[]", &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED);
  g_assert_cmpstr (error->message, ==, "Plugin crasher was killed by signal 6 (SIGABRT)");
}

static void
assert_ping (PlugEngine *engine)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  result = test_call (engine, "crasher", "ping", "[]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"pong\"");
}

static void
test_restart_on_failure (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GError) error = NULL;
  guint events = 0;

  register_crasher (engine, ", \"restart\": \"on-failure\", \"restartBackoff\": 20");
  g_assert_true (plug_engine_on (engine, TEST_CALLER, "crasher", "custom",
                                 count_event, &events, NULL, &error));

  assert_crash (engine);
  /* Sent during the backoff, it waits for the new process. */
  assert_ping (engine);

  status = get_status (engine, "crasher");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "active");
  g_assert_cmpint (json_object_get_int_member (status, "restarts"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (status, "lastError"), ==,
                   "Plugin crasher was killed by signal 6 (SIGABRT)");

  /* The listener's subscription survived the restart. */
  g_assert_true (plug_engine_emit (engine, "crasher", "custom", args, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (events, ==, 1);
}

typedef struct
{
  PlugPlugin *plugin;
  gboolean    failed;
} FailedWatch;

static gboolean
check_failed (gpointer user_data)
{
  FailedWatch *watch = user_data;

  watch->failed = plug_plugin_get_state (watch->plugin) == PLUG_PLUGIN_STATE_FAILED;
  return watch->failed ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_restart_budget_spent (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  FailedWatch watch = { NULL, FALSE };
  PlugPlugin *plugin;

  register_crasher (engine, ", \"restart\": \"on-failure\", \"restartBackoff\": 20, "
                            "\"restartLimit\": 2, \"restartWindow\": 60000");
  plugin = plug_engine_get_plugin (engine, "crasher");

  assert_crash (engine);
  assert_ping (engine);
  assert_crash (engine);

  /* FAILED once the lost process is stopped. */
  watch.plugin = plugin;
  g_timeout_add (5, check_failed, &watch);
  test_wait_until (&watch.failed, TEST_WAIT_MS, "the failed state");

  /* Calls fail fast, with the last error; they do not restart it. */
  result = test_call (engine, "crasher", "ping", "[]", &error);
  g_assert_null (result);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==,
                   "test cannot call ping of crasher, because crasher has failed: "
                   "Plugin crasher failed 2 times within 60000 ms and is not restarted; "
                   "the last error: Plugin crasher was killed by signal 6 (SIGABRT)");
  g_clear_error (&error);
  g_assert_cmpint (plug_plugin_get_state (plugin), ==, PLUG_PLUGIN_STATE_FAILED);

  status = get_status (engine, "crasher");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "failed");
  g_assert_cmpint (json_object_get_int_member (status, "restarts"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (status, "lastError"), ==,
                   "Plugin crasher was killed by signal 6 (SIGABRT)");

  /* An explicit activation brings it back, with a fresh budget. */
  g_assert_true (test_activate (engine, "crasher", &error));
  g_assert_no_error (error);
  assert_ping (engine);
  assert_crash (engine);
  assert_ping (engine);
}

static void
test_restart_never_by_default (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(JsonObject) status = NULL;
  PlugPlugin *plugin;

  register_crasher (engine, "");
  plugin = plug_engine_get_plugin (engine, "crasher");
  g_assert_cmpint (plug_profile_get_restart (plug_plugin_get_profile (plugin)), ==, PLUG_RESTART_NEVER);
  g_assert_cmpuint (plug_profile_get_restart_limit (plug_plugin_get_profile (plugin)), ==, 5);
  g_assert_cmpuint (plug_profile_get_restart_window (plug_plugin_get_profile (plugin)), ==, 180000);

  assert_crash (engine);
  status = get_status (engine, "crasher");
  g_assert_cmpint (json_object_get_int_member (status, "restarts"), ==, 0);
  g_assert_cmpint (plug_plugin_get_state (plugin), !=, PLUG_PLUGIN_STATE_ACTIVE);
}

/* §4 Status */

static void
test_status_fields (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(JsonObject) idle = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;

  plug_engine_register_profile (engine, echo, &error);
  g_assert_no_error (error);

  idle = get_status (engine, "echo");
  g_assert_cmpstr (json_object_get_string_member (idle, "state"), ==, "inactive");
  g_assert_false (json_object_has_member (idle, "pid"));
  g_assert_false (json_object_has_member (idle, "startedAt"));

  result = test_call (engine, "echo", "echo", "[\"x\"]", &error);
  g_assert_no_error (error);

  status = get_status (engine, "echo");
  g_assert_cmpstr (json_object_get_string_member (status, "name"), ==, "echo");
  g_assert_cmpstr (json_object_get_string_member (status, "state"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (status, "connector"), ==, "child-process");
  g_assert_cmpint (json_object_get_int_member (status, "pid"), >, 1);
  g_assert_true (json_object_has_member (status, "startedAt"));
  g_assert_cmpint (json_object_get_int_member (status, "uptime"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (status, "activationTime"), >=, 0);
  g_assert_cmpint (json_object_get_int_member (status, "restarts"), ==, 0);
  g_assert_false (json_object_has_member (status, "lastError"));
  g_assert_cmpint (json_object_get_int_member (status, "pendingCalls"), ==, 0);
  g_assert_false (json_object_has_member (status, "oldestCallAge"));
  g_assert_cmpint (json_object_get_int_member (status, "protocolVersion"), ==, 1);
  /* The Remix opening, the handshake answer, the emit, the answer. */
  g_assert_cmpint (json_object_get_int_member (status, "messagesIn"), ==, 4);
  /* The handshake and the call. */
  g_assert_cmpint (json_object_get_int_member (status, "messagesOut"), ==, 2);

  g_assert_null (plug_engine_get_status (engine, "nobody", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED);
}

static void
test_status_pending (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(PlugProfile) echo = test_load_profile ("echo");
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonArray) args = test_parse_args ("[300, \"slow\"]");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  plug_engine_register_profile (engine, echo, &error);
  g_assert_no_error (error);
  g_assert_true (test_activate (engine, "echo", &error));

  plug_engine_call (engine, TEST_CALLER, "echo", "slow", args, NULL, test_store_result, &slot);
  status = get_status (engine, "echo");
  g_assert_cmpint (json_object_get_int_member (status, "pendingCalls"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (status, "oldestCallAge"), >=, 0);

  result = test_wait_result (&slot, TEST_WAIT_MS, "the slow call");
  value = plug_engine_call_finish (engine, result, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_log_set_fatal_handler (warnings_are_not_fatal, NULL);
  test_load_connectors ();

  g_test_add_func ("/lifecycle/handshake/version-agreed", test_version_agreed);
  g_test_add_func ("/lifecycle/handshake/version-mismatch-fails-activation", test_version_mismatch);
  g_test_add_func ("/lifecycle/handshake/client-picks-highest-shared", test_client_picks_highest);
  g_test_add_func ("/lifecycle/handshake/client-refuses-without-shared", test_client_refuses);
  g_test_add_func ("/lifecycle/manifest/plugctl-range-satisfied", test_range_satisfied);
  g_test_add_func ("/lifecycle/manifest/plugctl-range-unsatisfied-spawns-nothing", test_range_unsatisfied);
  g_test_add_func ("/lifecycle/manifest/plugctl-range-syntax", test_range_syntax);
  g_test_add_func ("/lifecycle/start/exited-by-signal-with-stderr", test_start_exited_by_signal);
  g_test_add_func ("/lifecycle/start/timeout", test_start_timeout);
  g_test_add_func ("/lifecycle/start/invalid-first-message", test_start_invalid_first_message);
  g_test_add_func ("/lifecycle/start/invalid-first-message-cut", test_start_invalid_first_message_cut);
  g_test_add_func ("/lifecycle/stop/ends-the-process-group", test_stop_ends_group);
  g_test_add_func ("/lifecycle/stop/client-exits-on-channel-close", test_stop_client_exits_on_close);
  g_test_add_func ("/lifecycle/restart/on-failure-restarts", test_restart_on_failure);
  g_test_add_func ("/lifecycle/restart/budget-spent-fails", test_restart_budget_spent);
  g_test_add_func ("/lifecycle/restart/never-by-default", test_restart_never_by_default);
  g_test_add_func ("/lifecycle/status/fields", test_status_fields);
  g_test_add_func ("/lifecycle/status/pending-calls", test_status_pending);

  return g_test_run ();
}
