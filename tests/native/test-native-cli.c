/* test-native-cli.c: native plugins (libm and the test library) through plugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define WAIT_LIMIT_S 30

typedef struct
{
  char *out;
  char *err;
  int   status;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Waiting, always bounded */

static gboolean
on_wait_limit (gpointer user_data)
{
  g_error ("%s: no answer within %d s", (const char *) user_data, WAIT_LIMIT_S);
  return G_SOURCE_REMOVE;
}

static void
wait_for (gpointer   *result,
          const char *what)
{
  guint limit = g_timeout_add_seconds (WAIT_LIMIT_S, on_wait_limit, (gpointer) what);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (limit);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Running plugctl */

static GPtrArray *
plugctl_argv (const char *extra_plugin_dir)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *tests = g_getenv ("PLUGCTL_TESTS_BUILDDIR");

  g_ptr_array_add (argv, g_strdup (g_getenv ("PLUGCTL_CLI")));
  if (extra_plugin_dir != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
      g_ptr_array_add (argv, g_strdup (extra_plugin_dir));
    }
  g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
  g_ptr_array_add (argv, g_build_filename (tests, "native", NULL));
  g_ptr_array_add (argv, g_strdup ("--plugin-dir"));
  g_ptr_array_add (argv, g_strdup (g_getenv ("PLUGCTL_PLUGINS_BUILDDIR")));
  return argv;
}

static void
add_args_va (GPtrArray  *argv,
             const char *first,
             va_list     args)
{
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);
}

static GSubprocess *
spawn (GPtrArray       *argv,
       GSubprocessFlags flags)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  process = g_subprocess_newv ((const char * const *) argv->pdata, flags, &error);
  g_assert_no_error (error);
  return process;
}

static void
run_argv (Run        *run,
          GPtrArray  *argv,
          const char *input)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  process = spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_communicate_utf8_async (process, input != NULL ? input : "", NULL,
                                       store_result, &result);
  wait_for ((gpointer *) &result, "plugctl");
  g_subprocess_communicate_utf8_finish (process, result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("stdout: %s", run->out);
  g_test_message ("stderr: %s", run->err);
}

/* plugctl [plugin dirs] @first… with no input; extra dir: @dir or NULL */
static void
run_in (Run        *run,
        const char *dir,
        const char *first,
        ...) G_GNUC_NULL_TERMINATED;

static void
run_in (Run        *run,
        const char *dir,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = plugctl_argv (dir);
  va_list args;

  va_start (args, first);
  add_args_va (argv, first, args);
  va_end (args);
  run_argv (run, argv, NULL);
}

#define run_plugctl(run, ...) run_in ((run), NULL, __VA_ARGS__)

static void
assert_run (Run        *run,
            int         status,
            const char *out,
            const char *err)
{
  g_assert_cmpstr (run->out, ==, out);
  if (err != NULL)
    g_assert_cmpstr (run->err, ==, err);
  g_assert_cmpint (run->status, ==, status);
}

/* Batch tables: one request a line, its answer expected line for line */

typedef struct
{
  const char *request;  /* ["plugin", "method", arg…] */
  const char *result;   /* the result as printed, or NULL */
  const char *error;    /* else the error text */
} Exchange;

static char *
expected_answer (const Exchange *exchange)
{
  g_autoptr(JsonNode) error = NULL;
  g_autofree char *quoted = NULL;

  if (exchange->result != NULL)
    return g_strdup_printf ("{\"result\":%s}", exchange->result);
  error = json_node_init_string (json_node_alloc (), exchange->error);
  quoted = json_to_string (error, FALSE);
  /* every error here is about the arguments: PLUG_ERROR_INVALID_ARGUMENT */
  return g_strdup_printf ("{\"error\":%s,\"code\":\"invalid-argument\"}", quoted);
}

static void
check_batch (const Exchange *exchanges,
             guint           n_exchanges)
{
  g_auto(Run) run = { 0 };
  g_autoptr(GPtrArray) argv = plugctl_argv (NULL);
  g_autoptr(GString) input = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  gboolean any_error = FALSE;

  for (guint i = 0; i < n_exchanges; i++)
    {
      g_string_append_printf (input, "%s\n", exchanges[i].request);
      any_error |= exchanges[i].error != NULL;
    }
  g_ptr_array_add (argv, g_strdup ("batch"));
  g_ptr_array_add (argv, NULL);
  run_argv (&run, argv, input->str);

  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_exchanges + 1);
  for (guint i = 0; i < n_exchanges; i++)
    {
      g_autofree char *expected = expected_answer (&exchanges[i]);

      g_test_message ("request %s", exchanges[i].request);
      g_assert_cmpstr (lines[i], ==, expected);
    }
  g_assert_cmpstr (lines[n_exchanges], ==, "");
  g_assert_cmpint (run.status, ==, any_error ? 1 : 0);
}

