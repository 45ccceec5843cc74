/* plug-dbus-json.c: JSON arguments and results of D-Bus methods
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * JSON → GVariant goes by the signature, type by type, so that a wrong
 * argument is reported where it is ("argument 2, key \"x\" must be an
 * integer, got a string"); only a `v` lets json-glib guess the type.
 * GVariant → JSON is json-glib's json_gvariant_serialize().
 */
#include "config.h"

#include "plug-dbus-json.h"

static const char *
describe_json (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return "a number";
    default:
      return "a value of unknown type";
    }
}

static gboolean
holds (JsonNode *node,
       GType     value_type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == value_type;
}

static gboolean
fail (GError     **error,
      GString     *where,
      const char  *expected,
      JsonNode    *given)
{
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
               "%s must be %s, got %s", where->str, expected, describe_json (given));
  return FALSE;
}

/* 2.0 is an integer too: some JSON writers know only doubles. */
static gboolean
get_integer (JsonNode *node,
             gint64   *out)
{
  if (holds (node, G_TYPE_INT64))
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (holds (node, G_TYPE_DOUBLE))
    {
      double value = json_node_get_double (node);

      if (value >= (double) G_MININT64 && value < (double) G_MAXINT64 &&
          value == (double) (gint64) value)
        {
          *out = (gint64) value;
          return TRUE;
        }
    }
  return FALSE;
}

static GVariant *
integer_from_json (JsonNode            *node,
                   const GVariantType  *type,
                   GString             *where,
                   GError             **error)
{
  const char *type_string = g_variant_type_peek_string (type);
  gint64 min = G_MININT64;
  gint64 max = G_MAXINT64;
  gint64 value;

  switch (type_string[0])
    {
    case 'y': min = 0; max = G_MAXUINT8; break;
    case 'n': min = G_MININT16; max = G_MAXINT16; break;
    case 'q': min = 0; max = G_MAXUINT16; break;
    case 'i': case 'h': min = G_MININT32; max = G_MAXINT32; break;
    case 'u': min = 0; max = G_MAXUINT32; break;
    case 't': min = 0; break;
    default: break;
    }

  if (!get_integer (node, &value))
    {
      fail (error, where, "an integer", node);
      return NULL;
    }
  if (value < min || value > max)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "%s must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                   ", got %" G_GINT64_FORMAT,
                   where->str, min, max, value);
      return NULL;
    }

  switch (type_string[0])
    {
    case 'y': return g_variant_new_byte ((guint8) value);
    case 'n': return g_variant_new_int16 ((gint16) value);
    case 'q': return g_variant_new_uint16 ((guint16) value);
    case 'i': return g_variant_new_int32 ((gint32) value);
    case 'h': return g_variant_new_handle ((gint32) value);
    case 'u': return g_variant_new_uint32 ((guint32) value);
    case 't': return g_variant_new_uint64 ((guint64) value);
    default: return g_variant_new_int64 (value);
    }
}

static GVariant *
string_from_json (JsonNode            *node,
                  const GVariantType  *type,
                  GString             *where,
                  GError             **error)
{
  const char *text;

  if (!holds (node, G_TYPE_STRING))
    {
      fail (error, where, g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH) ? "an object path"
                          : g_variant_type_equal (type, G_VARIANT_TYPE_SIGNATURE) ? "a signature"
                          : "a string", node);
      return NULL;
    }

  text = json_node_get_string (node);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    {
      if (!g_utf8_validate (text, -1, NULL))
        {
          fail (error, where, "valid UTF-8", node);
          return NULL;
        }
      return g_variant_new_string (text);
    }

  if (g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH))
    {
      if (g_variant_is_object_path (text))
        return g_variant_new_object_path (text);
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "%s must be an object path, got \"%s\"", where->str, text);
      return NULL;
    }

  if (g_variant_is_signature (text))
    return g_variant_new_signature (text);
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
               "%s must be a D-Bus signature, got \"%s\"", where->str, text);
  return NULL;
}

static GVariant *from_json (JsonNode            *node,
                            const GVariantType  *type,
                            GString             *where,
                            GError             **error);

