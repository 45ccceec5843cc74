/* plug-engine-call.c: what plugins ask of the engine: calls,
 * cancellation and events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-engine-private.h"
#include "plug-call-private.h"
#include "plug-cancel-watches-private.h"
#include "plug-context-private.h"
#include "plug-connector.h"
#include "plug-error.h"
#include "plug-events-private.h"
#include "plug-manager-private.h"
#include "plug-json-scan-private.h"
#include "plug-message-private.h"
#include "plug-plugin-private.h"
#include "plug-queue-private.h"

static const char *
entry_name (PlugEngineEntry *entry)
{
  return plug_plugin_get_name (plug_engine_entry_get_plugin (entry));
}

static PlugPluginState
entry_state (PlugEngineEntry *entry)
{
  return plug_plugin_get_state (plug_engine_entry_get_plugin (entry));
}

/* Calls */

static char *
format_exposed (PlugProfile *profile)
{
  const char * const *methods = plug_profile_get_methods (profile);
  GString *list = g_string_new (NULL);

  for (guint i = 0; methods != NULL && methods[i] != NULL; i++)
    {
      if (g_str_equal (methods[i], "canDeactivate"))
        continue;
      g_string_append_printf (list, "\"%s\",", methods[i]);
    }
  g_string_append (list, "\"canDeactivate\"");

  return g_string_free (list, FALSE);
}

static gboolean
is_exposed (PlugProfile *profile,
            const char  *method)
{
  return g_str_equal (method, "canDeactivate") ||
         plug_profile_has_method (profile, method);
}

/* Exposure against the current profile (a handshake may have replaced
 * the methods), then the policy. */
GError *
plug_engine_check_call (PlugCall *call,
                        gpointer  user_data)
{
  PlugEngineEntry *entry = user_data;
  PlugEngine *engine = plug_engine_entry_get_engine (entry);
  PlugPlugin *plugin = plug_engine_entry_get_plugin (entry);
  PlugProfile *profile = plug_plugin_get_profile (plugin);
  const char *caller = plug_call_get_caller (call);
  const char *method = plug_call_get_method (call);
  const char *target = plug_plugin_get_name (plugin);

  if (!is_exposed (profile, method))
    {
      g_autofree char *list = format_exposed (profile);

      return g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_EXPOSED,
                          "Cannot call method \"%s\" of \"%s\" from \"%s\", because \"%s\" "
                          "is not exposed. Here is the list of exposed methods: %s",
                          method, target, caller, method, list);
    }

  if (!g_str_equal (caller, PLUG_MANAGER_NAME) &&
      !plug_manager_is_allowed (plug_engine_get_manager (engine),
                                PLUG_PERMISSION_CALL, caller, target, method))
    {
      g_autofree char *why = plug_manager_denial_suffix (plug_engine_get_manager (engine),
                                                         PLUG_PERMISSION_CALL,
                                                         caller, target, method);

      return g_error_new (PLUG_ERROR, PLUG_ERROR_PERMISSION_DENIED,
                          "Plugin %s has no right to call method %s of plugin %s%s",
                          caller, method, target, why);
    }

  return NULL;
}

typedef struct
{
  PlugEngine *engine;
  PlugCall *call;
  PlugEngineEntry *target;
  PlugQueue *queue;  /* the target's, alive as long as the target */
  PlugCancelLink cancel_link;
  gboolean queued;
  /* Inside plug_engine_call(): an answer now is delivered later. */
  gboolean starting;
} Request;

static void
request_free (Request *request)
{
  plug_cancel_watches_remove (plug_engine_get_cancel_watches (request->engine),
                              &request->cancel_link);
  g_clear_object (&request->call);
  g_clear_pointer (&request->target, plug_engine_entry_unref);
  g_clear_object (&request->engine);
  g_free (request);
}

/* Finished calls whose callbacks wait for the next main loop iteration:
 * those that finished before plug_engine_call() returned (a callback
 * never runs inside the call that started it). One source per engine,
 * not one per call as GTask would attach. */
typedef struct
{
  GSource source;
  GQueue calls;  /* PlugCall, owned */
} Completions;

/* Readiness is asked in prepare (see plug_context_wake_if_polled()). */
static gboolean
completions_prepare (GSource *source,
                     int     *timeout)
{
  Completions *self = (Completions *) source;

  *timeout = -1;
  return !g_queue_is_empty (&self->calls);
}

