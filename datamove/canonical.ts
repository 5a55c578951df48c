// The canonical forms the verification compares. A move is verified when the fingerprint of the
// source's own values equals the fingerprint of what the target holds, each computed from its
// own text: the source's from the driver's raw text (before any conversion), PostgreSQL's by
// PostgreSQL itself in SQL, BigQuery's from the cells tabledata.list returns. Nothing here is
// used to write a value, so a conversion that loses something cannot also hide it.
import * as crypto from "crypto";
import { epochMicrosText } from "../lib/time";

/** The target types the move knows. */
export type LogicalType = "STRING" | "INT64" | "NUMERIC" | "FLOAT64" | "BOOL" | "DATE" | "TIMESTAMP" | "JSON" | "INET" | "RECORD";

/** How a MySQL column's values are read, from information_schema's DATA_TYPE and COLUMN_TYPE. */
export type SourceKind = "text" | "json" | "integer" | "boolean" | "decimal" | "float" | "date" | "datetime" | "timestamp" | "binary";

export interface SourceColumn {
    readonly name: string;
    /** DATA_TYPE, lower case. */
    readonly dataType: string;
    /** COLUMN_TYPE, lower case (tells TINYINT(1) apart). */
    readonly columnType: string;
    readonly kind: SourceKind | undefined;
}

export interface TargetColumn {
    readonly name: string;
    readonly type: LogicalType;
    readonly required: boolean;
    readonly repeated?: boolean;
    /** RECORD fields. */
    readonly fields?: readonly TargetColumn[];
    /** PostgreSQL: the column has a default (identity, now()), so the source may leave it out. */
    readonly hasDefault?: boolean;
    /** PostgreSQL: the column's type as information_schema names it. */
    readonly sqlType?: string;
}

/** A value that cannot be read or written; the mover adds the table and the row's key. */
export class ConversionError extends Error {
    constructor(readonly column: string, readonly value: string | null, readonly reason: string) {
        super(`column ${column} = ${showValue(value)}: ${reason}`);
    }
}

/** A value as error messages quote it: short, on one line, NULL spelled out. */
export function showValue(v: string | null | undefined): string {
    if (v === null || v === undefined) return "NULL";
    const s = v.length > 80 ? v.slice(0, 80) + "…" : v;
    return /^-?\d+(\.\d+)?$/.test(s) ? s : JSON.stringify(s);
}

/**
 * The one table of type pairs: for each target type, what its canonical text is and which source
 * kinds may fill it. A pair not listed is refused before anything is written.
 */
export const PAIRS: Readonly<Record<Exclude<LogicalType, "RECORD">, { readonly canonical: string; readonly from: readonly SourceKind[] }>> = {
    STRING: { canonical: "the characters, UTF-8", from: ["text", "json", "integer", "boolean", "decimal", "float", "date", "datetime", "timestamp", "binary"] },
    INT64: { canonical: "decimal integer: no leading zeros, no sign on zero", from: ["integer", "boolean"] },
    NUMERIC: { canonical: "exact decimal: no leading zeros, no trailing fractional zeros, no sign on zero", from: ["integer", "decimal"] },
    FLOAT64: { canonical: "the double's shortest round-trip digits in PostgreSQL's float8 text (1e+20, 1.5e-07, -0)", from: ["float"] },
    BOOL: { canonical: "t or f; any non-zero integer is t, as in MySQL", from: ["boolean", "integer"] },
    DATE: { canonical: "YYYY-MM-DD", from: ["date"] },
    TIMESTAMP: { canonical: "microseconds since 1970-01-01 00:00:00 UTC, a decimal integer", from: ["datetime", "timestamp", "date"] },
    JSON: {
        canonical: "JSON without whitespace, keys sorted by code point (the last of duplicate keys wins), strings minimally escaped, numbers as exact decimals without exponent, trailing fractional zeros or −0; a JSON null is not SQL NULL",
        from: ["json", "text"],
    },
    INET: { canonical: "the address in PostgreSQL's form (lower-case hex, longest zero run as ::, dotted IPv4 tail for mapped addresses), then /prefix length", from: ["text"] },
};

