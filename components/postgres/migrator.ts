// Applies migrations to a PostgreSQL database: under an advisory lock, in version order, each
// in its own transaction together with its history row, so a migration is either applied and
// recorded or not at all, and two concurrent runs apply each one exactly once.
import type { Client } from "pg";
import { lineAt } from "../sql";
import { AppliedMigration, checkMigrations, MigrationFile } from "./files";

/** The history table: public, so it exists before the first migration creates any schema. */
export const HISTORY_TABLE = "public.synter_schema_migrations";
/** Key of the advisory lock every runner takes (pg_advisory_lock(bigint)); any constant works. */
export const LOCK_KEY = "7311523418765032001";

export interface ApplyOptions {
    /** How long to wait for another run's lock before giving up. */
    readonly lockTimeoutMs?: number;
}

export interface ApplyResult {
    /** Migrations this run applied, in order. */
    readonly ran: readonly string[];
    /** The whole history after the run. */
    readonly applied: readonly AppliedMigration[];
}

/**
 * A migration that failed or must not run; names the file (and the failing line where PostgreSQL
 * says). A plain Error: an Error subclass does not survive Pulumi's closure serialization with
 * its message intact, and this code runs in the provider host.
 */
export function migrationError(message: string): Error {
    const e = new Error(message);
    e.name = "MigrationError";
    return e;
}

/** The line PostgreSQL's error position (1-based, in characters) points at. */
function lineOf(sql: string, position: string | undefined): number | undefined {
    const p = Number(position);
    return Number.isFinite(p) && p > 0 ? lineAt(sql, p - 1).line : undefined;
}

export async function readHistory(client: Client): Promise<AppliedMigration[]> {
    const exists = await client.query("SELECT to_regclass($1) IS NOT NULL AS present", [HISTORY_TABLE]);
    if (!exists.rows[0].present) return [];
    const r = await client.query(`SELECT version, name, checksum FROM ${HISTORY_TABLE} ORDER BY version`);
    return r.rows.map((row) => ({ version: Number(row.version), name: row.name, checksum: row.checksum }));
}

/** Applies the pending migrations of `files` through an open connection (the core; pg injected). */
export async function applyMigrations(client: Client, files: readonly MigrationFile[], opts: ApplyOptions = {}): Promise<ApplyResult> {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(opts.lockTimeoutMs ?? 300_000))}`);
    try {
        await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    } catch (err: any) {
        if (err?.code === "55P03") throw migrationError(`another run holds the migration lock (pg_advisory_lock ${LOCK_KEY}); waited ${opts.lockTimeoutMs ?? 300_000} ms`);
        throw err;
    }
    try {
        await client.query("SET lock_timeout = 0");
        await client.query(
            `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
               version integer PRIMARY KEY,
               name text NOT NULL,
               checksum text NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now(),
               applied_by text NOT NULL DEFAULT current_user,
               execution_ms integer NOT NULL
             )`,
        );
        // Read under the lock: what another run finished while we waited is not pending any more.
        const found = checkMigrations(files, await readHistory(client));
        if (found.problems.length) throw migrationError(found.problems.join("\n"));
        const ran: string[] = [];
        for (const m of found.pending) {
            const started = Date.now();
            await client.query("BEGIN");
            try {
                // Simple query protocol: a file may hold many statements, dollar quotes included.
                await client.query(m.sql);
                await client.query(`INSERT INTO ${HISTORY_TABLE} (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)`, [
                    m.version, m.name, m.checksum, Date.now() - started,
                ]);
                await client.query("COMMIT");
            } catch (err: any) {
                await client.query("ROLLBACK").catch(() => undefined);
                const line = lineOf(m.sql, err?.position);
                throw migrationError(`${m.file}${line ? `:${line}` : ""}: ${err?.message ?? err} (rolled back; nothing of this migration was applied${ran.length ? `; applied before it: ${ran.join(", ")}` : ""})`);
            }
            ran.push(m.name);
        }
        return { ran, applied: await readHistory(client) };
    } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    }
}

/**
 * `url` with sslmode meaning what libpq and the postgresql provider take it to mean: node-pg
 * otherwise treats `require` as `verify-full`, and a server whose certificate the operator never
 * asked to verify would be refused by the migrations alone.
 */
export function withLibpqSslModes(url: string): string {
    const u = new URL(url);
    if (!u.searchParams.has("uselibpqcompat")) u.searchParams.set("uselibpqcompat", "true");
    return u.toString();
}

/** Opens a connection to `url`, applies, closes. `pg` is required here so dynamic providers can call this. */
export async function applyMigrationsAt(url: string, files: readonly MigrationFile[], opts: ApplyOptions = {}): Promise<ApplyResult> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client: PgClient } = require("pg") as typeof import("pg");
    const client = new PgClient({ connectionString: withLibpqSslModes(url), application_name: "synter-infra migrations" });
    await client.connect();
    try {
        return await applyMigrations(client, files, opts);
    } finally {
        await client.end();
    }
}
