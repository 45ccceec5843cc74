/* plug-native-signature.c: the C signatures of a native plugin's functions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * signature := RET "(" [ "void" | ARG { "," ARG } ] ")"
 * A type is words and '*'s; whitespace between tokens is free.
 */
#include "config.h"

#include "plug-native-signature.h"

#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "plugctl.h"

/* bool is passed to libffi as a uint8. */
G_STATIC_ASSERT (sizeof (bool) == 1);

typedef struct
{
  const char     *name;
  PlugNativeKind  kind;
  guint           bits;
} TypeInfo;

static const TypeInfo type_infos[] = {
  [PLUG_NATIVE_TYPE_VOID] = { "void", PLUG_NATIVE_KIND_VOID, 0 },
  [PLUG_NATIVE_TYPE_INT8] = { "int8_t", PLUG_NATIVE_KIND_SIGNED, 8 },
  [PLUG_NATIVE_TYPE_INT16] = { "int16_t", PLUG_NATIVE_KIND_SIGNED, 16 },
  [PLUG_NATIVE_TYPE_INT32] = { "int32_t", PLUG_NATIVE_KIND_SIGNED, 32 },
  [PLUG_NATIVE_TYPE_INT64] = { "int64_t", PLUG_NATIVE_KIND_SIGNED, 64 },
  [PLUG_NATIVE_TYPE_UINT8] = { "uint8_t", PLUG_NATIVE_KIND_UNSIGNED, 8 },
  [PLUG_NATIVE_TYPE_UINT16] = { "uint16_t", PLUG_NATIVE_KIND_UNSIGNED, 16 },
  [PLUG_NATIVE_TYPE_UINT32] = { "uint32_t", PLUG_NATIVE_KIND_UNSIGNED, 32 },
  [PLUG_NATIVE_TYPE_UINT64] = { "uint64_t", PLUG_NATIVE_KIND_UNSIGNED, 64 },
  [PLUG_NATIVE_TYPE_INT] = { "int", PLUG_NATIVE_KIND_SIGNED, sizeof (int) * 8 },
  [PLUG_NATIVE_TYPE_UINT] = { "unsigned int", PLUG_NATIVE_KIND_UNSIGNED, sizeof (unsigned int) * 8 },
  [PLUG_NATIVE_TYPE_LONG] = { "long", PLUG_NATIVE_KIND_SIGNED, sizeof (long) * 8 },
  [PLUG_NATIVE_TYPE_ULONG] = { "unsigned long", PLUG_NATIVE_KIND_UNSIGNED, sizeof (unsigned long) * 8 },
  [PLUG_NATIVE_TYPE_SIZE] = { "size_t", PLUG_NATIVE_KIND_UNSIGNED, sizeof (size_t) * 8 },
  [PLUG_NATIVE_TYPE_SSIZE] = { "ssize_t", PLUG_NATIVE_KIND_SIGNED, sizeof (ssize_t) * 8 },
  [PLUG_NATIVE_TYPE_BOOL] = { "bool", PLUG_NATIVE_KIND_BOOL, 8 },
  [PLUG_NATIVE_TYPE_FLOAT] = { "float", PLUG_NATIVE_KIND_FLOAT, 32 },
  [PLUG_NATIVE_TYPE_DOUBLE] = { "double", PLUG_NATIVE_KIND_DOUBLE, 64 },
  [PLUG_NATIVE_TYPE_CONST_STRING] = { "const char*", PLUG_NATIVE_KIND_STRING, 0 },
  [PLUG_NATIVE_TYPE_STRING] = { "char*", PLUG_NATIVE_KIND_STRING, 0 },
};

const char *
plug_native_type_get_name (PlugNativeType type)
{
  g_return_val_if_fail (type < G_N_ELEMENTS (type_infos), NULL);
  return type_infos[type].name;
}

PlugNativeKind
plug_native_type_get_kind (PlugNativeType type)
{
  g_return_val_if_fail (type < G_N_ELEMENTS (type_infos), PLUG_NATIVE_KIND_VOID);
  return type_infos[type].kind;
}

guint
plug_native_type_get_bits (PlugNativeType type)
{
  g_return_val_if_fail (type < G_N_ELEMENTS (type_infos), 0);
  return type_infos[type].bits;
}

void
plug_native_signature_free (PlugNativeSignature *self)
{
  if (self == NULL)
    return;
  g_free (self->args);
  g_free (self);
}

char *
plug_native_signature_to_string (const PlugNativeSignature *self)
{
  GString *text = g_string_new (plug_native_type_get_name (self->result));

  g_string_append_c (text, '(');
  if (self->n_args == 0)
    g_string_append (text, "void");
  for (guint i = 0; i < self->n_args; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, plug_native_type_get_name (self->args[i]));
    }
  g_string_append_c (text, ')');

  return g_string_free (text, FALSE);
}

/* Parsing */

typedef struct
{
  const char *function;
  const char *text;
  const char *pos;
  GError    **error;
} Parser;

static guint
parser_column (Parser     *parser,
               const char *at)
{
  return (guint) g_utf8_strlen (parser->text, at - parser->text) + 1;
}

static gboolean parser_fail (Parser     *parser,
                             const char *at,
                             const char *format,
                             ...) G_GNUC_PRINTF (3, 4);

