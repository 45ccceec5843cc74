/* plug-call.c: one method call, from the caller to the method's answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plug-call-private.h"
#include "plug-error.h"
#include "plug-json-node-private.h"
#include "plug-message-private.h"

struct _PlugCall
{
  GObject parent_instance;

  /* One block holds the four strings. */
  char *caller;
  const char *path;
  const char *target;
  const char *method;
  /* The arguments, or the request they came in (parsed when asked). */
  JsonArray *args;
  PlugMessage *request;
  GCancellable *cancellable;  /* made when asked for */

  gboolean finished;
  /* Ended by plug_call_end(): a later answer is expected and dropped. */
  gboolean ended_from_outside;
  /* The result, or the response it came in (parsed when asked). */
  JsonNode *result;
  PlugMessage *response;
  GError *error;

  PlugCallDoneFunc done_func;
  gpointer done_data;

  /* As a GAsyncResult (plug_engine_call()): */
  GObject *source_object;
  gpointer source_tag;
  GAsyncReadyCallback callback;
  gpointer callback_data;
};

static void plug_call_async_result_init (GAsyncResultIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PlugCall, plug_call, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      plug_call_async_result_init))

static void
plug_call_finalize (GObject *object)
{
  PlugCall *self = PLUG_CALL (object);

  g_free (self->caller);
  g_clear_pointer (&self->args, json_array_unref);
  g_clear_pointer (&self->request, plug_message_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->result, json_node_unref);
  g_clear_pointer (&self->response, plug_message_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->source_object);

  G_OBJECT_CLASS (plug_call_parent_class)->finalize (object);
}

static void
plug_call_class_init (PlugCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = plug_call_finalize;
}

static void
plug_call_init (PlugCall *self)
{
}

static gpointer
plug_call_get_user_data (GAsyncResult *result)
{
  return PLUG_CALL (result)->callback_data;
}

static GObject *
plug_call_get_source_object (GAsyncResult *result)
{
  PlugCall *self = PLUG_CALL (result);

  return self->source_object != NULL ? g_object_ref (self->source_object) : NULL;
}

static gboolean
plug_call_is_tagged (GAsyncResult *result,
                     gpointer      source_tag)
{
  return PLUG_CALL (result)->source_tag == source_tag;
}

static void
plug_call_async_result_init (GAsyncResultIface *iface)
{
  iface->get_user_data = plug_call_get_user_data;
  iface->get_source_object = plug_call_get_source_object;
  iface->is_tagged = plug_call_is_tagged;
}

void
plug_call_set_async (PlugCall            *self,
                     GObject             *source_object,
                     gpointer             source_tag,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_set_object (&self->source_object, source_object);
  self->source_tag = source_tag;
  self->callback = callback;
  self->callback_data = user_data;
}

void
plug_call_complete_async (PlugCall *self)
{
  GAsyncReadyCallback callback = self->callback;

  self->callback = NULL;
  if (callback != NULL)
    callback (self->source_object, G_ASYNC_RESULT (self), self->callback_data);
}

/**
 * plug_call_new:
 * @caller: the calling plugin's name
 * @path: the target, or a service path such as `cmd.git`
 * @method: the method's name
 * @args: (nullable): the arguments (a new reference is taken)
 *
 * Returns: (transfer full): a new call, not finished
 */
static PlugCall *
call_new (const char *caller,
          const char *path,
          const char *method)
{
  PlugCall *self = g_object_new (PLUG_TYPE_CALL, NULL);
  const char *dot = strchr (path, '.');
  gsize caller_size = strlen (caller) + 1;
  gsize path_size = strlen (path) + 1;
  gsize method_size = strlen (method) + 1;
  gsize target_length = dot != NULL ? (gsize) (dot - path) : path_size - 1;
  char *block = g_malloc (caller_size + path_size + method_size + target_length + 1);

  self->caller = memcpy (block, caller, caller_size);
  self->path = memcpy (block + caller_size, path, path_size);
  self->method = memcpy (block + caller_size + path_size, method, method_size);
  self->target = block + caller_size + path_size + method_size;
  memcpy (block + caller_size + path_size + method_size, path, target_length);
  block[caller_size + path_size + method_size + target_length] = '\0';

  return self;
}

