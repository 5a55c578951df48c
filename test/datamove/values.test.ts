// The MySQL → PostgreSQL / BigQuery type mapping, value by value (the README's table).
import { describe, expect, it } from "vitest";
import { bigQueryJson, canonical, copyText, fromMysql, microsToIso, mysqlDatetimeMicros, normalizeDecimal, SourceColumn, TableChecksum, TargetColumn } from "../../datamove/values";
import { pgTimestampMicros } from "../../datamove/postgresTarget";

const src = (dataType: string): SourceColumn => ({ name: "c", dataType });
const tgt = (type: TargetColumn["type"], required = false): TargetColumn => ({ name: "c", type, required });
const conv = (v: unknown, s: SourceColumn, t: TargetColumn, datetimeOffset = "+00:00") => fromMysql(v, s, t, { datetimeOffset });

describe("MySQL values into logical values", () => {
    it("reads DATETIME at the given offset and TIMESTAMP as UTC, keeping microseconds", () => {
        expect(microsToIso(conv("2026-01-05 10:00:00.123456", src("datetime"), tgt("TIMESTAMP")) as bigint)).toBe("2026-01-05T10:00:00.123456Z");
        expect(microsToIso(conv("2026-01-05 10:00:00", src("datetime"), tgt("TIMESTAMP"), "+02:00") as bigint)).toBe("2026-01-05T08:00:00.000000Z");
        expect(microsToIso(conv("2026-01-05 10:00:00", src("timestamp"), tgt("TIMESTAMP"), "+02:00") as bigint)).toBe("2026-01-05T10:00:00.000000Z");
        expect(microsToIso(mysqlDatetimeMicros("1969-12-31 23:59:59.999999", "+00:00"))).toBe("1969-12-31T23:59:59.999999Z");
    });

    it("turns zero dates into NULL, or an error in a required column", () => {
        expect(conv("0000-00-00 00:00:00", src("datetime"), tgt("TIMESTAMP"))).toBeNull();
        expect(conv("0000-00-00", src("date"), tgt("DATE"))).toBeNull();
        expect(conv("2020-00-10", src("date"), tgt("DATE"))).toBeNull();
        expect(() => conv("0000-00-00 00:00:00", src("datetime"), tgt("TIMESTAMP", true))).toThrow("zero date '0000-00-00 00:00:00' in required column c");
    });

    it("maps TINYINT(1) to BOOL with MySQL's truth, DECIMAL to an exact NUMERIC, BIGINT exactly", () => {
        expect([0, 1, 2, "1", "0"].map((v) => conv(v, src("tinyint"), tgt("BOOL")))).toEqual([false, true, true, true, false]);
        expect(() => conv("yes", src("varchar"), tgt("BOOL"))).toThrow("is not a boolean");
        expect(conv("0012.500000", src("decimal"), tgt("NUMERIC"))).toBe("12.5");
        expect(conv("-0.000", src("decimal"), tgt("NUMERIC"))).toBe("0");
        expect(conv("9223372036854775807", src("bigint"), tgt("INT64"))).toBe("9223372036854775807");
        expect(() => conv("1.5", src("decimal"), tgt("INT64"))).toThrow("is not an integer");
    });

    it("keeps JSON, ENUM and text as they are: 4-byte UTF-8, commas, quotes, newlines", () => {
        expect(conv('{"b": [1, 2], "a": "x"}', src("json"), tgt("JSON"))).toEqual({ a: "x", b: [1, 2] });
        expect(() => conv("{oops", src("longtext"), tgt("JSON"))).toThrow("is not valid JSON");
        expect(conv("signup", src("enum"), tgt("STRING"))).toBe("signup");
        const tricky = 'a, "b"\n\tc\\d 😀 𝔘';
        expect(conv(tricky, src("varchar"), tgt("STRING"))).toBe(tricky);
        expect(conv(Buffer.from("ü", "utf8"), src("blob"), tgt("STRING"))).toBe("ü");
        expect(() => conv(Buffer.from([0xff, 0xfe]), src("blob"), tgt("STRING"))).toThrow("not UTF-8");
    });

    it("keeps NULL in nullable columns and refuses it in required ones", () => {
        expect(conv(null, src("varchar"), tgt("STRING"))).toBeNull();
        expect(() => conv(null, src("varchar"), tgt("STRING", true))).toThrow("NULL in required column c");
    });
});

