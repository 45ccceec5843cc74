/* plug-native-function.c: one C function of a native plugin, called through libffi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-native-function.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "plugctl.h"

static ffi_type *
ffi_type_for (PlugNativeType type)
{
  switch (type)
    {
    case PLUG_NATIVE_TYPE_VOID: return &ffi_type_void;
    case PLUG_NATIVE_TYPE_INT8: return &ffi_type_sint8;
    case PLUG_NATIVE_TYPE_INT16: return &ffi_type_sint16;
    case PLUG_NATIVE_TYPE_INT32: return &ffi_type_sint32;
    case PLUG_NATIVE_TYPE_INT64: return &ffi_type_sint64;
    case PLUG_NATIVE_TYPE_UINT8: return &ffi_type_uint8;
    case PLUG_NATIVE_TYPE_UINT16: return &ffi_type_uint16;
    case PLUG_NATIVE_TYPE_UINT32: return &ffi_type_uint32;
    case PLUG_NATIVE_TYPE_UINT64: return &ffi_type_uint64;
    case PLUG_NATIVE_TYPE_INT: return &ffi_type_sint;
    case PLUG_NATIVE_TYPE_UINT: return &ffi_type_uint;
    case PLUG_NATIVE_TYPE_LONG: return &ffi_type_slong;
    case PLUG_NATIVE_TYPE_ULONG: return &ffi_type_ulong;
    case PLUG_NATIVE_TYPE_SIZE:
      return sizeof (size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32;
    case PLUG_NATIVE_TYPE_SSIZE:
      return sizeof (ssize_t) == 8 ? &ffi_type_sint64 : &ffi_type_sint32;
    case PLUG_NATIVE_TYPE_BOOL: return &ffi_type_uint8;
    case PLUG_NATIVE_TYPE_FLOAT: return &ffi_type_float;
    case PLUG_NATIVE_TYPE_DOUBLE: return &ffi_type_double;
    case PLUG_NATIVE_TYPE_CONST_STRING:
    case PLUG_NATIVE_TYPE_STRING: return &ffi_type_pointer;
    default: g_return_val_if_reached (&ffi_type_void);
    }
}

PlugNativeFunction *
plug_native_function_new (const char           *name,
                          PlugNativeSignature  *signature,
                          void                (*symbol) (void),
                          GError              **error)
{
  PlugNativeFunction *self = g_new0 (PlugNativeFunction, 1);
  ffi_status status;

  self->name = g_strdup (name);
  self->signature = signature;
  self->symbol = symbol;
  self->arg_types = g_new0 (ffi_type *, MAX (signature->n_args, 1));
  for (guint i = 0; i < signature->n_args; i++)
    self->arg_types[i] = ffi_type_for (signature->args[i]);

  status = ffi_prep_cif (&self->cif, FFI_DEFAULT_ABI, signature->n_args,
                         ffi_type_for (signature->result), self->arg_types);
  if (status != FFI_OK)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "function \"%s\": libffi cannot prepare a call of this "
                   "signature (status %d)", name, (int) status);
      plug_native_function_free (self);
      return NULL;
    }

  return self;
}

void
plug_native_function_free (PlugNativeFunction *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  plug_native_signature_free (self->signature);
  g_free (self->arg_types);
  g_free (self);
}

/* Ranges */

static gint64
signed_min (guint bits)
{
  return bits >= 64 ? G_MININT64 : -((gint64) 1 << (bits - 1));
}

static gint64
signed_max (guint bits)
{
  return bits >= 64 ? G_MAXINT64 : ((gint64) 1 << (bits - 1)) - 1;
}

static guint64
unsigned_max (guint bits)
{
  return bits >= 64 ? G_MAXUINT64 : ((guint64) 1 << bits) - 1;
}

/* Error texts */

static const char *
describe_json_kind (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return "a boolean";
    case G_TYPE_STRING: return "a string";
    default: return "a number";
    }
}

/* The shortest of %.15g and %.17g that reads back as @value. */
static char *
format_double (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, sizeof buffer, "%.17g", value);
  return g_strdup (buffer);
}

static char *
format_number (JsonNode *node)
{
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return format_double (json_node_get_double (node));
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
}

/* "an int", "a uint8_t", "an unsigned long" */
static const char *
article_for (const char *type_name)
{
  return type_name[0] == 'i' || g_str_has_prefix (type_name, "unsigned") ? "an" : "a";
}

static char *
describe_range (PlugNativeType type)
{
  const char *name = plug_native_type_get_name (type);
  guint bits = plug_native_type_get_bits (type);

  switch (plug_native_type_get_kind (type))
    {
    case PLUG_NATIVE_KIND_SIGNED:
      return g_strdup_printf ("%s %s in [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                              article_for (name), name,
                              signed_min (bits), signed_max (bits));
    case PLUG_NATIVE_KIND_UNSIGNED:
      return g_strdup_printf ("%s %s in [0, %" G_GUINT64_FORMAT "]",
                              article_for (name), name, unsigned_max (bits));
    case PLUG_NATIVE_KIND_FLOAT:
      {
        g_autofree char *max = format_double (FLT_MAX);

        return g_strdup_printf ("a float in [-%s, %s]", max, max);
      }
    default:
      g_return_val_if_reached (g_strdup (name));
    }
}

