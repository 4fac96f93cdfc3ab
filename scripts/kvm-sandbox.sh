#!/usr/bin/env bash
# kvm-sandbox.sh: run a command in a throw-away QEMU VM that has a real /dev/kvm, on a host that
# has none. The VM is fully software-emulated (QEMU TCG, no host KVM needed) with a CPU model that
# exposes AMD SVM, so the guest's Debian kernel loads kvm + kvm_amd (nested paging included) and
# the command inside can use the KVM API for real — slowly: every KVM exit costs tens of µs.
#
#   scripts/kvm-sandbox.sh [options] [-- command args...]
#
# The host directory DIR (default: the current directory) is shared read-write over virtio-9p at
# the same path inside the guest, the command runs there (in the current directory when it lies
# inside DIR) with the host's `node` on PATH, and its output is printed here. The script exits
# with the command's exit code (124 on timeout, 125 when the sandbox itself failed). The VM is
# always powered off / killed before the script returns.
#
# Options (environment variable in brackets):
#   -d, --dir DIR            host directory to share (default: $PWD)            [KVM_SANDBOX_DIR]
#   -t, --timeout SECS       kill the VM after SECS seconds (default 900)       [KVM_SANDBOX_TIMEOUT]
#   -m, --mem SIZE           guest memory (default 2G)                          [KVM_SANDBOX_MEM]
#       --smp N              guest vCPUs (default 1)                            [KVM_SANDBOX_SMP]
#                            N > 1 runs them all on one host thread (tcg,thread=single): with
#                            multi-threaded TCG, nested guests on two vCPUs at once hung the VM
#                            in 3 runs out of 4
#       --cpu MODEL          QEMU -cpu model (default max; must expose svm)     [KVM_SANDBOX_CPU]
#       --kvm-module NAME    kvm_amd (default) or kvm_intel                     [KVM_SANDBOX_KVM_MODULE]
#       --kvm-params PARAMS  module parameters, e.g. "npt=0"                    [KVM_SANDBOX_KVM_PARAMS]
#       --9p-cache MODE      9p cache mode: none, loose, mmap... (default loose: [KVM_SANDBOX_9P_CACHE]
#                            Node loads its modules 3x faster; the host must not change the shared
#                            files while the VM runs, as no test run does)
#   -e, --env NAME=VALUE     set a variable for the command (repeatable); CI, NODE_OPTIONS,
#                            NODE_ENV, NO_COLOR, FORCE_COLOR are passed through when set
#       --check-iters N      iterations of the PIO timing loop in the boot-time KVM check
#                            (default 0 = only the API/real-mode check; "skip" to skip it)
#       --rebuild            rebuild the cached initramfs
#   -v, --verbose            show the whole serial console (firmware, kernel, dmesg lines)
#   -h, --help
#
# Without a command it boots, prints `ls -l /dev/kvm` and the KVM check, and powers off.
# Kernel: the newest installed /boot/vmlinuz-*-amd64 (with its /lib/modules), else the kernel package
# that linux-image-amd64 points at, fetched with `apt-get download` and unpacked into the cache
# (KVM_SANDBOX_HOST_KERNEL=0 forces the latter). Cache: /tmp/kvm-sandbox-cache (KVM_SANDBOX_CACHE).
# Missing host packages (qemu-system-x86, busybox-static, cpio, kmod) are apt-get installed (root).
# Debugging: KVM_SANDBOX_ACCEL overrides -accel, KVM_SANDBOX_QEMU_ARGS adds qemu arguments,
# KVM_SANDBOX_BIOS picks the firmware ("" = SeaBIOS; default qboot.rom, which boots faster).
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPER_DIR="$SELF_DIR/kvm-sandbox"
CACHE=${KVM_SANDBOX_CACHE:-/tmp/kvm-sandbox-cache}
SHARE_DIR=${KVM_SANDBOX_DIR:-$PWD}
TIMEOUT=${KVM_SANDBOX_TIMEOUT:-900}
MEM=${KVM_SANDBOX_MEM:-2G}
SMP=${KVM_SANDBOX_SMP:-1}
CPU=${KVM_SANDBOX_CPU:-max}
KVM_MODULE=${KVM_SANDBOX_KVM_MODULE:-kvm_amd}
KVM_PARAMS=${KVM_SANDBOX_KVM_PARAMS:-}
P9_CACHE=${KVM_SANDBOX_9P_CACHE:-loose}
CHECK_ITERS=0
REBUILD=0
VERBOSE=0
EXTRA_ENV=()
CMD=()

