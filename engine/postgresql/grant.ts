// postgresql:index/grant:Grant = postgresql_grant (postgresql/resource_postgresql_grant.go at
// ff936b9548c1; line numbers of that file), for the object type this stack grants on: database.
// Id: "<role>_<database>_database" (generateGrantID, L780-798).
import type { Client } from "pg";
import { isUnknown, Props } from "../values";
import { dbExists, fail, lockDatabase, lockRole, Pg, quoteIdent, roleExists } from "./client";
import { PG_TYPES } from "./forceNew";
import { bool, Created, Failure, ResourceKind, str, strings } from "./schema";

type Q = Pick<Client, "query">;

/** allowedObjectTypes (L16-27). */
export const OBJECT_TYPES = ["database", "function", "procedure", "routine", "schema", "sequence", "table", "foreign_data_wrapper", "foreign_server", "column"] as const;

/** The object types the stand-in grants on; the others are refused by name. */
export const IMPLEMENTED_OBJECT_TYPES = ["database"] as const;

/** allowedPrivileges["database"] (helpers.go L252-264). */
export const DATABASE_PRIVILEGES = ["ALL", "CREATE", "CONNECT", "TEMPORARY"] as const;

/** Grantee "public" is PUBLIC (helpers.go L571-583: its OID in an ACL is 0). */
const PUBLIC = "public";

/** generateGrantID (L780-798) for object types without a schema. */
export function grantId(inputs: Props): string {
    return [str(inputs.role), str(inputs.database), str(inputs.objectType)].join("_");
}

/** resourcePrivilegesEqual (helpers.go L300-322): ALL equals every privilege of the type, spelled out. */
function privilegesEqual(granted: string[], wanted: string[]): boolean {
    const same = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");
    if (same(granted, wanted)) return true;
    if (!wanted.includes("ALL")) return false;
    return same(granted, DATABASE_PRIVILEGES.filter((p) => p !== "ALL"));
}

async function roleOid(db: Q, role: string): Promise<number> {
    if (role === PUBLIC) return 0;
    try {
        const r = await db.query("SELECT oid FROM pg_roles WHERE rolname = $1", [role]);
        if (r.rowCount === 0) throw new Error("no such role");
        return Number(r.rows[0].oid);
    } catch (e) {
        throw fail(`could not find oid for role ${role}`, e);
    }
}

/** resourcePostgreSQLGrantRead (L107-129) and readDatabaseRolePrivileges (L266-285). */
async function readGrant(pg: Pg, state: Props): Promise<Created | undefined> {
    const database = str(state.database);
    const role = str(state.role);
    // checkRoleDBSchemaExists (L733-778): a grant whose database or role is gone is gone.
    if (!(await pg.with((db) => dbExists(db, database)))) return undefined;
    return pg.tx(async (txn) => {
        if (role !== PUBLIC && !(await roleExists(txn, role))) return undefined;
        const oid = await roleOid(txn, role);
        let granted: string[];
        try {
            const r = await txn.query(
                "SELECT COALESCE(array_agg(privilege_type), '{}')::text[] AS p FROM (SELECT (aclexplode(datacl)).* FROM pg_database WHERE datname=$1) AS privileges WHERE grantee = $2",
                [database, oid],
            );
            granted = r.rows[0].p as string[];
        } catch (e) {
            throw fail(`could not read privileges for database ${database}`, e);
        }
        const wanted = strings(state.privileges);
        const outs: Props = {
            role,
            database,
            objectType: "database",
            privileges: privilegesEqual(granted, wanted) ? wanted : [...granted].sort(),
            withGrantOption: bool(state.withGrantOption),
        };
        return { id: grantId(outs), outs };
    }, database);
}

/**
 * resourcePostgreSQLGrantCreateOrUpdate (L139-222) on a database: in one transaction on that
 * database, every privilege of the role on it is revoked (createRevokeQuery, L610-689) and the
 * wanted ones granted (createGrantQuery, L539-608), so that fewer privileges take effect too.
 */
