// bcrypt as golang.org/x/crypto/bcrypt computes it, which is what terraform-provider-random
// uses for `bcrypt_hash`: "$2a$", the cost, a 16-byte salt and 23 bytes of the EksBlowfish
// encryption of "OrpheanBeholderScryDoubt", in bcrypt's own base64. No bcrypt package is among
// this project's dependencies, and Node's crypto has no Blowfish.
//
// Blowfish's initial P-array and S-boxes are, by definition, the fractional hexadecimal digits of
// pi (18 + 4 x 256 words), so they are computed here rather than copied as a table of constants.
import { randomBytes } from "crypto";

const WORDS = 18 + 4 * 256;
const BITS = WORDS * 32;

let initial: Uint32Array | undefined;

/** The first `WORDS` 32-bit words of pi's fraction (Machin: pi = 16 atan 1/5 - 4 atan 1/239). */
export function piWords(): Uint32Array {
    if (initial) return initial;
    const guard = 64n;
    const one = 1n << (BigInt(BITS) + guard);
    const atanInv = (x: bigint): bigint => {
        const x2 = x * x;
        let power = one / x;
        let sum = power;
        for (let k = 1n; power !== 0n; k++) {
            power /= x2;
            const term = power / (2n * k + 1n);
            sum += k % 2n === 1n ? -term : term;
        }
        return sum;
    };
    const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
    const fraction = (pi - 3n * one) >> guard;
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i++) words[i] = Number((fraction >> BigInt(BITS - 32 * (i + 1))) & 0xffffffffn);
    initial = words;
    return words;
}

class Blowfish {
    readonly p: Uint32Array;
    readonly s: Uint32Array;

    constructor() {
        const w = piWords();
        this.p = w.slice(0, 18);
        this.s = w.slice(18);
    }

    /** One block; the result goes to out[0], out[1]. */
    encrypt(l: number, r: number, out: Uint32Array): void {
        const p = this.p;
        const s = this.s;
        for (let i = 0; i < 16; i += 2) {
            l ^= p[i];
            r ^= (((s[l >>> 24] + s[256 | ((l >>> 16) & 0xff)]) ^ s[512 | ((l >>> 8) & 0xff)]) + s[768 | (l & 0xff)]) ^ p[i + 1];
            l ^= ((s[r >>> 24] + s[256 | ((r >>> 16) & 0xff)]) ^ s[512 | ((r >>> 8) & 0xff)]) + s[768 | (r & 0xff)];
        }
        // Uint32Array stores reduce the sums and XORs above modulo 2^32.
        out[0] = r ^ p[17];
        out[1] = l ^ p[16];
    }

    /** The EksBlowfish key expansion; without a salt it is Blowfish's own key schedule. */
    expand(key: Uint8Array, salt?: Uint8Array): void {
        const word = (data: Uint8Array, pos: { i: number }): number => {
            let w = 0;
            for (let n = 0; n < 4; n++) {
                w = ((w << 8) | data[pos.i]) >>> 0;
                pos.i = (pos.i + 1) % data.length;
            }
            return w;
        };
        const keyPos = { i: 0 };
        for (let i = 0; i < 18; i++) this.p[i] = (this.p[i] ^ word(key, keyPos)) >>> 0;
        const saltPos = { i: 0 };
        const block = new Uint32Array(2);
        let l = 0;
        let r = 0;
        const step = (): void => {
            if (salt) {
                l = (l ^ word(salt, saltPos)) >>> 0;
                r = (r ^ word(salt, saltPos)) >>> 0;
            }
            this.encrypt(l, r, block);
            l = block[0];
            r = block[1];
        };
        for (let i = 0; i < 18; i += 2) {
            step();
            this.p[i] = l;
            this.p[i + 1] = r;
        }
        for (let i = 0; i < 1024; i += 2) {
            step();
            this.s[i] = l;
            this.s[i + 1] = r;
        }
    }
}

const ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** bcrypt's base64: its own alphabet, no padding. */
export function bcryptBase64(bytes: Uint8Array): string {
    const std = Buffer.from(bytes).toString("base64").replace(/=+$/, "");
    const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return [...std].map((c) => ALPHABET[STD.indexOf(c)]).join("");
}

export function bcryptBase64Decode(text: string): Uint8Array {
    const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std = [...text]
        .map((c) => {
            const i = ALPHABET.indexOf(c);
            if (i < 0) throw new Error(`invalid bcrypt base64 character ${JSON.stringify(c)}`);
            return STD[i];
        })
        .join("");
    return new Uint8Array(Buffer.from(std + "=".repeat((4 - (std.length % 4)) % 4), "base64"));
}

/** x/crypto/bcrypt's DefaultCost. */
export const DEFAULT_COST = 10;

/** The hash of `password` (at most 72 bytes are used) with a given 16-byte salt. */
export function bcryptWithSalt(password: Uint8Array, salt: Uint8Array, cost: number = DEFAULT_COST): string {
    if (salt.length !== 16) throw new Error("bcrypt salt must be 16 bytes");
    if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`bcrypt cost ${cost} is outside 4..31`);
    // x/crypto appends a NUL, as OpenBSD's $2a$ does; Blowfish keys use at most 72 bytes.
    const key = new Uint8Array(password.length + 1);
    key.set(password);
    const bf = new Blowfish();
    bf.expand(key, salt);
    for (let i = 0, rounds = 2 ** cost; i < rounds; i++) {
        bf.expand(key);
        bf.expand(salt);
    }
    const text = Buffer.from("OrpheanBeholderScryDoubt", "latin1");
    const words = new Uint32Array(6);
    for (let i = 0; i < 6; i++) words[i] = text.readUInt32BE(4 * i);
    const block = new Uint32Array(2);
    for (let i = 0; i < 6; i += 2) {
        for (let n = 0; n < 64; n++) {
            bf.encrypt(words[i], words[i + 1], block);
            words[i] = block[0];
            words[i + 1] = block[1];
        }
    }
    const out = Buffer.alloc(24);
    for (let i = 0; i < 6; i++) out.writeUInt32BE(words[i], 4 * i);
    return `$2a$${String(cost).padStart(2, "0")}$${bcryptBase64(salt)}${bcryptBase64(out.subarray(0, 23))}`;
}

/** GenerateFromPassword: a fresh random salt. */
export function bcryptHash(password: string | Uint8Array, cost: number = DEFAULT_COST): string {
    const bytes = typeof password === "string" ? new Uint8Array(Buffer.from(password, "utf8")) : password;
    return bcryptWithSalt(bytes, new Uint8Array(randomBytes(16)), cost);
}

/** CompareHashAndPassword, for $2a$/$2b$/$2y$ hashes. */
export function bcryptMatches(hash: string, password: string | Uint8Array): boolean {
    const m = /^\$2[aby]?\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(hash);
    if (!m) return false;
    const bytes = typeof password === "string" ? new Uint8Array(Buffer.from(password, "utf8")) : password;
    const again = bcryptWithSalt(bytes.subarray(0, 72), bcryptBase64Decode(m[2]).subarray(0, 16), Number(m[1]));
    return again.slice(7) === hash.slice(7);
}
