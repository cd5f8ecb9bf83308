# -DVUGPU_SANITIZE=ON: everything built with AddressSanitizer + UndefinedBehaviorSanitizer (clang),
# every finding fatal (-fno-sanitize-recover=all), so a test that triggers one fails. scripts/test
# builds and runs the fast suite this way in build-asan/ (options and suppressions:
# tests/sanitizers/).
# -O1 keeps ASan's run time near Release's without the build time of -O2/-O3; line tables are
# enough for the reports' stack traces. The sanitizer runtime is linked into each executable;
# a plugin (a MODULE) takes its symbols from the program that loads it (cmake/VugpuPlugin.cmake).
option(VUGPU_SANITIZE "Build everything with ASan + UBSan, every finding fatal (clang; scripts/test's build-asan/)" OFF)
if(VUGPU_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VUGPU_SANITIZE needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14)")
  endif()
  set(_vugpu_sanitize -fsanitize=address,undefined -fno-sanitize-recover=all)
  add_compile_options(${_vugpu_sanitize} -fno-omit-frame-pointer -O1 -gline-tables-only)
  add_link_options(${_vugpu_sanitize})
  # pixman allocates its table of implementations once and never frees it. When renderer.pixman
  # is unloaded, libpixman goes with it and LeakSanitizer reports that table from an unknown
  # module, which no suppression can name: every program keeps libpixman loaded instead.
  add_link_options("$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:LINKER:--push-state,--no-as-needed,-lpixman-1,--pop-state>")
endif()
