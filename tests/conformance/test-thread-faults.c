/* test-thread-faults.c: the thread connector's own cases: modules that
 * cannot be loaded, a setup that never returns, a deactivation during a
 * call, the engine going away, and how messages cross between threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With `-m perf`, /thread/perf/round-trip measures one echo call to the
 * thread plugin, to the child-process one and to an in-process plugin.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "plug-thread-mailbox.h"
#include "test-util.h"

/* Generous: a thread ends within microseconds of its loop. */
#define FAULT_BOUND_MS 2000
/* Well below the connector's default grace period (1000 ms). */
#define JOIN_BOUND_MS 500

static GPtrArray *warnings;

static void
record_log (const char     *log_domain,
            GLogLevelFlags  log_level,
            const char     *message,
            gpointer        user_data)
{
  if (log_level & G_LOG_LEVEL_WARNING)
    g_ptr_array_add (warnings, g_strdup (message));
  g_log_default_handler (log_domain, log_level, message, user_data);
}

static gboolean
warnings_are_not_fatal (const char     *log_domain,
                        GLogLevelFlags  log_level,
                        const char     *message,
                        gpointer        user_data)
{
  return (log_level & G_LOG_LEVEL_WARNING) == 0;
}

static guint
count_warnings_about (const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), needle) != NULL)
      n++;

  return n;
}

static char *
test_module_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".so", NULL);

  return g_build_filename (g_getenv ("PLUGCTL_TESTS_BUILDDIR"), "conformance",
                           file, NULL);
}

static void
register_data (PlugEngine *engine,
               const char *json,
               const char *base_dir)
{
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = plug_profile_new_from_data (json, -1, base_dir, &error);
  g_assert_no_error (error);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

static void
register_manifest (PlugEngine *engine,
                   const char *name)
{
  g_autoptr(PlugProfile) profile = test_load_profile (name);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (profile);
  plug_engine_register_profile (engine, profile, &error);
  g_assert_no_error (error);
}

static gint64
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
}

/* Threads of this process named after @plugin (GLib names a thread, up
 * to 15 bytes, with the name it was created with). */
static guint
count_plugin_threads (const char *plugin)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autofree char *comm = g_strndup (plugin, 15);
  const char *task;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((task = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", task, "comm", NULL);
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) &&
          g_str_equal (g_strchomp (contents), comm))
        count++;
    }

  return count;
}

typedef struct
{
  const char *plugin;
  gboolean    gone;
} ThreadWatch;

static gboolean
check_thread_gone (gpointer user_data)
{
  ThreadWatch *watch = user_data;

  watch->gone = count_plugin_threads (watch->plugin) == 0;
  return watch->gone ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
wait_thread_gone (const char *plugin)
{
  ThreadWatch watch = { plugin, FALSE };

  g_timeout_add (1, check_thread_gone, &watch);
  test_wait_until (&watch.gone, FAULT_BOUND_MS, "the plugin's thread to end");
}

/* Modules that cannot run */

static void
assert_activation_fails (const char  *json,
                         const char  *base_dir,
                         const char  *name,
                         gint         code,
                         const char  *expected)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;

  register_data (engine, json, base_dir);
  g_assert_false (test_activate (engine, name, &error));
  g_assert_error (error, PLUG_ERROR, code);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_false (plug_engine_is_active (engine, name));
  g_assert_cmpuint (count_plugin_threads (name), ==, 0);
}

static void
test_module_missing (void)
{
  const char *dir = g_getenv ("PLUGCTL_TESTS_BUILDDIR");
  g_autofree char *expected = NULL;

  expected = g_strdup_printf ("Plugin ghost: cannot load module \"%s/no-such-module.so\": %s",
                              dir, g_strerror (ENOENT));
  assert_activation_fails ("{\"name\": \"ghost\", \"connector\": \"thread\", "
                           "\"module\": \"./no-such-module.so\"}",
                           dir, "ghost", PLUG_ERROR_FAILED, expected);
}

