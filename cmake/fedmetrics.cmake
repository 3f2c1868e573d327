# Warnings every fedmetrics target compiles with; third-party headers come in as system includes.
add_library(fedmetrics_warnings INTERFACE)
target_compile_options(fedmetrics_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict positives inside std::string concatenation at -O2/-O3 (GCC PR 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # GCC 12 false positives: Asio's awaitable frame allocator (-Wmismatched-new-delete) and nlohmann/json
  # iterators inlined at -O2 (-Wmaybe-uninitialized). The ASan/UBSan build covers what these would catch.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete -Wno-maybe-uninitialized>
  $<$<BOOL:${FEDMETRICS_WERROR}>:-Werror>)

# fedmetrics_add_library(NAME kube SOURCES a.cpp ... [DEPS x y] [PRIVATE_DEPS z])
# creates fedmetrics_<NAME> with ALIAS fedmetrics::<NAME>; includes are written from the repository root.
function(fedmetrics_add_library)
  cmake_parse_arguments(ARG "INTERFACE" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target fedmetrics_${ARG_NAME})
  if(ARG_INTERFACE)
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  else()
    add_library(${target} STATIC ${ARG_SOURCES})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE fedmetrics_warnings ${ARG_PRIVATE_DEPS})
  endif()
  add_library(fedmetrics::${ARG_NAME} ALIAS ${target})
endfunction()

# fedmetrics_add_unit_test(NAME kubeapi SOURCES x_test.cpp ... DEPS fedmetrics::kubeapi)
# one Catch2 executable per module, tests discovered with the label "unit".
function(fedmetrics_add_unit_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  set(target fedmetrics_${ARG_NAME}_unit_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} fedmetrics::test_fakes fedmetrics::test_support
    Catch2::Catch2WithMain fedmetrics_warnings)
  catch_discover_tests(${target} TEST_PREFIX "${ARG_NAME}: " PROPERTIES LABELS unit)
  # `ninja unit_tests` builds every unit-test executable and nothing else (the sanitizer stage needs no
  # server binary, benchmarks or e2e programs: half the ASan build time).
  if(NOT TARGET unit_tests)
    add_custom_target(unit_tests)
  endif()
  add_dependencies(unit_tests ${target})
endfunction()
