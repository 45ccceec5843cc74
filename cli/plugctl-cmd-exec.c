/* plugctl-cmd-exec.c: what call reads besides its words: the arguments
 * from standard input (`-`), and a plugin from --exec, without a manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "plugctl-cli.h"

#define STDIN_READ_SIZE 65536

static char *
read_all_stdin (GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[STDIN_READ_SIZE];

  for (;;)
    {
      gssize n = read (STDIN_FILENO, buffer, sizeof buffer);

      if (n == 0)
        break;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot read standard input: %s", g_strerror (saved_errno));
          return NULL;
        }
      g_string_append_len (text, buffer, n);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The arguments of a call, as one JSON array on standard input. */
JsonArray *
plugctl_read_stdin_args (GError **error)
{
  g_autofree char *text = read_all_stdin (error);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  if (text == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, -1, &parse_error))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Standard input is not JSON: %s", parse_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_ARGUMENT,
                   "Standard input must hold one JSON array: the arguments");
      return NULL;
    }
  return json_array_ref (json_node_get_array (root));
}

/* "/usr/bin/py-echo.py" → "py-echo": a '.' would make it a service path. */
static char *
exec_plugin_name (const char *command)
{
  g_autofree char *base = g_path_get_basename (command);
  gsize length = strcspn (base, ".");

  if (length == 0 || strcmp (base, G_DIR_SEPARATOR_S) == 0)
    return g_strdup ("exec");
  if ((length == strlen ("cli") && strncmp (base, "cli", length) == 0) ||
      (length == strlen ("manager") && strncmp (base, "manager", length) == 0))
    return g_strdup_printf ("%.*s-exec", (int) length, base);
  return g_strndup (base, length);
}

/* A child-process profile for `call --exec COMMAND_LINE`: the command and
 * its arguments split as the shell would, relative paths against the
 * current directory, the methods learnt from the handshake. */
PlugProfile *
plugctl_exec_profile_new (const char  *command_line,
                          GError     **error)
{
  g_autoptr(JsonObject) manifest = json_object_new ();
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *name = NULL;
  g_auto(GStrv) argv = NULL;
  PlugProfile *profile;
  JsonArray *args;

  if (!g_shell_parse_argv (command_line, NULL, &argv, error))
    return NULL;

  name = exec_plugin_name (argv[0]);
  args = json_array_new ();
  for (guint i = 1; argv[i] != NULL; i++)
    json_array_add_string_element (args, argv[i]);
  json_object_set_string_member (manifest, "name", name);
  json_object_set_string_member (manifest, "description", "plugctl call --exec");
  json_object_set_string_member (manifest, "connector", PLUG_PROFILE_DEFAULT_CONNECTOR);
  json_object_set_string_member (manifest, "command", argv[0]);
  json_object_set_array_member (manifest, "args", args);

  profile = plug_profile_new_from_json (manifest, cwd, "--exec", error);
  if (profile != NULL && plugctl_options.timeout_ms > 0)
    plug_profile_set_call_timeout (profile, plugctl_options.timeout_ms);
  return profile;
}
