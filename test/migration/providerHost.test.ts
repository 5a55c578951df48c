// Rung 3: every dynamic provider, serialized by Pulumi's runtime exactly as `pulumi up` would,
// runs in Pulumi's own dynamic-provider host and talks to BigQuery through the real client
// library, against the local warehouse: snapshots, drops, renames and restores move real rows,
// and parity queries are computed on them by ZetaSQL.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CATALOGUE, TableDef } from "../../components/analytics";
import { PROVIDER_VERSION } from "../../components/migration";
import { snapshotName } from "../../components/phase";
import { dynamicType, MIGRATION_MODULE } from "../../components/resources";
import type { RecordedResource } from "../../plan/program";
import { LocalWarehouse, Row, StoreJson } from "../../warehouse";
import { runStack } from "../support/program";
import { ProviderHost } from "../support/providerHost";
import { catalogueRows, createCatalogueTable } from "../../servers/warehouse";

const P = "synter-dev";
const DS = "synter_analytics";
const BK = "synter_analytics_backup";
const LEGACY_DEFS = CATALOGUE.filter((t) => t.role === "legacy");
const LEGACY = LEGACY_DEFS.map((t) => t.name);
const V2 = CATALOGUE.filter((t) => t.role === "v2");
const def = (name: string): TableDef => CATALOGUE.find((t) => t.name === name)!;
const DAY_MS = 86_400_000;

let cutover: RecordedResource[];
let rollback: RecordedResource[];
let validate: RecordedResource[];
let fake: LocalWarehouse;
let url: string;
let seeded: StoreJson;
let host: ProviderHost;

const dynamic = (rs: RecordedResource[]) => rs.filter((r) => r.type.startsWith(dynamicType(MIGRATION_MODULE, "")));
const find = (rs: RecordedResource[], name: string) => {
    const r = rs.find((x) => x.name === name);
    if (!r) throw new Error(`no ${name}`);
    return r;
};
/** Inputs as the engine sends them: resolved values, undefined outputs left out. */
const props = (r: RecordedResource) => JSON.parse(JSON.stringify(r.rawInputs)) as Record<string, any>;

/** The legacy tables with 1000 + i rows and the v2 tables with 5000 + i, as their catalogue entries declare them. */
async function seed(f: LocalWarehouse): Promise<void> {
    f.createDataset(P, BK);
    for (const [i, t] of LEGACY_DEFS.entries()) f.insertRows(await createCatalogueTable(f, P, DS, t), catalogueRows(t, 1000 + i, i));
    for (const [i, t] of V2.entries()) f.insertRows(await createCatalogueTable(f, P, DS, t, { requirePartitionFilter: true }), catalogueRows(t, 5000 + i, i));
}

/** A table as the old assertions describe it: type, row count, and a snapshot's expiry in days. */
function table(qualified: string): { type: string; rows: number; expirationDays?: number } | undefined {
    const t = fake.table(qualified);
    if (!t) return undefined;
    return { type: t.type, rows: t.rows, ...(t.type === "SNAPSHOT" ? { expirationDays: Math.round((t.expirationTime! - t.creationTime) / DAY_MS) } : {}) };
}

/** Rows of a table, order-independent, for "these are the same rows" assertions. */
const rowSet = (qualified: string) => fake.rows(qualified).map((r: Row) => JSON.stringify(r)).sort();

// Parity data: per day, `n` users whose legacy and v2 rows carry the same metrics (v2 lines can be skewed).
const cursorDay = (date: string, n: number, lines: number, accepts: number, v2Lines = lines) => {
    const share = (total: number, k: number) => Math.floor(total / n) + (k < total % n ? 1 : 0);
    const legacy = Array.from({ length: n }, (_, k) => ({ date, email: `u${k}@example.com`, lines_added: share(lines, k), accepted_lines_added: 1, accepts: share(accepts, k), tabs_accepted: 0 }));
    const v2 = Array.from({ length: n }, (_, k) => ({
        usage_date: date, user_id: `u${k}`, user_email: `u${k}@example.com`, lines_added: share(v2Lines, k), accepted_lines_added: 1, total_accepts: share(accepts, k), total_tabs_accepted: 0,
        platform: "cursor", attribution_confidence: 0.9, ingested_at: `${date}T23:00:00Z`,
    }));
    return { legacy, v2 };
};

