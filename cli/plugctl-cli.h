/* plugctl-cli.h: what the plugctl subcommands share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <plugctl.h>

#include "plugctl-args.h"
#include "plugctl-dbus-generated.h"

G_BEGIN_DECLS

/* The exit status table of plugctl(1). */
typedef enum
{
  PLUGCTL_EXIT_OK = 0,
  PLUGCTL_EXIT_FAILED = 1,
  PLUGCTL_EXIT_USAGE = 2,
  PLUGCTL_EXIT_NOT_FOUND = 3,
  PLUGCTL_EXIT_START = 4,
} PlugctlExit;

/* How JSON is laid out: --json=pretty, --json=short, else by stdout. */
typedef enum
{
  PLUGCTL_JSON_AUTO,
  PLUGCTL_JSON_PRETTY,
  PLUGCTL_JSON_SHORT,
} PlugctlJsonFormat;

/* --timeout infinity: the longest timer GLib has (about 49 days). */
#define PLUGCTL_TIMEOUT_INFINITY G_MAXUINT

/* The options every subcommand accepts. */
typedef struct
{
  GPtrArray *plugin_dirs;     /* NULL-terminated */
  GPtrArray *connector_dirs;  /* NULL-terminated */
  guint      timeout_ms;      /* 0: the profiles' own */
  gboolean   json;            /* --json, with or without a format */
  PlugctlJsonFormat json_format;
  gboolean   no_manifests;    /* call --exec: its plugin only */
  char      *policy;
  gint       verbose;
  gboolean   help;
  gboolean   daemon;          /* --daemon: through the daemon */
} PlugctlOptions;

extern PlugctlOptions plugctl_options;

/* plugctl.c */
GOptionContext *plugctl_option_context_new   (const char          *parameter_string,
                                              const char          *summary,
                                              const GOptionEntry  *entries);
void            plugctl_option_context_add_description (GOptionContext *context,
                                                        const char     *text);
int             plugctl_parse_options        (GOptionContext      *context,
                                              int                 *argc,
                                              char              ***argv,
                                              gboolean             do_help);
gboolean        plugctl_check_words          (int                  argc,
                                              char               **argv,
                                              int                  max_words,
                                              ...) G_GNUC_NULL_TERMINATED;
int             plugctl_usage_error          (const char          *format,
                                              ...) G_GNUC_PRINTF (1, 2);
int             plugctl_print_error          (const GError        *error,
                                              int                  exit_code);
int             plugctl_exit_code_for_call   (const GError        *error);
int             plugctl_exit_code_for_start  (const GError        *error);
const char     *plugctl_error_code           (const GError        *error,
                                              int                  exit_code);
JsonNode       *plugctl_error_to_json        (const char          *text,
                                              const char          *code);
gboolean        plugctl_json_pretty          (void);
void            plugctl_print_json           (JsonNode            *node,
                                              gboolean             pretty);
char           *plugctl_json_to_string       (JsonNode            *node,
                                              gboolean             pretty);
void            plugctl_print_json_line      (JsonNode            *node);
char           *plugctl_join_strings         (JsonArray           *values);
const char     *plugctl_state_to_string      (PlugPluginState      state);

/* plugctl-engine.c: the embedded engine, with the plugin `cli` */
#define PLUGCTL_CLI_PLUGIN "cli"

typedef struct _PlugctlEngine PlugctlEngine;

void            plugctl_load_connectors      (void);
PlugctlEngine  *plugctl_engine_open          (int                 *exit_code);
PlugctlEngine  *plugctl_engine_open_lazy     (int                 *exit_code);
PlugPlugin     *plugctl_engine_register_profile (PlugctlEngine    *self,
                                                 PlugProfile      *profile,
                                                 GError          **error);
int             plugctl_engine_close         (PlugctlEngine       *self,
                                              int                  exit_code);
PlugEngine     *plugctl_engine_get_engine    (PlugctlEngine       *self);
GCancellable   *plugctl_engine_get_cancellable (PlugctlEngine     *self);
int             plugctl_engine_get_signal    (PlugctlEngine       *self);
int             plugctl_engine_signal_exit_code (PlugctlEngine    *self);
int             plugctl_engine_fail          (PlugctlEngine       *self,
                                              const GError        *error,
                                              int                  exit_code);
gboolean        plugctl_engine_lookup        (PlugctlEngine       *self,
                                              const char          *name,
                                              GError             **error);
GPtrArray      *plugctl_engine_list_profiles (PlugctlEngine       *self);
PlugProfile    *plugctl_engine_find_profile  (PlugctlEngine       *self,
                                              const char          *name);
const GError   *plugctl_engine_get_profile_error (PlugctlEngine   *self,
                                                  const char      *name);
PlugPluginState plugctl_engine_get_state     (PlugctlEngine       *self,
                                              const char          *name);
gboolean        plugctl_engine_activate      (PlugctlEngine       *self,
                                              const char          *name,
                                              GError             **error);
gboolean        plugctl_engine_may_activate  (PlugctlEngine       *self,
                                              const char          *name);