static gboolean
completions_check (GSource *source)
{
  Completions *self = (Completions *) source;

  return !g_queue_is_empty (&self->calls);
}

static gboolean
completions_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  Completions *self = (Completions *) source;
  PlugCall *call;

  while ((call = g_queue_pop_head (&self->calls)) != NULL)
    {
      plug_call_complete_async (call);
      g_object_unref (call);
    }
  return G_SOURCE_CONTINUE;
}

static void
completions_finalize (GSource *source)
{
  Completions *self = (Completions *) source;

  g_queue_clear_full (&self->calls, g_object_unref);
}

static GSourceFuncs completions_funcs = {
  .prepare = completions_prepare,
  .check = completions_check,
  .dispatch = completions_dispatch,
  .finalize = completions_finalize,
};

GSource *
plug_engine_completions_new (void)
{
  GSource *source = g_source_new (&completions_funcs, sizeof (Completions));

  g_source_set_static_name (source, "[plugctl] call completions");
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
complete_later (PlugEngine *engine,
                PlugCall   *call)
{
  Completions *completions = (Completions *) plug_engine_get_completions (engine);

  g_queue_push_tail (&completions->calls, g_object_ref (call));
  plug_context_wake_if_polled (g_source_get_context (&completions->source));
}

static void
on_call_done (PlugCall *call,
              gpointer  user_data)
{
  Request *request = user_data;

  if (request->queued)
    plug_queue_call_done (request->queue, call);

  if (request->starting)
    complete_later (request->engine, call);
  else
    plug_call_complete_async (call);

  request_free (request);
}

static GError *
cancelled_error (PlugCall *call)
{
  return g_error_new (PLUG_ERROR, PLUG_ERROR_CANCELLED,
                      "[CANCEL] Canceled call %s from %s",
                      plug_call_get_method (call), plug_call_get_caller (call));
}

void
plug_engine_cancel_request (gpointer item)
{
  Request *request = item;
  g_autoptr(GError) error = cancelled_error (request->call);

  if (request->queued)
    plug_queue_cancel (request->queue, request->call, error);
  else
    plug_call_end (request->call, error);
}

static void
enqueue (Request  *request,
         gboolean  checked)
{
  request->queued = TRUE;
  plug_queue_push (request->queue, request->call, checked);
}

static void
route_call (PlugEngine *self,
            Request    *request)
{
  PlugCall *call = request->call;
  PlugEngineEntry *target = request->target;
  const char *caller = plug_call_get_caller (call);
  g_autoptr(GError) error = NULL;

  switch (entry_state (target))
    {
    case PLUG_PLUGIN_STATE_ACTIVE:
      if ((error = plug_engine_check_call (call, target)) != NULL)
        plug_call_end (call, error);
      else
        enqueue (request, TRUE);
      break;

    case PLUG_PLUGIN_STATE_ACTIVATING:
      enqueue (request, FALSE);
      break;

    /* Calls do not restart a failed plugin: they fail fast. */
    case PLUG_PLUGIN_STATE_FAILED:
      error = g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                           "%s cannot call %s of %s, because %s has failed: %s",
                           caller, plug_call_get_method (call),
                           entry_name (target), entry_name (target),
                           plug_engine_entry_get_failure (target) != NULL ?
                             plug_engine_entry_get_failure (target)->message : "");
      plug_call_end (call, error);
      break;

    case PLUG_PLUGIN_STATE_INACTIVE:
    case PLUG_PLUGIN_STATE_DEACTIVATING:
    default:
      if (!plug_manager_is_allowed (plug_engine_get_manager (self),
                                    PLUG_PERMISSION_ACTIVATE,
                                    caller, entry_name (target), NULL))
        {
          error = g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                               "%s cannot call %s of %s, because %s is not activated yet",
                               caller, plug_call_get_method (call),
                               entry_name (target), entry_name (target));
          plug_call_end (call, error);
          break;
        }
      enqueue (request, FALSE);
      plug_engine_entry_activate (target);
      break;
    }
}

/* Where the call cannot even be queued: the error is the answer. */
static GError *
check_route (PlugEngine       *self,
             PlugCall         *call,
             PlugEngineEntry **target)
{
  const char *target_name = plug_call_get_target (call);
  const char *caller = plug_call_get_caller (call);

  *target = plug_engine_lookup_entry (self, target_name);
  if (*target == NULL)
    return g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                        "Cannot call %s from %s, because %s is not registered",
                        target_name, caller, target_name);

  if (!plug_engine_can_act (self, caller))
    return g_error_new (PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                        "Plugin \"%s\" is currently deactivated. It cannot call "
                        "method %s of plugin %s. Activate \"%s\" first.",
                        caller, plug_call_get_method (call), target_name, caller);
  return NULL;
}

