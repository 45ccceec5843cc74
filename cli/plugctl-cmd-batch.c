/* plugctl-cmd-batch.c: batch, calls read as JSON lines on stdin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>

#include "plugctl-cli.h"

#define BATCH_READ_SIZE 65536
/* Calls running at once: reading stops beyond, so that a long input
 * neither fills the engine's queues nor waits in them. */
#define BATCH_MAX_IN_FLIGHT 1024

typedef struct
{
  PlugctlEngine *engine;    /* or remote, through the daemon */
  PlugctlRemote *remote;
  GCancellable  *cancellable;
  GByteArray    *input;     /* read, from the first line not handled yet */
  GString       *output;    /* answers to write, in input order */
  guint          read_id;   /* watch on stdin; 0 while paused or at the end */
  guint          line_number;
  guint          in_flight;
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

/* Moves the answers that are ready, and all before them are too, to the
 * output, written once the main loop has handled what woke it up. */
static void
collect_answers (Batch *batch)
{
  Answer *answer;

  while ((answer = g_queue_peek_head (&batch->answers)) != NULL &&
         answer->text != NULL)
    {
      g_string_append (batch->output, answer->text);
      g_string_append_c (batch->output, '\n');
      answer_free (g_queue_pop_head (&batch->answers));
    }
}

static void
write_output (Batch *batch)
{
  gsize written = 0;

  while (written < batch->output->len)
    {
      gssize n = write (STDOUT_FILENO, batch->output->str + written,
                        batch->output->len - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_printerr ("plugctl: Cannot write standard output: %s\n", g_strerror (errno));
          batch->failed = TRUE;
          break;
        }
      written += n;
    }
  g_string_truncate (batch->output, 0);
}

/* @error_code: the stable name of the error, as plugctl_error_code() */
static void
answer_set (Answer     *answer,
            JsonNode   *result,
            const char *error_text,
            const char *error_code)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  if (answer->id != NULL)
    json_object_set_member (object, "id", json_node_ref (answer->id));
  if (error_text != NULL)
    {
      json_object_set_string_member (object, "error", error_text);
      json_object_set_string_member (object, "code", error_code);
      answer->batch->failed = TRUE;
    }
  else
    {
      json_object_set_member (object, "result", json_node_ref (result));
    }
  json_node_take_object (root, object);

  answer->text = plugctl_json_to_text (root);
  collect_answers (answer->batch);
}

/* {"id":…,"result":<text>}: the result as the plugin wrote it, unparsed. */
static void
answer_set_text (Answer     *answer,
                 const char *result_text)
{
  GString *text = g_string_new ("{");

  if (answer->id != NULL)
    {
      g_autofree char *id = plugctl_json_to_text (answer->id);

      g_string_append_printf (text, "\"id\":%s,", id);
    }
  g_string_append (text, "\"result\":");
  g_string_append (text, result_text);
  g_string_append_c (text, '}');

  answer->text = g_string_free (text, FALSE);
  collect_answers (answer->batch);
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
  g_autofree char *text = plug_engine_call_finish_text (PLUG_ENGINE (source), result,
                                                        NULL, &error);

  answer->batch->in_flight--;
  if (error != NULL)
    answer_set (answer, NULL, error->message,
                plugctl_error_code (error, plugctl_exit_code_for_call (error)));
  else
    answer_set_text (answer, text);
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

  answer->batch->in_flight--;
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
  g_autofree char *args_text = plugctl_args_to_text (args);

  batch->in_flight++;
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
  batch->in_flight++;
  plug_engine_call (plugctl_engine_get_engine (batch->engine),
                    PLUGCTL_CLI_PLUGIN, path, method, args,
                    plugctl_engine_get_cancellable (batch->engine),
                    on_call_done, answer);
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
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  Answer *answer;

  batch->line_number++;
  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;
  while (length > 0 && g_ascii_isspace (line[0]))
    line++, length--;
  if (length == 0)
    return;  /* a blank line asks nothing */

  answer = answer_new (batch);
  /* The library's one-pass reader: a JsonParser costs 17 k instructions
   * a line, most of a call's. */
  root = plug_json_from_text (line, length, &error);
  if (root == NULL)
    {
      answer_malformed (answer, "%s", error->message);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (root))
    dispatch_object (batch, answer, json_node_get_object (root));
  else if (JSON_NODE_HOLDS_ARRAY (root))
    dispatch_array (batch, answer, json_node_get_array (root));
  else
    answer_malformed (answer, "a request is an object or an array");
}

static void
handle_last_line (Batch *batch)
{
  if (batch->input->len > 0)
    handle_line (batch, (const char *) batch->input->data, batch->input->len);
  g_byte_array_set_size (batch->input, 0);
}