static gboolean
fail_kind (GError        **error,
           const char     *method,
           guint           position,
           const char     *expected,
           PlugNativeType  type,
           JsonNode       *node)
{
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
               "Argument %u of method \"%s\" must be %s (%s), got %s",
               position, method, expected, plug_native_type_get_name (type),
               describe_json_kind (node));
  return FALSE;
}

static gboolean
fail_range (GError        **error,
            const char     *method,
            guint           position,
            PlugNativeType  type,
            JsonNode       *node)
{
  g_autofree char *range = describe_range (type);
  g_autofree char *given = format_number (node);

  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
               "Argument %u of method \"%s\" must be %s, got %s",
               position, method, range, given);
  return FALSE;
}

/* Conversions from JSON */

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
is_whole (double value)
{
  return isfinite (value) && value == trunc (value);
}

/* Reads a JSON number as the signed integer type of @bits. A whole
 * double counts: JSON has one number type. */
static gboolean
read_signed (JsonNode *node,
             guint     bits,
             gint64   *out)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = json_node_get_int (node);
  else
    {
      double value = json_node_get_double (node);

      /* -signed_min is 2^(bits-1), exact as a double */
      if (!is_whole (value) || value < (double) signed_min (bits) ||
          value >= -(double) signed_min (bits))
        return FALSE;
      *out = (gint64) value;
    }
  return *out >= signed_min (bits) && *out <= signed_max (bits);
}

static gboolean
read_unsigned (JsonNode *node,
               guint     bits,
               guint64  *out)
{
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value < 0)
        return FALSE;
      *out = (guint64) value;
    }
  else
    {
      double value = json_node_get_double (node);

      if (!is_whole (value) || value < 0 || value >= ldexp (1.0, bits))
        return FALSE;
      *out = (guint64) value;
    }
  return *out <= unsigned_max (bits);
}

static void
store_integer (PlugNativeValue *value,
               PlugNativeType   type,
               guint64          bits)
{
  switch (type)
    {
    case PLUG_NATIVE_TYPE_INT8: value->i8 = (int8_t) bits; break;
    case PLUG_NATIVE_TYPE_INT16: value->i16 = (int16_t) bits; break;
    case PLUG_NATIVE_TYPE_INT32: value->i32 = (int32_t) bits; break;
    case PLUG_NATIVE_TYPE_INT64: value->i64 = (int64_t) bits; break;
    case PLUG_NATIVE_TYPE_UINT8: value->u8 = (uint8_t) bits; break;
    case PLUG_NATIVE_TYPE_UINT16: value->u16 = (uint16_t) bits; break;
    case PLUG_NATIVE_TYPE_UINT32: value->u32 = (uint32_t) bits; break;
    case PLUG_NATIVE_TYPE_UINT64: value->u64 = (uint64_t) bits; break;
    case PLUG_NATIVE_TYPE_INT: value->i = (int) bits; break;
    case PLUG_NATIVE_TYPE_UINT: value->ui = (unsigned int) bits; break;
    case PLUG_NATIVE_TYPE_LONG: value->l = (long) bits; break;
    case PLUG_NATIVE_TYPE_ULONG: value->ul = (unsigned long) bits; break;
    case PLUG_NATIVE_TYPE_SIZE: value->size = (size_t) bits; break;
    case PLUG_NATIVE_TYPE_SSIZE: value->ssize = (ssize_t) bits; break;
    default: g_return_if_reached ();
    }
}

static gboolean
convert_arg (PlugNativeFunction  *self,
             guint                index,
             JsonNode            *node,
             PlugNativeValue     *value,
             GError             **error)
{
  PlugNativeType type = self->signature->args[index];
  guint bits = plug_native_type_get_bits (type);
  guint position = index + 1;

  switch (plug_native_type_get_kind (type))
    {
    case PLUG_NATIVE_KIND_SIGNED:
      {
        gint64 integer = 0;

        if (!is_number (node))
          return fail_kind (error, self->name, position, "a number", type, node);
        if (!read_signed (node, bits, &integer))
          return fail_range (error, self->name, position, type, node);
        store_integer (value, type, (guint64) integer);
        return TRUE;
      }

    case PLUG_NATIVE_KIND_UNSIGNED:
      {
        guint64 integer = 0;

        if (!is_number (node))
          return fail_kind (error, self->name, position, "a number", type, node);
        if (!read_unsigned (node, bits, &integer))
          return fail_range (error, self->name, position, type, node);
        store_integer (value, type, integer);
        return TRUE;
      }

    case PLUG_NATIVE_KIND_FLOAT:
    case PLUG_NATIVE_KIND_DOUBLE:
      {
        double number;

        if (!is_number (node))
          return fail_kind (error, self->name, position, "a number", type, node);
        number = json_node_get_double (node);  /* converts an int64 too */
        if (type == PLUG_NATIVE_TYPE_DOUBLE)
          {
            value->d = number;
            return TRUE;
          }
        if (isfinite (number) && fabs (number) > FLT_MAX)
          return fail_range (error, self->name, position, type, node);
        value->f = (float) number;
        return TRUE;
      }

    case PLUG_NATIVE_KIND_BOOL:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return fail_kind (error, self->name, position, "a boolean", type, node);
      value->u8 = json_node_get_boolean (node) ? 1 : 0;
      return TRUE;

    case PLUG_NATIVE_KIND_STRING:
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return fail_kind (error, self->name, position, "a string", type, node);
      value->s = json_node_get_string (node);
      return TRUE;

    case PLUG_NATIVE_KIND_VOID:
    default:
      g_return_val_if_reached (FALSE);
    }
}

