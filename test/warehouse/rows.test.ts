// Rows in (tabledata.insertAll, multipart load jobs) and out (tabledata.list, query results)
// through the real client, with values kept exactly: INT64 and JSON as written, NUMERIC as
// decimals, JSON null apart from SQL NULL, TIMESTAMP to the microsecond.
import type { BigQuery } from "@google-cloud/bigquery";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWarehouse } from "../../servers/warehouse";
import type { LocalWarehouse } from "../../warehouse";
import { rowToApi, type TimestampFormat } from "../../warehouse/cells";

const P = "wh-rows";
const D = "ds";
let wh: LocalWarehouse;
let bq: BigQuery;
let stop: () => Promise<void>;
let dir: string;

const schema = [
    { name: "id", type: "STRING", mode: "REQUIRED" },
    { name: "n", type: "INT64" },
    { name: "amount", type: "NUMERIC" },
    { name: "ratio", type: "FLOAT64" },
    { name: "doc", type: "JSON" },
    { name: "at", type: "TIMESTAMP" },
    { name: "day", type: "DATE" },
    { name: "tags", type: "STRING", mode: "REPEATED" },
    { name: "attribution", type: "RECORD", fields: [{ name: "method", type: "STRING" }, { name: "confidence", type: "FLOAT64" }] },
];