/* Handles the whole lines read, as long as fewer than the limit of calls
 * run; what is left stays in batch->input. */
static void
handle_input (Batch *batch)
{
  const guint8 *start = batch->input->data;
  const guint8 *end = start + batch->input->len;
  const guint8 *data = start;
  const guint8 *newline;

  while (batch->in_flight < BATCH_MAX_IN_FLIGHT &&
         (newline = memchr (data, '\n', end - data)) != NULL)
    {
      handle_line (batch, (const char *) data, newline - data);
      data = newline + 1;
    }
  g_byte_array_remove_range (batch->input, 0, data - start);
  if (batch->eof && batch->in_flight < BATCH_MAX_IN_FLIGHT)
    handle_last_line (batch);
}

static gboolean on_readable (int fd, GIOCondition condition, gpointer user_data);

static void
stop_reading (Batch *batch)
{
  g_clear_handle_id (&batch->read_id, g_source_remove);
}

/* Reads while the calls read so far leave room for more. */
static void
update_reading (Batch *batch)
{
  gboolean room = batch->in_flight < BATCH_MAX_IN_FLIGHT;

  if (batch->eof || !room)
    stop_reading (batch);
  else if (batch->read_id == 0)
    batch->read_id = g_unix_fd_add (STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                    on_readable, batch);
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  Batch *batch = user_data;
  guint old_len = batch->input->len;
  gssize n;

  g_byte_array_set_size (batch->input, old_len + BATCH_READ_SIZE);
  n = read (fd, batch->input->data + old_len, BATCH_READ_SIZE);
  g_byte_array_set_size (batch->input, old_len + MAX (n, 0));
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n < 0)
    {
      g_printerr ("plugctl: Cannot read standard input: "
                  "Error reading from file descriptor: %s\n", g_strerror (errno));
      batch->failed = TRUE;
      g_byte_array_set_size (batch->input, 0);
    }
  if (n <= 0)
    {
      batch->eof = TRUE;
      batch->read_id = 0;
    }
  handle_input (batch);
  if (n <= 0)
    return G_SOURCE_REMOVE;
  update_reading (batch);
  return batch->read_id != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static int
signal_of (Batch *batch)
{
  if (batch->remote != NULL)
    return plugctl_remote_get_signal (batch->remote);
  return plugctl_engine_get_signal (batch->engine);
}

/* After a signal, the calls running end cancelled; no more are read. */
static gboolean
is_done (Batch *batch)
{
  if (!batch->eof && g_cancellable_is_cancelled (batch->cancellable))
    {
      batch->eof = TRUE;
      stop_reading (batch);
      g_byte_array_set_size (batch->input, 0);
    }
  return batch->eof && batch->input->len == 0 && g_queue_is_empty (&batch->answers);
}

static int
run_batch (PlugctlEngine *engine,
           PlugctlRemote *remote)
{
  Batch batch = { engine, remote, NULL, };

  batch.cancellable = remote != NULL ? plugctl_remote_get_cancellable (remote)
                                     : plugctl_engine_get_cancellable (engine);
  batch.input = g_byte_array_sized_new (BATCH_READ_SIZE);
  batch.output = g_string_sized_new (BATCH_READ_SIZE);
  g_queue_init (&batch.answers);

  update_reading (&batch);
  while (!is_done (&batch))
    {
      g_main_context_iteration (NULL, TRUE);
      if (batch.input->len > 0)
        handle_input (&batch);
      update_reading (&batch);
      write_output (&batch);
    }

  stop_reading (&batch);
  g_clear_pointer (&batch.input, g_byte_array_unref);
  g_string_free (batch.output, TRUE);

  if (signal_of (&batch) != 0)
    return 128 + signal_of (&batch);
  return batch.failed ? PLUGCTL_EXIT_FAILED : PLUGCTL_EXIT_OK;
}

static int
run_batch_local (PlugctlEngine *engine,
                 gpointer       user_data)
{
  return run_batch (engine, NULL);
}

static int
run_batch_remote (PlugctlRemote *remote,
                  gpointer       user_data)
{
  return run_batch (NULL, remote);
}

int
plugctl_cmd_batch (int      argc,
                   char   **argv,
                   gboolean do_help)
{
  g_autoptr(GOptionContext) context = NULL;
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
  if (!plugctl_check_words (argc, argv, 0, NULL))
    return PLUGCTL_EXIT_USAGE;

  return plugctl_run (PLUGCTL_RUN_LAZY, run_batch_local, run_batch_remote, NULL);
}
