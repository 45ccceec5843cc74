/* echo.c: the bundled `echo` plugin, on PlugClient
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Methods: echo (emits `echoed` with its argument, then returns it), sum,
 * fail, slow and ping. It exists to show and test the client library.
 *
 * The same source builds as a program (`plugctl-echo`, for the
 * child-process connector) and, with PLUGCTL_ECHO_MODULE defined, as a
 * module (`echo-thread.so`, for the thread connector): both run
 * echo_setup(). So that it behaves the same on the plugin's own thread,
 * it attaches its timers to the thread-default main context, never to
 * the global default one.
 */
#include <stdio.h>

#include <plugctl.h>

static void
echo_method (PlugCall *call,
             gpointer  user_data)
{
  PlugClient *client = user_data;
  JsonArray *args = plug_call_get_args (call);
  g_autoptr(JsonArray) event_args = json_array_new ();
  g_autoptr(JsonNode) null_node = json_node_new (JSON_NODE_NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *value;

  value = json_array_get_length (args) > 0 ? json_array_get_element (args, 0) : null_node;
  json_array_add_element (event_args, json_node_copy (value));
  if (!plug_client_emit (client, "echoed", event_args, &error))
    g_warning ("Could not emit echoed: %s", error->message);

  plug_call_return_value (call, value);
}

/* Integers add up to an integer, as in JavaScript's JSON; any fraction
 * makes the sum a double. */
static void
sum_method (PlugCall *call,
            gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);
  g_autoptr(JsonNode) result = json_node_new (JSON_NODE_VALUE);
  gboolean all_integers = TRUE;
  gint64 int_sum = 0;
  double sum = 0;

  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *arg = json_array_get_element (args, i);
      double value;

      if (!plug_call_get_arg_double (call, i, &value))
        return;
      if (json_node_get_value_type (arg) == G_TYPE_INT64)
        int_sum += json_node_get_int (arg);
      else
        all_integers = FALSE;
      sum += value;
    }

  if (all_integers)
    json_node_set_int (result, int_sum);
  else
    json_node_set_double (result, sum);
  plug_call_return_value (call, result);
}

static void
fail_method (PlugCall *call,
             gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);
  const char *text = "failed";

  if (json_array_get_length (args) > 0 && !plug_call_get_arg_string (call, 0, &text))
    return;

  plug_call_return_error_literal (call, PLUG_ERROR_FAILED, text);
}

typedef struct
{
  PlugCall *call;
  JsonNode *value;
  GSource  *timer;  /* owns the SlowCall */
  gulong    cancelled_id;
} SlowCall;

static void
slow_call_free (gpointer data)
{
  SlowCall *slow = data;

  if (slow->cancelled_id != 0)
    g_signal_handler_disconnect (plug_call_get_cancellable (slow->call), slow->cancelled_id);
  g_clear_pointer (&slow->value, json_node_unref);
  g_clear_object (&slow->call);
  g_free (slow);
}

static gboolean
on_slow_timeout (gpointer user_data)
{
  SlowCall *slow = user_data;

  plug_call_return_value (slow->call, slow->value);

  return G_SOURCE_REMOVE;
}

static void
on_slow_cancelled (GCancellable *cancellable,
                   SlowCall     *slow)
{
  /* The call already has its answer (the cancel error): stop the timer,
   * which frees @slow. */
  g_source_destroy (slow->timer);
}

static void
slow_method (PlugCall *call,
             gpointer  user_data)
{
  JsonArray *args = plug_call_get_args (call);
  GCancellable *cancellable = plug_call_get_cancellable (call);
  SlowCall *slow;
  gint64 ms = 0;

  if (!plug_call_get_arg_int (call, 0, &ms))
    return;
  if (ms < 0 || ms > G_MAXUINT)
    {
      plug_call_return_error_printf (call, PLUG_ERROR_INVALID_ARGUMENT,
                                     "slow: %" G_GINT64_FORMAT " is not a delay in milliseconds", ms);
      return;
    }

  slow = g_new0 (SlowCall, 1);
  slow->call = g_object_ref (call);
  slow->value = json_array_get_length (args) > 1
                  ? json_node_copy (json_array_get_element (args, 1))
                  : json_node_new (JSON_NODE_NULL);
  slow->timer = g_timeout_source_new ((guint) ms);
  g_source_set_callback (slow->timer, on_slow_timeout, slow, slow_call_free);
  g_source_set_static_name (slow->timer, "[plugctl-echo] slow");
  g_source_attach (slow->timer, g_main_context_get_thread_default ());
  /* The context owns the timer; it is destroyed when it fires, when the
   * call is cancelled, or with the context. */
  g_source_unref (slow->timer);
  if (cancellable != NULL)
    slow->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                           G_CALLBACK (on_slow_cancelled), slow);
}

static void
ping_method (PlugCall *call,
             gpointer  user_data)
{
  g_autoptr(JsonNode) pong = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (pong, "pong");
  plug_call_return_value (call, pong);
}

static void
echo_setup (PlugClient *client)
{
  plug_client_add_method (client, "echo", echo_method, client, NULL);
  plug_client_add_method (client, "sum", sum_method, NULL, NULL);
  plug_client_add_method (client, "fail", fail_method, NULL, NULL);
  plug_client_add_method (client, "slow", slow_method, NULL, NULL);
  plug_client_add_method (client, "ping", ping_method, NULL, NULL);
}

#ifdef PLUGCTL_ECHO_MODULE

PLUG_CLIENT_DEFINE_MODULE (echo_setup)

#else

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PlugClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = plug_client_new_for_environment (&error);
  if (client == NULL)
    {
      fprintf (stderr, "%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : argv[0], error->message);
      return 1;
    }

  echo_setup (client);

  return plug_client_run (client);
}

#endif
