/** The peer VMMs by name. */
import { kvmtool } from './kvmtool.js';
import { qemu } from './qemu.js';
import { PEER_NAMES, type PeerName, type PeerVmm } from './types.js';

const PEERS: Record<PeerName, PeerVmm> = { qemu, kvmtool };

export function getPeer(name: PeerName): PeerVmm {
  return PEERS[name];
}

export function isPeerName(name: string): name is PeerName {
  return (PEER_NAMES as readonly string[]).includes(name);
}
