# Which PKCS#11 3.0 types the system's <p11-kit/pkcs11.h> already declares, so pkcs11/include/pkcs11_types.h adds
# only what is missing. p11-kit 0.25 (Debian 13) declares the 3.0 interface (CK_INTERFACE, CK_FUNCTION_LIST_3_0,
# the C_GetInterface types); 0.24 (Debian 12) does not. Types cannot be tested with #ifdef, so the compiler is asked
# here; the header tests constants itself (#ifndef each).
include(CheckTypeSize)
set(CMAKE_REQUIRED_INCLUDES ${P11KIT_INCLUDE_DIRS})
set(CMAKE_EXTRA_INCLUDE_FILES p11-kit/pkcs11.h)
check_type_size(CK_INTERFACE CF_P11_SIZEOF_CK_INTERFACE LANGUAGE C)
check_type_size(CK_FUNCTION_LIST_3_0 CF_P11_SIZEOF_FUNCTION_LIST_3_0 LANGUAGE C)
unset(CMAKE_EXTRA_INCLUDE_FILES)
unset(CMAKE_REQUIRED_INCLUDES)
if(HAVE_CF_P11_SIZEOF_CK_INTERFACE)
  add_compile_definitions(CF_P11_SYSTEM_HAS_CK_INTERFACE=1)
endif()
if(HAVE_CF_P11_SIZEOF_FUNCTION_LIST_3_0)
  add_compile_definitions(CF_P11_SYSTEM_HAS_FUNCTION_LIST_3_0=1)
endif()
message(STATUS "p11-kit ${P11KIT_VERSION}: CK_INTERFACE declared: ${HAVE_CF_P11_SIZEOF_CK_INTERFACE}, "
               "CK_FUNCTION_LIST_3_0 declared: ${HAVE_CF_P11_SIZEOF_FUNCTION_LIST_3_0}")
