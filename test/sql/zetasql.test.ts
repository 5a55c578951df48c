import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlChecker, stackStatements } from "../../scripts/sqlcheck";

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
