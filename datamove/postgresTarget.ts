// The PostgreSQL side: the auth schema's tables, loaded with COPY FROM STDIN inside one
// transaction per table (a failure leaves the table as it was), then read back with a cursor
// to compute the same checksum the source side computed.
import type { Client } from "pg";
import type { Target } from "./target";
import { ConversionError, copyText, LogicalType, normalizeDecimal, TableChecksum, TargetColumn } from "./values";

export const AUTH_SCHEMA = "auth";

const PG_TYPES: Record<string, LogicalType> = {
    bigint: "INT64", integer: "INT64", smallint: "INT64", numeric: "NUMERIC", "double precision": "FLOAT64", real: "FLOAT64",
    boolean: "BOOL", text: "STRING", "character varying": "STRING", character: "STRING", inet: "STRING", uuid: "STRING", citext: "STRING",
    date: "DATE", "timestamp with time zone": "TIMESTAMP", "timestamp without time zone": "TIMESTAMP", jsonb: "JSON", json: "JSON",
};

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Microseconds since the epoch of PostgreSQL's text form of a timestamptz in UTC ("2026-01-05 10:00:00.5+00"). */
export function pgTimestampMicros(text: string): bigint {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2})?(?::?(\d{2}))?$/.exec(text);
    if (!m) throw new Error(`unexpected timestamp text from PostgreSQL: ${text}`);
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    const offsetMinutes = m[8] ? Math.sign(Number(m[8] + "1")) * (Math.abs(Number(m[8])) * 60 + Number(m[9] ?? 0)) : 0;
    return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1000n + BigInt((m[7] ?? "").padEnd(6, "0"));
}

/** A value PostgreSQL returned as text, as the logical value the checksum expects. */
function fromPgText(c: TargetColumn, raw: string | null): unknown {
    if (raw === null) return null;
    switch (c.type) {
        case "INT64":
            return BigInt(raw).toString();
        case "NUMERIC":
            return normalizeDecimal(raw);
        case "FLOAT64":
            return Number(raw);
        case "BOOL":
            return raw === "t";
        case "TIMESTAMP":
            return pgTimestampMicros(raw);
        case "JSON":
            return JSON.parse(raw);
        default:
            return raw;
    }
}

export interface PostgresTarget extends Target {
    /** TRUNCATE … CASCADE, COPY and identity reset in one transaction; `cascaded` names the tables the TRUNCATE emptied too. */
    load(table: string, columns: readonly TargetColumn[], rows: AsyncIterable<Record<string, unknown>>, onRows: (n: number) => void): Promise<{ rows: number; cascaded: string[] }>;
    close(): Promise<void>;
}

export async function openPostgres(url: string): Promise<PostgresTarget> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client: PgClient } = require("pg") as typeof import("pg");
    // Every value as PostgreSQL's text: exact for int8, numeric and microsecond timestamps.
    const raw = { getTypeParser: () => (v: string) => v };
    const client: Client = new PgClient({ connectionString: url, application_name: "synter-infra migrate-data", types: raw as any });
    try {
        await client.connect();
    } catch (err: any) {
        throw new Error(`cannot connect to the target PostgreSQL ${new URL(url).host}${new URL(url).pathname}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " "));
    }
    await client.query("SET TimeZone = 'UTC'");
    const target = `${new URL(url).host}${new URL(url).pathname}`;
    return {
        label: `postgres ${target}`,
        async describe(table) {
            const r = await client.query(
                `SELECT column_name, data_type, is_nullable, column_default IS NOT NULL OR is_identity = 'YES' AS has_default
                   FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
                [AUTH_SCHEMA, table],
            );
            if (r.rows.length === 0) return undefined;
            // Every value arrives as PostgreSQL's text (see `raw` above): booleans are "t" / "f".
            return r.rows.map((c) => {
                const type = PG_TYPES[c.data_type];
                if (!type) throw new Error(`${AUTH_SCHEMA}.${table}.${c.column_name}: PostgreSQL type ${c.data_type} is not supported by the mover`);
                return { name: c.column_name, type, required: c.is_nullable === "NO", hasDefault: c.has_default === "t" };
            });
        },
        async load(table, columns, rows, onRows) {
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            const { from: copyFrom } = require("pg-copy-streams") as typeof import("pg-copy-streams");
            const qualified = `${AUTH_SCHEMA}.${q(table)}`;
            await client.query("BEGIN");
            let n = 0;
            try {
                // Tables whose rows reference this one lose them with the TRUNCATE: the caller reloads them.
                const dependents = await client.query(
                    `WITH RECURSIVE refs(oid) AS (
                       SELECT conrelid FROM pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass AND conrelid <> $1::regclass
                       UNION SELECT c.conrelid FROM pg_constraint c JOIN refs ON c.confrelid = refs.oid WHERE c.contype = 'f')
                     SELECT relname FROM refs JOIN pg_class ON pg_class.oid = refs.oid`,
                    [qualified],
                );
                await client.query(`TRUNCATE ${qualified} CASCADE`);
                const copy = client.query(copyFrom(`COPY ${qualified} (${columns.map((c) => q(c.name)).join(", ")}) FROM STDIN`));
                const done = new Promise<void>((resolve, reject) => {
                    copy.on("finish", resolve);
                    copy.on("error", reject);
                });
                try {
                    for await (const row of rows) {
                        n++;
                        let line: string;
                        try {
                            line = columns.map((c) => copyText(c, row[c.name])).join("\t") + "\n";
                        } catch (err: any) {
                            throw new ConversionError(`row ${n}: ${err.message}`);
                        }
                        if (!copy.write(line)) await new Promise((r) => copy.once("drain", r));
                        if (n % 10_000 === 0) onRows(10_000);
                    }
                    copy.end();
                    await done;
                } catch (err) {
                    copy.destroy(err as Error);
                    await done.catch(() => undefined);
                    throw err;
                }
                onRows(n % 10_000);
                // Ids came from the source: move identity sequences past them.
                for (const c of columns.filter((c) => c.hasDefault && c.type === "INT64")) {
                    await client.query(
                        `SELECT setval(s, COALESCE((SELECT MAX(${q(c.name)}) FROM ${qualified}), 0) + 1, false) FROM pg_get_serial_sequence($1, $2) AS s WHERE s IS NOT NULL`,
                        [qualified, c.name],
                    );
                }
                await client.query("COMMIT");
                return { rows: n, cascaded: dependents.rows.map((r) => r.relname) };
            } catch (err: any) {
                await client.query("ROLLBACK").catch(() => undefined);
                // COPY names the line it failed on, which is the source row of the same number.
                const where = /COPY [^,]+, line (\d+)(?:, column (\w+))?/.exec(err?.where ?? "");
                if (where) throw new ConversionError(`row ${where[1]}${where[2] ? `, column ${where[2]}` : ""}: ${err.message}`);
                throw err;
            }
        },
        async checksum(table, columns) {
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            const Cursor = require("pg-cursor") as typeof import("pg-cursor");
            const sum = new TableChecksum();
            const cursor = client.query(new Cursor(`SELECT ${columns.map((c) => q(c.name)).join(", ")} FROM ${AUTH_SCHEMA}.${q(table)}`));
            try {
                for (;;) {
                    const batch: Record<string, string | null>[] = await cursor.read(5000);
                    if (batch.length === 0) break;
                    for (const r of batch) sum.add(columns, Object.fromEntries(columns.map((c) => [c.name, fromPgText(c, r[c.name])])));
                }
            } finally {
                await cursor.close();
            }
            return sum;
        },
        async close() {
            await client.end();
        },
    };
}