/* plug_engine_call() once the call is made: @call is the GAsyncResult. */
static void
start_call (PlugEngine          *self,
            PlugCall            *call,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  PlugEngineEntry *target;
  Request *request;

  plug_call_set_async (call, G_OBJECT (self), plug_engine_call, callback, user_data);

  request = g_new0 (Request, 1);
  request->engine = g_object_ref (self);
  request->call = g_object_ref (call);
  request->starting = TRUE;
  plug_call_set_done_func (call, on_call_done, request);

  error = check_route (self, call, &target);
  /* GIO's rule: an operation whose cancellable is cancelled fails at once */
  if (error == NULL && g_cancellable_is_cancelled (cancellable))
    error = cancelled_error (call);
  if (error != NULL)
    {
      plug_call_end (call, error);
      return;
    }

  request->target = plug_engine_entry_ref (target);
  request->queue = plug_engine_entry_get_queue (target);
  if (cancellable != NULL)
    plug_cancel_watches_add (plug_engine_get_cancel_watches (self), cancellable,
                             &request->cancel_link, request);

  /* @request may be gone once routed */
  route_call (self, request);
  if (!plug_call_is_finished (call))
    request->starting = FALSE;
}

void
plug_engine_call (PlugEngine          *self,
                  const char          *caller,
                  const char          *path,
                  const char          *method,
                  JsonArray           *args,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(PlugCall) call = NULL;

  g_return_if_fail (PLUG_IS_ENGINE (self));
  g_return_if_fail (caller != NULL && path != NULL && method != NULL);

  call = plug_call_new (caller, path, method, args);
  start_call (self, call, cancellable, callback, user_data);
}

void
plug_engine_call_request (PlugEngine          *self,
                          const char          *caller,
                          PlugMessage         *request,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(PlugCall) call = plug_call_new_for_request (caller, request);

  start_call (self, call, NULL, callback, user_data);
}

/**
 * plug_engine_call_finish:
 *
 * Returns: (transfer full): the result (a JSON null for none), or NULL
 */
JsonNode *
plug_engine_call_finish (PlugEngine    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  JsonNode *value;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);
  g_return_val_if_fail (PLUG_IS_CALL (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, plug_engine_call), NULL);

  value = plug_call_get_result (PLUG_CALL (result), error);
  return value != NULL ? json_node_ref (value) : NULL;
}

char *
plug_engine_call_finish_text (PlugEngine    *self,
                              GAsyncResult  *result,
                              gsize         *length,
                              GError       **error)
{
  PlugCall *call;
  const char *text;
  JsonNode *value;
  gsize text_length;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);
  g_return_val_if_fail (PLUG_IS_CALL (result), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, plug_engine_call), NULL);

  call = PLUG_CALL (result);
  /* Only a successful answer has it. */
  text = plug_call_peek_result_text (call, &text_length);
  if (text != NULL)
    {
      if (length != NULL)
        *length = text_length;
      return plug_json_dup (text, text_length);
    }

  value = plug_call_get_result (call, error);
  if (value == NULL)
    return NULL;
  return plug_message_node_to_text (value, length);
}

