/* bench-dbus.c: calls through the daemon and through D-Bus plugins, beside
 * a raw GDBus method call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run: meson compile -C _build && _build/tests/bench/bench-dbus [--pin] [--json]
 * (tests/bench/run.sh runs it with the environment it needs; see README.md).
 *
 * Everything happens on a private bus (GTestDBus) that knows the build
 * tree's .service files: `plugctl daemon` (data/services) and the
 * `echo-dbus` plugin (plugins/services) start by D-Bus activation. The
 * baseline is this same program, started again with --serve-echo, serving
 * Echo(s) → s on that bus; every figure and its baseline come from one run.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <plugctl.h>

#include "bench-util.h"

#define ECHO_NAME     "org.plugctl.Bench.Echo"
#define ECHO_PATH     "/org/plugctl/Bench/Echo"
#define ECHO_IFACE    "org.plugctl.Bench.Echo1"
#define ENGINE_NAME   "org.plugctl.Engine1"
#define ENGINE_PATH   "/org/plugctl/Engine1"
#define BUS_NAME      "org.freedesktop.DBus"
#define BUS_PATH      "/org/freedesktop/DBus"
#define CALLER        "bench"
#define PAYLOAD       "hi"
#define WARMUP_CALLS  200
#define SETUP_WAIT_MS 20000
/* Below the test bus's max_replies_per_connection (128). */
#define DEPTH         100

#ifndef PLUGCTL_DBUS_SERVICES_DIR
#error "PLUGCTL_DBUS_SERVICES_DIR: the build tree's data/services"
#endif
#ifndef PLUGCTL_PLUGIN_SERVICES_DIR
#error "PLUGCTL_PLUGIN_SERVICES_DIR: the build tree's plugins/services"
#endif

static BenchLength length = { 1.0, 0, 3 };
static gboolean pin;
static gboolean json_output;
static gboolean serve_echo;
static char *only;

static GDBusConnection *bus;  /* the session bus singleton, the connectors' too */

/* The baseline service: this program with --serve-echo */

static const char echo_xml[] =
  "<node>"
  "  <interface name='" ECHO_IFACE "'>"
  "    <method name='Echo'>"
  "      <arg name='text' type='s' direction='in'/>"
  "      <arg name='text' type='s' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
on_echo_method (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  const char *text;

  g_variant_get (parameters, "(&s)", &text);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
}

static const GDBusInterfaceVTable echo_vtable = { on_echo_method, NULL, NULL, { 0 } };

/* Serves Echo until the bus goes away (exit-on-close) or SIGTERM. */
static int
run_echo_service (void)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (echo_xml, NULL);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL ||
      g_dbus_connection_register_object (connection, ECHO_PATH, info->interfaces[0],
                                         &echo_vtable, NULL, NULL, &error) == 0)
    g_error ("Echo service: %s", error->message);
  /* The name last: its owner answers at once. */
  reply = g_dbus_connection_call_sync (connection, BUS_NAME, BUS_PATH, BUS_NAME, "RequestName",
                                       g_variant_new ("(su)", ECHO_NAME, 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, &error);
  if (reply == NULL)
    g_error ("Echo service: %s", error->message);
  g_main_loop_run (loop);
  return 0;
}

/* The private bus */

/* GTestDBus starts, once, a watcher process that kills the buses when
 * this process dies; the write end of its pipe leaks into each process it
 * starts, so an aborted run would leave its bus running. Start the watcher
 * first, then keep its pipe out of the processes to come (as
 * tests/dbus/test-daemon.c does). */
