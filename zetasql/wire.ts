// Table contents in protobuf's wire format, written by hand. The gRPC client builds request
// messages with protobufjs's fromObject, which costs about a millisecond per hundred cells:
// seconds for a few thousand rows. Rows encoded here once (per column, per version of a table)
// are spliced into requests as bytes instead, so sending them again costs only the copy.

const LEN = 2;
const VARINT = 0;
const I64 = 1;

class Writer {
    private buf = Buffer.allocUnsafe(64);
    private pos = 0;

    private room(n: number): void {
        if (this.pos + n <= this.buf.length) return;
        const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
        this.buf.copy(next, 0, 0, this.pos);
        this.buf = next;
    }

    byte(b: number): void {
        this.room(1);
        this.buf[this.pos++] = b;
    }

    /** An unsigned varint; negative integers as their 64-bit two's complement, as protobuf sends int32 and int64. */
    varint(v: number | bigint): void {
        if (typeof v === "number" && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
            this.room(10);
            while (v >= 0x80) {
                this.buf[this.pos++] = (v % 0x80) | 0x80;
                v = Math.floor(v / 0x80);
            }
            this.buf[this.pos++] = v;
            return;
        }
        let x = BigInt(v);
        if (x < 0n) x += 1n << 64n;
        this.room(10);
        while (x >= 0x80n) {
            this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
            x >>= 7n;
        }
        this.buf[this.pos++] = Number(x);
    }

    tag(field: number, wire: number): void {
        this.varint((field << 3) | wire);
    }

    bytes(field: number, b: Uint8Array): void {
        this.tag(field, LEN);
        this.varint(b.length);
        this.room(b.length);
        this.buf.set(b, this.pos);
        this.pos += b.length;
    }

    double(field: number, d: number): void {
        this.tag(field, I64);
        this.room(8);
        this.buf.writeDoubleLE(d, this.pos);
        this.pos += 8;
    }

    string(field: number, s: string): void {
        const n = Buffer.byteLength(s, "utf8");
        this.tag(field, LEN);
        this.varint(n);
        this.room(n);
        this.buf.write(s, this.pos, n, "utf8");
        this.pos += n;
    }

    reset(): this {
        this.pos = 0;
        return this;
    }

    finish(): Buffer {
        return this.buf.subarray(0, this.pos);
    }
}

// Scratch writers by nesting depth: encoding a cell allocates only its result.
const pool: Writer[] = [];
const scratch = (depth: number) => (pool[depth] ??= new Writer()).reset();

const integer = (v: unknown): number | bigint => {
    if (typeof v === "number" || typeof v === "bigint") return v;
    const n = Number(String(v));
    return Number.isSafeInteger(n) ? n : BigInt(String(v));
};

function writeValue(w: Writer, v: Record<string, any>, depth: number): void {
    const keys = Object.keys(v);
    if (keys.length === 0) return;
    const k = keys[0];
    const x = v[k];
    switch (k) {
        case "int64Value":
            w.tag(2, VARINT);
            return w.varint(integer(x));
        case "boolValue":
            w.tag(5, VARINT);
            return w.byte(x ? 1 : 0);
        case "doubleValue":
            return w.double(7, Number(x));
        case "stringValue":
            return w.string(8, String(x));
        case "bytesValue":
            return w.bytes(9, x);
        case "dateValue":
            w.tag(10, VARINT);
            return w.varint(integer(x));
        case "arrayValue":
            return w.bytes(13, repeated((x.element ?? []) as Record<string, any>[], depth + 1));
        case "structValue":
            return w.bytes(14, repeated((x.field ?? []) as Record<string, any>[], depth + 1));
        case "timestampValue":
        case "datetimeValue": {
            const inner = scratch(depth + 1);
            inner.tag(1, VARINT);
            inner.varint(integer(k === "timestampValue" ? (x.seconds ?? 0) : (x.bitFieldDatetimeSeconds ?? 0)));
            inner.tag(2, VARINT);
            inner.varint(integer(x.nanos ?? 0));
            return w.bytes(k === "timestampValue" ? 16 : 17, inner.finish());
        }
        case "timeValue":
            w.tag(18, VARINT);
            return w.varint(integer(x));
        case "numericValue":
            return w.bytes(20, x);
        case "bignumericValue":
            return w.bytes(21, x);
        case "jsonValue":
            return w.string(23, String(x));
        default:
            throw new Error(`cannot encode a ValueProto with ${k}`);
    }
}

/** An Array or Struct message: its values as field 1, repeated (written in the scratch writer of `depth`). */
function repeated(values: readonly Record<string, any>[], depth: number): Buffer {
    const w = scratch(depth);
    for (const e of values) {
        const inner = scratch(depth + 1);
        writeValue(inner, e, depth + 1);
        w.bytes(1, inner.finish());
    }
    return w.finish();
}

/** One ValueProto, given in the plain form the gRPC client also takes ({ int64Value: "3" }, {} for NULL). */
export function encodeValue(v: Record<string, any>): Buffer {
    const w = scratch(0);
    writeValue(w, v, 0);
    return Buffer.from(w.finish());
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/** A TableContent message: rows of already encoded cells (each cell's ValueProto bytes). */
export function encodeTableContent(rows: readonly (readonly Uint8Array[])[]): Buffer {
    // Sizes first, so the message is written into one buffer.
    const rowSizes = rows.map((cells) => cells.reduce((n, c) => n + 1 + varintSize(c.length) + c.length, 0));
    const dataSize = rowSizes.reduce((n, s) => n + 1 + varintSize(s) + s, 0);
    const out = Buffer.allocUnsafe(1 + varintSize(dataSize) + dataSize);
    let pos = 0;
    const varint = (n: number) => {
        while (n >= 0x80) {
            out[pos++] = (n & 0x7f) | 0x80;
            n >>>= 7;
        }
        out[pos++] = n;
    };
    out[pos++] = (1 << 3) | LEN;
    varint(dataSize);
    rows.forEach((cells, i) => {
        out[pos++] = (1 << 3) | LEN;
        varint(rowSizes[i]);
        for (const c of cells) {
            out[pos++] = (1 << 3) | LEN;
            varint(c.length);
            out.set(c, pos);
            pos += c.length;
        }
    });
    return out;
}

/** Entries of a `map<string, TableContent>` field, to append to a serialized request. */
export function encodeContentMap(field: number, contents: ReadonlyMap<string, Buffer>): Buffer {
    const w = new Writer();
    for (const [key, content] of contents) {
        const entry = new Writer();
        entry.bytes(1, Buffer.from(key, "utf8"));
        entry.bytes(2, content);
        w.bytes(field, entry.finish());
    }
    return w.finish();
}
