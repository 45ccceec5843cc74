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

#include "bench-engine.h"
#include "bench-util.h"

#define ECHO_NAME     "org.plugctl.Bench.Echo"
#define ECHO_PATH     "/org/plugctl/Bench/Echo"
#define ECHO_IFACE    "org.plugctl.Bench.Echo1"
#define ENGINE_NAME   "org.plugctl.Engine1"
#define ENGINE_PATH   "/org/plugctl/Engine1"
#define BUS_NAME      "org.freedesktop.DBus"
#define BUS_PATH      "/org/freedesktop/DBus"
#define PAYLOAD       "hi"
#define WARMUP_CALLS  BENCH_WARMUP_CALLS
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

/* An engine with BENCH_CALLER and @plugin registered, @plugin active;
 * NULL (and a note) when it is not available here. */
static PlugEngine *
engine_with_plugin (const char *plugin,
                    guint       concurrency)
{
  g_autoptr(PlugProfile) profile = bench_profile_for (plugin, NULL, concurrency);

  if (profile == NULL)
    {
      g_printerr ("bench-dbus: no manifest for %s, skipped\n", plugin);
      return NULL;
    }
  return bench_engine_with_profile ("bench-dbus", profile);
}

/* D-Bus method calls that answer with the string @expected. */
typedef struct
{
  BenchCalls       calls;
  GDBusConnection *connection;
  const char      *name;
  const char      *path;
  const char      *interface;
  const char      *member;
  GVariant        *parameters;
  const char      *expected;
} DBusCalls;

static void
dbus_call_start (BenchCalls          *base,
                 GAsyncReadyCallback  callback)
{
  DBusCalls *calls = (DBusCalls *) base;

  g_dbus_connection_call (calls->connection, calls->name, calls->path, calls->interface,
                          calls->member, calls->parameters, G_VARIANT_TYPE ("(s)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, callback, calls);
}

static void
dbus_call_finish (BenchCalls   *base,
                  GAsyncResult *result)
{
  DBusCalls *calls = (DBusCalls *) base;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (calls->connection, result, &error);
  const char *answer = NULL;

  if (reply != NULL)
    {
      g_variant_get (reply, "(&s)", &answer);
      if (g_str_equal (answer, calls->expected))
        return;
    }
  g_error ("%s.%s: %s", calls->name, calls->member, error != NULL ? error->message : answer);
}

static void
dbus_calls_init (DBusCalls  *calls,
                 const char *name,
                 const char *path,
                 const char *interface,
                 const char *member,
                 GVariant   *parameters,
                 const char *expected)
{
  bench_calls_init (&calls->calls, &length, dbus_call_start, dbus_call_finish);
  calls->connection = bus;
  calls->name = name;
  calls->path = path;
  calls->interface = interface;
  calls->member = member;
  calls->parameters = g_variant_ref_sink (parameters);
  calls->expected = expected;
}

static void
dbus_calls_clear (DBusCalls *calls)
{
  g_clear_pointer (&calls->parameters, g_variant_unref);
  bench_calls_clear (&calls->calls);
}

/* @method(@arg) of @plugin through @engine, answering @expected. */
static void
engine_calls_init (BenchEngineCalls *calls,
                   PlugEngine       *engine,
                   const char       *plugin,
                   const char       *method,
                   const char       *arg,
                   const char       *expected)
{
  JsonArray *args = json_array_new ();

  json_array_add_string_element (args, arg);
  bench_engine_calls_init (calls, &length, engine, plugin, method, args, expected);
}

/* Figure groups */

static void
group_raw (void)
{
  DBusCalls echo;
  DBusCalls owner;

  dbus_calls_init (&echo, ECHO_NAME, ECHO_PATH, ECHO_IFACE, "Echo",
                   g_variant_new ("(s)", PAYLOAD), PAYLOAD);
  bench_calls_sequential (&echo.calls, WARMUP_CALLS, "dbus.raw.echo");
  bench_calls_in_flight (&echo.calls, WARMUP_CALLS, DEPTH, "dbus.raw.echo.flight100");
  dbus_calls_clear (&echo);

  dbus_calls_init (&owner, BUS_NAME, BUS_PATH, BUS_NAME, "GetNameOwner",
                   g_variant_new ("(s)", BUS_NAME), BUS_NAME);
  bench_calls_sequential (&owner.calls, WARMUP_CALLS, "dbus.raw.getnameowner");
  dbus_calls_clear (&owner);
}

/* Call("echo", "echo", '["hi"]') of `plugctl daemon`, started by D-Bus
 * activation on the first run's warm-up; its echo is a child process. */
static void
group_daemon (void)
{
  DBusCalls call;

  dbus_calls_init (&call, ENGINE_NAME, ENGINE_PATH, ENGINE_NAME, "Call",
                   g_variant_new ("(sss)", "echo", "echo", "[\"" PAYLOAD "\"]"),
                   "\"" PAYLOAD "\"");
  bench_calls_sequential (&call.calls, WARMUP_CALLS, "dbus.daemon.echo");
  dbus_calls_clear (&call);
}

/* The same echo plugin, on the child-process connector of an engine in
 * this process: what the daemon adds. */
static void
group_embedded (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("echo", 0);
  BenchEngineCalls call;

  if (engine == NULL)
    return;
  engine_calls_init (&call, engine, "echo", "echo", PAYLOAD, PAYLOAD);
  bench_calls_sequential (&call.calls, WARMUP_CALLS, "dbus.embedded.echo");
  bench_engine_calls_clear (&call);
  bench_engine_deactivate (engine, "echo");
}

/* echo-dbus: plugctl-echo as a D-Bus service, started by D-Bus activation. */
static void
group_plugin (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("echo-dbus", 0);
  g_autoptr(PlugEngine) deep = NULL;
  BenchEngineCalls call;

  if (engine == NULL)
    return;
  engine_calls_init (&call, engine, "echo-dbus", "echo", PAYLOAD, PAYLOAD);
  bench_calls_sequential (&call.calls, WARMUP_CALLS, "dbus.plugin.echo");
  bench_engine_calls_clear (&call);
  bench_engine_deactivate (engine, "echo-dbus");

  deep = engine_with_plugin ("echo-dbus", DEPTH);
  if (deep == NULL)
    return;
  engine_calls_init (&call, deep, "echo-dbus", "echo", PAYLOAD, PAYLOAD);
  bench_calls_in_flight (&call.calls, WARMUP_CALLS, DEPTH, "dbus.plugin.echo.flight100");
  bench_engine_calls_clear (&call);
  bench_engine_deactivate (deep, "echo-dbus");
}

/* dbus: the bus daemon's own interface as a plugin. */
static void
group_service (void)
{
  g_autoptr(PlugEngine) engine = engine_with_plugin ("dbus", 0);
  BenchEngineCalls call;

  if (engine == NULL)
    return;
  engine_calls_init (&call, engine, "dbus", "GetNameOwner", BUS_NAME, BUS_NAME);
  bench_calls_sequential (&call.calls, WARMUP_CALLS, "dbus.service.getnameowner");
  bench_engine_calls_clear (&call);
  bench_engine_deactivate (engine, "dbus");
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
