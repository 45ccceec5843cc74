/* test-message.c: parsing and writing of wire messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <plugctl.h>

static PlugMessage *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  PlugMessage *message = plug_message_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);

  return message;
}

static void
assert_parse_error (const char *text,
                    const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = plug_message_parse (text, -1, &error);

  g_assert_null (message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
assert_writes (PlugMessage *message,
               const char  *expected)
{
  g_autofree char *text = plug_message_to_string (message);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_round_trip (const char *text)
{
  g_autoptr(PlugMessage) message = parse_ok (text);

  assert_writes (message, text);
}

static void
test_parse_actions (void)
{
  static const struct
  {
    const char *spelling;
    PlugAction action;
  } cases[] = {
    { "request", PLUG_ACTION_REQUEST },
    { "call", PLUG_ACTION_REQUEST },
    { "response", PLUG_ACTION_RESPONSE },
    { "on", PLUG_ACTION_ON },
    { "listen", PLUG_ACTION_ON },
    { "once", PLUG_ACTION_ONCE },
    { "off", PLUG_ACTION_OFF },
    { "emit", PLUG_ACTION_EMIT },
    { "notification", PLUG_ACTION_EMIT },
    { "cancel", PLUG_ACTION_CANCEL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"action\":\"%s\"}", cases[i].spelling);
      g_autoptr(PlugMessage) message = parse_ok (text);

      g_test_message ("action %s", cases[i].spelling);
      g_assert_cmpint (plug_message_get_action (message), ==, cases[i].action);
      g_assert_cmpstr (plug_message_get_action_name (message), ==, cases[i].spelling);
      assert_writes (message, text);
    }
}

static void
test_parse_unknown_action (void)
{
  g_autoptr(PlugMessage) message = parse_ok ("{\"id\":4,\"action\":\"fooBar\",\"key\":\"k\"}");

  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_UNKNOWN);
  g_assert_cmpstr (plug_message_get_action_name (message), ==, "fooBar");
  assert_writes (message, "{\"id\":4,\"action\":\"fooBar\",\"key\":\"k\"}");
}

static void
test_parse_no_action (void)
{
  g_autoptr(PlugMessage) message = parse_ok ("{\"id\":4}");

  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_NONE);
  g_assert_null (plug_message_get_action_name (message));
  assert_writes (message, "{\"id\":4}");
}

static void
test_parse_all_fields (void)
{
  g_autoptr(PlugMessage) message = NULL;
  JsonArray *args;

  message = parse_ok ("{ \"error\": \"boom\", \"requestInfo\": {\"path\": \"cmd.git\", "
                      "\"from\": \"manager\", \"extra\": 1}, \"payload\": [1, \"two\"], "
                      "\"key\": \"run\", \"name\": \"cmd\", \"action\": \"request\", "
                      "\"id\": 12, \"unknown\": true }");

  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_REQUEST);
  g_assert_true (plug_message_has_id (message));
  g_assert_cmpint (plug_message_get_id (message), ==, 12);
  g_assert_cmpstr (plug_message_get_name (message), ==, "cmd");
  g_assert_cmpstr (plug_message_get_key (message), ==, "run");
  g_assert_cmpstr (plug_message_get_error (message), ==, "boom");
  g_assert_true (plug_message_has_request_info (message));
  g_assert_cmpstr (plug_message_get_from (message), ==, "manager");
  g_assert_cmpstr (plug_message_get_path (message), ==, "cmd.git");

  args = plug_message_get_args (message);
  g_assert_nonnull (args);
  g_assert_cmpuint (json_array_get_length (args), ==, 2);
  g_assert_cmpint (json_array_get_int_element (args, 0), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (args, 1), ==, "two");

  /* Field order on the wire is fixed; unknown members are not kept. */
  assert_writes (message,
                 "{\"id\":12,\"action\":\"request\",\"name\":\"cmd\",\"key\":\"run\","
                 "\"payload\":[1,\"two\"],\"requestInfo\":{\"from\":\"manager\",\"path\":\"cmd.git\"},"
                 "\"error\":\"boom\"}");
}