static void
keep_test_dbus_watcher_pipe_private (void)
{
  g_autoptr(GTestDBus) first = g_test_dbus_new (G_TEST_DBUS_NONE);

  g_test_dbus_up (first);
  g_test_dbus_down (first);
  for (int fd = 3; fd < 1024; fd++)
    {
      int flags = fcntl (fd, F_GETFD);

      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

static GTestDBus *
bus_up (void)
{
  GTestDBus *test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GError) error = NULL;

  g_test_dbus_add_service_dir (test_bus, PLUGCTL_DBUS_SERVICES_DIR);
  g_test_dbus_add_service_dir (test_bus, PLUGCTL_PLUGIN_SERVICES_DIR);
  g_test_dbus_up (test_bus);  /* sets DBUS_SESSION_BUS_ADDRESS */

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    g_error ("Private bus: %s", error->message);
  /* g_test_dbus_stop() must not take this process down with it. */
  g_dbus_connection_set_exit_on_close (bus, FALSE);
  return test_bus;
}

static void
on_name_appeared (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static GSubprocess *
start_echo_service (const char *self)
{
  g_autoptr(GSubprocess) service = NULL;
  g_autoptr(GError) error = NULL;
  gboolean appeared = FALSE;
  guint watch;

  watch = g_bus_watch_name_on_connection (bus, ECHO_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          on_name_appeared, NULL, &appeared, NULL);
  service = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self, "--serve-echo", NULL);
  if (service == NULL)
    g_error ("Echo service: %s", error->message);
  bench_wait_flag (&appeared, SETUP_WAIT_MS, "the echo service on the bus");
  g_bus_unwatch_name (watch);
  return g_steal_pointer (&service);
}

/* The engine */

static void
on_async_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
activate (PlugEngine  *engine,
          const char  *name,
          GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  plug_engine_activate (engine, name, NULL, on_async_done, &slot);
  bench_wait_pointer ((gpointer const *) &slot, SETUP_WAIT_MS, "an activation");
  result = slot;
  return plug_engine_activate_finish (engine, result, error);
}

static void
deactivate (PlugEngine *engine,
            const char *name)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!plug_engine_is_active (engine, name))
    return;
  plug_engine_deactivate (engine, name, NULL, on_async_done, &slot);
  bench_wait_pointer ((gpointer const *) &slot, SETUP_WAIT_MS, "a deactivation");
  result = slot;
  if (!plug_engine_deactivate_finish (engine, result, &error))
    g_warning ("Could not deactivate %s: %s", name, error->message);
}

/* The manifest @name of $PLUGCTL_PLUGINS_BUILDDIR or the search path, at
 * @concurrency when > 0; NULL when there is none. */
static PlugProfile *
profile_for (const char *name,
             guint       concurrency)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new ();
  g_auto(GStrv) search = plug_profile_search_path (NULL);
  g_autoptr(GPtrArray) profiles = NULL;
  const char *builddir = g_getenv ("PLUGCTL_PLUGINS_BUILDDIR");

  if (builddir != NULL)
    g_ptr_array_add (dirs, (gpointer) builddir);
  for (guint i = 0; search[i] != NULL; i++)
    g_ptr_array_add (dirs, search[i]);
  g_ptr_array_add (dirs, NULL);

  profiles = plug_profile_load_dirs ((const char * const *) dirs->pdata, NULL);
  for (guint i = 0; i < profiles->len; i++)
    {
      PlugProfile *profile = profiles->pdata[i];

      if (g_strcmp0 (plug_profile_get_name (profile), name) != 0)
        continue;
      if (concurrency > 0)
        plug_profile_set_concurrency (profile, concurrency);
      return g_object_ref (profile);
    }
  return NULL;
}

/* An engine with the caller and @plugin registered, @plugin active; NULL
 * (and a note) when it is not available here. */
static PlugEngine *
engine_with_plugin (const char *plugin,
                    guint       concurrency)
{
  g_autoptr(PlugEngine) engine = plug_engine_new ();
  g_autoptr(PlugProfile) caller = plug_profile_new (CALLER);
  g_autoptr(PlugPlugin) caller_plugin = plug_plugin_new (caller);
  g_autoptr(PlugProfile) profile = profile_for (plugin, concurrency);
  g_autoptr(GError) error = NULL;

  if (!plug_engine_register (engine, caller_plugin, &error) ||
      !activate (engine, CALLER, &error))
    g_error ("Caller plugin: %s", error->message);
  if (profile == NULL)
    {
      g_printerr ("bench-dbus: no manifest for %s, skipped\n", plugin);
      return NULL;
    }
  if (plug_engine_register_profile (engine, profile, &error) == NULL ||
      !activate (engine, plugin, &error))
    {
      g_printerr ("bench-dbus: %s not available, skipped: %s\n", plugin, error->message);
      return NULL;
    }
  return g_steal_pointer (&engine);
}

/* What a figure calls: a D-Bus method, or a plugin method through the
 * engine. Either answers with the string @expected. */

typedef struct
{
  /* D-Bus */
  GDBusConnection *connection;
  const char      *name;
  const char      *path;
  const char      *interface;
  const char      *member;
  GVariant        *parameters;
  /* engine */
  PlugEngine      *engine;
  const char      *plugin;
  const char      *method;
  JsonArray       *args;

  const char      *expected;
  BenchTimer       timer;
  guint            outstanding;
  gboolean         done;
  gboolean         sending;
} Target;

