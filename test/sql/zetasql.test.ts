import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlChecker, stackStatements } from "../../zetasql";
import { decodeNumeric, encodeNumeric } from "../../zetasql";

let checker: SqlChecker;
beforeAll(async () => {
    checker = await SqlChecker.start();
});
afterAll(() => checker.stop());

describe("ZetaSQL analysis of every statement", () => {
    it("accepts every view (both suffixes, views on views), parity query and generated DDL", async () => {
        const statements = stackStatements();
        expect(statements.filter((s) => s.file.startsWith("sql/views/")).length).toBe(6);
        expect(statements.some((s) => s.sql.startsWith("CREATE SNAPSHOT TABLE"))).toBe(true);
        expect(statements.some((s) => s.sql.startsWith("ALTER TABLE"))).toBe(true);
        expect(await checker.check(statements)).toEqual([]);
    });

    it("reports file, line, column and the bad name for a column that does not exist", async () => {
        const view = stackStatements().find((s) => s.file === "sql/views/vw_campaign_performance.sql")!;
        const broken = { file: view.file, sql: view.sql.replace("SUM(impressions)", "SUM(impresions)") };
        const problems = await checker.check([broken]);
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({ file: "sql/views/vw_campaign_performance.sql", line: 8, column: 9 });
        expect(problems[0].message).toContain("Unrecognized name: impresions");
    });

    it("refuses a DROP whose target is not in the catalogue", async () => {
        const problems = await checker.check([{ file: "x.sql", sql: "DROP TABLE IF EXISTS `synter-lint.synter_analytics.nope`", mustExist: ["synter-lint.synter_analytics.nope"] }]);
        expect(problems[0].message).toContain("table synter-lint.synter_analytics.nope is not in the catalogue");
    });
});

describe("OPTIONS are declared with their BigQuery types", () => {
    const snapshot = "CREATE SNAPSHOT TABLE `synter-lint.synter_analytics_backup.x` CLONE `synter-lint.synter_analytics.dim_users` OPTIONS (";

    it("accepts the options the stack uses", async () => {
        expect(await checker.check([{ file: "ddl", sql: `${snapshot}expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 30 DAY))` }])).toEqual([]);
    });

    it("refuses an unknown option by name", async () => {
        const [p] = await checker.check([{ file: "ddl", sql: `${snapshot}expiration_timestmp = CURRENT_TIMESTAMP())` }]);
        expect(p.message).toContain("Unknown option: expiration_timestmp");
    });

    it("refuses an option value of the wrong type", async () => {
        const problems = await checker.check([{ file: "ddl", sql: `${snapshot}expiration_timestamp = 30)` }]);
        expect(problems).toHaveLength(1);
        // The column is where the value starts: the option's value, not the statement, is wrong.
        expect(problems[0]).toMatchObject({ file: "ddl", line: 1, column: snapshot.length + "expiration_timestamp = ".length + 1 });
        expect(problems[0].message.split("\n")[0]).toBe("Option expiration_timestamp value has type INT64 which cannot be coerced to expected type TIMESTAMP");
    });
});

describe("NUMERIC values cross the wire exactly", () => {
    it("round-trips decimals through ZetaSQL's encoding, including negatives and 9 decimals", () => {
        for (const d of ["0", "1", "-1", "12.5", "-0.25", "127", "128", "-128", "-129", "99999999999999999999999999999.999999999", "0.000000001"]) {
            expect(decodeNumeric(encodeNumeric(d))).toBe(d);
        }
        expect(() => encodeNumeric("1.0000000001")).toThrow("at most 9 decimals");
    });

    it("agrees with the evaluator's own arithmetic", async () => {
        const r = await checker.evaluate("SELECT CAST('-12.5' AS NUMERIC) * 2 AS a, CAST('0.1' AS NUMERIC) + CAST('0.2' AS NUMERIC) AS b", []);
        expect(r.rows).toEqual([{ a: "-25", b: "0.3" }]);
    });
});
