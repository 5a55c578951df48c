// Cells: how the warehouse holds a value, and every conversion it needs. A stored cell is plain
// JSON (so the whole store can be written to a state file) in one canonical form per type:
//   STRING, GEOGRAPHY  "text"                     INTEGER    "decimal" (exact, any int64)
//   FLOAT              number | "NaN" | "±Infinity" NUMERIC, BIGNUMERIC "decimal" without trailing zeros
//   BOOLEAN            true | false               BYTES      "base64"
//   DATE               "YYYY-MM-DD"               DATETIME   "YYYY-MM-DDTHH:MM:SS[.ffffff]"
//   TIME               "HH:MM:SS[.ffffff]"        TIMESTAMP  "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC)
//   JSON               the JSON text exactly as it arrived ("null" is JSON null; SQL NULL is null)
//   RECORD             { field: cell }            REPEATED   [cell, ...] (never null: BigQuery has no NULL arrays)
// Rows come in as JSON text (read with warehouse/json.ts, so no number passes through a double),
// go to ZetaSQL as ValueProto, come back from it, and go out in the REST API's f/v form.
import { decodeBigNumeric, decodeNumeric, encodeBigNumeric, encodeNumeric, packDatetime, packTime, TypeProto, typeKindName, unpackDatetime, unpackTime } from "../zetasql/values";
import { civilFromDays, daysFromCivil, epochMicrosText, microsToIso } from "../lib/time";
import { parseRaw, plain, Raw } from "./json";
import type { Field } from "./schema";

export type Cell = null | string | number | boolean | Cell[] | { [field: string]: Cell };
export type Row = Record<string, Cell>;

/** A row that cannot be stored, with BigQuery's wording of why. */
export class RowProblem extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const pad = (n: number | bigint | string, w: number) => String(n).padStart(w, "0");

const dateText = (days: number) => {
    const [y, m, d] = civilFromDays(days);
    return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
};

function validCivil(y: number, m: number, d: number): boolean {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    const [yy, mm, dd] = civilFromDays(daysFromCivil(y, m, d));
    return yy === y && mm === m && dd === d;
}