/** The source kind of a MySQL column, or undefined when the mover cannot read it. */
export function sourceKind(dataType: string, columnType: string): SourceKind | undefined {
    switch (dataType) {
        case "tinyint":
            return /^tinyint\(1\)/.test(columnType) ? "boolean" : "integer";
        case "smallint":
        case "mediumint":
        case "int":
        case "integer":
        case "bigint":
        case "year":
            return "integer";
        case "decimal":
        case "numeric":
            return "decimal";
        case "float":
        case "double":
        case "real":
            return "float";
        case "char":
        case "varchar":
        case "tinytext":
        case "text":
        case "mediumtext":
        case "longtext":
        case "enum":
        case "set":
            return "text";
        case "json":
            return "json";
        case "date":
            return "date";
        case "datetime":
            return "datetime";
        case "timestamp":
            return "timestamp";
        case "binary":
        case "varbinary":
        case "tinyblob":
        case "blob":
        case "mediumblob":
        case "longblob":
            return "binary";
        default:
            return undefined;
    }
}

// -----------------------------------------------------------------------------------------
// Canonical text of single values

/** "012.500" → "12.5", "-0.0" → "0", "7" → "7"; throws on anything but a plain decimal. */
export function normalizeDecimal(text: string): string {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!m || (m[2] === "" && !m[3])) throw new Error("not a decimal number");
    const whole = m[2].replace(/^0+(?=\d)/, "") || "0";
    const frac = (m[3] ?? "").replace(/0+$/, "");
    const zero = whole === "0" && frac === "";
    return `${m[1] === "-" && !zero ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/**
 * A double as PostgreSQL's float8 output writes it (extra_float_digits = 1, the default): the
 * shortest digits that read back as the same double, plain for exponents −4…14, else
 * d.ddde±XX. JavaScript's toExponential() gives the same shortest digits.
 */
export function pgFloatText(x: number): string {
    if (Number.isNaN(x)) return "NaN";
    if (x === Infinity) return "Infinity";
    if (x === -Infinity) return "-Infinity";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential())!;
    const sign = m[1];
    const digits = m[2] + (m[3] ?? "");
    const exp = Number(m[4]);
    if (exp >= -4 && exp < 15) {
        if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
        if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length);
        return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    }
    return `${sign}${m[2]}${m[3] ? "." + m[3] : ""}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** What a MySQL date or date-time text is: a real instant, a zero date, or an impossible date. */
export type MysqlDate = { kind: "ok"; y: number; mo: number; d: number; h: number; mi: number; s: number; frac: string } | { kind: "zero" } | { kind: "invalid"; reason: string };

/** The decimal number in text[i, i + len), or -1 when a character is not a digit. */
function digits(text: string, i: number, len: number): number {
    let v = 0;
    for (let k = i; k < i + len; k++) {
        const c = text.charCodeAt(k) - 48;
        if (c < 0 || c > 9) return -1;
        v = v * 10 + c;
    }
    return v;
}

const NOT_A_DATE = { kind: "invalid", reason: "not a MySQL date" } as const;
const ZERO_DATE = { kind: "zero" } as const;

/**
 * Reads 'YYYY-MM-DD[ HH:MM:SS[.f…]]' digit by digit, with no regular expression and no closure:
 * it runs for every date of every row.
 */
export function parseMysqlDate(text: string): MysqlDate {
    const n = text.length;
    if (n !== 10 && n !== 19 && !(n >= 21 && n <= 26 && text.charCodeAt(19) === 46)) return NOT_A_DATE;
    if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NOT_A_DATE;
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 2);
    const d = digits(text, 8, 2);
    let h = 0;
    let mi = 0;
    let s = 0;
    let frac = "000000";
    if (n > 10) {
        if (text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NOT_A_DATE;
        h = digits(text, 11, 2);
        mi = digits(text, 14, 2);
        s = digits(text, 17, 2);
        if (n > 20) {
            if (digits(text, 20, n - 20) < 0) return NOT_A_DATE;
            frac = n === 26 ? text.slice(20) : text.slice(20).padEnd(6, "0");
        }
    }
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return NOT_A_DATE;
    // MySQL's zero date and its relatives with a zero month or day (NO_ZERO_IN_DATE off).
    if (mo === 0 || d === 0) return ZERO_DATE;
    if (y === 0) return { kind: "invalid", reason: "year 0000 exists neither in PostgreSQL nor in BigQuery" };
    if (mo > 12 || d > daysInMonth(y, mo)) return { kind: "invalid", reason: "no such day (MySQL's ALLOW_INVALID_DATES lets it in)" };
    if (h > 23 || mi > 59 || s > 59) return { kind: "invalid", reason: "no such time of day" };
    return { kind: "ok", y, mo, d, h, mi, s, frac };
}

