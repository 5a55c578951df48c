// JavaScript values <-> ZetaSQL ValueProto, by ZetaSQL type, for the reference evaluator.
// Fixture rows are written as plain objects: STRING "x", INT64 3, FLOAT64 0.5, BOOL true,
// NUMERIC "12.50" (a decimal string, exact), DATE "2026-01-05", TIMESTAMP "2026-01-05T10:00:00Z",
// STRUCT { field: value }, ARRAY [..], NULL null. Results come back in the same forms.

export type TypeProto = { typeKind: string | number; arrayType?: { elementType: TypeProto }; structType?: { field: { fieldName: string; fieldType: TypeProto }[] } };

const DAY_MS = 86_400_000;
const NUMERIC_SCALE = 9;

const BIGNUMERIC_SCALE = 38;

/** A decimal string as value × 10^scale in minimal little-endian two's complement bytes (ZetaSQL's NUMERIC and BIGNUMERIC wire forms). */
export function encodeDecimal(decimal: string, scale: number, what: string): Buffer {
    const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(decimal.trim());
    if (!m || (m[3] ?? "").length > scale) throw new Error(`not a ${what} with at most ${scale} decimals: ${JSON.stringify(decimal)}`);
    let v = BigInt(m[2] + (m[3] ?? "").padEnd(scale, "0"));
    if (m[1] === "-") v = -v;
    const bytes: number[] = [];
    for (;;) {
        const byte = Number(v & 0xffn);
        v >>= 8n;
        bytes.push(byte);
        const signBit = (byte & 0x80) !== 0;
        if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
    }
    return Buffer.from(bytes);
}

