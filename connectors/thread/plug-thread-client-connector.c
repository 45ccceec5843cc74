/* plug-thread-client-connector.c: the plugin's end of a thread plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "plug-thread-client-connector.h"

struct _PlugThreadClientConnector
{
  GObject            parent_instance;

  PlugThreadMailbox *from_engine;
  PlugThreadMailbox *to_engine;
  guint              started : 1;
  guint              closed : 1;
};

static void plug_thread_client_connector_iface_init (PlugClientConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PlugThreadClientConnector, plug_thread_client_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PLUG_TYPE_CLIENT_CONNECTOR,
                                                      plug_thread_client_connector_iface_init))

static void
close_connection (PlugThreadClientConnector *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  plug_thread_mailbox_close (self->from_engine);
  plug_client_connector_emit_closed (PLUG_CLIENT_CONNECTOR (self), NULL);
}

static void
on_message_from_engine (PlugMessage *message,
                        gpointer     user_data)
{
  g_autoptr(PlugThreadClientConnector) self = g_object_ref (user_data);

  if (message == NULL)
    close_connection (self);
  else
    plug_client_connector_emit_message (PLUG_CLIENT_CONNECTOR (self), message);
}

static void
plug_thread_client_connector_start (PlugClientConnector *connector)
{
  PlugThreadClientConnector *self = PLUG_THREAD_CLIENT_CONNECTOR (connector);

  if (self->started)
    return;

  /* The mailbox is closed in dispose, before @self goes away. */
  self->started = TRUE;
  plug_thread_mailbox_start (self->from_engine, on_message_from_engine, self);
}

static gboolean
plug_thread_client_connector_send (PlugClientConnector  *connector,
                                   PlugMessage          *message,
                                   GError              **error)
{
  PlugThreadClientConnector *self = PLUG_THREAD_CLIENT_CONNECTOR (connector);

  if (self->closed ||
      !plug_thread_mailbox_post (self->to_engine, plug_thread_message_copy (message)))
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_PLUGIN_EXITED,
                           "The engine closed the connection");
      return FALSE;
    }

  return TRUE;
}

/* The plugin hangs up: its thread ends, and the engine sees it then. */
static void
plug_thread_client_connector_close (PlugClientConnector *connector)
{
  close_connection (PLUG_THREAD_CLIENT_CONNECTOR (connector));
}

static void
plug_thread_client_connector_iface_init (PlugClientConnectorInterface *iface)
{
  iface->start = plug_thread_client_connector_start;
  iface->send = plug_thread_client_connector_send;
  iface->close = plug_thread_client_connector_close;
}

static void
plug_thread_client_connector_dispose (GObject *object)
{
  PlugThreadClientConnector *self = PLUG_THREAD_CLIENT_CONNECTOR (object);

  if (self->from_engine != NULL)
    plug_thread_mailbox_close (self->from_engine);
  g_clear_pointer (&self->from_engine, plug_thread_mailbox_unref);
  g_clear_pointer (&self->to_engine, plug_thread_mailbox_unref);

  G_OBJECT_CLASS (plug_thread_client_connector_parent_class)->dispose (object);
}

static void
plug_thread_client_connector_class_init (PlugThreadClientConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = plug_thread_client_connector_dispose;
}

static void
plug_thread_client_connector_init (PlugThreadClientConnector *self)
{
}

PlugThreadClientConnector *
plug_thread_client_connector_new (PlugThreadMailbox *from_engine,
                                  PlugThreadMailbox *to_engine)
{
  PlugThreadClientConnector *self;

  g_return_val_if_fail (from_engine != NULL, NULL);
  g_return_val_if_fail (to_engine != NULL, NULL);

  self = g_object_new (PLUG_TYPE_THREAD_CLIENT_CONNECTOR, NULL);
  self->from_engine = plug_thread_mailbox_ref (from_engine);
  self->to_engine = plug_thread_mailbox_ref (to_engine);

  return self;
}