function daysInMonth(y: number, mo: number): number {
    return mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
}

// ---- JSON

const MAX_JSON_NUMBER_DIGITS = 1_000_000;

/** Orders strings by Unicode code point (UTF-8 byte order), as PostgreSQL's COLLATE "C" does. */
export function byCodePoint(a: string, b: string): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a.charCodeAt(i);
        const y = b.charCodeAt(i);
        if (x !== y) {
            // A surrogate is half of a code point above U+FFFF: after every other BMP character.
            const xs = x >= 0xd800 && x <= 0xdfff;
            const ys = y >= 0xd800 && y <= 0xdfff;
            return xs === ys ? x - y : xs ? 1 : -1;
        }
    }
    return a.length - b.length;
}

/**
 * The canonical text of a JSON document, read exactly: numbers never pass through a double, so
 * 12345678901234567890 stays itself and 1.50, 15e-1 and 1.5 are one number. Throws on text that
 * is not JSON.
 */
export function canonicalJson(text: string): string {
    const r = new JsonReader(text);
    r.space();
    let out: string;
    try {
        out = r.value();
    } catch (err) {
        if (err instanceof RangeError) throw new Error("not JSON the mover can compare: nested too deeply");
        throw err;
    }
    r.space();
    if (r.i !== text.length) r.fail("text after the JSON value");
    return out;
}

function isDigitAt(s: string, k: number): boolean {
    const c = s.charCodeAt(k);
    return c >= 0x30 && c <= 0x39;
}

/** One pass over the text, no regular expression and little garbage: it runs for every JSON cell on both sides. */
class JsonReader {
    i = 0;
    constructor(private readonly s: string) {}

    fail(what: string): never {
        throw new Error(`not valid JSON: ${what} at character ${this.i + 1}`);
    }

    space(): void {
        const s = this.s;
        let i = this.i;
        for (;;) {
            const c = s.charCodeAt(i);
            if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
            else break;
        }
        this.i = i;
    }

    value(): string {
        const c = this.s.charCodeAt(this.i);
        if (c === 0x7b) return this.object();
        if (c === 0x5b) return this.array();
        if (c === 0x22) return this.string();
        if (c === 0x74) return this.word("true");
        if (c === 0x66) return this.word("false");
        if (c === 0x6e) return this.word("null");
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(Number.isNaN(c) ? "unexpected end" : `unexpected ${JSON.stringify(this.s[this.i])}`);
    }

    private word(w: string): string {
        if (!this.s.startsWith(w, this.i)) this.fail(`expected ${w}`);
        this.i += w.length;
        return w;
    }

    private object(): string {
        this.i++;
        this.space();
        if (this.s.charCodeAt(this.i) === 0x7d) {
            this.i++;
            return "{}";
        }
        const keys: string[] = [];
        const members: string[] = [];
        // Past a few dozen keys, duplicates are looked up in a map.
        let index: Map<string, number> | undefined;
        for (;;) {
            if (this.s.charCodeAt(this.i) !== 0x22) this.fail("expected a key");
            const quoted = this.string();
            const key = this.decoded;
            this.space();
            if (this.s.charCodeAt(this.i) !== 0x3a) this.fail("expected ':'");
            this.i++;
            this.space();
            const member = `${quoted}:${this.value()}`;
            // Last duplicate wins, as in MySQL, PostgreSQL's jsonb and JSON.parse.
            const seen = keys.length < 64 ? keys.indexOf(key) : (index ??= new Map(keys.map((k, n) => [k, n]))).get(key) ?? -1;
            if (seen >= 0 && index) index = undefined;
            if (seen >= 0) {
                keys.splice(seen, 1);
                members.splice(seen, 1);
            }
            index?.set(key, keys.length);
            keys.push(key);
            members.push(member);
            this.space();
            const c = this.s.charCodeAt(this.i++);
            if (c === 0x7d) break;
            if (c !== 0x2c) this.fail("expected ',' or '}'");
            this.space();
        }
        // Insertion sort of both arrays by key: objects are small, and often already in order.
        for (let k = 1; k < keys.length; k++) {
            const key = keys[k];
            const member = members[k];
            let m = k - 1;
            while (m >= 0 && byCodePoint(keys[m], key) > 0) {
                keys[m + 1] = keys[m];
                members[m + 1] = members[m];
                m--;
            }
            keys[m + 1] = key;
            members[m + 1] = member;
        }
        return `{${members.join(",")}}`;
    }

