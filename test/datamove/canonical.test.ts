// The canonical forms, value by value: what the source side computes in JavaScript from
// MySQL's text must be exactly what PostgreSQL computes in SQL from its own values (checked on
// the real server), and no lossy change may keep the same canonical text.
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
    BUCKETS, canonicalInet, canonicalJson, Fingerprint, keyBucket, type MysqlDate, normalizeDecimal, parseMysqlDate, PG_CANONICAL_JSON_FUNCTION, pgCanonicalSql, pgFloatText,
    pgKeyBucketSql, pgRowTextSql, type ReadOptions, rowText, type SourceColumn, sourceCanonical, sourceKind, sumValue, type TargetColumn,
} from "../../datamove/canonical";
import { bqConverter, escapeCopy, pgConverter, utcWallTime } from "../../datamove/convert";
import { epochMicrosText } from "../../lib/time";
import { freshDatabase } from "../../servers/postgres";

const src = (dataType: string, columnType = dataType): SourceColumn => ({ name: "c", dataType, columnType, kind: sourceKind(dataType, columnType) });
const tgt = (type: TargetColumn["type"], required = false, sqlType?: string): TargetColumn => ({ name: "c", type, required, sqlType });
const read: ReadOptions = { datetimeOffsetSeconds: 0, zeroDates: "error" };
const write = { ...read, datetimeOffset: "+00:00" };

let pg: Client;
beforeAll(async () => {
    pg = new Client({ connectionString: await freshDatabase(inject("pgUrl"), "canon"), types: { getTypeParser: () => (v: string) => v } as any });
    await pg.connect();
    await pg.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1");
    await pg.query(PG_CANONICAL_JSON_FUNCTION);
});
afterAll(async () => {
    await pg.end();
});

/** PostgreSQL's canonical text of each value, cast to `sqlType` first. */
async function pgCanonical(type: TargetColumn["type"], sqlType: string, values: string[]): Promise<(string | null)[]> {
    const r = await pg.query(`SELECT ${pgCanonicalSql(tgt(type), `v::${sqlType}`)} AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`, [values]);
    return r.rows.map((x) => x.c);
}

describe("JSON, exactly", () => {
    it("keeps numbers of any size and precision, and writes equal numbers one way", () => {
        expect(canonicalJson('{"n": 12345678901234567890}')).toBe('{"n":12345678901234567890}');
        expect(canonicalJson("123456789012345678901234567890.123456789012345678901")).toBe("123456789012345678901234567890.123456789012345678901");
        expect(["1.5", "1.50", "15e-1", "0.15E+1", "1.5e0"].map(canonicalJson)).toEqual(Array(5).fill("1.5"));
        expect(["-0", "0.000", "-0e5"].map(canonicalJson)).toEqual(["0", "0", "0"]);
        expect(canonicalJson("1e-7")).toBe("0.0000001");
        expect(canonicalJson("2E+3")).toBe("2000");
        // The double nearest 12345678901234567890 is another number: not the same canonical text.
        expect(canonicalJson(JSON.stringify(JSON.parse("12345678901234567890")))).not.toBe(canonicalJson("12345678901234567890"));
    });

    it("sorts keys by code point, keeps the last duplicate, drops whitespace and re-escapes strings minimally", () => {
        expect(canonicalJson('{ "b" : [1, {"z": null, "y": true}], "a": "x" }')).toBe('{"a":"x","b":[1,{"y":true,"z":null}]}');
        expect(canonicalJson('{"a": 1, "a": 2}')).toBe('{"a":2}');
        expect(canonicalJson('"\\u00e9\\/\\t\\u0001"')).toBe('"é/\\t\\u0001"');
        // An astral character sorts after every BMP one, as its UTF-8 bytes do (not as UTF-16 does).
        expect(canonicalJson('{"\\ud83d\\ude00": 1, "\\uffff": 2, "a": 3}')).toBe('{"a":3,"\uffff":2,"😀":1}');
        expect(canonicalJson("null")).toBe("null");
    });

    it("refuses what is not JSON, saying where", () => {
        for (const [text, message] of [["{oops", "expected a key at character 2"], ["[1,]", 'unexpected "]" at character 4'], ["01", "text after the JSON value at character 2"], ['"a\nb"', "control character in a string at character 3"], ["1 2", "text after the JSON value at character 3"]]) {
            expect(() => canonicalJson(text)).toThrow(message);
        }
    });

    it("is what PostgreSQL computes from jsonb, for documents written every which way", async () => {
        const docs = [
            '{"n": 12345678901234567890, "m": -98765432109876543210.000100, "e": 1.5E+300, "t": 1e-20}',
            '{"b": {"d": [], "c": {}}, "a": [null, true, false, "x", 0, -0, 0.0]}',
            '{"z": 1, "a": 2, "a": 3, "é": 4, "\\ud83d\\ude00": 5, "\\uffff": 6, "A": 7, "": 8}',
            '["\\"quoted\\"", "back\\\\slash", "tab\\t", "new\\nline", "\\u001f", "\\u007f", "😀", "\\u2028"]',
            "[1.0, 1.50, 100e-2, 0.001e3, 123456789.123456789e9]",
            '"just a string"',
            "null",
            "3.14159265358979323846264338327950288419716939937510",
            // Past the point where duplicates are looked up in a map.
            `{${Array.from({ length: 100 }, (_, i) => `"k${(i * 37) % 100}": ${i}`).join(", ")}, "k5": "last", "k99": [1.0]}`,
        ];
        const r = await pg.query("SELECT pg_temp.synter_canonical_json(d::jsonb) AS c FROM unnest($1::text[]) WITH ORDINALITY AS u(d, i) ORDER BY i", [docs]);
        expect(r.rows.map((x) => x.c)).toEqual(docs.map(canonicalJson));
    });
});

