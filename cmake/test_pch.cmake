# One precompiled header for every GoogleTest executable (CI time): each test file otherwise parses gtest.h and
# the same standard headers again, about a fifth of a test file's compile time at -O2. cf_precompile_test_headers()
# runs once from the top-level CMakeLists after every add_subdirectory and finds the test executables by what they
# link (GTest::gtest_main or GTest::gtest), so a new test target gets it without asking. The header is built once
# per build tree by cf_test_pch (so per configuration, with that tree's flags) and reused by all (REUSE_FROM), which
# needs the same compiler flags: every test is an executable built with the tree's global flags; a test with
# compile options of its own is left out.
# GCC only: clang refuses a PCH whose command line defines differ, and the tests' defines differ (CF_FUZZ trees);
# scripts/test.sh's sanitizer trees are clang's and go without. (A precompiled CLI11 for the tools was tried and
# dropped: a tool's main.cc took 13.3 s with it and 14.5 s without, the cost being code generation, not parsing.)
# -DCF_PCH=OFF builds without it, e.g. to check that every test file includes what it uses.
option(CF_PCH "Precompile gtest.h and common standard headers for the test executables (GCC)" ON)

# The headers: gtest.h, included by every test file, and the standard headers that at least ten test files include
# beyond what gtest.h brings. Nothing of ours and no protobuf: pkcs11_abi_test and its kind must not see our
# libraries, and a header of ours here would rebuild every test whenever it changed.
set(CF_TEST_PCH_HEADERS <gtest/gtest.h> <filesystem> <fstream> <thread> <chrono> <atomic> <cstring> <unistd.h>)

function(cf_collect_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    cf_collect_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(cf_precompile_test_headers)
  if(NOT CF_PCH OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  # tests/ found GoogleTest in its own directory scope; its imported targets are needed here too.
  find_package(GTest QUIET)
  if(NOT TARGET GTest::gtest_main)
    return()
  endif()
  cf_collect_targets(${CMAKE_SOURCE_DIR} targets)
  get_property(tree_options DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTY COMPILE_OPTIONS)
  set(users "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(options ${t} COMPILE_OPTIONS)
    if(NOT type STREQUAL "EXECUTABLE" OR NOT libs OR NOT "${options}" STREQUAL "${tree_options}")
      continue()
    endif()
    if("GTest::gtest_main" IN_LIST libs OR "GTest::gtest" IN_LIST libs)
      list(APPEND users ${t})
    endif()
  endforeach()
  if(NOT users)
    return()
  endif()
  # An executable like the tests (same -fPIE, same GTest flags); its one source is empty, gtest_main gives main().
  set(anchor ${CMAKE_BINARY_DIR}/cf_test_pch.cc)
  file(CONFIGURE OUTPUT ${anchor} CONTENT "// The precompiled header's owner (cmake/test_pch.cmake).\n")
  add_executable(cf_test_pch ${anchor})
  target_link_libraries(cf_test_pch GTest::gtest_main)
  target_precompile_headers(cf_test_pch PRIVATE ${CF_TEST_PCH_HEADERS})
  # GCC 12 (Debian 12's) loses `#pragma GCC diagnostic` state that comes from a precompiled header, so libstdc++'s
  # own silencing of these three warnings in bits/char_traits.h is gone, and its known false positives on string
  # concatenation (`std::string(a) + "/" + b` at -O2, tests/conformance/module_under_test.cc) fail -Werror builds.
  # Silenced as libstdc++ silences them, for the PCH's test targets only; -DCF_PCH=OFF compiles the tests with them.
  set(lost_pragmas -Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread)
  foreach(t IN LISTS users)
    target_precompile_headers(${t} REUSE_FROM cf_test_pch)
  endforeach()
  foreach(t IN LISTS users ITEMS cf_test_pch)
    target_compile_options(${t} PRIVATE ${lost_pragmas})
  endforeach()
  list(LENGTH users n)
  message(STATUS "Precompiled test headers: ${n} test executables (CF_PCH)")
endfunction()
