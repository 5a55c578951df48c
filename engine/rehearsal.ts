// The migration runbook rehearsed through the real Pulumi engine: one local backend across a
// path of phases, the stack file's own settings, rows written as the applications would, and
// after every phase four checks: the update, a preview with no changes, the warehouse as the
// runbook says it must be, and the auth database untouched.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { guard, GuardReport } from "../plan/guard";
import { policyConfigFor } from "../plan/policyConfig";
import { PROJECT_ROOT } from "../lib/root";
import { CATALOGUE, TableDef, toSchemaJson } from "../components/analytics";
import { bigQueryClient } from "../components/migration";
import { FIRST_PHASES, NEXT_PHASES, phaseLayout, snapshotName, tablesMadeBySteps } from "../components/phase";
import { withLibpqSslModes } from "../components/postgres/migrator";
import { readSqlFolder } from "../components/sql";
import type { LegacyMode, MigrationPhase } from "../config";
import { startLocalEnvironment, LocalEnvironment } from "./environment";
import { LocalStack, tail } from "./localStack";
import { policyPackView } from "./policyPack";
import { DEFAULT_SEED, Row, seedRows, SeedOptions } from "./seed";

export interface RehearsalOptions {
    readonly stack: string;
    readonly path: readonly MigrationPhase[];
    /** Make one day of the v2 facts differ from the legacy exports. */
    readonly mismatch?: boolean;
    readonly seed?: SeedOptions;
    /** Keep the scratch directory (backend, warehouse state) for inspection. */
    readonly keep?: boolean;
    /** Write each phase's `pulumi preview --json` into this directory (for fixtures), ports and paths replaced. */
    readonly savePreviews?: string;
    readonly log?: (line: string) => void;
}

export interface Check {
    readonly ok: boolean;
    readonly detail: string;
}

export interface PhaseResult {
    readonly phase: MigrationPhase;
    /** `pulumi preview --json`, then the data-loss guard on that preview. */
    readonly plan: Check & { readonly guard: GuardReport };
    readonly up: Check & { readonly seconds: number; readonly changes: Record<string, number> };
    readonly preview: Check & { readonly seconds?: number };
    readonly warehouse: Check & { readonly tables: readonly WarehouseTable[] };
    readonly auth: Check;
    readonly ok: boolean;
}

export interface RehearsalReport {
    readonly stack: string;
    readonly path: readonly MigrationPhase[];
    readonly phases: readonly PhaseResult[];
    readonly outputs: Record<string, unknown>;
    readonly ok: boolean;
}

/** Why a path of phases is not one the runbook allows from a new stack, or undefined. */
export function pathProblem(path: readonly string[]): string | undefined {
    if (path.length === 0) return "the path names no phase";
    let previous: MigrationPhase | undefined;
    for (const p of path) {
        if (!(p in NEXT_PHASES)) return `unknown phase ${p}: the phases are ${Object.keys(NEXT_PHASES).join(", ")}`;
        const phase = p as MigrationPhase;
        if (previous === undefined && !FIRST_PHASES.includes(phase)) return `a new stack starts in ${FIRST_PHASES.join(" or ")}, not ${phase}`;
        if (previous !== undefined && !NEXT_PHASES[previous].includes(phase)) return `${phase} cannot follow ${previous}; after ${previous} come: ${NEXT_PHASES[previous].join(", ")}`;
        previous = phase;
    }
    return undefined;
}

/**
 * `--policy-pack` and `--policy-pack-config` as the workflows pass them: the pack (as the engine
 * harness presents it, engine/policyPack.ts) and this stack's config, as `npm run policy:config`
 * writes it. The runner must be installed on PATH (startLocalEnvironment does).
 */
export function policyPackArgs(stack: LocalStack, stackName: string): string[] {
    const file = path.join(stack.projectDir, "..", "policy-config.json");
    fs.writeFileSync(file, JSON.stringify(policyConfigFor(stackName), null, 2));
    return ["--policy-pack", policyPackView(path.join(stack.projectDir, "..", "policy-pack")), "--policy-pack-config", file];
}