static void
test_module_without_entry (void)
{
  g_autofree char *path = test_module_path ("no-entry");
  g_autofree char *json = NULL;
  g_autofree char *expected = NULL;

  json = g_strdup_printf ("{\"name\": \"noentry\", \"connector\": \"thread\", "
                          "\"module\": \"%s\"}", path);
  expected = g_strdup_printf ("Plugin noentry: module \"%s\" has no entry point "
                              "plug_client_module_setup() (see PLUG_CLIENT_DEFINE_MODULE)",
                              path);
  assert_activation_fails (json, NULL, "noentry", PLUG_ERROR_FAILED, expected);
}

static void
test_module_not_loadable (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR"), NULL);
  g_autofree char *prefix = NULL;

  /* A manifest is no shared object. */
  register_data (engine, "{\"name\": \"text\", \"connector\": \"thread\", "
                 "\"module\": \"echo.json\"}", dir);
  g_assert_false (test_activate (engine, "text", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_FAILED);
  prefix = g_strdup_printf ("Plugin text: cannot load module \"%s/echo.json\": ", dir);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_cmpuint (strlen (error->message), >, strlen (prefix));
}

static void
test_no_module_field (void)
{
  assert_activation_fails ("{\"name\": \"nomodule\", \"connector\": \"thread\"}",
                           NULL, "nomodule", PLUG_ERROR_INVALID_PROFILE,
                           "Plugin nomodule has no \"module\" to load: the thread "
                           "connector needs the path of a shared module");
}

/* A setup that never returns cannot be stopped: the engine gives up on
 * the thread after the grace period and goes on. */
static void
test_setup_never_returns (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autofree char *path = test_module_path ("hang-setup");
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  GModule *module;
  void (*release) (void) = NULL;
  gboolean warned = FALSE;
  gint64 start;

  json = g_strdup_printf ("{\"name\": \"hang\", \"connector\": \"thread\", "
                          "\"startTimeout\": 200, \"module\": \"%s\"}", path);
  register_data (engine, json, NULL);
  register_manifest (engine, "echo-thread");
  g_object_set (plug_engine_get_plugin (engine, "hang"), "grace-period", 100, NULL);

  start = g_get_monotonic_time ();
  g_assert_false (test_activate (engine, "hang", &error));
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_START_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "Plugin hang did not answer the handshake within 200 ms");
  g_assert_cmpint (ms_since (start), <, FAULT_BOUND_MS);
  g_clear_error (&error);

  while (!warned)
    {
      warned = count_warnings_about ("Plugin hang: its thread did not return within 100 ms") == 1;
      if (!warned)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (ms_since (start), <, FAULT_BOUND_MS);
    }
  g_assert_cmpuint (count_plugin_threads ("hang"), ==, 1);

  /* The engine goes on meanwhile. */
  result = test_call (engine, "echo-thread", "echo", "[\"still here\"]", &error);
  g_assert_no_error (error);
  test_assert_json (result, "\"still here\"");

  /* Let it go: it finds its connection closed and ends. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  g_assert_nonnull (module);
  g_assert_true (g_module_symbol (module, "plugctl_test_hang_release", (gpointer *) &release));
  release ();
  g_module_close (module);
  wait_thread_gone ("hang");
}

/* A deactivation */

typedef struct
{
  PlugConnector *connector;
  gboolean       sent;
} PendingWatch;

static gboolean
check_call_pending (gpointer user_data)
{
  PendingWatch *watch = user_data;

  watch->sent = plug_connector_get_n_pending (watch->connector) > 0;
  return watch->sent ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
test_deactivate_during_slow_call (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(JsonArray) args = test_parse_args ("[5000, \"never\"]");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) value = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  PendingWatch watch = { NULL, FALSE };
  gint64 start;

  register_manifest (engine, "echo-thread");
  test_activate (engine, "echo-thread", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_plugin_threads ("echo-thread"), ==, 1);

  plug_engine_call (engine, TEST_CALLER, "echo-thread", "slow", args, NULL,
                    test_store_result, &slot);
  watch.connector = PLUG_CONNECTOR (plug_engine_get_plugin (engine, "echo-thread"));
  g_timeout_add (1, check_call_pending, &watch);
  test_wait_until (&watch.sent, TEST_WAIT_MS, "the slow call to be sent");

  start = g_get_monotonic_time ();
  test_deactivate (engine, "echo-thread", &error);
  g_assert_no_error (error);
  /* Joined, well within the grace period. */
  g_assert_cmpint (ms_since (start), <, JOIN_BOUND_MS);
  g_assert_cmpuint (count_plugin_threads ("echo-thread"), ==, 0);

  /* Failed at once, by the time the deactivation finished. */
  g_assert_nonnull (slot);
  result = g_steal_pointer (&slot);
  value = plug_engine_call_finish (engine, result, &error);
  g_assert_null (value);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED);
  g_assert_cmpstr (error->message, ==,
                   "Plugin echo-thread was deactivated before call slow from " TEST_CALLER " finished");
}