say() { echo "[kvm-sandbox] $*" >&2; }
die() {
  say "error: $*"
  exit 125
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
  -d | --dir) SHARE_DIR=$2; shift 2 ;;
  -t | --timeout) TIMEOUT=$2; shift 2 ;;
  -m | --mem) MEM=$2; shift 2 ;;
  --smp) SMP=$2; shift 2 ;;
  --cpu) CPU=$2; shift 2 ;;
  --kvm-module) KVM_MODULE=$2; shift 2 ;;
  --kvm-params) KVM_PARAMS=$2; shift 2 ;;
  --9p-cache) P9_CACHE=$2; shift 2 ;;
  -e | --env) EXTRA_ENV+=("$2"); shift 2 ;;
  --check-iters) CHECK_ITERS=$2; shift 2 ;;
  --rebuild) REBUILD=1; shift ;;
  -v | --verbose) VERBOSE=1; shift ;;
  -h | --help) usage; exit 0 ;;
  --) shift; CMD=("$@"); break ;;
  *) die "unknown option '$1' (the command goes after --; see --help)" ;;
  esac
done
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds"
SHARE_DIR=$(cd "$SHARE_DIR" && pwd -P) || die "no such directory: $SHARE_DIR"
case $SHARE_DIR in *[[:space:]]* | *,*) die "the shared directory path must not contain spaces or commas" ;; esac

# ---------------------------------------------------------------------------------------------
# Host packages
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
# busybox-static: a static /bin/busybox (the dynamic "busybox" package would need its libs too).
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then need_pkgs+=(busybox-static); fi
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v depmod >/dev/null || need_pkgs+=(kmod)
command -v node >/dev/null || die "no node on PATH"
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"; } >&2 ||
    die "apt-get install ${need_pkgs[*]} failed"
fi
mkdir -p "$CACHE"