static void
target_init_dbus (Target     *target,
                  const char *name,
                  const char *path,
                  const char *interface,
                  const char *member,
                  GVariant   *parameters,
                  const char *expected)
{
  memset (target, 0, sizeof *target);
  target->connection = bus;
  target->name = name;
  target->path = path;
  target->interface = interface;
  target->member = member;
  target->parameters = g_variant_ref_sink (parameters);
  target->expected = expected;
  bench_timer_init (&target->timer, &length);
}

static void
target_init_engine (Target     *target,
                    PlugEngine *engine,
                    const char *plugin,
                    const char *method,
                    const char *arg,
                    const char *expected)
{
  memset (target, 0, sizeof *target);
  target->engine = engine;
  target->plugin = plugin;
  target->method = method;
  target->args = json_array_new ();
  json_array_add_string_element (target->args, arg);
  target->expected = expected;
  bench_timer_init (&target->timer, &length);
}

static void
target_clear (Target *target)
{
  g_clear_pointer (&target->parameters, g_variant_unref);
  g_clear_pointer (&target->args, json_array_unref);
  bench_timer_clear (&target->timer);
}

static void
target_start (Target              *target,
              GAsyncReadyCallback  callback)
{
  if (target->engine != NULL)
    plug_engine_call (target->engine, CALLER, target->plugin, target->method, target->args,
                      NULL, callback, target);
  else
    g_dbus_connection_call (target->connection, target->name, target->path,
                            target->interface, target->member, target->parameters,
                            G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                            callback, target);
}

static void
target_finish (Target       *target,
               GAsyncResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *answer = NULL;

  if (target->engine != NULL)
    {
      g_autoptr(JsonNode) node = plug_engine_call_finish (target->engine, result, &error);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          g_strcmp0 (json_node_get_string (node), target->expected) == 0)
        return;
      if (node != NULL)
        answer = "another value";
    }
  else
    {
      reply = g_dbus_connection_call_finish (target->connection, result, &error);
      if (reply != NULL)
        {
          g_variant_get (reply, "(&s)", &answer);
          if (g_str_equal (answer, target->expected))
            return;
        }
    }
  g_error ("%s.%s: %s", target->engine != NULL ? target->plugin : target->name,
           target->engine != NULL ? target->method : target->member,
           error != NULL ? error->message : answer);
}

static void
on_sequential_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Target *target = user_data;

  target_finish (target, result);
  target->done = TRUE;
}

static void
call_once (Target *target)
{
  target->done = FALSE;
  target_start (target, on_sequential_done);
  while (!target->done)
    g_main_context_iteration (NULL, TRUE);
}

/* p50, p99 and the rate of calls one after another: "<id>.p50/.p99/.rate" */
static void
measure_sequential (Target     *target,
                    const char *id)
{
  for (guint i = 0; i < WARMUP_CALLS; i++)
    call_once (target);

  bench_timer_start (&target->timer);
  while (bench_timer_more (&target->timer))
    {
      guint64 t0 = bench_now_ns ();

      call_once (target);
      bench_timer_add_latency (&target->timer, bench_now_ns () - t0);
      target->timer.done++;
    }
  bench_timer_stop (&target->timer);
  bench_record_timer (id, &target->timer);
}

static void on_flight_done (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data);

static void
start_flight_call (Target *target)
{
  target->outstanding++;
  target_start (target, on_flight_done);
}

static void
on_flight_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Target *target = user_data;

  target_finish (target, result);
  target->outstanding--;
  target->timer.done++;
  target->sending = target->sending && bench_timer_more (&target->timer);
  if (target->sending)
    start_flight_call (target);
}

/* Calls/s with DEPTH calls in flight: "<id>.rate" */
static void
measure_in_flight (Target     *target,
                   const char *id)
{
  g_autofree char *rate_id = g_strconcat (id, ".rate", NULL);

  for (guint i = 0; i < WARMUP_CALLS; i++)
    call_once (target);

  target->sending = TRUE;
  bench_timer_start (&target->timer);
  for (guint i = 0; i < DEPTH; i++)
    start_flight_call (target);
  while (target->outstanding > 0)
    g_main_context_iteration (NULL, TRUE);
  bench_timer_stop (&target->timer);
  bench_record (rate_id, bench_timer_rate (&target->timer));
}

/* Figure groups */

