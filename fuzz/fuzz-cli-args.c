/* fuzz-cli-args.c: libFuzzer target for the CLI's argument decoder
 *
 * The input is the command line after `plugctl call PLUGIN METHOD`, its
 * words separated by NUL bytes, as execve() would pass them
 * (cli/plugctl-args.c). Decoded arguments are what the CLI sends: as the
 * payload of a request on the wire (embedded engine) and as JSON text to
 * the daemon (plugctl --daemon), so both must read back as they were.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"
#include "plugctl-args.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_install_log_writer ();
  return 0;
}

/* "plugctl" then the words of @data; a trailing NUL ends the last word. */
static GPtrArray *
split_argv (const uint8_t *data,
            size_t         size)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *p = (const char *) data;
  const char *end = p + size;

  g_ptr_array_add (argv, g_strdup ("plugctl"));
  while (p < end)
    {
      const char *nul = memchr (p, '\0', end - p);
      const char *word_end = nul != NULL ? nul : end;

      g_ptr_array_add (argv, g_strndup (p, word_end - p));
      p = word_end + 1;
    }
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* JSON here is what the library takes for JSON (plug_json_from_text). */
static void
check_word (const char *word,
            JsonNode   *arg)
{
  g_autoptr(JsonNode) json = plug_json_from_text (word, -1, NULL);

  if (json != NULL)
    fuzz_check (json_node_equal (json, arg), "a JSON word is that JSON");
  else
    fuzz_check (JSON_NODE_HOLDS_VALUE (arg) && json_node_get_value_type (arg) == G_TYPE_STRING &&
                strcmp (json_node_get_string (arg), word) == 0,
                "any other word is that string");
}

/* The embedded engine sends the args as a request's payload, plugctl
 * --daemon as JSON text that the daemon parses and sends on: the plugin
 * gets the same arguments both ways. (A number too large for a double
 * is null both ways, as in JavaScript.) */
static void
check_wire_and_daemon (JsonArray *args)
{
  g_autoptr(PlugMessage) request = plug_message_new_request (1, "echo", "echo", args);
  g_autofree char *request_text = plug_message_to_string (request);
  g_autoptr(PlugMessage) received = NULL;
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), args);
  g_autofree char *daemon_text = plugctl_json_to_text (node);
  g_autoptr(JsonNode) daemon_args = NULL;
  g_autoptr(PlugMessage) daemon_request = NULL;
  g_autofree char *daemon_request_text = NULL;
  g_autoptr(GError) error = NULL;

  received = plug_message_parse (request_text, -1, &error);
  if (received == NULL)
    fuzz_fail (G_STRLOC, error->message);
  fuzz_check (json_array_get_length (plug_message_get_args (received)) == json_array_get_length (args),
              "the plugin gets as many arguments");

  daemon_args = json_from_string (daemon_text, &error);
  if (daemon_args == NULL)
    fuzz_fail (G_STRLOC, error->message);
  daemon_request = plug_message_new_request (1, "echo", "echo", json_node_get_array (daemon_args));
  daemon_request_text = plug_message_to_string (daemon_request);
  fuzz_check (strcmp (request_text, daemon_request_text) == 0,
              "the plugin gets the same arguments through the daemon");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) argv = split_argv (data, size);
  g_autoptr(GPtrArray) words = NULL;
  g_autoptr(JsonArray) args = NULL;
  g_autoptr(GError) error = NULL;

  words = plugctl_positional_args (argv->len - 1, (char **) argv->pdata, &error);
  if (words == NULL)
    {
      fuzz_check (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION) ||
                  g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE),
                  "only an unknown option or a word that is not UTF-8 is refused");
      fuzz_check (g_utf8_validate (error->message, -1, NULL), "error texts are UTF-8");
      return 0;
    }
  fuzz_check (error == NULL, "no error on success");

  args = plugctl_args_to_json (words, 0);
  fuzz_check (json_array_get_length (args) == words->len, "one argument per word");
  for (guint i = 0; i < words->len; i++)
    check_word (g_ptr_array_index (words, i), json_array_get_element (args, i));

  check_wire_and_daemon (args);
  return 0;
}