PlugCall *
plug_call_new (const char *caller,
               const char *path,
               const char *method,
               JsonArray  *args)
{
  PlugCall *self;

  g_return_val_if_fail (caller != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (method != NULL, NULL);

  self = call_new (caller, path, method);
  self->args = args != NULL ? json_array_ref (args) : json_array_new ();

  return self;
}

PlugCall *
plug_call_new_for_request (const char  *caller,
                           PlugMessage *request)
{
  PlugCall *self = call_new (caller, plug_message_get_name (request),
                             plug_message_get_key (request));

  self->request = plug_message_ref (request);
  return self;
}

const char *
plug_call_get_caller (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);
  return self->caller;
}

const char *
plug_call_get_path (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);
  return self->path;
}

const char *
plug_call_get_target (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);
  return self->target;
}

const char *
plug_call_get_method (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);
  return self->method;
}

JsonArray *
plug_call_get_args (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);

  if (self->args == NULL)
    {
      JsonArray *args = self->request != NULL ? plug_message_get_args (self->request) : NULL;

      self->args = args != NULL ? json_array_ref (args) : json_array_new ();
    }
  return self->args;
}

const char *
plug_call_peek_args_text (PlugCall *self,
                          gsize    *length)
{
  if (self->request == NULL || self->args != NULL)
    return NULL;
  return plug_message_peek_payload_text (self->request, length);
}

/* Few calls are ever cancelled: the cancellable is made when asked for
 * (cancelled already when the call was ended from outside). */
GCancellable *
plug_call_get_cancellable (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);

  if (self->cancellable == NULL)
    {
      self->cancellable = g_cancellable_new ();
      if (self->ended_from_outside)
        g_cancellable_cancel (self->cancellable);
    }
  return self->cancellable;
}

gboolean
plug_call_is_finished (PlugCall *self)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), FALSE);
  return self->finished;
}

void
plug_call_set_done_func (PlugCall         *self,
                         PlugCallDoneFunc  func,
                         gpointer          user_data)
{
  g_return_if_fail (PLUG_IS_CALL (self));

  self->done_func = func;
  self->done_data = user_data;
}

static void
run_done_func (PlugCall *self)
{
  PlugCallDoneFunc func = self->done_func;
  gpointer data = self->done_data;

  self->done_func = NULL;
  self->done_data = NULL;

  /* The done func commonly drops the last other reference. */
  g_object_ref (self);
  if (func != NULL)
    func (self, data);
  g_object_unref (self);
}

/* TRUE when the implementation may answer now. */
static gboolean
begin_answer (PlugCall *self)
{
  if (!self->finished)
    return TRUE;

  if (!self->ended_from_outside)
    g_warning ("Method %s of %s answered call from %s twice; "
               "the second answer is dropped",
               self->method, self->target, self->caller);
  return FALSE;
}

void
plug_call_return_value (PlugCall *self,
                        JsonNode *result)
{
  g_return_if_fail (PLUG_IS_CALL (self));

  if (!begin_answer (self))
    return;

  self->finished = TRUE;
  if (result != NULL)
    self->result = json_node_ref (result);
  else
    self->result = json_node_init_null (json_node_alloc ());

  run_done_func (self);
}

void
plug_call_return_response (PlugCall    *self,
                           PlugMessage *response)
{
  if (!begin_answer (self))
    return;

  self->finished = TRUE;
  self->response = plug_message_ref (response);

  run_done_func (self);
}

void
plug_call_return_error (PlugCall     *self,
                        const GError *error)
{
  g_return_if_fail (PLUG_IS_CALL (self));
  g_return_if_fail (error != NULL);

  if (!begin_answer (self))
    return;

  self->finished = TRUE;
  self->error = g_error_copy (error);

  run_done_func (self);
}

void
plug_call_return_error_literal (PlugCall   *self,
                                gint        code,
                                const char *message)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PLUG_IS_CALL (self));
  g_return_if_fail (message != NULL);

  error = g_error_new_literal (PLUG_ERROR, code, message);
  plug_call_return_error (self, error);
}

