/* A library that links libEGL: check-gl-free must reject it. */
#include <EGL/egl.h>
void* gl_free_selftest_display(void) { return eglGetDisplay(EGL_DEFAULT_DISPLAY); }
