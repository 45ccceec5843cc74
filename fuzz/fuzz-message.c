/* fuzz-message.c: libFuzzer target for the message decoder and writer
 *
 * The input is one wire message (PROTOCOL.md §1). A message that parses
 * must write out as a text that parses, and from there on writing is
 * stable (write(parse(t)) == t), through the text and through a JsonNode;
 * its accessors must agree with it, and the answers the engine would
 * build for it must parse.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_install_log_writer ();
  return 0;
}

static void
check_accessors (PlugMessage *message)
{
  PlugAction action = plug_message_get_action (message);
  JsonNode *payload = plug_message_get_payload (message);
  JsonArray *args = plug_message_get_args (message);

  fuzz_check ((args != NULL) == (payload != NULL && JSON_NODE_HOLDS_ARRAY (payload)),
              "get_args() is the payload when it is an array");
  if (action == PLUG_ACTION_UNKNOWN)
    fuzz_check (plug_message_get_action_name (message) != NULL,
                "an unknown action keeps its spelling");
  if (action == PLUG_ACTION_NONE)
    fuzz_check (plug_message_get_action_name (message) == NULL,
                "a message without action has no action name");
  if (!plug_message_has_request_info (message))
    fuzz_check (plug_message_get_from (message) == NULL &&
                plug_message_get_path (message) == NULL,
                "no requestInfo, no from nor path");
  (void) plug_message_get_id (message);
  (void) plug_message_get_name (message);
  (void) plug_message_get_key (message);
  (void) plug_message_get_error (message);
  (void) plug_message_get_protocol (message);
}

/* What the engine answers to a request of the plugin uses the writer on
 * fields read from the wire: build both kinds of answer. */
static void
check_responses (PlugMessage *message)
{
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(PlugMessage) error_response = NULL;
  g_autofree char *response_text = NULL;
  g_autofree char *error_text = NULL;
  g_autoptr(PlugMessage) reparsed = NULL;

  response = plug_message_new_response (message, plug_message_get_payload (message));
  error_response = plug_message_new_error_response (message, "fuzz");
  response_text = plug_message_to_string (response);
  error_text = plug_message_to_string (error_response);

  reparsed = plug_message_parse (response_text, -1, NULL);
  fuzz_check (reparsed != NULL, "a response to a parsed message parses");
  g_clear_pointer (&reparsed, plug_message_unref);
  reparsed = plug_message_parse (error_text, -1, NULL);
  fuzz_check (reparsed != NULL, "an error response to a parsed message parses");
}

/* write(parse(write(m))): the text must parse. */
static char *
normalize (PlugMessage *message)
{
  g_autofree char *first = plug_message_to_string (message);
  g_autoptr(PlugMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;

  parsed = plug_message_parse (first, -1, &error);
  if (parsed == NULL)
    fuzz_fail (G_STRLOC, error->message);
  return plug_message_to_string (parsed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(PlugMessage) again = NULL;
  g_autoptr(PlugMessage) from_node = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  g_autoptr(JsonNode) node_again = NULL;

  message = plug_message_parse ((const char *) data, size, &error);
  if (message == NULL)
    {
      fuzz_check (error != NULL && error->domain == PLUG_ERROR &&
                  error->code == PLUG_ERROR_INVALID_MESSAGE,
                  "a rejected message has an INVALID_MESSAGE error");
      fuzz_check (g_utf8_validate (error->message, -1, NULL), "error texts are UTF-8");
      return 0;
    }
  fuzz_check (error == NULL, "no error on success");
  check_accessors (message);

  /* What JSON cannot say changes once: a number too large for a double
   * is written null, which is then no payload at all. */
  text = normalize (message);
  again = plug_message_parse (text, -1, &error);
  if (again == NULL)
    fuzz_fail (G_STRLOC, error->message);
  text_again = plug_message_to_string (again);
  fuzz_check (strcmp (text, text_again) == 0, "writing is stable: write(parse(t)) == t once normalized");

  node = plug_message_to_node (again);
  from_node = plug_message_new_from_node (node, &error);
  if (from_node == NULL)
    fuzz_fail (G_STRLOC, error->message);
  /* A payload from the wire is written as it came (\u00e9 stays), one
   * from a node in the writer's canonical form: they agree as JSON. */
  node_again = plug_message_to_node (from_node);
  fuzz_check (json_node_equal (node, node_again), "to_node and to_string agree");

  check_responses (message);
  return 0;
}