/* "from" and "path" are requestInfo's members: at the top level they are
 * members like any other the engine does not know. */
static void
test_parse_top_level_from_and_path_ignored (void)
{
  g_autoptr(PlugMessage) message =
    parse_ok ("{\"action\":\"emit\",\"key\":\"tick\",\"path\":\"x.y\",\"from\":\"z\"}");

  g_assert_false (plug_message_has_request_info (message));
  g_assert_null (plug_message_get_from (message));
  g_assert_null (plug_message_get_path (message));
}

static void
test_parse_empty_object (void)
{
  g_autoptr(PlugMessage) message = parse_ok ("{}");

  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_NONE);
  g_assert_false (plug_message_has_id (message));
  g_assert_cmpint (plug_message_get_id (message), ==, 0);
  g_assert_null (plug_message_get_name (message));
  g_assert_null (plug_message_get_key (message));
  g_assert_null (plug_message_get_payload (message));
  g_assert_null (plug_message_get_args (message));
  g_assert_null (plug_message_get_error (message));
  g_assert_false (plug_message_has_request_info (message));
  g_assert_null (plug_message_get_from (message));
  g_assert_null (plug_message_get_path (message));
  assert_writes (message, "{}");
}

static void
test_parse_negative_id (void)
{
  g_autoptr(PlugMessage) message = parse_ok ("{\"action\":\"request\",\"key\":\"handshake\",\"id\":-1}");

  g_assert_true (plug_message_has_id (message));
  g_assert_cmpint (plug_message_get_id (message), ==, -1);
  g_assert_null (plug_message_get_name (message));
  assert_writes (message, "{\"id\":-1,\"action\":\"request\",\"key\":\"handshake\"}");
}

static void
test_parse_large_id (void)
{
  g_autoptr(PlugMessage) message = parse_ok ("{\"id\":9007199254740993}");

  g_assert_cmpint (plug_message_get_id (message), ==, G_GINT64_CONSTANT (9007199254740993));
  assert_writes (message, "{\"id\":9007199254740993}");
}

static void
test_parse_with_length (void)
{
  const char *text = "{\"id\":7,\"key\":\"k\"}{garbage";
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = plug_message_parse (text, 18, &error);

  g_assert_no_error (error);
  g_assert_cmpint (plug_message_get_id (message), ==, 7);
  g_assert_cmpstr (plug_message_get_key (message), ==, "k");
}

static void
test_parse_wrong_types (void)
{
  static const struct
  {
    const char *text;
    const char *error;
  } cases[] = {
    { "{\"id\":\"1\"}", "invalid message: field \"id\" must be an integer, got a string" },
    { "{\"id\":1.5}", "invalid message: field \"id\" must be an integer, got a number" },
    { "{\"id\":true}", "invalid message: field \"id\" must be an integer, got a boolean" },
    { "{\"id\":[1]}", "invalid message: field \"id\" must be an integer, got an array" },
    { "{\"id\":{}}", "invalid message: field \"id\" must be an integer, got an object" },
    { "{\"action\":1}", "invalid message: field \"action\" must be a string, got an integer" },
    { "{\"action\":[\"request\"]}", "invalid message: field \"action\" must be a string, got an array" },
    { "{\"name\":false}", "invalid message: field \"name\" must be a string, got a boolean" },
    { "{\"name\":{}}", "invalid message: field \"name\" must be a string, got an object" },
    { "{\"key\":2.5}", "invalid message: field \"key\" must be a string, got a number" },
    { "{\"key\":3}", "invalid message: field \"key\" must be a string, got an integer" },
    { "{\"error\":{\"message\":\"x\"}}", "invalid message: field \"error\" must be a string, got an object" },
    { "{\"error\":1}", "invalid message: field \"error\" must be a string, got an integer" },
    { "{\"requestInfo\":\"manager\"}", "invalid message: field \"requestInfo\" must be an object, got a string" },
    { "{\"requestInfo\":[]}", "invalid message: field \"requestInfo\" must be an object, got an array" },
    { "{\"requestInfo\":{\"from\":1}}", "invalid message: field \"requestInfo.from\" must be a string, got an integer" },
    { "{\"requestInfo\":{\"from\":\"a\",\"path\":[]}}", "invalid message: field \"requestInfo.path\" must be a string, got an array" },
    { "{\"action\":\"request\",\"payload\":{}}", "invalid message: field \"payload\" must be an array, got an object" },
    { "{\"action\":\"call\",\"payload\":\"x\"}", "invalid message: field \"payload\" must be an array, got a string" },
    { "{\"action\":\"emit\",\"payload\":1}", "invalid message: field \"payload\" must be an array, got an integer" },
    { "{\"action\":\"notification\",\"payload\":true}", "invalid message: field \"payload\" must be an array, got a boolean" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].text);
      assert_parse_error (cases[i].text, cases[i].error);
    }
}

