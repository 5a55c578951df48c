// The postgresql stand-in's plans without a server: the ForceNew table against upstream's schema,
// Check's defaults and refusals, Diff of every type, the provider configuration and what each
// sslmode means for the TLS of a connection.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { checkConfig, diffConfig, PROVIDER_KEYS, resolveConfig, tlsAttempts } from "../../../engine/postgresql/config";
import { DELETE_BEFORE_REPLACE, FORCE_NEW, PG_TYPES, PgType } from "../../../engine/postgresql/forceNew";
import { grantId } from "../../../engine/postgresql/grant";
import { grantRoleId } from "../../../engine/postgresql/grantRole";
import { KINDS, PostgresqlStandIn } from "../../../engine/postgresql/provider";
import { checkInputs, diffInputs, plannedState } from "../../../engine/postgresql/schema";
import { secret, UNKNOWN } from "../../../engine/values";

/** The argument names the installed SDK sends for a resource (from its constructor). */
function sdkInputs(file: string): string[] {
    const js = fs.readFileSync(require.resolve(`@pulumi/postgresql/${file}.js`), "utf8");
    const body = js.slice(js.indexOf("const args = argsOrState;"));
    return [...body.matchAll(/resourceInputs\["(\w+)"\] = /g)].map((m) => m[1]).sort();
}

const SDK_FILES: Record<PgType, string> = {
    [PG_TYPES.role]: "role",
    [PG_TYPES.database]: "database",
    [PG_TYPES.grant]: "grant",
    [PG_TYPES.grantRole]: "grantRole",
};

/** What components/authDatabase.ts declares, as the SDK sends it. */
const PROGRAM: Record<PgType, Record<string, unknown>> = {
    [PG_TYPES.role]: { name: "synter_app_user", login: true, password: "pw", superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false, connectionLimit: 50 },
    [PG_TYPES.database]: { name: "synter_auth", owner: "synter_admin", encoding: "UTF8", template: "template0", lcCollate: "C.UTF-8", lcCtype: "C.UTF-8", allowConnections: true },
    [PG_TYPES.grant]: { database: "synter_auth", role: "public", objectType: "database", privileges: [] },
    [PG_TYPES.grantRole]: { role: "synter_app_user", grantRole: "synter_app", withAdminOption: false },
};

/** The state each leaves after create, as the stand-in's Read (upstream's) reports it. */
const STATE: Record<PgType, Record<string, unknown>> = {
    [PG_TYPES.role]: {
        name: "synter_app_user",
        password: "pw",
        connectionLimit: 50,
        createDatabase: false,
        createRole: false,
        encryptedPassword: true,
        inherit: true,
        login: true,
        skipDropRole: false,
        skipReassignOwned: false,
        superuser: false,
        validUntil: "infinity",
        replication: false,
        bypassRowLevelSecurity: false,
        roles: [],
        searchPaths: [],
        assumeRole: "",
        statementTimeout: 0,
        idleInTransactionSessionTimeout: 0,
    },
    [PG_TYPES.database]: {
        name: "synter_auth",
        owner: "synter_admin",
        encoding: "UTF8",
        lcCollate: "C.UTF-8",
        lcCtype: "C.UTF-8",
        tablespaceName: "pg_default",
        connectionLimit: -1,
        template: "template0",
        alterObjectOwnership: false,
        allowConnections: true,
        isTemplate: false,
    },
    [PG_TYPES.grant]: { role: "public", database: "synter_auth", objectType: "database", privileges: [], withGrantOption: false },
    [PG_TYPES.grantRole]: { role: "synter_app_user", grantRole: "synter_app", withAdminOption: false },
};

const check = (t: PgType, news: Record<string, unknown>, olds: Record<string, unknown> = {}) => checkInputs(KINDS[t], olds, news, "auth-x");
const diff = (t: PgType, news: Record<string, unknown>, olds = STATE[t]) => diffInputs(KINDS[t], olds, check(t, news).inputs);