/** The Policies section of a text preview or update: the pack's verdict and each violation. */
export function policySection(text: string): string {
    const start = text.indexOf("Policies:");
    if (start < 0) return "";
    const end = text.indexOf("\n\n", start);
    return text.slice(start, end < 0 ? undefined : end).trim();
}

/**
 * `pulumi preview --json` of a phase, with the policy pack as the pull-request workflow runs
 * it (`policyArgs`; [] for none), then the data-loss guard on that preview.
 */
export async function previewPhase(stack: LocalStack, stackName: string, phase: string, index: number, saveDir?: string, policyArgs: readonly string[] = policyPackArgs(stack, stackName)): Promise<Check & { guard: GuardReport }> {
    const preview = await stack.preview({ json: true, extra: policyArgs });
    let doc: any;
    try {
        doc = JSON.parse(preview.stdout);
    } catch {
        return { ok: false, detail: `pulumi preview --json printed no JSON (exit ${preview.code}):\n${tail(preview.stderr || preview.stdout, 25)}`, guard: { source: "preview", losses: [], allowed: [], checked: 0 } };
    }
    if (saveDir) {
        fs.mkdirSync(saveDir, { recursive: true });
        fs.writeFileSync(path.join(saveDir, `${stackName}-${String(index + 1).padStart(2, "0")}-${phase}.json`), sanitizePreview(JSON.stringify(doc, null, 2)) + "\n");
    }
    const report = guard(doc);
    const problems: string[] = [];
    if (preview.code !== 0) {
        const errors = ((doc.diagnostics ?? []) as any[]).filter((d) => d.severity === "error").map((d) => String(d.message).trim());
        // The JSON document leaves policy violations out; the text preview shows them.
        const violations = policyArgs.length ? policySection((await stack.preview({ extra: policyArgs })).stdout) : "";
        problems.push(`preview exited ${preview.code}: ${errors.join("; ") || tail(preview.stderr, 10)}${violations ? `\n${violations}` : ""}`);
    }
    if (report.losses.length) problems.push(`the guard refused: ${report.losses.join("; ")}`);
    return { ok: problems.length === 0, detail: problems.length ? problems.join("\n") : `${report.checked} steps, no data lost${policyArgs.length ? "; policy pack passed" : ""}`, guard: report };
}

/** A preview without what changes from run to run: local ports and scratch paths. */
export function sanitizePreview(text: string): string {
    return text
        .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT")
        .replace(/\/tmp\/synter-engine-[A-Za-z0-9]+/g, "SCRATCH")
        .replace(new RegExp(PROJECT_ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g"), "PROJECT");
}

/** A table or view as the warehouse holds it. */
export interface WarehouseTable {
    readonly dataset: string;
    readonly table: string;
    readonly type: string;
    readonly rows: number;
    readonly expirationTime?: number;
}

/** Where each catalogue table's rows must be in a phase, by `dataset.table`. */
export function expectedLocations(phase: MigrationPhase, dataset: string, backup: string, catalogue: readonly TableDef[]): Map<string, string> {
    const at = new Map<string, string>();
    for (const t of catalogue) {
        const renamed = phase === "cutover" || phase === "complete";
        if (t.role === "legacy") at.set(t.name, renamed ? `${backup}.${snapshotName(t.name)}` : `${dataset}.${t.name}`);
        else if (t.role === "v2") at.set(t.name, `${dataset}.${renamed ? (t.productionName ?? t.name) : t.name}`);
        else at.set(t.name, `${dataset}.${t.name}`);
    }
    return at;
}

/** Every object the dataset must hold in a phase, tables and views, by id. */
export function expectedObjects(phase: MigrationPhase, legacy: LegacyMode, project: string, dataset: string, backup: string): { tables: string[]; views: string[] } {
    const layout = phaseLayout({ gcpProject: project, legacyTables: legacy, dataset: { id: dataset }, migration: { phase, backupDatasetId: backup } }, CATALOGUE, {
        views: readSqlFolder("views"),
        parity: readSqlFolder("parity"),
    });
    // A retired table is still declared but its table was renamed or dropped by the cutover.
    const tables = [...new Set([...layout.tables.filter((t) => t.management !== "retired").map((t) => t.tableId), ...tablesMadeBySteps(layout.steps)])];
    const views = layout.views.map((v) => v.id);
    return { tables: tables.sort(), views: views.sort() };
}

/** An order-independent fingerprint of rows: SHA-256 of the sorted canonical JSON of each row. */
export function rowsFingerprint(rows: readonly Row[]): string {
    const canonical = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(canonical) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Row)[k])])) : v;
    const lines = rows.map((r) => JSON.stringify(canonical(r))).sort();
    return createHash("sha256").update(lines.join("\n")).digest("hex");
}