static void
group_raw (void)
{
  Target echo;
  Target owner;

  target_init_dbus (&echo, ECHO_NAME, ECHO_PATH, ECHO_IFACE, "Echo",
                    g_variant_new ("(s)", PAYLOAD), PAYLOAD);
  measure_sequential (&echo, "dbus.raw.echo");
  measure_in_flight (&echo, "dbus.raw.echo.flight100");
  target_clear (&echo);

  target_init_dbus (&owner, BUS_NAME, BUS_PATH, BUS_NAME, "GetNameOwner",
                    g_variant_new ("(s)", BUS_NAME), BUS_NAME);
  measure_sequential (&owner, "dbus.raw.getnameowner");
  target_clear (&owner);
}

/* Call("echo", "echo", '["hi"]') of `plugctl daemon`, started by D-Bus
 * activation on the first run's warm-up; its echo is a child process. */
static void
group_daemon (void)
{
  Target call;

  target_init_dbus (&call, ENGINE_NAME, ENGINE_PATH, ENGINE_NAME, "Call",
                    g_variant_new ("(sss)", "echo", "echo", "[\"" PAYLOAD "\"]"),
                    "\"" PAYLOAD "\"");
  measure_sequential (&call, "dbus.daemon.echo");
  target_clear (&call);
}

/* The same echo plugin, on the child-process connector of an engine in
 * this process: what the daemon adds. */
static void
group_embedded (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("echo", 0);
  Target call;

  if (engine == NULL)
    return;
  target_init_engine (&call, engine, "echo", "echo", PAYLOAD, PAYLOAD);
  measure_sequential (&call, "dbus.embedded.echo");
  target_clear (&call);
  deactivate (engine, "echo");
}

/* echo-dbus: plugctl-echo as a D-Bus service, started by D-Bus activation. */
static void
group_plugin (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("echo-dbus", 0);
  g_autoptr(PlugEngine) deep = NULL;
  Target call;

  if (engine == NULL)
    return;
  target_init_engine (&call, engine, "echo-dbus", "echo", PAYLOAD, PAYLOAD);
  measure_sequential (&call, "dbus.plugin.echo");
  target_clear (&call);
  deactivate (engine, "echo-dbus");

  deep = engine_with_plugin ("echo-dbus", DEPTH);
  if (deep == NULL)
    return;
  target_init_engine (&call, deep, "echo-dbus", "echo", PAYLOAD, PAYLOAD);
  measure_in_flight (&call, "dbus.plugin.echo.flight100");
  target_clear (&call);
  deactivate (deep, "echo-dbus");
}

/* dbus: the bus daemon's own interface as a plugin. */
static void
group_service (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("dbus", 0);
  Target call;

  if (engine == NULL)
    return;
  target_init_engine (&call, engine, "dbus", "GetNameOwner", BUS_NAME, BUS_NAME);
  measure_sequential (&call, "dbus.service.getnameowner");
  target_clear (&call);
  deactivate (engine, "dbus");
}

typedef struct
{
  const char *name;
  void      (*func) (void);
} Group;

static const Group groups[] = {
  { "raw", group_raw },
  { "daemon", group_daemon },
  { "embedded", group_embedded },
  { "plugin", group_plugin },
  { "service", group_service },
};

#define RAW_ECHO  "raw GDBus Echo(s) call"
#define RAW_OWNER "raw GDBus GetNameOwner"

static const BenchRow rows[] = {
  { "daemon Call echo.echo \"hi\", p50", "µs", "dbus.daemon.echo.p50", "dbus.raw.echo.p50",
    RAW_ECHO, NULL, NULL },
  { "daemon Call echo.echo \"hi\", p99", "µs", "dbus.daemon.echo.p99", "dbus.raw.echo.p99",
    RAW_ECHO, NULL, NULL },
  { "daemon Call echo.echo \"hi\", sequential", "calls/s", "dbus.daemon.echo.rate",
    "dbus.raw.echo.rate", RAW_ECHO, NULL, NULL },
  { "daemon Call echo.echo \"hi\", p50", "µs", "dbus.daemon.echo.p50", "dbus.embedded.echo.p50",
    "echo.echo, embedded engine", NULL, NULL },
  { "echo-dbus plugin, echo \"hi\", p50", "µs", "dbus.plugin.echo.p50", "dbus.raw.echo.p50",
    RAW_ECHO, NULL, NULL },
  { "echo-dbus plugin, echo \"hi\", p99", "µs", "dbus.plugin.echo.p99", "dbus.raw.echo.p99",
    RAW_ECHO, NULL, NULL },
  { "echo-dbus plugin, echo \"hi\", sequential", "calls/s", "dbus.plugin.echo.rate",
    "dbus.raw.echo.rate", RAW_ECHO, NULL, NULL },
  { "echo-dbus plugin, 100 in flight", "calls/s", "dbus.plugin.echo.flight100.rate",
    "dbus.raw.echo.flight100.rate", "raw GDBus Echo(s), 100 in flight", NULL, NULL },
  { "echo-dbus plugin, echo \"hi\", p50", "µs", "dbus.plugin.echo.p50", "dbus.embedded.echo.p50",
    "echo.echo, embedded engine", NULL, NULL },
  { "dbus plugin, GetNameOwner, p50", "µs", "dbus.service.getnameowner.p50",
    "dbus.raw.getnameowner.p50", RAW_OWNER, NULL, NULL },
  { "dbus plugin, GetNameOwner, p99", "µs", "dbus.service.getnameowner.p99",
    "dbus.raw.getnameowner.p99", RAW_OWNER, NULL, NULL },
  { "dbus plugin, GetNameOwner, sequential", "calls/s", "dbus.service.getnameowner.rate",
    "dbus.raw.getnameowner.rate", RAW_OWNER, NULL, NULL },
};

