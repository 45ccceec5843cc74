/* test-native-signature.c: the C signature parser of the native connector
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <plugctl.h>

#include "plug-native-signature.h"

typedef struct
{
  const char *text;
  const char *canonical;
} Good;

static const Good good_signatures[] = {
  { "double(double)", "double(double)" },
  { "double(double, double)", "double(double, double)" },
  { "  double ( double ,double )  ", "double(double, double)" },
  { "size_t(const char*)", "size_t(const char*)" },
  { "size_t(const char *)", "size_t(const char*)" },
  { "size_t(const  char  *  )", "size_t(const char*)" },
  { "int(int)", "int(int)" },
  { "void(void)", "void(void)" },
  { "void()", "void(void)" },
  { "void( void )", "void(void)" },
  { "char *(const char *)", "char*(const char*)" },
  { "const char*(void)", "const char*(void)" },
  { "unsigned int(unsigned long, long)", "unsigned int(unsigned long, long)" },
  { "bool(bool)", "bool(bool)" },
  { "float(float)", "float(float)" },
  { "ssize_t(size_t)", "ssize_t(size_t)" },
  { "int8_t(int16_t, int32_t, int64_t)", "int8_t(int16_t, int32_t, int64_t)" },
  { "uint8_t(uint16_t, uint32_t, uint64_t)", "uint8_t(uint16_t, uint32_t, uint64_t)" },
  { "\tdouble\n(\tdouble\n)", "double(double)" },
};

static void
test_parse_good (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (good_signatures); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugNativeSignature) signature = NULL;
      g_autofree char *canonical = NULL;

      signature = plug_native_signature_parse ("f", good_signatures[i].text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (signature);
      canonical = plug_native_signature_to_string (signature);
      g_assert_cmpstr (canonical, ==, good_signatures[i].canonical);
    }
}

static void
test_parse_types (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugNativeSignature) signature = NULL;

  signature = plug_native_signature_parse ("pow", "double(double, const char *)", &error);
  g_assert_no_error (error);
  g_assert_cmpint (signature->result, ==, PLUG_NATIVE_TYPE_DOUBLE);
  g_assert_cmpuint (signature->n_args, ==, 2);
  g_assert_cmpint (signature->args[0], ==, PLUG_NATIVE_TYPE_DOUBLE);
  g_assert_cmpint (signature->args[1], ==, PLUG_NATIVE_TYPE_CONST_STRING);
  g_clear_pointer (&signature, plug_native_signature_free);

  signature = plug_native_signature_parse ("nop", "void(void)", &error);
  g_assert_no_error (error);
  g_assert_cmpint (signature->result, ==, PLUG_NATIVE_TYPE_VOID);
  g_assert_cmpuint (signature->n_args, ==, 0);

  g_assert_cmpuint (plug_native_type_get_bits (PLUG_NATIVE_TYPE_INT8), ==, 8);
  g_assert_cmpuint (plug_native_type_get_bits (PLUG_NATIVE_TYPE_SIZE), ==, sizeof (size_t) * 8);
  g_assert_cmpint (plug_native_type_get_kind (PLUG_NATIVE_TYPE_UINT), ==, PLUG_NATIVE_KIND_UNSIGNED);
  g_assert_cmpint (plug_native_type_get_kind (PLUG_NATIVE_TYPE_SSIZE), ==, PLUG_NATIVE_KIND_SIGNED);
}

typedef struct
{
  const char *text;
  const char *message;
} Bad;

#define PREFIX "function \"f\": cannot parse signature "

static const Bad bad_signatures[] = {
  { "double(dooble)", PREFIX "\"double(dooble)\": unknown type \"dooble\" at column 8" },
  { "dooble(double)", PREFIX "\"dooble(double)\": unknown type \"dooble\" at column 1" },
  { "double(const  chr *)", PREFIX "\"double(const  chr *)\": unknown type \"const  chr *\" at column 8" },
  { "double(double x)", PREFIX "\"double(double x)\": unknown type \"double x\" at column 8" },
  { "char**(void)", PREFIX "\"char**(void)\": unknown type \"char**\" at column 1" },
  { "", PREFIX "\"\": missing the result type at column 1" },
  { "   ", PREFIX "\"   \": missing the result type at column 4" },
  { "(int)", PREFIX "\"(int)\": expected the result type, found \"(\" at column 1" },
  { "double", PREFIX "\"double\": expected \"(\", found the end at column 7" },
  { "double double", PREFIX "\"double double\": unknown type \"double double\" at column 1" },
  { "double[double]", PREFIX "\"double[double]\": expected \"(\", found \"[\" at column 7" },
  { "double(double", PREFIX "\"double(double\": expected \",\" or \")\", found the end at column 14" },
  { "double(double;", PREFIX "\"double(double;\": expected \",\" or \")\", found \";\" at column 14" },
  { "int(int,)", PREFIX "\"int(int,)\": expected an argument type, found \")\" at column 9" },
  { "int(,int)", PREFIX "\"int(,int)\": expected an argument type, found \",\" at column 5" },
  { "int(int) x", PREFIX "\"int(int) x\": unexpected \"x\" after \")\" at column 10" },
  { "int(int, void)", PREFIX "\"int(int, void)\": \"void\" must be the only argument at column 10" },
  { "int(void, int)", PREFIX "\"int(void, int)\": expected \")\" after \"void\", found \",\" at column 9" },
  { "int(char*)", PREFIX "\"int(char*)\": \"char*\" is a result type only; declare a string argument \"const char*\" at column 5" },
  { "int(é)", PREFIX "\"int(é)\": expected an argument type, found \"é\" at column 5" },
  { "é(int)", PREFIX "\"é(int)\": expected the result type, found \"é\" at column 1" },
};

static void
test_parse_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_signatures); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PlugNativeSignature) signature = NULL;

      g_test_message ("signature %s", bad_signatures[i].text);
      signature = plug_native_signature_parse ("f", bad_signatures[i].text, &error);
      g_assert_null (signature);
      g_assert_error (error, PLUG_ERROR, PLUG_ERROR_INVALID_PROFILE);
      g_assert_cmpstr (error->message, ==, bad_signatures[i].message);
    }
}

static void
test_parse_names_function (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PlugNativeSignature) signature = NULL;

  signature = plug_native_signature_parse ("cos", "double(dooble)", &error);
  g_assert_null (signature);
  g_assert_cmpstr (error->message, ==,
                   "function \"cos\": cannot parse signature \"double(dooble)\": "
                   "unknown type \"dooble\" at column 8");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/native/signature/parse/good", test_parse_good);
  g_test_add_func ("/native/signature/parse/types", test_parse_types);
  g_test_add_func ("/native/signature/parse/bad-with-column", test_parse_bad);
  g_test_add_func ("/native/signature/parse/error-names-function", test_parse_names_function);

  return g_test_run ();
}
