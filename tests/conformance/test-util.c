/* test-util.c: helpers shared by the connector conformance tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static gboolean
on_wait_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*DoneFunc) (gconstpointer data);

static void
wait_for (DoneFunc       done,
          gconstpointer  data,
          guint          timeout_ms,
          const char    *what)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gboolean timed_out = FALSE;
  GSource *timeout;

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_wait_timeout, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!done (data) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);

  if (!done (data))
    g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
}

static gboolean
flag_is_set (gconstpointer data)
{
  return *(const gboolean *) data;
}

static gboolean
result_arrived (gconstpointer data)
{
  return *(GAsyncResult * const *) data != NULL;
}

void
test_wait_until (const gboolean *done,
                 guint           timeout_ms,
                 const char     *what)
{
  wait_for (flag_is_set, done, timeout_ms, what);
}

void
test_store_result (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
test_wait_result (GAsyncResult **slot,
                  guint          timeout_ms,
                  const char    *what)
{
  wait_for (result_arrived, slot, timeout_ms, what);
  return g_steal_pointer (slot);
}

void
test_load_connectors (void)
{
  static gboolean loaded;
  g_auto(GStrv) dirs = NULL;

  if (loaded)
    return;
  loaded = TRUE;

  dirs = plug_connector_module_search_path (NULL);
  plug_connector_module_load_dirs ((const char * const *) dirs);
}

gboolean
test_connector_available (const char *connector)
{
  g_auto(GStrv) names = plug_connector_module_list ();

  return names != NULL && g_strv_contains ((const char * const *) names, connector);
}

PlugProfile *
test_load_profile (const char *name)
{
  const char *plugins_dir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");
  const char *tests_dir = g_getenv ("PLUGCTL_TESTS_BUILDDIR");
  g_autofree char *test_plugins_dir = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  const char *dirs[3] = { NULL, };
  guint n = 0;

  g_assert_nonnull (plugins_dir);
  g_assert_nonnull (tests_dir);
  test_plugins_dir = g_build_filename (tests_dir, "plugins", NULL);
  dirs[n++] = plugins_dir;
  dirs[n++] = test_plugins_dir;

  profiles = plug_profile_load_dirs (dirs, &errors);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    g_test_message ("manifest not loaded: %s",
                    ((GError *) g_ptr_array_index (errors, i))->message);

  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (plug_profile_get_name (profile), name) == 0)
        return g_object_ref (profile);
    }

  return NULL;
}

PlugProfile *
test_profile_with_connector (PlugProfile *profile,
                             const char  *connector)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *base_dir = NULL;
  g_autoptr(GError) error = NULL;
  PlugProfile *copy;

  if (g_strcmp0 (plug_profile_get_connector (profile), connector) == 0)
    return g_object_ref (profile);

  object = plug_profile_to_json (profile);
  json_object_set_string_member (object, "connector", connector);
  if (plug_profile_get_path (profile) != NULL)
    base_dir = g_path_get_dirname (plug_profile_get_path (profile));
  copy = plug_profile_new_from_json (object, base_dir, plug_profile_get_path (profile), &error);
  g_assert_no_error (error);

  return copy;
}

PlugEngine *
test_engine_new (void)
{
  g_autoptr(PlugEngine) engine = plug_engine_new ();
  g_autoptr(PlugProfile) profile = plug_profile_new (TEST_CALLER);
  g_autoptr(PlugPlugin) caller = plug_plugin_new (profile);
  g_autoptr(GError) error = NULL;

  plug_engine_register (engine, caller, &error);
  g_assert_no_error (error);
  test_activate (engine, TEST_CALLER, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&engine);
}

gboolean
test_activate (PlugEngine  *engine,
               const char  *name,
               GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  plug_engine_activate (engine, name, NULL, test_store_result, &slot);
  result = test_wait_result (&slot, TEST_WAIT_MS, "an activation");

  return plug_engine_activate_finish (engine, result, error);
}

gboolean
test_deactivate (PlugEngine  *engine,
                 const char  *name,
                 GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  plug_engine_deactivate (engine, name, NULL, test_store_result, &slot);
  result = test_wait_result (&slot, TEST_WAIT_MS, "a deactivation");

  return plug_engine_deactivate_finish (engine, result, error);
}

JsonNode *
test_call (PlugEngine  *engine,
           const char  *target,
           const char  *method,
           const char  *args_json,
           GError     **error)
{
  g_autoptr(JsonArray) args = args_json != NULL ? test_parse_args (args_json) : NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  plug_engine_call (engine, TEST_CALLER, target, method, args, NULL,
                    test_store_result, &slot);
  result = test_wait_result (&slot, 2 * TEST_WAIT_MS, "a call");

  return plug_engine_call_finish (engine, result, error);
}

JsonNode *
test_parse_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

JsonArray *
test_parse_args (const char *json)
{
  g_autoptr(JsonNode) node = test_parse_json (json);

  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

void
test_assert_json (JsonNode   *node,
                  const char *expected_json)
{
  g_autoptr(JsonNode) expected = test_parse_json (expected_json);

  g_assert_nonnull (node);
  if (!json_node_equal (node, expected))
    {
      g_autofree char *got = json_to_string (node, FALSE);
      g_autofree char *want = json_to_string (expected, FALSE);

      g_assert_cmpstr (got, ==, want);
    }
}

static gboolean
read_parent_pid (const char *pid_name,
                 pid_t      *ppid)
{
  g_autofree char *path = g_build_filename ("/proc", pid_name, "stat", NULL);
  g_autofree char *contents = NULL;
  const char *end_of_comm;
  int parent;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  end_of_comm = strrchr (contents, ')');
  if (end_of_comm == NULL || sscanf (end_of_comm + 1, " %*c %d", &parent) != 1)
    return FALSE;

  *ppid = parent;
  return TRUE;
}

static gboolean
command_line_contains (const char *pid_name,
                       const char *needle)
{
  g_autofree char *path = g_build_filename ("/proc", pid_name, "cmdline", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (contents[i] == '\0')
      contents[i] = ' ';

  return strstr (contents, needle) != NULL;
}

GArray *
test_list_children (const char *needle)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  pid_t self = getpid ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      pid_t ppid;
      pid_t pid;

      if (!g_ascii_isdigit (name[0]) || !read_parent_pid (name, &ppid) || ppid != self)
        continue;
      if (needle != NULL && !command_line_contains (name, needle))
        continue;
      pid = (pid_t) g_ascii_strtoll (name, NULL, 10);
      g_array_append_val (pids, pid);
    }

  return pids;
}

gboolean
test_pid_is_reaped (pid_t pid)
{
  siginfo_t info = { 0, };

  /* WNOWAIT: look without reaping, which is the connector's job. */
  return waitid (P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

static gboolean
is_pidfd (const char *fd_name)
{
  g_autofree char *path = g_build_filename ("/proc/self/fd", fd_name, NULL);
  g_autofree char *target = g_file_read_link (path, NULL);

  return g_strcmp0 (target, "anon_inode:[pidfd]") == 0;
}

static guint
count_fds (gboolean pidfds)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_pidfd (name) == pidfds)
      count++;

  return count;
}

guint
test_count_fds (void)
{
  return count_fds (FALSE);
}

guint
test_count_pidfds (void)
{
  return count_fds (TRUE);
}