static gboolean
group_selected (const char *name)
{
  g_auto(GStrv) names = NULL;

  if (only == NULL)
    return TRUE;
  names = g_strsplit (only, ",", -1);
  return g_strv_contains ((const char * const *) names, name);
}

static void
run_groups (void)
{
  /* Each group's runs back to back, as bench-calls does. */
  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    for (guint run = 0; run < length.runs; run++)
      if (group_selected (groups[i].name))
        {
          g_printerr ("bench-dbus: run %u/%u: %s\n", run + 1, length.runs, groups[i].name);
          groups[i].func ();
        }
}

static void
print_results (void)
{
  g_autofree char *title = NULL;

  if (json_output)
    {
      bench_print_json (rows, G_N_ELEMENTS (rows), pin ? "pinned" : "unpinned");
      return;
    }
  title = g_strdup_printf ("plugctl over D-Bus, %s, median of %u runs",
                           pin ? "one CPU" : "unpinned", length.runs);
  bench_print_table (rows, G_N_ELEMENTS (rows), title);
}

int
main (int   argc,
      char *argv[])
{
  const GOptionEntry entries[] = {
    { "pin", 0, 0, G_OPTION_ARG_NONE, &pin,
      "Run everything, bus and services included, on one CPU", NULL },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &length.duration_s,
      "Seconds each figure runs (default 1)", "S" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &length.iterations,
      "Calls per figure instead of a duration", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &length.runs,
      "Runs; the table shows the median (default 3)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, "Print JSON", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Comma-separated groups: raw, daemon, embedded, plugin, service", "LIST" },
    { "serve-echo", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &serve_echo,
      "Serve the baseline's Echo on the session bus", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- plugctl over D-Bus benchmarks");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTestDBus) test_bus = NULL;
  g_autoptr(GSubprocess) echo_service = NULL;
  g_auto(GStrv) connector_dirs = NULL;
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  g_autofree char *self = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-dbus: %s\n", error->message);
      return 2;
    }
  if (serve_echo)
    return run_echo_service ();
  if (length.runs < 1 || length.duration_s <= 0)
    {
      g_printerr ("bench-dbus: --runs and --duration must be positive\n");
      return 2;
    }
  if (dbus_daemon == NULL)
    {
      g_printerr ("bench-dbus: dbus-daemon is not on PATH, skipped\n");
      return 77;
    }
  /* Before the bus starts: the bus and what it activates inherit it. */
  if (pin)
    g_printerr ("bench-dbus: pinned to CPU %d\n", bench_pin_to_one_cpu ());

  keep_test_dbus_watcher_pipe_private ();
  test_bus = bus_up ();
  /* The link's target, not the link: valgrind would run itself. */
  self = g_file_read_link ("/proc/self/exe", &error);
  if (self == NULL)
    g_error ("/proc/self/exe: %s", error->message);
  echo_service = start_echo_service (self);

  connector_dirs = plug_connector_module_search_path (NULL);
  plug_connector_module_load_dirs ((const char * const *) connector_dirs);

  run_groups ();
  print_results ();

  /* The daemon and echo-dbus leave with the bus they were started by. */
  g_subprocess_send_signal (echo_service, SIGTERM);
  g_subprocess_wait (echo_service, NULL, NULL);
  g_test_dbus_stop (test_bus);
  g_clear_object (&bus);
  return 0;
}