const claudeDay = (date: string, n: number) => ({
    usage: Array.from({ length: n }, (_, k) => ({ date, user_email: `u${k}@example.com`, model: "opus", lines_added: 10 + k, commits: 1, input_tokens: 100 * k, output_tokens: 7 })),
    cost: Array.from({ length: n }, (_, k) => ({ date, user_email: `u${k}@example.com`, model: "opus", cost_usd: `${k}.25` })),
    v2: Array.from({ length: n }, (_, k) => ({
        usage_date: date, user_id: `u${k}`, user_email: `u${k}@example.com`, lines_added: 10 + k, commits: 1,
        model_usage: [{ model: "opus", input_tokens: 100 * k, output_tokens: 7, cost_usd: `${k}.25` }], total_cost_usd: `${k}.25`,
        platform: "claude_code", attribution_confidence: 0.9, ingested_at: `${date}T23:00:00Z`,
    })),
});

/** Cursor usage for two days: 10 users with 500 lines and 7 accepts, then 12 with 300 and 9; `v2FirstDayLines` skews v2. */
function seedCursorParity(v2FirstDayLines = 500): void {
    const days = [cursorDay("2026-11-01", 10, 500, 7, v2FirstDayLines), cursorDay("2026-11-02", 12, 300, 9)];
    fake.replaceRows(`${P}.${DS}.raw_cursor_usage`, days.flatMap((d) => d.legacy));
    fake.replaceRows(`${P}.${DS}.fact_cursor_daily_usage_v2`, days.flatMap((d) => d.v2));
}

/** Every parity mapping passes: cursor as above, Claude usage and cost for two days. */
function seedAllParity(): void {
    seedCursorParity();
    const days = [claudeDay("2026-11-01", 3), claudeDay("2026-11-02", 4)];
    fake.replaceRows(`${P}.${DS}.raw_anthropic_usage`, days.flatMap((d) => d.usage));
    fake.replaceRows(`${P}.${DS}.raw_anthropic_cost`, days.flatMap((d) => d.cost));
    fake.replaceRows(`${P}.${DS}.fact_claude_daily_usage_v2`, days.flatMap((d) => d.v2));
}

beforeAll(async () => {
    cutover = (await runStack("dev", { migrationPhase: "cutover" })).resources;
    rollback = (await runStack("dev", { migrationPhase: "rollback" })).resources;
    validate = (await runStack("dev", { migrationPhase: "validate" })).resources;
    fake = new LocalWarehouse();
    url = await fake.start();
    await seed(fake);
    seeded = fake.checkpoint();
});

afterAll(async () => {
    await fake.stop();
});

beforeEach(async () => {
    // Every test starts from the same seeded warehouse.
    fake.restore(seeded);
    host = await ProviderHost.start({ BIGQUERY_EMULATOR_HOST: url });
});

afterEach(async () => {
    await host.stop();
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
        const outs = await host.update(created.id, gate().urn, created.outs, { ...props(gate()), validationPassed: true });
        expect(outs).toMatchObject({ phase: "cutover", previousPhase: "validate", validationPassed: true });
        // Complete runs no parity check: the recorded validation stays, and no change is previewed.
        const complete = { ...props(gate()), phase: "complete", validationPassed: false };
        expect((await host.diff(created.id, gate().urn, outs, { ...complete, phase: "cutover", validationPassed: true })).changes).toBe("none");
        expect(await host.update(created.id, gate().urn, outs, complete)).toMatchObject({ phase: "complete", validationPassed: true });
    });

    it("refuses the cutover when the parity checks run at the cutover found differences", async () => {
        const created = await host.create(gate().urn, { ...props(gate()), phase: "validate", validationPassed: true });
        const found = "parity cursor_usage: 1 mismatch(es) over 5 partition date(s)";
        const refused = host.update(created.id, gate().urn, created.outs, { ...props(gate()), validationPassed: false, validationProblems: [found] });
        await expect(refused).rejects.toThrow(/phase cutover refused: the parity checks run at the cutover found differences, so nothing was snapshotted, dropped or renamed/);
        await expect(host.update(created.id, gate().urn, created.outs, { ...props(gate()), validationPassed: false, validationProblems: [found] })).rejects.toThrow(found);
    });
});

