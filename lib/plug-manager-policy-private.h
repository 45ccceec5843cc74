/* plug-manager-policy-private.h: the manager's instance, shared by its
 * methods (plug-manager.c) and its policy (plug-manager-policy.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-manager.h"

G_BEGIN_DECLS

struct _PlugManager
{
  PlugPlugin parent_instance;

  GPtrArray *rules;  /* Rule, first match wins */
  char *policy_origin;  /* the policy's file, for denials that name a rule */
};

/* Frees one rule of PlugManager.rules. */
void plug_manager_rule_free (gpointer data);

G_END_DECLS