/** The inverse of encodeDecimal, as a decimal string without trailing zeros ("12.5", "3", "-0.25"). */
export function decodeDecimal(bytes: Uint8Array, scale: number): string {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes.length > 0 && (bytes[bytes.length - 1] & 0x80) !== 0) v -= 1n << BigInt(8 * bytes.length);
    const negative = v < 0n;
    const digits = (negative ? -v : v).toString().padStart(scale + 1, "0");
    const whole = digits.slice(0, -scale);
    const frac = digits.slice(-scale).replace(/0+$/, "");
    return `${negative ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** ZetaSQL's NUMERIC wire form: value × 10^9 as minimal little-endian two's complement bytes. */
export function encodeNumeric(decimal: string): Buffer {
    return encodeDecimal(decimal, NUMERIC_SCALE, "NUMERIC");
}

/** The inverse of encodeNumeric, as a decimal string without trailing zeros ("12.5", "3", "-0.25"). */
export function decodeNumeric(bytes: Uint8Array): string {
    return decodeDecimal(bytes, NUMERIC_SCALE);
}

/** ZetaSQL's BIGNUMERIC wire form: value × 10^38, encoded as NUMERIC is. */
export function encodeBigNumeric(decimal: string): Buffer {
    return encodeDecimal(decimal, BIGNUMERIC_SCALE, "BIGNUMERIC");
}

export function decodeBigNumeric(bytes: Uint8Array): string {
    return decodeDecimal(bytes, BIGNUMERIC_SCALE);
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, "0");

/** "YYYY-MM-DD[T ]HH:MM:SS[.ffffff]" as ZetaSQL's DATETIME: a bit field of the civil fields and the nanoseconds. */
export function packDatetime(text: string): { bitFieldDatetimeSeconds: string; nanos: number } {
    const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
    if (!m) throw new Error(`not a DATETIME: ${JSON.stringify(text)}`);
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const bits = (BigInt(y) << 26n) | (BigInt(mo) << 22n) | (BigInt(d) << 17n) | (BigInt(h) << 12n) | (BigInt(mi) << 6n) | BigInt(s);
    return { bitFieldDatetimeSeconds: bits.toString(), nanos: Number((m[7] ?? "").padEnd(9, "0")) };
}

/** The inverse of packDatetime, with microseconds when there are any ("2026-01-05T10:00:00.250000"). */
export function unpackDatetime(v: { bitFieldDatetimeSeconds: unknown; nanos?: number }): string {
    const b = BigInt(String(v.bitFieldDatetimeSeconds));
    const f = (shift: bigint, width: bigint) => Number((b >> shift) & ((1n << width) - 1n));
    const base = `${pad(f(26n, 14n), 4)}-${pad(f(22n, 4n), 2)}-${pad(f(17n, 5n), 2)}T${pad(f(12n, 5n), 2)}:${pad(f(6n, 6n), 2)}:${pad(f(0n, 6n), 2)}`;
    return base + fraction(v.nanos ?? 0);
}

/** "HH:MM:SS[.ffffff]" as ZetaSQL's TIME: hour, minute, second and nanoseconds in one bit field. */
export function packTime(text: string): string {
    const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
    if (!m) throw new Error(`not a TIME: ${JSON.stringify(text)}`);
    const nanos = BigInt((m[4] ?? "").padEnd(9, "0"));
    return ((BigInt(m[1]) << 42n) | (BigInt(m[2]) << 36n) | (BigInt(m[3]) << 30n) | nanos).toString();
}

export function unpackTime(v: unknown): string {
    const b = BigInt(String(v));
    const f = (shift: bigint, width: bigint) => Number((b >> shift) & ((1n << width) - 1n));
    return `${pad(f(42n, 5n), 2)}:${pad(f(36n, 6n), 2)}:${pad(f(30n, 6n), 2)}` + fraction(f(0n, 30n));
}

/** Nanoseconds as BigQuery prints fractions: none when zero, else six digits (microseconds). */
function fraction(nanos: number): string {
    return nanos === 0 ? "" : "." + pad(Math.floor(nanos / 1000), 6);
}

// The server answers with enum numbers (zetasql/public/type.proto); requests may use names.
const KIND_BY_NUMBER: Record<number, string> = {
    2: "TYPE_INT64", 5: "TYPE_BOOL", 7: "TYPE_DOUBLE", 8: "TYPE_STRING", 9: "TYPE_BYTES", 10: "TYPE_DATE", 16: "TYPE_ARRAY",
    17: "TYPE_STRUCT", 19: "TYPE_TIMESTAMP", 20: "TYPE_TIME", 21: "TYPE_DATETIME", 22: "TYPE_GEOGRAPHY", 23: "TYPE_NUMERIC",
    24: "TYPE_BIGNUMERIC", 26: "TYPE_JSON",
};

/** The type kind's name ("TYPE_INT64"), whether the proto carries the name or its number. */
export function typeKindName(t: TypeProto): string {
    return typeof t.typeKind === "string" ? t.typeKind : KIND_BY_NUMBER[t.typeKind] ?? `type kind ${t.typeKind}`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/** A JavaScript fixture value as a ValueProto of type t (null → a NULL of any type). */
export function toValue(t: TypeProto, v: unknown, where: string): Record<string, unknown> {
    // BigQuery has no NULL arrays: an absent REPEATED value is an empty one.
    if (v === undefined && typeKindName(t) === "TYPE_ARRAY") return { arrayValue: { element: [] } };
    if (v === null || v === undefined) return {};
    const bad = () => new Error(`${where}: ${JSON.stringify(v)} is not a ${typeKindName(t).replace("TYPE_", "")}`);
    switch (typeKindName(t)) {
        case "TYPE_STRING":
            if (typeof v !== "string") throw bad();
            return { stringValue: v };
        case "TYPE_INT64":
            if (typeof v !== "number" || !Number.isInteger(v)) throw bad();
            return { int64Value: String(v) };
        case "TYPE_DOUBLE":
            if (typeof v !== "number") throw bad();
            return { doubleValue: v };
        case "TYPE_BOOL":
            if (typeof v !== "boolean") throw bad();
            return { boolValue: v };
        case "TYPE_NUMERIC":
            if (typeof v !== "string" && typeof v !== "number") throw bad();
            return { numericValue: encodeNumeric(String(v)) };
        case "TYPE_DATE": {
            const ms = typeof v === "string" && ISO_DATE.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
            if (Number.isNaN(ms)) throw bad();
            return { dateValue: Math.round(ms / DAY_MS) };
        }
        case "TYPE_TIMESTAMP": {
            const ms = typeof v === "string" && ISO_TIMESTAMP.test(v) ? Date.parse(v) : NaN;
            if (Number.isNaN(ms)) throw bad();
            return { timestampValue: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } };
        }
        case "TYPE_JSON":
            return { jsonValue: JSON.stringify(v) };
        case "TYPE_ARRAY":
            if (!Array.isArray(v)) throw bad();
            return { arrayValue: { element: v.map((e, i) => toValue(t.arrayType!.elementType, e, `${where}[${i}]`)) } };
        case "TYPE_STRUCT": {
            if (typeof v !== "object") throw bad();
            const o = v as Record<string, unknown>;
            return { structValue: { field: t.structType!.field.map((f) => toValue(f.fieldType, o[f.fieldName], `${where}.${f.fieldName}`)) } };
        }
        default:
            throw new Error(`${where}: fixtures of type ${typeKindName(t)} are not supported`);
    }
}

/** A ValueProto of type t back as a JavaScript value (see the header for the forms). */
export function fromValue(t: TypeProto, v: Record<string, any>): unknown {
    const which = v.value as string | undefined;
    if (!which) return null;
    const x = v[which];
    switch (which) {
        case "int64Value":
            return Number(x);
        case "numericValue":
            return decodeNumeric(x);
        case "dateValue":
            return new Date(x * DAY_MS).toISOString().slice(0, 10);
        case "timestampValue":
            return new Date(Number(x.seconds) * 1000 + Math.floor(x.nanos / 1_000_000)).toISOString();
        case "jsonValue":
            return JSON.parse(x);
        case "arrayValue":
            return (x.element ?? []).map((e: any) => fromValue(t.arrayType!.elementType, e));
        case "structValue":
            return Object.fromEntries(t.structType!.field.map((f, i) => [f.fieldName, fromValue(f.fieldType, x.field[i])]));
        default:
            return x;
    }
}