gboolean
plug_engine_cancel (PlugEngine  *self,
                    const char  *caller,
                    const char  *target,
                    const char  *method,
                    GError     **error)
{
  g_autoptr(GPtrArray) calls = NULL;
  gboolean all_methods = method == NULL || method[0] == '\0';
  const char *shown = method != NULL ? method : "";
  PlugPluginState state;
  PlugEngineEntry *entry;
  PlugProfile *profile;
  PlugQueue *queue;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (caller != NULL && target != NULL, FALSE);

  entry = plug_engine_lookup_entry (self, target);
  if (entry == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                   "Cannot cancel %s on %s from %s, because %s is not registered",
                   shown, target, caller, target);
      return FALSE;
    }

  if (!plug_engine_can_act (self, caller))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                   "Plugin \"%s\" is currently deactivated. It cannot cancel "
                   "method %s of plugin %s. Activate \"%s\" first.",
                   caller, shown, target, caller);
      return FALSE;
    }

  state = entry_state (entry);
  if (state == PLUG_PLUGIN_STATE_INACTIVE || state == PLUG_PLUGIN_STATE_DEACTIVATING ||
      state == PLUG_PLUGIN_STATE_FAILED)
    {
      /* "calls on<target>": Remix's exact text, asserted by its tests. */
      if (all_methods)
        g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                     "%s cannot cancel calls on%s, because %s is not activated",
                     caller, target, target);
      else
        g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                     "%s cannot cancel %s of %s, because %s is not activated",
                     caller, method, target, target);
      return FALSE;
    }

  /* While activating, the methods are not known yet. */
  profile = plug_plugin_get_profile (plug_engine_entry_get_plugin (entry));
  if (!all_methods && state == PLUG_PLUGIN_STATE_ACTIVE && !is_exposed (profile, method))
    {
      g_autofree char *list = format_exposed (profile);

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_EXPOSED,
                   "Cannot cancel \"%s\" of \"%s\" from \"%s\", because \"%s\" is not "
                   "exposed. Here is the list of exposed methods: %s",
                   method, target, caller, method, list);
      return FALSE;
    }

  queue = plug_engine_entry_get_queue (entry);
  calls = plug_queue_find_calls (queue, caller, method);
  plug_queue_hold (queue);
  for (guint i = 0; i < calls->len; i++)
    {
      PlugCall *call = g_ptr_array_index (calls, i);
      g_autoptr(GError) cancelled = NULL;

      cancelled = g_error_new (PLUG_ERROR, PLUG_ERROR_CANCELLED,
                               "[CANCEL] Canceled call %s from %s",
                               plug_call_get_method (call), caller);
      plug_queue_cancel (queue, call, cancelled);
    }
  plug_queue_release (queue);

  return TRUE;
}

/* Events */

static gboolean
subscribe (PlugEngine      *self,
           const char      *listener,
           const char      *emitter,
           const char      *event,
           gboolean         once,
           PlugEventFunc    func,
           gpointer         user_data,
           GDestroyNotify   destroy,
           GError         **error)
{
  if (!plug_engine_can_act (self, listener))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
                   "Plugin \"%s\" is currently deactivated. It cannot listen on "
                   "event %s of plugin %s. Activate \"%s\" first.",
                   listener, event, emitter, listener);
      if (destroy != NULL)
        destroy (user_data);
      return FALSE;
    }

  plug_events_subscribe (plug_engine_get_events (self), listener, emitter,
                         event, once, func, user_data, destroy);
  return TRUE;
}

/* On failure @destroy runs at once: the data is never used. */
gboolean
plug_engine_on (PlugEngine      *self,
                const char      *listener,
                const char      *emitter,
                const char      *event,
                PlugEventFunc    func,
                gpointer         user_data,
                GDestroyNotify   destroy,
                GError         **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (listener != NULL && emitter != NULL && event != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return subscribe (self, listener, emitter, event, FALSE, func, user_data, destroy, error);
}

gboolean
plug_engine_once (PlugEngine      *self,
                  const char      *listener,
                  const char      *emitter,
                  const char      *event,
                  PlugEventFunc    func,
                  gpointer         user_data,
                  GDestroyNotify   destroy,
                  GError         **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (listener != NULL && emitter != NULL && event != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  return subscribe (self, listener, emitter, event, TRUE, func, user_data, destroy, error);
}

void
plug_engine_off (PlugEngine *self,
                 const char *listener,
                 const char *emitter,
                 const char *event)
{
  g_return_if_fail (PLUG_IS_ENGINE (self));

  plug_events_unsubscribe (plug_engine_get_events (self), listener, emitter, event);
}

static gboolean
check_emitter (PlugEngine  *self,
               const char  *emitter,
               const char  *event,
               GError     **error)
{
  if (plug_engine_can_act (self, emitter))
    return TRUE;

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_ACTIVATED,
               "Plugin \"%s\" is currently deactivated. It cannot emit the "
               "event %s. Activate \"%s\" first.",
               emitter, event, emitter);
  return FALSE;
}

gboolean
plug_engine_emit (PlugEngine  *self,
                  const char  *emitter,
                  const char  *event,
                  JsonArray   *args,
                  GError     **error)
{
  g_return_val_if_fail (PLUG_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (emitter != NULL && event != NULL, FALSE);

  if (!check_emitter (self, emitter, event, error))
    return FALSE;

  plug_events_emit (plug_engine_get_events (self), emitter, event, args);
  return TRUE;
}

gboolean
plug_engine_emit_message (PlugEngine   *self,
                          const char   *emitter,
                          PlugMessage  *message,
                          GError      **error)
{
  const char *event = plug_message_get_key (message);
  PlugEvents *events = plug_engine_get_events (self);

  if (!check_emitter (self, emitter, event, error))
    return FALSE;

  if (plug_events_is_heard (events, emitter, event))
    plug_events_emit (events, emitter, event, plug_message_get_args (message));
  return TRUE;
}

/* Status */

static const char *
state_name (PlugPluginState state)
{
  switch (state)
    {
    case PLUG_PLUGIN_STATE_INACTIVE: return "inactive";
    case PLUG_PLUGIN_STATE_ACTIVATING: return "activating";
    case PLUG_PLUGIN_STATE_ACTIVE: return "active";
    case PLUG_PLUGIN_STATE_DEACTIVATING: return "deactivating";
    case PLUG_PLUGIN_STATE_FAILED: return "failed";
    default: return "unknown";
    }
}

/* The `pid` property of connectors that run a process, 0 for others. */
static gint
plugin_pid (PlugPlugin *plugin)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (plugin), "pid");
  gint pid = 0;

  if (pspec != NULL && pspec->value_type == G_TYPE_INT)
    g_object_get (plugin, "pid", &pid, NULL);

  return pid;
}

