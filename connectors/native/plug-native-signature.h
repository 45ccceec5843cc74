/* plug-native-signature.h: the C signatures of a native plugin's functions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PlugNativeType:
 *
 * The C types a native function may take and return. `char*` is a result
 * only (the caller frees it), `void` a result or the only "argument".
 */
typedef enum
{
  PLUG_NATIVE_TYPE_VOID,
  PLUG_NATIVE_TYPE_INT8,
  PLUG_NATIVE_TYPE_INT16,
  PLUG_NATIVE_TYPE_INT32,
  PLUG_NATIVE_TYPE_INT64,
  PLUG_NATIVE_TYPE_UINT8,
  PLUG_NATIVE_TYPE_UINT16,
  PLUG_NATIVE_TYPE_UINT32,
  PLUG_NATIVE_TYPE_UINT64,
  PLUG_NATIVE_TYPE_INT,
  PLUG_NATIVE_TYPE_UINT,
  PLUG_NATIVE_TYPE_LONG,
  PLUG_NATIVE_TYPE_ULONG,
  PLUG_NATIVE_TYPE_SIZE,
  PLUG_NATIVE_TYPE_SSIZE,
  PLUG_NATIVE_TYPE_BOOL,
  PLUG_NATIVE_TYPE_FLOAT,
  PLUG_NATIVE_TYPE_DOUBLE,
  PLUG_NATIVE_TYPE_CONST_STRING,
  PLUG_NATIVE_TYPE_STRING,
} PlugNativeType;

typedef enum
{
  PLUG_NATIVE_KIND_VOID,
  PLUG_NATIVE_KIND_SIGNED,
  PLUG_NATIVE_KIND_UNSIGNED,
  PLUG_NATIVE_KIND_BOOL,
  PLUG_NATIVE_KIND_FLOAT,
  PLUG_NATIVE_KIND_DOUBLE,
  PLUG_NATIVE_KIND_STRING,
} PlugNativeKind;

typedef struct
{
  PlugNativeType  result;
  guint           n_args;
  PlugNativeType *args;
} PlugNativeSignature;

/* Errors (PLUG_ERROR_INVALID_PROFILE) name the function, the signature,
 * the problem and its column (from 1):
 * `function "cos": cannot parse signature "double(dooble)": unknown type "dooble" at column 8` */
PlugNativeSignature *plug_native_signature_parse     (const char          *function,
                                                      const char          *text,
                                                      GError             **error);
void                 plug_native_signature_free      (PlugNativeSignature *self);
/* The canonical spelling, e.g. `double(double, double)`, `void(void)`. */
char                *plug_native_signature_to_string (const PlugNativeSignature *self);

const char          *plug_native_type_get_name       (PlugNativeType       type);
PlugNativeKind       plug_native_type_get_kind       (PlugNativeType       type);
/* Width in bits of an integer type (bool: 8). */
guint                plug_native_type_get_bits       (PlugNativeType       type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugNativeSignature, plug_native_signature_free)

G_END_DECLS
