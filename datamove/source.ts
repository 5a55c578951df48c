// The MySQL / SingleStore side: connect over the normal client protocol, describe tables from
// information_schema, and stream rows with backpressure (the socket pauses while the target
// catches up), so no table is ever held in memory.
import type { Connection } from "mysql2";
import type { SourceColumn } from "./values";

/** A URL safe to print: the password is replaced. */
export function redact(url: string): string {
    try {
        const u = new URL(url);
        if (u.password) u.password = "***";
        return u.toString();
    } catch {
        return "<unparseable URL>";
    }
}

export class SourceError extends Error {}

export interface Source {
    readonly database: string;
    describe(table: string): Promise<SourceColumn[] | undefined>;
    count(table: string): Promise<number>;
    /** Rows as mysql2 returns them with dateStrings / bigNumberStrings / jsonStrings. */
    rows(table: string, columns: readonly string[]): AsyncIterable<Record<string, unknown>>;
    close(): Promise<void>;
}

export async function openSource(url: string): Promise<Source> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mysql = require("mysql2") as typeof import("mysql2");
    const u = new URL(url);
    if (!/^(mysql|mariadb|singlestore):$/.test(u.protocol)) throw new SourceError(`--source ${redact(url)}: expected a mysql:// URL`);
    const database = decodeURIComponent(u.pathname.slice(1));
    if (!database) throw new SourceError(`--source ${redact(url)}: name the database in the URL path`);
    const conn: Connection = mysql.createConnection({
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database,
        charset: "utf8mb4",
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        jsonStrings: true,
        connectTimeout: 10_000,
        ssl: u.searchParams.get("ssl") === "true" ? {} : undefined,
    });
    const q = <T = any>(sql: string, params: unknown[] = []) =>
        new Promise<T>((resolve, reject) => conn.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T))));
    try {
        await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
        // TIMESTAMP columns then arrive in UTC; DATETIME has no zone and is read at --datetime-offset.
        await q("SET time_zone = '+00:00'");
    } catch (err: any) {
        conn.destroy();
        throw new SourceError(`cannot connect to the source ${redact(url)}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " ").trim());
    }
    const quote = (name: string) => "`" + name.replace(/`/g, "``") + "`";
    return {
        database,
        async describe(table) {
            const rows = await q<any[]>(
                "SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                [database, table],
            );
            return rows.length ? rows.map((r) => ({ name: r.name, dataType: String(r.dataType).toLowerCase() })) : undefined;
        },
        async count(table) {
            const rows = await q<any[]>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
            return Number(rows[0].n);
        },
        rows(table, columns) {
            const stream = conn.query(`SELECT ${columns.map(quote).join(", ")} FROM ${quote(table)}`).stream({ highWaterMark: 1000 });
            return stream as unknown as AsyncIterable<Record<string, unknown>>;
        },
        async close() {
            // A query abandoned mid-stream keeps the connection busy: end politely, then cut it.
            await Promise.race([new Promise<void>((resolve) => conn.end(() => resolve())), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
            conn.destroy();
        },
    };
}
