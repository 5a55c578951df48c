// The PostgreSQL side: the auth schema's tables, each on a connection of its own, loaded with
// COPY FROM STDIN inside one transaction that first empties the table. PostgreSQL then computes
// the table's fingerprint itself, in SQL, from its own values, before the transaction commits:
// a table that does not match is rolled back, so it is replaced whole and verified, or left as
// it was.
import { once } from "events";
import type { Client } from "pg";
import { BUCKETS, Fingerprint, type LogicalType, PG_CANONICAL_JSON_FUNCTION, pgCanonicalSql, pgKeyBucketSql, pgRowTextSql, type RawValue, sumValue } from "./canonical";
import { escapeCopy } from "./convert";
import { rowName } from "./plan";
import type { LoadJob, Loaded, Target } from "./target";

export const AUTH_SCHEMA = "auth";

const PG_TYPES: Record<string, LogicalType> = {
    bigint: "INT64", integer: "INT64", smallint: "INT64", numeric: "NUMERIC", "double precision": "FLOAT64", boolean: "BOOL",
    text: "STRING", "character varying": "STRING", character: "STRING", citext: "STRING", inet: "INET", date: "DATE",
    "timestamp with time zone": "TIMESTAMP", "timestamp without time zone": "TIMESTAMP", jsonb: "JSON", json: "JSON",
};