static void
test_engine_finalized_while_active (void)
{
  g_autoptr(PlugEngine) engine = test_engine_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;

  register_manifest (engine, "echo-thread");
  result = test_call (engine, "echo-thread", "echo", "[1]", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_plugin_threads ("echo-thread"), ==, 1);

  /* No deactivation: the thread is stopped in the background. */
  g_clear_object (&engine);
  wait_thread_gone ("echo-thread");
}

/* Crossing threads */

static void
assert_no_shared_container (JsonNode *a,
                            JsonNode *b)
{
  g_assert_true (a != b);
  g_assert_cmpint (JSON_NODE_TYPE (a), ==, JSON_NODE_TYPE (b));

  if (JSON_NODE_HOLDS_ARRAY (a))
    {
      JsonArray *array_a = json_node_get_array (a);
      JsonArray *array_b = json_node_get_array (b);

      g_assert_true (array_a != array_b);
      g_assert_cmpuint (json_array_get_length (array_a), ==, json_array_get_length (array_b));
      for (guint i = 0; i < json_array_get_length (array_a); i++)
        assert_no_shared_container (json_array_get_element (array_a, i),
                                    json_array_get_element (array_b, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (a))
    {
      JsonObject *object_a = json_node_get_object (a);
      JsonObject *object_b = json_node_get_object (b);
      JsonObjectIter iter;
      const char *member;
      JsonNode *node;

      g_assert_true (object_a != object_b);
      json_object_iter_init (&iter, object_a);
      while (json_object_iter_next (&iter, &member, &node))
        assert_no_shared_container (node, json_object_get_member (object_b, member));
    }
}

static void
test_message_copy_shares_nothing (void)
{
  const char *text = "{\"action\":\"request\",\"id\":7,\"name\":\"p\",\"key\":\"m\","
                     "\"payload\":[1,-2.5,\"s\",true,null,{\"a\":[{\"b\":{}}],\"z\":1},[[],[3]]],"
                     "\"requestInfo\":{\"from\":\"caller\",\"path\":\"p.svc\"}}";
  g_autoptr(PlugMessage) message = plug_message_parse (text, -1, NULL);
  g_autoptr(PlugMessage) copy = NULL;
  g_autofree char *original = NULL;
  g_autofree char *written = NULL;

  g_assert_nonnull (message);
  copy = plug_thread_message_copy (message);
  g_assert_true (copy != message);

  original = plug_message_to_string (message);
  written = plug_message_to_string (copy);
  g_assert_cmpstr (written, ==, original);
  g_assert_cmpstr (plug_message_get_from (copy), ==, "caller");
  g_assert_cmpstr (plug_message_get_path (copy), ==, "p.svc");
  assert_no_shared_container (plug_message_get_payload (message),
                              plug_message_get_payload (copy));
}

static void
test_message_copy_keeps_fields (void)
{
  static const char * const texts[] = {
    "{\"action\":\"response\",\"id\":3,\"name\":\"p\",\"key\":\"m\",\"error\":\"it broke\"}",
    "{\"action\":\"response\",\"id\":3,\"name\":\"p\",\"key\":\"m\",\"payload\":null}",
    "{\"action\":\"response\",\"id\":3,\"name\":\"p\",\"key\":\"m\",\"payload\":\"text\"}",
    "{\"action\":\"emit\",\"key\":\"ev\",\"payload\":[{\"x\":1}]}",
    "{\"action\":\"notification\",\"name\":\"e\",\"key\":\"ev\",\"payload\":[]}",
    "{\"action\":\"call\",\"id\":1,\"name\":\"p\",\"key\":\"m\",\"payload\":[]}",
    "{\"action\":\"listen\",\"name\":\"e\",\"key\":\"ev\"}",
    "{\"action\":\"shout\",\"id\":2}",
    "{\"id\":2}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugMessage) message = plug_message_parse (texts[i], -1, &error);
      g_autoptr(PlugMessage) copy = NULL;
      g_autofree char *original = NULL;
      g_autofree char *written = NULL;

      g_assert_no_error (error);
      copy = plug_thread_message_copy (message);
      original = plug_message_to_string (message);
      written = plug_message_to_string (copy);
      g_assert_cmpstr (written, ==, original);
      g_assert_cmpint (plug_message_get_action (copy), ==, plug_message_get_action (message));
      g_assert_cmpstr (plug_message_get_action_name (copy), ==,
                       plug_message_get_action_name (message));
    }
}

#define N_POSTED 10000

typedef struct
{
  PlugThreadMailbox *mailbox;
  gint64             next;
  gboolean           ended;
  gboolean           out_of_order;
} MailboxLog;

static gpointer
post_many (gpointer data)
{
  PlugThreadMailbox *mailbox = data;

  for (gint64 i = 0; i < N_POSTED; i++)
    {
      PlugMessage *message = plug_message_new (PLUG_ACTION_EMIT);
      g_autoptr(JsonArray) args = json_array_new ();

      json_array_add_int_element (args, i);
      plug_message_set_id (message, i);
      plug_message_set_args (message, args);
      g_assert_true (plug_thread_mailbox_post (mailbox, message));
    }
  g_assert_true (plug_thread_mailbox_post_end (mailbox));

  return NULL;
}

static void
on_posted (PlugMessage *message,
           gpointer     user_data)
{
  MailboxLog *log = user_data;

  g_assert_false (log->ended);
  if (message == NULL)
    {
      log->ended = TRUE;
      return;
    }
  if (plug_message_get_id (message) != log->next)
    log->out_of_order = TRUE;
  log->next++;
}

static void
test_mailbox_order_and_end (void)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  MailboxLog log = { NULL, 0, FALSE, FALSE };
  g_autoptr(PlugThreadMailbox) mailbox = plug_thread_mailbox_new (context, "test mailbox");
  GThread *sender;

  log.mailbox = mailbox;
  sender = g_thread_new ("test-sender", post_many, mailbox);
  /* Started while the sender posts: nothing is lost or reordered. */
  plug_thread_mailbox_start (mailbox, on_posted, &log);
  test_wait_until (&log.ended, TEST_WAIT_MS, "every message and the end");
  g_thread_join (sender);

  g_assert_false (log.out_of_order);
  g_assert_cmpint (log.next, ==, N_POSTED);

  /* Once closed, it takes nothing more. */
  plug_thread_mailbox_close (mailbox);
  g_assert_false (plug_thread_mailbox_post (mailbox, plug_message_new (PLUG_ACTION_EMIT)));
}

/* A receiver whose callback runs a main loop of its own (waiting for a
 * later message) still gets every message, once and in order. */
static void
on_posted_nesting (PlugMessage *message,
                   gpointer     user_data)
{
  MailboxLog *log = user_data;
  gboolean first = message != NULL && plug_message_get_id (message) == 0;

  on_posted (message, user_data);
  if (first)
    test_wait_until (&log->ended, TEST_WAIT_MS, "the rest, from a nested loop");
}

static void
test_mailbox_nested_loop_keeps_order (void)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  MailboxLog log = { NULL, 0, FALSE, FALSE };
  g_autoptr(PlugThreadMailbox) mailbox = plug_thread_mailbox_new (context, "test mailbox");
  GThread *sender;

  log.mailbox = mailbox;
  plug_thread_mailbox_start (mailbox, on_posted_nesting, &log);
  sender = g_thread_new ("test-sender", post_many, mailbox);
  test_wait_until (&log.ended, TEST_WAIT_MS, "every message and the end");
  g_thread_join (sender);

  g_assert_false (log.out_of_order);
  g_assert_cmpint (log.next, ==, N_POSTED);
  plug_thread_mailbox_close (mailbox);
}