static void
set_ms_member (JsonObject *object,
               const char *member,
               gint64      us)
{
  json_object_set_int_member (object, member, us / G_TIME_SPAN_MILLISECOND);
}

JsonObject *
plug_engine_get_status (PlugEngine  *self,
                        const char  *name,
                        GError     **error)
{
  PlugEngineEntry *entry;
  PlugEngineEntryStats *stats;
  PlugPlugin *plugin;
  PlugProfile *profile;
  PlugQueue *queue;
  JsonObject *status;
  gint64 oldest;
  gint pid;

  g_return_val_if_fail (PLUG_IS_ENGINE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  entry = plug_engine_lookup_entry (self, name);
  if (entry == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_NOT_REGISTERED,
                   "Plugin %s is not registered", name);
      return NULL;
    }

  plugin = plug_engine_entry_get_plugin (entry);
  profile = plug_plugin_get_profile (plugin);
  queue = plug_engine_entry_get_queue (entry);
  stats = plug_engine_entry_get_stats (entry);

  status = json_object_new ();
  json_object_set_string_member (status, "name", name);
  json_object_set_string_member (status, "state", state_name (entry_state (entry)));
  json_object_set_string_member (status, "connector", plug_profile_get_connector (profile));
  if (plug_profile_get_version (profile) != NULL)
    json_object_set_string_member (status, "version", plug_profile_get_version (profile));
  if ((pid = plugin_pid (plugin)) > 0)
    json_object_set_int_member (status, "pid", pid);
  if (stats->active_since != 0 && entry_state (entry) == PLUG_PLUGIN_STATE_ACTIVE)
    {
      g_autoptr(GDateTime) since = g_date_time_new_from_unix_utc (stats->active_since / G_USEC_PER_SEC);
      g_autofree char *started_at = g_date_time_format_iso8601 (since);

      json_object_set_string_member (status, "startedAt", started_at);
      set_ms_member (status, "uptime", g_get_real_time () - stats->active_since);
    }
  if (stats->activation_duration > 0)
    set_ms_member (status, "activationTime", stats->activation_duration);
  json_object_set_int_member (status, "restarts", stats->restarts);
  if (stats->last_error != NULL)
    json_object_set_string_member (status, "lastError", stats->last_error->message);
  json_object_set_int_member (status, "pendingCalls",
                              plug_queue_get_n_waiting (queue) + plug_queue_get_n_running (queue));
  if ((oldest = plug_queue_get_oldest_time (queue)) != 0)
    set_ms_member (status, "oldestCallAge", g_get_monotonic_time () - oldest);
  if (PLUG_IS_CONNECTOR (plugin))
    {
      PlugConnector *connector = PLUG_CONNECTOR (plugin);

      json_object_set_int_member (status, "protocolVersion",
                                  plug_connector_get_protocol_version (connector));
      json_object_set_int_member (status, "messagesIn",
                                  plug_connector_get_n_messages_in (connector));
      json_object_set_int_member (status, "messagesOut",
                                  plug_connector_get_n_messages_out (connector));
    }

  return status;
}
