// Values on their way from MySQL to PostgreSQL and BigQuery. Every source value is converted
// once into a logical value of the target column's type; the PostgreSQL COPY text, the
// BigQuery JSON line and the verification checksum are all written from that one value, and the
// checksum is computed again from what each target returns, in the same canonical form.
import { createHash } from "crypto";

/** The target types the move knows, shared by both targets. */
export type LogicalType = "INT64" | "NUMERIC" | "FLOAT64" | "BOOL" | "STRING" | "DATE" | "TIMESTAMP" | "JSON" | "RECORD";

export interface TargetColumn {
    readonly name: string;
    readonly type: LogicalType;
    readonly required: boolean;
    readonly repeated?: boolean;
    /** RECORD fields. */
    readonly fields?: readonly TargetColumn[];
    /** PostgreSQL: the column has a default (identity, now()), so the source may leave it out. */
    readonly hasDefault?: boolean;
}

/** What the source says of one of its columns (information_schema). */
export interface SourceColumn {
    readonly name: string;
    /** DATA_TYPE, lower case: datetime, timestamp, tinyint, decimal, json, enum, longtext, ... (the target's type drives the conversion; this tells DATETIME from TIMESTAMP). */
    readonly dataType: string;
}

/** A conversion that cannot be made; the mover adds table and row. */
export class ConversionError extends Error {}

export interface ConvertOptions {
    /** Offset DATETIME values are read in (they carry no zone), e.g. "+00:00", "-05:00". */
    readonly datetimeOffset: string;
}

const ZERO_DATE = /^0000-00-00|^\d{4}-00-|^\d{4}-\d{2}-00/;

/** Microseconds since the epoch of a MySQL 'YYYY-MM-DD HH:MM:SS[.ffffff]' read at `offset`. */
export function mysqlDatetimeMicros(text: string, offset: string): bigint {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/.exec(text);
    const o = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
    if (!m || !o) throw new ConversionError(`'${text}' is not a date and time`);
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
    if (Number.isNaN(ms)) throw new ConversionError(`'${text}' is not a date and time`);
    const offsetMinutes = (o[1] === "-" ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3]));
    return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt((m[7] ?? "").padEnd(6, "0"));
}

/** ISO 8601 in UTC with microseconds: 2026-01-05T10:00:00.123456Z. */
export function microsToIso(micros: bigint): string {
    const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
    const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
    return new Date(Number(ms)).toISOString().slice(0, 19) + "." + frac.toString().padStart(6, "0") + "Z";
}