/* Cost of one call */

static void
echo_in_process (PlugCall *call,
                 gpointer  user_data)
{
  plug_call_return_value (call, json_array_get_element (plug_call_get_args (call), 0));
}

static double
measure_round_trip (PlugEngine *engine,
                    const char *plugin,
                    guint       n_calls)
{
  g_autoptr(GError) error = NULL;
  gint64 start;

  /* Activated and warm. */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonNode) result G_GNUC_UNUSED = test_call (engine, plugin, "echo", "[\"warm\"]", &error);

      g_assert_no_error (error);
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_calls; i++)
    {
      g_autoptr(JsonNode) result G_GNUC_UNUSED = test_call (engine, plugin, "echo", "[\"hello\"]", &error);

      g_assert_no_error (error);
    }

  return (double) (g_get_monotonic_time () - start) / n_calls;
}

static void
test_perf_round_trip (void)
{
  g_autoptr(PlugEngine) engine = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  g_autoptr(PlugPlugin) in_process = NULL;
  g_autoptr(GError) error = NULL;
  const guint n_calls = 20000;
  double thread_us;
  double child_us;
  double in_process_us;

  if (!g_test_perf ())
    {
      g_test_skip ("a measurement: run with -m perf");
      return;
    }

  engine = test_engine_new ();
  register_manifest (engine, "echo-thread");
  register_manifest (engine, "echo");
  profile = plug_profile_new ("in-process");
  in_process = plug_plugin_new (profile);
  plug_plugin_add_method (in_process, "echo", echo_in_process, NULL, NULL);
  plug_engine_register (engine, in_process, &error);
  g_assert_no_error (error);

  in_process_us = measure_round_trip (engine, "in-process", n_calls);
  thread_us = measure_round_trip (engine, "echo-thread", n_calls);
  child_us = measure_round_trip (engine, "echo", n_calls);

  g_test_message ("one echo call, sequential, %u calls: in-process %.2f us, "
                  "thread %.2f us, child-process %.2f us (thread/child %.2f)",
                  n_calls, in_process_us, thread_us, child_us, thread_us / child_us);
  g_test_minimized_result (thread_us, "thread echo round trip %.2f us", thread_us);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_log_set_fatal_handler (warnings_are_not_fatal, NULL);
  warnings = g_ptr_array_new_with_free_func (g_free);
  g_log_set_default_handler (record_log, NULL);

  test_load_connectors ();

  g_test_add_func ("/thread/message-copy/shares-no-container", test_message_copy_shares_nothing);
  g_test_add_func ("/thread/message-copy/keeps-every-field", test_message_copy_keeps_fields);
  g_test_add_func ("/thread/mailbox/order-and-end-across-threads", test_mailbox_order_and_end);
  g_test_add_func ("/thread/mailbox/nested-loop-keeps-order", test_mailbox_nested_loop_keeps_order);
  g_test_add_func ("/thread/faults/module-missing-names-the-file", test_module_missing);
  g_test_add_func ("/thread/faults/module-without-entry-point", test_module_without_entry);
  g_test_add_func ("/thread/faults/module-not-loadable", test_module_not_loadable);
  g_test_add_func ("/thread/faults/profile-without-module", test_no_module_field);
  g_test_add_func ("/thread/faults/deactivate-during-slow-call-fails-it-at-once",
                   test_deactivate_during_slow_call);
  g_test_add_func ("/thread/faults/setup-never-returns-thread-given-up",
                   test_setup_never_returns);
  g_test_add_func ("/thread/faults/engine-finalized-while-active",
                   test_engine_finalized_while_active);
  g_test_add_func ("/thread/perf/round-trip", test_perf_round_trip);

  status = g_test_run ();
  g_clear_pointer (&warnings, g_ptr_array_unref);

  return status;
}
