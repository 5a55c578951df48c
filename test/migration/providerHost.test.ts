// Rung 3: every dynamic provider, serialized by Pulumi's runtime exactly as `pulumi up` would,
// runs in Pulumi's own dynamic-provider host and talks to BigQuery through the real client
// library, against the HTTP fake.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CATALOGUE } from "../../components/analytics";
import { snapshotName } from "../../components/migration";
import { dynamicType, MIGRATION_MODULE } from "../../components/dynamicTypes";
import type { RecordedResource } from "../../plan/runtime";
import { BigQueryFake } from "../support/bigqueryFake";
import { runStack } from "../support/program";
import { ProviderHost } from "../support/providerHost";

const P = "synter-dev";
const DS = "synter_analytics";
const BK = "synter_analytics_backup";
const LEGACY = CATALOGUE.filter((t) => t.role === "legacy").map((t) => t.name);
const V2 = CATALOGUE.filter((t) => t.role === "v2");

let cutover: RecordedResource[];
let rollback: RecordedResource[];
let validate: RecordedResource[];
let fake: BigQueryFake;
let host: ProviderHost;

const dynamic = (rs: RecordedResource[]) => rs.filter((r) => r.type.startsWith(dynamicType(MIGRATION_MODULE, "")));
const find = (rs: RecordedResource[], name: string) => {
    const r = rs.find((x) => x.name === name);
    if (!r) throw new Error(`no ${name}`);
    return r;
};
/** Inputs as the engine sends them: resolved values, undefined outputs left out. */
const props = (r: RecordedResource) => JSON.parse(JSON.stringify(r.rawInputs)) as Record<string, any>;

function seed(f: BigQueryFake): void {
    LEGACY.forEach((t, i) => f.tables.set(`${P}.${DS}.${t}`, { type: "TABLE", rows: 1000 + i }));
    V2.forEach((t, i) => f.tables.set(`${P}.${DS}.${t.name}`, { type: "TABLE", rows: 5000 + i }));
}

beforeAll(async () => {
    cutover = (await runStack("dev", { migrationPhase: "cutover" })).resources;
    rollback = (await runStack("dev", { migrationPhase: "rollback" })).resources;
    validate = (await runStack("dev", { migrationPhase: "validate" })).resources;
});

beforeEach(async () => {
    fake = new BigQueryFake();
    const url = await fake.start();
    seed(fake);
    host = await ProviderHost.start({ BIGQUERY_EMULATOR_HOST: url });
});

afterEach(async () => {
    await host.stop();
    await fake.stop();
});

describe("phase gate (check runs in preview, before any step)", () => {
    const gate = () => find(cutover, "migration-phase");
    it("accepts cutover after a passed validation", async () => {
        const r = await host.check(gate().urn, { phase: "validate", validationPassed: true }, props(gate()));
        expect(r.failures).toEqual([]);
    });
    it("refuses cutover straight from parallel", async () => {
        const r = await host.check(gate().urn, { phase: "parallel", validationPassed: false }, props(gate()));
        expect(r.failures).toEqual([{ property: "phase", reason: "phase cutover cannot follow parallel; after parallel come: parallel, validate" }]);
    });
    it("refuses cutover when validation did not pass", async () => {
        const r = await host.check(gate().urn, { phase: "validate", validationPassed: false }, props(gate()));
        expect(r.failures[0].reason).toBe("phase cutover needs a passed validation: run `pulumi up` in phase validate until every parity check passes");
    });
    it("refuses complete before cutover", async () => {
        const complete = { ...props(gate()), phase: "complete" };
        const r = await host.check(gate().urn, { phase: "validate", validationPassed: true }, complete);
        expect(r.failures[0].reason).toBe("phase complete cannot follow validate; after validate come: validate, parallel, cutover");
    });
    it("records the phase and keeps the validation through the cutover", async () => {
        const created = await host.create(gate().urn, { ...props(gate()), phase: "validate", validationPassed: true });
        const outs = await host.update(created.id, gate().urn, created.outs, props(gate()));
        expect(outs).toMatchObject({ phase: "cutover", previousPhase: "validate", validationPassed: true });
    });
});