static GVariant *
array_from_json (JsonNode            *node,
                 const GVariantType  *type,
                 GString             *where,
                 GError             **error)
{
  const GVariantType *element_type = g_variant_type_element (type);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);
  gsize where_length = where->len;
  JsonArray *array;

  /* A byte array may be given as a string. */
  if (g_variant_type_equal (element_type, G_VARIANT_TYPE_BYTE) && holds (node, G_TYPE_STRING))
    return g_variant_new_bytestring (json_node_get_string (node));

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (error, where, "an array", node);
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      GVariant *element;

      g_string_append_printf (where, ", element %u", i + 1);
      element = from_json (json_array_get_element (array, i), element_type, where, error);
      if (element == NULL)
        return NULL;
      g_string_truncate (where, where_length);
      g_variant_builder_add_value (&builder, element);
    }

  return g_variant_builder_end (&builder);
}

/* Object members are the entries; keys that are not strings are read as
 * JSON ("3", "true"). */
static GVariant *
dict_from_json (JsonNode            *node,
                const GVariantType  *type,
                GString             *where,
                GError             **error)
{
  const GVariantType *entry_type = g_variant_type_element (type);
  const GVariantType *key_type = g_variant_type_key (entry_type);
  const GVariantType *value_type = g_variant_type_value (entry_type);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);
  gsize where_length = where->len;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value_node;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, where, "an object", node);
      return NULL;
    }

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &member, &value_node))
    {
      g_autoptr(JsonNode) key_node = NULL;
      GVariant *key;
      GVariant *value;

      g_string_append_printf (where, ", key \"%s\"", member);
      if (g_variant_type_is_subtype_of (key_type, G_VARIANT_TYPE ("s")) ||
          g_variant_type_equal (key_type, G_VARIANT_TYPE_OBJECT_PATH) ||
          g_variant_type_equal (key_type, G_VARIANT_TYPE_SIGNATURE))
        key_node = json_node_init_string (json_node_alloc (), member);
      else if ((key_node = json_from_string (member, NULL)) == NULL)
        key_node = json_node_init_string (json_node_alloc (), member);

      key = from_json (key_node, key_type, where, error);
      if (key == NULL)
        return NULL;
      value = from_json (value_node, value_type, where, error);
      if (value == NULL)
        {
          g_variant_unref (g_variant_ref_sink (key));
          return NULL;
        }
      g_string_truncate (where, where_length);
      g_variant_builder_add_value (&builder, g_variant_new_dict_entry (key, value));
    }

  return g_variant_builder_end (&builder);
}

static GVariant *
tuple_from_json (JsonNode            *node,
                 const GVariantType  *type,
                 GString             *where,
                 GError             **error)
{
  gsize n_items = g_variant_type_n_items (type);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);
  gsize where_length = where->len;
  const GVariantType *item_type;
  g_autofree char *expected = NULL;
  JsonArray *array;
  guint i = 0;

  expected = g_strdup_printf ("an array of %" G_GSIZE_FORMAT " values", n_items);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (error, where, expected, node);
      return NULL;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) != n_items)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "%s must be %s, got %u", where->str, expected, json_array_get_length (array));
      return NULL;
    }

  for (item_type = g_variant_type_first (type); item_type != NULL;
       item_type = g_variant_type_next (item_type), i++)
    {
      GVariant *item;

      g_string_append_printf (where, ", element %u", i + 1);
      item = from_json (json_array_get_element (array, i), item_type, where, error);
      if (item == NULL)
        return NULL;
      g_string_truncate (where, where_length);
      g_variant_builder_add_value (&builder, item);
    }

  return g_variant_builder_end (&builder);
}

static GVariant *
variant_from_json (JsonNode  *node,
                   GString   *where,
                   GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  GVariant *value;

  value = json_gvariant_deserialize (node, NULL, &local_error);
  if (value == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "%s: %s", where->str, local_error->message);
      return NULL;
    }

  return g_variant_new_variant (value);
}