/** The local warehouse seen through the real BigQuery client. */
export class WarehouseView {
    private constructor(private readonly client: import("@google-cloud/bigquery").BigQuery) {}

    static open(url: string, project: string): WarehouseView {
        // The client reads the endpoint from the environment when it is made.
        process.env.BIGQUERY_EMULATOR_HOST = url;
        return new WarehouseView(bigQueryClient(project));
    }

    async list(dataset: string): Promise<WarehouseTable[]> {
        const ds = this.client.dataset(dataset);
        const [exists] = await ds.exists();
        if (!exists) return [];
        const [tables] = await ds.getTables();
        const out: WarehouseTable[] = [];
        for (const t of tables) {
            const [meta] = await t.getMetadata();
            out.push({ dataset, table: t.id!, type: String(meta.type), rows: Number(meta.numRows ?? 0), expirationTime: meta.expirationTime ? Number(meta.expirationTime) : undefined });
        }
        return out.sort((a, b) => a.table.localeCompare(b.table));
    }

    /** A table's metadata as BigQuery's tables.get returns it. */
    async metadata(dataset: string, table: string): Promise<Record<string, any>> {
        const [meta] = await this.client.dataset(dataset).table(table).getMetadata();
        return meta;
    }

    /** Every row of a table, read with tabledata.list (no query, so no partition filter is needed). */
    async rows(dataset: string, table: string): Promise<Row[]> {
        const [rows] = await this.client.dataset(dataset).table(table).getRows({ wrapIntegers: true });
        return rows.map((r) => JSON.parse(JSON.stringify(r, (_k, v) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 1 ? String(v.value) : v))));
    }

    async query(sql: string): Promise<Row[]> {
        const [rows] = await this.client.query({ query: sql, useLegacySql: false, maximumBytesBilled: String(10 * 1024 ** 3) });
        return rows;
    }

    async createDataset(dataset: string, location: string): Promise<void> {
        await this.client.createDataset(dataset, { location });
    }

    /** Creates a table as the legacy application had it (no partitioning, no labels from this stack). */
    async createLegacyTable(dataset: string, def: TableDef): Promise<void> {
        await this.client.dataset(dataset).createTable(def.name, { schema: { fields: JSON.parse(toSchemaJson(def)) }, description: def.description });
    }

    /** Deletes a table or view, as `bq rm -f` does. */
    async dropTable(dataset: string, table: string): Promise<void> {
        await this.client.dataset(dataset).table(table).delete();
    }

    async insert(dataset: string, table: string, rows: readonly Row[]): Promise<void> {
        if (rows.length === 0) return;
        await this.client.dataset(dataset).table(table).insert(rows as Row[], { raw: false });
    }
}

/** A fingerprint of the auth database: every auth table's rows, the migration history and the roles. */
export async function authFingerprint(adminUrl: string, database: string): Promise<string> {
    const { Client } = await import("pg");
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const c = new Client({ connectionString: withLibpqSslModes(u.toString()) });
    await c.connect();
    try {
        const tables = await c.query<{ schemaname: string; tablename: string }>(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
        );
        const h = createHash("sha256");
        for (const t of tables.rows) {
            const q = `"${t.schemaname}"."${t.tablename}"`;
            const r = await c.query(`SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS m, count(*) AS n FROM ${q} x`);
            h.update(`${q} ${r.rows[0].n} ${r.rows[0].m}\n`);
        }
        const roles = await c.query("SELECT rolname, rolcanlogin, rolcreaterole, rolcreatedb, rolsuper FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1");
        h.update(JSON.stringify(roles.rows));
        return h.digest("hex");
    } finally {
        await c.end();
    }
}

