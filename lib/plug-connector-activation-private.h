/* plug-connector-activation-private.h: PlugPlugin's activate vfuncs,
 * implemented in plug-connector-activation.c for plug-connector.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plug-connector.h"

G_BEGIN_DECLS

void     plug_connector_activate        (PlugPlugin           *plugin,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean plug_connector_activate_finish (PlugPlugin           *plugin,
                                         GAsyncResult         *result,
                                         GError              **error);

G_END_DECLS
