/**
 * A set of Entra object ids for one full read (the ids seen in a listing, the users in scope):
 * 16 bytes a GUID in an open-addressing table instead of a JS string and a Set entry (about
 * 100 bytes), so a million-member sync group costs about 32 MB at most. Ids that are not GUIDs
 * (never seen from Entra, but the type allows them) go to a plain Set.
 */
export class GuidSet {
  private words: Uint32Array;
  private used = new Uint8Array(0);
  private count = 0;
  private readonly others = new Set<string>();

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.words = new Uint32Array(slots * 4);
    this.used = new Uint8Array(slots);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  add(id: string): void {
    const key = parseGuid(id);
    if (!key) {
      this.others.add(id);
      return;
    }
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    if (this.insert(key)) this.count += 1;
  }

  has(id: string): boolean {
    const key = parseGuid(id);
    if (!key) return this.others.has(id);
    return this.find(key) >= 0;
  }

  [Symbol.iterator](): Generator<string> {
    return this.values();
  }

  /** Every id (GUIDs in lowercase, as Entra writes them), in no particular order. */
  *values(): Generator<string> {
    for (let slot = 0; slot < this.used.length; slot += 1) {
      if (this.used[slot]) yield formatGuid(this.words, slot * 4);
    }
    yield* this.others;
  }

  /** Inserts the key; false when it was there already. */
  private insert(key: Uint32Array): boolean {
    const mask = this.used.length - 1;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      if (!this.used[slot]) {
        this.words.set(key, slot * 4);
        this.used[slot] = 1;
        return true;
      }
      if (this.equals(slot, key)) return false;
    }
  }

  private find(key: Uint32Array): number {
    const mask = this.used.length - 1;
    for (let slot = hash(key) & mask; this.used[slot]; slot = (slot + 1) & mask) {
      if (this.equals(slot, key)) return slot;
    }
    return -1;
  }

  private equals(slot: number, key: Uint32Array): boolean {
    const w = this.words;
    const at = slot * 4;
    return w[at] === key[0] && w[at + 1] === key[1] && w[at + 2] === key[2] && w[at + 3] === key[3];
  }

  private grow(): void {
    const { words, used } = this;
    this.words = new Uint32Array(words.length * 2);
    this.used = new Uint8Array(used.length * 2);
    for (let slot = 0; slot < used.length; slot += 1) {
      if (used[slot]) this.insert(words.subarray(slot * 4, slot * 4 + 4));
    }
  }
}

const scratch = new Uint32Array(4);
/** Hex digit values by character code (-1: not a hex digit), upper and lower case. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i += 1) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}
/** The character positions of a GUID's hyphens. */
const HYPHENS = new Uint8Array(36);
for (const at of [8, 13, 18, 23]) HYPHENS[at] = 1;
const DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * The GUID's 128 bits as four words (in `scratch`: used at once, never kept), or null. One pass
 * over the characters: a full sync parses every member id of every group it reads.
 */
function parseGuid(id: string): Uint32Array | null {
  if (id.length !== 36) return null;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i += 1) {
    const code = id.charCodeAt(i);
    if (HYPHENS[i]) {
      if (code !== 45) return null;
      continue;
    }
    const value = code < 128 ? HEX[code]! : -1;
    if (value < 0) return null;
    word = (word << 4) | value;
    digits += 1;
    if ((digits & 7) === 0) scratch[(digits >> 3) - 1] = word >>> 0;
  }
  return scratch;
}

function formatGuid(words: Uint32Array, at: number): string {
  const b = (i: number) => {
    const w = words[at + (i >> 2)]!;
    return DIGITS[(w >>> (24 - (i & 3) * 8)) & 0xff]!;
  };
  return (
    b(0) +
    b(1) +
    b(2) +
    b(3) +
    '-' +
    b(4) +
    b(5) +
    '-' +
    b(6) +
    b(7) +
    '-' +
    b(8) +
    b(9) +
    '-' +
    b(10) +
    b(11) +
    b(12) +
    b(13) +
    b(14) +
    b(15)
  );
}

function hash(key: Uint32Array): number {
  // GUIDs are random: mixing two words is enough to spread them.
  return Math.imul(key[0]! ^ key[3]!, 0x9e3779b1) >>> 0;
}
