/* plug-call.h: one method call, from the caller to the method's answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "plug-macros.h"

G_BEGIN_DECLS

#define PLUG_TYPE_CALL (plug_call_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugCall, plug_call, PLUG, CALL, GObject)

/**
 * PlugCall:
 *
 * What a method implementation receives, like GDBusMethodInvocation: who
 * called (`caller`, set by the engine, never by the plugin), the service
 * `path` as called (its first segment is the target plugin), the `method`
 * and its `args`. The implementation answers exactly once, now or later,
 * with plug_call_return_value() or one of the return_error functions.
 *
 * An answer that comes after the call has already ended (it timed out, the
 * caller cancelled it, the plugin was deactivated) is dropped silently:
 * that is what makes late answers harmless. The call's cancellable is
 * cancelled when the call ends that way, so a long method can stop early.
 */

/**
 * PlugMethodFunc:
 * @call: the call to answer
 * @user_data: the data given with the method
 *
 * A method of an in-process plugin or of a #PlugClient.
 */
typedef void (*PlugMethodFunc) (PlugCall *call,
                                gpointer  user_data);

PLUG_AVAILABLE_IN_ALL
PlugCall     *plug_call_new                  (const char   *caller,
                                              const char   *path,
                                              const char   *method,
                                              JsonArray    *args);

PLUG_AVAILABLE_IN_ALL
const char   *plug_call_get_caller           (PlugCall     *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_call_get_path             (PlugCall     *self);
/* The first segment of the path: the plugin the call is for. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_call_get_target           (PlugCall     *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_call_get_method           (PlugCall     *self);
/* (transfer none): never NULL (an empty array when there are none) */
PLUG_AVAILABLE_IN_ALL
JsonArray    *plug_call_get_args             (PlugCall     *self);
PLUG_AVAILABLE_IN_ALL
GCancellable *plug_call_get_cancellable      (PlugCall     *self);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_call_is_finished          (PlugCall     *self);

/* @result: (transfer none) (nullable): a JSON null when NULL */
PLUG_AVAILABLE_IN_ALL
void          plug_call_return_value         (PlugCall     *self,
                                              JsonNode     *result);
PLUG_AVAILABLE_IN_ALL
void          plug_call_return_error         (PlugCall     *self,
                                              const GError *error);
PLUG_AVAILABLE_IN_ALL
void          plug_call_return_error_literal (PlugCall     *self,
                                              gint          code,
                                              const char   *message);
PLUG_AVAILABLE_IN_ALL
void          plug_call_return_error_printf  (PlugCall     *self,
                                              gint          code,
                                              const char   *format,
                                              ...) G_GNUC_PRINTF (3, 4);

/* After the call has finished: the result (transfer none), or NULL and the
 * error is set. */
PLUG_AVAILABLE_IN_ALL
JsonNode     *plug_call_get_result           (PlugCall     *self,
                                              GError      **error);

/* Argument helpers for method implementations: each returns FALSE and
 * answers the call with a PLUG_ERROR_INVALID_ARGUMENT error naming the
 * method, the position and the expected and given types when the argument
 * is missing or of another type. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_call_get_arg_string       (PlugCall     *self,
                                              guint         index,
                                              const char  **out);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_call_get_arg_int          (PlugCall     *self,
                                              guint         index,
                                              gint64       *out);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_call_get_arg_double       (PlugCall     *self,
                                              guint         index,
                                              double       *out);

G_END_DECLS