static void
test_parse_malformed (void)
{
  assert_parse_error ("[1", "invalid message: not valid JSON: <data>:1:2: Parse error: "
                            "unexpected number `1', expected character `,'");
  assert_parse_error ("{\"id\":1,}", "invalid message: not valid JSON: <data>:1:8: Parse error: "
                                     "unexpected character `,', expected character `]'");
  assert_parse_error ("{\"id\":1}\n{", "invalid message: not valid JSON: <data>:2:1: Parse error: "
                                       "unexpected character `{', expected string constant");
  assert_parse_error ("hello", "invalid message: not valid JSON: <data>:1:5: Parse error: "
                               "unexpected identifier `hello', expected value");
  assert_parse_error ("", "invalid message: empty text");
  assert_parse_error ("  \n", "invalid message: empty text");
}

static void
test_parse_not_object (void)
{
  assert_parse_error ("[{\"id\":1}]", "invalid message: message must be a JSON object, got an array");
  assert_parse_error ("\"request\"", "invalid message: message must be a JSON object, got a string");
  assert_parse_error ("42", "invalid message: message must be a JSON object, got an integer");
  assert_parse_error ("null", "invalid message: message must be a JSON object, got null");
}

static void
test_new_from_node_not_object (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(PlugMessage) message = NULL;

  json_node_take_array (node, json_array_new ());
  message = plug_message_new_from_node (node, &error);
  g_assert_null (message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_assert_cmpstr (error->message, ==, "invalid message: message must be a JSON object, got an array");
}

static void
test_parse_null_is_absent (void)
{
  g_autoptr(PlugMessage) message = NULL;

  message = parse_ok ("{\"id\":null,\"action\":null,\"name\":null,\"key\":null,"
                      "\"payload\":null,\"requestInfo\":null,\"error\":null}");
  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_NONE);
  g_assert_false (plug_message_has_id (message));
  g_assert_null (plug_message_get_name (message));
  g_assert_null (plug_message_get_key (message));
  g_assert_null (plug_message_get_payload (message));
  g_assert_false (plug_message_has_request_info (message));
  g_assert_null (plug_message_get_error (message));
  assert_writes (message, "{}");
}

static void
test_parse_null_in_request (void)
{
  g_autoptr(PlugMessage) message = NULL;

  message = parse_ok ("{\"id\":3,\"action\":\"request\",\"name\":\"a\",\"key\":\"b\","
                      "\"payload\":null,\"requestInfo\":{\"from\":null,\"path\":\"a\"},\"error\":null}");
  g_assert_null (plug_message_get_payload (message));
  g_assert_true (plug_message_has_request_info (message));
  g_assert_null (plug_message_get_from (message));
  g_assert_cmpstr (plug_message_get_path (message), ==, "a");
  assert_writes (message, "{\"id\":3,\"action\":\"request\",\"name\":\"a\",\"key\":\"b\","
                          "\"requestInfo\":{\"path\":\"a\"}}");
}

