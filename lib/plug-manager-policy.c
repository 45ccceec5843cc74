/* plug-manager-policy.c: the manager's permission policy: its rules,
 * read from a policy file, and the first rule that matches a request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-manager-private.h"
#include "plug-manager-policy-private.h"
#include "plug-error.h"

typedef struct
{
  PlugPermission permission;
  char *from;
  char *to;
  char *method;
  gboolean allow;
} Rule;

void
plug_manager_rule_free (gpointer data)
{
  Rule *rule = data;

  g_free (rule->from);
  g_free (rule->to);
  g_free (rule->method);
  g_free (rule);
}

static gboolean
match (const char *pattern,
       const char *value)
{
  return g_pattern_match_simple (pattern, value != NULL ? value : "");
}

/* The index of the first rule that matches, or -1: the default decides. */
static int
find_rule (PlugManager    *self,
           PlugPermission  permission,
           const char     *from,
           const char     *to,
           const char     *method)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      Rule *rule = g_ptr_array_index (self->rules, i);

      if (rule->permission != permission ||
          !match (rule->from, from) || !match (rule->to, to))
        continue;
      if (permission == PLUG_PERMISSION_CALL && !match (rule->method, method))
        continue;
      return (int) i;
    }
  return -1;
}

char *
plug_manager_denial_suffix (PlugManager    *self,
                            PlugPermission  permission,
                            const char     *from,
                            const char     *to,
                            const char     *method)
{
  int index = find_rule (self, permission, from, to, method);

  if (index < 0)
    return g_strdup ("");
  return g_strdup_printf (" (denied by %s, rule %d)", self->policy_origin, index + 1);
}

gboolean
plug_manager_is_allowed (PlugManager    *self,
                         PlugPermission  permission,
                         const char     *from,
                         const char     *to,
                         const char     *method)
{
  int index;

  g_return_val_if_fail (PLUG_IS_MANAGER (self), FALSE);

  index = find_rule (self, permission, from, to, method);
  if (index >= 0)
    return ((Rule *) g_ptr_array_index (self->rules, index))->allow;

  if (permission == PLUG_PERMISSION_DEACTIVATE)
    return g_strcmp0 (from, PLUG_MANAGER_NAME) == 0 || g_strcmp0 (from, to) == 0;
  return TRUE;
}

static gboolean
read_pattern (JsonObject  *object,
              const char  *field,
              char       **out,
              const char  *where,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL)
    {
      *out = g_strdup ("*");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: field \"%s\" must be a string", where, field);
      return FALSE;
    }

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static Rule *
parse_rule (JsonNode    *node,
            const char  *origin,
            guint        index,
            GError     **error)
{
  static const char * const known[] = { "action", "from", "to", "method", "allow", NULL };
  g_autofree char *where = g_strdup_printf ("%s: rule %u", origin, index + 1);
  g_autoptr(GList) members = NULL;
  Rule *rule;
  JsonObject *object;
  JsonNode *field;
  const char *action;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: must be an object", where);
      return NULL;
    }
  object = json_node_get_object (node);

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                     "%s: unknown field \"%s\"", where, (const char *) l->data);
        return NULL;
      }

  rule = g_new0 (Rule, 1);
  action = json_object_get_string_member_with_default (object, "action", "");
  if (g_str_equal (action, "call"))
    rule->permission = PLUG_PERMISSION_CALL;
  else if (g_str_equal (action, "activate"))
    rule->permission = PLUG_PERMISSION_ACTIVATE;
  else if (g_str_equal (action, "deactivate"))
    rule->permission = PLUG_PERMISSION_DEACTIVATE;
  else
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: field \"action\" must be \"call\", \"activate\" or \"deactivate\"",
                   where);
      goto fail;
    }

  field = json_object_get_member (object, "allow");
  if (field == NULL || !JSON_NODE_HOLDS_VALUE (field) ||
      json_node_get_value_type (field) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: field \"allow\" must be a boolean", where);
      goto fail;
    }
  rule->allow = json_node_get_boolean (field);

  if (!read_pattern (object, "from", &rule->from, where, error) ||
      !read_pattern (object, "to", &rule->to, where, error) ||
      !read_pattern (object, "method", &rule->method, where, error))
    goto fail;

  return rule;

fail:
  plug_manager_rule_free (rule);
  return NULL;
}

static gboolean
load_policy (PlugManager  *self,
             const char   *data,
             gssize        length,
             const char   *origin,
             GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func (plug_manager_rule_free);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonNode *list;

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: %s", origin, local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
         ? json_object_get_member (json_node_get_object (root), "rules") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "%s: a policy is an object with an array \"rules\"", origin);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (list), i);
      Rule *rule = parse_rule (node, origin, i, error);

      if (rule == NULL)
        return FALSE;
      g_ptr_array_add (rules, rule);
    }

  g_ptr_array_unref (self->rules);
  self->rules = g_steal_pointer (&rules);
  g_free (self->policy_origin);
  self->policy_origin = g_strdup (origin);
  return TRUE;
}

gboolean
plug_manager_load_policy (PlugManager  *self,
                          const char   *path,
                          GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (PLUG_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE,
                   "Cannot read the policy: %s", local_error->message);
      return FALSE;
    }

  return load_policy (self, data, length, path, error);
}

gboolean
plug_manager_load_policy_from_data (PlugManager  *self,
                                    const char   *data,
                                    gssize        length,
                                    GError      **error)
{
  g_return_val_if_fail (PLUG_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  return load_policy (self, data, length, "policy", error);
}