describe("the ForceNew table", () => {
    it("lists upstream's ForceNew inputs of each type, by Pulumi name", () => {
        expect(FORCE_NEW).toEqual({
            [PG_TYPES.role]: [],
            [PG_TYPES.database]: ["template", "encoding", "lcCollate", "lcCtype"],
            [PG_TYPES.grant]: ["role", "database", "schema", "objectType", "objects", "columns", "withGrantOption"],
            [PG_TYPES.grantRole]: ["role", "grantRole", "withAdminOption"],
        });
        expect([...DELETE_BEFORE_REPLACE]).toEqual([PG_TYPES.grant]);
    });

    it("names only inputs the SDK has; each SDK input is implemented or refused by name", () => {
        for (const t of Object.values(PG_TYPES)) {
            const sdk = sdkInputs(SDK_FILES[t]);
            for (const k of FORCE_NEW[t]) expect(sdk, `${t} ${k}`).toContain(k);
            const covered = [...Object.keys(KINDS[t].inputs), ...Object.keys(KINDS[t].refused ?? {})].sort();
            expect(covered, t).toEqual(sdk);
        }
    });
});

describe("Check", () => {
    it("fills in upstream's defaults, so the program's inputs plan what Read reports", () => {
        for (const t of Object.values(PG_TYPES)) {
            const r = check(t, PROGRAM[t]);
            expect(r.failures, t).toEqual([]);
            expect(diffInputs(KINDS[t], STATE[t], r.inputs), t).toEqual({ changes: false, replaces: [], changed: [], deleteBeforeReplace: false });
        }
        expect(check(PG_TYPES.role, { name: "r" }).inputs).toEqual({
            name: "r",
            encryptedPassword: true,
            validUntil: "infinity",
            connectionLimit: -1,
            superuser: false,
            createDatabase: false,
            createRole: false,
            inherit: true,
            login: false,
            replication: false,
            bypassRowLevelSecurity: false,
            skipDropRole: false,
            skipReassignOwned: false,
        });
        expect(check(PG_TYPES.database, { name: "d" }).inputs).toEqual({ name: "d", connectionLimit: -1, allowConnections: true, alterObjectOwnership: false });
        expect(check(PG_TYPES.grantRole, { role: "a", grantRole: "b" }).inputs).toEqual({ role: "a", grantRole: "b", withAdminOption: false });
    });

    it("names a role or database left unnamed as pulumi-postgresql's autonaming does, and keeps the name", () => {
        const named = check(PG_TYPES.database, {}).inputs.name as string;
        expect(named).toMatch(/^auth-x-[0-9a-f]{7}$/);
        expect(check(PG_TYPES.database, {}, { name: named }).inputs.name).toBe(named);
    });

    it("refuses what it does not implement, by name", () => {
        expect(check(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], objectType: "table" }).failures).toEqual([
            { property: "objectType", reason: "object type table is not implemented by the local postgresql stand-in for postgresql:index/grant:Grant; it grants on database only" },
        ]);
        expect(check(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], objectType: "view" }).failures).toEqual([
            { property: "objectType", reason: expect.stringContaining("expected objectType to be one of [database function procedure routine schema sequence table foreign_data_wrapper foreign_server column], got view") },
        ]);
        expect(check(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], schema: "public", objects: ["t"] }).failures.map((f) => f.property)).toEqual(["schema", "objects"]);
        expect(check(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], privileges: ["CONNECT", "SELECT"] }).failures).toEqual([
            { property: "privileges", reason: "SELECT is not an allowed privilege for object type database (allowed: ALL, CREATE, CONNECT, TEMPORARY)" },
        ]);
        expect(check(PG_TYPES.role, { name: "r", passwordWo: "x", passwordWoVersion: "1" }).failures.map((f) => f.property)).toEqual(["passwordWo", "passwordWoVersion"]);
        expect(check(PG_TYPES.role, { name: "r", loginAs: "x" }).failures).toEqual([{ property: "loginAs", reason: "loginAs is not an input of postgresql:index/role:Role" }]);
        expect(check(PG_TYPES.role, { name: "r", connectionLimit: -2 }).failures).toEqual([{ property: "connectionLimit", reason: "expected connectionLimit to be at least (-1), got -2" }]);
        expect(check(PG_TYPES.grantRole, { role: "a" }).failures).toEqual([{ property: "grantRole", reason: "Missing required property 'grantRole'" }]);
        expect(check(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], database: UNKNOWN, privileges: [UNKNOWN] }).failures).toEqual([]);
    });

    it("refuses other postgresql types by name", async () => {
        const p = new PostgresqlStandIn("3.18.1");
        await expect(p.check("urn:pulumi:dev::synter-infra::postgresql:index/schema:Schema::s", {}, { name: "s" })).rejects.toThrow(
            "resource type postgresql:index/schema:Schema is not implemented by the local postgresql stand-in; it implements only postgresql:index/role:Role, postgresql:index/database:Database, postgresql:index/grant:Grant, postgresql:index/grantRole:GrantRole",
        );
    });
});