    private array(): string {
        this.i++;
        this.space();
        if (this.s.charCodeAt(this.i) === 0x5d) {
            this.i++;
            return "[]";
        }
        let out = "[";
        for (;;) {
            out += this.value();
            this.space();
            const c = this.s.charCodeAt(this.i++);
            if (c === 0x5d) break;
            if (c !== 0x2c) this.fail("expected ',' or ']'");
            out += ",";
            this.space();
        }
        return out + "]";
    }

    /** The string's decoded value, set by string(). */
    decoded = "";

    /** The canonical text of the string at the cursor (on its opening quote); its value goes to `decoded`. */
    private string(): string {
        const s = this.s;
        const start = ++this.i;
        // Without escapes the text as written is already canonical: a raw string holds no
        // quote, backslash or control character, which are all JSON.stringify escapes.
        for (let j = start; j < s.length; j++) {
            const c = s.charCodeAt(j);
            if (c === 0x22) {
                this.i = j + 1;
                this.decoded = s.slice(start, j);
                return s.slice(start - 1, j + 1);
            }
            if (c === 0x5c) break;
            if (c < 0x20) {
                this.i = j;
                this.fail("control character in a string");
            }
        }
        let out = "";
        let j = start;
        for (;;) {
            if (j >= s.length) {
                this.i = j;
                this.fail("unterminated string");
            }
            const c = s.charCodeAt(j);
            if (c === 0x22) break;
            if (c < 0x20) {
                this.i = j;
                this.fail("control character in a string");
            }
            if (c !== 0x5c) {
                out += s[j++];
                continue;
            }
            const e = s[j + 1];
            j += 2;
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case "\\":
                    out += "\\";
                    break;
                case "/":
                    out += "/";
                    break;
                case "b":
                    out += "\b";
                    break;
                case "f":
                    out += "\f";
                    break;
                case "n":
                    out += "\n";
                    break;
                case "r":
                    out += "\r";
                    break;
                case "t":
                    out += "\t";
                    break;
                case "u": {
                    const hex = s.slice(j, j + 4);
                    if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
                        this.i = j;
                        this.fail("bad \\u escape");
                    }
                    out += String.fromCharCode(parseInt(hex, 16));
                    j += 4;
                    break;
                }
                default:
                    this.i = j - 1;
                    this.fail("bad escape");
            }
        }
        this.i = j + 1;
        this.decoded = out;
        return JSON.stringify(out);
    }

    /** The number at the cursor as an exact decimal without exponent. */
    private number(): string {
        const s = this.s;
        const start = this.i;
        let j = start;
        const negative = s.charCodeAt(j) === 0x2d;
        if (negative) j++;
        const intStart = j;
        if (s.charCodeAt(j) === 0x30) j++;
        else if (isDigitAt(s, j)) while (isDigitAt(s, j)) j++;
        else this.fail("bad number");
        const intEnd = j;
        let fracStart = j;
        let fracEnd = j;
        if (s.charCodeAt(j) === 0x2e) {
            j++;
            fracStart = j;
            if (!isDigitAt(s, j)) this.fail("bad number");
            while (isDigitAt(s, j)) j++;
            fracEnd = j;
        }
        let exp = 0;
        const e = s.charCodeAt(j);
        if (e === 0x65 || e === 0x45) {
            j++;
            let sign = 1;
            const c = s.charCodeAt(j);
            if (c === 0x2b || c === 0x2d) {
                sign = c === 0x2d ? -1 : 1;
                j++;
            }
            if (!isDigitAt(s, j)) this.fail("bad number");
            const expStart = j;
            while (isDigitAt(s, j)) j++;
            const expText = s.slice(expStart, j).replace(/^0+/, "");
            if (expText.length > 7) this.fail("exponent too large");
            exp = sign * Number(expText || "0");
        }
        this.i = j;
        // The common cases need nothing: an integer, or a fraction without trailing zeros.
        if (exp === 0 && (intEnd - intStart === 1 || s.charCodeAt(intStart) !== 0x30)) {
            if (fracStart === fracEnd) return negative && intEnd - intStart === 1 && s.charCodeAt(intStart) === 0x30 ? "0" : s.slice(start, intEnd);
            if (s.charCodeAt(fracEnd - 1) !== 0x30) return s.slice(start, fracEnd);
        }
        const frac = s.slice(fracStart, fracEnd);
        let digits = (s.slice(intStart, intEnd) + frac).replace(/^0+/, "");
        if (digits === "") return "0";
        exp -= frac.length;
        const trimmed = digits.replace(/0+$/, "");
        exp += digits.length - trimmed.length;
        digits = trimmed;
        if (Math.abs(exp) + digits.length > MAX_JSON_NUMBER_DIGITS) this.fail("number too long to compare exactly");
        let text: string;
        if (exp >= 0) text = digits + "0".repeat(exp);
        else {
            const point = digits.length + exp;
            text = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${"0".repeat(-point)}${digits}`;
        }
        return negative ? "-" + text : text;
    }
}

// ---- inet

/** PostgreSQL's text(inet) of an address: "10.1.2.3/32", "2001:db8::1/128", "::ffff:1.2.3.4/128". */
export function canonicalInet(text: string): string {
    const slash = text.indexOf("/");
    const addr = slash < 0 ? text : text.slice(0, slash);
    const v6 = addr.includes(":");
    const max = v6 ? 128 : 32;
    let bits = max;
    if (slash >= 0) {
        const b = text.slice(slash + 1);
        if (!/^(0|[1-9]\d{0,2})$/.test(b) || +b > max) throw new Error("not an IP address: bad prefix length");
        bits = +b;
    }
    return `${v6 ? ipv6Text(parseIpv6(addr)) : ipv4Text(parseIpv4(addr))}/${bits}`;
}

/** Dotted IPv4; PostgreSQL takes leading zeros in an IPv4 address but not in an IPv6 one's IPv4 tail. */
function parseIpv4(addr: string, leadingZeros = true): number[] {
    const parts = addr.split(".");
    const octet = leadingZeros ? /^\d{1,3}$/ : /^(0|[1-9]\d{0,2})$/;
    if (parts.length !== 4 || parts.some((p) => !octet.test(p) || +p > 255)) throw new Error("not an IP address");
    return parts.map(Number);
}

const ipv4Text = (octets: number[]) => octets.join(".");

function ipv6Group(g: string): number {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error("not an IP address");
    return parseInt(g, 16);
}

function ipv6Groups(h: string): number[] {
    return h === "" ? [] : h.split(":").map(ipv6Group);
}

function parseIpv6(addr: string): number[] {
    let tail: number[] = [];
    let body = addr;
    const lastColon = addr.lastIndexOf(":");
    const last = addr.slice(lastColon + 1);
    if (last.includes(".")) {
        // A dotted IPv4 tail is the last two words; "::" just before it stays part of the body.
        const o = parseIpv4(last, false);
        tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
        body = addr[lastColon - 1] === ":" ? addr.slice(0, lastColon + 1) : addr.slice(0, lastColon);
    }
    const halves = body.split("::");
    if (halves.length > 2) throw new Error("not an IP address");
    const head = ipv6Groups(halves[0]);
    const rest = halves.length === 2 ? ipv6Groups(halves[1]) : [];
    const given = head.length + rest.length + tail.length;
    if (halves.length === 1 ? given !== 8 : given > 7) throw new Error("not an IP address");
    return [...head, ...Array(8 - given).fill(0), ...rest, ...tail];
}

/** inet_net_ntop_ipv6 of PostgreSQL 15, word for word. */
function ipv6Text(words: number[]): string {
    let best = { base: -1, len: 0 };
    let cur = { base: -1, len: 0 };
    for (let i = 0; i < 8; i++) {
        if (words[i] === 0) {
            if (cur.base === -1) cur = { base: i, len: 1 };
            else cur.len++;
        } else if (cur.base !== -1) {
            if (best.base === -1 || cur.len > best.len) best = cur;
            cur = { base: -1, len: 0 };
        }
    }
    if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
    if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
    let out = "";
    for (let i = 0; i < 8; i++) {
        if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
            if (i === best.base) out += ":";
            continue;
        }
        if (i !== 0) out += ":";
        if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
            out += `${words[6] >> 8}.${words[6] & 0xff}.${words[7] >> 8}.${words[7] & 0xff}`;
            return out;
        }
        out += words[i].toString(16);
    }
    if (best.base !== -1 && best.base + best.len === 8) out += ":";
    return out;
}

// -----------------------------------------------------------------------------------------
// Rows and tables

/**
 * A row's canonical text: each value as "<UTF-8 bytes>:<text>", NULL as "~". Length-prefixed,
 * so no text can pass for NULL or run into the next value. PostgreSQL builds the same string
 * with octet_length (see PG_ROW_TEXT).
 */
export function rowText(values: readonly (string | null)[]): string {
    let t = "";
    for (let i = 0; i < values.length; i++) {
        const v = values[i];
        t += v === null ? "~" : `${Buffer.byteLength(v)}:${v}`;
    }
    return t;
}

/** SHA-256 in hex; Node 20.12+ has a one-shot that skips the Hash object. */
const sha256Hex: (text: string) => string =
    typeof (crypto as any).hash === "function" ? (text) => (crypto as any).hash("sha256", text, "hex") : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** Buckets of the fingerprint: a mismatch is narrowed to the buckets that differ. */
export const BUCKETS = 4096;
const TWO32 = 2 ** 32;

/**
 * Row count and the sum mod 2⁶⁴ of the first 64 bits of each row's SHA-256: independent of row
 * order. The move keeps one sum; looking for a difference, rows are summed per bucket of their
 * key's hash, so a row changed in the target stays in its bucket and the few buckets that differ
 * are the only rows compared one by one.
 */
export class Fingerprint {
    rows = 0;
    readonly count = new Float64Array(BUCKETS);
    // Two 32-bit halves in doubles: exact while fewer than 2²¹ additions pile up between carries.
    private readonly hi = new Float64Array(BUCKETS);
    private readonly lo = new Float64Array(BUCKETS);

    /** Adds a row by its canonical text, in `bucket`. */
    add(text: string, bucket = 0): void {
        const hex = sha256Hex(text);
        this.hi[bucket] += parseInt(hex.slice(0, 8), 16);
        this.lo[bucket] += parseInt(hex.slice(8, 16), 16);
        this.count[bucket]++;
        if ((++this.rows & 0xfffff) === 0) this.carry();
    }

    /** Sets a bucket from a sum computed elsewhere (PostgreSQL's), as a possibly negative decimal. */
    setBucket(b: number, rows: number, sum: string): void {
        const v = BigInt.asUintN(64, BigInt(sum));
        this.count[b] = rows;
        this.hi[b] = Number(v >> 32n);
        this.lo[b] = Number(v & 0xffffffffn);
        this.rows += rows;
    }

    private carry(): void {
        for (let b = 0; b < BUCKETS; b++) {
            const c = Math.floor(this.lo[b] / TWO32);
            this.lo[b] -= c * TWO32;
            this.hi[b] = (this.hi[b] + c) % TWO32;
        }
    }

    private sum(b: number): bigint {
        return BigInt.asUintN(64, (BigInt(this.hi[b]) << 32n) + BigInt(this.lo[b]));
    }

    /** The whole table's sum mod 2⁶⁴ in hex. */
    get value(): string {
        let total = 0n;
        for (let b = 0; b < BUCKETS; b++) total += this.sum(b);
        return BigInt.asUintN(64, total).toString(16).padStart(16, "0");
    }

    /** Buckets whose rows or sums differ. */
    differingBuckets(other: Fingerprint): number[] {
        const out: number[] = [];
        for (let b = 0; b < BUCKETS; b++) if (this.count[b] !== other.count[b] || this.sum(b) !== other.sum(b)) out.push(b);
        return out;
    }
}

/** A table's row count and fingerprint value, as a report shows them. */
export interface TableSum {
    readonly rows: number;
    readonly value: string;
}

/** A sum PostgreSQL computed (a possibly negative decimal, or NULL for no rows) as a fingerprint value. */
export function sumValue(sum: string | null): string {
    return BigInt.asUintN(64, BigInt(sum ?? "0")).toString(16).padStart(16, "0");
}

/** The bucket of a row whose key has this canonical text (rowText of the key's values). */
export function keyBucket(keyText: string): number {
    return parseInt(sha256Hex(keyText).slice(0, 3), 16);
}

/** PostgreSQL SQL for keyBucket() of the key columns c… of PG_ROW_TEXT. */
export function pgKeyBucketSql(keyColumns: readonly string[]): string {
    return `('x' || substr(encode(sha256(convert_to(${pgRowTextSql(keyColumns)}, 'UTF8')), 'hex'), 1, 3))::bit(12)::int`;
}

// -----------------------------------------------------------------------------------------
// The same canonical forms on each target

/**
 * PostgreSQL SQL for the canonical text of a column, by its type. DateStyle ISO and
 * extra_float_digits 1 are set on the session; extract(epoch …) is numeric (exact) since
 * PostgreSQL 14.
 */
export function pgCanonicalSql(c: TargetColumn, expr: string): string {
    switch (c.type) {
        case "STRING":
            return `${expr}::text`;
        case "INT64":
            return `${expr}::text`;
        case "NUMERIC":
            return `trim_scale(${expr})::text`;
        case "FLOAT64":
            return `${expr}::float8::text`;
        case "BOOL":
            return `CASE WHEN ${expr} THEN 't' ELSE 'f' END`;
        case "DATE":
            return `${expr}::text`;
        case "TIMESTAMP":
            return `trim_scale(extract(epoch FROM ${expr}) * 1000000)::text`;
        case "JSON":
            return `pg_temp.synter_canonical_json(${expr}::jsonb)`;
        case "INET":
            return `text(${expr}::inet)`;
        default:
            throw new Error(`${c.name}: PostgreSQL has no ${c.type} column the mover can compare`);
    }
}

/** The canonical JSON of a jsonb value, in SQL: the same text canonicalJson() gives for the source. */
export const PG_CANONICAL_JSON_FUNCTION = `
CREATE OR REPLACE FUNCTION pg_temp.synter_canonical_json(j jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
BEGIN
  RETURN CASE jsonb_typeof(j)
    WHEN 'object' THEN '{' || coalesce((SELECT string_agg(to_jsonb(k)::text || ':' || pg_temp.synter_canonical_json(v), ',' ORDER BY k COLLATE "C") FROM jsonb_each(j) AS e(k, v)), '') || '}'
    WHEN 'array' THEN '[' || coalesce((SELECT string_agg(pg_temp.synter_canonical_json(v), ',' ORDER BY n) FROM jsonb_array_elements(j) WITH ORDINALITY AS a(v, n)), '') || ']'
    WHEN 'number' THEN trim_scale(j::text::numeric)::text
    ELSE j::text
  END;
END
$fn$`;

/** The row text of PG_ROW_TEXT's columns c1…cn, built as rowText() builds it. */
export function pgRowTextSql(columns: readonly string[]): string {
    return columns.map((c) => `coalesce(octet_length(${c})::text || ':' || ${c}, '~')`).join(" || ");
}

/** A tabledata.list cell (every leaf a string; RECORD is {f}, REPEATED is [{v}]) in canonical text. */
export function bqCellCanonical(c: TargetColumn): (cell: any) => string | null {
    if (c.repeated) {
        const item = bqCellCanonical({ ...c, repeated: false });
        return (cell) => {
            const items = Array.isArray(cell) ? cell.map((e: any) => item(e?.v)) : [];
            return `${items.length}#${rowText(items)}`;
        };
    }
    const leaf = (f: (v: string) => string) => (cell: any) => (cell === null || cell === undefined ? null : f(String(cell)));
    switch (c.type) {
        case "STRING":
        case "DATE":
            return leaf((v) => v);
        case "INT64":
            return leaf((v) => normalizeDecimal(v));
        case "NUMERIC":
            return leaf(normalizeDecimal);
        case "FLOAT64":
            return leaf((v) => pgFloatText(Number(v)));
        case "BOOL":
            return leaf((v) => (v === "true" ? "t" : v === "false" ? "f" : `?${v}`));
        case "TIMESTAMP":
            // Requested as int64 microseconds (formatOptions.useInt64Timestamp).
            return leaf((v) => normalizeDecimal(v));
        case "JSON":
            return leaf(canonicalJson);
        case "RECORD": {
            const fields = (c.fields ?? []).map(bqCellCanonical);
            return (cell) => {
                if (cell === null || cell === undefined) return null;
                const values: (string | null)[] = new Array(fields.length);
                for (let i = 0; i < fields.length; i++) values[i] = fields[i](cell.f?.[i]?.v);
                return recordText(values);
            };
        }
        default:
            throw new Error(`${c.name}: BigQuery has no ${c.type} column the mover can compare`);
    }
}

