/* plugctl-cmd-batch.c: batch, calls read as JSON lines on stdin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixinputstream.h>

#include "plugctl-cli.h"

#define BATCH_READ_SIZE 65536

typedef struct
{
  PlugctlEngine *engine;    /* or remote, through the daemon */
  PlugctlRemote *remote;
  GCancellable  *cancellable;
  GInputStream  *input;
  GByteArray    *partial;   /* the start of a line not read to its end */
  guint          line_number;
  GQueue         answers;   /* Answer, in input order */
  gboolean       eof;
  gboolean       failed;
} Batch;

typedef struct
{
  Batch    *batch;
  JsonNode *id;       /* (nullable) */
  char     *text;     /* the answer line; NULL while the call runs */
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->id, json_node_unref);
  g_free (answer->text);
  g_free (answer);
}

/* Writes the answers that are ready and all before them are too. */
static void
flush_answers (Batch *batch)
{
  Answer *answer;

  while ((answer = g_queue_peek_head (&batch->answers)) != NULL &&
         answer->text != NULL)
    {
      fputs (answer->text, stdout);
      fputc ('\n', stdout);
      answer_free (g_queue_pop_head (&batch->answers));
    }
  fflush (stdout);
}

/* @error_code: the stable name of the error, as plugctl_error_code() */
static void
answer_set (Answer     *answer,
            JsonNode   *result,
            const char *error_text,
            const char *error_code)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  if (answer->id != NULL)
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_value (builder, json_node_copy (answer->id));
    }
  if (error_text != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error_text);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, error_code);
      answer->batch->failed = TRUE;
    }
  else
    {
      json_builder_set_member_name (builder, "result");
      json_builder_add_value (builder, json_node_copy (result));
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  answer->text = plugctl_json_to_string (root, FALSE);
  flush_answers (answer->batch);
}

static Answer *
answer_new (Batch *batch)
{
  Answer *answer = g_new0 (Answer, 1);

  answer->batch = batch;
  g_queue_push_tail (&batch->answers, answer);
  return answer;
}

static void
answer_malformed (Answer     *answer,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
answer_malformed (Answer     *answer,
                  const char *format,
                  ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  text = g_strdup_printf ("line %u: %s", answer->batch->line_number, reason);
  answer_set (answer, NULL, text, "invalid-message");
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Answer *answer = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = plug_engine_call_finish (PLUG_ENGINE (source),
                                                      result, &error);

  if (error != NULL)
    answer_set (answer, NULL, error->message,
                plugctl_error_code (error, plugctl_exit_code_for_call (error)));
  else
    answer_set (answer, node, NULL, NULL);
}

static void
on_remote_call_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Answer *answer = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (plugctl_engine1_call_call_finish (PLUGCTL_ENGINE1 (source), &text, result, &error))
    node = plugctl_remote_parse (text, &error);
  if (error == NULL)
    {
      answer_set (answer, node, NULL, NULL);
      return;
    }
  if (plugctl_remote_localize_error (error))
    answer_set (answer, NULL, error->message,
                plugctl_error_code (error, plugctl_exit_code_for_start (error)));
  else
    answer_set (answer, NULL, error->message,
                plugctl_error_code (error, plugctl_exit_code_for_call (error)));
}

static void
dispatch_remote (Batch      *batch,
                 Answer     *answer,
                 const char *path,
                 const char *method,
                 JsonArray  *args)
{
  g_autoptr(JsonNode) args_node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *args_text = NULL;

  json_node_set_array (args_node, args);
  args_text = plugctl_json_to_text (args_node);
  plugctl_engine1_call_call (plugctl_remote_get_proxy (batch->remote), path, method,
                             args_text, plugctl_remote_get_call_cancellable (batch->remote),
                             on_remote_call_done, answer);
}