describe("Diff", () => {
    it("replaces on a ForceNew input only", () => {
        expect(diff(PG_TYPES.database, { ...PROGRAM[PG_TYPES.database], lcCollate: "en_US.UTF-8" })).toMatchObject({ changes: true, replaces: ["lcCollate"], deleteBeforeReplace: false });
        expect(diff(PG_TYPES.database, { ...PROGRAM[PG_TYPES.database], template: "template1", encoding: "LATIN1" }).replaces).toEqual(["template", "encoding"]);
        expect(diff(PG_TYPES.database, { ...PROGRAM[PG_TYPES.database], name: "synter_auth2", owner: "other", connectionLimit: 5 })).toMatchObject({ replaces: [], changed: ["name", "owner", "connectionLimit"] });
        expect(diff(PG_TYPES.role, { ...PROGRAM[PG_TYPES.role], name: "renamed", password: "new", connectionLimit: 10, login: false })).toMatchObject({ replaces: [], changed: ["name", "password", "connectionLimit", "login"] });
        expect(diff(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], privileges: ["CONNECT"] })).toMatchObject({ replaces: [], changed: ["privileges"], deleteBeforeReplace: false });
        expect(diff(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], role: "synter_app" })).toMatchObject({ replaces: ["role"], deleteBeforeReplace: true });
        expect(diff(PG_TYPES.grantRole, { ...PROGRAM[PG_TYPES.grantRole], withAdminOption: true })).toMatchObject({ replaces: ["withAdminOption"] });
    });

    it("leaves Optional + Computed inputs the program leaves out as they are, and compares sets without order", () => {
        const { owner: _o, encoding: _e, template: _t, lcCollate: _c, lcCtype: _ct, ...bare } = PROGRAM[PG_TYPES.database];
        expect(diff(PG_TYPES.database, bare).changes).toBe(false);
        expect(plannedState(KINDS[PG_TYPES.database], STATE[PG_TYPES.database], check(PG_TYPES.database, bare).inputs)).toMatchObject({ owner: "synter_admin", template: "template0" });
        const olds = { ...STATE[PG_TYPES.grant], privileges: ["CONNECT", "TEMPORARY"] };
        expect(diff(PG_TYPES.grant, { ...PROGRAM[PG_TYPES.grant], privileges: ["TEMPORARY", "CONNECT"] }, olds).changes).toBe(false);
    });

    it("plans a change of a role's memberships when a GrantRole added one (upstream's documented fight over `roles`)", () => {
        expect(diff(PG_TYPES.role, PROGRAM[PG_TYPES.role], { ...STATE[PG_TYPES.role], roles: ["synter_app"] })).toMatchObject({ changes: true, replaces: [], changed: ["roles"] });
    });

    it("plans values the engine does not know yet as changes", () => {
        expect(diff(PG_TYPES.database, { ...PROGRAM[PG_TYPES.database], lcCtype: UNKNOWN }).replaces).toEqual(["lcCtype"]);
        expect(diff(PG_TYPES.role, { ...PROGRAM[PG_TYPES.role], password: UNKNOWN })).toMatchObject({ replaces: [], changed: ["password"] });
    });
});

describe("ids", () => {
    it("are upstream's", () => {
        expect(grantId(PROGRAM[PG_TYPES.grant])).toBe("public_synter_auth_database");
        expect(grantRoleId(PROGRAM[PG_TYPES.grantRole])).toBe("synter_app_user_synter_app_false");
    });
});

