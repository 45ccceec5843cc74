/* plug-profile.h: a plugin's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "plug-macros.h"

G_BEGIN_DECLS

#define PLUG_PROFILE_DEFAULT_CALL_TIMEOUT_MS   10000
#define PLUG_PROFILE_DEFAULT_START_TIMEOUT_MS  10000
#define PLUG_PROFILE_DEFAULT_CONCURRENCY       1
/* Calls queued and running for one plugin, beyond which a new call fails. */
#define PLUG_PROFILE_DEFAULT_MAX_QUEUE         10000
#define PLUG_PROFILE_DEFAULT_CONNECTOR         "child-process"
/* Restart budget (see PlugRestartPolicy): LSP's advice, 5 crashes in 180 s. */
#define PLUG_PROFILE_DEFAULT_RESTART_LIMIT      5
#define PLUG_PROFILE_DEFAULT_RESTART_WINDOW_MS  180000
#define PLUG_PROFILE_DEFAULT_RESTART_BACKOFF_MS 100
/* The backoff doubles with each crash in the window, up to this. */
#define PLUG_PROFILE_MAX_RESTART_BACKOFF_MS     10000

/**
 * PlugRestartPolicy:
 * @PLUG_RESTART_NEVER: a lost plugin stays inactive (the default)
 * @PLUG_RESTART_ON_FAILURE: a lost plugin is activated again after a
 *   backoff, until it has crashed `restartLimit` times within
 *   `restartWindow` ms; then it is %PLUG_PLUGIN_STATE_FAILED.
 */
typedef enum
{
  PLUG_RESTART_NEVER,
  PLUG_RESTART_ON_FAILURE,
} PlugRestartPolicy;

/**
 * PlugStartMode:
 * @PLUG_START_CALL: on first use only (the default): a call, an explicit
 *   activation, or, in `plugctl daemon`, a caller listening to its events
 * @PLUG_START_EVENT: on first use, or in `plugctl daemon` when one of the
 *   events its `listens` names is emitted
 * @PLUG_START_DAEMON: on first use, or as soon as `plugctl daemon` starts
 *
 * When a plugin is started (the profile's `start`). Until then nothing of
 * it runs. An embedded engine starts plugins on use only.
 */
typedef enum
{
  PLUG_START_CALL,
  PLUG_START_EVENT,
  PLUG_START_DAEMON,
} PlugStartMode;

#define PLUG_TYPE_PROFILE (plug_profile_get_type ())

PLUG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (PlugProfile, plug_profile, PLUG, PROFILE, GObject)

/**
 * PlugProfile:
 *
 * One plugin's manifest: a JSON object. Remix fields (`name`, `methods`,
 * `events`, `url`, `description`, `version`, `displayName`, …) plus
 * plugctl's own:
 *
 * - `connector` (string, default "child-process")
 * - `command` (string), `args` (array of strings), `env` (object of
 *   strings), `cwd` (string; default: the manifest's directory; a relative
 *   `cwd` or `command` containing '/' is resolved against it)
 * - `callTimeout`, `startTimeout` (milliseconds, integers > 0)
 * - `concurrency` (integer >= 1)
 * - `maxQueue` (integer >= 1, default %PLUG_PROFILE_DEFAULT_MAX_QUEUE):
 *   the calls queued and running at once; one more fails at once with
 *   `Plugin <name> has <maxQueue> calls queued: limit reached`
 * - `plugctl` (string): the plugctl versions the plugin works with, a
 *   comma-separated list of comparisons all of which must hold, e.g.
 *   `">=0.1, <2"`; checked before the plugin is started
 * - `restart` ("never" or "on-failure"), `restartLimit` (crashes),
 *   `restartWindow` and `restartBackoff` (milliseconds): see
 *   #PlugRestartPolicy
 * - `start` ("call", "event" or "daemon", default "call"): see
 *   #PlugStartMode; "event" needs `listens`
 * - `listens` (array of objects `{"emitter": string, "event": string}`):
 *   the events that start a plugin whose `start` is "event"
 * - `idleTimeout` (milliseconds, integer > 0; default: none): `plugctl
 *   daemon` deactivates the plugin once it has been idle that long (no
 *   call pending, no message in or out, no caller of the daemon
 *   listening to its events)
 *
 * Unknown fields are kept (plug_profile_to_json() returns them).
 */

PLUG_AVAILABLE_IN_ALL
PlugProfile  *plug_profile_new                 (const char   *name);
/* Errors name the file (when known), the line:column and the field:
 * `echo.json:3:14: field "methods" must be an array of strings`. */
PLUG_AVAILABLE_IN_ALL
PlugProfile  *plug_profile_new_from_file       (const char   *path,
                                                GError      **error);
