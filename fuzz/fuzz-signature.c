/* fuzz-signature.c: libFuzzer target for the native connector's signature parser
 *
 * The input is a signature as a manifest's `functions` gives it
 * (connectors/native/plug-native-signature.c). Manifests are JSON, so the
 * text is UTF-8 without NUL: other inputs are skipped. A signature that
 * parses has a canonical spelling that parses to itself, and only the
 * types an argument may have; one that does not has an error naming it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "plugctl.h"
#include "plug-native-signature.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_install_log_writer ();
  return 0;
}

static void
check_signature (const PlugNativeSignature *signature)
{
  g_autoptr(PlugNativeSignature) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = plug_native_signature_to_string (signature);
  g_autofree char *canonical_again = NULL;

  fuzz_check (plug_native_type_get_name (signature->result) != NULL, "the result type has a name");
  for (guint i = 0; i < signature->n_args; i++)
    {
      PlugNativeType type = signature->args[i];

      fuzz_check (type != PLUG_NATIVE_TYPE_VOID && type != PLUG_NATIVE_TYPE_STRING,
                  "no argument is void or char*");
      if (plug_native_type_get_kind (type) == PLUG_NATIVE_KIND_SIGNED ||
          plug_native_type_get_kind (type) == PLUG_NATIVE_KIND_UNSIGNED)
        fuzz_check (plug_native_type_get_bits (type) > 0, "an integer has a width");
    }

  again = plug_native_signature_parse ("fuzz", canonical, &error);
  if (again == NULL)
    fuzz_fail (G_STRLOC, error->message);
  canonical_again = plug_native_signature_to_string (again);
  fuzz_check (strcmp (canonical, canonical_again) == 0, "the canonical spelling parses to itself");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PlugNativeSignature) signature = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (memchr (data, '\0', size) != NULL || !g_utf8_validate ((const char *) data, size, NULL))
    return 0;
  text = g_strndup ((const char *) data, size);

  signature = plug_native_signature_parse ("fuzz", text, &error);
  if (signature == NULL)
    {
      fuzz_check (error != NULL && error->domain == PLUG_ERROR &&
                  error->code == PLUG_ERROR_INVALID_PROFILE,
                  "a rejected signature has an INVALID_PROFILE error");
      fuzz_check (strstr (error->message, "function \"fuzz\": cannot parse signature") != NULL,
                  "the error names the function");
      fuzz_check (g_utf8_validate (error->message, -1, NULL), "error texts are UTF-8");
      return 0;
    }
  fuzz_check (error == NULL, "no error on success");
  check_signature (signature);
  return 0;
}