static void
dispatch (Batch      *batch,
          Answer     *answer,
          const char *path,
          const char *method,
          JsonArray  *args)
{
  g_autofree char *target = NULL;
  const GError *profile_error;

  if (batch->remote != NULL)
    {
      dispatch_remote (batch, answer, path, method, args);
      return;
    }

  target = g_strndup (path, strcspn (path, "."));
  profile_error = plugctl_engine_get_profile_error (batch->engine, target);
  if (profile_error != NULL)
    {
      answer_set (answer, NULL, profile_error->message,
                  plugctl_error_code (profile_error, PLUGCTL_EXIT_NOT_FOUND));
      return;
    }
  plug_engine_call (plugctl_engine_get_engine (batch->engine),
                    PLUGCTL_CLI_PLUGIN, path, method, args,
                    plugctl_engine_get_cancellable (batch->engine),
                    on_call_done, answer);
}

/* json-glib's "<data>:1:2: Parse error: x" is "x" for one line. */
static const char *
parse_error_reason (const GError *error)
{
  const char *reason = strstr (error->message, "Parse error: ");

  return reason != NULL ? reason + strlen ("Parse error: ") : error->message;
}

static void
dispatch_object (Batch      *batch,
                 Answer     *answer,
                 JsonObject *request)
{
  JsonNode *plugin = json_object_get_member (request, "plugin");
  JsonNode *method = json_object_get_member (request, "method");
  JsonNode *args = json_object_get_member (request, "args");
  g_autoptr(JsonArray) no_args = NULL;

  if (json_object_has_member (request, "id"))
    answer->id = json_node_copy (json_object_get_member (request, "id"));

  if (plugin == NULL || json_node_get_value_type (plugin) != G_TYPE_STRING)
    {
      answer_malformed (answer, "\"plugin\" must be a string");
      return;
    }
  if (method == NULL || json_node_get_value_type (method) != G_TYPE_STRING)
    {
      answer_malformed (answer, "\"method\" must be a string");
      return;
    }
  if (args != NULL && !JSON_NODE_HOLDS_ARRAY (args))
    {
      answer_malformed (answer, "\"args\" must be an array");
      return;
    }

  if (args == NULL)
    no_args = json_array_new ();
  dispatch (batch, answer, json_node_get_string (plugin),
            json_node_get_string (method),
            args != NULL ? json_node_get_array (args) : no_args);
}

/* The shorthand ["plugin", "method", arg…] */
static void
dispatch_array (Batch     *batch,
                Answer    *answer,
                JsonArray *request)
{
  g_autoptr(JsonArray) args = json_array_new ();
  guint length = json_array_get_length (request);

  if (length < 2 ||
      json_node_get_value_type (json_array_get_element (request, 0)) != G_TYPE_STRING ||
      json_node_get_value_type (json_array_get_element (request, 1)) != G_TYPE_STRING)
    {
      answer_malformed (answer, "an array request is [\"plugin\", \"method\", arg…]");
      return;
    }

  for (guint i = 2; i < length; i++)
    json_array_add_element (args, json_array_dup_element (request, i));
  dispatch (batch, answer, json_array_get_string_element (request, 0),
            json_array_get_string_element (request, 1), args);
}

static void
handle_line (Batch      *batch,
             const char *line,
             gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  Answer *answer;
  JsonNode *root;

  batch->line_number++;
  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;
  while (length > 0 && g_ascii_isspace (line[0]))
    line++, length--;
  if (length == 0)
    return;  /* a blank line asks nothing */

  answer = answer_new (batch);
  if (!json_parser_load_from_data (parser, line, length, &error))
    {
      answer_malformed (answer, "%s", parse_error_reason (error));
      return;
    }

  root = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_OBJECT (root))
    dispatch_object (batch, answer, json_node_get_object (root));
  else if (JSON_NODE_HOLDS_ARRAY (root))
    dispatch_array (batch, answer, json_node_get_array (root));
  else
    answer_malformed (answer, "a request is an object or an array");
}

static void read_more (Batch *batch);