const TIMESTAMP_TEXT = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/** Microseconds since the epoch of a timestamp as BigQuery accepts it in JSON, or undefined. */
export function timestampMicros(text: string): bigint | undefined {
    const m = TIMESTAMP_TEXT.exec(text.trim());
    if (!m) return undefined;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    if (!validCivil(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
    let offsetMinutes = 0;
    const zone = m[8]?.toUpperCase();
    if (zone && zone !== "Z" && zone !== "UTC") {
        const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone)!;
        offsetMinutes = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
    }
    return BigInt(epochMicrosText(y, mo, d, h, mi, s, (m[7] ?? "").padEnd(6, "0"), offsetMinutes * 60));
}

/** A decimal without sign noise, leading or trailing zeros ("012.500" → "12.5", "-0.0" → "0"). */
export function canonicalDecimal(text: string): string {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim())!;
    const whole = m[2].replace(/^0+(?=\d)/, "") || "0";
    const frac = (m[3] ?? "").replace(/0+$/, "");
    const zero = /^0*$/.test(whole + frac);
    return `${m[1] === "-" && !zero ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** A node's JSON as written; rows built in-process have no text, so theirs is rendered. */
const describe = (raw: Raw, text: string) => (text ? text.slice(raw.start, raw.end) : JSON.stringify(plain(raw)));

/** One leaf from its JSON node, or a RowProblem in BigQuery's words. */
function leafFromRaw(f: Field, raw: Raw, text: string, name: string): Cell {
    const bad = () => new RowProblem(`${name}: invalid ${f.type} value ${describe(raw, text)}`);
    const s = raw.t === "str" ? raw.value : undefined;
    switch (f.type) {
        case "STRING":
        case "GEOGRAPHY":
            if (s === undefined) throw bad();
            return s;
        case "BYTES":
            if (s === undefined || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw bad();
            return Buffer.from(s, "base64").toString("base64");
        case "INTEGER": {
            const t = s ?? (raw.t === "num" ? raw.text : undefined);
            if (t === undefined || !/^[+-]?\d+$/.test(t.trim())) throw bad();
            const v = BigInt(t.trim());
            if (v < INT64_MIN || v > INT64_MAX) throw bad();
            return v.toString();
        }
        case "FLOAT": {
            if (raw.t === "num") return Number(raw.text);
            if (s !== undefined && /^(NaN|[+-]?Infinity|[+-]?inf)$/i.test(s.trim())) return /nan/i.test(s) ? "NaN" : s.trim().startsWith("-") ? "-Infinity" : "Infinity";
            if (s === undefined || s.trim() === "" || Number.isNaN(Number(s))) throw bad();
            return Number(s);
        }
        case "NUMERIC":
        case "BIGNUMERIC": {
            const t = s ?? (raw.t === "num" ? raw.text : undefined);
            const shape = f.type === "NUMERIC" ? /^[+-]?\d{1,29}(\.\d{1,9})?$/ : /^[+-]?\d{1,38}(\.\d{1,38})?$/;
            if (t === undefined || !shape.test(t.trim())) throw bad();
            return canonicalDecimal(t);
        }
        case "BOOLEAN":
            if (raw.t !== "bool") throw bad();
            return raw.value;
        case "DATE": {
            const m = s === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
            if (!m || !validCivil(Number(m[1]), Number(m[2]), Number(m[3]))) throw bad();
            return s!;
        }
        case "DATETIME": {
            const m = s === undefined ? null : /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s);
            if (!m || !validCivil(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) throw bad();
            const frac = (m[7] ?? "").padEnd(6, "0");
            return `${m[1]}-${pad(m[2], 2)}-${pad(m[3], 2)}T${pad(m[4], 2)}:${m[5]}:${m[6]}${/^0+$/.test(frac) ? "" : "." + frac}`;
        }
        case "TIME": {
            const m = s === undefined ? null : /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s);
            if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw bad();
            const frac = (m[4] ?? "").padEnd(6, "0");
            return `${pad(m[1], 2)}:${m[2]}:${m[3]}${/^0+$/.test(frac) ? "" : "." + frac}`;
        }
        case "TIMESTAMP": {
            if (raw.t === "num") {
                // Seconds since the epoch, as the JSON formats allow.
                const m = /^(-?)(\d+)(?:\.(\d{1,6})\d*)?$/.exec(raw.text);
                if (!m) throw bad();
                const micros = BigInt(m[2]) * 1_000_000n + BigInt((m[3] ?? "").padEnd(6, "0"));
                return microsToIso(m[1] ? -micros : micros);
            }
            const micros = s === undefined ? undefined : timestampMicros(s);
            if (micros === undefined) throw bad();
            return microsToIso(micros);
        }
        case "JSON": {
            // A string holds the JSON text itself; any other JSON value is kept as written.
            if (s === undefined) return describe(raw, text);
            try {
                parseRaw(s);
            } catch {
                throw bad();
            }
            return s;
        }
        default:
            throw new RowProblem(`${name}: type ${f.type} cannot be loaded`);
    }
}

export interface ReadOptions {
    /** Leave out fields the schema does not have instead of refusing the row (ignoreUnknownValues). */
    readonly ignoreUnknown?: boolean;
    /**
     * A JSON column given `null` holds JSON's null, as a load job keeps a JSON column's value as
     * written; only an absent field is SQL NULL. Streaming inserts and in-process rows leave this
     * off: there `null` means no value.
     */
    readonly jsonNullIsValue?: boolean;
}

/** A row from its JSON object node, checked against the schema as a load job checks it. */
export function rowFromRaw(fields: readonly Field[], raw: Raw, text: string, options: ReadOptions = {}, prefix = ""): Row {
    if (raw.t !== "obj") throw new RowProblem(`${prefix ? prefix.slice(0, -1) : "row"}: not a JSON object`);
    const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
    const values = new Map<string, Raw>();
    for (const [k, v] of raw.entries) {
        const f = byName.get(k.toLowerCase());
        if (!f) {
            if (options.ignoreUnknown) continue;
            throw new RowProblem(`No such field: ${prefix}${k}.`);
        }
        values.set(f.name, v);
    }
    const row: Row = {};
    for (const f of fields) {
        const v = values.get(f.name);
        const name = `${prefix}${f.name}`;
        if (f.mode === "REPEATED") {
            if (v === undefined || v.t === "null") {
                row[f.name] = [];
                continue;
            }
            if (v.t !== "arr") throw new RowProblem(`${name}: expected an array`);
            row[f.name] = v.items.map((e) => {
                if (e.t === "null") throw new RowProblem(`${name}: an array cannot hold a NULL element`);
                return f.type === "RECORD" ? rowFromRaw(f.fields ?? [], e, text, options, `${name}.`) : leafFromRaw(f, e, text, name);
            });
            continue;
        }
        if (v !== undefined && v.t === "null" && f.type === "JSON" && options.jsonNullIsValue) {
            row[f.name] = "null";
            continue;
        }
        if (v === undefined || v.t === "null") {
            if (f.mode === "REQUIRED") throw new RowProblem(`Missing required field: ${name}.`);
            row[f.name] = null;
            continue;
        }
        row[f.name] = f.type === "RECORD" ? rowFromRaw(f.fields ?? [], v, text, options, `${name}.`) : leafFromRaw(f, v, text, name);
    }
    return row;
}

/** A JavaScript value as a JSON node (no source text): bigint and finite numbers keep their digits. */
function nodeOf(v: unknown): Raw {
    if (v === null || v === undefined) return { t: "null", start: 0, end: 0 };
    if (typeof v === "string") return { t: "str", value: v, start: 0, end: 0 };
    if (typeof v === "bigint") return { t: "num", text: v.toString(), start: 0, end: 0 };
    if (typeof v === "number") return Number.isFinite(v) ? { t: "num", text: String(v), start: 0, end: 0 } : { t: "str", value: String(v), start: 0, end: 0 };
    if (typeof v === "boolean") return { t: "bool", value: v, start: 0, end: 0 };
    if (v instanceof Date) return { t: "str", value: v.toISOString(), start: 0, end: 0 };
    if (Array.isArray(v)) return { t: "arr", items: v.map(nodeOf), start: 0, end: 0 };
    return { t: "obj", entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, nodeOf(x)] as const), start: 0, end: 0 };
}

/**
 * A row given as a JavaScript object (in-process seeding), with the checks of a load. A JSON
 * column takes its JSON text as a string, or any other value as the JSON it serializes to.
 */
export function rowFromObject(fields: readonly Field[], row: Record<string, unknown>): Row {
    return rowFromRaw(fields, nodeOf(row), "");
}

// ---------------------------------------------------------------------------------------------
// ZetaSQL values

/** A stored cell as a ZetaSQL ValueProto of the field's type. */
export function cellToValue(f: Field, cell: Cell, repeatedElement = false): Record<string, unknown> {
    if (f.mode === "REPEATED" && !repeatedElement) {
        return { arrayValue: { element: ((cell as Cell[] | null) ?? []).map((e) => cellToValue(f, e, true)) } };
    }
    if (cell === null || cell === undefined) return {};
    switch (f.type) {
        case "STRING":
            return { stringValue: cell };
        case "BYTES":
            return { bytesValue: Buffer.from(cell as string, "base64") };
        case "INTEGER":
            return { int64Value: cell };
        case "FLOAT":
            return { doubleValue: typeof cell === "number" ? cell : Number(cell) };
        case "NUMERIC":
            return { numericValue: encodeNumeric(cell as string) };
        case "BIGNUMERIC":
            return { bignumericValue: encodeBigNumeric(cell as string) };
        case "BOOLEAN":
            return { boolValue: cell };
        case "DATE": {
            const [y, m, d] = (cell as string).split("-").map(Number);
            return { dateValue: daysFromCivil(y, m, d) };
        }
        case "DATETIME":
            return { datetimeValue: packDatetime(cell as string) };
        case "TIME":
            return { timeValue: packTime(cell as string) };
        case "TIMESTAMP": {
            const micros = timestampMicros(cell as string)!;
            const seconds = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
            return { timestampValue: { seconds: seconds.toString(), nanos: Number(micros - seconds * 1_000_000n) * 1000 } };
        }
        case "JSON":
            return { jsonValue: cell };
        case "RECORD": {
            const o = cell as Record<string, Cell>;
            return { structValue: { field: (f.fields ?? []).map((c) => cellToValue(c, o[c.name] ?? (c.mode === "REPEATED" ? [] : null))) } };
        }
        default:
            throw new RowProblem(`${f.name}: ${f.type} values cannot be queried in the local warehouse`);
    }
}

const longText = (v: unknown) => (typeof v === "object" && v !== null ? String(v) : String(v ?? 0));

/** A ZetaSQL ValueProto back as a stored cell. */
export function valueToCell(t: TypeProto, v: Record<string, any> | undefined): Cell {
    const kind = typeKindName(t);
    const which = v?.value as string | undefined;
    if (!which) return kind === "TYPE_ARRAY" ? [] : null;
    const x = v![which];
    switch (which) {
        case "int64Value":
        case "int32Value":
        case "uint32Value":
        case "uint64Value":
            return longText(x);
        case "doubleValue":
        case "floatValue":
            return Number.isFinite(x) ? x : Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
        case "numericValue":
            return decodeNumeric(x);
        case "bignumericValue":
            return decodeBigNumeric(x);
        case "boolValue":
        case "stringValue":
        case "jsonValue":
            return x;
        case "bytesValue":
            return Buffer.from(x).toString("base64");
        case "dateValue":
            return dateText(x);
        case "datetimeValue":
            return unpackDatetime(x);
        case "timeValue":
            return unpackTime(x);
        case "timestampValue":
            return microsToIso(BigInt(longText(x.seconds)) * 1_000_000n + BigInt(Math.floor((x.nanos ?? 0) / 1000)));
        case "arrayValue":
            return (x.element ?? []).map((e: any) => valueToCell(t.arrayType!.elementType, e));
        case "structValue":
            return Object.fromEntries((t.structType?.field ?? []).map((f, i) => [f.fieldName || `_field_${i + 1}`, valueToCell(f.fieldType, x.field?.[i])]));
        default:
            throw new RowProblem(`ZetaSQL answered with a ${which}, which BigQuery has no type for`);
    }
}

// ---------------------------------------------------------------------------------------------
// The REST API's row form

export type TimestampFormat = "micros" | "float" | "iso";

/** Seconds since the epoch as BigQuery prints them by default ("1.6725744001234E9"), from microseconds as decimal text. */
function floatSeconds(micros: string): string {
    const negative = micros.startsWith("-");
    const abs = negative ? micros.slice(1) : micros;
    if (/^0*$/.test(abs)) return "0.0";
    const digits = abs.padStart(7, "0");
    const intDigits = digits.length - 6;
    const all = digits.replace(/^0+/, "");
    const exponent = intDigits - 1 - (digits.length - all.length);
    const mantissa = all.replace(/0+$/, "");
    return `${negative ? "-" : ""}${mantissa[0]}.${mantissa.slice(1) || "0"}E${exponent}`;
}

const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;

/**
 * Microseconds since the epoch, as decimal text, of a stored TIMESTAMP cell. Stored cells are
 * canonical ("YYYY-MM-DDTHH:MM:SS.ffffffZ"), so the digits are read in place: a table read back
 * whole converts every cell, and the general parser (regular expression, BigInt) would be most of
 * that cost.
 */
function storedTimestampMicros(cell: string): string {
    if (cell.length !== 27 || cell.charCodeAt(26) !== 90 || cell.charCodeAt(19) !== 46) return timestampMicros(cell)!.toString();
    return epochMicrosText(
        digitAt(cell, 0) * 1000 + digitAt(cell, 1) * 100 + digitAt(cell, 2) * 10 + digitAt(cell, 3),
        digitAt(cell, 5) * 10 + digitAt(cell, 6),
        digitAt(cell, 8) * 10 + digitAt(cell, 9),
        digitAt(cell, 11) * 10 + digitAt(cell, 12),
        digitAt(cell, 14) * 10 + digitAt(cell, 15),
        digitAt(cell, 17) * 10 + digitAt(cell, 18),
        cell.slice(20, 26),
    );
}

/** A stored TIMESTAMP cell as the API writes it in the format asked for. */
function timestampToApi(cell: string, ts: TimestampFormat): string {
    if (ts === "iso") return cell;
    const micros = storedTimestampMicros(cell);
    return ts === "micros" ? micros : floatSeconds(micros);
}

function leafToApi(f: Field, cell: Cell, ts: TimestampFormat): unknown {
    if (cell === null || cell === undefined) return null;
    if (f.type === "RECORD") return rowToApi(f.fields ?? [], cell as Row, ts);
    if (f.type === "TIMESTAMP") return timestampToApi(cell as string, ts);
    return String(cell);
}

/** A row as tabledata.list and jobs.getQueryResults write it: {f: [{v}]}, every leaf a string. */
export function rowToApi(fields: readonly Field[], row: Row, ts: TimestampFormat): { f: { v: unknown }[] } {
    return {
        f: fields.map((f) => ({
            v: f.mode === "REPEATED" ? ((row[f.name] as Cell[] | null) ?? []).map((e) => ({ v: leafToApi(f, e, ts) })) : leafToApi(f, row[f.name] ?? null, ts),
        })),
    };
}

// Types whose stored text never needs escaping in JSON: digits, signs, dots, colons, dashes,
// letters of NaN and Infinity, base64.
const PLAIN_TEXT_TYPES = new Set(["INTEGER", "FLOAT", "NUMERIC", "BIGNUMERIC", "BOOLEAN", "DATE", "DATETIME", "TIME", "BYTES"]);

/** The JSON text of one leaf's `v`: what JSON.stringify writes for leafToApi's answer. */
function leafJsonEncoder(f: Field, ts: TimestampFormat): (cell: Cell) => string {
    if (f.type === "RECORD") {
        const inner = rowJsonEncoder(f.fields ?? [], ts);
        return (cell) => (cell === null || cell === undefined ? "null" : inner(cell as Row));
    }
    if (f.type === "TIMESTAMP") {
        // Rows loaded together often share a timestamp (an ingestion time): the last one is kept.
        let lastCell: Cell = null;
        let lastText = "null";
        return (cell) => {
            if (cell === null || cell === undefined) return "null";
            if (cell !== lastCell) {
                lastText = `"${timestampToApi(cell as string, ts)}"`;
                lastCell = cell;
            }
            return lastText;
        };
    }
    if (PLAIN_TEXT_TYPES.has(f.type)) return (cell) => (cell === null || cell === undefined ? "null" : `"${cell}"`);
    return (cell) => (cell === null || cell === undefined ? "null" : JSON.stringify(String(cell)));
}

/** A row's JSON text, as JSON.stringify(rowToApi(fields, row, ts)) writes it, without building the objects. */
export function rowJsonEncoder(fields: readonly Field[], ts: TimestampFormat): (row: Row) => string {
    const names = fields.map((f) => f.name);
    const leaves = fields.map((f) => leafJsonEncoder(f, ts));
    const repeated = fields.map((f) => f.mode === "REPEATED");
    const n = fields.length;
    return (row) => {
        let out = '{"f":[';
        for (let i = 0; i < n; i++) {
            const cell = row[names[i]];
            out += i === 0 ? '{"v":' : ',{"v":';
            if (repeated[i]) {
                const items = (cell as Cell[] | null | undefined) ?? [];
                const leaf = leaves[i];
                out += "[";
                for (let k = 0; k < items.length; k++) out += `${k === 0 ? "" : ","}{"v":${leaf(items[k])}}`;
                out += "]}";
            } else out += `${leaves[i](cell ?? null)}}`;
        }
        return `${out}]}`;
    };
}

// ---------------------------------------------------------------------------------------------
// Size

/**
 * BigQuery's logical bytes of a row: 8 for INTEGER, FLOAT, DATE, DATETIME, TIME and TIMESTAMP,
 * 16 NUMERIC, 32 BIGNUMERIC, 1 BOOLEAN, 2 + UTF-8 length for STRING and BYTES, the text's length
 * for JSON and GEOGRAPHY, the sum of the parts for RECORD and REPEATED, 0 for NULL.
 */
export function rowBytes(fields: readonly Field[], row: Row): number {
    let n = 0;
    for (const f of fields) {
        const cell = row[f.name];
        const cells = f.mode === "REPEATED" ? ((cell as Cell[] | null) ?? []) : [cell];
        for (const c of cells) n += cellBytes(f, c);
    }
    return n;
}

function cellBytes(f: Field, c: Cell | undefined): number {
    if (c === null || c === undefined) return 0;
    switch (f.type) {
        case "STRING":
            return 2 + Buffer.byteLength(c as string);
        case "BYTES":
            return 2 + Buffer.from(c as string, "base64").length;
        case "NUMERIC":
            return 16;
        case "BIGNUMERIC":
            return 32;
        case "BOOLEAN":
            return 1;
        case "JSON":
        case "GEOGRAPHY":
            return Buffer.byteLength(c as string);
        case "RECORD":
            return rowBytes(f.fields ?? [], c as Row);
        default:
            return 8;
    }
}
