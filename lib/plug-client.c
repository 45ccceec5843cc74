/* plug-client.c: what a plugin written in C links to
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Remix's PluginClient and connectClient (reference/remix-engine.md §7):
 * answers the engine's handshakes and requests, and gives the plugin
 * call/cancel/emit/on/once/off towards the engine (those are in
 * plug-client-outgoing.c).
 */
#include "config.h"

#include <string.h>

#include "plug-call-private.h"
#include "plug-client-private.h"
#include "plug-dbus-client-connector.h"
#include "plug-error.h"
#include "plug-fd-client-connector.h"
#include "plug-protocol-private.h"

typedef struct
{
  char           *name;
  PlugMethodFunc  func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} Method;

/* A method call from the engine that has not been answered yet. */
typedef struct
{
  PlugClient  *client;
  PlugCall    *call;
  PlugMessage *request;
  /* Set when the engine cancelled it: its answer is not sent. */
  gboolean     silenced;
} RunningCall;

enum {
  SIGNAL_ACTIVATED,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PlugClient, plug_client, G_TYPE_OBJECT)

static void
method_free (gpointer data)
{
  Method *method = data;

  if (method->destroy != NULL)
    method->destroy (method->user_data);
  g_free (method->name);
  g_free (method);
}

static void
running_call_free (RunningCall *running)
{
  g_clear_object (&running->call);
  g_clear_pointer (&running->request, plug_message_unref);
  g_free (running);
}

void
plug_client_send_message (PlugClient  *self,
                          PlugMessage *message)
{
  g_autoptr(GError) error = NULL;

  if (self->closed)
    return;

  if (!plug_client_connector_send (self->connector, message, &error))
    g_debug ("Could not send a message to the engine: %s", error->message);
}

/* Remix's getMethodPath: the first segment of the path is the plugin;
 * the rest names a service. */
static char *
method_for_request (const char *key,
                    const char *path)
{
  const char *dot = path != NULL ? strchr (path, '.') : NULL;

  if (dot == NULL)
    return g_strdup (key);

  return g_strconcat (dot + 1, ".", key, NULL);
}

static JsonNode *
method_names_node (PlugClient *self)
{
  JsonArray *array = json_array_sized_new (self->method_names->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < self->method_names->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (self->method_names, i));
  json_node_take_array (node, array);

  return node;
}

static void on_connector_closed (PlugClientConnector *connector,
                                 const GError        *error,
                                 PlugClient          *self);

/* The highest of the engine's offered versions that we speak; 0 when it
 * offered none (an engine without versions: answer as a Remix client),
 * -1 when we share none. */
static gint64
pick_protocol_version (PlugMessage *message)
{
  JsonObject *protocol = plug_message_get_protocol (message);
  JsonArray *offered;
  gint64 best = -1;

  if (protocol == NULL || !json_object_has_member (protocol, "versions") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (protocol, "versions")))
    return 0;

  offered = json_object_get_array_member (protocol, "versions");
  for (guint i = 0; i < json_array_get_length (offered); i++)
    {
      JsonNode *node = json_array_get_element (offered, i);
      gint64 version;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        continue;
      version = json_node_get_int (node);
      if (version >= PLUG_PROTOCOL_VERSION_MIN && version <= PLUG_PROTOCOL_VERSION_MAX)
        best = MAX (best, version);
    }

  return best;
}

/* No version in common: say so with ours, and close. */
static void
refuse_handshake (PlugClient  *self,
                  PlugMessage *message)
{
  g_autoptr(JsonObject) ours = plug_protocol_new_offer ();
  g_autoptr(PlugMessage) response = NULL;
  g_autofree char *ours_text = NULL;
  g_autofree char *theirs_text = NULL;
  g_autofree char *text = NULL;
  JsonObject *protocol = plug_message_get_protocol (message);

  ours_text = plug_protocol_format_versions (json_object_get_array_member (ours, "versions"));
  theirs_text = plug_protocol_format_versions (json_object_get_array_member (protocol, "versions"));
  text = g_strdup_printf ("Plugin %s speaks plugctl protocol versions %s; "
                          "the engine offers %s: no version in common",
                          plug_message_get_name (message) != NULL ? plug_message_get_name (message) : "",
                          ours_text, theirs_text);
  g_printerr ("%s\n", text);

  response = plug_message_new_error_response (message, text);
  plug_message_set_protocol (response, ours);
  plug_client_send_message (self, response);

  self->protocol_refused = TRUE;
  plug_client_connector_close (self->connector);
  on_connector_closed (self->connector, NULL, self);
}

