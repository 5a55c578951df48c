// postgresql:index/role:Role = postgresql_role (postgresql/resource_postgresql_role.go at
// ff936b9548c1; line numbers of that file). Id: the role's name.
import { createHash } from "crypto";
import type { Client } from "pg";
import type { Props } from "../values";
import { fail, isSuperuser, lockRole, Pg, quoteIdent, quoteLiteralBody, withRolesGranted } from "./client";
import { PG_TYPES } from "./forceNew";
import { bool, Created, hasChange, int, ResourceKind, str, strings } from "./schema";

type Q = Pick<Client, "query">;

const BOOL_OPTIONS: readonly (readonly [string, string, string])[] = [
    ["superuser", "SUPERUSER", "NOSUPERUSER"],
    ["createDatabase", "CREATEDB", "NOCREATEDB"],
    ["createRole", "CREATEROLE", "NOCREATEROLE"],
    ["inherit", "INHERIT", "NOINHERIT"],
    ["login", "LOGIN", "NOLOGIN"],
];

// setRoleCreateDB ... setRoleSuperuser (L854-966), in upstream's order.
const UPDATE_OPTIONS: readonly (readonly [string, string, string])[] = [
    ["createDatabase", "CREATEDB", "NOCREATEDB"],
    ["createRole", "CREATEROLE", "NOCREATEROLE"],
    ["inherit", "INHERIT", "NOINHERIT"],
    ["login", "LOGIN", "NOLOGIN"],
    ["replication", "REPLICATION", "NOREPLICATION"],
    ["superuser", "SUPERUSER", "NOSUPERUSER"],
];

async function exec(db: Q, sql: string, what: string): Promise<void> {
    try {
        await db.query(sql);
    } catch (e) {
        throw fail(what, e);
    }
}

/** grantRoles (L1031-1043). */
async function grantRoles(txn: Q, role: string, roles: string[]): Promise<void> {
    for (const r of roles) await exec(txn, `GRANT ${quoteIdent(r)} TO ${quoteIdent(role)}`, `could not grant role ${r} to ${role}`);
}

/** revokeRoles (L989-1029): every membership of the role, whoever granted it. */
async function revokeRoles(txn: Q, role: string): Promise<void> {
    let granted: string[];
    try {
        const r = await txn.query(
            `SELECT pg_get_userbyid(roleid)::text AS r FROM pg_catalog.pg_auth_members members JOIN pg_catalog.pg_roles ON members.member = pg_roles.oid WHERE rolname = $1`,
            [role],
        );
        granted = r.rows.map((x) => x.r as string);
    } catch (e) {
        throw fail(`could not get roles list for role ${role}`, e);
    }
    for (const g of granted) await exec(txn, `REVOKE ${quoteIdent(g)} FROM ${quoteIdent(role)}`, `could not revoke role ${g} from ${role}`);
}

/** alterSearchPath (L1045-1070): run on create and on every update. */
async function alterSearchPath(txn: Q, role: string, searchPath: string[]): Promise<void> {
    for (const p of searchPath) if (p.includes(", ")) throw new Error(`search_path cannot contain \`, \`: ${p}`);
    const value = searchPath.length > 0 ? searchPath.map(quoteIdent).join(", ") : "DEFAULT";
    await exec(txn, `ALTER ROLE ${quoteIdent(role)} SET search_path TO ${value}`, `could not set search_path ${value} for ${role}`);
}

/** setStatementTimeout / setIdleInTransactionSessionTimeout (L1072-1120). */
async function setRoleTimeout(txn: Q, role: string, setting: string, ms: number): Promise<void> {
    if (ms !== 0) await exec(txn, `ALTER ROLE ${quoteIdent(role)} SET ${setting} TO ${ms}`, `could not set ${setting} ${ms} for ${role}`);
    else await exec(txn, `ALTER ROLE ${quoteIdent(role)} RESET ${setting}`, `could not reset ${setting} for ${role}`);
}

/** setAssumeRole (L1122-1145). */
async function setAssumeRole(txn: Q, role: string, assume: string): Promise<void> {
    if (assume !== "") await exec(txn, `ALTER ROLE ${quoteIdent(role)} SET ROLE TO ${quoteIdent(assume)}`, `could not set role ${assume} for ${role}`);
    else await exec(txn, `ALTER ROLE ${quoteIdent(role)} RESET ROLE`, `could not reset role for ${role}`);
}

