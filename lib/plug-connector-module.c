/* plug-connector-module.c: connector modules, found and loaded at run time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>

#include <gmodule.h>

#include "plug-connector.h"
#include "plug-connector-module.h"
#include "plug-connector-module-private.h"
#include "plug-error.h"
#include "plug-listener.h"

#define ABI_SYMBOL "plug_connector_abi_version"
#define REGISTER_SYMBOL "plug_connector_module_register"

/* All guarded by modules_lock: files tried (loaded or not, each once per
 * process), connector name → file, and every directory searched so far
 * (for the "No connector" error). Entries are never removed, so strings
 * handed out stay valid. */
static GMutex modules_lock;
static GHashTable *tried_files;
static GHashTable *connector_files;
static GPtrArray *searched_dirs;

GIOExtensionPoint *
plug_connector_module_ensure_extension_point (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      GIOExtensionPoint *point;

      point = g_io_extension_point_register (PLUG_CONNECTOR_EXTENSION_POINT_NAME);
      g_io_extension_point_set_required_type (point, PLUG_TYPE_CONNECTOR);
      g_once_init_leave (&registered, 1);
    }

  return g_io_extension_point_lookup (PLUG_CONNECTOR_EXTENSION_POINT_NAME);
}

static void
add_unique (GPtrArray  *dirs,
            const char *dir)
{
  if (dir == NULL || *dir == '\0')
    return;
  if (g_ptr_array_find_with_equal_func (dirs, dir, g_str_equal, NULL))
    return;
  g_ptr_array_add (dirs, g_strdup (dir));
}

GStrv
plug_connector_module_search_path (const char * const *extra_dirs)
{
  GPtrArray *dirs = g_ptr_array_new ();
  const char *env = g_getenv ("PLUGCTL_CONNECTOR_PATH");

  for (guint i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    add_unique (dirs, extra_dirs[i]);

  if (env != NULL)
    {
      g_auto(GStrv) env_dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; env_dirs[i] != NULL; i++)
        add_unique (dirs, env_dirs[i]);
    }

  add_unique (dirs, PLUGCTL_CONNECTORSDIR);
  g_ptr_array_add (dirs, NULL);

  return (GStrv) g_ptr_array_free (dirs, FALSE);
}

static GHashTable *
extension_names (GIOExtensionPoint *point)
{
  GHashTable *names = g_hash_table_new (g_str_hash, g_str_equal);

  for (GList *l = g_io_extension_point_get_extensions (point); l != NULL; l = l->next)
    g_hash_table_add (names, (gpointer) g_io_extension_get_name (l->data));

  return names;
}

static void
register_module (GIOExtensionPoint *point,
                 GModule           *module,
                 const char        *path,
                 void             (*register_func) (void))
{
  g_autoptr(GHashTable) before = extension_names (point);
  guint n_new = 0;

  g_module_make_resident (module);
  register_func ();

  for (GList *l = g_io_extension_point_get_extensions (point); l != NULL; l = l->next)
    {
      const char *name = g_io_extension_get_name (l->data);

      if (g_hash_table_contains (before, name))
        continue;
      g_hash_table_insert (connector_files, g_strdup (name), g_strdup (path));
      g_debug ("Connector %s loaded from %s", name, path);
      n_new++;
    }

  if (n_new == 0)
    g_warning ("%s: the module registered no connector", path);
}

/* Called with modules_lock held. */
static void
load_module (GIOExtensionPoint *point,
             const char        *path)
{
  GModule *module;
  gpointer abi_symbol = NULL;
  gpointer register_symbol = NULL;
  guint abi;

  /* Immediate binding: a module with unresolved symbols fails here, not
   * in the middle of a call. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_warning ("%s: cannot load connector module: %s", path, g_module_error ());
      return;
    }

  if (!g_module_symbol (module, ABI_SYMBOL, &abi_symbol) || abi_symbol == NULL)
    {
      g_warning ("%s: not a plugctl connector module: no symbol " ABI_SYMBOL, path);
      g_module_close (module);
      return;
    }

  abi = *(const guint *) abi_symbol;
  if (abi != PLUG_CONNECTOR_ABI_VERSION)
    {
      g_warning ("%s: connector ABI version %u, plugctl expects %u",
                 path, abi, (guint) PLUG_CONNECTOR_ABI_VERSION);
      g_module_close (module);
      return;
    }

  if (!g_module_symbol (module, REGISTER_SYMBOL, &register_symbol) || register_symbol == NULL)
    {
      g_warning ("%s: not a plugctl connector module: no symbol " REGISTER_SYMBOL, path);
      g_module_close (module);
      return;
    }

  register_module (point, module, path, (void (*) (void)) register_symbol);
}

/* Called with modules_lock held. Once per file, however the directory
 * was spelt (relative, through a link). */
static void
load_file_once (GIOExtensionPoint *point,
                const char        *path)
{
  char *real = realpath (path, NULL);
  char *key = real != NULL ? g_strdup (real) : g_strdup (path);

  free (real);
  if (g_hash_table_contains (tried_files, key))
    {
      g_free (key);
      return;
    }
  g_hash_table_add (tried_files, key);
  load_module (point, path);
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Called with modules_lock held. */
static void
load_dir (GIOExtensionPoint *point,
          const char        *dir_path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  add_unique (searched_dirs, dir_path);

  dir = g_dir_open (dir_path, 0, &error);
  if (dir == NULL)
    {
      g_debug ("Connector directory %s: %s", dir_path, error->message);
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".so"))
      g_ptr_array_add (files, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (files, compare_names);

  for (guint i = 0; i < files->len; i++)
    load_file_once (point, g_ptr_array_index (files, i));
}

static void
ensure_tables (void)
{
  if (tried_files != NULL)
    return;
  tried_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  connector_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  searched_dirs = g_ptr_array_new_with_free_func (g_free);
}

void
plug_connector_module_load_dirs (const char * const *dirs)
{
  GIOExtensionPoint *point = plug_connector_module_ensure_extension_point ();

  /* a module may implement listeners too */
  plug_listener_ensure_extension_point ();
  g_mutex_lock (&modules_lock);
  ensure_tables ();
  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    load_dir (point, dirs[i]);
  g_mutex_unlock (&modules_lock);
}

/**
 * plug_connector_module_load_named:
 * @dirs: (array zero-terminated=1): the directories, in search order
 * @connector: a connector's name
 *
 * Loads `@connector.so` from the first of @dirs that has it, and no other
 * module: each module brings its libraries (the WebSocket ones libsoup
 * and what it links), which take milliseconds to map and relocate.
 *
 * Returns: whether a connector named @connector is available now
 */
gboolean
plug_connector_module_load_named (const char * const *dirs,
                                  const char         *connector)
{
  GIOExtensionPoint *point = plug_connector_module_ensure_extension_point ();
  g_autofree char *file_name = NULL;

  g_return_val_if_fail (connector != NULL, FALSE);

  if (g_io_extension_point_get_extension_by_name (point, connector) != NULL)
    return TRUE;

  file_name = g_strconcat (connector, ".so", NULL);
  plug_listener_ensure_extension_point ();
  g_mutex_lock (&modules_lock);
  ensure_tables ();
  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], file_name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          load_file_once (point, path);
          break;
        }
    }
  g_mutex_unlock (&modules_lock);

  return g_io_extension_point_get_extension_by_name (point, connector) != NULL;
}

