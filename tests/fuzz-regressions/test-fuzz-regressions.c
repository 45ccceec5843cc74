/* test-fuzz-regressions.c: what the fuzzers of fuzz/ found, fixed
 *
 * One test per finding; the inputs themselves are also in
 * fuzz/corpus/<target>/ and replayed by the fuzz-corpus-* tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <plugctl.h>

#include "plugctl-args.h"

static void
assert_message_refused (const char *text,
                        const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = plug_message_parse (text, -1, &error);

  g_assert_null (message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_assert_cmpstr (error->message, ==, expected);
}

/* json-glib 1.6 took the last of several values, dropped the others
 * silently and leaked them (fuzz-message, fuzz-dispatcher). */
static void
test_message_several_values (void)
{
  static const char *const texts[] = {
    "{\"action\":\"emit\",\"key\":\"a\",\"payload\":[1]}{\"action\":\"emit\",\"key\":\"b\",\"payload\":[2]}",
    "[1][2]",
    "\"a\" {}",
    "1 [2]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_message_refused (texts[i], "invalid message: not valid JSON: several JSON values in one text");
}

/* json-glib 1.6 leaked a buffer on a malformed pair, and made strings
 * that are not UTF-8 of a lone surrogate or an octal escape. */
static void
test_message_bad_escapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = NULL;

  assert_message_refused ("{\"action\":\"emit\",\"key\":\"\\ud800\\u0041\",\"payload\":[]}",
                          "invalid message: not valid JSON: malformed UTF-16 surrogate pair in a string");
  assert_message_refused ("{\"action\":\"emit\",\"key\":\"\\ud800ab\",\"payload\":[]}",
                          "invalid message: not valid JSON: malformed UTF-16 surrogate pair in a string");
  assert_message_refused ("{\"action\":\"emit\",\"key\":\"\\udc00\\udc00\",\"payload\":[]}",
                          "invalid message: not valid JSON: malformed UTF-16 surrogate pair in a string");
  assert_message_refused ("{\"action\":\"emit\",\"key\":\"\\377\",\"payload\":[]}",
                          "invalid message: not valid JSON: invalid escape in a string");
  assert_message_refused ("{\"action\":\"emit\",\"key\":\"\\u12\",\"payload\":[]}",
                          "invalid message: not valid JSON: invalid \\u escape in a string");

  /* what JSON allows still parses */
  message = plug_message_parse ("{\"action\":\"emit\",\"key\":\"\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9\",\"payload\":[]}",
                                -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plug_message_get_key (message), ==, "\xf0\x9f\x98\x80 \" \\ / \b\f\n\r\t \xc3\xa9");
}

/* json-glib quotes the text in its errors and may cut a character in
 * two: the error was not UTF-8 (a D-Bus error, a log line). */
static void
test_message_error_is_utf8 (void)
{
  static const char text[] =
    "{\"id\":2,\"action\":\"request\",\"name\":\"cmd.git\",\"key\":\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\&"
    "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\runemi\336\203\"paynfo\":{\"from\":\"cli\",\"path\":\"cmd.emitgit\"}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = plug_message_parse (text, -1, &error);

  g_assert_null (message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_assert_true (g_str_has_prefix (error->message, "invalid message: not valid JSON: <data>:1:"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* fuzz-profile: the same json-glib leak from a manifest */
static void
test_profile_several_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;

  profile = plug_profile_new_from_data ("{\"name\":\"a\"}\n{\"name\":\"b\"}\n", -1, NULL, &error);
  g_assert_null (profile);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
  g_assert_cmpstr (error->message, ==, "<data>: not valid JSON: several JSON values in one text");
}

static GPtrArray *
words_of (const char * const *argv,
          GError            **error)
{
  return plugctl_positional_args (g_strv_length ((char **) argv), (char **) argv, error);
}

static char *
args_text (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) words = words_of (argv, &error);
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_no_error (error);
  args = plugctl_args_to_json (words, 0);
  node = json_node_init_array (json_node_alloc (), args);
  return plugctl_json_to_text (node);
}

/* fuzz-cli-args: a word that is not UTF-8 made a message no plugin reads */
static void
test_cli_args_not_utf8 (void)
{
  const char * const argv[] = { "plugctl", "caf\xc3)", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) words = words_of (argv, &error);

  g_assert_null (words);
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_assert_cmpstr (error->message, ==, "Argument caf\xef\xbf\xbd) is not valid UTF-8");
}

/* fuzz-cli-args: what is not JSON is a string, even where json-glib
 * would take it (`1[2]` as [2], `"\377"` as a string that is not UTF-8) */
static void
test_cli_args_not_json (void)
{
  const char * const argv[] = { "plugctl", "1[2]", "\"\\377\"", "{\"a\":1}{\"b\":2}", "[1,\"\\u00e9\"]", NULL };
  g_autofree char *text = args_text (argv);

  g_assert_cmpstr (text, ==, "[\"1[2]\",\"\\\"\\\\377\\\"\",\"{\\\"a\\\":1}{\\\"b\\\":2}\",[1,\"\xc3\xa9\"]]");
}

/* fuzz-cli-args: json-glib writes 1e21 as `1e+21.0`, which the daemon
 * could not read back (plugctl --daemon call … 1e21) */
static void
test_cli_args_doubles (void)
{
  const char * const argv[] = { "plugctl", "1e21", "1e-53", "0.1", "2", "-0.5", NULL };
  g_autofree char *text = args_text (argv);
  g_autoptr(JsonNode) parsed = json_from_string (text, NULL);

  g_assert_cmpstr (text, ==, "[1e+21,1e-53,0.1,2,-0.5]");
  g_assert_nonnull (parsed);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/fuzz-regressions/message/several-values-refused", test_message_several_values);
  g_test_add_func ("/fuzz-regressions/message/bad-escapes-refused", test_message_bad_escapes);
  g_test_add_func ("/fuzz-regressions/message/error-text-is-utf8", test_message_error_is_utf8);
  g_test_add_func ("/fuzz-regressions/profile/several-values-refused", test_profile_several_values);
  g_test_add_func ("/fuzz-regressions/cli-args/not-utf8-refused", test_cli_args_not_utf8);
  g_test_add_func ("/fuzz-regressions/cli-args/not-json-is-a-string", test_cli_args_not_json);
  g_test_add_func ("/fuzz-regressions/cli-args/doubles-read-back", test_cli_args_doubles);

  return g_test_run ();
}
