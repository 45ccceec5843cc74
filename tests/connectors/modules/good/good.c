/* good.c: a well-formed connector module, "test-good"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "plugctl.h"

#define TEST_TYPE_GOOD_CONNECTOR (test_good_connector_get_type ())
G_DECLARE_FINAL_TYPE (TestGoodConnector, test_good_connector, TEST, GOOD_CONNECTOR, PlugConnector)

struct _TestGoodConnector
{
  PlugConnector parent_instance;
};

G_DEFINE_FINAL_TYPE (TestGoodConnector, test_good_connector, PLUG_TYPE_CONNECTOR)

static void
test_good_connector_class_init (TestGoodConnectorClass *klass)
{
}

static void
test_good_connector_init (TestGoodConnector *self)
{
}

PLUG_DEFINE_CONNECTOR_MODULE ("test-good", TEST_TYPE_GOOD_CONNECTOR)