describe("inet", () => {
    const addresses = [
        "10.1.2.3", "010.001.002.003", "1.2.3.04", "0.0.0.0", "255.255.255.255", "10.1.2.3/24", "10.1.2.0/24", "10.1.2.3/0",
        "2001:DB8::1", "2001:db8:0:0:0:0:0:1", "::1", "::", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "::0.0.0.1", "::0.0.0.2", "::ffff:0:1.2.3.4",
        "0:0:0:0:0:ffff:102:304", "2001:0:0:1:0:0:0:1", "2001:db8:0:1:1:1:1:1", "2001:db8::1:0:0:1", "01:002:0003:4::", "1:2:3:4:5:6:1.2.3.4",
        "FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "::ffff:10.0.0.1/120", "2001:db8::/32",
    ];

    it("is PostgreSQL's text(inet), whatever form the address was written in", async () => {
        expect(await pgCanonical("INET", "inet", addresses)).toEqual(addresses.map(canonicalInet));
    });

    it("agrees with PostgreSQL on random IPv6 addresses with runs of zeros", async () => {
        let seed = 7;
        const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const random = Array.from({ length: 300 }, () => Array.from({ length: 8 }, () => (rand() < 0.5 ? "0" : (rand() < 0.5 ? (s: string) => s : (s: string) => s.toUpperCase())(Math.floor(rand() * 65536).toString(16)))).join(":"));
        expect(await pgCanonical("INET", "inet", random)).toEqual(random.map(canonicalInet));
    });

    it("refuses what is not an address", () => {
        for (const a of ["10.1.2", "256.1.1.1", "1.2.3.4/33", "::1.2.3.04", "::ffff:1.2.3.4/0100", "fe80::1%eth0", " 10.1.2.3", "1:2:3:4:5:6:7:8:9", "1:::2", "12345::"]) expect(() => canonicalInet(a)).toThrow("not an IP address");
    });
});

describe("numbers, dates and times", () => {
    it("writes doubles as PostgreSQL's float8 output does", async () => {
        let seed = 11;
        const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const values = [0.1, 1 / 3, 1e20, 1.5e-7, 123.456, -0, 0, 1e15, 1e14, 999999999999999.9, 1e100, 5e-324, 1.7976931348623157e308, 0.0001, 0.00001, -2.5e-5, 0.30000001192092896];
        for (let i = 0; i < 300; i++) values.push((rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20));
        const texts = values.map((v) => (Object.is(v, -0) ? "-0" : v.toExponential(17)));
        expect(await pgCanonical("FLOAT64", "float8", texts)).toEqual(values.map(pgFloatText));
    });

    it("writes decimals as trim_scale does", async () => {
        const values = ["0", "-0.000", "12.500", "0012.5", "-1.0", "123456789012345678901234567890.1234567890", "0.000001000"];
        expect(await pgCanonical("NUMERIC", "numeric", values)).toEqual(values.map(normalizeDecimal));
    });

    it("counts microseconds since the epoch as PostgreSQL does, at any offset, before 1970 and past 2255", async () => {
        const times = ["1970-01-01 00:00:00", "1969-12-31 23:59:59.5", "1969-12-31 23:59:59.999999", "2025-01-02 03:04:05.123456", "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999", "1970-01-01 00:00:00.000001", "2300-06-15 12:00:00.000001", "1600-02-29 00:00:00"];
        for (const [offset, seconds] of [["+00:00", 0], ["+05:30", 19800], ["-08:00", -28800]] as const) {
            const expected = times.map((t) => {
                const d = parseMysqlDate(t) as Extract<MysqlDate, { kind: "ok" }>;
                return epochMicrosText(d.y, d.mo, d.d, d.h, d.mi, d.s, d.frac, seconds);
            });
            expect(await pgCanonical("TIMESTAMP", "timestamptz", times.map((t) => `${t}${offset}`))).toEqual(expected);
        }
    });

    it("tells MySQL's zero dates and impossible dates from real ones", () => {
        expect(parseMysqlDate("0000-00-00 00:00:00")).toEqual({ kind: "zero" });
        expect(parseMysqlDate("2025-00-10")).toEqual({ kind: "zero" });
        expect(parseMysqlDate("2025-02-29")).toMatchObject({ kind: "invalid" });
        expect(parseMysqlDate("2024-02-29")).toMatchObject({ kind: "ok", d: 29 });
        expect(parseMysqlDate("0000-01-01")).toMatchObject({ kind: "invalid", reason: "year 0000 exists neither in PostgreSQL nor in BigQuery" });
    });
});

