/* plug-listener.c: the engine listens for plugins that connect to it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "plug-connector-module.h"
#include "plug-connector-module-private.h"
#include "plug-error.h"
#include "plug-listener.h"

/* Random bytes of a generated token (hex: twice as many characters). */
#define TOKEN_BYTES 16

typedef struct
{
  PlugEngine *engine;
  char       *uri;
  char       *bound_uri;
  char       *token;
} PlugListenerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PlugListener, plug_listener, G_TYPE_OBJECT)

#define GET_PRIV(self) ((PlugListenerPrivate *) plug_listener_get_instance_private (self))

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_URI,
  PROP_TOKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GIOExtensionPoint *
plug_listener_ensure_extension_point (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      GIOExtensionPoint *point;

      point = g_io_extension_point_register (PLUG_LISTENER_EXTENSION_POINT_NAME);
      g_io_extension_point_set_required_type (point, PLUG_TYPE_LISTENER);
      g_once_init_leave (&registered, 1);
    }

  return g_io_extension_point_lookup (PLUG_LISTENER_EXTENSION_POINT_NAME);
}

static char *
generate_token (void)
{
  guint8 bytes[TOKEN_BYTES];
  GString *token = g_string_sized_new (2 * TOKEN_BYTES);
  gsize filled = 0;

  while (filled < sizeof bytes)
    {
      gssize n = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (n < 0 && errno != EINTR)
        g_error ("Cannot make a random token: getrandom: %s", g_strerror (errno));
      if (n > 0)
        filled += n;
    }
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (token, "%02x", bytes[i]);
  explicit_bzero (bytes, sizeof bytes);

  return g_string_free (token, FALSE);
}

gboolean
plug_listener_check_token (PlugListener *self,
                           const char   *token)
{
  const char *ours;
  gsize ours_length;
  gsize theirs_length;
  guint8 difference;

  g_return_val_if_fail (PLUG_IS_LISTENER (self), FALSE);

  if (token == NULL)
    return FALSE;
  ours = GET_PRIV (self)->token;
  ours_length = strlen (ours);
  theirs_length = strlen (token);
  /* Every byte of ours is looked at, whatever @token holds. */
  difference = ours_length != theirs_length;
  for (gsize i = 0; i < ours_length; i++)
    difference |= (guint8) ours[i] ^ (guint8) (i < theirs_length ? token[i] : 0);

  return difference == 0;
}

static GType
find_implementation (const char  *scheme,
                     GError     **error)
{
  GIOExtensionPoint *point = plug_listener_ensure_extension_point ();
  GIOExtension *extension;

  extension = g_io_extension_point_get_extension_by_name (point, scheme);
  if (extension == NULL)
    {
      plug_connector_module_ensure_default_modules ();
      extension = g_io_extension_point_get_extension_by_name (point, scheme);
    }
  if (extension == NULL)
    {
      g_autofree char *dirs = plug_connector_module_get_searched_dirs ();

      g_set_error (error, PLUG_ERROR, PLUG_ERROR_CONNECTOR,
                   "No listener for \"%s\" URIs (searched: %s)", scheme, dirs);
      return G_TYPE_INVALID;
    }

  return g_io_extension_get_type (extension);
}

PlugListener *
plug_listener_new_for_uri (PlugEngine  *engine,
                           const char  *uri,
                           const char  *token,
                           GError     **error)
{
  g_autofree char *scheme = NULL;
  g_autoptr(PlugListener) self = NULL;
  GType type;

  g_return_val_if_fail (PLUG_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  scheme = g_uri_parse_scheme (uri);
  if (scheme == NULL)
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Cannot listen on \"%s\": not a URI", uri);
      return NULL;
    }
  if (token != NULL && *token == '\0')
    {
      g_set_error_literal (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                           "The listener's token must not be empty");
      return NULL;
    }

  type = find_implementation (scheme, error);
  if (type == G_TYPE_INVALID)
    return NULL;

  self = g_object_new (type, "engine", engine, "uri", uri, "token", token, NULL);
  if (!PLUG_LISTENER_GET_CLASS (self)->start (self, error))
    return NULL;
  g_assert (GET_PRIV (self)->bound_uri != NULL);

  return g_steal_pointer (&self);
}

PlugEngine *
plug_listener_get_engine (PlugListener *self)
{
  g_return_val_if_fail (PLUG_IS_LISTENER (self), NULL);

  return GET_PRIV (self)->engine;
}

const char *
plug_listener_get_uri (PlugListener *self)
{
  g_return_val_if_fail (PLUG_IS_LISTENER (self), NULL);

  return GET_PRIV (self)->uri;
}

const char *
plug_listener_get_bound_uri (PlugListener *self)
{
  g_return_val_if_fail (PLUG_IS_LISTENER (self), NULL);

  return GET_PRIV (self)->bound_uri;
}

const char *
plug_listener_get_token (PlugListener *self)
{
  g_return_val_if_fail (PLUG_IS_LISTENER (self), NULL);

  return GET_PRIV (self)->token;
}

void
plug_listener_set_bound_uri (PlugListener *self,
                             const char   *uri)
{
  PlugListenerPrivate *priv;

  g_return_if_fail (PLUG_IS_LISTENER (self));

  priv = GET_PRIV (self);
  g_free (priv->bound_uri);
  priv->bound_uri = g_strdup (uri);
}

/* GObject */

static gboolean
plug_listener_real_start (PlugListener  *self,
                          GError       **error)
{
  g_set_error (error, PLUG_ERROR, PLUG_ERROR_FAILED,
               "%s does not implement start", G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static void
plug_listener_finalize (GObject *object)
{
  PlugListenerPrivate *priv = GET_PRIV (PLUG_LISTENER (object));

  g_clear_object (&priv->engine);
  g_clear_pointer (&priv->uri, g_free);
  g_clear_pointer (&priv->bound_uri, g_free);
  if (priv->token != NULL)
    explicit_bzero (priv->token, strlen (priv->token));
  g_clear_pointer (&priv->token, g_free);

  G_OBJECT_CLASS (plug_listener_parent_class)->finalize (object);
}

static void
plug_listener_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PlugListenerPrivate *priv = GET_PRIV (PLUG_LISTENER (object));

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, priv->engine);
      break;
    case PROP_URI:
      g_value_set_string (value, priv->uri);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, priv->token);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_listener_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  PlugListenerPrivate *priv = GET_PRIV (PLUG_LISTENER (object));

  switch (prop_id)
    {
    case PROP_ENGINE:
      priv->engine = g_value_dup_object (value);
      break;
    case PROP_URI:
      priv->uri = g_value_dup_string (value);
      break;
    case PROP_TOKEN:
      priv->token = g_value_dup_string (value);
      if (priv->token == NULL)
        priv->token = generate_token ();
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
plug_listener_class_init (PlugListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = plug_listener_finalize;
  object_class->get_property = plug_listener_get_property;
  object_class->set_property = plug_listener_set_property;

  klass->start = plug_listener_real_start;

  properties[PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, PLUG_TYPE_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URI] =
    g_param_spec_string ("uri", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* NULL (the default) makes a random one. */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
plug_listener_init (PlugListener *self)
{
}
