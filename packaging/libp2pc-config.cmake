# CMake package file for libp2pc. Use:
#   list(APPEND CMAKE_PREFIX_PATH /path/to/build/lib/cmake)   # or -Dlibp2pc_DIR=...
#   find_package(libp2pc REQUIRED)
#   target_link_libraries(app PRIVATE libp2pc::libp2pc)          # shared
#   target_link_libraries(app PRIVATE libp2pc::libp2pc_static)   # static archive
get_filename_component(_libp2pc_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
find_package(Threads REQUIRED)
if(NOT TARGET libp2pc::libp2pc)
  add_library(libp2pc::libp2pc SHARED IMPORTED)
  set_target_properties(libp2pc::libp2pc PROPERTIES
    IMPORTED_LOCATION "${_libp2pc_prefix}/lib/libp2pc.so"
    IMPORTED_SONAME "libp2pc.so"
    INTERFACE_INCLUDE_DIRECTORIES "${_libp2pc_prefix}/include")
  add_library(libp2pc::libp2pc_static STATIC IMPORTED)
  set_target_properties(libp2pc::libp2pc_static PROPERTIES
    IMPORTED_LOCATION "${_libp2pc_prefix}/lib/libp2pc.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_libp2pc_prefix}/include"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;m;dl;resolv")
endif()
set(libp2pc_VERSION 0.1.0)
set(libp2pc_FOUND TRUE)