describe("snapshot, drop, rename, restore", () => {
    it("snapshots with expiry, verifies row counts, and keeps the snapshot when the resource retires", async () => {
        const snap = find(cutover, "migration-snapshot-raw_cursor_usage");
        const { id, outs } = await host.create(snap.urn, props(snap));
        expect(id).toBe(`${BK}.${snapshotName("raw_cursor_usage")}`);
        expect(outs).toMatchObject({ sourceRows: 1000, snapshotRows: 1000 });
        expect(table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toEqual({ type: "SNAPSHOT", rows: 1000, expirationDays: 7 });
        // The snapshot holds the table's rows, with its schema.
        expect(rowSet(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toEqual(rowSet(`${P}.${DS}.raw_cursor_usage`));
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toMatchObject({ snapshotOf: `${P}.${DS}.raw_cursor_usage`, schema: fake.table(`${P}.${DS}.raw_cursor_usage`)!.schema });
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
        fake.setStreamingBuffer(`${P}.${DS}.raw_cursor_usage`);
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
        const before = rowSet(`${P}.${DS}.raw_anthropic_cost`);
        const snap = find(cutover, "migration-snapshot-raw_anthropic_cost");
        await host.create(snap.urn, props(snap));
        // Writes after the snapshot.
        fake.insertRows(`${P}.${DS}.raw_anthropic_cost`, catalogueRows(def("raw_anthropic_cost"), 5, 99).map((r) => ({ ...r, model: "late" })));
        await expect(host.create(drop.urn, props(drop))).rejects.toThrow(/it has 1007 rows but its snapshot .* has 1002/);
        await fake.query(`DELETE FROM \`${P}.${DS}.raw_anthropic_cost\` WHERE model = 'late'`);
        const { outs } = await host.create(drop.urn, props(drop));
        expect(outs.droppedRows).toBe(1002);
        expect(fake.table(`${P}.${DS}.raw_anthropic_cost`)).toBeUndefined();
        // The rows live on in the snapshot.
        expect(rowSet(`${P}.${BK}.raw_anthropic_cost__pre_cutover`)).toEqual(before);
        const again = await host.create(drop.urn, props(drop));
        expect(again.outs.droppedRows).toBe(0);
    });

    it("renames zero-copy, idempotently, and refuses when both tables exist or a streaming buffer is present", async () => {
        const rename = find(cutover, "migration-rename-fact_cursor_daily_usage_v2-to-fact_cursor_daily_usage");
        const before = rowSet(`${P}.${DS}.fact_cursor_daily_usage_v2`);
        fake.setStreamingBuffer(`${P}.${DS}.fact_cursor_daily_usage_v2`);
        await expect(host.create(rename.urn, props(rename))).rejects.toThrow(/BigQuery refuses to rename such a table/);
        fake.flushStreamingBuffer(`${P}.${DS}.fact_cursor_daily_usage_v2`);
        const { id, outs } = await host.create(rename.urn, props(rename));
        expect(id).toBe(`${DS}.fact_cursor_daily_usage`);
        expect(outs.rows).toBe(5000);
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage`)).toMatchObject({ rows: 5000 });
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage_v2`)).toBeUndefined();
        // The rename carries the rows, the partitioning and the clustering.
        expect(rowSet(`${P}.${DS}.fact_cursor_daily_usage`)).toEqual(before);
        expect(fake.table(`${P}.${DS}.fact_cursor_daily_usage`)).toMatchObject({ timePartitioning: { type: "DAY", field: "usage_date" }, clustering: ["platform", "user_id"], requirePartitionFilter: true });
        expect((await host.update(id, rename.urn, outs, props(rename))).rows).toBe(5000);
        fake.insertRows(await createCatalogueTable(fake, P, DS, V2[0]), catalogueRows(V2[0], 1));
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
        expect(await host.diff(id, rename.urn, outs, { ...props(rename), version: `${PROVIDER_VERSION}-next` })).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        expect(fake.requests.length).toBe(before);
    });

    it("rolls back: restores legacy tables from snapshots as clones and renames v2 back, keeping its rows", async () => {
        const before = new Map([...LEGACY, ...V2.map((t) => t.name)].map((t) => [t, rowSet(`${P}.${DS}.${t}`)]));
        for (const r of dynamic(cutover).filter((r) => /snapshot|drop|rename/.test(r.name))) await host.create(r.urn, props(r));
        expect(fake.table(`${P}.${DS}.raw_cursor_usage`)).toBeUndefined();
        for (const r of dynamic(rollback).filter((r) => /restore|rename/.test(r.name))) await host.create(r.urn, props(r));
        LEGACY.forEach((t, i) => expect(table(`${P}.${DS}.${t}`), t).toEqual({ type: "TABLE", rows: 1000 + i }));
        V2.forEach((t, i) => expect(table(`${P}.${DS}.${t.name}`), t.name).toMatchObject({ rows: 5000 + i }));
        expect(fake.table(`${P}.${BK}.raw_cursor_usage__pre_cutover`)).toBeDefined();
        // Every restored clone and renamed table holds exactly the rows it had before the cutover.
        for (const [t, rows] of before) expect(rowSet(`${P}.${DS}.${t}`), t).toEqual(rows);
        expect(fake.table(`${P}.${DS}.raw_cursor_usage`)!.cloneOf).toBe(`${P}.${BK}.raw_cursor_usage__pre_cutover`);
    });
});

describe("every migration resource", () => {
    it("carries a version input, so a change of provider logic shows in the preview", () => {
        for (const r of [...dynamic(cutover), ...dynamic(rollback), ...dynamic(validate)]) expect(props(r).version, r.name).toBe(PROVIDER_VERSION);
    });

    it("retires without touching data: delete leaves every table and snapshot in place", async () => {
        seedAllParity();
        const all = [...dynamic(validate), ...dynamic(cutover), ...dynamic(rollback)].filter((r) => !r.name.endsWith("-phase"));
        const created: { r: RecordedResource; id: string; outs: Record<string, unknown> }[] = [];
        for (const r of dynamic(validate).filter((r) => r.name.includes("parity"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        for (const r of dynamic(cutover).filter((r) => !r.name.endsWith("-phase"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        for (const r of dynamic(rollback).filter((r) => !r.name.endsWith("-phase"))) created.push({ r, ...(await host.create(r.urn, props(r))) });
        expect(created.map((c) => c.r.type.split(":").pop()).sort()).toEqual(expect.arrayContaining(["ParityCheck", "TableDrop", "TableRename", "TableRestore", "TableSnapshot"]));
        expect(created.length).toBe(all.length);
        const everything = () => JSON.stringify(fake.tables().map((t) => ({ ...t, data: t.type === "VIEW" ? [] : rowSet(t.table) })));
        const before = everything();
        const statements = fake.statements.length;
        for (const c of created) await host.delete(c.id, c.r.urn, c.outs);
        expect(everything()).toBe(before);
        expect(fake.statements.length).toBe(statements);
    });
});

describe("parity check", () => {
    const check = () => find(validate, "migration-parity-cursor_usage");

    it("dry-runs first, then passes and reports totals", async () => {
        seedCursorParity(500);
        const { outs } = await host.create(check().urn, props(check()));
        expect(outs).toMatchObject({ passed: true, partitions: 2, totals: { rows: { legacy: 22, v2: 22 }, lines_added: { legacy: 800, v2: 800 } } });
        const jobs = fake.requests.filter((r) => r.method === "POST").map((r) => r.body.configuration);
        expect(jobs.map((j) => j.dryRun === true)).toEqual([true, false]);
        expect(jobs[0].query.query).toContain("`synter-dev.synter_analytics.fact_cursor_daily_usage_v2`");
    });

    it("fails the update with a readable table of mismatches", async () => {
        seedCursorParity(499);
        const err = await host.create(check().urn, props(check())).catch((e: Error) => e.message);
        expect(err).toContain("parity cursor_usage: 2 mismatch(es) over 2 partition date(s)");
        expect(err).toMatch(/2026-11-01\s+lines_added\s+500\s+499/);
        expect(err).toMatch(/total\s+lines_added\s+800\s+799/);
    });

    it("refuses a query the dry run prices above maximumBytesBilled, without running it", async () => {
        seedCursorParity(500);
        // The dry run prices the tables the query reads: 12 GiB and 8 GiB.
        fake.setBilledBytes(`${P}.${DS}.raw_cursor_usage`, 12 * 1024 ** 3);
        fake.setBilledBytes(`${P}.${DS}.fact_cursor_daily_usage_v2`, 8 * 1024 ** 3);
        await expect(host.create(check().urn, props(check()))).rejects.toThrow(
            "parity cursor_usage: the query would process 21474836480 bytes, above maximumBytesBilled 10737418240; raise the cap or narrow the query",
        );
        expect(fake.statements).toEqual([]);
    });

    it("previews a change in the validate phase exactly when the live result differs from the recorded one", async () => {
        seedCursorParity(500);
        const { id, outs } = await host.create(check().urn, props(check()));
        const requests = fake.requests.length;
        expect((await host.diff(id, check().urn, outs, props(check()))).changes).toBe("none");
        // The diff ran the query (read-only): the application keeps writing during validate.
        expect(fake.requests.length).toBeGreaterThan(requests);
        seedCursorParity(501);
        expect((await host.diff(id, check().urn, outs, props(check()))).changes).toBe("some");
    });

    it("runs once more when the phase becomes cutover, recording a mismatch for the gate instead of failing", async () => {
        seedCursorParity(500);
        const { id, outs } = await host.create(check().urn, props(check()));
        const atCutover = { ...props(check()), phase: "cutover" };
        expect((await host.diff(id, check().urn, outs, atCutover)).changes).toBe("some");
        seedCursorParity(501);
        const recorded = await host.update(id, check().urn, outs, atCutover);
        expect(recorded).toMatchObject({ phase: "cutover", passed: false });
        expect(String(recorded.problem)).toMatch(/^parity cursor_usage: \d+ mismatch\(es\) over 2 partition date\(s\)\n.*2026-11-01 +lines_added +500 +501/s);
        // Once at the cutover it does not run again: the legacy tables are dropped by then.
        const requests = fake.requests.length;
        expect((await host.diff(id, check().urn, recorded, atCutover)).changes).toBe("none");
        expect(fake.requests.length).toBe(requests);
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
                fake.restore(seeded);
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