export const quotePg = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function connect(url: string): Promise<Client> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client: PgClient } = require("pg") as typeof import("pg");
    // Every value as PostgreSQL's own text: nothing is parsed on the way out.
    const raw = { getTypeParser: () => (v: string) => v };
    const client: Client = new PgClient({ connectionString: url, application_name: "synter-infra migrate-data", types: raw as any });
    try {
        await client.connect();
    } catch (err: any) {
        const u = new URL(url);
        throw new Error(`cannot connect to the target PostgreSQL ${u.host}${u.pathname}: ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " "));
    }
    // The canonical forms read timestamps in UTC, dates in ISO and doubles at their shortest exact digits.
    await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1");
    return client;
}

export async function openPostgres(url: string): Promise<Target> {
    const client = await connect(url);
    const settings = await client.query("SELECT current_setting('server_version_num')::int AS version, current_setting('server_encoding') AS encoding");
    const { version, encoding } = settings.rows[0];
    const problems = [
        ...(Number(version) < 140000 ? [`the target PostgreSQL is version ${version}: the mover needs 14 or later (exact extract(epoch), trim_scale)`] : []),
        ...(encoding !== "UTF8" ? [`the target database's encoding is ${encoding}: the mover needs UTF8`] : []),
    ];
    if (problems.length) {
        await client.end();
        throw new Error(problems.join("; "));
    }
    const u = new URL(url);
    return {
        label: `postgres ${u.host}${u.pathname}`,
        transactional: true,
        async describe(table) {
            const r = await client.query(
                `SELECT column_name, CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END AS data_type, is_nullable,
                        column_default IS NOT NULL OR is_identity = 'YES' AS has_default
                   FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
                [AUTH_SCHEMA, table],
            );
            if (r.rows.length === 0) return undefined;
            return r.rows.map((c) => {
                const type = PG_TYPES[c.data_type];
                if (!type) throw new Error(`${AUTH_SCHEMA}.${table}.${c.column_name}: PostgreSQL type ${c.data_type} is not one the mover can verify`);
                return { name: c.column_name, type, required: c.is_nullable === "NO", hasDefault: c.has_default === "t", sqlType: c.data_type };
            });
        },
        async references(tables) {
            const r = await client.query(
                `SELECT ch.relname AS t, pa.relname AS ref FROM pg_constraint k
                   JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid JOIN pg_namespace n ON n.oid = ch.relnamespace
                  WHERE k.contype = 'f' AND n.nspname = $1 AND k.conrelid <> k.confrelid`,
                [AUTH_SCHEMA],
            );
            const out = new Map<string, string[]>(tables.map((t) => [t, []]));
            for (const { t, ref } of r.rows) out.set(t, [...(out.get(t) ?? []), ref]);
            return out;
        },
        load: (job) => loadTable(url, job),
        async close() {
            await client.end();
        },
    };
}

async function loadTable(url: string, job: LoadJob): Promise<Loaded> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { from: copyFrom } = require("pg-copy-streams") as typeof import("pg-copy-streams");
    const { plan } = job;
    const table = plan.table;
    const qualified = `${AUTH_SCHEMA}.${quotePg(table)}`;
    const columns = plan.columns;
    const client = await connect(url);
    let open = true;
    const finish = async (sql: "COMMIT" | "ROLLBACK") => {
        if (!open) return;
        open = false;
        try {
            await client.query(sql);
        } finally {
            await client.end().catch(() => undefined);
        }
    };
    let n = 0;
    try {
        await client.query(PG_CANONICAL_JSON_FUNCTION);
        await client.query("BEGIN");
        // Tables whose rows reference this one lose them with the TRUNCATE: the caller reloads them.
        const dependents = await client.query(
            `WITH RECURSIVE refs(oid) AS (
               SELECT conrelid FROM pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass AND conrelid <> $1::regclass
               UNION SELECT c.conrelid FROM pg_constraint c JOIN refs ON c.confrelid = refs.oid WHERE c.contype = 'f')
             SELECT relname FROM refs JOIN pg_class ON pg_class.oid = refs.oid`,
            [qualified],
        );
        await client.query(`TRUNCATE ${qualified} CASCADE`);
        // Indexes of their own (not behind a primary key, unique constraint or foreign key) are
        // built once after the COPY instead of updated row by row: a sorted build is several
        // times cheaper. Only the table's owner may; anyone else loads with them in place.
        const deferred = await client.query(
            `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
              WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT i.indisreplident AND pg_has_role(current_user, t.relowner, 'USAGE')
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
            [qualified],
        );
        for (const { name } of deferred.rows) await client.query(`DROP INDEX ${name}`);
        const copy = client.query(copyFrom(`COPY ${qualified} (${columns.map((c) => quotePg(c.target.name)).join(", ")}) FROM STDIN`));
        let copyError: any;
        const done = new Promise<void>((resolve, reject) => {
            copy.on("finish", resolve);
            copy.on("error", (err) => {
                copyError = err;
                reject(err);
            });
        });
        done.catch(() => undefined);
        const corrupt = job.corrupt;
        let buf = "";
        try {
            for await (const row of job.rows) {
                if (copyError) break;
                n++;
                let line = "";
                try {
                    job.take(row);
                    for (let i = 0; i < columns.length; i++) {
                        const c = columns[i];
                        let v = c.pg(row);
                        if (corrupt) v = corrupt(table, c.target.name, v);
                        line += (i ? "\t" : "") + (v === null ? "\\N" : c.escape ? escapeCopy(c.target.name, v) : v);
                    }
                } catch (err) {
                    throw job.rowError(row, err);
                }
                buf += line + "\n";
                // Whole chunks, not a write per row: each write is a CopyData message.
                if (buf.length >= 65536) {
                    if (!copy.write(buf)) await once(copy, "drain");
                    buf = "";
                }
                if ((n & 8191) === 0) job.onRows(8192);
            }
            if (!copyError) copy.end(buf);
            await done;
        } catch (err: any) {
            // Ours (a row that cannot be written) is the cause; PostgreSQL's answer to the
            // aborted COPY only repeats it.
            const ours = !copyError || err?.named;
            if (!copyError) copy.destroy(err as Error);
            await done.catch(() => undefined);
            throw ours ? err : copyError;
        }
        job.onRows(n & 8191);
        if (deferred.rows.length) await client.query("SET LOCAL maintenance_work_mem = '256MB'");
        for (const { name, def } of deferred.rows) {
            await client.query("SAVEPOINT synter_index");
            try {
                await client.query(def);
            } catch (err: any) {
                await client.query("ROLLBACK TO SAVEPOINT synter_index");
                throw await nameDuplicates(client, job, qualified, name, err);
            }
            await client.query("RELEASE SAVEPOINT synter_index");
        }
        // Ids came from the source: identity sequences continue after the largest, without
        // adding 1 to it (which fails at the BIGINT maximum).
        for (const c of columns.filter((c) => c.target.hasDefault && c.target.type === "INT64")) {
            await client.query(
                `SELECT CASE WHEN x.m IS NULL OR x.m < 1 THEN setval(s, 1, false) ELSE setval(s, x.m, true) END
                   FROM pg_get_serial_sequence($1, $2) AS s, (SELECT max(${quotePg(c.target.name)}) AS m FROM ${qualified}) x WHERE s IS NOT NULL`,
                [qualified, c.target.name],
            );
        }
        const exprs = columns.map((c, i) => `${pgCanonicalSql(c.target, `t.${quotePg(c.target.name)}`)} AS c${i}`);
        const names = columns.map((_, i) => `c${i}`);
        const canonical = `SELECT k.*, encode(sha256(convert_to(${pgRowTextSql(names)}, 'UTF8')), 'hex') AS h
                             FROM ${qualified} t CROSS JOIN LATERAL (SELECT ${exprs.join(", ")} OFFSET 0) k`;
        return {
            rows: n,
            cascaded: dependents.rows.map((r) => r.relname),
            async fingerprint() {
                // One pass, one aggregate: the per-bucket sums are only needed to find a difference.
                const r = await client.query(`SELECT count(*) AS n, sum(('x' || substr(h, 1, 16))::bit(64)::bigint)::text AS s FROM (${canonical}) r`);
                return { rows: Number(r.rows[0].n), value: sumValue(r.rows[0].s) };
            },
            async buckets(key) {
                const fp = new Fingerprint();
                const r = await client.query(
                    `SELECT b, count(*)::int AS n, sum(('x' || substr(h, 1, 16))::bit(64)::bigint)::text AS s
                       FROM (SELECT h, ${pgKeyBucketSql(key.map((i) => names[i]))} AS b FROM (${canonical}) r) x GROUP BY b`,
                );
                for (const row of r.rows) fp.setBucket(Number(row.b), Number(row.n), row.s);
                return fp;
            },
            async *rowsIn(key, buckets) {
                const wanted = [...buckets].filter((b) => b >= 0 && b < BUCKETS);
                const r = await client.query(`SELECT ${names.join(", ")} FROM (${canonical}) r WHERE ${pgKeyBucketSql(key.map((i) => names[i]))} = ANY($1::int[])`, [wanted]);
                for (const row of r.rows) yield names.map((c) => row[c] as string | null);
            },
            commit: () => finish("COMMIT"),
            rollback: () => finish("ROLLBACK"),
        };
    } catch (err: any) {
        await client.query("ROLLBACK").catch(() => undefined);
        const named = !err?.named && err?.code && typeof err.code === "string" && err.severity ? await nameFailure(client, job, err) : err;
        open = false;
        await client.end().catch(() => undefined);
        throw named;
    }
}

/**
 * A PostgreSQL error as the row it is about. COPY names its line (the n-th row sent, found again
 * by key); a foreign key fails at the end of the COPY, so its row is found in the source by the
 * value PostgreSQL's detail names.
 */
async function nameFailure(client: Client, job: LoadJob, err: any): Promise<Error> {
    const { plan } = job;
    const where = /COPY [^,]+, line (\d+)(?:, column ([^:]+): ([\s\S]*))?/.exec(err.where ?? "");
    const key = /^Key \((.+)\)=\(([\s\S]*)\) (is not present in table "(.+)"|already exists)\.$/.exec(err.detail ?? "");
    let row: RawValue[] | undefined;
    let columns: string[] = [];
    let values: (string | null)[] = [];
    if (where) {
        row = await job.rowOnLine(Number(where[1])).catch(() => undefined);
        if (where[2]) {
            columns = [where[2]];
            values = [where[3].replace(/^"([\s\S]*)"$/, "$1")];
        }
    }
    if (key) {
        const cols = key[1].split(", ");
        const vals = key[2].split(", ");
        if (!columns.length) {
            columns = cols.length === vals.length ? cols : [key[1]];
            values = cols.length === vals.length ? vals : [key[2]];
        }
        if (!row && key[4] && cols.length === vals.length) row = await job.rowWith(cols, vals).catch(() => undefined);
    }
    if (!columns.length && err.column) columns = [err.column];
    if (!columns.length && err.constraint) {
        const r = await client
            .query(
                `SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                  WHERE c.conname = $1 AND c.conrelid = $2::regclass ORDER BY a.attnum`,
                [err.constraint, `${AUTH_SCHEMA}.${quotePg(plan.table)}`],
            )
            .catch(() => ({ rows: [] as any[] }));
        columns = r.rows.map((x: any) => x.attname);
    }
    if (row && columns.length && values.length < columns.length) {
        values = columns.map((c) => {
            const i = plan.select.findIndex((s) => s.name.toLowerCase() === c.toLowerCase());
            const v = i >= 0 ? row![i] : undefined;
            return v === undefined || v === null ? null : String(v);
        });
    }
    const show = (v: string | null) => (v === null ? "NULL" : /^-?\d+(\.\d+)?$/.test(v) ? v : JSON.stringify(v));
    const what = columns.length ? `${columns.length > 1 ? "columns" : "column"} ${columns.map((c, i) => `${c} = ${show(values[i] ?? null)}`).join(", ")}` : "";
    const at = row ? `row ${rowName(plan, row)}` : where ? `COPY line ${where[1]} (a table without a key: the row cannot be found again by position)` : "a row not found again in the source";
    const detail = err.detail && !/^Failing row contains/.test(err.detail) ? ` (${err.detail})` : "";
    const e = new Error(`${at}${what ? `: ${what}` : ""}: ${err.message}${detail}`);
    (e as any).named = true;
    return e;
}

/**
 * A unique index that cannot be built after the COPY: the rows that share the key are found in
 * the table itself (the savepoint keeps it readable) by the expression PostgreSQL's detail names.
 */
async function nameDuplicates(client: Client, job: LoadJob, qualified: string, index: string, err: any): Promise<Error> {
    const { plan } = job;
    const key = /^Key \((.+)\)=\(([\s\S]*)\) is duplicated\.$/.exec(err.detail ?? "");
    const keyColumns = plan.key.targetIndexes.filter((i) => i >= 0).map((i) => plan.columns[i].target.name);
    let rows: string[] = [];
    if (key && keyColumns.length && !key[1].includes(", ")) {
        const found = await client
            .query(`SELECT ${keyColumns.map(quotePg).join(", ")} FROM ${qualified} WHERE (${key[1]})::text = $1 ORDER BY 1 LIMIT 5`, [key[2]])
            .catch(() => ({ rows: [] as any[] }));
        rows = found.rows.map((r: any) => {
            const parts = keyColumns.map((c) => `${c}=${r[c] === null ? "NULL" : /^-?\d+(\.\d+)?$/.test(r[c]) ? r[c] : JSON.stringify(r[c])}`);
            return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
        });
    }
    const at = rows.length ? `${rows.length > 1 ? "rows" : "row"} ${rows.join(", ")}` : `index ${index}`;
    const what = key ? `: column ${key[1]} = ${/^-?\d+(\.\d+)?$/.test(key[2]) ? key[2] : JSON.stringify(key[2])}` : "";
    const e = new Error(`${at}${what}: ${err.message}${err.detail ? ` (${err.detail})` : ""}`);
    (e as any).named = true;
    return e;
}