gboolean
plug_native_function_convert_args (PlugNativeFunction  *self,
                                   JsonArray           *args,
                                   PlugNativeValue     *values,
                                   GError             **error)
{
  guint n_given = args != NULL ? json_array_get_length (args) : 0;
  guint n_wanted = self->signature->n_args;

  if (n_given != n_wanted)
    {
      if (n_wanted == 0)
        g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                     "Method \"%s\" takes no arguments, got %u", self->name, n_given);
      else
        g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                     "Method \"%s\" takes %u argument%s, got %u", self->name,
                     n_wanted, n_wanted == 1 ? "" : "s", n_given);
      return FALSE;
    }

  for (guint i = 0; i < n_wanted; i++)
    if (!convert_arg (self, i, json_array_get_element (args, i), &values[i], error))
      return FALSE;

  return TRUE;
}

/* Results */

static JsonNode *
signed_result (PlugNativeType         type,
               const PlugNativeValue *result)
{
  guint bits = plug_native_type_get_bits (type);
  gint64 value;

  /* narrow results come sign-extended to an ffi_sarg */
  if (bits < sizeof (ffi_sarg) * 8)
    value = (gint64) result->ret_s;
  else
    value = result->i64;

  switch (bits)
    {
    case 8: value = (int8_t) value; break;
    case 16: value = (int16_t) value; break;
    case 32: value = (int32_t) value; break;
    default: break;
    }

  return json_node_init_int (json_node_alloc (), value);
}

/* Above G_MAXINT64 (json-glib's integers are int64): a JSON double, what
 * a JavaScript reader would make of the number anyway. */
static JsonNode *
unsigned_result (PlugNativeType         type,
                 const PlugNativeValue *result)
{
  guint bits = plug_native_type_get_bits (type);
  guint64 value;

  if (bits < sizeof (ffi_arg) * 8)
    value = (guint64) result->ret_u;
  else
    value = result->u64;
  value &= unsigned_max (bits);

  if (value > G_MAXINT64)
    return json_node_init_double (json_node_alloc (), (double) value);
  return json_node_init_int (json_node_alloc (), (gint64) value);
}

/* JSON has no NaN or infinity: they become null, as in JSON.stringify(). */
static JsonNode *
double_result (double value)
{
  if (!isfinite (value))
    return json_node_init_null (json_node_alloc ());
  return json_node_init_double (json_node_alloc (), value);
}

/* A copy of @text (NULL: JSON null); invalid UTF-8 becomes U+FFFD. */
static JsonNode *
string_result (const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return json_node_init_null (json_node_alloc ());
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  return json_node_init_string (json_node_alloc (), text);
}

JsonNode *
plug_native_function_invoke (PlugNativeFunction *self,
                             PlugNativeValue    *values)
{
  PlugNativeType type = self->signature->result;
  guint n_args = self->signature->n_args;
  void **pointers = g_newa (void *, MAX (n_args, 1));
  PlugNativeValue result = { 0 };
  JsonNode *node;

  for (guint i = 0; i < n_args; i++)
    pointers[i] = &values[i];

  ffi_call (&self->cif, self->symbol, &result, pointers);

  switch (plug_native_type_get_kind (type))
    {
    case PLUG_NATIVE_KIND_VOID:
      return json_node_init_null (json_node_alloc ());
    case PLUG_NATIVE_KIND_SIGNED:
      return signed_result (type, &result);
    case PLUG_NATIVE_KIND_UNSIGNED:
      return unsigned_result (type, &result);
    case PLUG_NATIVE_KIND_BOOL:
      return json_node_init_boolean (json_node_alloc (), (result.ret_u & 0xff) != 0);
    case PLUG_NATIVE_KIND_FLOAT:
      return double_result (result.f);
    case PLUG_NATIVE_KIND_DOUBLE:
      return double_result (result.d);
    case PLUG_NATIVE_KIND_STRING:
      node = string_result (result.s);
      /* a char* result is the caller's to free: the function malloc()ed it */
      if (type == PLUG_NATIVE_TYPE_STRING)
        free (result.p);
      return node;
    default:
      g_return_val_if_reached (json_node_init_null (json_node_alloc ()));
    }
}