PLUG_AVAILABLE_IN_ALL
PlugProfile  *plug_profile_new_from_data       (const char   *data,
                                                gssize        length,
                                                const char   *base_dir,
                                                GError      **error);
/* @base_dir (nullable) resolves relative paths; @origin (nullable) names
 * the source in errors. */
PLUG_AVAILABLE_IN_ALL
PlugProfile  *plug_profile_new_from_json       (JsonObject   *object,
                                                const char   *base_dir,
                                                const char   *origin,
                                                GError      **error);
/* A new object: every field, with methods as currently known. */
PLUG_AVAILABLE_IN_ALL
JsonObject   *plug_profile_to_json             (PlugProfile  *self);
/* Shallow-merges @update into the profile (the manager's updateProfile);
 * refuses to change `name` or `url` with the Remix texts. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_profile_update              (PlugProfile  *self,
                                                JsonObject   *update,
                                                GError      **error);

PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_name            (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_description     (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_version         (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_url             (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_connector       (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_command         (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char * const *plug_profile_get_args      (PlugProfile  *self);
/* Entries "KEY=VALUE", NULL-terminated; may be NULL. */
PLUG_AVAILABLE_IN_ALL
const char * const *plug_profile_get_env       (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_cwd             (PlugProfile  *self);
/* The file it came from, or NULL. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_path            (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char * const *plug_profile_get_methods   (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
const char * const *plug_profile_get_events    (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
gboolean      plug_profile_has_method          (PlugProfile  *self,
                                                const char   *method);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_call_timeout    (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_start_timeout   (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_concurrency     (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_max_queue       (PlugProfile  *self);

/* The `plugctl` version range, or NULL. */
PLUG_AVAILABLE_IN_ALL
const char   *plug_profile_get_plugctl_range   (PlugProfile  *self);
/* Whether plugctl @version satisfies the profile's `plugctl` range; the
 * error (PLUG_ERROR_INVALID_PROFILE) names both. */
PLUG_AVAILABLE_IN_ALL
gboolean      plug_profile_check_plugctl_version (PlugProfile *self,
                                                const char   *version,
                                                GError      **error);
PLUG_AVAILABLE_IN_ALL
PlugRestartPolicy plug_profile_get_restart     (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_restart_limit   (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_restart_window  (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_restart_backoff (PlugProfile  *self);
PLUG_AVAILABLE_IN_ALL
PlugStartMode plug_profile_get_start           (PlugProfile  *self);
/* The `listens` pairs flattened, NULL-terminated: emitter, event,
 * emitter, event, … (empty when there are none). */
PLUG_AVAILABLE_IN_ALL
const char * const *plug_profile_get_listens   (PlugProfile  *self);
/* Milliseconds; 0 when the profile has no `idleTimeout`. */
PLUG_AVAILABLE_IN_ALL
guint         plug_profile_get_idle_timeout    (PlugProfile  *self);

PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_methods         (PlugProfile  *self,
                                                const char * const *methods);
PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_events          (PlugProfile  *self,
                                                const char * const *events);
PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_description     (PlugProfile  *self,
                                                const char   *description);
PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_call_timeout    (PlugProfile  *self,
                                                guint         timeout_ms);
PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_start_timeout   (PlugProfile  *self,
                                                guint         timeout_ms);
PLUG_AVAILABLE_IN_ALL
void          plug_profile_set_concurrency     (PlugProfile  *self,
                                                guint         concurrency);

/**
 * plug_profile_search_path:
 * @extra_dirs: (nullable): directories given on the command line, first
 *
 * The directories searched for manifests, in order: @extra_dirs, then
 * `$PLUGCTL_PLUGIN_PATH` (colon-separated), then `plugctl/plugins` under
 * the user data dir and the system data dirs, then the installed manifest
 * directory (`pluginsdir` of plugctl-1.pc) unless already listed.
 * Duplicates removed.
 */
PLUG_AVAILABLE_IN_ALL
GStrv         plug_profile_search_path         (const char * const *extra_dirs);

/**
 * plug_profile_load_dirs:
 * @dirs: directories, earliest wins on a duplicate name
 * @errors: (out) (optional): one GError per manifest that failed
 *
 * Loads every `*.json` manifest in @dirs. A broken manifest is reported
 * in @errors (and not loaded); the others still load. A later manifest
 * of an already seen name is skipped with an error naming both files.
 *
 * Returns: (transfer full) (element-type PlugProfile): the profiles, sorted by name
 */
PLUG_AVAILABLE_IN_ALL
GPtrArray    *plug_profile_load_dirs           (const char * const *dirs,
                                                GPtrArray   **errors);

G_END_DECLS