describe("the provider configuration", () => {
    // As components/authDatabase.ts sets it, through the SDK (non-strings JSON-encoded, the password secret).
    const SDK = { host: "127.0.0.1", port: "5432", username: "synter_admin", password: secret("pw"), sslmode: "verify-full", superuser: "false", database: "postgres", connectTimeout: "180", version: "3.18.1" };

    it("checks the SDK's keys and values, refusing what the stand-in has nothing behind", () => {
        expect(checkConfig(SDK)).toEqual({ inputs: SDK, failures: [] });
        expect(PROVIDER_KEYS).toEqual(expect.arrayContaining(Object.keys(SDK).filter((k) => k !== "version")));
        const bad = checkConfig({ ...SDK, sslmode: "required", port: "0", awsRdsIamAuth: "true", scheme: "gcppostgres", clientcert: '{"cert":"c","key":"k"}', superuser: "maybe", sslhost: "x" });
        expect(bad.failures.map((f) => f.property).sort()).toEqual(["awsRdsIamAuth", "clientcert", "port", "scheme", "sslhost", "sslmode", "superuser"]);
        expect(bad.failures.find((f) => f.property === "sslmode")?.reason).toBe('sslmode "required" is not supported; supported values are disable, allow, prefer, require, verify-ca, verify-full');
        expect(checkConfig({ ...SDK, awsRdsIamAuth: "false", azureTenantId: "" }).failures).toEqual([]);
        expect(diffConfig(SDK, { ...SDK })).toEqual({ changes: false });
        expect(diffConfig(SDK, { ...SDK, port: 5432 })).toEqual({ changes: false });
        expect(diffConfig(SDK, { ...SDK, sslmode: "require" })).toEqual({ changes: true });
    });

    it("resolves as upstream: the inputs, else postgresql:config:*, else the environment's defaults", () => {
        expect(resolveConfig(SDK, {}, {})).toEqual({
            host: "127.0.0.1",
            port: 5432,
            username: "synter_admin",
            password: "pw",
            database: "postgres",
            databaseUsername: undefined,
            superuser: false,
            sslmode: "verify-full",
            sslrootcert: undefined,
            connectTimeout: 180,
            maxConnections: 20,
            expectedVersion: undefined,
        });
        const fromEnv = resolveConfig(undefined, { "postgresql:config:host": "db.internal" }, { PGPORT: "6432", PGUSER: "u", PGPASSWORD: "p", PGSSLMODE: "require" });
        expect(fromEnv).toMatchObject({ host: "db.internal", port: 6432, username: "u", password: "p", database: "postgres", superuser: true, sslmode: "require", connectTimeout: 180 });
        expect(resolveConfig({ sslMode: "disable", expectedVersion: "15.4" }, {}, {})).toMatchObject({ sslmode: "disable", expectedVersion: [15, 4] });
        expect(() => resolveConfig({ awsRdsIamAuth: true }, {}, {})).toThrow("awsRdsIamAuth is not implemented by the local postgresql stand-in");
    });
});

describe("sslmode", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-tls-"));
    const ca = path.join(dir, "ca.crt");
    fs.writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const home = path.join(dir, "home");
    const attempts = (sslmode: string, sslrootcert?: string, env: NodeJS.ProcessEnv = {}) => tlsAttempts({ sslmode, sslrootcert }, env, home);

    it("encrypts without verifying for require, and by lib/pq's default when unset", () => {
        expect(attempts("require")).toEqual([{ rejectUnauthorized: false }]);
        expect(attempts("")).toEqual([{ rejectUnauthorized: false }]);
    });

    it("verifies the chain, and the host name only for verify-full", () => {
        const [full] = attempts("verify-full") as any[];
        expect(full).toEqual({ rejectUnauthorized: true });
        const [caOnly] = attempts("verify-ca") as any[];
        expect(caOnly.rejectUnauthorized).toBe(true);
        expect(caOnly.checkServerIdentity("other.example", { subject: { CN: "localhost" } })).toBeUndefined();
    });

    it("trusts sslrootcert alone when given, from the provider or PGSSLROOTCERT; with one, require is verify-ca", () => {
        const pem = fs.readFileSync(ca, "utf8");
        expect(attempts("verify-full", ca)).toEqual([{ ca: pem, rejectUnauthorized: true }]);
        expect(attempts("verify-full", undefined, { PGSSLROOTCERT: ca })).toEqual([{ ca: pem, rejectUnauthorized: true }]);
        const [req] = attempts("require", undefined, { PGSSLROOTCERT: ca }) as any[];
        expect(req).toMatchObject({ ca: pem, rejectUnauthorized: true });
        expect(req.checkServerIdentity()).toBeUndefined();
        // A missing file: require goes on unverified (lib/pq), verify-* fail.
        expect(attempts("require", path.join(dir, "none.crt"))).toEqual([{ rejectUnauthorized: false }]);
        expect(() => attempts("verify-ca", path.join(dir, "none.crt"))).toThrow("does not exist");
        expect(attempts("verify-full", "system")).toEqual([{ rejectUnauthorized: true }]);
        expect(() => attempts("require", "system")).toThrow('weak sslmode "require" may not be used with sslrootcert=system (use "verify-full")');
    });

    it("orders the tries of prefer and allow, and never encrypts for disable", () => {
        expect(attempts("disable")).toEqual([false]);
        expect(attempts("prefer")).toEqual([{ rejectUnauthorized: false }, false]);
        expect(attempts("allow")).toEqual([false, { rejectUnauthorized: false }]);
    });
});
