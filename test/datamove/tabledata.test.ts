// The read-back's page scanner: every cell must reach its canonical form exactly as JSON.parse
// would have given it, whatever the spacing, escapes or shape of the page, and text that is not a
// page must be refused rather than read as something else.
import { describe, expect, it } from "vitest";
import { bqCellCanonical, type TargetColumn } from "../../datamove/canonical";
import { PageError, readTableDataPage as readPage } from "../../datamove/tabledata";

const col = (name: string, type: TargetColumn["type"], extra: Partial<TargetColumn> = {}): TargetColumn => ({ name, type, required: false, ...extra });
const COLUMNS: TargetColumn[] = [
    col("s", "STRING"),
    col("i", "INT64"),
    col("ts", "TIMESTAMP"),
    col("j", "JSON"),
    col("b", "BOOL"),
    col("f", "FLOAT64"),
    col("r", "RECORD", { fields: [col("m", "STRING"), col("c", "NUMERIC")] }),
    col("l", "STRING", { repeated: true }),
];
const cells = COLUMNS.map(bqCellCanonical);

/** A page's rows as the scanner hands them over, one by one. */
function readTableDataPage(text: string, columns: typeof cells) {
    const rows: (string | null)[][] = [];
    const page = readPage(text, columns, (values) => rows.push(values));
    expect(page.rows).toBe(rows.length);
    return { ...page, rows };
}

/** What the read-back gave before the scanner: the page through JSON.parse, cell by cell. */
function parsed(text: string) {
    const body = JSON.parse(text);
    return {
        total: Number(body.totalRows ?? 0),
        rows: (body.rows ?? []).map((r: any) => cells.map((c, i) => c(r.f?.[i]?.v))),
    };
}

const ROWS = [
    ["plain", "12", "1735689600000001", '{"b":[1,2.50],"a":"x"}', "true", "1.5", { f: [{ v: "m" }, { v: "1.10" }] }, [{ v: "a" }, { v: "b" }]],
    ['quote " backslash \\ tab \t newline \n é 😀 \u0001', "-7", null, '{"n":12345678901234567890,"s":"a, \\"b\\"\\n"}', "false", "-0", null, []],
    [null, null, null, "null", null, null, { f: [{ v: null }, { v: null }] }, [{ v: "x\\y" }]],
    ["", "0", "0", '"just a string"', "true", "1e+20", { f: [{ v: "" }, { v: "0" }] }, []],
];
const page = (rows: unknown[][], extra = "") =>
    JSON.stringify({ kind: "bigquery#tableDataList", etag: "e\"t", totalRows: "1000", rows: rows.map((r) => ({ f: r.map((v) => ({ v })) })), pageToken: "4" }) + extra;

describe("reading a tabledata.list page", () => {
    it("gives every cell of every type what JSON.parse gives, compact or pretty-printed", () => {
        for (const text of [page(ROWS), JSON.stringify(JSON.parse(page(ROWS)), null, 2), `  ${JSON.stringify(JSON.parse(page(ROWS)), null, "\t")}\r\n`]) {
            const got = readTableDataPage(text, cells);
            expect(got).toEqual(parsed(text));
            expect(got.total).toBe(1000);
            expect(got.rows[1][0]).toBe('quote " backslash \\ tab \t newline \n é 😀 \u0001');
            expect(got.rows[1][3]).toBe('{"n":12345678901234567890,"s":"a, \\"b\\"\\n"}');
        }
    });

    it("reads strings written with escapes JSON.stringify would not use as the same characters", () => {
        const text = '{"totalRows":"1","rows":[{"f":[{"v":"\\u00e9\\/\\u0041"},{"v":"1"},{"v":null},{"v":"{\\"a\\":1}"},{"v":"true"},{"v":"2"},{"v":null},{"v":[]}]}]}';
        expect(readTableDataPage(text, cells).rows[0][0]).toBe("é/A");
        expect(readTableDataPage(text, cells)).toEqual(parsed(text));
    });

    it("reads rows of another shape whole: cells missing, extra cells, extra members, keys in another order, duplicate keys", () => {
        const text = JSON.stringify({ totalRows: "5", rows: [] }).replace(
            '"rows":[]',
            `"rows":[{"f":[{"v":"short"}]},` +
                `{"f":[{"v":"a"},{"v":"1"},{"v":"2"},{"v":"{}"},{"v":"true"},{"v":"3"},{"v":null},{"v":[]},{"v":"extra"}]},` +
                `{"x":1,"f":[{"v":"moved"},{"v":"2"}]},` +
                `{"f":[{"v":"first","v":"last"},{"v":"3","other":true}]},` +
                `{"f":[{"v":"b"}],"f":[{"v":"c"}]},` +
                `{}]`,
        );
        const got = readTableDataPage(text, cells);
        expect(got).toEqual(parsed(text));
        expect(got.rows.map((r) => r[0])).toEqual(["short", "a", "moved", "last", "c", null]);
    });

    it("takes a page without rows, or with rows null, and reports an error member", () => {
        expect(readTableDataPage('{"kind":"bigquery#tableDataList","totalRows":"0"}', cells)).toEqual({ total: 0, rows: [] });
        expect(readTableDataPage('{"totalRows":"3","rows":null}', cells)).toEqual({ total: 3, rows: [] });
        expect(readTableDataPage("{}", cells)).toEqual({ total: 0, rows: [] });
        expect(readTableDataPage('{"error":{"code":500,"message":"boom"}}', cells).error).toEqual({ code: 500, message: "boom" });
    });

    it("refuses text that is not a page, saying where", () => {
        const good = page(ROWS.slice(0, 1));
        for (const [text, message] of [
            [good.slice(0, -1), "expected ',' or '}'"],
            [good + "x", "text after the page"],
            ['{"rows":[{"f":[{"v":"a\nb"}]}]}', "control character in a string at character 23"],
            ['{"rows":[{"f":[{"v":"abc}]}]}', "unterminated string"],
            ['{"rows":[{"f":[{"v":nul}]}]}', "not JSON"],
            ['{"rows":[{"f":[{"v":"a"},]}]}', "expected '{' at character 26"],
            ['{"rows":[{"f":[{"v":"a"}]},]}', "expected a value at character 28"],
            ['{"rows":{"f":[]}}', "expected '['"],
            ["[]", "expected '{'"],
            ['{"totalRows":"1" "rows":[]}', "expected ',' or '}'"],
        ] as const) {
            expect(() => readTableDataPage(text, cells), text).toThrow(PageError);
            expect(() => readTableDataPage(text, cells), text).toThrow(message);
        }
    });

    it("lets a cell's own canonical form refuse its value with its own error", () => {
        const text = '{"rows":[{"f":[{"v":"a"},{"v":"1"},{"v":null},{"v":"{oops"}]}]}';
        expect(() => readTableDataPage(text, cells)).toThrow("not valid JSON: expected a key at character 2");
        expect(() => readTableDataPage(text, cells)).not.toThrow(PageError);
    });
});