static void
test_parse_response_null_payload (void)
{
  g_autoptr(PlugMessage) message = NULL;
  JsonNode *payload;

  message = parse_ok ("{\"id\":3,\"action\":\"response\",\"name\":\"a\",\"key\":\"b\",\"payload\":null}");
  payload = plug_message_get_payload (message);
  g_assert_nonnull (payload);
  g_assert_true (JSON_NODE_HOLDS_NULL (payload));
  g_assert_null (plug_message_get_args (message));
  assert_writes (message, "{\"id\":3,\"action\":\"response\",\"name\":\"a\",\"key\":\"b\",\"payload\":null}");
}

static void
test_parse_response_any_payload (void)
{
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":{\"a\":[1,2,{\"b\":null}]}}");
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":\"text\"}");
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":42}");
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":false}");
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":[\"echo\",\"sum\"]}");
  assert_round_trip ("{\"id\":1,\"action\":\"response\",\"payload\":[0.1,-2.5,1000.0,1e+300,1.5e-07,"
                     "9223372036854775807,-9223372036854775808,true,null,[],{}]}");
}

static void
test_parse_other_actions_any_payload (void)
{
  /* Only requests and events need an array; the others are not checked. */
  assert_round_trip ("{\"id\":1,\"action\":\"on\",\"name\":\"a\",\"key\":\"b\",\"payload\":{}}");
  assert_round_trip ("{\"id\":1,\"action\":\"cancel\",\"payload\":\"x\"}");
  assert_round_trip ("{\"action\":\"mystery\",\"payload\":7}");
  assert_round_trip ("{\"payload\":7}");
}

static void
test_write_escaping (void)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_EMIT);
  g_autoptr(PlugMessage) parsed = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *tricky = "q\"b\\s/n\nr\rt\tb\bf\f\x01\x1f\x7f é€😀";

  plug_message_set_key (message, tricky);
  plug_message_set_name (message, "\xe2\x80\xa8");
  plug_message_set_error (message, "");
  assert_writes (message,
                 "{\"action\":\"emit\",\"name\":\"\xe2\x80\xa8\","
                 "\"key\":\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\f\\u0001\\u001f\x7f é€😀\","
                 "\"error\":\"\"}");

  text = plug_message_to_string (message);
  parsed = plug_message_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (plug_message_get_key (parsed), ==, tricky);
  g_assert_cmpstr (plug_message_get_name (parsed), ==, "\xe2\x80\xa8");
  g_assert_cmpstr (plug_message_get_error (parsed), ==, "");
}

static void
test_write_payload_unicode (void)
{
  g_autoptr(PlugMessage) message = NULL;
  JsonArray *args;

  message = parse_ok ("{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\\u00e9\\n\\u0002\",\"€\"]}");
  args = plug_message_get_args (message);
  g_assert_cmpstr (json_array_get_string_element (args, 0), ==, "é\n\x02");
  g_assert_cmpstr (json_array_get_string_element (args, 1), ==, "€");
  /* as it came: a payload from the wire is forwarded, not rewritten */
  assert_writes (message, "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\\u00e9\\n\\u0002\",\"€\"]}");
}

static void
test_write_large_payload (void)
{
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(PlugMessage) parsed = NULL;
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_malloc (65536 + 1);
  g_autofree char *text = NULL;

  for (guint i = 0; i < 65536; i++)
    big[i] = 'a' + (i % 26);
  big[1000] = '"';
  big[2000] = '\n';
  big[65536] = '\0';
  json_array_add_string_element (args, big);

  message = plug_message_new_request (9, "echo", "echo", args);
  text = plug_message_to_string (message);
  g_assert_cmpuint (strlen (text), >, 65536);

  parsed = plug_message_parse (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_array_get_string_element (plug_message_get_args (parsed), 0), ==, big);
}

static void
test_write_appends (void)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_OFF);
  g_autoptr(GString) out = g_string_new ("prefix ");

  plug_message_set_key (message, "k");
  plug_message_write (message, out);
  plug_message_write (message, out);
  g_assert_cmpstr (out->str, ==, "prefix {\"action\":\"off\",\"key\":\"k\"}{\"action\":\"off\",\"key\":\"k\"}");
}