describe("snapshot, drop, rename, restore", () => {
    it("snapshots with expiry, verifies row counts, and keeps the snapshot when the resource retires", async () => {
        const snap = find(cutover, "migration-snapshot-raw_cursor_usage");
        const { id, outs } = await host.create(snap.urn, props(snap));
        expect(id).toBe(`${BK}.${snapshotName("raw_cursor_usage")}`);
        expect(outs).toMatchObject({ sourceRows: 1000, snapshotRows: 1000 });
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toEqual({ type: "SNAPSHOT", rows: 1000, expirationDays: 7 });
        // Re-running converges without a second snapshot.
        await host.update(id, snap.urn, outs, props(snap));
        expect(fake.statements.filter((s) => s.startsWith("CREATE SNAPSHOT"))).toHaveLength(1);
        await host.delete(id, snap.urn, outs);
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toBeDefined();
    });

    it("every job carries maximumBytesBilled and the statements are the generated DDL", async () => {
        const snap = find(cutover, "migration-snapshot-dim_users");
        await host.create(snap.urn, props(snap));
        const jobs = fake.requests.filter((r) => r.method === "POST");
        expect(jobs.length).toBeGreaterThan(0);
        for (const j of jobs) expect(j.body.configuration.query).toMatchObject({ useLegacySql: false, maximumBytesBilled: String(10 * 1024 ** 3) });
        expect(jobs[0].body.configuration.query.query).toBe(
            `CREATE SNAPSHOT TABLE \`${P}.${BK}.dim_users__pre_cutover\`\nCLONE \`${P}.${DS}.dim_users\`\nOPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 7 DAY))`,
        );
    });

    it("refuses to snapshot a table with a streaming buffer", async () => {
        fake.tables.get(`${P}.${DS}.raw_cursor_usage`)!.streamingBuffer = true;
        const snap = find(cutover, "migration-snapshot-raw_cursor_usage");
        await expect(host.create(snap.urn, props(snap))).rejects.toThrow(/cannot snapshot synter-dev.synter_analytics.raw_cursor_usage: it has rows in the streaming buffer/);
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toBeUndefined();
    });

    it("drops only after the verified snapshot, and treats an already-gone table as done", async () => {
        const drop = find(cutover, "migration-drop-raw_anthropic_cost");
        await expect(host.create(drop.urn, props(drop))).rejects.toThrow(
            `refusing to drop ${P}.${DS}.raw_anthropic_cost: its snapshot ${P}.${BK}.raw_anthropic_cost__pre_cutover does not exist`,
        );
        expect(fake.table(`${P}.${DS}.raw_anthropic_cost`)).toBeDefined();
        const snap = find(cutover, "migration-snapshot-raw_anthropic_cost");
        await host.create(snap.urn, props(snap));
        fake.tables.get(`${P}.${DS}.raw_anthropic_cost`)!.rows += 5; // writes after the snapshot
        await expect(host.create(drop.urn, props(drop))).rejects.toThrow(/it has 1007 rows but its snapshot .* has 1002/);
        fake.tables.get(`${P}.${DS}.raw_anthropic_cost`)!.rows -= 5;
        const { outs } = await host.create(drop.urn, props(drop));
        expect(outs.droppedRows).toBe(1002);
        expect(fake.table(`${P}.${DS}.raw_anthropic_cost`)).toBeUndefined();
        const again = await host.create(drop.urn, props(drop));
        expect(again.outs.droppedRows).toBe(0);
    });

    it("renames zero-copy, idempotently, and refuses when both tables exist or a streaming buffer is present", async () => {
        const rename = find(cutover, "migration-rename-fact_cursor_daily_usage_v2-to-fact_cursor_daily_usage");
        fake.tables.get(`${P}.${DS}.fact_cursor_daily_usage_v2`)!.streamingBuffer = true;
        await expect(host.create(rename.urn, props(rename))).rejects.toThrow(/BigQuery refuses to rename such a table/);
        fake.tables.get(`${P}.${DS}.fact_cursor_daily_usage_v2`)!.streamingBuffer = false;
        const { id, outs } = await host.create(rename.urn, props(rename));
        expect(id).toBe(`${DS}.fact_cursor_daily_usage`);
        expect(outs.rows).toBe(5000);
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage`)).toMatchObject({ rows: 5000 });
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage_v2`)).toBeUndefined();
        expect((await host.update(id, rename.urn, outs, props(rename))).rows).toBe(5000);
        fake.tables.set(`${P}.${DS}.fact_cursor_daily_usage_v2`, { type: "TABLE", rows: 1 });
        await expect(host.update(id, rename.urn, outs, props(rename))).rejects.toThrow(
            `cannot rename ${P}.${DS}.fact_cursor_daily_usage_v2 to fact_cursor_daily_usage: both tables exist; compare them and remove the one that is not wanted`,
        );
        await host.delete(id, rename.urn, outs);
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage`)).toMatchObject({ rows: 5000 });
    });

    it("diff is read-only and states replacements truthfully", async () => {
        const rename = find(cutover, "migration-rename-fact_claude_daily_usage_v2-to-fact_claude_daily_usage");
        const { id, outs } = await host.create(rename.urn, props(rename));
        const before = fake.requests.length;
        expect(await host.diff(id, rename.urn, outs, props(rename))).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        expect(await host.diff(id, rename.urn, outs, { ...props(rename), to: "fact_claude_usage" })).toEqual({ changes: "some", replaces: ["to"], deleteBeforeReplace: false });
        expect(await host.diff(id, rename.urn, outs, { ...props(rename), version: "2" })).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        expect(fake.requests.length).toBe(before);
    });

    it("rolls back: restores legacy tables from snapshots as clones and renames v2 back, keeping its rows", async () => {
        for (const r of dynamic(cutover).filter((r) => /snapshot|drop|rename/.test(r.name))) await host.create(r.urn, props(r));
        expect(fake.table(`${P}.${DS}.raw_cursor_usage`)).toBeUndefined();
        for (const r of dynamic(rollback).filter((r) => /restore|rename/.test(r.name))) await host.create(r.urn, props(r));
        LEGACY.forEach((t, i) => expect(fake.table(`${P}.${DS}.${t}`), t).toEqual({ type: "TABLE", rows: 1000 + i }));
        V2.forEach((t, i) => expect(fake.table(`${P}.${DS}.${t.name}`), t.name).toMatchObject({ rows: 5000 + i }));
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toBeDefined();
    });
});

describe("every migration resource", () => {
    it("carries a version input, so a change of provider logic shows in the preview", () => {
        for (const r of [...dynamic(cutover), ...dynamic(rollback), ...dynamic(validate)]) expect(props(r).version, r.name).toBe("1");
    });

    it("retires without touching data: delete leaves every table and snapshot in place", async () => {
        fake.onQuery(/raw_|fact_/, () => [{ partition_date: "2026-11-01", legacy_rows: 1, v2_rows: 1 }]);
        const all = [...dynamic(validate), ...dynamic(cutover), ...dynamic(rollback)].filter((r) => !r.name.endsWith("-phase"));
        const created: { r: RecordedResource; id: string; outs: Record<string, unknown> }[] = [];
        for (const r of dynamic(validate).filter((r) => r.name.includes("parity"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        for (const r of dynamic(cutover).filter((r) => !r.name.endsWith("-phase"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        for (const r of dynamic(rollback).filter((r) => !r.name.endsWith("-phase"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        expect(created.map((c) => c.r.type.split(":").pop()).sort()).toEqual(expect.arrayContaining(["ParityCheck", "TableDrop", "TableRename", "TableRestore", "TableSnapshot"]));
        expect(created.length).toBe(all.length);
        const before = JSON.stringify([...fake.tables].sort());
        const statements = fake.statements.length;
        for (const c of created) await host.delete(c.id, c.r.urn, c.outs);
        expect(JSON.stringify([...fake.tables].sort())).toBe(before);
        expect(fake.statements.length).toBe(statements);
    });
});

describe("parity check", () => {
    const check = () => find(validate, "migration-parity-cursor_usage");
    const rows = (v2LinesAdded: number) => () => [
        { partition_date: "2026-11-01", legacy_rows: 10, v2_rows: 10, legacy_lines_added: 500, v2_lines_added: v2LinesAdded, legacy_accepts: 7, v2_accepts: 7 },
        { partition_date: "2026-11-02", legacy_rows: 12, v2_rows: 12, legacy_lines_added: 300, v2_lines_added: 300, legacy_accepts: 9, v2_accepts: 9 },
    ];

    it("dry-runs first, then passes and reports totals", async () => {
        fake.onQuery(/raw_cursor_usage/, rows(500));
        const { outs } = await host.create(check().urn, props(check()));
        expect(outs).toMatchObject({ passed: true, partitions: 2, totals: { rows: { legacy: 22, v2: 22 }, lines_added: { legacy: 800, v2: 800 } } });
        const jobs = fake.requests.filter((r) => r.method === "POST").map((r) => r.body.configuration);
        expect(jobs.map((j) => j.dryRun === true)).toEqual([true, false]);
        expect(jobs[0].query.query).toContain("`synter-dev.synter_analytics.fact_cursor_daily_usage_v2`");
    });

    it("fails the update with a readable table of mismatches", async () => {
        fake.onQuery(/raw_cursor_usage/, rows(499));
        const err = await host.create(check().urn, props(check())).catch((e: Error) => e.message);
        expect(err).toContain("parity cursor_usage: 2 mismatch(es) over 2 partition date(s)");
        expect(err).toMatch(/2026-11-01\s+lines_added\s+500\s+499/);
        expect(err).toMatch(/total\s+lines_added\s+800\s+799/);
    });

    it("refuses a query the dry run prices above maximumBytesBilled, without running it", async () => {
        fake.onQuery(/raw_cursor_usage/, rows(500), 20 * 1024 ** 3);
        await expect(host.create(check().urn, props(check()))).rejects.toThrow(
            "parity cursor_usage: the query would process 21474836480 bytes, above maximumBytesBilled 10737418240; raise the cap or narrow the query",
        );
        expect(fake.statements).toEqual([]);
    });

    it("runs again on every up in the validate phase", async () => {
        fake.onQuery(/raw_cursor_usage/, rows(500));
        const { id, outs } = await host.create(check().urn, props(check()));
        expect((await host.diff(id, check().urn, outs, props(check()))).changes).toBe("some");
        const inCutover = { ...props(check()), rerun: false };
        expect((await host.diff(id, check().urn, { ...outs, rerun: false }, inCutover)).changes).toBe("none");
    });
});

describe("fault injection: a failure after each cutover step, then a re-run", () => {
    const steps = () => dynamic(cutover).filter((r) => !r.name.endsWith("-phase"));

    /** Applies resources in registration (dependency) order, skipping those already created; stops at the first failure. */
    async function apply(done: Set<string>): Promise<string | undefined> {
        for (const r of steps()) {
            if (done.has(r.name)) continue;
            try {
                await host.create(r.urn, props(r));
                done.add(r.name);
            } catch (e) {
                return `${r.name}: ${(e as Error).message}`;
            }
        }
        return undefined;
    }

    it("converges with no row lost, whichever statement's answer is lost", async () => {
        const statements = [/^CREATE SNAPSHOT/, /^DROP TABLE/, /^ALTER TABLE/];
        const total = steps().length;
        let k = 0;
        for (const kind of statements) {
            for (let nth = 0; nth < (kind === statements[2] ? V2.length : LEGACY.length); nth++, k++) {
                await host.stop();
                await fake.stop();
                fake = new BigQueryFake();
                const url = await fake.start();
                seed(fake);
                host = await ProviderHost.start({ BIGQUERY_EMULATOR_HOST: url });
                // Let `nth` matching statements through, then lose the answer of the next (it still takes effect).
                let seen = 0;
                const original = fake.failNext.bind(fake);
                const matcher = { test: (sql: string) => kind.test(sql) && seen++ === nth } as unknown as RegExp;
                original(matcher, true);
                const done = new Set<string>();
                const failure = await apply(done);
                expect(failure, `fault ${k}`).toMatch(/injected failure/);
                expect(await apply(done), `re-run after fault ${k}`).toBeUndefined();
                expect(done.size).toBe(total);
                LEGACY.forEach((t, i) => {
                    expect(fake.table(`${P}.${DS}.${t}`)).toBeUndefined();
                    expect(fake.table(`${P}.${BK}.${t}__pre_cutover`)).toMatchObject({ type: "SNAPSHOT", rows: 1000 + i });
                });
                V2.forEach((t, i) => {
                    expect(fake.table(`${P}.${DS}.${t.productionName}`)).toMatchObject({ rows: 5000 + i });
                    expect(fake.table(`${P}.${DS}.${t.name}`)).toBeUndefined();
                });
            }
        }
        expect(k).toBe(LEGACY.length * 2 + V2.length);
    });
});