describe("each pair, from MySQL's text", () => {
    const canon = (s: SourceColumn, t: TargetColumn, raw: string | null, o = read) => sourceCanonical(s, t, o)(raw);

    it("reads DATETIME at the offset and TIMESTAMP (a UTC session) as is", () => {
        expect(canon(src("datetime"), tgt("TIMESTAMP"), "2026-01-05 10:00:00.123456")).toBe("1767607200123456");
        expect(canon(src("datetime"), tgt("TIMESTAMP"), "2026-01-05 12:00:00", { ...read, datetimeOffsetSeconds: 7200 })).toBe("1767607200000000");
        expect(canon(src("timestamp"), tgt("TIMESTAMP"), "2026-01-05 10:00:00", { ...read, datetimeOffsetSeconds: 7200 })).toBe("1767607200000000");
        expect(canon(src("date"), tgt("TIMESTAMP"), "2026-01-05")).toBe("1767571200000000");
    });

    it("refuses zero dates by default, maps them to NULL when asked, and always refuses impossible dates", () => {
        expect(() => canon(src("datetime"), tgt("TIMESTAMP"), "0000-00-00 00:00:00")).toThrow(`column c = "0000-00-00 00:00:00": zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL`);
        expect(canon(src("date"), tgt("DATE"), "2025-01-00", { ...read, zeroDates: "null" })).toBeNull();
        expect(() => canon(src("date"), tgt("DATE"), "2025-02-30", { ...read, zeroDates: "null" })).toThrow(`column c = "2025-02-30": no such day (MySQL's ALLOW_INVALID_DATES lets it in)`);
        expect(() => pgConverter(src("datetime"), tgt("TIMESTAMP", true), { ...write, zeroDates: "null" })("0000-00-00 00:00:00")).toThrow("zero date cannot become NULL: c is required");
    });

    it("reads TINYINT(1) with MySQL's truth, integers and decimals exactly, binary only as UTF-8", () => {
        expect(["0", "1", "2", "-1", "00"].map((v) => canon(src("tinyint", "tinyint(1)"), tgt("BOOL"), v))).toEqual(["f", "t", "t", "t", "f"]);
        expect(canon(src("bigint"), tgt("INT64"), "9223372036854775807")).toBe("9223372036854775807");
        expect(canon(src("decimal"), tgt("NUMERIC"), "0012.500000")).toBe("12.5");
        expect(canon(src("blob"), tgt("STRING"), Buffer.from("ü") as any)).toBe("ü");
        expect(() => canon(src("blob"), tgt("STRING"), Buffer.from([0xff, 0xfe]) as any)).toThrow("binary value is not UTF-8 text");
        expect(canon(src("varchar"), tgt("STRING"), null)).toBeNull();
    });
});