static void
test_build_canonical_names (void)
{
  static const struct
  {
    PlugAction action;
    const char *name;
  } cases[] = {
    { PLUG_ACTION_REQUEST, "request" },
    { PLUG_ACTION_RESPONSE, "response" },
    { PLUG_ACTION_ON, "on" },
    { PLUG_ACTION_ONCE, "once" },
    { PLUG_ACTION_OFF, "off" },
    { PLUG_ACTION_EMIT, "emit" },
    { PLUG_ACTION_NOTIFICATION, "notification" },
    { PLUG_ACTION_CANCEL, "cancel" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PlugMessage) message = plug_message_new (cases[i].action);
      g_autofree char *expected = g_strdup_printf ("{\"action\":\"%s\"}", cases[i].name);

      g_assert_cmpint (plug_message_get_action (message), ==, cases[i].action);
      g_assert_cmpstr (plug_message_get_action_name (message), ==, cases[i].name);
      assert_writes (message, expected);
    }
}

static void
test_build_no_action (void)
{
  g_autoptr(PlugMessage) none = plug_message_new (PLUG_ACTION_NONE);
  g_autoptr(PlugMessage) unknown = plug_message_new (PLUG_ACTION_UNKNOWN);

  g_assert_null (plug_message_get_action_name (none));
  g_assert_null (plug_message_get_action_name (unknown));
  assert_writes (none, "{}");
  assert_writes (unknown, "{}");
}

static void
test_build_notification (void)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_NOTIFICATION);
  g_autoptr(JsonArray) args = json_array_new ();

  json_array_add_int_element (args, 1);
  plug_message_set_name (message, "ticker");
  plug_message_set_key (message, "tick");
  plug_message_set_args (message, args);
  assert_writes (message, "{\"action\":\"notification\",\"name\":\"ticker\",\"key\":\"tick\",\"payload\":[1]}");
}

static void
test_build_setters (void)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_REQUEST);
  g_autoptr(JsonNode) payload = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (payload, json_array_new ());
  plug_message_set_error (message, "e");
  plug_message_set_request_info (message, "manager", NULL);
  plug_message_set_payload (message, payload);
  plug_message_set_key (message, "k");
  plug_message_set_name (message, "n");
  plug_message_set_id (message, 0);
  g_assert_true (plug_message_get_payload (message) == payload);
  assert_writes (message, "{\"id\":0,\"action\":\"request\",\"name\":\"n\",\"key\":\"k\",\"payload\":[],"
                          "\"requestInfo\":{\"from\":\"manager\"},\"error\":\"e\"}");

  plug_message_set_payload (message, NULL);
  plug_message_set_error (message, NULL);
  plug_message_set_name (message, NULL);
  plug_message_set_request_info (message, NULL, "n.sub");
  assert_writes (message, "{\"id\":0,\"action\":\"request\",\"key\":\"k\",\"requestInfo\":{\"path\":\"n.sub\"}}");

  plug_message_set_args (message, NULL);
  plug_message_set_key (message, NULL);
  plug_message_set_request_info (message, NULL, NULL);
  assert_writes (message, "{\"id\":0,\"action\":\"request\",\"requestInfo\":{}}");
}

static void
test_build_request (void)
{
  g_autoptr(JsonArray) args = json_array_new ();
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(PlugMessage) bare = NULL;

  json_array_add_string_element (args, "echo");
  json_array_add_string_element (args, "plugctl");
  message = plug_message_new_request (1, "echo", "handshake", args);
  g_assert_cmpint (plug_message_get_action (message), ==, PLUG_ACTION_REQUEST);
  g_assert_true (plug_message_get_args (message) == args);
  assert_writes (message, "{\"id\":1,\"action\":\"request\",\"name\":\"echo\",\"key\":\"handshake\","
                          "\"payload\":[\"echo\",\"plugctl\"]}");

  bare = plug_message_new_request (2, NULL, "k", NULL);
  assert_writes (bare, "{\"id\":2,\"action\":\"request\",\"key\":\"k\"}");
}

