/* test-util.h: helpers shared by the connector conformance tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sys/types.h>

#include <plugctl.h>

G_BEGIN_DECLS

/* The in-process plugin the tests call from. */
#define TEST_CALLER "test"
/* Bound of every wait on the main loop, unless a test says otherwise. */
#define TEST_WAIT_MS 10000

/* Runs the thread-default main context until *@done is TRUE; aborts the
 * test (naming @what) after @timeout_ms. */
void          test_wait_until            (const gboolean *done,
                                          guint           timeout_ms,
                                          const char     *what);
/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void          test_store_result          (GObject        *object,
                                          GAsyncResult   *result,
                                          gpointer        user_data);
GAsyncResult *test_wait_result           (GAsyncResult  **slot,
                                          guint           timeout_ms,
                                          const char     *what);

/* Loads the connector modules of $PLUGCTL_CONNECTOR_PATH (once). */
void          test_load_connectors       (void);
gboolean      test_connector_available   (const char     *connector);
/* A fresh copy of the manifest @name from $PLUGCTL_PLUGINS_BUILDDIR or
 * $PLUGCTL_TESTS_BUILDDIR/plugins; NULL when there is none. */
PlugProfile  *test_load_profile          (const char     *name);
/* @profile with its `connector` field set to @connector. */
PlugProfile  *test_profile_with_connector (PlugProfile   *profile,
                                           const char    *connector);

/* A new engine with the in-process plugin TEST_CALLER registered and
 * active. */
PlugEngine   *test_engine_new            (void);

gboolean      test_activate              (PlugEngine     *engine,
                                          const char     *name,
                                          GError        **error);
gboolean      test_deactivate            (PlugEngine     *engine,
                                          const char     *name,
                                          GError        **error);
/* Calls @method of @target from TEST_CALLER with @args_json (a JSON
 * array, or NULL) and waits for the answer. */
JsonNode     *test_call                  (PlugEngine     *engine,
                                          const char     *target,
                                          const char     *method,
                                          const char     *args_json,
                                          GError        **error);

JsonNode     *test_parse_json            (const char     *json);
JsonArray    *test_parse_args            (const char     *json);
void          test_assert_json           (JsonNode       *node,
                                          const char     *expected_json);

/* Children of this process (any state, zombies included) whose command
 * line contains @needle (NULL: all of them). */
GArray       *test_list_children         (const char     *needle);
/* TRUE when @pid is no child of ours any more: waitpid() says ECHILD. */
gboolean      test_pid_is_reaped         (pid_t           pid);
/* Open fds, but the pidfds of GLib's child watches: GLib closes those in
 * its worker thread just after the exit was reported. */
guint         test_count_fds             (void);
guint         test_count_pidfds          (void);

G_END_DECLS