/** A RECORD's canonical text; one whose fields are all NULL is NULL, which is how the move writes it. */
export function recordText(values: readonly (string | null)[]): string | null {
    return values.every((v) => v === null) ? null : rowText(values);
}

/** The canonical text of a REPEATED column the source does not fill: always empty. */
export const EMPTY_LIST = "0#";

// -----------------------------------------------------------------------------------------
// The source side: canonical text straight from the driver's raw text

/** How source values are read: the documented choices a user makes. */
export interface ReadOptions {
    /** Seconds east of UTC that DATETIME values (which carry no zone) are read at. */
    readonly datetimeOffsetSeconds: number;
    /** MySQL zero dates (and dates with a zero month or day): an error, or NULL. */
    readonly zeroDates: "error" | "null";
}

export type RawValue = string | Buffer | null;

/** Text of a binary column, when it is UTF-8 (the only binary a text target can take). */
export function utf8Text(column: string, raw: Buffer): string {
    const text = raw.toString("utf8");
    if (Buffer.byteLength(text) !== raw.length || !Buffer.from(text, "utf8").equals(raw)) throw new ConversionError(column, `0x${raw.subarray(0, 40).toString("hex")}`, "binary value is not UTF-8 text");
    return text;
}

/**
 * The canonical text of a source value for its pair (source column → target type), from the
 * driver's raw text. Zero dates follow ReadOptions.zeroDates, the one documented mapping.
 */
