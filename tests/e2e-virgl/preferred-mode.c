/* LD_PRELOAD shim for the e2e guest: drmModeGetConnector() returns only the connector's preferred
 * mode (or its first one), so programs that pick the largest mode (glmark2-es2-drm 2023.01 takes
 * 5120x2160 from QEMU's EDID) run at the mode the device prefers, like kmscube does.
 * Built by make-initramfs-virgl with the host's gcc; test-only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <xf86drmMode.h>

drmModeConnectorPtr drmModeGetConnector(int fd, uint32_t connector_id) {
  static drmModeConnectorPtr (*real)(int, uint32_t);
  if (!real) real = (drmModeConnectorPtr(*)(int, uint32_t))dlsym(RTLD_NEXT, "drmModeGetConnector");
  drmModeConnectorPtr c = real ? real(fd, connector_id) : NULL;
  if (c && c->count_modes > 1) {
    int keep = 0;
    for (int i = 0; i < c->count_modes; i++)
      if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) { keep = i; break; }
    c->modes[0] = c->modes[keep];  /* the array stays as allocated: drmModeFreeConnector frees it */
    c->count_modes = 1;
  }
  return c;
}