/* Returns: (transfer floating) */
static GVariant *
from_json (JsonNode            *node,
           const GVariantType  *type,
           GString             *where,
           GError             **error)
{
  switch (g_variant_type_peek_string (type)[0])
    {
    case 'b':
      if (!holds (node, G_TYPE_BOOLEAN))
        {
          fail (error, where, "a boolean", node);
          return NULL;
        }
      return g_variant_new_boolean (json_node_get_boolean (node));
    case 'y': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'h':
      return integer_from_json (node, type, where, error);
    case 'd':
      if (!holds (node, G_TYPE_DOUBLE) && !holds (node, G_TYPE_INT64))
        {
          fail (error, where, "a number", node);
          return NULL;
        }
      return g_variant_new_double (json_node_get_double (node));
    case 's': case 'o': case 'g':
      return string_from_json (node, type, where, error);
    case 'v':
      return variant_from_json (node, where, error);
    case 'm':
      {
        GVariant *value;

        if (JSON_NODE_HOLDS_NULL (node))
          return g_variant_new_maybe (g_variant_type_element (type), NULL);
        value = from_json (node, g_variant_type_element (type), where, error);
        return value != NULL ? g_variant_new_maybe (NULL, value) : NULL;
      }
    case 'a':
      if (g_variant_type_is_dict_entry (g_variant_type_element (type)))
        return dict_from_json (node, type, where, error);
      return array_from_json (node, type, where, error);
    case '(':
      return tuple_from_json (node, type, where, error);
    default:
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "%s has the type %s, which cannot be given in JSON",
                   where->str, g_variant_type_peek_string (type));
      return NULL;
    }
}

char *
plug_dbus_json_in_signature (GDBusMethodInfo *method)
{
  GString *signature = g_string_new ("(");

  for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
    g_string_append (signature, method->in_args[i]->signature);
  g_string_append_c (signature, ')');

  return g_string_free (signature, FALSE);
}

static guint
count_args (GDBusArgInfo **args)
{
  guint n = 0;

  while (args != NULL && args[n] != NULL)
    n++;
  return n;
}

GVariant *
plug_dbus_json_to_parameters (const char       *plugin,
                              GDBusMethodInfo  *method,
                              JsonArray        *args,
                              GError          **error)
{
  g_autofree char *signature = plug_dbus_json_in_signature (method);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE (signature));
  g_autoptr(GString) where = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  guint n_expected = count_args (method->in_args);
  guint n_given = json_array_get_length (args);

  if (n_given != n_expected)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Method \"%s\" of plugin %s expects %s: %u argument%s, got %u",
                   method->name, plugin, signature,
                   n_expected, n_expected == 1 ? "" : "s", n_given);
      return NULL;
    }

  for (guint i = 0; i < n_expected; i++)
    {
      const GVariantType *type = G_VARIANT_TYPE (method->in_args[i]->signature);
      GVariant *value;

      g_string_printf (where, "argument %u", i + 1);
      value = from_json (json_array_get_element (args, i), type, where, &local_error);
      if (value == NULL)
        {
          g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                       "Method \"%s\" of plugin %s expects %s: %s",
                       method->name, plugin, signature, local_error->message);
          return NULL;
        }
      g_variant_builder_add_value (&builder, value);
    }

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

JsonNode *
plug_dbus_json_from_reply (GVariant *reply)
{
  gsize n_values = reply != NULL ? g_variant_n_children (reply) : 0;
  g_autoptr(JsonArray) values = NULL;

  if (n_values == 0)
    return json_node_new (JSON_NODE_NULL);

  if (n_values == 1)
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (reply, 0);

      return json_gvariant_serialize (value);
    }

  values = plug_dbus_json_from_tuple (reply);
  return json_node_init_array (json_node_alloc (), values);
}

JsonArray *
plug_dbus_json_from_tuple (GVariant *tuple)
{
  gsize n_values = g_variant_n_children (tuple);
  JsonArray *values = json_array_sized_new (n_values);

  for (gsize i = 0; i < n_values; i++)
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (tuple, i);

      json_array_add_element (values, json_gvariant_serialize (value));
    }

  return values;
}
