# cmake --install: headers, the static and shared runtime library, the
# `canopy` program, a CMake package (find_package(canopy) -> canopy::canopy)
# and a pkg-config file (canopy.pc), so that
#   cc prog.c $(pkg-config --cflags --libs canopy)
# builds a program that includes <libdill.h>.
include(CMakePackageConfigHelpers)

install(DIRECTORY core/include/ sim/include/ trace/include/ net/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(TARGETS canopy_static canopy_shared canopy_peers EXPORT canopyTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT canopyTargets NAMESPACE canopy:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/canopy)
configure_package_config_file(cmake/canopyConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/canopyConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/canopy)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/canopyConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/canopyConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/canopyConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/canopy)
configure_file(cmake/canopy.pc.in ${CMAKE_CURRENT_BINARY_DIR}/canopy.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/canopy.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