describe("writing each target", () => {
    it("passes values through as MySQL wrote them, escaping COPY text and refusing NUL", () => {
        expect(escapeCopy("c", 'a\tb\nc\\d\r "e", f')).toBe('a\\tb\\nc\\\\d\\r "e", f');
        expect(() => escapeCopy("c", "a\0b")).toThrow('column c = "a\\u0000b": contains a NUL character');
        expect(pgConverter(src("json"), tgt("JSON"), write)('{"n": 12345678901234567890}')).toBe('{"n": 12345678901234567890}');
        expect(pgConverter(src("tinyint", "tinyint(1)"), tgt("BOOL"), write)("2")).toBe("t");
        expect(pgConverter(src("datetime"), tgt("TIMESTAMP", false, "timestamp with time zone"), write)("2025-01-02 03:04:05.5")).toBe("2025-01-02 03:04:05.5+00");
        expect(pgConverter(src("datetime"), tgt("TIMESTAMP", false, "timestamp with time zone"), { ...write, datetimeOffset: "-05:00" })("2025-01-01 22:00:00.000001")).toBe("2025-01-02 03:00:00.000001+00");
        expect(utcWallTime("2025-03-01 00:30:00", 3600)).toBe("2025-02-28 23:30:00");
    });

    it("writes BigQuery fields as JSON: a JSON document itself, an absent field for SQL NULL, exact integers as strings", () => {
        const json = bqConverter(src("json"), tgt("JSON"), write);
        expect(json('{"n": 12345678901234567890,\n "s": "a\\nb"}')).toBe('{"n": 12345678901234567890,  "s": "a\\nb"}');
        expect(json("null")).toBe("null");
        expect(json(null)).toBeUndefined();
        expect(bqConverter(src("bigint"), tgt("INT64"), write)("9223372036854775807")).toBe('"9223372036854775807"');
        expect(() => bqConverter(src("bigint", "bigint unsigned"), tgt("INT64"), write)("9223372036854775808")).toThrow("outside BigQuery's INT64");
        expect(() => bqConverter(src("decimal"), tgt("NUMERIC"), write)("1.0000000001")).toThrow("BigQuery NUMERIC holds 29 integer and 9 fractional digits");
        expect(bqConverter(src("datetime"), tgt("TIMESTAMP"), write)("2025-06-01 10:00:00.000001")).toBe('"2025-06-01T10:00:00.000001Z"');
    });
});

describe("rows and fingerprints", () => {
    it("builds row text as PostgreSQL builds it, bytes not characters, NULL apart from any text", async () => {
        const rows: (string | null)[][] = [["a", null, "😀é"], ["~", "", "1:"], [null, null, null]];
        const r = await pg.query(`SELECT ${pgRowTextSql(["c0", "c1", "c2"])} AS t FROM (VALUES ${rows.map((_, i) => `($${i * 3 + 1}::text, $${i * 3 + 2}::text, $${i * 3 + 3}::text)`).join(", ")}) v(c0, c1, c2)`, rows.flat());
        expect(r.rows.map((x) => x.t)).toEqual(rows.map(rowText));
        expect(rowText([null])).not.toBe(rowText(["~"]));
        expect(rowText(["a1:", "b"])).not.toBe(rowText(["a", "1:b"]));
    });

    it("sums the same rows in any order to the same value, PostgreSQL's sum included", async () => {
        const texts = Array.from({ length: 500 }, (_, i) => rowText([String(i), i % 3 ? "x" : null]));
        const a = new Fingerprint();
        const b = new Fingerprint();
        texts.forEach((t) => a.add(t));
        [...texts].reverse().forEach((t) => b.add(t));
        expect(b.value).toBe(a.value);
        const r = await pg.query(
            `SELECT count(*)::int AS n, sum(('x' || substr(encode(sha256(convert_to(t, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint)::text AS s FROM unnest($1::text[]) AS u(t)`,
            [texts],
        );
        expect({ rows: Number(r.rows[0].n), value: sumValue(r.rows[0].s) }).toEqual({ rows: a.rows, value: a.value });
        const changed = new Fingerprint();
        texts.slice(1).forEach((t) => changed.add(t));
        changed.add(rowText(["0", "changed"]));
        expect(changed.value).not.toBe(a.value);
    });

    it("puts a row in the same bucket on both sides by its key, so a changed row is found in its bucket", async () => {
        const keys = ["1", "2", "e3", "😀", "a\tb"];
        const r = await pg.query(`SELECT ${pgKeyBucketSql(["c0"])} AS b FROM unnest($1::text[]) WITH ORDINALITY AS u(c0, i) ORDER BY i`, [keys]);
        expect(r.rows.map((x) => Number(x.b))).toEqual(keys.map((k) => keyBucket(rowText([k]))));
        const rows = Array.from({ length: 300 }, (_, i) => [String(i), `v${i}`]);
        const before = new Fingerprint();
        const after = new Fingerprint();
        rows.forEach(([k, v]) => before.add(rowText([k, v]), keyBucket(rowText([k]))));
        rows.forEach(([k, v]) => after.add(rowText([k, k === "42" ? "changed" : v]), keyBucket(rowText([k]))));
        expect(before.differingBuckets(after)).toEqual([keyBucket(rowText(["42"]))]);
        expect(before.differingBuckets(after).every((x) => x >= 0 && x < BUCKETS)).toBe(true);
    });
});