describe("writing each target", () => {
    it("escapes COPY text so tabs, newlines and backslashes survive, and refuses NUL", () => {
        expect(copyText(tgt("STRING"), 'a\tb\nc\\d "e", f')).toBe('a\\tb\\nc\\\\d "e", f');
        expect(copyText(tgt("STRING"), null)).toBe("\\N");
        expect(copyText(tgt("BOOL"), true)).toBe("t");
        expect(copyText(tgt("TIMESTAMP"), 1767607200123456n)).toBe("2026-01-05T10:00:00.123456Z");
        expect(copyText(tgt("JSON"), { a: "x\ny" })).toBe('{"a":"x\\\\ny"}');
        expect(() => copyText(tgt("STRING"), "a\0b")).toThrow("contains a NUL character");
    });

    it("writes BigQuery JSON lines: TIMESTAMP as ISO text, JSON as a string, records as objects", () => {
        const rec: TargetColumn = { name: "attribution", type: "RECORD", required: false, fields: [tgt("STRING"), { name: "confidence", type: "FLOAT64", required: false }] };
        expect(bigQueryJson(tgt("TIMESTAMP"), 0n)).toBe("1970-01-01T00:00:00.000000Z");
        expect(bigQueryJson(tgt("JSON"), { a: 1 })).toBe('{"a":1}');
        expect(bigQueryJson(rec, { c: "last_click", confidence: 0.9 })).toEqual({ c: "last_click", confidence: 0.9 });
        expect(bigQueryJson({ ...tgt("STRING"), repeated: true }, null)).toEqual([]);
    });

    it("reads PostgreSQL's timestamptz text back to the same microseconds", () => {
        expect(pgTimestampMicros("2026-01-05 10:00:00.123456+00")).toBe(1767607200123456n);
        expect(pgTimestampMicros("2026-01-05 12:00:00+02")).toBe(1767607200000000n);
        expect(pgTimestampMicros("2026-01-05 15:30:00+05:30")).toBe(1767607200000000n);
    });
});

describe("the checksum", () => {
    const cols = [tgt("STRING"), { name: "n", type: "NUMERIC" as const, required: false }, { name: "j", type: "JSON" as const, required: false }];
    it("ignores row order and JSON key order, and sees any changed value", () => {
        const a = new TableChecksum();
        const b = new TableChecksum();
        a.add(cols, { c: "x", n: "1.5", j: { a: 1, b: 2 } });
        a.add(cols, { c: "y", n: null, j: null });
        b.add(cols, { c: "y", n: null, j: null });
        b.add(cols, { c: "x", n: "1.5", j: { b: 2, a: 1 } });
        expect(b.value).toBe(a.value);
        const c = new TableChecksum();
        c.add(cols, { c: "x", n: "1.50001", j: { a: 1, b: 2 } });
        c.add(cols, { c: "y", n: null, j: null });
        expect(c.value).not.toBe(a.value);
        // No text passes for NULL, and no text runs into the next field.
        expect(canonical(cols[0], null)).not.toBe(canonical(cols[0], "-"));
        expect(canonical(cols[0], "\\N")).not.toBe(canonical(cols[0], null));
        const d = new TableChecksum();
        const e = new TableChecksum();
        d.add([tgt("STRING"), { name: "d", type: "STRING", required: false }], { c: "a1:", d: "b" });
        e.add([tgt("STRING"), { name: "d", type: "STRING", required: false }], { c: "a", d: "1:b" });
        expect(d.value).not.toBe(e.value);
    });

    it("normalises decimals", () => {
        expect(["1.50", "+1.5", "01.5"].map(normalizeDecimal)).toEqual(["1.5", "1.5", "1.5"]);
        expect(() => normalizeDecimal("1e5")).toThrow("is not a decimal number");
    });
});