# ---------------------------------------------------------------------------------------------
# Kernel: the host's installed Debian kernel if there is one, else linux-image-amd64's current
# kernel package downloaded with apt-get and unpacked into the cache (the host's /boot is not touched).
find_kernel() {
  local v
  for v in $([ "${KVM_SANDBOX_HOST_KERNEL:-1}" = 0 ] || ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V -r); do
    if [ -f "/lib/modules/$v/modules.dep" ] && [ -f "/lib/modules/$v/kernel/arch/x86/kvm/kvm-amd.ko" ]; then
      KVER=$v VMLINUZ=/boot/vmlinuz-$v MODROOT=/
      return 0
    fi
  done
  for v in $(ls -1 "$CACHE"/kernel 2>/dev/null | sort -V -r); do
    if [ -f "$CACHE/kernel/$v/.done" ]; then
      KVER=$v VMLINUZ=$CACHE/kernel/$v/boot/vmlinuz-$v MODROOT=$CACHE/kernel/$v
      return 0
    fi
  done
  return 1
}
# One builder at a time (concurrent runs share the cache).
exec 9>"$CACHE/.lock"
flock 9
if ! find_kernel; then
  say "fetching a Debian kernel (linux-image-amd64) into $CACHE/kernel"
  apt-get update -qq >&2 || true
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !found {print $2; found = 1}')
  [ -n "$pkg" ] || die "cannot resolve linux-image-amd64 with apt-cache"
  v=${pkg#linux-image-}
  tmp=$(mktemp -d "$CACHE/kernel-dl.XXXXXX")
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2) || die "apt-get download $pkg failed"
  mkdir -p "$CACHE/kernel/$v"
  dpkg-deb -x "$tmp"/*.deb "$CACHE/kernel/$v" || die "cannot unpack $pkg"
  rm -rf "$tmp"
  [ -d "$CACHE/kernel/$v/lib/modules/$v" ] || mv "$CACHE/kernel/$v/usr/lib/modules" "$CACHE/kernel/$v/lib/" 2>/dev/null || true
  depmod -b "$CACHE/kernel/$v" "$v" || die "depmod failed"
  touch "$CACHE/kernel/$v/.done"
  find_kernel || die "kernel unpacked but not usable"
fi

# ---------------------------------------------------------------------------------------------
# Initramfs: busybox, the modules (with their dependencies), node + its shared libraries, the KVM
# check, /init. Rebuilt when any input changes.
NODE_BIN=$(readlink -f "$(command -v node)")
# Host tools the tests use where the host has them: perf (the tracing modes against real KVM
# tracepoints), prlimit (fd limits of a running process), strace (the lifecycles' system calls).
TOOLS=(perf prlimit strace)
stamp() { stat -L -c '%n %s %Y' "$@"; }
KEY=$({
  echo "v1 $KVER $MODROOT"
  stamp /bin/busybox "$NODE_BIN" "$VMLINUZ"
  for tool in "${TOOLS[@]}"; do if [ -x "/usr/bin/$tool" ]; then stamp "/usr/bin/$tool"; fi; done
  cat "$HELPER_DIR/init.sh" "$HELPER_DIR/kvm-check.c"
  sed -n '/^# BEGIN-BUILD/,/^# END-BUILD/p' "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KEY.cpio
LIBLIST=$CACHE/initramfs-$KEY.libs

# BEGIN-BUILD
MODULES=(kvm_amd kvm_intel virtio_pci 9pnet_virtio 9p)
build_initramfs() {
  local root mod f lib
  root=$(mktemp -d "$CACHE/root.XXXXXX")
  # mktemp made it 0700, and it becomes the guest's /: other users could reach no file at all.
  chmod 0755 "$root"
  mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,root,etc,mnt}
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  cp /bin/busybox "$root/usr/bin/busybox"
  ln -s busybox "$root/usr/bin/sh"
  install -m 0755 "$HELPER_DIR/init.sh" "$root/init"

  # Kernel modules, laid out as in /lib/modules so busybox modprobe resolves dependencies.
  for mod in "${MODULES[@]}"; do
    modprobe -d "$MODROOT" -S "$KVER" --show-depends "$mod" | awk '$1 == "insmod" {print $2}'
  done | sort -u | while read -r f; do
    rel=${f#"${MODROOT%/}"}
    mkdir -p "$root/usr$(dirname "${rel#/usr}")"
    cp "$f" "$root/usr${rel#/usr}"
  done
  cp "${MODROOT%/}/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$root/usr/lib/modules/$KVER/" 2>/dev/null || true
  depmod -b "$root" "$KVER"

  # node and the shared libraries it (and typical N-API addons) need; the host tools too.
  cp "$NODE_BIN" "$root/usr/bin/node"
  for tool in "${TOOLS[@]}"; do if [ -x "/usr/bin/$tool" ]; then cp "/usr/bin/$tool" "$root/usr/bin/$tool"; fi; done
  {
    ldd "$NODE_BIN"
    for tool in "${TOOLS[@]}"; do if [ -x "/usr/bin/$tool" ]; then ldd "/usr/bin/$tool"; fi; done
    ldd /bin/ls 2>/dev/null
    for lib in libstdc++.so.6 libgcc_s.so.1 librt.so.1 libresolv.so.2 libnss_files.so.2 libz.so.1 libutil.so.1; do
      ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found {print "x => " $NF; found = 1}'
    done
  } | awk '/=>/ && $3 ~ /^\// {print $3} /^[ \t]*\/.*ld-linux/ {print $1}' | LC_ALL=C sort -u >"$root/.libs"
  mkdir -p "$root/usr/lib/x86_64-linux-gnu"
  while read -r lib; do cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/"; done <"$root/.libs"
  ln -sf ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"
  printf '/usr/lib/x86_64-linux-gnu\n/usr/local/lib\n' >"$root/etc/ld.so.conf"
  ldconfig -r "$root" 2>/dev/null || true
  mv "$root/.libs" "$LIBLIST.tmp"

  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf '127.0.0.1 localhost kvm-sandbox\n::1 localhost\n' >"$root/etc/hosts"
  printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"

  if command -v gcc >/dev/null && gcc -O2 -static -o "$root/usr/bin/kvm-check" "$HELPER_DIR/kvm-check.c" 2>/dev/null; then
    :
  else
    say "warning: could not build the static KVM check (gcc/libc6-dev missing?); skipping it"
  fi

  (cd "$root" && find . -path ./.libs -prune -o -print | LC_ALL=C sort | cpio -o -H newc --quiet) >"$INITRD.tmp"
  rm -rf "$root"
  mv "$LIBLIST.tmp" "$LIBLIST"
  mv "$INITRD.tmp" "$INITRD"
}
# END-BUILD

if [ "$REBUILD" = 1 ] || [ ! -f "$INITRD" ] || [ ! -f "$LIBLIST" ]; then
  say "building initramfs for kernel $KVER (node $(node --version)) in $CACHE"
  rm -f "$CACHE"/initramfs-*.cpio "$CACHE"/initramfs-*.libs
  build_initramfs
fi
flock -u 9
exec 9>&-

# ---------------------------------------------------------------------------------------------
# Per-run control directory (second 9p share): config, the command, extra libraries, exit code.
RUN=$(mktemp -d "$CACHE/run.XXXXXX")
mkdir -p "$RUN/ctl/lib"
QPID= SPID=
cleanup() {
  local qemu_pid i
  if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
    qemu_pid=$(cat "$RUN/qemu.pid" 2>/dev/null || true)
    kill -TERM "$QPID" 2>/dev/null || true # timeout(1) passes it on to qemu
    for i in 1 2 3 4 5 6; do
      if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then sleep 0.5; else break; fi
    done
    [ -z "$qemu_pid" ] || kill -KILL "$qemu_pid" 2>/dev/null || true
    kill -KILL "$QPID" 2>/dev/null || true
  fi
  [ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

WORK_DIR=$(pwd -P)
case $WORK_DIR/ in "$SHARE_DIR"/*) ;; *) WORK_DIR=$SHARE_DIR ;; esac
{
  echo "SHARE_DIR=$(q "$SHARE_DIR")"
  echo "WORK_DIR=$(q "$WORK_DIR")"
  echo "KVM_MODULE=$(q "$KVM_MODULE")"
  echo "KVM_MODPARAMS=$(q "$KVM_PARAMS")"
  echo "P9_CACHE=$(q "$P9_CACHE")"
  echo "CHECK_ITERS=$(q "$CHECK_ITERS")"
  echo "VERBOSE=$VERBOSE"
} >"$RUN/ctl/config"

# Shared libraries that native addons (*.node) in the shared directory need beyond the initramfs,
# and the runtimes of `run --runtimes` (.runtimes/: Node 26 needs libatomic, which host node does not).
find "$SHARE_DIR" -xdev -name .git -prune -o \( -name '*.node' -o -path '*/.runtimes/node_modules/*' -perm -u+x \) \
  -type f -print 2>/dev/null | while read -r f; do
  ldd "$f" 2>/dev/null | awk '/=>/ && $3 ~ /^\// {print $3}'
done | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$LIBLIST" | while read -r lib; do
  cp -L "$lib" "$RUN/ctl/lib/" 2>/dev/null || true
done || true

{
  echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb KVM_SANDBOX=1"
  if [ -n "$(ls -A "$RUN/ctl/lib")" ]; then echo "export LD_LIBRARY_PATH=/run/ksctl/lib"; fi
  for v in CI NODE_OPTIONS NODE_ENV NO_COLOR FORCE_COLOR; do
    if [ -n "${!v+x}" ]; then echo "export $v=$(q "${!v}")"; fi
  done
  for kv in "${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"}"; do
    [[ $kv == *=* ]] || die "--env wants NAME=VALUE, got '$kv'"
    echo "export ${kv%%=*}=$(q "${kv#*=}")"
  done
  if [ ${#CMD[@]} -gt 0 ]; then
    printf 'exec'
    for a in "${CMD[@]}"; do printf ' %s' "$(q "$a")"; done
    echo
  else
    echo "exit 0"
  fi
} >"$RUN/ctl/cmd.sh"

# ---------------------------------------------------------------------------------------------
# QEMU accelerator: multi-threaded TCG (one host thread per vCPU) is not safe with nested SVM.
if [ "$SMP" = 1 ]; then ACCEL=${KVM_SANDBOX_ACCEL:-tcg}; else ACCEL=${KVM_SANDBOX_ACCEL:-tcg,thread=single}; fi

# Boot. The serial console goes to a file that is streamed here; qemu runs under timeout(1).
APPEND="console=ttyS0 panic=-1 mitigations=off tsc=reliable"
[ "$VERBOSE" = 1 ] || APPEND="$APPEND quiet loglevel=3"
# qboot (shipped with qemu-system-x86) boots a -kernel/-initrd a few seconds faster than SeaBIOS
# under TCG, mostly in copying the ~110 MB initramfs.
BIOS_ARGS=()
QBOOT=${KVM_SANDBOX_BIOS-/usr/share/qemu/qboot.rom}
if [ -n "$QBOOT" ] && [ -f "$QBOOT" ]; then BIOS_ARGS=(-bios "$QBOOT"); fi
LOG=$RUN/console.log
: >"$LOG"
START=$(date +%s.%N)
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
  -accel "$ACCEL" -cpu "$CPU" -m "$MEM" -smp "$SMP" \
  -nodefaults -no-user-config -display none -no-reboot "${BIOS_ARGS[@]+"${BIOS_ARGS[@]}"}" \
  -kernel "$VMLINUZ" -initrd "$INITRD" -append "$APPEND" \
  -chardev file,id=con,path="$LOG" -serial chardev:con -pidfile "$RUN/qemu.pid" \
  -virtfs "local,path=$SHARE_DIR,mount_tag=host0,security_model=none,id=fs0" \
  -virtfs "local,path=$RUN/ctl,mount_tag=ksctl,security_model=none,id=fs1" \
  ${KVM_SANDBOX_QEMU_ARGS:-} </dev/null >"$RUN/qemu.out" 2>&1 &
QPID=$!

# Line by line: awk strips the console's \r itself (tr would hold the output back in 4 KiB blocks),
# and mawk, Debian's awk, reads a pipe line by line only when told to.
case $(awk -W version 2>&1) in mawk*) STREAM_AWK=(awk -W interactive) ;; *) STREAM_AWK=(awk) ;; esac
tail -n +1 -F --pid="$QPID" "$LOG" 2>/dev/null | "${STREAM_AWK[@]}" -v verbose="$VERBOSE" '
  { sub(/\r$/, "") }
  /^===KVM-SANDBOX-EXIT=/ { done = 1; next }
  done && !verbose && /^\[ *[0-9.]+\] reboot: Power down/ { next }
  /^===KVM-SANDBOX-BEGIN===/ { started = 1; next }
  { if (verbose || started || /^\[kvm-sandbox\]/) { print; fflush() } }
' &
SPID=$!
# (wait, unlike a foreground pipeline, lets the INT/TERM traps run at once)
set +e
wait "$QPID"
qrc=$?
wait "$SPID"
set -e
QPID= SPID=
END=$(date +%s.%N)

if [ -s "$RUN/ctl/rc" ]; then
  rc=$(cat "$RUN/ctl/rc")
elif m=$(tr -d '\r' <"$LOG" | grep -a -o '^===KVM-SANDBOX-EXIT=[0-9]*' | tail -n1) && [ -n "$m" ]; then
  rc=${m#*=*=}
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  say "timed out after ${TIMEOUT}s; VM killed"
  rc=124
else
  say "the VM stopped without reporting an exit code (qemu exit $qrc)"
  sed 's/^/[kvm-sandbox] qemu: /' "$RUN/qemu.out" >&2
  [ "$VERBOSE" = 1 ] || tr -d '\r' <"$LOG" | tail -n 30 | sed 's/^/[kvm-sandbox] console: /' >&2
  rc=125
fi
say "exit code $rc, VM ran $(awk -v a="$START" -v b="$END" 'BEGIN {printf "%.1f", b - a}') s"
exit "$rc"
