/* plug-native-library.c: a shared library and the functions a manifest declares in it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dlopen() rather than g_module_open(): GModule first tries a bare name
 * as a file in the current directory, and "libm.so.6" must mean the
 * loader's libm, never ./libm.so.6.
 */
#include "config.h"

#include "plug-native-library.h"

#include <dlfcn.h>
#include <string.h>

#include "plugctl.h"

struct _PlugNativeLibrary
{
  void       *handle;
  GHashTable *functions;  /* name → PlugNativeFunction */
};

static void
plug_native_library_clear (gpointer data)
{
  PlugNativeLibrary *self = data;

  g_clear_pointer (&self->functions, g_hash_table_unref);
  if (self->handle != NULL)
    dlclose (self->handle);
}

PlugNativeLibrary *
plug_native_library_ref (PlugNativeLibrary *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
plug_native_library_unref (PlugNativeLibrary *self)
{
  g_atomic_rc_box_release_full (self, plug_native_library_clear);
}

PlugNativeFunction *
plug_native_library_lookup (PlugNativeLibrary *self,
                            const char        *name)
{
  return g_hash_table_lookup (self->functions, name);
}

/* name → PlugNativeSignature, in the manifest's order */
static GPtrArray *
parse_signatures (JsonObject  *functions,
                  GPtrArray  **names,
                  GError     **error)
{
  g_autoptr(GPtrArray) signatures = g_ptr_array_new_with_free_func ((GDestroyNotify) plug_native_signature_free);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  *names = g_ptr_array_new ();
  json_object_iter_init_ordered (&iter, functions);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      PlugNativeSignature *signature;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                       "function \"%s\": the signature must be a string such as "
                       "\"double(double)\"", name);
          return NULL;
        }
      signature = plug_native_signature_parse (name, json_node_get_string (node), error);
      if (signature == NULL)
        return NULL;
      g_ptr_array_add (signatures, signature);
      g_ptr_array_add (*names, (gpointer) name);
    }

  return g_steal_pointer (&signatures);
}

static char *
resolve_path (const char *library,
              const char *base_dir)
{
  if (strchr (library, '/') == NULL)
    return g_strdup (library);
  return g_canonicalize_filename (library, base_dir);
}

static gboolean
resolve_functions (PlugNativeLibrary  *self,
                   const char         *library,
                   GPtrArray          *names,
                   GPtrArray          *signatures,
                   GError            **error)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      PlugNativeFunction *function;
      void *symbol;

      dlerror ();
      symbol = dlsym (self->handle, name);
      if (symbol == NULL)
        {
          g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                       "library \"%s\" has no function \"%s\"", library, name);
          return FALSE;
        }

      /* the function takes the signature */
      function = plug_native_function_new (name, g_steal_pointer (&signatures->pdata[i]),
                                           (void (*) (void)) symbol, error);
      if (function == NULL)
        return FALSE;
      g_hash_table_insert (self->functions, function->name, function);
    }
  return TRUE;
}

PlugNativeLibrary *
plug_native_library_open (const char  *plugin,
                          const char  *library,
                          const char  *base_dir,
                          JsonObject  *functions,
                          GError     **error)
{
  g_autoptr(PlugNativeLibrary) self = NULL;
  g_autoptr(GPtrArray) signatures = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *path = NULL;
  GError *local_error = NULL;

  signatures = parse_signatures (functions, &names, &local_error);
  if (signatures == NULL)
    {
      g_propagate_prefixed_error (error, local_error, "Plugin %s: ", plugin);
      return NULL;
    }

  self = g_atomic_rc_box_new0 (PlugNativeLibrary);
  self->functions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) plug_native_function_free);

  path = resolve_path (library, base_dir);
  self->handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (self->handle == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
                   "Plugin %s: cannot open library \"%s\": %s",
                   plugin, library, dlerror ());
      return NULL;
    }

  if (!resolve_functions (self, library, names, signatures, &local_error))
    {
      g_propagate_prefixed_error (error, local_error, "Plugin %s: ", plugin);
      return NULL;
    }

  return g_steal_pointer (&self);
}