/** createRevokeQuery (L610-689) on a database: every privilege of the role on it. */
async function revokeAll(txn: Q, database: string, role: string): Promise<void> {
    try {
        await txn.query(`REVOKE ALL PRIVILEGES ON DATABASE ${quoteIdent(database)} FROM ${quoteIdent(role)}`);
    } catch (e) {
        throw fail(`could not execute revoke query on database ${database} for role ${role}`, e);
    }
}

async function applyGrant(pg: Pg, inputs: Props): Promise<Created> {
    const database = str(inputs.database);
    const role = str(inputs.role);
    const privileges = strings(inputs.privileges);
    if (!(await pg.supports("privileges"))) throw new Error("feature is not supported: postgresql_grant resource is not supported for this Postgres version");
    await pg.tx(async (txn) => {
        await lockRole(txn, role);
        await lockDatabase(txn, database);
        await revokeAll(txn, database, role);
        if (privileges.length === 0) return;
        try {
            await txn.query(`GRANT ${privileges.join(",")} ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(role)}${bool(inputs.withGrantOption) ? " WITH GRANT OPTION" : ""}`);
        } catch (e) {
            throw fail(`could not grant ${privileges.join(",")} on database ${database} to ${role}`, e);
        }
    }, database);
    const read = await readGrant(pg, inputs);
    if (!read) throw new Error(`the grant on database ${database} to ${role} was applied but cannot be read back: the database or the role is gone`);
    return read;
}

export const grantKind: ResourceKind = {
    token: PG_TYPES.grant,
    inputs: {
        role: { tf: "role", kind: "string", required: true },
        database: { tf: "database", kind: "string", required: true },
        objectType: { tf: "object_type", kind: "string", required: true, oneOf: OBJECT_TYPES },
        privileges: { tf: "privileges", kind: "stringSet", required: true },
        withGrantOption: { tf: "with_grant_option", kind: "bool", default: false },
    },
    refused: {
        schema: "it grants on databases, which have no schema",
        objects: "it grants on databases; `objects` is for tables, sequences, routines and foreign objects",
        columns: "it grants on databases; `columns` is for column grants",
    },

    validate(inputs): Failure[] {
        const t = str(inputs.objectType);
        if (t !== "" && !isUnknown(t) && !(IMPLEMENTED_OBJECT_TYPES as readonly string[]).includes(t)) {
            return [{ property: "objectType", reason: `object type ${t} is not implemented by the local postgresql stand-in for ${PG_TYPES.grant}; it grants on ${IMPLEMENTED_OBJECT_TYPES.join(", ")} only` }];
        }
        // validatePrivileges (helpers.go L283-298), which upstream runs at apply.
        const bad = strings(inputs.privileges).filter((p) => !isUnknown(p) && !(DATABASE_PRIVILEGES as readonly string[]).includes(p));
        return bad.map((p) => ({ property: "privileges", reason: `${p} is not an allowed privilege for object type database (allowed: ${DATABASE_PRIVILEGES.join(", ")})` }));
    },

    create: (inputs, pg) => applyGrant(pg, inputs),

    /** Upstream has no importer for grants (L40-46): only a state can be read. */
    async read(id, state, pg) {
        if (!state) throw new Error(`${PG_TYPES.grant} "${id}" cannot be imported: terraform-provider-postgresql's postgresql_grant has no importer`);
        return readGrant(pg, state);
    },

    /** Only privileges change in place; the revoke uses the unchanged role and database. */
    update: (_id, _olds, news, pg) => applyGrant(pg, news),

    /** resourcePostgreSQLGrantDelete (L224-264). */
    async delete(_id, state, pg) {
        const database = str(state.database);
        const role = str(state.role);
        await pg.tx(async (txn) => {
            await lockRole(txn, role);
            await lockDatabase(txn, database);
            await revokeAll(txn, database, role);
        }, database);
    },
};