/** Runs a path of phases through the engine and checks each one. */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
    const problem = pathProblem(options.path);
    if (problem) throw new Error(`--path ${options.path.join(",")}: ${problem}`);
    const log = options.log ?? (() => undefined);
    const env = await startLocalEnvironment({ keep: options.keep, log });
    try {
        return await rehearseIn(env, options);
    } finally {
        await env.stop();
    }
}

/** The rehearsal in an environment that is already running (tests share one). */
export async function rehearseIn(env: LocalEnvironment, options: RehearsalOptions): Promise<RehearsalReport> {
    const log = options.log ?? (() => undefined);
    const stack = await LocalStack.open({ stack: options.stack, binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/${options.stack}`, endpoints: env.endpoints, log });
    const project = String(stack.getConfig("synter-infra:gcpProject"));
    const dataset = String(stack.getConfig("synter-infra:datasetId") ?? "synter_analytics");
    const backup = String(stack.getConfig("synter-infra:backupDatasetId") ?? `${dataset}_backup`);
    const location = String(stack.getConfig("synter-infra:datasetLocation") ?? "US");
    const legacy = String(stack.getConfig("synter-infra:legacyTables") ?? "adopt") as LegacyMode;
    const database = String(stack.getConfig("synter-infra:postgresDatabase") ?? "synter");
    const expirationDays = Number(stack.getConfig("synter-infra:snapshotExpirationDays") ?? 30);
    const wh = WarehouseView.open(env.endpoints.warehouseUrl, project);
    const seed = { ...(options.seed ?? DEFAULT_SEED), ...(options.mismatch ? { mismatchDay: 2 } : {}) };
    const rows = seedRows(CATALOGUE.filter((t) => legacy !== "none" || t.role !== "legacy"), seed);
    // What each table holds once written, read back through the warehouse: every later phase
    // must find exactly these rows where the runbook puts the table.
    const fingerprints = new Map<string, { rows: number; fingerprint: string }>();

    if (legacy === "adopt") {
        // Production already has the dataset and the legacy tables, as the legacy application made them.
        log(`creating ${dataset} and its legacy tables as the legacy application had them`);
        await wh.createDataset(dataset, location).catch((e) => {
            if (e?.code !== 409) throw e;
        });
        for (const t of CATALOGUE.filter((x) => x.role === "legacy")) await wh.createLegacyTable(dataset, t);
    }

    const results: PhaseResult[] = [];
    let seeded = false;
    let authBaseline: string | undefined;
    for (const phase of options.path) {
        log(`phase ${phase}: pulumi up`);
        stack.setConfig({ "synter-infra:migrationPhase": phase });
        if (phase === "validate" && !seeded) {
            log(`writing ${[...rows.values()].reduce((a, r) => a + r.length, 0)} rows over ${seed.days} days`);
            for (const [name, r] of rows) {
                await wh.insert(dataset, name, r);
                const back = await wh.rows(dataset, name);
                if (back.length !== r.length) throw new Error(`writing ${dataset}.${name}: ${r.length} rows written, ${back.length} read back`);
                fingerprints.set(name, { rows: back.length, fingerprint: rowsFingerprint(back) });
            }
            seeded = true;
        }
        // As the pull-request workflow runs it: a preview with the policy pack, the guard on that
        // preview, and only then the update, with the policy pack as the deploy workflow runs it.
        // A refusal at check time (the phase gate) or by the pack stops here.
        log(`phase ${phase}: pulumi preview --json with the policy pack, then the guard`);
        const planned = await previewPhase(stack, options.stack, phase, results.length, options.savePreviews);
        if (!planned.ok) {
            results.push({ phase, plan: planned, up: { ok: false, detail: "not run: the preview or the guard refused", seconds: 0, changes: {} }, preview: { ok: false, detail: "not run" }, warehouse: { ok: false, detail: "not checked", tables: [] }, auth: { ok: false, detail: "not checked" }, ok: false });
            log(`phase ${phase}: FAILED`);
            break;
        }
        const started = Date.now();
        const up = await stack.up({ extra: ["--skip-preview", ...policyPackArgs(stack, options.stack)] });
        const upCheck = { ok: up.code === 0, detail: up.code === 0 ? "succeeded" : [...LocalStack.diagnostics(up), tail(up.stderr, 10)].join("\n"), seconds: (Date.now() - started) / 1000, changes: LocalStack.changeSummary(up) };
        let preview: Check & { seconds?: number } = { ok: false, detail: "not run: the update failed" };
        if (upCheck.ok) {
            log(`phase ${phase}: pulumi preview --expect-no-changes`);
            const previewStarted = Date.now();
            const p = await stack.preview({ expectNoChanges: true, extra: policyPackArgs(stack, options.stack) });
            preview = { ok: p.code === 0, detail: p.code === 0 ? "no changes" : tail(p.stdout + p.stderr, 25), seconds: (Date.now() - previewStarted) / 1000 };
        }
        if (upCheck.ok && authBaseline === undefined) authBaseline = await authFingerprint(env.postgresUrl, database);
        const warehouse = await checkWarehouse(wh, phase, { project, dataset, backup, legacy, expirationDays, fingerprints: seeded ? fingerprints : undefined });
        const authNow = authBaseline === undefined ? undefined : await authFingerprint(env.postgresUrl, database);
        const auth: Check = authBaseline === undefined ? { ok: false, detail: "no baseline: no update has succeeded" } : authNow === authBaseline ? { ok: true, detail: "untouched" } : { ok: false, detail: "changed" };
        const result: PhaseResult = { phase, plan: planned, up: upCheck, preview, warehouse, auth, ok: planned.ok && upCheck.ok && preview.ok && warehouse.ok && auth.ok };
        results.push(result);
        log(`phase ${phase}: ${result.ok ? "ok" : "FAILED"}`);
        if (!result.ok) break;
    }
    const outputs = await stack.outputs(false).catch(() => ({}));
    return { stack: options.stack, path: options.path, phases: results, outputs, ok: results.length === options.path.length && results.every((r) => r.ok) };
}

interface WarehouseExpectation {
    readonly project: string;
    readonly dataset: string;
    readonly backup: string;
    readonly legacy: LegacyMode;
    readonly expirationDays: number;
    /** What was written per catalogue table, once rows were written. */
    readonly fingerprints?: Map<string, { rows: number; fingerprint: string }>;
}

/** Compares the warehouse with what the runbook says a phase leaves. */
export async function checkWarehouse(wh: WarehouseView, phase: MigrationPhase, x: WarehouseExpectation): Promise<Check & { tables: WarehouseTable[] }> {
    const problems: string[] = [];
    const main = await wh.list(x.dataset);
    const backup = await wh.list(x.backup);
    const want = expectedObjects(phase, x.legacy, x.project, x.dataset, x.backup);
    const have = (type: (t: string) => boolean) => main.filter((t) => type(t.type)).map((t) => t.table).sort();
    const diff = (what: string, wanted: string[], got: string[]) => {
        const missing = wanted.filter((w) => !got.includes(w));
        const extra = got.filter((g) => !wanted.includes(g));
        if (missing.length) problems.push(`${what} missing: ${missing.join(", ")}`);
        if (extra.length) problems.push(`${what} not expected: ${extra.join(", ")}`);
    };
    diff(`${x.dataset} tables`, want.tables, have((t) => t !== "VIEW"));
    diff(`${x.dataset} views`, want.views, have((t) => t === "VIEW"));
    const snapshotsDue = phase === "cutover" || phase === "complete" || phase === "rollback";
    if (x.legacy !== "none" && snapshotsDue) {
        for (const t of CATALOGUE.filter((c) => c.role === "legacy")) {
            const snap = backup.find((b) => b.table === snapshotName(t.name));
            if (!snap) problems.push(`snapshot ${x.backup}.${snapshotName(t.name)} missing`);
            else if (snap.type !== "SNAPSHOT") problems.push(`${x.backup}.${snap.table} is a ${snap.type}, not a SNAPSHOT`);
            else if (!snap.expirationTime) problems.push(`snapshot ${x.backup}.${snap.table} has no expiration`);
            else {
                const days = (snap.expirationTime - Date.now()) / 86_400_000;
                if (days > x.expirationDays || days < x.expirationDays - 1) problems.push(`snapshot ${x.backup}.${snap.table} expires in ${days.toFixed(1)} days, not ${x.expirationDays}`);
            }
        }
    }
    if (x.fingerprints) {
        const at = expectedLocations(phase, x.dataset, x.backup, CATALOGUE);
        for (const [name, written] of x.fingerprints) {
            const where = at.get(name);
            if (!where) continue;
            const [ds, table] = where.split(".");
            const present = (ds === x.dataset ? main : backup).find((t) => t.table === table);
            if (!present) continue; // already reported as missing
            const rows = await wh.rows(ds, table);
            if (rows.length !== written.rows) problems.push(`${where} holds ${rows.length} rows of ${name}, ${written.rows} were written`);
            else if (rowsFingerprint(rows) !== written.fingerprint) problems.push(`${where}: the rows of ${name} differ from those written`);
        }
        for (const v of want.views) {
            const out = await wh.query(`SELECT COUNT(*) AS n FROM \`${x.project}.${x.dataset}.${v}\``).catch((e) => [{ error: String(e?.message ?? e) }]);
            if ("error" in out[0]) problems.push(`view ${v}: ${out[0].error}`);
            else if (Number(out[0].n) === 0) problems.push(`view ${v} returns no rows`);
        }
    }
    return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : "as the runbook says", tables: [...main, ...backup] };
}