beforeAll(async () => {
    ({ wh, bq, stop } = await startWarehouse(P));
    await bq.createDataset(D);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wh-rows-"));
});
afterAll(async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

async function table(name: string) {
    await bq.dataset(D).createTable(name, { schema: { fields: schema } } as any);
    return bq.dataset(D).table(name);
}

/** tabledata.list as the API writes it: f/v cells, every leaf a string. */
async function rawRows(name: string, qs: Record<string, unknown> = {}): Promise<any[]> {
    const [resp]: any = await bq.dataset(D).table(name).request({ uri: "/data", qs });
    return resp.rows ?? [];
}

async function load(name: string, lines: string[], options: Record<string, unknown> = {}) {
    const file = path.join(dir, `${name}-${Math.random().toString(36).slice(2)}.ndjson`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const [job] = await bq.dataset(D).table(name).createLoadJob(file, { sourceFormat: "NEWLINE_DELIMITED_JSON", schema: { fields: schema }, ...options } as any);
    const [meta] = await job.getMetadata();
    return meta;
}

describe("streaming inserts and tabledata.list", () => {
    it("keeps INT64, NUMERIC and JSON exactly as written, and JSON null apart from NULL", async () => {
        const t = await table("streamed");
        await t.insert([
            { id: "a", n: "9223372036854775807", amount: "12345678901234567890123456789.123456789", doc: '{"big": 12345678901234567890, "x": [1, 2.50]}', at: "2026-01-05T10:00:00.000001Z", day: "2026-01-05", tags: ["x", "y"], attribution: { method: "sso", confidence: 0.75 } },
            { id: "b", n: null, doc: "null", tags: [] },
            { id: "c" },
        ]);
        const rows = await rawRows("streamed", { "formatOptions.useInt64Timestamp": true });
        expect(rows).toEqual([
            { f: [{ v: "a" }, { v: "9223372036854775807" }, { v: "12345678901234567890123456789.123456789" }, { v: null }, { v: '{"big": 12345678901234567890, "x": [1, 2.50]}' }, { v: "1767607200000001" }, { v: "2026-01-05" }, { v: [{ v: "x" }, { v: "y" }] }, { v: { f: [{ v: "sso" }, { v: "0.75" }] } }] },
            { f: [{ v: "b" }, { v: null }, { v: null }, { v: null }, { v: "null" }, { v: null }, { v: null }, { v: [] }, { v: null }] },
            { f: [{ v: "c" }, { v: null }, { v: null }, { v: null }, { v: null }, { v: null }, { v: null }, { v: [] }, { v: null }] },
        ]);
        // Stored cells: JSON text as written, SQL NULL as null.
        expect(wh.rows(`${P}.${D}.streamed`).map((r) => r.doc)).toEqual(['{"big": 12345678901234567890, "x": [1, 2.50]}', "null", null]);
        const [meta] = await t.getMetadata();
        expect(meta.numRows).toBe("3");
        expect(Number(meta.numBytes)).toBeGreaterThan(0);
        // Without a hold on the streaming buffer, streamed rows are in storage at once.
        expect(meta.streamingBuffer).toBeUndefined();
    });

    it("writes TIMESTAMP as float seconds by default and as microseconds or ISO text when asked", async () => {
        const t = await table("times");
        await t.insert([{ id: "t", at: "2026-01-05 10:00:00.5+01:00" }]);
        const cell = async (qs: Record<string, unknown>) => (await rawRows("times", qs))[0].f[5].v;
        expect(await cell({})).toBe("1.7676036005E9");
        expect(await cell({ "formatOptions.useInt64Timestamp": true })).toBe("1767603600500000");
        expect(await cell({ "formatOptions.timestampOutputFormat": "ISO8601_STRING" })).toBe("2026-01-05T09:00:00.500000Z");
    });

    it("writes TIMESTAMP before, at and just after the epoch, and at both ends of the range, in every format", async () => {
        const t = await table("edges");
        const at = ["1969-12-31T23:59:59.5Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000001Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"];
        await t.insert(at.map((a, i) => ({ id: `t${i}`, at: a })));
        const cells = async (qs: Record<string, unknown>) => (await rawRows("edges", qs)).map((r) => r.f[5].v);
        expect(await cells({ "formatOptions.useInt64Timestamp": true })).toEqual(["-500000", "0", "1", "-62135596800000000", "253402300799999999"]);
        expect(await cells({})).toEqual(["-5.0E-1", "0.0", "1.0E-6", "-6.21355968E10", "2.53402300799999999E11"]);
        expect(await cells({ "formatOptions.timestampOutputFormat": "ISO8601_STRING" })).toEqual([
            "1969-12-31T23:59:59.500000Z", "1970-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000001Z", "0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
        ]);
    });

    it("writes tabledata.list's text exactly as the row objects of the API form serialize, for every type and format", async () => {
        const t = await table("every");
        await t.insert([
            { id: 'quote " backslash \\ newline \n tab \t é 😀 \u2028', n: "-9223372036854775808", amount: "-0.000000001", ratio: 1e-7, doc: '{"k": "v \\"q\\""}', at: "1969-07-20T20:17:40Z", day: "0001-01-01", tags: ["", "x\"y"], attribution: { method: "m", confidence: -0 } },
            { id: "nan", ratio: "NaN", tags: [] },
            { id: "inf", ratio: "-Infinity", doc: "null", attribution: { method: null, confidence: null } },
        ]);
        const stored = wh.rows(`${P}.${D}.every`);
        const [meta] = await t.getMetadata();
        for (const [qs, ts] of [["", "float"], ["formatOptions.useInt64Timestamp=true", "micros"], ["formatOptions.timestampOutputFormat=ISO8601_STRING", "iso"]] as [string, TimestampFormat][]) {
            for (const [start, max] of [[0, 10], [1, 1], [0, 2]]) {
                const text = await (await fetch(`${process.env.BIGQUERY_EMULATOR_HOST}/bigquery/v2/projects/${P}/datasets/${D}/tables/every/data?startIndex=${start}&maxResults=${max}&${qs}`)).text();
                const expected = {
                    kind: "bigquery#tableDataList",
                    etag: meta.etag,
                    totalRows: "3",
                    rows: stored.slice(start, start + max).map((r) => rowToApi(meta.schema.fields, r, ts)),
                    ...(start + max < 3 ? { pageToken: String(start + max) } : {}),
                };
                expect(text, `${qs} from ${start}`).toBe(JSON.stringify(expected));
            }
        }
    });

    it("refuses the whole request when one row is bad, naming it, unless skipInvalidRows", async () => {
        const t = await table("checked");
        const err = await t.insert([{ id: "ok" }, { id: "bad", n: "twelve" }]).catch((e) => e);
        expect(err.name).toBe("PartialFailureError");
        expect(err.errors.map((e: any) => [e.row.id, e.errors[0].reason])).toEqual([["ok", "stopped"], ["bad", "invalid"]]);
        expect(err.errors[1].errors[0].message).toBe('n: invalid INTEGER value "twelve"');
        expect(wh.rows(`${P}.${D}.checked`)).toEqual([]);
        await t.insert([{ id: "ok" }, { id: "bad", nope: 1 }], { skipInvalidRows: true }).catch((e) => e);
        expect(wh.rows(`${P}.${D}.checked`).map((r) => r.id)).toEqual(["ok"]);
    });

    it("reports a streaming buffer when asked to hold one, until it is flushed", async () => {
        const t = await table("buffered");
        wh.holdStreamingBuffer = true;
        try {
            await t.insert([{ id: "s1" }, { id: "s2" }]);
        } finally {
            wh.holdStreamingBuffer = false;
        }
        const [meta] = await t.getMetadata();
        expect(meta.streamingBuffer).toMatchObject({ estimatedRows: "2" });
        wh.flushStreamingBuffer(`${P}.${D}.buffered`);
        expect((await t.getMetadata())[0].streamingBuffer).toBeUndefined();
    });
});

describe("load jobs", () => {
    it("loads newline-delimited JSON with an explicit schema; WRITE_APPEND adds, WRITE_TRUNCATE replaces", async () => {
        await table("loaded");
        const first = await load("loaded", ['{"id":"l1","n":12345678901234567,"doc":{"k": 12345678901234567890}}', '{"id":"l2","amount":"0.10"}'], { writeDisposition: "WRITE_APPEND" });
        expect(first.status).toEqual({ state: "DONE" });
        expect(first.statistics.load.outputRows).toBe("2");
        await load("loaded", ['{"id":"l3"}'], { writeDisposition: "WRITE_APPEND" });
        expect(wh.rows(`${P}.${D}.loaded`).map((r) => r.id)).toEqual(["l1", "l2", "l3"]);
        const stored = wh.rows(`${P}.${D}.loaded`);
        // A JSON value that is not a string is kept as its text; NUMERIC is an exact decimal.
        expect(stored[0]).toMatchObject({ n: "12345678901234567", doc: '{"k": 12345678901234567890}' });
        expect(stored[1].amount).toBe("0.1");
        await load("loaded", ['{"id":"only"}'], { writeDisposition: "WRITE_TRUNCATE" });
        expect(wh.rows(`${P}.${D}.loaded`).map((r) => r.id)).toEqual(["only"]);
    });

    it("keeps a JSON column as written: null is JSON's null, an absent field SQL NULL, and tabledata.list pages them from startIndex", async () => {
        await table("json_loaded");
        await load("json_loaded", [
            '{"id":"j1","doc":{"n": 12345678901234567890, "x": [1, 2.50]}}',
            '{"id":"j2","doc":null}',
            '{"id":"j3"}',
            '{"id":"j4","doc":"{\\"s\\": 1}","at":"2026-01-05T10:00:00.000001Z"}',
        ]);
        expect(wh.rows(`${P}.${D}.json_loaded`).map((r) => r.doc)).toEqual(['{"n": 12345678901234567890, "x": [1, 2.50]}', "null", null, '{"s": 1}']);
        const [page]: any = await bq.dataset(D).table("json_loaded").request({ uri: "/data", qs: { startIndex: 1, maxResults: 3, "formatOptions.useInt64Timestamp": true } });
        expect(page.totalRows).toBe("4");
        expect(page.rows.map((r: any) => [r.f[0].v, r.f[4].v, r.f[5].v])).toEqual([["j2", "null", null], ["j3", null, null], ["j4", '{"s": 1}', "1767607200000001"]]);
        // SQL tells the two nulls apart as well.
        const [rows] = await bq.query(`SELECT id, doc IS NULL AS sql_null FROM \`${P}.${D}.json_loaded\` ORDER BY id`);
        expect(rows).toEqual([{ id: "j1", sql_null: false }, { id: "j2", sql_null: false }, { id: "j3", sql_null: true }, { id: "j4", sql_null: false }]);
    });

    it("fails a job on an unknown field, a missing required field or a bad value, leaving the table as it was", async () => {
        await table("guarded");
        await load("guarded", ['{"id":"keep"}']);
        const cases: [string, string][] = [
            ['{"id":"x","nope":1}', "No such field: nope."],
            ['{"n":1}', "Missing required field: id."],
            ['{"id":"x","attribution":{"method":"a","extra":1}}', "No such field: attribution.extra."],
            ['{"id":"x","day":"5 Jan"}', 'day: invalid DATE value "5 Jan"'],
            ['{"id":"x","amount":"1.0000000001"}', 'amount: invalid NUMERIC value "1.0000000001"'],
        ];
        for (const [line, message] of cases) {
            const job = await load("guarded", ['{"id":"fine"}', line], { writeDisposition: "WRITE_TRUNCATE" });
            expect(job.status.state, line).toBe("DONE");
            expect(job.status.errorResult?.message, line).toContain(message);
            expect(wh.rows(`${P}.${D}.guarded`).map((r) => r.id), line).toEqual(["keep"]);
        }
    });

    it("reads an upload's lines as they arrive, however the chunks cut them; an upload that never ends makes no job and leaves the table", async () => {
        await table("streamed_load");
        await load("streamed_load", ['{"id":"before"}']);
        const boundary = "b0undary";
        const metadata = { configuration: { load: { destinationTable: { projectId: P, datasetId: D, tableId: "streamed_load" }, sourceFormat: "NEWLINE_DELIMITED_JSON", schema: { fields: schema }, writeDisposition: "WRITE_TRUNCATE" } } };
        const head = `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`;
        const lines = ['{"id":"s1","doc":{"é": "😀 ok"}}', '{"id":"s2","tags":["a","b"]}', '{"id":"s3"}'].join("\n");
        const body = Buffer.from(`${head}${lines}\n\r\n--${boundary}--\r\n`);
        const send = (bytes: Buffer, finish: boolean) =>
            new Promise<any>((resolve, reject) => {
                const req = http.request(`${wh.url()}/upload/bigquery/v2/projects/${P}/jobs?uploadType=multipart`, { method: "POST", headers: { "content-type": `multipart/related; boundary=${boundary}` } }, (res) => {
                    let text = "";
                    res.on("data", (c) => (text += c));
                    res.on("end", () => resolve(JSON.parse(text)));
                });
                req.on("error", () => resolve(undefined));
                // Seven bytes at a time: lines, the delimiter and a 4-byte character all cut across chunks.
                (async () => {
                    for (let i = 0; i < bytes.length; i += 7) {
                        req.write(bytes.subarray(i, i + 7));
                        await new Promise((r) => setImmediate(r));
                    }
                    if (finish) req.end();
                    else {
                        req.destroy();
                        resolve(undefined);
                    }
                })().catch(reject);
            });
        const jobs = wh.jobLog.length;
        expect(await send(body.subarray(0, body.length - 40), false)).toBeUndefined();
        expect(wh.jobLog.length).toBe(jobs);
        expect(wh.rows(`${P}.${D}.streamed_load`).map((r) => r.id)).toEqual(["before"]);
        const job = await send(body, true);
        expect(job.status).toEqual({ state: "DONE" });
        expect(job.statistics.load.outputRows).toBe("3");
        expect(wh.rows(`${P}.${D}.streamed_load`).map((r) => [r.id, r.doc, r.tags])).toEqual([["s1", '{"é": "😀 ok"}', []], ["s2", null, ["a", "b"]], ["s3", null, []]]);
    });
});

describe("query results", () => {
    it("answer with ZetaSQL's output types and computed values", async () => {
        const [rows] = await bq.query({
            query: `SELECT id, n, n - 1 AS previous, amount * 2 AS twice, JSON_QUERY(doc, '$.big') AS big, doc IS NULL AS sql_null, ARRAY_LENGTH(tags) AS tag_count, attribution.confidence AS confidence
                    FROM \`${P}.${D}.streamed\` ORDER BY id`,
            wrapIntegers: true,
        } as any);
        const plainRows = rows.map((r: any) => ({ ...r, n: r.n?.value ?? null, previous: r.previous?.value ?? null, tag_count: r.tag_count?.value ?? null, twice: r.twice?.toFixed() ?? null }));
        expect(plainRows).toEqual([
            { id: "a", n: "9223372036854775807", previous: "9223372036854775806", twice: "24691357802469135780246913578.246913578", big: "12345678901234567890", sql_null: false, tag_count: "2", confidence: 0.75 },
            // JSON null is a value; only the row without one is SQL NULL.
            { id: "b", n: null, previous: null, twice: null, big: null, sql_null: false, tag_count: "0", confidence: null },
            { id: "c", n: null, previous: null, twice: null, big: null, sql_null: true, tag_count: "0", confidence: null },
        ]);
        const [typed]: any = await bq.createQueryJob({ query: `SELECT COUNT(*) AS c, SUM(n) AS s, MAX(\`at\`) AS last, ANY_VALUE(day) AS d FROM \`${P}.${D}.loaded\`` });
        const [result, , response]: any = await typed.getQueryResults({ autoPaginate: false });
        expect(response.schema.fields).toEqual([
            { name: "c", type: "INTEGER", mode: "NULLABLE" },
            { name: "s", type: "INTEGER", mode: "NULLABLE" },
            { name: "last", type: "TIMESTAMP", mode: "NULLABLE" },
            { name: "d", type: "DATE", mode: "NULLABLE" },
        ]);
        expect(result[0].c).toBe(1);
    });

    it("names anonymous columns as BigQuery does and pages through results", async () => {
        const [rows] = await bq.query("SELECT 1, 'two', x FROM UNNEST(GENERATE_ARRAY(1, 5)) AS x ORDER BY x");
        expect(Object.keys(rows[0])).toEqual(["f0_", "f1_", "x"]);
        const [job] = await bq.createQueryJob({ query: "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 5)) AS x ORDER BY x" });
        const [page, next] = await job.getQueryResults({ maxResults: 2, autoPaginate: false });
        expect(page.map((r: any) => r.x)).toEqual([1, 2]);
        expect(next).toMatchObject({ pageToken: "2" });
        const [all] = await job.getQueryResults();
        expect(all.map((r: any) => r.x)).toEqual([1, 2, 3, 4, 5]);
    });

    it("are written to a destinationTable as writeDisposition says", async () => {
        const dest = bq.dataset(D).table("dest");
        for (const disposition of ["WRITE_TRUNCATE", "WRITE_APPEND"]) {
            const [job] = await bq.createQueryJob({ query: `SELECT id, n * 2 AS doubled FROM \`${P}.${D}.loaded\``, destination: dest, writeDisposition: disposition } as any);
            await job.getQueryResults();
        }
        expect(wh.table(`${P}.${D}.dest`)!.schema).toEqual(["id:STRING", "doubled:INTEGER"]);
        expect(wh.rows(`${P}.${D}.dest`)).toEqual([{ id: "only", doubled: null }, { id: "only", doubled: null }]);
        await bq.query(`TRUNCATE TABLE \`${P}.${D}.dest\``);
        expect(wh.rows(`${P}.${D}.dest`)).toEqual([]);
    });
});
