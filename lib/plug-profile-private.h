/* plug-profile-private.h: what plug-profile.c shares with the loader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-profile.h"

G_BEGIN_DECLS

/* The typed view of the known fields; the JSON text keeps everything. */
typedef struct
{
  char *name;
  char *description;
  char *version;
  char *url;
  char *connector;
  char *command;
  char *cwd;
  GStrv args;
  GStrv env;
  GStrv methods;
  GStrv events;
  guint call_timeout;
  guint start_timeout;
  guint concurrency;
  guint max_queue;
  char *plugctl_range;
  PlugRestartPolicy restart;
  guint restart_limit;
  guint restart_window;
  guint restart_backoff;
  PlugStartMode start;
  GStrv listens;        /* emitter, event, … */
  guint idle_timeout;   /* 0: none */
} ProfileFields;

/* Where a manifest came from, for error messages. */
typedef struct
{
  const char *origin;
  const char *text;
  gsize length;
} ProfileSource;

struct _PlugProfile
{
  GObject parent_instance;

  /* The manifest as compact JSON text: one block instead of a tree of
   * nodes, parsed again by the rare users of the whole object. */
  char *json_text;
  ProfileFields fields;
  char *path;
  char *base_dir;
};

/* In plug-profile.c */

PlugProfile  *plug_profile_new_from_object (JsonObject           *object,
                                           const char           *base_dir,
                                           const ProfileSource  *source,
                                           GError              **error);
gboolean      plug_profile_node_is_string  (JsonNode             *node);

/* In plug-profile-loader.c */

/* Whether @range (the `plugctl` field's syntax) is valid, and whether
 * @version satisfies it. */
gboolean      plug_profile_range_is_valid  (const char           *range);
gboolean      plug_profile_range_matches   (const char           *range,
                                           const char           *version);

/* Reads and checks the known fields of @object into @fields; an error
 * names the field and, when @source has the text, its line:column. */
gboolean      plug_profile_read_fields     (ProfileFields        *fields,
                                           JsonObject           *object,
                                           const ProfileSource  *source,
                                           GError              **error);

G_END_DECLS
