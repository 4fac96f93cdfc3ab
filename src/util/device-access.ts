/**
 * Who may open a device node, and the fix that works for its permission model. Hosts differ: 0666
 * (Ubuntu's udev rule), 0660 root:kvm (Debian, Fedora), 0600 root:root (minimal and nested setups,
 * where no group can open it and `--group-add` cannot help). `adviseDeviceAccess` is pure (facts in,
 * advice out); `readDeviceFacts` gathers the facts for it.
 */
import { readFileSync, statSync } from 'node:fs';

/** world: everyone may read and write (0666). group: a group may (0660). owner-only: only the owner (0600). */
export type AccessModel = 'world' | 'group' | 'owner-only';

export interface DeviceFacts {
  path: string;
  /** st_mode; only the permission bits are read. */
  mode: number;
  uid: number;
  gid: number;
  ownerName?: string | undefined;
  groupName?: string | undefined;
  /** Inside a container the fix is a `docker run` flag; on the host it is a change to the host. */
  inContainer: boolean;
  /** Who is asking: effective uid and every group (effective and supplementary). */
  processUid: number;
  processGroups: readonly number[];
}

export interface DeviceAdvice {
  model: AccessModel;
  /** "crw------- root:root (0600)". */
  description: string;
  /** Whether the mode bits alone let this process read and write it (root always may). */
  modeAllows: boolean;
  /** The least `docker run` flags that open it in a container, beyond `--device <path>`. */
  dockerFlags: string[];
  /** What to do, for this model and this place (host or container), with what each choice costs. */
  fix: string;
}

const RW = 0o6;

export function accessModel(mode: number): AccessModel {
  if (((mode >> 0) & RW) === RW) return 'world';
  if (((mode >> 3) & RW) === RW) return 'group';
  return 'owner-only';
}

/** "crw-rw----" from st_mode (character devices; other types get "-"). */
export function modeString(mode: number): string {
  const type = (mode & 0o170000) === 0o020000 ? 'c' : (mode & 0o170000) === 0o060000 ? 'b' : '-';
  const bits = 'rwxrwxrwx';
  let out = type;
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? bits[i] : '-';
  return out;
}

function modeAllowsRw(facts: DeviceFacts): boolean {
  if (facts.processUid === 0) return true;
  const shift = facts.processUid === facts.uid ? 6 : facts.processGroups.includes(facts.gid) ? 3 : 0;
  return ((facts.mode >> shift) & RW) === RW;
}

export function adviseDeviceAccess(facts: DeviceFacts): DeviceAdvice {
  const { path } = facts;
  const model = accessModel(facts.mode);
  const owner = facts.ownerName ?? String(facts.uid);
  const group = facts.groupName ?? String(facts.gid);
  const octal = (facts.mode & 0o777).toString(8).padStart(4, '0');
  const description = `${modeString(facts.mode)} ${owner}:${group} (${octal})`;
  const modeAllows = modeAllowsRw(facts);
  const base = { model, description, modeAllows };

  if (modeAllows) {
    // The mode bits let us in, so something else refuses: the device cgroup, an LSM, a nosuid/nodev mount.
    const fix = facts.inContainer
      ? `its mode lets this user in, so the container's device cgroup refuses it: pass the device with \`docker run --device ${path}\` (a bind mount -v ${path} is not enough)`
      : `its mode lets this user in, so something else refuses it: an LSM (SELinux, AppArmor), a device cgroup (systemd DeviceAllow=, a container), or a /dev mounted nodev`;
    return { ...base, dockerFlags: [], fix };
  }

  if (model === 'group') {
    const fix = facts.inContainer
      ? `only group ${group} may open it and this container's user is not in it: add \`--group-add ${facts.gid}\` to docker run (the host's gid; the container need not know the name). That gives the container KVM access and nothing else`
      : `only group ${group} may open it: \`sudo usermod -aG ${group} $USER\`, then log in again (or \`newgrp ${group}\`). Membership lets that user create VMs and nothing else. In Docker add --group-add ${facts.gid}`;
    return { ...base, dockerFlags: ['--group-add', String(facts.gid)], fix };
  }

  // Owner-only (0600 root:root and the like): no group can open it, so --group-add cannot help.
  const hostFix = `\`sudo groupadd -f kvm && sudo chgrp kvm ${path} && sudo chmod 0660 ${path}\`, made lasting by the udev rule \`KERNEL=="kvm", GROUP="kvm", MODE="0660"\` in /etc/udev/rules.d/65-kvm.rules (then \`sudo udevadm control --reload && sudo udevadm trigger ${path}\`); members of kvm may then create VMs and nothing else`;
  const fix = facts.inContainer
    ? `only ${owner} may open it (no group can, so --group-add cannot help). Either run this container with \`--user 0\`: root in the container, so files it writes to mounted folders belong to root and a container escape would be root on the host; or, better, fix it on the host: ${hostFix}, and run with \`--group-add $(stat -c %g ${path})\``
    : `only ${owner} may open it (no group can). Either fix it on the host: ${hostFix}, then \`sudo usermod -aG kvm $USER\` and log in again; or run kvmbench as ${owner} for this run (\`sudo\`), which gives the benchmark all of that user's rights; in Docker that is \`--user 0\``;
  return { ...base, dockerFlags: ['--user', String(facts.uid)], fix };
}

/** Whether this process runs in a container (Docker, containerd, Kubernetes, Podman). */
export function runningInContainer(): boolean {
  try {
    statSync('/.dockerenv');
    return true;
  } catch {}
  try {
    statSync('/run/.containerenv');
    return true;
  } catch {}
  try {
    return /docker|containerd|kubepods|libpod/.test(readFileSync('/proc/1/cgroup', 'utf8'));
  } catch {
    return false;
  }
}

/** name for id from /etc/passwd or /etc/group (field 0 is the name, field 2 the id). */
function nameOf(file: string, id: number): string | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[2] === String(id)) return fields[0];
    }
  } catch {}
  return undefined;
}

/** The facts for `path` as this process sees them, or undefined when it cannot be stat'ed. */
export function readDeviceFacts(path: string): DeviceFacts | undefined {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  const uid = process.geteuid?.() ?? -1;
  const groups = new Set([...(process.getgroups?.() ?? []), process.getegid?.() ?? -1]);
  return {
    path,
    mode: Number(stat.mode),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    ownerName: nameOf('/etc/passwd', Number(stat.uid)),
    groupName: nameOf('/etc/group', Number(stat.gid)),
    inContainer: runningInContainer(),
    processUid: uid,
    processGroups: [...groups],
  };
}

/** The sentence for an EACCES/EPERM on opening `path`: its mode, owner and group, and the fix for them. */
export function deviceAccessHint(path: string): string {
  const facts = readDeviceFacts(path);
  if (!facts) return `no permission on ${path}, and it cannot be stat'ed to say why: check it with \`ls -l ${path}\``;
  const advice = adviseDeviceAccess(facts);
  return `no permission on ${path}, which is ${advice.description}: ${advice.fix}`;
}