export function sourceCanonical(s: SourceColumn, t: TargetColumn, o: ReadOptions): (raw: RawValue) => string | null {
    const fail = (raw: RawValue, reason: string): never => {
        throw new ConversionError(s.name, raw === null ? null : String(raw), reason);
    };
    const of =
        s.kind === "binary"
            ? (f: (raw: string) => string | null) => (raw: RawValue) => (raw === null ? null : f(Buffer.isBuffer(raw) ? utf8Text(s.name, raw) : raw))
            : (f: (raw: string) => string | null) => (raw: RawValue) => (raw === null ? null : f(raw as string));
    const dateOf = (raw: string) => {
        const d = parseMysqlDate(raw);
        if (d.kind === "zero") return o.zeroDates === "null" ? null : fail(raw, "zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL");
        if (d.kind === "invalid") return fail(raw, d.reason);
        return d;
    };
    switch (t.type) {
        case "STRING":
            return of((v) => v);
        case "INT64":
            // MySQL writes integers canonically; anything else is normalized or refused.
            return of((v) => (CANONICAL_INTEGER.test(v) ? v : /^[+-]?\d+$/.test(v) ? normalizeDecimal(v) : fail(v, "not an integer")));
        case "NUMERIC":
            return of((v) => {
                try {
                    return normalizeDecimal(v);
                } catch (err: any) {
                    return fail(v, err.message);
                }
            });
        case "FLOAT64":
            return of((v) => {
                const x = Number(v);
                return v.trim() !== "" && Number.isFinite(x) ? pgFloatText(x) : fail(v, "not a finite number");
            });
        case "BOOL":
            return of((v) => (/^-?0+$/.test(v) ? "f" : /^-?\d+$/.test(v) ? "t" : fail(v, "not a boolean (an integer, 0 is false)")));
        case "DATE":
            return of((v) => {
                const d = dateOf(v);
                return d === null ? null : v.length === 10 ? v : fail(v, "not a date");
            });
        case "TIMESTAMP": {
            const offset = s.kind === "timestamp" ? 0 : o.datetimeOffsetSeconds;
            return of((v) => {
                const d = dateOf(v);
                return d === null ? null : epochMicrosText(d.y, d.mo, d.d, d.h, d.mi, d.s, d.frac, offset);
            });
        }
        case "JSON":
            return of((v) => {
                try {
                    return canonicalJson(v);
                } catch (err: any) {
                    return fail(v, err.message);
                }
            });
        case "INET":
            return of((v) => {
                if (PLAIN_IPV4.test(v)) return `${v}/32`;
                try {
                    return canonicalInet(v);
                } catch (err: any) {
                    return fail(v, err.message);
                }
            });
        default:
            throw new Error(`${s.name}: no canonical form for ${t.type}`);
    }
}

const CANONICAL_INTEGER = /^(0|-?[1-9]\d*)$/;
const PLAIN_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Seconds east of UTC of "+HH:MM" / "-HH:MM". */
export function offsetSeconds(offset: string): number {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
    if (!m || +m[2] > 14 || +m[3] > 59) throw new Error(`${offset}: expected ±HH:MM, e.g. +00:00`);
    return (m[1] === "-" ? -1 : 1) * (+m[2] * 3600 + +m[3] * 60);
}