static void
test_build_response (void)
{
  g_autoptr(PlugMessage) request = NULL;
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(PlugMessage) void_response = NULL;
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_VALUE);

  request = parse_ok ("{\"id\":5,\"action\":\"call\",\"name\":\"cmd.git\",\"key\":\"run\",\"payload\":[]}");
  json_node_set_int (result, 3);
  response = plug_message_new_response (request, result);
  g_assert_cmpint (plug_message_get_action (response), ==, PLUG_ACTION_RESPONSE);
  assert_writes (response, "{\"id\":5,\"action\":\"response\",\"name\":\"cmd.git\",\"key\":\"run\",\"payload\":3}");

  void_response = plug_message_new_response (request, NULL);
  g_assert_null (plug_message_get_payload (void_response));
  assert_writes (void_response, "{\"id\":5,\"action\":\"response\",\"name\":\"cmd.git\",\"key\":\"run\"}");
}

static void
test_build_error_response (void)
{
  g_autoptr(PlugMessage) request = NULL;
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(PlugMessage) no_id = NULL;
  g_autoptr(PlugMessage) request_no_id = NULL;

  request = parse_ok ("{\"id\":-1,\"action\":\"request\",\"key\":\"handshake\",\"payload\":[]}");
  response = plug_message_new_error_response (request, "Error from IDE : nope");
  g_assert_null (plug_message_get_payload (response));
  g_assert_cmpstr (plug_message_get_error (response), ==, "Error from IDE : nope");
  assert_writes (response, "{\"id\":-1,\"action\":\"response\",\"key\":\"handshake\","
                           "\"error\":\"Error from IDE : nope\"}");

  request_no_id = parse_ok ("{\"action\":\"request\",\"name\":\"a\",\"key\":\"b\"}");
  no_id = plug_message_new_error_response (request_no_id, "x");
  g_assert_false (plug_message_has_id (no_id));
  assert_writes (no_id, "{\"action\":\"response\",\"name\":\"a\",\"key\":\"b\",\"error\":\"x\"}");
}

static void
test_node_round_trip (void)
{
  static const char *texts[] = {
    ("{\"id\":12,\"action\":\"request\",\"name\":\"cmd\",\"key\":\"run\",\"payload\":[1,{\"a\":\"é\\n\"}],"
     "\"requestInfo\":{\"from\":\"manager\",\"path\":\"cmd.git\"},\"error\":\"boom\"}"),
    "{\"id\":-1,\"action\":\"response\",\"payload\":null}",
    "{\"action\":\"listen\",\"name\":\"a\",\"key\":\"b\"}",
    "{\"action\":\"weird\"}",
    "{}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(PlugMessage) message = parse_ok (texts[i]);
      g_autoptr(JsonNode) node = plug_message_to_node (message);
      g_autoptr(PlugMessage) copy = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *node_text = json_to_string (node, FALSE);

      g_assert_cmpstr (node_text, ==, texts[i]);
      copy = plug_message_new_from_node (node, &error);
      g_assert_no_error (error);
      g_assert_cmpint (plug_message_get_action (copy), ==, plug_message_get_action (message));
      g_assert_cmpstr (plug_message_get_action_name (copy), ==, plug_message_get_action_name (message));
      assert_writes (copy, texts[i]);
    }
}

static void
test_boxed_type (void)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_EMIT);
  PlugMessage *copy;

  g_assert_true (G_TYPE_IS_BOXED (PLUG_TYPE_MESSAGE));
  copy = g_boxed_copy (PLUG_TYPE_MESSAGE, message);
  g_assert_true (copy == message);
  g_boxed_free (PLUG_TYPE_MESSAGE, copy);
}

