/* plug-native-function.h: one C function of a native plugin, called through libffi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ffi.h>
#include <json-glib/json-glib.h>

#include "plug-native-signature.h"

G_BEGIN_DECLS

/* Storage for one argument or the result. */
typedef union
{
  int8_t         i8;
  int16_t        i16;
  int32_t        i32;
  int64_t        i64;
  uint8_t        u8;
  uint16_t       u16;
  uint32_t       u32;
  uint64_t       u64;
  int            i;
  unsigned int   ui;
  long           l;
  unsigned long  ul;
  size_t         size;
  ssize_t        ssize;
  float          f;
  double         d;
  const char    *s;
  void          *p;
  ffi_arg        ret_u;  /* integer results narrower than ffi_arg come widened */
  ffi_sarg       ret_s;
} PlugNativeValue;

typedef struct
{
  char                *name;
  PlugNativeSignature *signature;
  void               (*symbol) (void);
  ffi_cif              cif;
  ffi_type           **arg_types;
} PlugNativeFunction;

/* Takes @signature. */
PlugNativeFunction *plug_native_function_new          (const char          *name,
                                                       PlugNativeSignature *signature,
                                                       void               (*symbol) (void),
                                                       GError             **error);
void                plug_native_function_free         (PlugNativeFunction  *self);

/**
 * plug_native_function_convert_args:
 * @values: (out caller-allocates): `signature->n_args` values
 *
 * Converts the JSON arguments of a call. Strings point into @args, which
 * must outlive the call. Errors (PLUG_ERROR_INVALID_ARGUMENT) name the
 * method, the position, the expected and the given type:
 * `Argument 1 of method "cos" must be a number (double), got a string`.
 */
gboolean            plug_native_function_convert_args (PlugNativeFunction  *self,
                                                       JsonArray           *args,
                                                       PlugNativeValue     *values,
                                                       GError             **error);
/* Calls the function (from any thread) and returns its result as JSON:
 * a copy of a returned string, which is then freed when it is a `char*`. */
JsonNode           *plug_native_function_invoke       (PlugNativeFunction  *self,
                                                       PlugNativeValue     *values);

G_END_DECLS
