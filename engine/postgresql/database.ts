// postgresql:index/database:Database = postgresql_database
// (postgresql/resource_postgresql_database.go at ff936b9548c1; line numbers of that file).
// Id: the database's name.
import type { Client } from "pg";
import type { Props } from "../values";
import { fail, grantRoleMembership, lockRole, Pg, quoteIdent, quoteLiteralBody, revokeRoleMembership } from "./client";
import { PG_TYPES } from "./forceNew";
import { bool, Created, hasChange, int, ResourceKind, str } from "./schema";

type Q = Pick<Client, "query">;

async function exec(db: Q, sql: string, what: string): Promise<void> {
    try {
        await db.query(sql);
    } catch (e) {
        throw fail(what, e);
    }
}

/**
 * Runs `fn` with the admin made a member of `owner` (needed to create a database for, or give
 * one to, a role when the admin is not a superuser), holding the admin's role lock meanwhile
 * (createDatabase L126-154, setDBOwner L453-489).
 */
async function asMemberOf<T>(pg: Pg, owner: string, fn: (db: Client) => Promise<T>): Promise<T> {
    if (owner === "") return pg.with(fn);
    const lock = await pg.connect();
    try {
        await lock.query("BEGIN");
        await lockRole(lock, pg.currentUser);
        return await pg.with(async (db) => {
            const granted = await grantRoleMembership(db, owner, pg.currentUser);
            try {
                return await fn(db);
            } finally {
                if (granted) await revokeRoleMembership(db, owner, pg.currentUser);
            }
        });
    } finally {
        await lock.query("ROLLBACK").catch(() => undefined);
        await lock.end().catch(() => undefined);
    }
}

/** An option as upstream writes it: DEFAULT spelled in any case stays the keyword. */
const isDefault = (v: string) => v.toUpperCase() === "DEFAULT";

/** createDatabase (L126-237). */
async function createDatabase(pg: Pg, inputs: Props): Promise<void> {
    const name = str(inputs.name);
    const owner = str(inputs.owner);
    let sql = `CREATE DATABASE ${quoteIdent(name)}`;
    sql += ` OWNER ${quoteIdent(owner !== "" ? owner : pg.currentUser)}`;
    const template = str(inputs.template);
    sql += template === "" ? " TEMPLATE template0" : isDefault(template) ? " TEMPLATE DEFAULT" : ` TEMPLATE ${quoteIdent(template)}`;
    const encoding = str(inputs.encoding);
    sql += encoding === "" ? ` ENCODING 'UTF8'` : isDefault(encoding) ? " ENCODING DEFAULT" : ` ENCODING '${quoteLiteralBody(encoding)}' `;
    // LC_COLLATE and LC_CTYPE only when given: the template's otherwise.
    const collate = str(inputs.lcCollate);
    if (collate !== "") sql += isDefault(collate) ? " LC_COLLATE DEFAULT" : ` LC_COLLATE '${quoteLiteralBody(collate)}' `;
    const ctype = str(inputs.lcCtype);
    if (ctype !== "") sql += isDefault(ctype) ? " LC_CTYPE DEFAULT" : ` LC_CTYPE '${quoteLiteralBody(ctype)}' `;
    const tablespace = str(inputs.tablespaceName);
    if (tablespace !== "") sql += isDefault(tablespace) ? " TABLESPACE DEFAULT" : ` TABLESPACE ${quoteIdent(tablespace)}`;
    if (await pg.supports("dbAllowConnections")) sql += ` ALLOW_CONNECTIONS ${bool(inputs.allowConnections)}`;
    sql += ` CONNECTION LIMIT ${int(inputs.connectionLimit)}`;
    if (await pg.supports("dbIsTemplate")) sql += ` IS_TEMPLATE ${bool(inputs.isTemplate)}`;
    await asMemberOf(pg, owner, (db) => exec(db, sql, `error creating database ${JSON.stringify(name)}`));
}