/** The phase-by-phase table for people. */
export function formatReport(r: RehearsalReport): string {
    const mark = (c: Check) => (c.ok ? "ok" : "FAIL");
    const lines = [`rehearsal of stack ${r.stack}: ${r.path.join(" -> ")}`, "", "| phase | preview and guard | up | no-change preview | warehouse | auth | seconds | changes |", "| --- | --- | --- | --- | --- | --- | --- | --- |"];
    for (const p of r.phases) {
        const changes = Object.entries(p.up.changes).map(([op, n]) => `${op} ${n}`).join(", ");
        lines.push(`| ${p.phase} | ${mark(p.plan)} | ${mark(p.up)} | ${mark(p.preview)} | ${mark(p.warehouse)} | ${mark(p.auth)} | ${p.up.seconds.toFixed(1)} | ${changes} |`);
    }
    for (const p of r.phases) {
        for (const [what, c] of [["preview and guard", p.plan], ["up", p.up], ["no-change preview", p.preview], ["warehouse", p.warehouse], ["auth", p.auth]] as const) {
            if (!c.ok) lines.push("", `${p.phase} ${what}:`, c.detail);
        }
    }
    const last = r.phases[r.phases.length - 1];
    if (last) {
        lines.push("", "warehouse after the last phase:");
        for (const t of last.warehouse.tables) lines.push(`  ${`${t.dataset}.${t.table}`.padEnd(60)} ${t.type.padEnd(9)} ${String(t.rows).padStart(6)} rows`);
    }
    lines.push("", "outputs:");
    for (const [k, v] of Object.entries(r.outputs)) lines.push(`  ${k.padEnd(32)} ${typeof v === "string" ? v : JSON.stringify(v)}`);
    lines.push("", r.ok ? "every phase passed" : "the rehearsal FAILED");
    return lines.join("\n");
}
