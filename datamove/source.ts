// The MySQL / SingleStore side: connect over the normal client protocol, describe tables from
// information_schema, and stream rows in primary-key order with backpressure (the socket pauses
// while the target catches up), so no table is ever held in memory. Every value arrives as the
// server's own text: nothing is parsed into a JavaScript number or date on the way in.
import type { Connection, ConnectionOptions } from "mysql2";
import { type RawValue, type SourceColumn, sourceKind } from "./canonical";

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

export interface SourceTable {
    readonly columns: SourceColumn[];
    /** The primary key, else a unique key of NOT NULL columns, else empty (rows are then named by all their values). */
    readonly key: string[];
}

/** A streamed SELECT: rows as arrays of raw values, in the order of the columns asked for. */
export interface RowStream extends AsyncIterable<RawValue[]> {
    close(): Promise<void>;
}

export interface Source {
    readonly database: string;
    describe(table: string): Promise<SourceTable | undefined>;
    count(table: string): Promise<number>;
    /** Rows of `columns`, ordered by `orderBy`, on a connection of their own. */
    rows(table: string, columns: readonly SourceColumn[], orderBy: readonly string[]): Promise<RowStream>;
    /** At most `limit` rows matching `where` (column = text), ordered by `orderBy`: for naming rows in errors. */
    find(table: string, columns: readonly SourceColumn[], where: readonly [string, string][], orderBy: readonly string[], limit: number): Promise<RawValue[][]>;
    /** The row at 0-based `offset` in `orderBy` order. */
    rowAt(table: string, columns: readonly SourceColumn[], orderBy: readonly string[], offset: number): Promise<RawValue[] | undefined>;
    close(): Promise<void>;
}

export const quoteMysql = (name: string) => "`" + name.replace(/`/g, "``") + "`";

function connectionOptions(url: string): { options: ConnectionOptions; database: string } {
    const u = new URL(url);
    if (!/^(mysql|mariadb|singlestore):$/.test(u.protocol)) throw new SourceError(`--source ${redact(url)}: expected a mysql:// URL`);
    const database = decodeURIComponent(u.pathname.slice(1));
    if (!database) throw new SourceError(`--source ${redact(url)}: name the database in the URL path`);
    return {
        database,
        options: {
            host: u.hostname,
            port: Number(u.port || 3306),
            user: decodeURIComponent(u.username),
            password: decodeURIComponent(u.password),
            database,
            charset: "utf8mb4",
            connectTimeout: 10_000,
            ssl: u.searchParams.get("ssl") === "true" ? {} : undefined,
        },
    };
}

async function connect(url: string): Promise<Connection> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mysql = require("mysql2") as typeof import("mysql2");
    const { options } = connectionOptions(url);
    const conn = mysql.createConnection(options);
    // A connection lost between queries is reported by the next query, not as a crash.
    conn.on("error", () => undefined);
    try {
        await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
        // TIMESTAMP columns then arrive in UTC; DATETIME has no zone and is read at --datetime-offset.
        await new Promise<void>((resolve, reject) => conn.query("SET time_zone = '+00:00'", (err) => (err ? reject(err) : resolve())));
    } catch (err: any) {
        conn.destroy();
        throw new SourceError(`cannot connect to the source ${redact(url)}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " ").trim());
    }
    return conn;
}

async function end(conn: Connection): Promise<void> {
    // A query abandoned mid-stream keeps the connection busy: end politely, then cut it.
    await Promise.race([new Promise<void>((resolve) => conn.end(() => resolve())), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    conn.destroy();
}

/** Every value as the server's text (binary columns as bytes): no driver-side parsing. */
function rawTypeCast(columns: readonly SourceColumn[]) {
    const binary = new Set(columns.filter((c) => c.kind === "binary").map((c) => c.name));
    return (field: any) => (binary.has(field.name) ? field.buffer() : field.string("utf8"));
}

export async function openSource(url: string): Promise<Source> {
    const { database } = connectionOptions(url);
    const conn = await connect(url);
    const q = <T = any>(sql: string, params: unknown[] = []) =>
        new Promise<T>((resolve, reject) => conn.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T))));
    const select = (columns: readonly SourceColumn[]) => columns.map((c) => quoteMysql(c.name)).join(", ");
    const order = (orderBy: readonly string[]) => (orderBy.length ? ` ORDER BY ${orderBy.map(quoteMysql).join(", ")}` : "");
    const rawQuery = (sql: string, params: unknown[], columns: readonly SourceColumn[]) =>
        new Promise<RawValue[][]>((resolve, reject) =>
            conn.query({ sql, values: params, rowsAsArray: true, typeCast: rawTypeCast(columns) }, (err, rows) => (err ? reject(err) : resolve(rows as unknown as RawValue[][]))),
        );
    return {
        database,
        async describe(table) {
            const rows = await q<any[]>(
                `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable
                   FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
                [database, table],
            );
            if (!rows.length) return undefined;
            const columns = rows.map((r) => {
                const dataType = String(r.dataType).toLowerCase();
                const columnType = String(r.columnType).toLowerCase();
                return { name: String(r.name), dataType, columnType, kind: sourceKind(dataType, columnType) };
            });
            const notNull = new Set(rows.filter((r) => r.nullable === "NO").map((r) => String(r.name)));
            const indexes = await q<any[]>(
                `SELECT INDEX_NAME AS idx, COLUMN_NAME AS col FROM information_schema.STATISTICS
                  WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
                [database, table],
            );
            const byIndex = new Map<string, string[]>();
            for (const r of indexes) byIndex.set(r.idx, [...(byIndex.get(r.idx) ?? []), String(r.col)]);
            const key = [...byIndex.values()].find((cols) => cols.every((c) => notNull.has(c))) ?? [];
            return { columns, key };
        },
        async count(table) {
            const rows = await q<any[]>(`SELECT COUNT(*) AS n FROM ${quoteMysql(table)}`);
            return Number(rows[0].n);
        },
        async rows(table, columns, orderBy) {
            const own = await connect(url);
            const stream = own
                .query({ sql: `SELECT ${select(columns)} FROM ${quoteMysql(table)}${order(orderBy)}`, rowsAsArray: true, typeCast: rawTypeCast(columns) })
                .stream({ highWaterMark: 2000 });
            return {
                [Symbol.asyncIterator]: () => (stream as unknown as AsyncIterable<RawValue[]>)[Symbol.asyncIterator](),
                close: async () => {
                    stream.destroy();
                    await end(own);
                },
            };
        },
        async find(table, columns, where, orderBy, limit) {
            const cond = where.map(([c]) => `${quoteMysql(c)} = ?`).join(" AND ");
            return rawQuery(`SELECT ${select(columns)} FROM ${quoteMysql(table)} WHERE ${cond}${order(orderBy)} LIMIT ${Number(limit)}`, where.map(([, v]) => v), columns);
        },
        async rowAt(table, columns, orderBy, offset) {
            const rows = await rawQuery(`SELECT ${select(columns)} FROM ${quoteMysql(table)}${order(orderBy)} LIMIT 1 OFFSET ${Number(offset)}`, [], columns);
            return rows[0];
        },
        async close() {
            await end(conn);
        },
    };
}
