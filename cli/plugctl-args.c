/* plugctl-args.c: how `plugctl call` and `emit` turn their ARG words into JSON
 *
 * Apart from plugctl.c so that fuzz/fuzz-cli-args.c can build it alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <plugctl.h>

#include "plugctl-args.h"

/* Strict, as messages are read: json-glib 1.6 alone would take `1[2]`
 * as [2] and `"\377"` as a string that is not UTF-8. */
static JsonNode *
parse_json_word (const char *word)
{
  return plug_json_from_text (word, -1, NULL);
}

/* An argument is JSON when it parses as JSON, else a string. */
JsonNode *
plugctl_parse_arg (const char *arg)
{
  JsonNode *node = parse_json_word (arg);

  if (node == NULL)
    {
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, arg);
    }
  return node;
}

/* The words left after g_option_context_parse() with unknown options
 * ignored, without the first `--`: a negative number is a word, anything
 * else that starts with '-' before `--` is an unknown option. A word that
 * is not UTF-8 is an error too. */
GPtrArray *
plugctl_positional_args (int          argc,
                         char       **argv,
                         GError     **error)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  gboolean options_ended = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *word = argv[i];

      /* JSON is UTF-8: such a word would make a message no plugin can read */
      if (!g_utf8_validate (word, -1, NULL))
        {
          g_autofree char *shown = g_utf8_make_valid (word, -1);

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "Argument %s is not valid UTF-8", shown);
          return NULL;
        }
      if (!options_ended && strcmp (word, "--") == 0)
        {
          options_ended = TRUE;
          continue;
        }
      if (!options_ended && word[0] == '-' && word[1] != '\0')
        {
          g_autoptr(JsonNode) node = parse_json_word (word);

          if (node == NULL || json_node_get_value_type (node) == G_TYPE_STRING)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                           "Unknown option %s", word);
              return NULL;
            }
        }
      g_ptr_array_add (words, (gpointer) word);
    }
  return g_steal_pointer (&words);
}

JsonArray *
plugctl_args_to_json (GPtrArray *words,
                      guint      first)
{
  JsonArray *args = json_array_new ();

  for (guint i = first; i < words->len; i++)
    json_array_add_element (args, plugctl_parse_arg (g_ptr_array_index (words, i)));
  return args;
}

/* The text of a call's or an event's arguments, as plugctl_json_to_text(). */
char *
plugctl_args_to_text (JsonArray *args)
{
  g_autoptr(JsonNode) args_node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (args_node, args);
  return plugctl_json_to_text (args_node);
}

/* Compact JSON text of @node, as the library writes messages: json-glib
 * 1.6's generator writes some doubles as text that is not JSON (1e21 as
 * `1e+21.0`). The library's writer is reached through a message that
 * has nothing but a payload. */
char *
plugctl_json_to_text (JsonNode *node)
{
  static const char prefix[] = "{\"payload\":";
  g_autoptr(PlugMessage) holder = plug_message_new (PLUG_ACTION_NONE);
  GString *text = g_string_new (NULL);

  plug_message_set_payload (holder, node);
  plug_message_write (holder, text);
  g_assert (g_str_has_prefix (text->str, prefix) && text->str[text->len - 1] == '}');
  g_string_truncate (text, text->len - 1);
  g_string_erase (text, 0, sizeof prefix - 1);
  return g_string_free (text, FALSE);
}