/** A setting of rolconfig ("name=value"), by its prefix as upstream matches it (L548-608). */
function configValue(config: string[], prefix: string): string | undefined {
    const hit = config.find((c) => c.startsWith(prefix));
    return hit === undefined ? undefined : hit.slice(prefix.length + 1);
}

/** readSearchPath (L548-560). */
function readSearchPath(config: string[]): string[] {
    const v = configValue(config, "search_path");
    return v === undefined ? [] : v.split(", ").map((p) => p.replace(/^"+|"+$/g, ""));
}

function readTimeout(config: string[], setting: string): number {
    const v = configValue(config, setting);
    if (v === undefined) return 0;
    const n = Number(v.split(", ")[0]);
    if (!Number.isInteger(n)) throw new Error(`error reading ${setting}: ${v} is not a number of milliseconds`);
    return n;
}

/** readAssumeRole (L598-608): the last setting starting with "role". */
function readAssumeRole(config: string[]): string {
    let res = "";
    for (const c of config) if (c.startsWith("role")) res = c.slice("role=".length);
    return res;
}

/**
 * readRolePassword (L612-669): the state's password, unless the provider is told its admin is a
 * superuser and the role can log in; then pg_shadow's, or the state's when that one hashes to it.
 */
async function readRolePassword(pg: Pg, db: Q, name: string, statePassword: string, canLogin: boolean): Promise<string> {
    if (!canLogin || !pg.config.superuser) return statePassword;
    if (!(await isSuperuser(db, pg.currentUser))) {
        throw new Error(
            `could not read role password from Postgres as connected user ${pg.currentUser} is not a SUPERUSER. You can set \`superuser = false\` in the provider configuration so it will not try to read the password from Postgres`,
        );
    }
    let stored: string;
    try {
        const r = await db.query("SELECT COALESCE(passwd, '') AS p FROM pg_catalog.pg_shadow AS s WHERE s.usename = $1", [name]);
        if (r.rowCount === 0) return "";
        stored = r.rows[0].p;
    } catch (e) {
        throw fail("error reading role", e);
    }
    if (statePassword !== "" && !statePassword.startsWith("md5") && !statePassword.startsWith("SCRAM-SHA-256")) {
        if (stored.startsWith("md5") && stored === "md5" + createHash("md5").update(statePassword + name).digest("hex")) return statePassword;
        if (stored.startsWith("SCRAM-SHA-256")) return statePassword;
    }
    return stored;
}

/** resourcePostgreSQLRoleReadImpl (L442-544). */
async function readRole(pg: Pg, id: string, state: Props | undefined): Promise<Created | undefined> {
    const replication = await pg.supports("replication");
    const rls = await pg.supports("rls");
    return pg.with(async (db) => {
        const columns = [
            "rolname",
            "rolsuper",
            "rolinherit",
            "rolcreaterole",
            "rolcreatedb",
            "rolcanlogin",
            "rolconnlimit",
            "COALESCE(rolvaliduntil::TEXT, 'infinity') AS rolvaliduntil",
            "COALESCE(rolconfig, '{}')::text[] AS rolconfig",
            ...(replication ? ["rolreplication"] : []),
            ...(rls ? ["rolbypassrls"] : []),
        ];
        let row: Record<string, any> | undefined;
        try {
            const r = await db.query(
                `SELECT ARRAY(SELECT pg_get_userbyid(roleid)::text FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid) AS roles, ${columns.join(", ")} FROM pg_catalog.pg_roles WHERE rolname=$1`,
                [id],
            );
            row = r.rows[0];
        } catch (e) {
            throw fail(`error reading ROLE ${id}`, e);
        }
        if (!row) return undefined;
        const config = row.rolconfig as string[];
        const outs: Props = {
            name: row.rolname,
            connectionLimit: row.rolconnlimit,
            createDatabase: row.rolcreatedb,
            createRole: row.rolcreaterole,
            encryptedPassword: true,
            inherit: row.rolinherit,
            login: row.rolcanlogin,
            skipDropRole: bool(state?.skipDropRole),
            skipReassignOwned: bool(state?.skipReassignOwned),
            superuser: row.rolsuper,
            validUntil: row.rolvaliduntil,
            replication: row.rolreplication === true,
            bypassRowLevelSecurity: row.rolbypassrls === true,
            roles: [...(row.roles as string[])].sort(),
            searchPaths: readSearchPath(config),
            assumeRole: readAssumeRole(config),
            statementTimeout: readTimeout(config, "statement_timeout"),
            idleInTransactionSessionTimeout: readTimeout(config, "idle_in_transaction_session_timeout"),
        };
        if (str(state?.password) !== "") outs.password = await readRolePassword(pg, db, row.rolname, str(state?.password), row.rolcanlogin);
        return { id: row.rolname, outs };
    });
}

