// Shared set-up for the data move: a fresh source database on the MariaDB with the legacy
// layout, a fresh PostgreSQL database with the auth schema applied, and a BigQuery fake whose
// analytics tables carry the catalogue's schemas.
import * as fs from "fs";
import * as path from "path";
import { ANALYTICS_TABLES, toBigQueryFields } from "../../components/analytics";
import { applyMigrationsAt, readMigrations } from "../../components/postgres";
import { PROJECT_ROOT } from "../../plan/runtime";
import type { BigQueryFake } from "./bigqueryFake";
import { freshDatabase } from "./postgres";

export const SOURCE_SCHEMA = path.join(PROJECT_ROOT, "test", "fixtures", "mysql", "source.sql");

/** Runs statements on the MariaDB (one connection, multiple statements, zero dates allowed). */
export async function mysqlExec(url: string, sql: string, params: unknown[] = []): Promise<any> {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection({ uri: url, multipleStatements: true, charset: "utf8mb4", dateStrings: true, bigNumberStrings: true, supportBigNumbers: true });
    try {
        await conn.query("SET SESSION sql_mode = ''");
        const [rows] = await conn.query(sql, params);
        return rows;
    } finally {
        await conn.end();
    }
}

/** A new source database with the legacy tables, empty; returns its URL. */
export async function freshSource(serverUrl: string): Promise<string> {
    const name = `src_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
    await mysqlExec(serverUrl, `CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    const url = `${serverUrl.replace(/\/$/, "")}/${name}`;
    await mysqlExec(url, fs.readFileSync(SOURCE_SCHEMA, "utf8"));
    return url;
}

/** A new PostgreSQL database with the stack's migrations applied; returns its URL. */
export async function freshAuthDatabase(serverUrl: string): Promise<string> {
    const url = await freshDatabase(serverUrl, "move");
    await applyMigrationsAt(url, readMigrations());
    return url;
}

/** Creates the analytics tables in the fake, as `pulumi up` would. */
export function seedAnalyticsTables(fake: BigQueryFake, project: string, dataset: string): void {
    for (const t of ANALYTICS_TABLES) fake.tables.set(`${project}.${dataset}.${t.name}`, { type: "TABLE", rows: 0, schema: toBigQueryFields(t.columns) as any, data: [] });
}
