# CANOPY_SANITIZE: sanitizers to build every target of the project with
# (comma-separated), so that instrumented and plain code never mix:
#   address,undefined  AddressSanitizer and UBSan (the runtime tells ASan of
#                      every stack switch: core/src/asan_fiber.hpp)
#   thread             ThreadSanitizer (told of every switch as a fiber
#                      switch, same file); not combinable with address
find_package(Threads REQUIRED)
if(CANOPY_SANITIZE)
  string(REPLACE "," ";" _canopy_sanitizers "${CANOPY_SANITIZE}")
  if("thread" IN_LIST _canopy_sanitizers AND "address" IN_LIST _canopy_sanitizers)
    message(FATAL_ERROR "CANOPY_SANITIZE: thread and address cannot be combined; build them apart")
  endif()
  set(CANOPY_SANITIZE_FLAGS "")
  foreach(s IN LISTS _canopy_sanitizers)
    list(APPEND CANOPY_SANITIZE_FLAGS "-fsanitize=${s}")
  endforeach()
  list(APPEND CANOPY_SANITIZE_FLAGS -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${CANOPY_SANITIZE_FLAGS})
  add_link_options(${CANOPY_SANITIZE_FLAGS})
endif()