static void
handle_data (Batch        *batch,
             const guint8 *data,
             gsize         size)
{
  const guint8 *end = data + size;

  while (data < end)
    {
      const guint8 *newline = memchr (data, '\n', end - data);

      if (newline == NULL)
        {
          g_byte_array_append (batch->partial, data, end - data);
          return;
        }
      if (batch->partial->len > 0)
        {
          g_byte_array_append (batch->partial, data, newline - data);
          handle_line (batch, (const char *) batch->partial->data, batch->partial->len);
          g_byte_array_set_size (batch->partial, 0);
        }
      else
        {
          handle_line (batch, (const char *) data, newline - data);
        }
      data = newline + 1;
    }
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source),
                                                             result, &error);
  gsize size = 0;
  const guint8 *data;

  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("plugctl: Cannot read standard input: %s\n", error->message);
          batch->failed = TRUE;
        }
      batch->eof = TRUE;
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      if (batch->partial->len > 0)
        handle_line (batch, (const char *) batch->partial->data, batch->partial->len);
      batch->eof = TRUE;
      return;
    }
  handle_data (batch, data, size);
  read_more (batch);
}

static void
read_more (Batch *batch)
{
  g_input_stream_read_bytes_async (batch->input, BATCH_READ_SIZE, G_PRIORITY_DEFAULT,
                                   batch->cancellable, on_read, batch);
}

static int
signal_of (Batch *batch)
{
  if (batch->remote != NULL)
    return plugctl_remote_get_signal (batch->remote);
  return plugctl_engine_get_signal (batch->engine);
}

static int
run_batch (PlugctlEngine *engine,
           PlugctlRemote *remote)
{
  Batch batch = { engine, remote, NULL, };

  batch.cancellable = remote != NULL ? plugctl_remote_get_cancellable (remote)
                                     : plugctl_engine_get_cancellable (engine);
  batch.input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  batch.partial = g_byte_array_new ();
  g_queue_init (&batch.answers);

  read_more (&batch);
  while (!batch.eof || !g_queue_is_empty (&batch.answers))
    g_main_context_iteration (NULL, TRUE);

  g_clear_object (&batch.input);
  g_clear_pointer (&batch.partial, g_byte_array_unref);

  if (signal_of (&batch) != 0)
    return 128 + signal_of (&batch);
  return batch.failed ? PLUGCTL_EXIT_FAILED : PLUGCTL_EXIT_OK;
}

int
plugctl_cmd_batch (int      argc,
                   char   **argv,
                   gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
  PlugctlEngine *engine;
  int status;

  context = plugctl_option_context_new ("",
                                        "Read calls from standard input, one JSON "
                                        "request a line, and write one JSON answer "
                                        "a line, in input order.",
                                        NULL);
  plugctl_option_context_add_description (context,
    "A request is {\"id\": any, \"plugin\": \"echo\", \"method\": \"echo\", "
    "\"args\": […]}\n"
    "or [\"echo\", \"echo\", arg…]. Each call starts as soon as its line is read,\n"
    "so calls to different plugins run at the same time. An answer is\n"
    "{\"id\": …, \"result\": …} or {\"id\": …, \"error\": \"text\", \"code\": name};\n"
    "a line that is not a request gets {\"error\": \"line N: …\", \"code\":\n"
    "\"invalid-message\"}; blank lines get nothing. Each answer is one line,\n"
    "written as soon as it and those before it are known.\n"
    "The exit status is 0 when every call succeeded, else 1.");
  status = plugctl_parse_options (context, &argc, &argv, do_help);
  if (status >= 0)
    return status;
  if (argc > 1)
    return plugctl_usage_error ("Unexpected argument \"%s\"", argv[1]);

  if (plugctl_use_daemon ())
    {
      PlugctlRemote *remote = plugctl_remote_open (&status);

      if (remote == NULL)
        return status;
      return plugctl_remote_close (remote, run_batch (NULL, remote));
    }

  engine = plugctl_engine_open (&status);
  if (engine == NULL)
    return status;

  status = run_batch (engine, NULL);
  return plugctl_engine_close (engine, status);
}