static gpointer
share_message_thread (gpointer data)
{
  PlugMessage *message = data;

  for (guint i = 0; i < 2000; i++)
    {
      PlugMessage *ref = plug_message_ref (message);
      g_autofree char *text = plug_message_to_string (ref);

      g_assert_cmpstr (text, ==, "{\"id\":1,\"action\":\"request\",\"key\":\"k\",\"payload\":[{\"a\":1}]}");
      plug_message_unref (ref);
    }

  return NULL;
}

static void
test_threads_share (void)
{
  PlugMessage *message = parse_ok ("{\"id\":1,\"action\":\"request\",\"key\":\"k\",\"payload\":[{\"a\":1}]}");
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("share", share_message_thread, message);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  plug_message_unref (message);
}

/* The scanner is strict where json-glib 1.6 is lenient or wrong: none of
 * these reaches a plugin. */
static void
test_parse_strict_json (void)
{
  static const char *const texts[] = {
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[1,]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[01]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[1.]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[1e]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[-]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[tru]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\xff\"]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\xc0\xaf\"]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\xed\xa0\x80\"]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"a\tb\"]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"\\x41\"]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[{\"a\" 1}]}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[{1:2}]}",
    "{\"action\":\"emit\" \"key\":\"k\"}",
    "{\"action\":\"emit\",\"key\":\"k\",\"payload\":[1]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugMessage) message = plug_message_parse (texts[i], -1, &error);

      g_test_message ("%s", texts[i]);
      g_assert_null (message);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
      g_assert_true (g_str_has_prefix (error->message, "invalid message: not valid JSON: "));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_parse_deep_nesting_refused (void)
{
  g_autoptr(GString) text = g_string_new ("{\"action\":\"emit\",\"key\":\"k\",\"payload\":");
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugMessage) message = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  message = plug_message_parse (text->str, text->len, &error);
  g_assert_null (message);
  g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_MESSAGE);
  g_assert_true (g_str_has_suffix (error->message, "nested too deep"));
}

/* The payload is parsed when asked for, into what json-glib would make. */
static void
test_payload_parsed_on_demand (void)
{
  static const char text[] =
    "{\"action\":\"response\",\"id\":3,\"payload\" : {\"i\": -12, \"d\": 1.5e2, \"big\": 123456789012345678901,"
    " \"s\": \"a\\u00e9\\ud83d\\ude00\\\"\", \"l\": [true, false, null, []], \"o\": {}, \"i\": 7}}";
  g_autoptr(PlugMessage) message = parse_ok (text);
  JsonObject *object;

  object = json_node_get_object (plug_message_get_payload (message));
  g_assert_cmpint (json_object_get_int_member (object, "i"), ==, 7);  /* the last wins */
  g_assert_cmpfloat (json_object_get_double_member (object, "d"), ==, 150.0);
  g_assert_cmpfloat (json_object_get_double_member (object, "big"), ==, 123456789012345678901.0);
  g_assert_cmpstr (json_object_get_string_member (object, "s"), ==, "a\xc3\xa9\xf0\x9f\x98\x80\"");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "l")), ==, 4);
  g_assert_true (json_array_get_boolean_element (json_object_get_array_member (object, "l"), 0));
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "o")), ==, 0);
  /* written compact, as it came otherwise */
  assert_writes (message, "{\"id\":3,\"action\":\"response\",\"payload\":{\"i\":-12,\"d\":1.5e2,"
                          "\"big\":123456789012345678901,\"s\":\"a\\u00e9\\ud83d\\ude00\\\"\","
                          "\"l\":[true,false,null,[]],\"o\":{},\"i\":7}}");
}

/* The scanner and the writer step over plain runs 8 or 16 bytes at a
 * time: a special byte must be found wherever it falls in the step. */