static void
handle_handshake (PlugClient  *self,
                  PlugMessage *message)
{
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(JsonNode) methods = method_names_node (self);
  gboolean first = !self->activated;
  gint64 version = pick_protocol_version (message);

  if (version < 0)
    {
      refuse_handshake (self, message);
      return;
    }

  if (first)
    {
      JsonArray *args = plug_message_get_args (message);
      const char *name = NULL;

      if (args != NULL && json_array_get_length (args) > 0)
        name = json_node_get_string (json_array_get_element (args, 0));
      if (name == NULL)
        name = plug_message_get_name (message);

      self->activated = TRUE;
      g_free (self->name);
      self->name = g_strdup (name);
    }

  response = plug_message_new_response (message, methods);
  if (version > 0)
    {
      g_autoptr(JsonObject) protocol = json_object_new ();

      json_object_set_int_member (protocol, "version", version);
      plug_message_set_protocol (response, protocol);
    }
  plug_client_send_message (self, response);

  /* After the answer, so that what the plugin does on activation reaches
   * an engine that already counts it as active. */
  if (first)
    {
      plug_client_resubscribe_listeners (self);
      g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0);
    }
}

static void
send_error_response (PlugClient  *self,
                     PlugMessage *request,
                     const char  *text)
{
  g_autoptr(PlugMessage) response = plug_message_new_error_response (request, text);

  plug_client_send_message (self, response);
}

static void
on_method_done (PlugCall *call,
                gpointer  user_data)
{
  RunningCall *running = user_data;
  PlugClient *self = running->client;
  g_autoptr(PlugMessage) response = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *result;

  if (!running->silenced)
    {
      result = plug_call_get_result (call, &error);
      if (error != NULL)
        response = plug_message_new_error_response (running->request, error->message);
      else
        response = plug_message_new_response (running->request, result);
      plug_client_send_message (self, response);
    }

  g_hash_table_remove (self->running_calls, call);
}

static void
handle_request (PlugClient  *self,
                PlugMessage *message)
{
  g_autofree char *method_name = NULL;
  g_autoptr(JsonArray) no_args = NULL;
  g_autoptr(PlugCall) call = NULL;
  RunningCall *running;
  JsonArray *args;
  Method *method;
  const char *from;
  const char *path;

  method_name = method_for_request (plug_message_get_key (message),
                                    plug_message_get_path (message));
  method = g_hash_table_lookup (self->methods, method_name);
  if (method == NULL)
    {
      g_autofree char *text = NULL;
      const char *name = plug_message_get_name (message);

      text = g_strdup_printf ("Method %s doesn't exist on plugin %s",
                              method_name, name != NULL ? name : self->name);
      send_error_response (self, message, text);
      return;
    }

  args = plug_message_get_args (message);
  if (args == NULL)
    args = no_args = json_array_new ();

  from = plug_message_get_from (message);
  path = plug_message_get_path (message);
  if (path == NULL)
    path = plug_message_get_name (message) != NULL ? plug_message_get_name (message) : self->name;

  running = g_new0 (RunningCall, 1);
  running->client = self;
  running->request = plug_message_ref (message);
  running->call = plug_call_new (from != NULL ? from : "", path, method_name, args);
  g_hash_table_insert (self->running_calls, running->call, running);
  plug_call_set_done_func (running->call, on_method_done, running);

  /* The method may answer, and so free @running, before it returns. */
  call = g_object_ref (running->call);
  method->func (call, method->user_data);
}

static void
end_running_call (RunningCall  *running,
                  const GError *error)
{
  running->silenced = TRUE;
  plug_call_end (running->call, error);
}

static void
handle_cancel (PlugClient  *self,
               PlugMessage *message)
{
  GHashTableIter iter;
  RunningCall *running;
  gint64 id;

  if (!plug_message_has_id (message))
    return;

  id = plug_message_get_id (message);
  g_hash_table_iter_init (&iter, self->running_calls);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &running))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugCall) call = NULL;

      if (!plug_message_has_id (running->request) ||
          plug_message_get_id (running->request) != id)
        continue;

      call = g_object_ref (running->call);
      error = g_error_new (PLUG_ERROR, PLUG_ERROR_CANCELLED,
                           "[CANCEL] Canceled call %s from %s",
                           plug_call_get_method (call), plug_call_get_caller (call));
      /* Ending it runs on_method_done, which removes it from the table. */
      end_running_call (running, error);
      return;
    }
}

