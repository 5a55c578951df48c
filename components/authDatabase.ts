import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { MigrationFile, SchemaMigrations } from "./postgres";

/** Group role the migrations create and grant the application's privileges to (sql/postgres/004_app_role.sql). */
export const APP_GROUP_ROLE = "synter_app";

export interface AuthDatabaseArgs {
    /** Admin connection: host name or address. */
    readonly host: string;
    readonly port: number;
    /** Admin role that creates the database and the application role. */
    readonly adminUser: string;
    readonly adminPassword: pulumi.Input<string>;
    /** libpq sslmode for both the admin and the application connection. */
    readonly sslMode: string;
    /** Database for auth data. */
    readonly database: string;
    /** Application login role; never the admin (config.ts refuses it, naming the key). */
    readonly appRole: string;
    /** Pulumi `protect` on the database. */
    readonly protect: boolean;
    /** The auth schema's migrations (sql/postgres), applied in order by the stack. */
    readonly migrations: readonly MigrationFile[];
}

/** Builds a libpq URL; user and password are percent-encoded. */
export function postgresUrl(user: string, password: string, host: string, port: number, database: string, sslMode: string): string {
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}?sslmode=${sslMode}`;
}

/**
 * The auth database on PostgreSQL: owned by the admin role, its schema applied by versioned
 * migrations, and a login role for the application with a generated password that may read and
 * write the auth tables (through the migrations' group role) and nothing more.
 */
export class AuthDatabase extends pulumi.ComponentResource {
    readonly provider: postgresql.Provider;
    readonly role: postgresql.Role;
    readonly database: postgresql.Database;
    readonly migrations: SchemaMigrations;
    /** Application connection string, secret. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: AuthDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:postgres:AuthDatabase", name, {}, opts);
        this.provider = new postgresql.Provider(
            `${name}-admin`,
            { host: args.host, port: args.port, username: args.adminUser, password: args.adminPassword, sslmode: args.sslMode, superuser: false, database: "postgres" },
            { parent: this },
        );
        const pg = { parent: this, provider: this.provider };
        // URL-safe characters only, so the password needs no escaping wherever the app puts it.
        const password = new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, { parent: this });
        this.database = new postgresql.Database(
            `${name}-database`,
            // The admin owns it: the owner may create schemas, which the application must not.
            { name: args.database, owner: args.adminUser, encoding: "UTF8", template: "template0", lcCollate: "C.UTF-8", lcCtype: "C.UTF-8", allowConnections: true },
            // Auth data outlives any refactor of this program: removing the resource keeps the database.
            { ...pg, protect: args.protect, retainOnDelete: true },
        );
        // PUBLIC's defaults (connect, temp tables) are revoked: only the owner and roles granted
        // CONNECT (the application's group role, by migration 004) connect.
        new postgresql.Grant(
            `${name}-revoke-public`,
            { database: this.database.name, role: "public", objectType: "database", privileges: [] },
            pg,
        );
        this.migrations = new SchemaMigrations(
            `${name}-migrations`,
            {
                url: pulumi.secret(pulumi.all([args.adminPassword, this.database.name]).apply(([pw, db]) => postgresUrl(args.adminUser, pw, args.host, args.port, db, args.sslMode))),
                target: pulumi.interpolate`${args.host}:${args.port}/${this.database.name}`,
                migrations: args.migrations,
            },
            { parent: this, dependsOn: [this.database] },
        );
        // Membership in the group role (which migration 004 creates) is all the application role is
        // granted. It is the Role's own `roles`: the provider treats that list as every membership
        // the role has, so a separate GrantRole would be revoked by any in-place update of the
        // Role (a rotated password) and show as drift on every refresh.
        this.role = new postgresql.Role(
            `${name}-app-role`,
            {
                name: args.appRole,
                login: true,
                password: password.result,
                superuser: false,
                createDatabase: false,
                createRole: false,
                replication: false,
                bypassRowLevelSecurity: false,
                connectionLimit: 50,
                roles: [APP_GROUP_ROLE],
            },
            { ...pg, additionalSecretOutputs: ["password"], dependsOn: [this.migrations] },
        );
        this.url = pulumi.secret(
            pulumi.all([this.role.name, password.result, this.database.name]).apply(([user, pw, db]) => postgresUrl(user, pw, args.host, args.port, db, args.sslMode)),
        );
        this.registerOutputs({ database: this.database.name, role: this.role.name, migrationsApplied: this.migrations.applied });
    }
}
