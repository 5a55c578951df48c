// Shared set-up for the data move: a fresh source database on the MariaDB with the legacy
// layout, a fresh PostgreSQL database with the auth schema applied, and the local warehouse
// holding the catalogue's analytics tables.
import * as fs from "fs";
import * as path from "path";
import { ANALYTICS_TABLES } from "../../components/analytics";
import { applyMigrationsAt, readMigrations } from "../../components/postgres";
import { PROJECT_ROOT } from "../../lib/root";
import { createCatalogueTable } from "../../servers/warehouse";
import type { LocalWarehouse } from "../../warehouse";
import { freshDatabase } from "./postgres";

export const SOURCE_SCHEMA = path.join(PROJECT_ROOT, "test", "fixtures", "mysql", "source.sql");

/** Runs statements on the MariaDB (one connection, multiple statements, zero dates allowed). */
export async function mysqlExec(url: string, sql: string, params: unknown[] = []): Promise<any> {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection({ uri: url, multipleStatements: true, charset: "utf8mb4", dateStrings: true, bigNumberStrings: true, supportBigNumbers: true });
    try {
        await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
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

/** Creates the analytics tables in the warehouse, empty, as `pulumi up` would. */
export async function seedAnalyticsTables(warehouse: LocalWarehouse, project: string, dataset: string): Promise<void> {
    for (const t of ANALYTICS_TABLES) await createCatalogueTable(warehouse, project, dataset, t);
}

/** Rows of a query on a PostgreSQL database, every value as PostgreSQL's text. */
export async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<any[]> {
    const { Client } = await import("pg");
    const c = new Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } as any });
    await c.connect();
    try {
        await c.query("SET TimeZone = 'UTC'");
        return (await c.query(sql, params)).rows;
    } finally {
        await c.end();
    }
}

export const TRICKY = 'Ünïcödé, "quoted", comma, tab\tnewline\nback\\slash 😀 𝔘';

/** One or two rows in every legacy table: NULLs, 4-byte UTF-8, quotes, tabs, newlines, backslashes. */
export async function seedSource(mysql: (sql: string, params?: unknown[]) => Promise<any>): Promise<void> {
    await mysql(
        `INSERT INTO users (id, email, password_hash, display_name, is_active, created_at, updated_at, last_login_at) VALUES
           (1, 'Ana@Example.com', 'h1', ?, 1, '2025-01-02 03:04:05.123456', '2025-06-01 00:00:00.5', '2025-06-02 08:00:00'),
           (2, 'bo@example.com', NULL, NULL, 0, '2025-01-03 00:00:00', '2025-06-01 00:00:00', NULL),
           (7, 'cy@example.com', 'h3', 'Cy', 2, '2025-01-04 00:00:00', '2025-06-01 00:00:00', NULL);
         INSERT INTO sessions (id, user_id, token, created_at, expires_at, last_seen_at, user_agent, ip_address) VALUES
           (10, 1, 'tok-a', '2025-06-01 00:00:00', '2025-07-01 00:00:00', NULL, ?, '203.0.113.7'),
           (11, 7, 'tok-b', '2025-06-01 00:00:00', '2025-07-01 00:00:00', '2025-06-05 12:00:00', NULL, NULL);
         INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) VALUES
           (3, 1, 'default', '{"channels": ["search", "social"], "max_cpc": 1.25, "note": "a, \\\\"b\\\\""}', '2025-06-01 00:00:00', '2025-06-01 00:00:00');
         INSERT INTO events VALUES
           ('e1', 'signup', '2025-06-01 10:00:00.000001', 'google', 'c1', 'u1', 's1', '{"path": "/start", "utm": {"source": "g"}}'),
           ('e2', 'page_view', '2025-06-01 10:00:01', NULL, NULL, NULL, NULL, NULL),
           ('e3', 'purchase', '2025-06-02 23:59:59.999999', 'meta', 'c2', 'u2', NULL, '[1, 2.50, 3]');
         INSERT INTO ad_metrics VALUES
           ('2025-06-01', 'google', 'c1', 'g1', 1000, 50, 123.456789, 'USD', '2025-06-02 00:00:00'),
           ('2025-06-01', 'meta', 'c2', NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO conversions VALUES
           ('v1', '2025-06-01 11:00:00', 'signup', 'google', 'c1', 'u1', 30.00, 'USD', 'last_click', 0.9, '2025-06-02 00:00:00'),
           ('v2', '2025-06-01 12:00:00', 'purchase', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO touchpoints VALUES
           ('t1', '2025-06-01 09:00:00', 'u1', 'google', 'c1', 'paid_search', 1, 0.3, '2025-06-02 00:00:00');`,
        [TRICKY, TRICKY],
    );
}
