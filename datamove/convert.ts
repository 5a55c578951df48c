// Writing source values for each target. Values pass through as the source's text wherever the
// target reads that text the same way (integers, decimals, dates, JSON, addresses): the fewer
// transformations, the fewer places to lose something. What this module writes is checked by
// canonical.ts from the other end, never by this code.
import { ConversionError, offsetSeconds as _offsetSeconds, type RawValue, type ReadOptions, type SourceColumn, type TargetColumn, utf8Text } from "./canonical";

export interface WriteOptions extends ReadOptions {
    /** "+HH:MM", the same offset as ReadOptions.datetimeOffsetSeconds. */
    readonly datetimeOffset: string;
}

const ZERO = /^\d{4}-00-|^\d{4}-\d{2}-00/;
const INT64_MAX = "9223372036854775807";
const INT64_MIN = "9223372036854775808";

function text(s: SourceColumn, raw: string | Buffer): string {
    return Buffer.isBuffer(raw) ? utf8Text(s.name, raw) : raw;
}

/**
 * A DATETIME text read at `offset` as the same instant's UTC wall time, microseconds kept. The
 * zone-less text is moved by whole seconds through Date; the fraction is carried over as text.
 */
export function utcWallTime(raw: string, offsetSecs: number): string {
    if (offsetSecs === 0) return raw.length === 10 ? `${raw} 00:00:00` : raw;
    const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?)?$/.exec(raw);
    if (!m) throw new Error(`'${raw}' is not a MySQL date and time`);
    const d = new Date(0);
    d.setUTCFullYear(+m[1], +m[2] - 1, +m[3]);
    d.setUTCHours(+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0) - offsetSecs, 0);
    const iso = d.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${m[7] ?? ""}`;
}

function zeroOrInvalid(s: SourceColumn, t: TargetColumn, o: WriteOptions, raw: string): null {
    if (o.zeroDates !== "null") throw new ConversionError(s.name, raw, "zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL");
    if (t.required) throw new ConversionError(s.name, raw, `zero date cannot become NULL: ${t.name} is required`);
    return null;
}

/** The text PostgreSQL reads for a value (before COPY escaping); null is SQL NULL. */
export function pgConverter(s: SourceColumn, t: TargetColumn, o: WriteOptions): (raw: RawValue) => string | null {
    const wrap = (f: (v: string) => string | null) => (raw: RawValue) => {
        if (raw === null) {
            if (t.required) throw new ConversionError(s.name, null, `NULL in required column ${t.name}`);
            return null;
        }
        return f(text(s, raw));
    };
    switch (t.type) {
        case "STRING":
        case "INT64":
        case "NUMERIC":
        case "FLOAT64":
        case "JSON":
        case "INET":
            return wrap((v) => v);
        case "BOOL":
            return wrap((v) => (/^-?0+$/.test(v) ? "f" : /^-?\d+$/.test(v) ? "t" : fail(s, v, "not a boolean (an integer, 0 is false)")));
        case "DATE":
            return wrap((v) => (ZERO.test(v) ? zeroOrInvalid(s, t, o, v) : v));
        case "TIMESTAMP": {
            const offset = s.kind === "timestamp" ? 0 : _offsetSeconds(o.datetimeOffset);
            // timestamptz reads the offset; a zone-less timestamp column gets UTC wall time.
            const zone = t.sqlType === "timestamp without time zone" ? "" : "+00";
            return wrap((v) => (ZERO.test(v) ? zeroOrInvalid(s, t, o, v) : utcWallTime(v, offset) + zone));
        }
        default:
            throw new Error(`${s.name}: cannot write ${t.type} to PostgreSQL`);
    }
}

function fail(s: SourceColumn, v: string, reason: string): never {
    throw new ConversionError(s.name, v, reason);
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

/** COPY text format: backslash, tab, newline and carriage return escaped; NUL cannot be stored. */
export function escapeCopy(column: string, v: string): string {
    if (!NEEDS_ESCAPE.test(v)) return v;
    if (v.includes("\0")) throw new ConversionError(column, v, "contains a NUL character, which PostgreSQL text cannot store");
    return v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** The JSON text of a value in BigQuery's newline-delimited load; undefined leaves the field out (SQL NULL). */
export function bqConverter(s: SourceColumn, t: TargetColumn, o: WriteOptions): (raw: RawValue) => string | undefined {
    const wrap = (f: (v: string) => string | undefined) => (raw: RawValue) => {
        if (raw === null) {
            if (t.required) throw new ConversionError(s.name, null, `NULL in required column ${t.name}`);
            return undefined;
        }
        return f(text(s, raw));
    };
    const quoted = (v: string) => `"${v}"`;
    switch (t.type) {
        case "STRING":
            return wrap((v) => JSON.stringify(v));
        case "INT64":
            return wrap((v) => {
                if (!/^-?\d+$/.test(v)) fail(s, v, "not an integer");
                const digits = v.replace(/^-?0*/, "");
                const limit = v.startsWith("-") ? INT64_MIN : INT64_MAX;
                if (digits.length > 19 || (digits.length === 19 && digits > limit)) fail(s, v, "outside BigQuery's INT64");
                return quoted(v);
            });
        case "NUMERIC":
            return wrap((v) => {
                const m = /^-?(\d*)(?:\.(\d*))?$/.exec(v);
                if (!m) return fail(s, v, "not a decimal number");
                if (m[1].replace(/^0+/, "").length > 29 || (m[2] ?? "").replace(/0+$/, "").length > 9) fail(s, v, "BigQuery NUMERIC holds 29 integer and 9 fractional digits");
                return quoted(v);
            });
        case "FLOAT64":
            return wrap((v) => (JSON_NUMBER.test(v) ? v : fail(s, v, "not a finite number")));
        case "BOOL":
            return wrap((v) => (/^-?0+$/.test(v) ? "false" : /^-?\d+$/.test(v) ? "true" : fail(s, v, "not a boolean (an integer, 0 is false)")));
        case "DATE":
            return wrap((v) => (ZERO.test(v) ? (zeroOrInvalid(s, t, o, v) ?? undefined) : quoted(v)));
        case "TIMESTAMP": {
            const offset = s.kind === "timestamp" ? 0 : _offsetSeconds(o.datetimeOffset);
            return wrap((v) => (ZERO.test(v) ? (zeroOrInvalid(s, t, o, v) ?? undefined) : quoted(utcWallTime(v, offset).replace(" ", "T") + "Z")));
        }
        case "JSON":
            // The document itself, not a string holding it. A JSON null stays null; only an absent
            // field is SQL NULL. Raw newlines can only be whitespace between tokens in valid JSON.
            return wrap((v) => v.replace(/[\r\n]/g, " "));
        default:
            throw new Error(`${s.name}: cannot write ${t.type} to BigQuery`);
    }
}