void            plugctl_engine_wait          (PlugctlEngine       *self,
                                              GAsyncResult       **result);
void            plugctl_store_result         (GObject             *source,
                                              GAsyncResult        *result,
                                              gpointer             user_data);

/* plugctl-cmd-list.c: what list, info and connectors print, as JSON */
JsonNode       *plugctl_list_to_json         (PlugctlEngine       *engine);
JsonNode       *plugctl_info_to_json         (PlugctlEngine       *engine,
                                              PlugProfile         *profile);
JsonNode       *plugctl_connectors_to_json   (void);

/* plugctl-cmd-exec.c: call's standard input (`-`) and --exec */
JsonArray      *plugctl_read_stdin_args      (GError             **error);
PlugProfile    *plugctl_exec_profile_new     (const char          *command_line,
                                              GError             **error);

/* plugctl-cmd-status.c: what status prints, as JSON; @name NULL for
 * every plugin of the manifests (an array), else one object */
JsonNode       *plugctl_status_to_json       (PlugctlEngine       *engine,
                                              const char          *name,
                                              GError             **error);

/* plugctl-remote.c: the daemon's names on the bus, and its client */
#define PLUGCTL_DBUS_NAME "org.plugctl.Engine1"
#define PLUGCTL_DBUS_PATH "/org/plugctl/Engine1"

/* A plugin that could not be started: the PlugError codes and texts, under
 * the D-Bus names org.plugctl.StartError.<Code>. */
#define PLUGCTL_START_ERROR (plugctl_start_error_quark ())
GQuark          plugctl_start_error_quark    (void);

typedef struct _PlugctlRemote PlugctlRemote;

gboolean        plugctl_use_daemon           (void);
PlugctlRemote  *plugctl_remote_open          (int                 *exit_code);
int             plugctl_remote_close         (PlugctlRemote       *self,
                                              int                  exit_code);
PlugctlEngine1 *plugctl_remote_get_proxy     (PlugctlRemote       *self);
GCancellable   *plugctl_remote_get_cancellable (PlugctlRemote     *self);
GCancellable   *plugctl_remote_get_call_cancellable (PlugctlRemote *self);
int             plugctl_remote_get_signal    (PlugctlRemote       *self);
void            plugctl_remote_wait          (PlugctlRemote       *self,
                                              GAsyncResult       **result);
gboolean        plugctl_remote_localize_error (GError             *error);
int             plugctl_remote_fail          (PlugctlRemote       *self,
                                              GError              *error,
                                              int                (*exit_code_for) (const GError *));
JsonNode       *plugctl_remote_parse         (const char          *text,
                                              GError             **error);

/* plugctl-run.c: the shape the subcommands share */
typedef enum
{
  PLUGCTL_RUN_LAZY = 0,
  PLUGCTL_RUN_ALL_PLUGINS = 1 << 0,
} PlugctlRunFlags;

typedef int  (*PlugctlLocalFunc)  (PlugctlEngine  *engine,
                                   gpointer        user_data);
typedef int  (*PlugctlRemoteFunc) (PlugctlRemote  *remote,
                                   gpointer        user_data);
typedef gboolean (*PlugctlTextFinish) (PlugctlEngine1 *proxy,
                                       char          **out_text,
                                       GAsyncResult   *result,
                                       GError        **error);
typedef void (*PlugctlPrintFunc)  (JsonNode       *node,
                                   gpointer        user_data);

int             plugctl_run                  (PlugctlRunFlags      flags,
                                              PlugctlLocalFunc     local,
                                              PlugctlRemoteFunc    remote,
                                              gpointer             user_data);
int             plugctl_remote_finish_json   (PlugctlRemote       *remote,
                                              GAsyncResult       **result,
                                              PlugctlTextFinish    finish,
                                              PlugctlPrintFunc     print,
                                              gpointer             user_data,
                                              int                (*exit_code_for) (const GError *));

/* the subcommands: (argc, argv) start with the subcommand's name */
int plugctl_cmd_list        (int argc, char **argv, gboolean do_help);
int plugctl_cmd_info        (int argc, char **argv, gboolean do_help);
int plugctl_cmd_connectors  (int argc, char **argv, gboolean do_help);
int plugctl_cmd_call        (int argc, char **argv, gboolean do_help);
int plugctl_cmd_activate    (int argc, char **argv, gboolean do_help);
int plugctl_cmd_deactivate  (int argc, char **argv, gboolean do_help);
int plugctl_cmd_emit        (int argc, char **argv, gboolean do_help);
int plugctl_cmd_listen      (int argc, char **argv, gboolean do_help);
int plugctl_cmd_batch       (int argc, char **argv, gboolean do_help);
int plugctl_cmd_daemon      (int argc, char **argv, gboolean do_help);
int plugctl_cmd_complete    (int argc, char **argv, gboolean do_help);
int plugctl_cmd_status      (int argc, char **argv, gboolean do_help);
int plugctl_cmd_validate    (int argc, char **argv, gboolean do_help);

G_END_DECLS