GStrv
plug_connector_module_list (void)
{
  GIOExtensionPoint *point = plug_connector_module_ensure_extension_point ();
  GPtrArray *names = g_ptr_array_new ();

  g_mutex_lock (&modules_lock);
  for (GList *l = g_io_extension_point_get_extensions (point); l != NULL; l = l->next)
    g_ptr_array_add (names, g_strdup (g_io_extension_get_name (l->data)));
  g_mutex_unlock (&modules_lock);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return (GStrv) g_ptr_array_free (names, FALSE);
}

const char *
plug_connector_module_get_path (const char *connector_name)
{
  const char *path = NULL;

  g_return_val_if_fail (connector_name != NULL, NULL);

  g_mutex_lock (&modules_lock);
  if (connector_files != NULL)
    path = g_hash_table_lookup (connector_files, connector_name);
  g_mutex_unlock (&modules_lock);

  return path;
}

static char *
searched_dirs_string (void)
{
  char *result;

  g_mutex_lock (&modules_lock);
  g_ptr_array_add (searched_dirs, NULL);
  result = g_strjoinv (G_SEARCHPATH_SEPARATOR_S, (char **) searched_dirs->pdata);
  g_ptr_array_remove_index (searched_dirs, searched_dirs->len - 1);
  g_mutex_unlock (&modules_lock);

  return result;
}

/* No caller chose directories: use the default search path, so that an
 * embedding application need not. @connector's own module first; every
 * module when that is not enough (a module may be named otherwise than
 * its connectors), or when @connector is NULL. */
static void
ensure_default_modules (const char *connector)
{
  g_auto(GStrv) dirs = NULL;
  gboolean any_dir_loaded;

  g_mutex_lock (&modules_lock);
  ensure_tables ();
  any_dir_loaded = searched_dirs->len > 0;
  g_mutex_unlock (&modules_lock);
  if (any_dir_loaded)
    return;

  dirs = plug_connector_module_search_path (NULL);
  if (connector == NULL ||
      !plug_connector_module_load_named ((const char * const *) dirs, connector))
    plug_connector_module_load_dirs ((const char * const *) dirs);
}

void
plug_connector_module_ensure_default_modules (void)
{
  ensure_default_modules (NULL);
}

char *
plug_connector_module_get_searched_dirs (void)
{
  return searched_dirs_string ();
}

PlugPlugin *
plug_connector_module_create_plugin (PlugProfile  *profile,
                                     GError      **error)
{
  GIOExtensionPoint *point;
  GIOExtension *extension;
  const char *connector;

  g_return_val_if_fail (PLUG_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  point = plug_connector_module_ensure_extension_point ();
  connector = plug_profile_get_connector (profile);
  if (connector == NULL)
    connector = PLUG_PROFILE_DEFAULT_CONNECTOR;

  extension = g_io_extension_point_get_extension_by_name (point, connector);
  if (extension == NULL)
    {
      ensure_default_modules (connector);
      extension = g_io_extension_point_get_extension_by_name (point, connector);
    }
  if (extension == NULL)
    {
      g_autofree char *dirs = searched_dirs_string ();

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "No connector \"%s\" for plugin %s (searched: %s)",
                   connector, plug_profile_get_name (profile), dirs);
      return NULL;
    }

  return g_object_new (g_io_extension_get_type (extension),
                       "profile", profile,
                       NULL);
}