const COLUMNS_FROM = "FROM pg_catalog.pg_database AS d, pg_catalog.pg_tablespace AS ts WHERE d.datname = $1 AND d.dattablespace = ts.oid";

/** resourcePostgreSQLDatabaseReadImpl (L315-396). */
async function readDatabase(pg: Pg, id: string, state: Props | undefined): Promise<Created | undefined> {
    const allowConns = await pg.supports("dbAllowConnections");
    const isTemplate = await pg.supports("dbIsTemplate");
    return pg.with(async (db) => {
        let row: Record<string, any> | undefined;
        try {
            const r = await db.query(
                `SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba) AS owner, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding, d.datcollate, d.datctype, ts.spcname, d.datconnlimit` +
                    `${allowConns ? ", d.datallowconn" : ""}${isTemplate ? ", d.datistemplate" : ""} ${COLUMNS_FROM}`,
                [id],
            );
            row = r.rows[0];
        } catch (e) {
            throw fail(`error reading database ${id}`, e);
        }
        if (!row) return undefined;
        const outs: Props = {
            name: row.datname,
            owner: row.owner,
            encoding: row.encoding,
            lcCollate: row.datcollate,
            lcCtype: row.datctype,
            tablespaceName: row.spcname,
            connectionLimit: row.datconnlimit,
            // PostgreSQL does not remember a database's template: the state's stands (L367-371).
            template: str(state?.template) || "template0",
            alterObjectOwnership: bool(state?.alterObjectOwnership),
        };
        if (allowConns) outs.allowConnections = row.datallowconn;
        if (isTemplate) outs.isTemplate = row.datistemplate;
        return { id: row.datname, outs };
    });
}

/** doSetDBIsTemplate (L612-623). */
async function setIsTemplate(pg: Pg, db: Q, name: string, isTemplate: boolean): Promise<void> {
    if (!(await pg.supports("dbIsTemplate"))) throw new Error("PostgreSQL client is talking with a server that does not support database IS_TEMPLATE");
    await exec(db, `ALTER DATABASE ${quoteIdent(name)} IS_TEMPLATE ${isTemplate}`, `error updating database IS_TEMPLATE of ${name}`);
}

