# canopy_sanitize(target): builds `target` with the sanitizers named in
# CANOPY_SANITIZE (comma-separated, e.g. "address,undefined"). Applied to every
# target of the project so that instrumented and plain code never mix.
find_package(Threads REQUIRED)
if(CANOPY_SANITIZE)
  string(REPLACE "," ";" _canopy_sanitizers "${CANOPY_SANITIZE}")
  set(CANOPY_SANITIZE_FLAGS "")
  foreach(s IN LISTS _canopy_sanitizers)
    list(APPEND CANOPY_SANITIZE_FLAGS "-fsanitize=${s}")
  endforeach()
  list(APPEND CANOPY_SANITIZE_FLAGS -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${CANOPY_SANITIZE_FLAGS})
  add_link_options(${CANOPY_SANITIZE_FLAGS})
endif()
function(canopy_sanitize target)
  # Flags are global (add_compile_options above); kept as a hook so targets
  # state that they take part.
endfunction()
