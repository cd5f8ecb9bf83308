# vugpu_add_plugin(<target> <dotted-name> <sources...>)
# Builds vugpu-<dotted-name>.so into the build tree's plugin folder and installs it under
# ${libdir}/vugpu/plugins. A plugin links the SDK only, never the core.
function(vugpu_add_plugin target plugin_name)
  add_library(${target} MODULE ${ARGN})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "vugpu-${plugin_name}"
    LIBRARY_OUTPUT_DIRECTORY "${VUGPU_BUILD_PLUGIN_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE vugpu::sdk)
  # Every symbol resolved at link time, except under the sanitizers: their runtime lives in the
  # program that loads the plugin (cmake/VugpuSanitize.cmake).
  target_link_options(${target} PRIVATE $<$<NOT:$<BOOL:${VUGPU_SANITIZE}>>:-Wl,--no-undefined> -Wl,--as-needed)
  install(TARGETS ${target} LIBRARY DESTINATION "${VUGPU_PLUGIN_INSTALL_DIR}" COMPONENT ${target})
  set_property(GLOBAL APPEND PROPERTY VUGPU_PLUGIN_TARGETS ${target})
endfunction()
