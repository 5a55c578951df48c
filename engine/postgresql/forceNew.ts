// Which input changes make pulumi-postgresql replace a resource instead of updating it.
//
// pulumi-postgresql is cyrilgdn/terraform-provider-postgresql behind the Terraform bridge: a
// property the schema marks ForceNew makes the bridge answer Diff with a replacement. The lists
// below are those ForceNew properties, by Pulumi name, read from terraform-provider-postgresql
// at commit ff936b9548c1076f498523a2bd116915ff977142, the `upstream` submodule pulumi-postgresql
// v3.18.0 pins (the SDK installed is 3.18.1; no later pin is published). Line numbers are of that
// commit, in postgresql/.

/** Type tokens the stand-in implements; every other type is refused by name. */
export const PG_TYPES = {
    role: "postgresql:index/role:Role",
    database: "postgresql:index/database:Database",
    grant: "postgresql:index/grant:Grant",
    grantRole: "postgresql:index/grantRole:GrantRole",
} as const;

export type PgType = (typeof PG_TYPES)[keyof typeof PG_TYPES];

/** ForceNew input properties by type. */
export const FORCE_NEW: Readonly<Record<PgType, readonly string[]>> = {
    // resource_postgresql_role.go: no attribute is ForceNew (L57-196); a new name is an
    // ALTER ROLE ... RENAME TO (setRoleName, L759-779) and every option an ALTER ROLE.
    [PG_TYPES.role]: [],
    // resource_postgresql_database.go; "name" is renamed in place (setDBName, L432-451).
    [PG_TYPES.database]: [
        "template", // "template", L53-59
        "encoding", // "encoding", L60-66
        "lcCollate", // "lc_collate", L67-73
        "lcCtype", // "lc_ctype", L74-80
    ],
    // resource_postgresql_grant.go; only "privileges" (L89-95) is updated in place, by a revoke
    // and a grant in one transaction (resourcePostgreSQLGrantCreateOrUpdate, L139-222).
    [PG_TYPES.grant]: [
        "role", // "role", L48-53
        "database", // "database", L54-59
        "schema", // "schema", L60-65
        "objectType", // "object_type", L66-72
        "objects", // "objects", L73-80
        "columns", // "columns", L81-88
        "withGrantOption", // "with_grant_option", L96-102
    ],
    // resource_postgresql_grant_role.go: the resource has no Update (L29-57), every input is ForceNew.
    [PG_TYPES.grantRole]: [
        "role", // "role", L36-41
        "grantRole", // "grant_role", L42-47
        "withAdminOption", // "with_admin_option", L48-54
    ],
};

/**
 * Types pulumi-postgresql deletes before re-creating on replacement: `DeleteBeforeReplace: true`
 * for postgresql_grant in provider/resources.go of pulumi-postgresql v3.18.0 (its Resources map).
 * The new grant's revoke-then-grant would otherwise be undone by the old one's revoke.
 */
export const DELETE_BEFORE_REPLACE: ReadonlySet<PgType> = new Set([PG_TYPES.grant]);

export function isPgType(t: string): t is PgType {
    return (Object.values(PG_TYPES) as string[]).includes(t);
}
