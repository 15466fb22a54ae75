/**
 * Strings by a 32-bit hash, for "was this one added?" answered "maybe" or "no": a claimed address
 * of a first sync (user-phase.ts). 8 bytes a string at most (an open-addressing table of hashes
 * at most half full), so a million-user first sync keeps about 8 MB; strings themselves are not
 * kept. "Maybe" for a string never added happens for about one in 4,000 at a million (two
 * strings sharing a hash): the caller then asks the database, so it costs a query, never a
 * wrong answer.
 */
export class HashFilter {
  private slots = new Uint32Array(1024);
  private count = 0;

  add(text: string): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    if (this.insert(hash(text))) this.count += 1;
  }

  /** False: never added. True: added, or another string with the same hash was. */
  mayHave(text: string): boolean {
    const key = hash(text);
    const mask = this.slots.length - 1;
    for (let slot = spread(key) & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.slots[slot] === key) return true;
    }
    return false;
  }

  private insert(key: number): boolean {
    const mask = this.slots.length - 1;
    for (let slot = spread(key) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot];
      if (held === key) return false;
      if (held === 0) {
        this.slots[slot] = key;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (const key of old) if (key !== 0) this.insert(key);
  }
}

/** FNV-1a over the UTF-16 code units; 0 marks an empty slot, so it never is a hash. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0 || 1;
}

/** The slot a hash starts at: FNV's low bits alone cluster on similar strings. */
function spread(key: number): number {
  return Math.imul(key ^ (key >>> 16), 0x45d9f3b) >>> 0;
}