#define RANGE_ERROR(method, type, range, got) \
  "Argument 1 of method \"" method "\" must be " type " in " range ", got " got

/* libm, the shipped example */

static void
test_libm_cos_prints_double (void)
{
  g_auto(Run) run = { 0 };

  run_plugctl (&run, "call", "libm", "cos", "0", NULL);
  assert_run (&run, 0, "1.0\n", "");
}

static void
test_libm_pow_prints_double (void)
{
  g_auto(Run) run = { 0 };

  run_plugctl (&run, "call", "libm", "pow", "2", "10", NULL);
  assert_run (&run, 0, "1024.0\n", "");
}

static void
test_libm_methods_are_functions (void)
{
  g_auto(Run) run = { 0 };

  run_plugctl (&run, "activate", "libm", NULL);
  assert_run (&run, 0, "libm: active (methods: cos, sin, pow, sqrt, fabs, floor)\n", "");
}

static void
test_libm_bad_arguments (void)
{
  g_auto(Run) run = { 0 };

  run_plugctl (&run, "call", "libm", "pow", "2", NULL);
  assert_run (&run, 1, "", "plugctl: Method \"pow\" takes 2 arguments, got 1\n");
  run_clear (&run);

  run_plugctl (&run, "call", "libm", "cos", "zero", NULL);
  assert_run (&run, 1, "",
              "plugctl: Argument 1 of method \"cos\" must be a number (double), got a string\n");
  run_clear (&run);

  run_plugctl (&run, "call", "plugtest", "id_int", "1e12", NULL);
  assert_run (&run, 1, "",
              "plugctl: " RANGE_ERROR ("id_int", "an int", "[-2147483648, 2147483647]",
                                       "1000000000000") "\n");
}

