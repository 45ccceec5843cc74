/* plug-websocket-common.c: what the websocket and socketio connectors share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-websocket-common.h"

void
plug_websocket_default_restart (PlugPlugin *plugin)
{
  PlugProfile *profile = plug_plugin_get_profile (plugin);
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) update = NULL;
  g_autoptr(GError) error = NULL;

  if (profile == NULL)
    return;
  json = plug_profile_to_json (profile);
  if (json_object_has_member (json, "restart"))
    return;

  update = json_object_new ();
  json_object_set_string_member (update, "restart", "on-failure");
  if (!plug_profile_update (profile, update, &error))
    g_warning ("Plugin %s: cannot default to restart on failure: %s",
               plug_plugin_get_name (plugin), error->message);
}

SoupSession *
plug_websocket_session_new (void)
{
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

void
plug_websocket_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

GSource *
plug_websocket_add_timeout (guint        timeout_ms,
                            GSourceFunc  func,
                            gpointer     data,
                            const char  *name)
{
  GSource *source = g_timeout_source_new (timeout_ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, g_main_context_get_thread_default ());

  return source;
}