static void
on_connector_message (PlugClientConnector *connector,
                      PlugMessage         *message,
                      PlugClient          *self)
{
  PlugAction action = plug_message_get_action (message);
  g_autoptr(PlugClient) hold G_GNUC_UNUSED = g_object_ref (self);

  if (action == PLUG_ACTION_REQUEST &&
      g_strcmp0 (plug_message_get_key (message), "handshake") == 0)
    {
      handle_handshake (self, message);
      return;
    }

  if (plug_message_get_error (message) != NULL && action != PLUG_ACTION_RESPONSE)
    {
      g_debug ("Ignored a %s message carrying an error from the engine: %s",
               plug_message_get_action_name (message), plug_message_get_error (message));
      return;
    }

  if (!self->activated)
    {
      if (action == PLUG_ACTION_REQUEST)
        send_error_response (self, message, "Handshake before communicating");
      else
        g_debug ("Ignored a %s message before the handshake",
                 plug_message_get_action_name (message));
      return;
    }

  switch (action)
    {
    case PLUG_ACTION_REQUEST:
      handle_request (self, message);
      break;
    case PLUG_ACTION_RESPONSE:
      plug_client_handle_response (self, message);
      break;
    case PLUG_ACTION_EMIT:
    case PLUG_ACTION_NOTIFICATION:
      plug_client_handle_notification (self, message);
      break;
    case PLUG_ACTION_CANCEL:
      handle_cancel (self, message);
      break;
    case PLUG_ACTION_UNKNOWN:
    case PLUG_ACTION_NONE:
    case PLUG_ACTION_ON:
    case PLUG_ACTION_ONCE:
    case PLUG_ACTION_OFF:
    default:
      g_warning ("Dropped a message with action \"%s\" from the engine",
                 plug_message_get_action_name (message) != NULL ? plug_message_get_action_name (message) : "");
      break;
    }
}

static void
end_running_calls (PlugClient   *self,
                   const GError *error)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer call;

  /* Ending a call removes it from the table. */
  g_hash_table_iter_init (&iter, self->running_calls);
  while (g_hash_table_iter_next (&iter, &call, NULL))
    g_ptr_array_add (calls, g_object_ref (call));

  for (guint i = 0; i < calls->len; i++)
    {
      RunningCall *running = g_hash_table_lookup (self->running_calls,
                                                  g_ptr_array_index (calls, i));

      if (running != NULL)
        end_running_call (running, error);
    }
}

static void
on_connector_closed (PlugClientConnector *connector,
                     const GError        *error,
                     PlugClient          *self)
{
  g_autoptr(PlugClient) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GError) closed_error = NULL;

  if (self->closed)
    return;

  if (error != NULL)
    g_debug ("The engine connection failed: %s", error->message);

  self->closed = TRUE;
  closed_error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                      PLUG_CLIENT_CLOSED_TEXT);
  plug_client_fail_pending_calls (self, closed_error);
  end_running_calls (self, closed_error);

  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);

  if (self->loop != NULL)
    g_main_loop_quit (self->loop);
}

static void
plug_client_dispose (GObject *object)
{
  PlugClient *self = PLUG_CLIENT (object);

  if (self->connector != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                                                     PLUG_CLIENT_CLOSED_TEXT);

      g_signal_handlers_disconnect_by_data (self->connector, self);
      self->closed = TRUE;
      end_running_calls (self, error);
      plug_client_fail_pending_calls (self, error);
      g_clear_object (&self->connector);
    }

  g_clear_pointer (&self->listeners, g_hash_table_unref);

  G_OBJECT_CLASS (plug_client_parent_class)->dispose (object);
}

static void
plug_client_finalize (GObject *object)
{
  PlugClient *self = PLUG_CLIENT (object);

  g_clear_pointer (&self->running_calls, g_hash_table_unref);
  g_clear_pointer (&self->pending_calls, g_hash_table_unref);
  g_clear_pointer (&self->method_names, g_ptr_array_unref);
  g_clear_pointer (&self->methods, g_hash_table_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->name);

  G_OBJECT_CLASS (plug_client_parent_class)->finalize (object);
}

