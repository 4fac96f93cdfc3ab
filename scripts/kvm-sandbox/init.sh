#!/bin/sh
# /init of the kvm-sandbox initramfs (see scripts/kvm-sandbox.sh). Runs as PID 1 inside the
# TCG-emulated VM: mounts the pseudo filesystems, loads kvm + kvm_amd, mounts the shared host
# directory over 9p, runs /run/ksctl/cmd.sh and reports its exit code, then powers off.
/bin/busybox --install -s
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
umask 022

log() { echo "[kvm-sandbox] $*"; }
fail() {
  log "FATAL: $*"
  echo "===KVM-SANDBOX-EXIT=125==="
  sync
  poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up 2>/dev/null
hostname kvm-sandbox

for m in virtio_pci 9pnet_virtio 9p; do modprobe "$m" || fail "modprobe $m failed"; done
mkdir -p /run/ksctl
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 ksctl /run/ksctl || fail "cannot mount the control share"
# shellcheck disable=SC1091
. /run/ksctl/config # SHARE_DIR WORK_DIR KVM_MODULE KVM_MODPARAMS P9_CACHE CHECK_ITERS VERBOSE

mkdir -p "$SHARE_DIR"
mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,cache=$P9_CACHE" host0 "$SHARE_DIR" ||
  fail "cannot mount the shared directory at $SHARE_DIR"

# shellcheck disable=SC2086
if ! modprobe "$KVM_MODULE" $KVM_MODPARAMS; then
  log "modprobe $KVM_MODULE $KVM_MODPARAMS failed"
fi
if [ "$VERBOSE" = 1 ]; then
  log "cpu flags: $(grep -m1 -o -w -E 'svm|vmx|npt|ept|nrip_save' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  dmesg | grep -i -E 'kvm|svm|vmx' | sed 's/^/[kvm-sandbox] dmesg: /'
fi
log "kernel $(uname -r), $(nproc) vcpu(s), $(grep MemTotal /proc/meminfo | tr -s ' ')"
log "$(ls -l /dev/kvm 2>&1)"
if [ ! -c /dev/kvm ]; then
  dmesg | grep -i -E 'kvm|svm|vmx' | sed 's/^/[kvm-sandbox] dmesg: /'
fi
if [ "$CHECK_ITERS" != skip ] && [ -x /usr/bin/kvm-check ]; then
  /usr/bin/kvm-check "$CHECK_ITERS" 2>&1 | sed 's/^/[kvm-sandbox] /'
fi

echo "===KVM-SANDBOX-BEGIN==="
cd "$WORK_DIR" || cd "$SHARE_DIR" || cd /
sh /run/ksctl/cmd.sh </dev/null
rc=$?
echo "$rc" >/run/ksctl/rc
echo "===KVM-SANDBOX-EXIT=$rc==="
cd /
sync
umount "$SHARE_DIR" 2>/dev/null
umount /run/ksctl 2>/dev/null
poweroff -f
