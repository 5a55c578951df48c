// postgresql:index/grantRole:GrantRole = postgresql_grant_role
// (postgresql/resource_postgresql_grant_role.go at ff936b9548c1; line numbers of that file).
// Id: "<role>_<grant_role>_<with_admin_option>" (generateGrantRoleID, L201-203).
import type { Props } from "../values";
import { fail, Pg, quoteIdent } from "./client";
import { PG_TYPES } from "./forceNew";
import { bool, Created, ResourceKind, str } from "./schema";

export function grantRoleId(inputs: Props): string {
    return [str(inputs.role), str(inputs.grantRole), String(bool(inputs.withAdminOption))].join("_");
}

/** readGrantRole (L127-156): the membership of `role` in `grant_role`, if any. */
async function readGrantRole(pg: Pg, state: Props): Promise<Created | undefined> {
    if (!(await pg.supports("privileges"))) throw new Error("postgresql_grant_role resource is not supported for this Postgres version");
    return pg.with(async (db) => {
        let row: Record<string, any> | undefined;
        try {
            const r = await db.query(
                "SELECT pg_get_userbyid(member)::text AS role, pg_get_userbyid(roleid)::text AS grant_role, admin_option FROM pg_auth_members WHERE pg_get_userbyid(member) = $1 AND pg_get_userbyid(roleid) = $2",
                [str(state.role), str(state.grantRole)],
            );
            row = r.rows[0];
        } catch (e) {
            throw fail(`error reading grant role ${str(state.grantRole)} to ${str(state.role)}`, e);
        }
        if (!row) return undefined;
        const outs = { role: row.role, grantRole: row.grant_role, withAdminOption: row.admin_option === true };
        return { id: grantRoleId(outs), outs };
    });
}

const revoke = (inputs: Props) => `REVOKE ${quoteIdent(str(inputs.grantRole))} FROM ${quoteIdent(str(inputs.role))}`;

export const grantRoleKind: ResourceKind = {
    token: PG_TYPES.grantRole,
    inputs: {
        role: { tf: "role", kind: "string", required: true },
        grantRole: { tf: "grant_role", kind: "string", required: true },
        withAdminOption: { tf: "with_admin_option", kind: "bool", default: false },
    },

    /** resourcePostgreSQLGrantRoleCreate (L70-100): revoked first, so the admin option is exactly as asked. */
    async create(inputs, pg) {
        if (!(await pg.supports("privileges"))) throw new Error("postgresql_grant_role resource is not supported for this Postgres version");
        const role = str(inputs.role);
        const granted = str(inputs.grantRole);
        await pg.tx(async (txn) => {
            try {
                await txn.query(revoke(inputs));
            } catch (e) {
                throw fail(`could not execute revoke query of role ${granted} from ${role}`, e);
            }
            try {
                await txn.query(`GRANT ${quoteIdent(granted)} TO ${quoteIdent(role)}${bool(inputs.withAdminOption) ? " WITH ADMIN OPTION" : ""}`);
            } catch (e) {
                throw fail(`could not execute grant query of role ${granted} to ${role}`, e);
            }
        });
        const read = await readGrantRole(pg, inputs);
        if (!read) throw new Error(`role ${granted} was granted to ${role} but the membership cannot be read back`);
        return read;
    },

    /** Upstream has no importer for role grants (L29-34): only a state can be read. */
    async read(id, state, pg) {
        if (!state) throw new Error(`${PG_TYPES.grantRole} "${id}" cannot be imported: terraform-provider-postgresql's postgresql_grant_role has no importer`);
        return readGrantRole(pg, state);
    },

    /** resourcePostgreSQLGrantRoleDelete (L102-125). */
    async delete(_id, state, pg) {
        await pg.tx(async (txn) => {
            try {
                await txn.query(revoke(state));
            } catch (e) {
                throw fail(`could not execute revoke query of role ${str(state.grantRole)} from ${str(state.role)}`, e);
            }
        });
    },
};
