# install.cmake: `cmake --install` lays cf-pkcs11 out like a Debian library package: the module in the multiarch
# PKCS#11 directory, its p11-kit registration where p11-kit looks, the vendor header, a pkg-config file, the tools.
# Included last by the top-level CMakeLists.txt; every piece is guarded so a partial tree still configures.
include(GNUInstallDirs)

# The module is dlopen()ed, never linked: no SONAME versioning, one file in <libdir>/pkcs11 (p11_module_path).
set(CF_PKCS11_MODULE_DIR "${CMAKE_INSTALL_LIBDIR}/pkcs11" CACHE STRING "Where libcf-pkcs11.so is installed")
if(IS_ABSOLUTE "${CF_PKCS11_MODULE_DIR}")
  set(CF_PKCS11_MODULE_FULL_DIR "${CF_PKCS11_MODULE_DIR}")
else()
  set(CF_PKCS11_MODULE_FULL_DIR "${CMAKE_INSTALL_PREFIX}/${CF_PKCS11_MODULE_DIR}")
endif()

# p11-kit's own module-config directory when installing into /usr (what Debian does), else the same layout under
# the prefix so a /usr/local or staging install never writes outside it.
pkg_get_variable(CF_P11KIT_SYSTEM_CONFIGS p11-kit-1 p11_module_configs)
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND CF_P11KIT_SYSTEM_CONFIGS)
  set(CF_P11KIT_DEFAULT_CONFIGS "${CF_P11KIT_SYSTEM_CONFIGS}")
else()
  set(CF_P11KIT_DEFAULT_CONFIGS "${CMAKE_INSTALL_DATADIR}/p11-kit/modules")
endif()
set(CF_P11KIT_MODULE_CONFIGS "${CF_P11KIT_DEFAULT_CONFIGS}" CACHE STRING "Where cf-pkcs11.module is installed")

if(TARGET cf-pkcs11)
  install(TARGETS cf-pkcs11 LIBRARY DESTINATION "${CF_PKCS11_MODULE_DIR}" COMPONENT module)
endif()

# The registration names the module by its installed absolute path, so p11-kit finds it whatever the prefix.
set(CF_MODULE_CONF "${CMAKE_SOURCE_DIR}/conf/cf-pkcs11.module")
if(EXISTS "${CF_MODULE_CONF}")
  file(READ "${CF_MODULE_CONF}" CF_MODULE_TEXT)
  string(REGEX REPLACE "(^|\n)module:[^\n]*" "\\1module: ${CF_PKCS11_MODULE_FULL_DIR}/libcf-pkcs11.so"
         CF_MODULE_TEXT "${CF_MODULE_TEXT}")
  file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/install/cf-pkcs11.module" CONTENT "${CF_MODULE_TEXT}" @ONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CF_MODULE_CONF}")
  install(FILES "${CMAKE_BINARY_DIR}/install/cf-pkcs11.module" DESTINATION "${CF_P11KIT_MODULE_CONFIGS}"
          COMPONENT module)
else()
  message(STATUS "install: conf/cf-pkcs11.module absent, p11-kit registration not installed")
endif()

if(EXISTS "${CMAKE_SOURCE_DIR}/conf/cf-pkcs11.conf")
  install(FILES "${CMAKE_SOURCE_DIR}/conf/cf-pkcs11.conf" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples"
          COMPONENT module)
endif()

# Vendor attribute numbers for applications; the pkg-config file tells them the include path and the module path
# (no Libs: applications dlopen the module or reach it through p11-kit).
install(FILES "${CMAKE_SOURCE_DIR}/pkcs11/include/cf_pkcs11.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/cf-pkcs11"
        COMPONENT dev)
file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/install/cf-pkcs11.pc" @ONLY CONTENT [=[
prefix=@CMAKE_INSTALL_PREFIX@
includedir=@CMAKE_INSTALL_FULL_INCLUDEDIR@
p11_module_path=@CF_PKCS11_MODULE_FULL_DIR@
module=${p11_module_path}/libcf-pkcs11.so

Name: cf-pkcs11
Description: PKCS#11 token over the Certifier Framework's sealed cryptstore (vendor header, module path)
Version: @PROJECT_VERSION@
Requires: p11-kit-1
Cflags: -I${includedir}/cf-pkcs11
]=])
install(FILES "${CMAKE_BINARY_DIR}/install/cf-pkcs11.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
        COMPONENT dev)

foreach(tool cf-osutility cf-certifier cf-policy cf-attest cf-key-server cf-key-client)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT tools)
  endif()
endforeach()
