/* plug-profile-search.c: finding manifest directories and loading every
 * manifest they hold
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plug-error.h"
#include "plug-profile-private.h"

static void
add_search_dir (GPtrArray  *dirs,
                const char *dir)
{
  g_autofree char *canonical = NULL;

  if (dir == NULL || *dir == '\0')
    return;

  canonical = g_canonicalize_filename (dir, NULL);
  for (guint i = 0; i < dirs->len; i++)
    {
      if (strcmp (g_ptr_array_index (dirs, i), canonical) == 0)
        return;
    }
  g_ptr_array_add (dirs, g_steal_pointer (&canonical));
}

GStrv
plug_profile_search_path (const char * const *extra_dirs)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  const char *env_path = g_getenv ("PLUGCTL_PLUGIN_PATH");
  const char * const *system_dirs = g_get_system_data_dirs ();
  g_autofree char *user_dir = NULL;

  for (guint i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    add_search_dir (dirs, extra_dirs[i]);

  if (env_path != NULL)
    {
      g_auto(GStrv) env_dirs = g_strsplit (env_path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; env_dirs[i] != NULL; i++)
        add_search_dir (dirs, env_dirs[i]);
    }

  user_dir = g_build_filename (g_get_user_data_dir (), "plugctl", "plugins", NULL);
  add_search_dir (dirs, user_dir);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (system_dirs[i], "plugctl", "plugins", NULL);

      add_search_dir (dirs, dir);
    }
  /* The installed manifests, also when the prefix is not in XDG_DATA_DIRS */
  add_search_dir (dirs, PLUGCTL_PLUGINSDIR);

  g_ptr_array_add (dirs, NULL);
  return (GStrv) g_ptr_array_free (dirs, FALSE);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_profiles (gconstpointer a,
                  gconstpointer b)
{
  PlugProfile *profile_a = *(PlugProfile * const *) a;
  PlugProfile *profile_b = *(PlugProfile * const *) b;

  return strcmp (profile_a->fields.name, profile_b->fields.name);
}

/* The manifests of @dir_path, sorted by file name; NULL when there is no
 * such directory. */
static GPtrArray *
list_manifests (const char  *dir_path,
                GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  GPtrArray *files;
  const char *file_name;

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL)
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
          !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  files = g_ptr_array_new_with_free_func (g_free);
  while ((file_name = g_dir_read_name (dir)) != NULL)
    {
      /* Hidden files are editors' and tools' leftovers. */
      if (file_name[0] != '.' && g_str_has_suffix (file_name, ".json"))
        g_ptr_array_add (files, g_build_filename (dir_path, file_name, NULL));
    }
  g_ptr_array_sort (files, compare_strings);

  return files;
}

static void
load_manifest (const char  *file,
               GPtrArray   *profiles,
               GHashTable  *files_by_name,
               GPtrArray   *errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugProfile) profile = NULL;
  const char *first_file;

  profile = plug_profile_new_from_file (file, &error);
  if (profile == NULL)
    {
      g_ptr_array_add (errors, g_steal_pointer (&error));
      return;
    }

  first_file = g_hash_table_lookup (files_by_name, profile->fields.name);
  if (first_file != NULL)
    {
      g_ptr_array_add (errors,
                       g_error_new (PLUG_ERROR, PLUG_ERROR_ALREADY_REGISTERED,
                                    "%s: plugin \"%s\" is already defined in %s",
                                    file, profile->fields.name, first_file));
      return;
    }

  g_hash_table_insert (files_by_name, g_strdup (profile->fields.name), g_strdup (file));
  g_ptr_array_add (profiles, g_steal_pointer (&profile));
}

GPtrArray *
plug_profile_load_dirs (const char * const  *dirs,
                        GPtrArray          **errors)
{
  g_autoptr(GHashTable) files_by_name = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                               g_free, g_free);
  g_autoptr(GPtrArray) all_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GPtrArray *profiles = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) files = list_manifests (dirs[i], &error);

      if (error != NULL)
        g_ptr_array_add (all_errors, g_steal_pointer (&error));
      for (guint j = 0; files != NULL && j < files->len; j++)
        load_manifest (g_ptr_array_index (files, j), profiles, files_by_name, all_errors);
    }

  g_ptr_array_sort (profiles, compare_profiles);
  if (errors != NULL)
    *errors = g_steal_pointer (&all_errors);

  return profiles;
}