/** A decimal string without sign noise or trailing zeros: "012.500" → "12.5", "-0.0" → "0". */
export function normalizeDecimal(text: string): string {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m || (m[2] === "" && !m[3])) throw new ConversionError(`'${text}' is not a decimal number`);
    const whole = m[2].replace(/^0+(?=\d)/, "") || "0";
    const frac = (m[3] ?? "").replace(/0+$/, "");
    const zero = /^0*$/.test(whole + frac);
    return `${m[1] === "-" && !zero ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

function integer(v: unknown): string {
    const s = typeof v === "number" ? (Number.isSafeInteger(v) ? String(v) : "") : typeof v === "bigint" ? v.toString() : typeof v === "string" ? v.trim() : "";
    if (!/^-?\d+$/.test(s)) throw new ConversionError(`${JSON.stringify(v)} is not an integer`);
    return BigInt(s).toString();
}

/**
 * Converts a value as mysql2 returns it (dateStrings, bigNumberStrings, jsonStrings) from
 * `source` into the logical value of `target`. null stays null unless the target requires a
 * value; MySQL's zero dates become NULL, or an error in a required column.
 */
export function fromMysql(v: unknown, source: SourceColumn, target: TargetColumn, opts: ConvertOptions): unknown {
    if (v === null || v === undefined) {
        if (target.required) throw new ConversionError(`NULL in required column ${target.name}`);
        return null;
    }
    if (Buffer.isBuffer(v)) {
        if (target.type !== "STRING") throw new ConversionError(`binary value cannot become ${target.type}`);
        const text = v.toString("utf8");
        if (Buffer.compare(Buffer.from(text, "utf8"), v) !== 0) throw new ConversionError("binary value is not UTF-8 text");
        v = text;
    }
    switch (target.type) {
        case "INT64":
            return integer(v);
        case "NUMERIC":
            return normalizeDecimal(String(v));
        case "FLOAT64": {
            const n = typeof v === "number" ? v : Number(v);
            if (!Number.isFinite(n)) throw new ConversionError(`${JSON.stringify(v)} is not a finite number`);
            return n;
        }
        case "BOOL":
            // TINYINT(1) is MySQL's BOOL: any non-zero value is true, as in MySQL.
            if (typeof v === "number" || (typeof v === "string" && /^-?\d+$/.test(v))) return Number(v) !== 0;
            throw new ConversionError(`${JSON.stringify(v)} is not a boolean (0 or 1)`);
        case "STRING": {
            const s = typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined;
            if (s === undefined) throw new ConversionError(`${JSON.stringify(v)} is not text`);
            return s;
        }
        case "DATE": {
            const s = String(v);
            if (ZERO_DATE.test(s)) return zeroDate(s, target);
            if (!/^\d{4}-\d{2}-\d{2}/.test(s)) throw new ConversionError(`'${s}' is not a date`);
            return s.slice(0, 10);
        }
        case "TIMESTAMP": {
            const s = String(v);
            if (ZERO_DATE.test(s)) return zeroDate(s, target);
            // TIMESTAMP columns come in the session zone, which the mover sets to UTC.
            return mysqlDatetimeMicros(s, source.dataType === "timestamp" ? "+00:00" : opts.datetimeOffset);
        }
        case "JSON": {
            if (typeof v !== "string") return v;
            try {
                return JSON.parse(v);
            } catch {
                throw new ConversionError(`${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)} is not valid JSON`);
            }
        }
        default:
            throw new ConversionError(`no conversion to ${target.type}`);
    }
}

function zeroDate(s: string, target: TargetColumn): null {
    if (target.required) throw new ConversionError(`zero date '${s}' in required column ${target.name}`);
    return null;
}

/** Sorted-key JSON, so equal documents hash equally whatever order their keys come in. */
export function stableJson(v: unknown): string {
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
}

/**
 * The canonical text of a logical value: what the checksum hashes on both sides. NULL is "-";
 * any value is length-prefixed ("5:hello"), so no text can pass for NULL or run into the next
 * field whatever characters it holds.
 */
export function canonical(c: TargetColumn, v: unknown): string {
    if (v === null || v === undefined) return "-";
    if (c.repeated && !Array.isArray(v)) throw new ConversionError(`${c.name}: expected a list`);
    let text: string;
    if (c.repeated) text = (v as unknown[]).map((e) => canonical({ ...c, repeated: false }, e)).join("");
    else {
        switch (c.type) {
            case "BOOL":
                text = v ? "t" : "f";
                break;
            case "FLOAT64":
                text = Object.is(v, -0) ? "0" : String(v);
                break;
            case "TIMESTAMP":
                text = (v as bigint).toString();
                break;
            case "JSON":
                text = stableJson(v);
                break;
            case "RECORD": {
                const o = v as Record<string, unknown>;
                text = (c.fields ?? []).map((f) => canonical(f, o[f.name])).join("");
                break;
            }
            default:
                text = String(v);
        }
    }
    return `${text.length}:${text}`;
}

/** Row count and an order-independent sum of row hashes, mod 2^64. */
export class TableChecksum {
    rows = 0;
    private sum = 0n;

    add(columns: readonly TargetColumn[], row: Record<string, unknown>): void {
        const text = columns.map((c) => canonical(c, row[c.name])).join("");
        const digest = createHash("sha256").update(text).digest();
        this.sum = (this.sum + digest.readBigUInt64BE(0)) & 0xffffffffffffffffn;
        this.rows++;
    }

    get value(): string {
        return this.sum.toString(16).padStart(16, "0");
    }
}

// -----------------------------------------------------------------------------------------
// Writing values for each target

/** PostgreSQL COPY text format for one value. */
export function copyText(c: TargetColumn, v: unknown): string {
    if (v === null || v === undefined) return "\\N";
    let s: string;
    switch (c.type) {
        case "BOOL":
            s = v ? "t" : "f";
            break;
        case "TIMESTAMP":
            s = microsToIso(v as bigint);
            break;
        case "JSON":
            s = JSON.stringify(v);
            break;
        default:
            s = String(v);
    }
    if (s.includes("\0")) throw new ConversionError(`${c.name}: contains a NUL character, which PostgreSQL text cannot store`);
    return s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

/** A value as BigQuery's newline-delimited JSON load expects it. */
export function bigQueryJson(c: TargetColumn, v: unknown): unknown {
    if (v === null || v === undefined) return c.repeated ? [] : null;
    if (c.repeated) return (v as unknown[]).map((e) => bigQueryJson({ ...c, repeated: false }, e));
    switch (c.type) {
        case "TIMESTAMP":
            return microsToIso(v as bigint);
        case "JSON":
            return JSON.stringify(v);
        case "RECORD": {
            const o = v as Record<string, unknown>;
            return Object.fromEntries((c.fields ?? []).map((f) => [f.name, bigQueryJson(f, o[f.name])]));
        }
        default:
            return v;
    }
}
