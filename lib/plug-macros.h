/* plug-macros.h: export and include-guard macros for libplugctl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined (PLUGCTL_INSIDE) && !defined (PLUGCTL_COMPILATION)
# error "Only <plugctl.h> can be included directly."
#endif

#include <glib.h>

#if defined (PLUGCTL_COMPILATION)
# define PLUG_AVAILABLE_IN_ALL __attribute__((visibility ("default"))) extern
#else
# define PLUG_AVAILABLE_IN_ALL extern
#endif

/* The ABI of connector modules: a module built against another number is
 * skipped with a warning (see plug-connector-module.h). */
#define PLUG_CONNECTOR_ABI_VERSION 1
