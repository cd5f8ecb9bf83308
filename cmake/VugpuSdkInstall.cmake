# Installs what an out-of-tree plugin builds against (core/CMakeLists.txt installs the headers):
#   ${libdir}/pkgconfig/vugpu-plugin-<abi>.pc   Cflags, plugindir, abiversion
#   ${libdir}/cmake/VugpuPlugin/                find_package(VugpuPlugin): target vugpu::sdk,
#                                               VugpuPlugin_PLUGIN_DIR, VugpuPlugin_ABI_VERSION
# The ABI version is in the pkg-config name: a plugin asks for the ABI it was written for, and a
# vugpu speaking another one refuses it at load time anyway (naming both versions).
include(CMakePackageConfigHelpers)

file(STRINGS "${PROJECT_SOURCE_DIR}/core/include/vugpu/plugin.hpp" _vugpu_abi_line
     REGEX "inline constexpr uint32_t kAbiVersion = [0-9]+")
if(_vugpu_abi_line MATCHES "kAbiVersion = ([0-9]+)")
  set(VUGPU_ABI_VERSION ${CMAKE_MATCH_1})
else()
  message(FATAL_ERROR "cannot read kAbiVersion from core/include/vugpu/plugin.hpp")
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/vugpu-plugin.pc.in
               ${PROJECT_BINARY_DIR}/sdk/vugpu-plugin-${VUGPU_ABI_VERSION}.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sdk/vugpu-plugin-${VUGPU_ABI_VERSION}.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(_vugpu_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/VugpuPlugin)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/VugpuPluginConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/sdk/VugpuPluginConfig.cmake
                              INSTALL_DESTINATION ${_vugpu_cmake_dir}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR VUGPU_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sdk/VugpuPluginConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sdk/VugpuPluginConfig.cmake
              ${PROJECT_BINARY_DIR}/sdk/VugpuPluginConfigVersion.cmake
        DESTINATION ${_vugpu_cmake_dir})
