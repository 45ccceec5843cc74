/* plug-native-library.h: a shared library and the functions a manifest declares in it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "plug-native-function.h"

G_BEGIN_DECLS

typedef struct _PlugNativeLibrary PlugNativeLibrary;

/**
 * plug_native_library_open:
 * @plugin: the plugin's name, for errors
 * @library: a bare soname (found by the dynamic loader's search) or a
 *   path; a relative path with a '/' is taken from @base_dir
 * @base_dir: (nullable): the manifest's directory
 * @functions: function name → signature text
 *
 * Parses every signature, opens the library and resolves every function,
 * or fails on the first problem, naming it; nothing is called.
 *
 * Returns: (transfer full): the library, or NULL with @error set
 */
PlugNativeLibrary  *plug_native_library_open   (const char         *plugin,
                                                const char         *library,
                                                const char         *base_dir,
                                                JsonObject         *functions,
                                                GError            **error);
PlugNativeLibrary  *plug_native_library_ref    (PlugNativeLibrary  *self);
/* The last reference closes the library. */
void                plug_native_library_unref  (PlugNativeLibrary  *self);
/* (transfer none) (nullable) */
PlugNativeFunction *plug_native_library_lookup (PlugNativeLibrary  *self,
                                                const char         *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugNativeLibrary, plug_native_library_unref)

G_END_DECLS
