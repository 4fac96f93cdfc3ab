/**
 * The peers' guest (guests/peer-pio-out.S, built to guests/build/peer-pio-out.bin): one 64 KiB
 * real-mode image whose exit count is a 32-bit little-endian number at offset 4. Each length gets
 * its own copy in a temporary folder that is removed when measuring ends.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostError } from '../errors.js';
import { GUESTS_DIR } from '../guests/manifest.js';

export const PEER_GUEST = 'peer-pio-out';
export const PEER_GUEST_IMAGE = join(GUESTS_DIR, 'build', `${PEER_GUEST}.bin`);
/** A short jump over the count, then the count: the layout the host patches. */
const IMAGE_SIZE = 0x10000;
const COUNT_OFFSET = 4;
const MAX_COUNT = 0xffff_ffff;

/** The built image, checked for the layout this module patches. */
export function readPeerGuest(path = PEER_GUEST_IMAGE): Uint8Array {
  let image: Buffer;
  try {
    image = readFileSync(path);
  } catch (error) {
    throw new HostError(
      `the peer guest ${path} is missing (${(error as NodeJS.ErrnoException).code}): build it with npm run build:guests`,
    );
  }
  if (image.length !== IMAGE_SIZE || image[0] !== 0xeb) {
    throw new HostError(
      `the peer guest ${path} is not the 64 KiB image guests/${PEER_GUEST}.S builds: rebuild with npm run build:guests`,
    );
  }
  return image;
}

/** A copy of the image that makes `exits` PIO-out exits before it stops its VMM. */
export function withExitCount(image: Uint8Array, exits: number): Uint8Array {
  if (!Number.isInteger(exits) || exits < 1 || exits > MAX_COUNT) {
    throw new Error(`peer guest: the exit count must be a whole number from 1 to ${MAX_COUNT} (got ${exits})`);
  }
  const copy = Uint8Array.from(image);
  new DataView(copy.buffer).setUint32(COUNT_OFFSET, exits, true);
  return copy;
}

/** A temporary folder of patched images, one per exit count. */
export class GuestImages {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kvmbench-peers-'));
  private readonly paths = new Map<number, string>();
  constructor(private readonly image: Uint8Array = readPeerGuest()) {}

  path(exits: number): string {
    let path = this.paths.get(exits);
    if (!path) {
      path = join(this.dir, `${PEER_GUEST}-${exits}.bin`);
      writeFileSync(path, withExitCount(this.image, exits));
      this.paths.set(exits, path);
    }
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