export const databaseKind: ResourceKind = {
    token: PG_TYPES.database,
    autoName: true,
    inputs: {
        name: { tf: "name", kind: "string", required: true },
        owner: { tf: "owner", kind: "string", computed: true },
        template: { tf: "template", kind: "string", computed: true },
        encoding: { tf: "encoding", kind: "string", computed: true },
        lcCollate: { tf: "lc_collate", kind: "string", computed: true },
        lcCtype: { tf: "lc_ctype", kind: "string", computed: true },
        tablespaceName: { tf: "tablespace_name", kind: "string", computed: true },
        connectionLimit: { tf: "connection_limit", kind: "int", default: -1, atLeast: -1 },
        allowConnections: { tf: "allow_connections", kind: "bool", default: true },
        isTemplate: { tf: "is_template", kind: "bool", computed: true },
        alterObjectOwnership: { tf: "alter_object_ownership", kind: "bool", default: false },
    },

    /** resourcePostgreSQLDatabaseCreate (L116-124). */
    async create(inputs, pg) {
        await createDatabase(pg, inputs);
        const read = await readDatabase(pg, str(inputs.name), inputs);
        if (!read) throw new Error(`database ${str(inputs.name)} was created but cannot be read back`);
        return read;
    },

    read: (id, state, pg) => readDatabase(pg, id, state),

    /** resourcePostgreSQLDatabaseUpdate (L398-430). */
    async update(id, olds, news, pg) {
        const changed = (k: string) => hasChange(databaseKind, olds, news, k);
        const oldName = str(olds.name) || id;
        const name = str(news.name);
        const owner = str(news.owner);
        await pg.with(async (db) => {
            // setDBName (L432-451).
            if (changed("name")) {
                if (name === "") throw new Error("error setting database name to an empty string");
                await exec(db, `ALTER DATABASE ${quoteIdent(oldName)} RENAME TO ${quoteIdent(name)}`, `error updating database name of ${oldName}`);
            }
        });
        // setAlterOwnership (L491-543): objects inside follow a new owner, when asked.
        if ((changed("owner") || changed("alterObjectOwnership")) && owner !== "" && bool(news.alterObjectOwnership)) {
            await pg.tx(async (txn) => {
                await lockRole(txn, pg.currentUser);
                const current = (await txn.query("SELECT rolname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid WHERE datname = current_database()")).rows[0]?.rolname as string;
                if (current === undefined) throw new Error(`could not find database '${name}' while looking for owner`);
                if (current === owner) return;
                const granted = await grantRoleMembership(txn, current, pg.currentUser);
                await exec(txn, `REASSIGN OWNED BY ${quoteIdent(current)} TO ${quoteIdent(owner)}`, `error reassigning objects owned by '${current}'`);
                if (granted) await revokeRoleMembership(txn, current, pg.currentUser);
            }, name);
        }
        // setDBOwner (L453-489).
        if (changed("owner") && owner !== "") {
            await asMemberOf(pg, owner, (db) => exec(db, `ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`, `error updating database OWNER of ${name}`));
        }
        await pg.with(async (db) => {
            // setDBTablespace (L545-564).
            if (changed("tablespaceName")) {
                const t = str(news.tablespaceName);
                const sql = t === "" || isDefault(t) ? `ALTER DATABASE ${quoteIdent(name)} RESET TABLESPACE` : `ALTER DATABASE ${quoteIdent(name)} SET TABLESPACE ${quoteIdent(t)}`;
                await exec(db, sql, `error updating database TABLESPACE of ${name}`);
            }
            // setDBConnLimit (L566-579).
            if (changed("connectionLimit")) {
                await exec(db, `ALTER DATABASE ${quoteIdent(name)} CONNECTION LIMIT = ${int(news.connectionLimit)}`, `error updating database CONNECTION LIMIT of ${name}`);
            }
            // setDBAllowConns (L581-598).
            if (changed("allowConnections")) {
                if (!(await pg.supports("dbAllowConnections"))) throw new Error("PostgreSQL client is talking with a server that does not support database ALLOW_CONNECTIONS");
                await exec(db, `ALTER DATABASE ${quoteIdent(name)} ALLOW_CONNECTIONS ${bool(news.allowConnections)}`, `error updating database ALLOW_CONNECTIONS of ${name}`);
            }
            // setDBIsTemplate (L600-610).
            if (changed("isTemplate")) await setIsTemplate(pg, db, name, bool(news.isTemplate));
        });
        const read = await readDatabase(pg, name, news);
        if (!read) throw new Error(`database ${name} was updated but cannot be read back`);
        return read;
    },

    /** resourcePostgreSQLDatabaseDelete (L239-299). */
    async delete(id, state, pg) {
        const name = str(state.name) || id;
        await asMemberOf(pg, str(state.owner), async (db) => {
            if (bool(state.isTemplate) && (await pg.supports("dbIsTemplate"))) await setIsTemplate(pg, db, name, false);
            // terminateBConnections (L625-645): no new connections, and the open ones ended.
            if (await pg.supports("dbAllowConnections")) await exec(db, `ALTER DATABASE ${quoteIdent(name)} ALLOW_CONNECTIONS false`, `error blocking connections to database ${name}`);
            const pid = (await pg.supports("pid")) ? "pid" : "procpid";
            try {
                await db.query(`SELECT pg_terminate_backend(${pid}) FROM pg_stat_activity WHERE datname = $1 AND ${pid} <> pg_backend_pid()`, [name]);
            } catch (e) {
                throw fail(`error terminating connections to database ${name}`, e);
            }
            const force = (await pg.supports("forceDropDatabase")) ? " WITH ( FORCE )" : "";
            await exec(db, `DROP DATABASE ${quoteIdent(name)}${force}`, `error dropping database ${name}`);
        });
    },
};
