// The Markdown plan as a pull-request comment shows it: every cell a line or two, migrations by
// file, version and checksum prefix; the JSON keeps every input whole.
import { createHash } from "crypto";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../components/postgres";
import { CELL_MAX, planDocument, renderMarkdown } from "../../plan/render";
import type { ProgramRun } from "../../plan/program";
import { runWithRailway } from "../railway/stack";
import { runStack } from "../support/program";

function render(run: ProgramRun) {
    const { migrationSteps = [], ...outputs } = run.outputs;
    const doc = planDocument({ ...run, outputs }, String(run.outputs.migrationPhase), migrationSteps as unknown[]);
    return { doc, md: renderMarkdown(doc) };
}

/** The cells of every table row, `\|` kept inside its cell. */
const cells = (md: string) => md.split("\n").filter((l) => l.startsWith("|")).map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));

describe("the Markdown plan", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: no cell of any phase is longer than ${CELL_MAX} characters, and each resource is one row`, async () => {
            for (const phase of ["parallel", "validate", "cutover", "complete", "rollback"]) {
                const { doc, md } = render(await runStack(stack, { migrationPhase: phase }));
                const long = cells(md).flat().filter((c) => c.length > CELL_MAX);
                expect(long, `${stack} ${phase}`).toEqual([]);
                const rows = md.split("\n").filter((l) => /^\| \d+ \| `/.test(l));
                expect(rows, `${stack} ${phase}`).toHaveLength(doc.resources.filter((r) => !r.type.startsWith("synter:")).length);
            }
        });
    }

    it("holds the Railway variables resource in a line or two as well", async () => {
        const { md } = render(await runWithRailway("prod"));
        const row = cells(md).find((r) => r.includes("app-variables"))!;
        expect(row.filter((c) => c.length > CELL_MAX)).toEqual([]);
        expect(row[5]).toBe("auth (all 6), analytics-app (all 4), analytics-dataset");
    });

    it("lists the Postgres migrations by file, version and checksum prefix, without their SQL", async () => {
        const { md } = render(await runStack("prod"));
        const files = readMigrations();
        expect(files.length).toBeGreaterThan(3);
        const section = md.slice(md.indexOf("### Postgres migrations"), md.indexOf("### Outputs"));
        expect(section.trim().split("\n").slice(4)).toEqual(files.map((f) => `| ${f.file} | ${f.version} | \`${f.checksum.slice(0, 12)}\` | auth-migrations |`));
        expect(md).toContain("| auth-migrations |");
        expect(md).toContain(`migrations=${files.length} files (Postgres migrations below)`);
        for (const f of files) expect(md).not.toContain(f.sql.trim().split("\n")[0]);
    });

    it("shows a parity query by its size and digest", async () => {
        const { doc, md } = render(await runStack("dev", { migrationPhase: "validate" }));
        const check = doc.resources.find((r) => r.name === "migration-parity-cursor_usage")!;
        const query = check.inputs.query as string;
        expect(md).toContain(`query=⟨${query.split("\n").length} lines, sha256 ${createHash("sha256").update(query).digest("hex").slice(0, 8)}⟩`);
        expect(md).not.toContain(query.split("\n")[0]);
    });

    it("keeps every input whole in the JSON", async () => {
        const { doc } = render(await runStack("dev", { migrationPhase: "validate" }));
        const migrations = doc.resources.find((r) => r.name === "auth-migrations")!.inputs.migrations as { file: string; sql: string; checksum: string }[];
        expect(migrations.map((m) => [m.file, m.sql, m.checksum])).toEqual(readMigrations().map((f) => [f.file, f.sql, f.checksum]));
        const query = doc.resources.find((r) => r.name === "migration-parity-cursor_usage")!.inputs.query as string;
        expect(query).toContain("synter-dev.synter_analytics.fact_cursor_daily_usage_v2");
        expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    });
});
