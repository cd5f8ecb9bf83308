#!/bin/sh
# /init of the virgl e2e guest (make-initramfs-virgl puts it over tests/e2e's /init).
# Same serial marker format as tests/e2e ("VUGPU-E2E: <what> t=<uptime>"), so vmlib's marker
# waits work. Scenario from the kernel command line: vugpu.scenario=
#   eglinfo   eglinfo, then idle
#   kmscube   eglinfo, then kmscube on the first connector (stdin: a pipe that stays open),
#             extra arguments from vugpu.kmscube=ARG,ARG,... (e.g. -M,rgba)
#   glmark2   glmark2-es2-drm with vugpu.glmark2=ARG,ARG,... (commas -> spaces), preferred mode only
#   shell     a shell on the console
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mkdir -p /run/user/0 && chmod 700 /run/user/0
export XDG_RUNTIME_DIR=/run/user/0 HOME=/tmp

t() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "VUGPU-E2E: $* t=$(t)" > /dev/console; }
fail() { mark "FAIL $*"; idle; }
idle() { while :; do sleep 3600; done; }

mark "init started"
arg() {  # value of vugpu.<name>= on the kernel command line
  for w in $(cat /proc/cmdline); do
    case $w in "vugpu.$1="*) echo "${w#*=}"; return ;; esac
  done
}
scenario=$(arg scenario); scenario=${scenario:-kmscube}
mark "scenario $scenario"
mark "guest memory $(awk '/MemTotal|MemAvailable/ {printf "%s %s kB ", $1, $2}' /proc/meminfo)"

for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m 2>/tmp/insmod.err || { cat /tmp/insmod.err > /dev/console; fail "insmod $m"; }
done
mark "modules loaded"

i=0
while [ ! -e /dev/dri/card0 ]; do
  i=$((i+1)); [ $i -gt 300 ] && fail "no /dev/dri/card0 after 30s"
  usleep 100000
done
dev=$(ls /sys/bus/virtio/drivers/virtio_gpu 2>/dev/null | grep virtio | head -1)
mark "driver bound ($dev)"
# Negotiated feature bits (bit 0 = VIRTIO_GPU_F_VIRGL, 1 = EDID, 3 = RESOURCE_BLOB, 4 = CONTEXT_INIT)
mark "virtio features ${dev:+$(cat /sys/bus/virtio/devices/$dev/features)}"
dmesg | grep -i 'virtio.gpu\|\[drm\]' | while read -r l; do mark "dmesg: $l"; done
[ -e /dev/dri/renderD128 ] && mark "render node: yes" || mark "render node: no"

run_bg() {  # name args...; stdin a pipe that stays open (kmscube exits after one frame otherwise)
  name=$1; shift
  mark "$name started: $*"
  # a FIFO, not `sleep | prog`: the shell would wait for sleep too and never report the exit
  mkfifo /tmp/$name.stdin
  (
    sleep 2147483647 > /tmp/$name.stdin &
    holder=$!
    "$@" < /tmp/$name.stdin > /dev/console 2>&1
    rc=$?
    kill $holder 2>/dev/null
    mark "$name exited rc=$rc"
  ) &
}

run_eglinfo() {
  # eglinfo (mesa-utils 8.5) initialises every EGL platform and prints each one's driver; the
  # GBM platform on the KMS node is the path kmscube and glmark2-es2-drm take. The others fail
  # here by design (they would need swrast, which this guest does not have): rc != 0 is normal.
  eglinfo > /tmp/eglinfo.txt 2>&1
  rc=$?
  grep -v '^0x' /tmp/eglinfo.txt > /dev/console
  awk '/^[A-Za-z].* platform:$/ {p=$1} /^EGL driver name:/ {print p "=" $4}' /tmp/eglinfo.txt \
    | tr '\n' ' ' > /tmp/eglinfo.drivers
  mark "eglinfo rc=$rc drivers: $(cat /tmp/eglinfo.drivers)"
}

case $scenario in
  eglinfo)
    run_eglinfo
    ;;
  kmscube)
    run_eglinfo
    run_bg kmscube kmscube -D /dev/dri/card0 $(arg kmscube | tr ',' ' ')
    ;;
  glmark2)
    command -v glmark2-es2-drm > /dev/null || fail "glmark2-es2-drm is not in this guest (install it on the host, rebuild)"
    args=$(arg glmark2 | tr ',' ' ')
    run_bg glmark2 env LD_PRELOAD=/usr/lib/vugpu-preferred-mode.so glmark2-es2-drm $args
    ;;
  shell)
    mark "shell"
    setsid sh -c 'exec sh </dev/console >/dev/console 2>&1'
    ;;
  *)
    fail "unknown scenario $scenario"
    ;;
esac
mark "scenario running"
idle