static gboolean
parser_fail (Parser     *parser,
             const char *at,
             const char *format,
             ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (parser->error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
               "function \"%s\": cannot parse signature \"%s\": %s at column %u",
               parser->function, parser->text, problem, parser_column (parser, at));
  return FALSE;
}

/* The character at @at, whole even when it takes several bytes. */
static char *
dup_char (const char *at)
{
  return g_strndup (at, g_utf8_skip[*(const guchar *) at]);
}

static void
skip_space (Parser *parser)
{
  while (g_ascii_isspace (*parser->pos))
    parser->pos++;
}

static gboolean
is_word_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* Reads words and '*'s into their canonical spelling ("const char*"). */
static char *
read_type_words (Parser      *parser,
                 const char **end)
{
  GString *canonical = g_string_new (NULL);

  *end = parser->pos;
  for (;;)
    {
      skip_space (parser);
      if (*parser->pos == '*')
        {
          g_string_append_c (canonical, '*');
          parser->pos++;
        }
      else if (is_word_start (*parser->pos))
        {
          const char *start = parser->pos;

          while (is_word_char (*parser->pos))
            parser->pos++;
          if (canonical->len > 0)
            g_string_append_c (canonical, ' ');
          g_string_append_len (canonical, start, parser->pos - start);
        }
      else
        break;
      *end = parser->pos;
    }

  return g_string_free (canonical, FALSE);
}

static gboolean
lookup_type (const char     *canonical,
             PlugNativeType *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_infos); i++)
    if (strcmp (type_infos[i].name, canonical) == 0)
      {
        *type = i;
        return TRUE;
      }
  return FALSE;
}

/* @what: "the result type" or "an argument type", for errors */
static gboolean
parse_type (Parser         *parser,
            const char     *what,
            PlugNativeType *type,
            const char    **start)
{
  g_autofree char *canonical = NULL;
  const char *end;

  skip_space (parser);
  *start = parser->pos;
  canonical = read_type_words (parser, &end);

  if (*canonical == '\0')
    {
      if (*parser->pos == '\0')
        return parser_fail (parser, parser->pos, "missing %s", what);
      g_autofree char *found = dup_char (parser->pos);

      return parser_fail (parser, parser->pos, "expected %s, found \"%s\"", what, found);
    }

  if (!lookup_type (canonical, type))
    {
      g_autofree char *spelled = g_strndup (*start, end - *start);

      return parser_fail (parser, *start, "unknown type \"%s\"", spelled);
    }

  return TRUE;
}

static gboolean
expect_char (Parser     *parser,
             char        expected,
             const char *description)
{
  g_autofree char *found = NULL;

  skip_space (parser);
  if (*parser->pos == expected)
    {
      parser->pos++;
      return TRUE;
    }
  if (*parser->pos == '\0')
    return parser_fail (parser, parser->pos, "expected %s, found the end", description);
  found = dup_char (parser->pos);
  return parser_fail (parser, parser->pos, "expected %s, found \"%s\"",
                      description, found);
}

static gboolean
parse_arguments (Parser *parser,
                 GArray *args)
{
  skip_space (parser);
  if (*parser->pos == ')')
    {
      parser->pos++;
      return TRUE;
    }

  for (;;)
    {
      PlugNativeType type;
      const char *start;

      if (!parse_type (parser, "an argument type", &type, &start))
        return FALSE;

      if (type == PLUG_NATIVE_TYPE_VOID && args->len > 0)
        return parser_fail (parser, start, "\"void\" must be the only argument");
      if (type == PLUG_NATIVE_TYPE_STRING)
        return parser_fail (parser, start,
                            "\"char*\" is a result type only; "
                            "declare a string argument \"const char*\"");
      g_array_append_val (args, type);

      skip_space (parser);
      if (*parser->pos == ')')
        {
          parser->pos++;
          break;
        }
      if (type == PLUG_NATIVE_TYPE_VOID)
        return expect_char (parser, ')', "\")\" after \"void\"");
      if (!expect_char (parser, ',', "\",\" or \")\""))
        return FALSE;
    }

  /* (void) is no argument at all */
  if (args->len == 1 && g_array_index (args, PlugNativeType, 0) == PLUG_NATIVE_TYPE_VOID)
    g_array_set_size (args, 0);
  return TRUE;
}

/**
 * plug_native_signature_parse:
 * @function: the function's name, for errors
 * @text: e.g. `double(double, double)`
 *
 * Returns: (transfer full): the signature, or NULL with @error set
 */
PlugNativeSignature *
plug_native_signature_parse (const char  *function,
                             const char  *text,
                             GError     **error)
{
  Parser parser = { function, text, text, error };
  g_autoptr(GArray) args = g_array_new (FALSE, FALSE, sizeof (PlugNativeType));
  PlugNativeSignature *self;
  PlugNativeType result;
  const char *start;

  g_return_val_if_fail (function != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  if (!parse_type (&parser, "the result type", &result, &start) ||
      !expect_char (&parser, '(', "\"(\"") ||
      !parse_arguments (&parser, args))
    return NULL;

  skip_space (&parser);
  if (*parser.pos != '\0')
    {
      g_autofree char *found = dup_char (parser.pos);

      parser_fail (&parser, parser.pos, "unexpected \"%s\" after \")\"", found);
      return NULL;
    }

  self = g_new0 (PlugNativeSignature, 1);
  self->result = result;
  self->n_args = args->len;
  self->args = (PlugNativeType *) g_array_free (g_steal_pointer (&args), FALSE);

  return self;
}