static void
plug_client_class_init (PlugClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = plug_client_dispose;
  object_class->finalize = plug_client_finalize;

  /**
   * PlugClient::activated:
   *
   * The engine's first handshake arrived: the plugin has its name and
   * may call, emit and listen.
   */
  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * PlugClient::closed:
   *
   * The engine closed the connection; plug_client_run() returns.
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
plug_client_init (PlugClient *self)
{
  self->methods = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, method_free);
  self->method_names = g_ptr_array_new ();
  self->running_calls = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) running_call_free);
  plug_client_init_outgoing (self);
}

PlugClient *
plug_client_new (PlugClientConnector *connector)
{
  PlugClient *self;

  g_return_val_if_fail (PLUG_IS_CLIENT_CONNECTOR (connector), NULL);

  self = g_object_new (PLUG_TYPE_CLIENT, NULL);
  self->connector = g_object_ref (connector);
  g_signal_connect (connector, "message", G_CALLBACK (on_connector_message), self);
  g_signal_connect (connector, "closed", G_CALLBACK (on_connector_closed), self);

  return self;
}

PlugClient *
plug_client_new_for_environment (GError **error)
{
  g_autoptr(PlugClientConnector) connector = NULL;
  const char *channel_fd = g_getenv ("NODE_CHANNEL_FD");
  const char *dbus_name = g_getenv (PLUG_DBUS_NAME_VARIABLE);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Started as a D-Bus service (connectors/dbus) rather than as a child. */
  if ((channel_fd == NULL || *channel_fd == '\0') && dbus_name != NULL && *dbus_name != '\0')
    connector = (PlugClientConnector *) plug_dbus_client_connector_new_from_environment (error);
  else
    connector = (PlugClientConnector *) plug_fd_client_connector_new_from_environment (error);
  if (connector == NULL)
    return NULL;

  return plug_client_new (connector);
}

void
plug_client_add_method (PlugClient     *self,
                        const char     *name,
                        PlugMethodFunc  func,
                        gpointer        user_data,
                        GDestroyNotify  destroy)
{
  Method *method;

  g_return_if_fail (PLUG_IS_CLIENT (self));
  g_return_if_fail (name != NULL && *name != '\0');
  g_return_if_fail (func != NULL);

  if (g_hash_table_contains (self->methods, name))
    {
      Method *old = g_hash_table_lookup (self->methods, name);

      g_ptr_array_remove (self->method_names, old->name);
      g_hash_table_remove (self->methods, name);
    }

  method = g_new0 (Method, 1);
  method->name = g_strdup (name);
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  g_hash_table_insert (self->methods, method->name, method);
  g_ptr_array_add (self->method_names, method->name);
}

const char *
plug_client_get_name (PlugClient *self)
{
  g_return_val_if_fail (PLUG_IS_CLIENT (self), NULL);

  return self->name;
}

gboolean
plug_client_is_activated (PlugClient *self)
{
  g_return_val_if_fail (PLUG_IS_CLIENT (self), FALSE);

  return self->activated;
}

/* What a Remix client sends first (PROTOCOL.md §2.1): an engine that waits
 * for it, as Remix's ChildProcessPlugin does, then starts the handshake;
 * plugctl ignores it. */
static void
send_handshake_request (PlugClient *self)
{
  g_autoptr(PlugMessage) message = plug_message_new (PLUG_ACTION_REQUEST);

  plug_message_set_key (message, "handshake");
  plug_message_set_id (message, -1);
  plug_client_send_message (self, message);
}

int
plug_client_run (PlugClient *self)
{
  g_autoptr(GMainContext) context = NULL;
  gboolean refused;

  g_return_val_if_fail (PLUG_IS_CLIENT (self), 1);
  g_return_val_if_fail (self->loop == NULL, 1);

  g_object_ref (self);

  if (!self->started)
    {
      self->started = TRUE;
      plug_client_connector_start (self->connector);
      send_handshake_request (self);
    }

  if (!self->closed)
    {
      context = g_main_context_ref_thread_default ();
      self->loop = g_main_loop_new (context, FALSE);
      g_main_loop_run (self->loop);
      g_clear_pointer (&self->loop, g_main_loop_unref);
    }

  refused = self->protocol_refused;
  g_object_unref (self);

  return refused ? 1 : 0;
}