static void
test_special_byte_at_every_position (void)
{
  static const char *const specials[] = { "\\\"", "\\\\", "\\n", "\\u0001", "\xc3\xa9", "\xe2\x82\xac" };
  static const char *const decoded[] = { "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xe2\x82\xac" };

  for (guint k = 0; k < G_N_ELEMENTS (specials); k++)
    for (guint at = 0; at < 40; at++)
      {
        g_autofree char *before = g_strnfill (at, 'a');
        g_autofree char *after = g_strnfill (40 - at, 'b');
        g_autofree char *text = g_strdup_printf ("{\"action\":\"emit\",\"key\":\"k\",\"payload\":[\"%s%s%s\"]}",
                                                 before, specials[k], after);
        g_autofree char *expected = g_strconcat (before, decoded[k], after, NULL);
        g_autoptr(PlugMessage) message = parse_ok (text);
        g_autoptr(PlugMessage) rebuilt = plug_message_new (PLUG_ACTION_EMIT);
        g_autoptr(PlugMessage) again = NULL;
        g_autofree char *written = NULL;
        JsonArray *args = plug_message_get_args (message);

        g_assert_cmpstr (json_array_get_string_element (args, 0), ==, expected);
        /* written from the node, then read back */
        plug_message_set_args (rebuilt, args);
        written = plug_message_to_string (rebuilt);
        again = parse_ok (written);
        g_assert_cmpstr (json_array_get_string_element (plug_message_get_args (again), 0), ==, expected);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/message/parse/actions-and-aliases", test_parse_actions);
  g_test_add_func ("/message/parse/unknown-action-kept", test_parse_unknown_action);
  g_test_add_func ("/message/parse/no-action", test_parse_no_action);
  g_test_add_func ("/message/parse/all-fields", test_parse_all_fields);
  g_test_add_func ("/message/parse/empty-object", test_parse_empty_object);
  g_test_add_func ("/message/parse/top-level-from-and-path-ignored",
                   test_parse_top_level_from_and_path_ignored);
  g_test_add_func ("/message/parse/negative-id", test_parse_negative_id);
  g_test_add_func ("/message/parse/large-id", test_parse_large_id);
  g_test_add_func ("/message/parse/with-length", test_parse_with_length);
  g_test_add_func ("/message/parse/wrong-types", test_parse_wrong_types);
  g_test_add_func ("/message/parse/malformed-json", test_parse_malformed);
  g_test_add_func ("/message/parse/not-an-object", test_parse_not_object);
  g_test_add_func ("/message/parse/node-not-an-object", test_new_from_node_not_object);
  g_test_add_func ("/message/parse/null-is-absent", test_parse_null_is_absent);
  g_test_add_func ("/message/parse/null-in-request", test_parse_null_in_request);
  g_test_add_func ("/message/parse/response-null-payload-kept", test_parse_response_null_payload);
  g_test_add_func ("/message/parse/response-any-payload", test_parse_response_any_payload);
  g_test_add_func ("/message/parse/other-actions-any-payload", test_parse_other_actions_any_payload);
  g_test_add_func ("/message/parse/strict-json", test_parse_strict_json);
  g_test_add_func ("/message/parse/deep-nesting-refused", test_parse_deep_nesting_refused);
  g_test_add_func ("/message/payload/parsed-on-demand", test_payload_parsed_on_demand);
  g_test_add_func ("/message/json/special-byte-at-every-position", test_special_byte_at_every_position);
  g_test_add_func ("/message/write/escaping", test_write_escaping);
  g_test_add_func ("/message/write/payload-unicode", test_write_payload_unicode);
  g_test_add_func ("/message/write/large-payload", test_write_large_payload);
  g_test_add_func ("/message/write/appends", test_write_appends);
  g_test_add_func ("/message/build/canonical-action-names", test_build_canonical_names);
  g_test_add_func ("/message/build/no-action", test_build_no_action);
  g_test_add_func ("/message/build/notification", test_build_notification);
  g_test_add_func ("/message/build/setters", test_build_setters);
  g_test_add_func ("/message/build/request", test_build_request);
  g_test_add_func ("/message/build/response-echoes-request", test_build_response);
  g_test_add_func ("/message/build/error-response", test_build_error_response);
  g_test_add_func ("/message/node/round-trip", test_node_round_trip);
  g_test_add_func ("/message/boxed-type", test_boxed_type);
  g_test_add_func ("/message/threads/shared-message", test_threads_share);

  return g_test_run ();
}