void
plug_call_return_error_printf (PlugCall   *self,
                               gint        code,
                               const char *format,
                               ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  g_return_if_fail (PLUG_IS_CALL (self));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  error = g_error_new_valist (PLUG_ERROR, code, format, args);
  va_end (args);

  plug_call_return_error (self, error);
}

gboolean
plug_call_end (PlugCall     *self,
               const GError *error)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (self->finished)
    return FALSE;

  self->finished = TRUE;
  self->ended_from_outside = TRUE;
  self->error = g_error_copy (error);

  g_object_ref (self);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  run_done_func (self);
  g_object_unref (self);

  return TRUE;
}

JsonNode *
plug_call_get_result (PlugCall  *self,
                      GError   **error)
{
  g_return_val_if_fail (PLUG_IS_CALL (self), NULL);
  g_return_val_if_fail (self->finished, NULL);

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return NULL;
    }

  if (self->result == NULL)
    {
      JsonNode *payload = plug_message_get_payload (self->response);

      self->result = payload != NULL ? json_node_ref (payload)
                                     : json_node_init_null (json_node_alloc ());
    }
  return self->result;
}

const char *
plug_call_peek_result_text (PlugCall *self,
                            gsize    *length)
{
  if (self->response == NULL || self->result != NULL)
    return NULL;
  return plug_message_peek_payload_text (self->response, length);
}

/* Argument helpers */

static JsonNode *
get_arg_node (PlugCall *self,
              guint     index)
{
  if (index >= json_array_get_length (plug_call_get_args (self)))
    return NULL;
  return json_array_get_element (plug_call_get_args (self), index);
}

static gboolean
is_value_of_type (JsonNode *node,
                  GType     type)
{
  return node != NULL &&
         JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == type;
}

/* Answers the call with the argument error; always returns FALSE. */
static gboolean
fail_argument (PlugCall   *self,
               guint       index,
               const char *expected,
               JsonNode   *given)
{
  if (given == NULL)
    plug_call_return_error_printf (self, PLUG_ERROR_INVALID_ARGUMENT,
                                   "Argument %u of method \"%s\" must be %s, "
                                   "but it is missing",
                                   index + 1, self->method, expected);
  else
    plug_call_return_error_printf (self, PLUG_ERROR_INVALID_ARGUMENT,
                                   "Argument %u of method \"%s\" must be %s, "
                                   "got %s",
                                   index + 1, self->method, expected,
                                   plug_json_describe (given, FALSE));
  return FALSE;
}

gboolean
plug_call_get_arg_string (PlugCall    *self,
                          guint        index,
                          const char **out)
{
  JsonNode *node;

  g_return_val_if_fail (PLUG_IS_CALL (self), FALSE);

  node = get_arg_node (self, index);
  if (!is_value_of_type (node, G_TYPE_STRING))
    return fail_argument (self, index, "a string", node);

  if (out != NULL)
    *out = json_node_get_string (node);
  return TRUE;
}

gboolean
plug_call_get_arg_int (PlugCall *self,
                       guint     index,
                       gint64   *out)
{
  JsonNode *node;
  gint64 value;

  g_return_val_if_fail (PLUG_IS_CALL (self), FALSE);

  node = get_arg_node (self, index);
  if (is_value_of_type (node, G_TYPE_INT64))
    {
      value = json_node_get_int (node);
    }
  else if (is_value_of_type (node, G_TYPE_DOUBLE) &&
           json_node_get_double (node) == (double) (gint64) json_node_get_double (node))
    {
      /* 2.0 is an integer written by a JSON writer that knows only doubles. */
      value = (gint64) json_node_get_double (node);
    }
  else
    {
      return fail_argument (self, index, "an integer", node);
    }

  if (out != NULL)
    *out = value;
  return TRUE;
}

gboolean
plug_call_get_arg_double (PlugCall *self,
                          guint     index,
                          double   *out)
{
  JsonNode *node;

  g_return_val_if_fail (PLUG_IS_CALL (self), FALSE);

  node = get_arg_node (self, index);
  if (!is_value_of_type (node, G_TYPE_INT64) &&
      !is_value_of_type (node, G_TYPE_DOUBLE))
    return fail_argument (self, index, "a number", node);

  if (out != NULL)
    *out = json_node_get_double (node);
  return TRUE;
}
