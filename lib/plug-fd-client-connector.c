/* plug-fd-client-connector.c: the client end of the child-process channel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include <glib-unix.h>

#include "plug-channel.h"
#include "plug-error.h"
#include "plug-fd-client-connector.h"

#define CHANNEL_FD_VARIABLE "NODE_CHANNEL_FD"
#define SERIALIZATION_VARIABLE "NODE_CHANNEL_SERIALIZATION_MODE"

struct _PlugFdClientConnector
{
  GObject      parent_instance;

  PlugChannel *channel;
  guint        started : 1;
};

static void plug_fd_client_connector_iface_init (PlugClientConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PlugFdClientConnector, plug_fd_client_connector, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PLUG_TYPE_CLIENT_CONNECTOR,
                                                      plug_fd_client_connector_iface_init))

static void
on_channel_line (PlugChannel *channel,
                 const char  *line,
                 gsize        length,
                 gpointer     user_data)
{
  PlugFdClientConnector *self = user_data;
  g_autoptr(PlugMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  if (length == 0)
    return;

  message = plug_message_parse (line, length, &error);
  if (message == NULL)
    {
      g_warning ("Dropped a message from the engine: %s", error->message);
      return;
    }

  /* A handler may drop the last reference to the connector. */
  g_object_ref (self);
  plug_client_connector_emit_message (PLUG_CLIENT_CONNECTOR (self), message);
  g_object_unref (self);
}

static void
on_channel_closed (PlugChannel  *channel,
                   const GError *error,
                   gpointer      user_data)
{
  g_autoptr(PlugFdClientConnector) self = g_object_ref (user_data);

  plug_client_connector_emit_closed (PLUG_CLIENT_CONNECTOR (self), error);
}

static void
on_channel_overflow (PlugChannel *channel,
                     gsize        discarded,
                     gpointer     user_data)
{
  g_warning ("Dropped a message from the engine: it is longer than the limit (%" G_GSIZE_FORMAT " bytes discarded)",
             discarded);
}

static void
plug_fd_client_connector_start (PlugClientConnector *connector)
{
  PlugFdClientConnector *self = PLUG_FD_CLIENT_CONNECTOR (connector);

  if (self->started)
    return;

  self->started = TRUE;
  /* The channel calls back with @self unowned: the channel is closed in
   * dispose, before @self goes away. */
  plug_channel_start (self->channel,
                      on_channel_line,
                      on_channel_closed,
                      on_channel_overflow,
                      self);
}

static gboolean
plug_fd_client_connector_send (PlugClientConnector  *connector,
                               PlugMessage          *message,
                               GError              **error)
{
  PlugFdClientConnector *self = PLUG_FD_CLIENT_CONNECTOR (connector);

  return plug_channel_send_message (self->channel, message, error);
}

static void
plug_fd_client_connector_close (PlugClientConnector *connector)
{
  PlugFdClientConnector *self = PLUG_FD_CLIENT_CONNECTOR (connector);

  plug_channel_close (self->channel);
}

static void
plug_fd_client_connector_iface_init (PlugClientConnectorInterface *iface)
{
  iface->start = plug_fd_client_connector_start;
  iface->send = plug_fd_client_connector_send;
  iface->close = plug_fd_client_connector_close;
}

static void
plug_fd_client_connector_dispose (GObject *object)
{
  PlugFdClientConnector *self = PLUG_FD_CLIENT_CONNECTOR (object);

  if (self->channel != NULL)
    plug_channel_close (self->channel);
  g_clear_object (&self->channel);

  G_OBJECT_CLASS (plug_fd_client_connector_parent_class)->dispose (object);
}

static void
plug_fd_client_connector_class_init (PlugFdClientConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = plug_fd_client_connector_dispose;
}

static void
plug_fd_client_connector_init (PlugFdClientConnector *self)
{
}

PlugFdClientConnector *
plug_fd_client_connector_new (int fd)
{
  PlugFdClientConnector *self;

  g_return_val_if_fail (fd >= 0, NULL);

  self = g_object_new (PLUG_TYPE_FD_CLIENT_CONNECTOR, NULL);
  self->channel = plug_channel_new (fd);

  return self;
}

static gboolean
parse_channel_fd (const char  *value,
                  int         *out_fd,
                  GError     **error)
{
  guint64 fd = 0;

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s is not set: this program is a plugctl plugin and must be started by plugctl",
                   CHANNEL_FD_VARIABLE);
      return FALSE;
    }

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT, &fd, NULL))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s=%s is not a file descriptor number",
                   CHANNEL_FD_VARIABLE, value);
      return FALSE;
    }

  if (fcntl ((int) fd, F_GETFD) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s=%s is not an open file descriptor: %s",
                   CHANNEL_FD_VARIABLE, value, g_strerror (saved_errno));
      return FALSE;
    }

  *out_fd = (int) fd;
  return TRUE;
}

PlugFdClientConnector *
plug_fd_client_connector_new_from_environment (GError **error)
{
  const char *serialization;
  int fd = -1;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_channel_fd (g_getenv (CHANNEL_FD_VARIABLE), &fd, error))
    return NULL;

  serialization = g_getenv (SERIALIZATION_VARIABLE);
  if (serialization != NULL && *serialization != '\0' && g_strcmp0 (serialization, "json") != 0)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "%s=%s is not supported: only \"json\" is",
                   SERIALIZATION_VARIABLE, serialization);
      return NULL;
    }

  /* The channel is ours alone: programs the plugin starts must not
   * inherit it, nor block on it. */
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0 ||
      !g_unix_set_fd_nonblocking (fd, TRUE, NULL))
    {
      int saved_errno = errno;

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "Cannot use %s=%d: %s",
                   CHANNEL_FD_VARIABLE, fd, g_strerror (saved_errno));
      return NULL;
    }

  return plug_fd_client_connector_new (fd);
}