static void
test_libm_not_a_number_is_null (void)
{
  static const Exchange exchanges[] = {
    { "[\"libm\", \"sqrt\", -1]", "null", NULL },
    { "[\"libm\", \"sqrt\", 2.25]", "1.5", NULL },
    { "[\"libm\", \"floor\", -0.5]", "-1.0", NULL },
  };

  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

/* Every type at its limits, and one past them */

static void
test_types_integers (void)
{
  static const Exchange exchanges[] = {
    { "[\"plugtest\", \"id_i8\", -128]", "-128", NULL },
    { "[\"plugtest\", \"id_i8\", 127]", "127", NULL },
    { "[\"plugtest\", \"id_i8\", -129]", NULL, RANGE_ERROR ("id_i8", "an int8_t", "[-128, 127]", "-129") },
    { "[\"plugtest\", \"id_i8\", 128]", NULL, RANGE_ERROR ("id_i8", "an int8_t", "[-128, 127]", "128") },
    { "[\"plugtest\", \"id_i16\", -32768]", "-32768", NULL },
    { "[\"plugtest\", \"id_i16\", 32767]", "32767", NULL },
    { "[\"plugtest\", \"id_i16\", -32769]", NULL, RANGE_ERROR ("id_i16", "an int16_t", "[-32768, 32767]", "-32769") },
    { "[\"plugtest\", \"id_i16\", 32768]", NULL, RANGE_ERROR ("id_i16", "an int16_t", "[-32768, 32767]", "32768") },
    { "[\"plugtest\", \"id_i32\", -2147483648]", "-2147483648", NULL },
    { "[\"plugtest\", \"id_i32\", 2147483647]", "2147483647", NULL },
    { "[\"plugtest\", \"id_i32\", -2147483649]", NULL, RANGE_ERROR ("id_i32", "an int32_t", "[-2147483648, 2147483647]", "-2147483649") },
    { "[\"plugtest\", \"id_i32\", 2147483648]", NULL, RANGE_ERROR ("id_i32", "an int32_t", "[-2147483648, 2147483647]", "2147483648") },
    { "[\"plugtest\", \"id_i64\", -9223372036854775808]", "-9223372036854775808", NULL },
    { "[\"plugtest\", \"id_i64\", 9223372036854775807]", "9223372036854775807", NULL },
    { "[\"plugtest\", \"id_i64\", -9223372036854777856.0]", NULL, RANGE_ERROR ("id_i64", "an int64_t", "[-9223372036854775808, 9223372036854775807]", "-9.2233720368547779e+18") },
    { "[\"plugtest\", \"id_i64\", 9223372036854775808.0]", NULL, RANGE_ERROR ("id_i64", "an int64_t", "[-9223372036854775808, 9223372036854775807]", "9.2233720368547758e+18") },
    { "[\"plugtest\", \"id_u8\", 0]", "0", NULL },
    { "[\"plugtest\", \"id_u8\", 255]", "255", NULL },
    { "[\"plugtest\", \"id_u8\", -1]", NULL, RANGE_ERROR ("id_u8", "a uint8_t", "[0, 255]", "-1") },
    { "[\"plugtest\", \"id_u8\", 256]", NULL, RANGE_ERROR ("id_u8", "a uint8_t", "[0, 255]", "256") },
    { "[\"plugtest\", \"id_u16\", 65535]", "65535", NULL },
    { "[\"plugtest\", \"id_u16\", 65536]", NULL, RANGE_ERROR ("id_u16", "a uint16_t", "[0, 65535]", "65536") },
    { "[\"plugtest\", \"id_u32\", 4294967295]", "4294967295", NULL },
    { "[\"plugtest\", \"id_u32\", 4294967296]", NULL, RANGE_ERROR ("id_u32", "a uint32_t", "[0, 4294967295]", "4294967296") },
    { "[\"plugtest\", \"id_u64\", 0]", "0", NULL },
    { "[\"plugtest\", \"id_u64\", 9223372036854775807]", "9223372036854775807", NULL },
    /* above INT64_MAX a uint64_t result is a JSON double */
    { "[\"plugtest\", \"id_u64\", 18446744073709549568.0]", "1.844674407370955e+19", NULL },
    { "[\"plugtest\", \"max_u64\"]", "1.8446744073709552e+19", NULL },
    { "[\"plugtest\", \"min_i64\"]", "-9223372036854775808", NULL },
    { "[\"plugtest\", \"id_u64\", -1]", NULL, RANGE_ERROR ("id_u64", "a uint64_t", "[0, 18446744073709551615]", "-1") },
    { "[\"plugtest\", \"id_u64\", 18446744073709551616.0]", NULL, RANGE_ERROR ("id_u64", "a uint64_t", "[0, 18446744073709551615]", "1.8446744073709552e+19") },
  };

  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

/* int, long, size_t and friends, on an LP64 system */
static void
test_types_c_integers (void)
{
  static const Exchange exchanges[] = {
    { "[\"plugtest\", \"id_int\", -2147483648]", "-2147483648", NULL },
    { "[\"plugtest\", \"id_int\", 2147483647]", "2147483647", NULL },
    { "[\"plugtest\", \"id_int\", 2147483648]", NULL, RANGE_ERROR ("id_int", "an int", "[-2147483648, 2147483647]", "2147483648") },
    { "[\"plugtest\", \"id_int\", 1.5]", NULL, RANGE_ERROR ("id_int", "an int", "[-2147483648, 2147483647]", "1.5") },
    { "[\"plugtest\", \"id_int\", 2.0]", "2", NULL },
    { "[\"plugtest\", \"id_uint\", 4294967295]", "4294967295", NULL },
    { "[\"plugtest\", \"id_uint\", -1]", NULL, RANGE_ERROR ("id_uint", "an unsigned int", "[0, 4294967295]", "-1") },
    { "[\"plugtest\", \"id_long\", -9223372036854775808]", "-9223372036854775808", NULL },
    { "[\"plugtest\", \"id_long\", 9223372036854775807]", "9223372036854775807", NULL },
    { "[\"plugtest\", \"id_ulong\", 9223372036854775807]", "9223372036854775807", NULL },
    { "[\"plugtest\", \"id_ulong\", -1]", NULL, RANGE_ERROR ("id_ulong", "an unsigned long", "[0, 18446744073709551615]", "-1") },
    { "[\"plugtest\", \"id_size\", 0]", "0", NULL },
    { "[\"plugtest\", \"id_size\", -1]", NULL, RANGE_ERROR ("id_size", "a size_t", "[0, 18446744073709551615]", "-1") },
    { "[\"plugtest\", \"id_ssize\", -9223372036854775808]", "-9223372036854775808", NULL },
    { "[\"plugtest\", \"id_ssize\", 9223372036854775808.0]", NULL, RANGE_ERROR ("id_ssize", "a ssize_t", "[-9223372036854775808, 9223372036854775807]", "9.2233720368547758e+18") },
  };

  if (sizeof (long) != 8 || sizeof (size_t) != 8 || sizeof (int) != 4)
    {
      g_test_skip ("the expected ranges are those of LP64");
      return;
    }
  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

static void
test_types_bool_float_double (void)
{
  static const Exchange exchanges[] = {
    { "[\"plugtest\", \"id_bool\", true]", "true", NULL },
    { "[\"plugtest\", \"not\", true]", "false", NULL },
    { "[\"plugtest\", \"not\", false]", "true", NULL },
    { "[\"plugtest\", \"not\", 1]", NULL, "Argument 1 of method \"not\" must be a boolean (bool), got a number" },
    { "[\"plugtest\", \"half\", 3]", "1.5", NULL },
    { "[\"plugtest\", \"half\", 2]", "1.0", NULL },
    { "[\"plugtest\", \"id_double\", 2]", "2.0", NULL },
    { "[\"plugtest\", \"id_float\", 0.1]", "0.10000000149011612", NULL },
    { "[\"plugtest\", \"id_float\", 3.4028234663852886e38]", "3.4028234663852886e+38", NULL },
    { "[\"plugtest\", \"id_float\", -3.4028234663852886e38]", "-3.4028234663852886e+38", NULL },
    { "[\"plugtest\", \"id_float\", 1e39]", NULL, RANGE_ERROR ("id_float", "a float", "[-3.4028234663852886e+38, 3.4028234663852886e+38]", "1e+39") },
    { "[\"plugtest\", \"id_double\", 1.7976931348623157e308]", "1.7976931348623157e+308", NULL },
    { "[\"plugtest\", \"id_double\", -4.9406564584124654e-324]", "-4.94065645841247e-324", NULL },
    { "[\"plugtest\", \"id_double\", true]", NULL, "Argument 1 of method \"id_double\" must be a number (double), got a boolean" },
    { "[\"plugtest\", \"id_double\", [1]]", NULL, "Argument 1 of method \"id_double\" must be a number (double), got an array" },
    { "[\"plugtest\", \"id_int\", {}]", NULL, "Argument 1 of method \"id_int\" must be a number (int), got an object" },
    { "[\"plugtest\", \"not_a_number\"]", "null", NULL },
    { "[\"plugtest\", \"mix\", -1, 2, 3, 0.5, 0.25, true, \"abcd\"]", "9.75", NULL },
    { "[\"plugtest\", \"mix\", -1, 2, 3, 0.5, 0.25, true, 4]", NULL, "Argument 7 of method \"mix\" must be a string (const char*), got a number" },
    { "[\"plugtest\", \"mix\", 128, 2, 3, 0.5, 0.25, true, \"\"]", NULL, RANGE_ERROR ("mix", "an int8_t", "[-128, 127]", "128") },
  };

  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

static void
test_types_strings_and_void (void)
{
  static const Exchange exchanges[] = {
    { "[\"plugtest\", \"id_string\", \"h\\u00e9llo\"]", "\"h\xc3\xa9llo\"", NULL },
    { "[\"plugtest\", \"id_string\", \"\"]", "\"\"", NULL },
    { "[\"plugtest\", \"greet\", \"you\"]", "\"Hello, you!\"", NULL },
    { "[\"plugtest\", \"shout\", \"abc\"]", "\"ABC\"", NULL },
    { "[\"plugtest\", \"nothing\"]", "null", NULL },
    { "[\"plugtest\", \"bad_utf8\"]", "\"a\xef\xbf\xbd" "b\"", NULL },
    { "[\"plugtest\", \"id_string\", null]", NULL, "Argument 1 of method \"id_string\" must be a string (const char*), got null" },
    { "[\"plugtest\", \"nop\"]", "null", NULL },
    { "[\"plugtest\", \"nop\", 1]", NULL, "Method \"nop\" takes no arguments, got 1" },
    { "[\"plugtest\", \"id_int\"]", NULL, "Method \"id_int\" takes 1 argument, got 0" },
    { "[\"plugtest\", \"mix\", 1, 2]", NULL, "Method \"mix\" takes 7 arguments, got 2" },
  };

  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

static void
test_bad_arguments_call_nothing (void)
{
  static const Exchange exchanges[] = {
    { "[\"plugtest\", \"touch\", \"one\"]", NULL, "Argument 1 of method \"touch\" must be a number (int), got a string" },
    { "[\"plugtest\", \"touch\", 1e12]", NULL, RANGE_ERROR ("touch", "an int", "[-2147483648, 2147483647]", "1000000000000") },
    { "[\"plugtest\", \"touch\"]", NULL, "Method \"touch\" takes 1 argument, got 0" },
    { "[\"plugtest\", \"touched\"]", "0", NULL },
    { "[\"plugtest\", \"touch\", 5]", "5", NULL },
    { "[\"plugtest\", \"touched\"]", "1", NULL },
  };

  check_batch (exchanges, G_N_ELEMENTS (exchanges));
}

/* Activation errors: each names what is wrong, and nothing runs */

static void
check_start_error (const char *manifest,
                   const char *err)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plugctl-native-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_auto(Run) run = { 0 };

  g_assert_no_error (error);
  path = g_build_filename (dir, "broken.json", NULL);
  g_file_set_contents (path, manifest, -1, &error);
  g_assert_no_error (error);

  run_in (&run, dir, "call", "broken", "cos", "0", NULL);
  assert_run (&run, 4, "", err);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_activation_bad_signature (void)
{
  check_start_error ("{\"name\": \"broken\", \"connector\": \"native\", \"library\": \"libm.so.6\","
                     " \"functions\": {\"sin\": \"double(double)\", \"cos\": \"double(dooble)\"}}",
                     "plugctl: Plugin broken: function \"cos\": cannot parse signature "
                     "\"double(dooble)\": unknown type \"dooble\" at column 8\n");
}

static void
test_activation_missing_symbol (void)
{
  check_start_error ("{\"name\": \"broken\", \"connector\": \"native\", \"library\": \"libm.so.6\","
                     " \"functions\": {\"cos\": \"double(double)\", \"coss\": \"double(double)\"}}",
                     "plugctl: Plugin broken: library \"libm.so.6\" has no function \"coss\"\n");
}

static void
test_activation_missing_library (void)
{
  check_start_error ("{\"name\": \"broken\", \"connector\": \"native\","
                     " \"library\": \"libplugctl-missing.so.1\","
                     " \"functions\": {\"cos\": \"double(double)\"}}",
                     "plugctl: Plugin broken: cannot open library \"libplugctl-missing.so.1\": "
                     "libplugctl-missing.so.1: cannot open shared object file: "
                     "No such file or directory\n");
}

static void
test_activation_missing_fields (void)
{
  check_start_error ("{\"name\": \"broken\", \"connector\": \"native\","
                     " \"functions\": {\"cos\": \"double(double)\"}}",
                     "plugctl: Plugin broken: field \"library\" must be a string: the shared "
                     "library to load, such as \"libm.so.6\"\n");
  check_start_error ("{\"name\": \"broken\", \"connector\": \"native\", \"library\": \"libm.so.6\","
                     " \"methods\": [\"cos\"], \"functions\": {\"cos\": 1}}",
                     "plugctl: Plugin broken: function \"cos\": the signature must be a string "
                     "such as \"double(double)\"\n");
}

/* Slow functions: the engine goes on */

static void
test_timeout (void)
{
  g_auto(Run) run = { 0 };

  /* plugtest-slow's callTimeout is 200 ms; the function ends 400 ms
   * later, within the stop wait: deactivation joins its thread quietly */
  run_plugctl (&run, "call", "plugtest-slow", "slow_ms", "600", NULL);
  assert_run (&run, 1, "", "plugctl: [TIMEOUT] Timeout for call slow_ms from cli\n");
}

/* A FIFO that wait_fifo() reads until the test closes it */
static char *
make_fifo (int *writer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plugctl-native-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, "fifo", NULL);
  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  /* O_RDWR never blocks on a FIFO, and keeps the reader from seeing EOF */
  *writer = open (path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (*writer, >=, 0);
  return path;
}

static void
remove_fifo (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_timeout_function_left_running (void)
{
  g_auto(Run) run = { 0 };
  g_autofree char *fifo = NULL;
  int writer;

  fifo = make_fifo (&writer);
  run_plugctl (&run, "call", "plugtest-slow", "wait_fifo", fifo, NULL);
  close (writer);

  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "plugctl: [TIMEOUT] Timeout for call wait_fifo from cli\n"));
  g_assert_nonnull (strstr (run.err, "Plugin plugtest-slow: function \"wait_fifo\" still running "
                                     "1000 ms after deactivation; its thread is left to finish "
                                     "on its own (a native call cannot be interrupted)"));
  remove_fifo (fifo);
}

typedef struct
{
  GDataInputStream *stream;
  char             *line;
  gboolean          done;
} LineRead;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;
  g_autoptr(GError) error = NULL;

  read->line = g_data_input_stream_read_line_finish_utf8 (read->stream, result, NULL, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

static char *
read_line_bounded (GDataInputStream *stream)
{
  LineRead read = { stream, NULL, FALSE };
  guint limit = g_timeout_add_seconds (WAIT_LIMIT_S, on_wait_limit,
                                       (gpointer) "a line from plugctl batch");

  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, NULL, on_line, &read);
  while (!read.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (limit);

  return read.line;
}

/* A native call that blocks its thread does not block the engine: a call
 * to another plugin, here the echo child process, answers meanwhile. */
static void
test_engine_stays_responsive (void)
{
  g_autoptr(GPtrArray) argv = plugctl_argv (NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GAsyncResult) exited = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = NULL;
  g_autofree char *input = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  GOutputStream *in;
  int writer;

  fifo = make_fifo (&writer);
  g_ptr_array_add (argv, g_strdup ("--timeout"));
  g_ptr_array_add (argv, g_strdup ("20000"));
  g_ptr_array_add (argv, g_strdup ("batch"));
  g_ptr_array_add (argv, NULL);
  process = spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);

  /* Answers keep the input order: the echo call comes first, and its
   * answer can only be written while wait_fifo() still blocks. */
  input = g_strdup_printf ("[\"echo\", \"echo\", \"still here\"]\n"
                           "[\"plugtest-slow\", \"wait_fifo\", \"%s\"]\n", fifo);
  in = g_subprocess_get_stdin_pipe (process);
  g_output_stream_write_all (in, input, strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  first = read_line_bounded (out);
  g_assert_cmpstr (first, ==, "{\"result\":\"still here\"}");

  close (writer);
  second = read_line_bounded (out);
  g_assert_cmpstr (second, ==, "{\"result\":0}");
  third = read_line_bounded (out);
  g_assert_null (third);

  g_subprocess_wait_async (process, NULL, store_result, &exited);
  wait_for ((gpointer *) &exited, "plugctl batch to exit");
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  remove_fifo (fifo);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/native/cli/libm/cos-prints-double", test_libm_cos_prints_double);
  g_test_add_func ("/native/cli/libm/pow-prints-double", test_libm_pow_prints_double);
  g_test_add_func ("/native/cli/libm/methods-are-functions", test_libm_methods_are_functions);
  g_test_add_func ("/native/cli/libm/bad-arguments", test_libm_bad_arguments);
  g_test_add_func ("/native/cli/libm/not-a-number-is-null", test_libm_not_a_number_is_null);
  g_test_add_func ("/native/cli/types/fixed-width-integers", test_types_integers);
  g_test_add_func ("/native/cli/types/c-integers", test_types_c_integers);
  g_test_add_func ("/native/cli/types/bool-float-double", test_types_bool_float_double);
  g_test_add_func ("/native/cli/types/strings-and-void", test_types_strings_and_void);
  g_test_add_func ("/native/cli/args/bad-arguments-call-nothing", test_bad_arguments_call_nothing);
  g_test_add_func ("/native/cli/activation/bad-signature", test_activation_bad_signature);
  g_test_add_func ("/native/cli/activation/missing-symbol", test_activation_missing_symbol);
  g_test_add_func ("/native/cli/activation/missing-library", test_activation_missing_library);
  g_test_add_func ("/native/cli/activation/missing-fields", test_activation_missing_fields);
  g_test_add_func ("/native/cli/slow/timeout", test_timeout);
  g_test_add_func ("/native/cli/slow/timeout-function-left-running", test_timeout_function_left_running);
  g_test_add_func ("/native/cli/slow/engine-stays-responsive", test_engine_stays_responsive);

  return g_test_run ();
}