export const roleKind: ResourceKind = {
    token: PG_TYPES.role,
    autoName: true,
    secretOutputs: ["password"],
    inputs: {
        name: { tf: "name", kind: "string", required: true },
        password: { tf: "password", kind: "string" },
        roles: { tf: "roles", kind: "stringSet" },
        searchPaths: { tf: "search_path", kind: "stringList" },
        encryptedPassword: { tf: "encrypted_password", kind: "bool", default: true },
        validUntil: { tf: "valid_until", kind: "string", default: "infinity" },
        connectionLimit: { tf: "connection_limit", kind: "int", default: -1, atLeast: -1 },
        superuser: { tf: "superuser", kind: "bool", default: false },
        createDatabase: { tf: "create_database", kind: "bool", default: false },
        createRole: { tf: "create_role", kind: "bool", default: false },
        idleInTransactionSessionTimeout: { tf: "idle_in_transaction_session_timeout", kind: "int", atLeast: 0 },
        inherit: { tf: "inherit", kind: "bool", default: true },
        login: { tf: "login", kind: "bool", default: false },
        replication: { tf: "replication", kind: "bool", default: false },
        bypassRowLevelSecurity: { tf: "bypass_row_level_security", kind: "bool", default: false },
        skipDropRole: { tf: "skip_drop_role", kind: "bool", default: false },
        skipReassignOwned: { tf: "skip_reassign_owned", kind: "bool", default: false },
        statementTimeout: { tf: "statement_timeout", kind: "int", atLeast: 0 },
        assumeRole: { tf: "assume_role", kind: "string" },
    },
    refused: {
        passwordWo: "write-only passwords are not kept by the stand-in; use password",
        passwordWoVersion: "write-only passwords are not kept by the stand-in; use password",
        encrypted: "deprecated and without effect upstream; use encryptedPassword",
    },

    /** resourcePostgreSQLRoleCreate (L200-380). */
    async create(inputs, pg) {
        const name = str(inputs.name);
        const opts: string[] = [];
        const password = str(inputs.password);
        if (password !== "") {
            if (password.toUpperCase() === "NULL") opts.push("PASSWORD NULL");
            else opts.push(inputs.encryptedPassword === false ? "UNENCRYPTED" : "ENCRYPTED", `PASSWORD '${quoteLiteralBody(password)}'`);
        }
        const validUntil = str(inputs.validUntil);
        if (validUntil !== "") opts.push(validUntil.toLowerCase() === "infinity" ? "VALID UNTIL 'infinity'" : `VALID UNTIL '${quoteLiteralBody(validUntil)}'`);
        opts.push(`CONNECTION LIMIT ${int(inputs.connectionLimit)}`);
        const bools = [...BOOL_OPTIONS];
        if (await pg.supports("rls")) bools.push(["bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS"]);
        if (await pg.supports("replication")) bools.push(["replication", "REPLICATION", "NOREPLICATION"]);
        for (const [k, yes, no] of bools) opts.push(bool(inputs[k]) ? yes : no);
        const withKeyword = (await pg.supports("createRoleWith")) ? " WITH " : " ";
        await pg.tx(async (txn) => {
            await exec(txn, `CREATE ROLE ${quoteIdent(name)}${withKeyword}${opts.join(" ")}`, `error creating role ${name}`);
            await grantRoles(txn, name, strings(inputs.roles));
            await alterSearchPath(txn, name, strings(inputs.searchPaths));
            // On create HasChange compares with nothing: only values set are applied.
            if (int(inputs.statementTimeout) !== 0) await setRoleTimeout(txn, name, "statement_timeout", int(inputs.statementTimeout));
            if (int(inputs.idleInTransactionSessionTimeout) !== 0) await setRoleTimeout(txn, name, "idle_in_transaction_session_timeout", int(inputs.idleInTransactionSessionTimeout));
            if (str(inputs.assumeRole) !== "") await setAssumeRole(txn, name, str(inputs.assumeRole));
        });
        const read = await readRole(pg, name, inputs);
        if (!read) throw new Error(`role ${name} was created but cannot be read back`);
        return read;
    },

    read: (id, state, pg) => readRole(pg, id, state),

    /**
     * resourcePostgreSQLRoleUpdate (L671-757), in one transaction. Every membership of the role is
     * revoked and `roles` granted again (revokeRoles, L989-1029): memberships that other resources
     * (postgresql.GrantRole) granted are revoked by any update of the role, as upstream does.
     */
    async update(id, olds, news, pg) {
        const changed = (k: string) => hasChange(roleKind, olds, news, k);
        const oldName = str(olds.name) || id;
        const name = str(news.name);
        const rls = await pg.supports("rls");
        await pg.tx(async (txn) => {
            await lockRole(txn, oldName);
            if (changed("name")) {
                if (name === "") throw new Error("error setting role name to an empty string");
                await exec(txn, `ALTER ROLE ${quoteIdent(oldName)} RENAME TO ${quoteIdent(name)}`, `error updating role NAME of ${oldName}`);
            }
            // setRolePassword (L781-814): PostgreSQL clears an MD5 password on a rename, so a rename sets it again.
            if ((changed("password") || changed("name")) && str(news.password) !== "") {
                await exec(txn, `ALTER ROLE ${quoteIdent(name)} PASSWORD '${quoteLiteralBody(str(news.password))}'`, `error updating role password of ${name}`);
            }
            if (changed("bypassRowLevelSecurity")) {
                if (!rls) throw new Error("PostgreSQL client is talking with a server that does not support PostgreSQL Row-Level Security");
                await exec(txn, `ALTER ROLE ${quoteIdent(name)} WITH ${bool(news.bypassRowLevelSecurity) ? "BYPASSRLS" : "NOBYPASSRLS"}`, `error updating role BYPASSRLS of ${name}`);
            }
            if (changed("connectionLimit")) {
                await exec(txn, `ALTER ROLE ${quoteIdent(name)} CONNECTION LIMIT ${int(news.connectionLimit)}`, `error updating role CONNECTION LIMIT of ${name}`);
            }
            for (const [k, yes, no] of UPDATE_OPTIONS) {
                if (changed(k)) await exec(txn, `ALTER ROLE ${quoteIdent(name)} WITH ${bool(news[k]) ? yes : no}`, `error updating role ${yes} of ${name}`);
            }
            if (changed("validUntil") && str(news.validUntil) !== "") {
                const v = str(news.validUntil).toLowerCase() === "infinity" ? "infinity" : str(news.validUntil);
                await exec(txn, `ALTER ROLE ${quoteIdent(name)} VALID UNTIL '${quoteLiteralBody(v)}'`, `error updating role VALID UNTIL of ${name}`);
            }
            await revokeRoles(txn, name);
            await grantRoles(txn, name, strings(news.roles));
            await alterSearchPath(txn, name, strings(news.searchPaths));
            if (changed("statementTimeout")) await setRoleTimeout(txn, name, "statement_timeout", int(news.statementTimeout));
            if (changed("idleInTransactionSessionTimeout")) await setRoleTimeout(txn, name, "idle_in_transaction_session_timeout", int(news.idleInTransactionSessionTimeout));
            if (changed("assumeRole")) await setAssumeRole(txn, name, str(news.assumeRole));
        });
        const read = await readRole(pg, name, news);
        if (!read) throw new Error(`role ${name} was updated but cannot be read back`);
        return read;
    },

    /** resourcePostgreSQLRoleDelete (L382-423). */
    async delete(id, state, pg) {
        const name = str(state.name) || id;
        await pg.tx(async (txn) => {
            await lockRole(txn, name);
            if (!bool(state.skipReassignOwned)) {
                await withRolesGranted(txn, [name], async () => {
                    await exec(txn, `REASSIGN OWNED BY ${quoteIdent(name)} TO ${quoteIdent(pg.currentUser)}`, `could not reassign owned by role ${name} to ${pg.currentUser}`);
                    await exec(txn, `DROP OWNED BY ${quoteIdent(name)}`, `could not drop owned by role ${name}`);
                });
            }
            if (!bool(state.skipDropRole)) await exec(txn, `DROP ROLE ${quoteIdent(name)}`, `could not delete role ${name}`);
        });
    },
};
