import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";

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
    /** Application login role. */
    readonly appRole: string;
    /** Pulumi `protect` on the database. */
    readonly protect: boolean;
}

/** Builds a libpq URL; user and password are percent-encoded. */
export function postgresUrl(user: string, password: string, host: string, port: number, database: string, sslMode: string): string {
    return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}?sslmode=${sslMode}`;
}

/** The auth database on PostgreSQL, owned by a login role with a generated password. */
export class AuthDatabase extends pulumi.ComponentResource {
    readonly provider: postgresql.Provider;
    readonly role: postgresql.Role;
    readonly database: postgresql.Database;
    /** Application connection string, secret. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: AuthDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:postgres:AuthDatabase", name, {}, opts);
        if (args.appRole === args.adminUser) {
            throw new pulumi.ResourceError(`AuthDatabase ${name}: appRole must differ from adminUser (${args.adminUser})`, this);
        }
        this.provider = new postgresql.Provider(
            `${name}-admin`,
            { host: args.host, port: args.port, username: args.adminUser, password: args.adminPassword, sslmode: args.sslMode, superuser: false, database: "postgres" },
            { parent: this },
        );
        const pg = { parent: this, provider: this.provider };
        // URL-safe characters only, so the password needs no escaping wherever the app puts it.
        const password = new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, { parent: this });
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
            },
            { ...pg, additionalSecretOutputs: ["password"] },
        );
        this.database = new postgresql.Database(
            `${name}-database`,
            { name: args.database, owner: this.role.name, encoding: "UTF8", template: "template0", lcCollate: "C.UTF-8", lcCtype: "C.UTF-8", allowConnections: true },
            { ...pg, protect: args.protect },
        );
        // Nobody but the owner connects or makes temp tables; PUBLIC's defaults are revoked.
        new postgresql.Grant(
            `${name}-revoke-public`,
            { database: this.database.name, role: "public", objectType: "database", privileges: [] },
            pg,
        );
        this.url = pulumi.secret(
            pulumi.all([this.role.name, password.result, this.database.name]).apply(([user, pw, db]) => postgresUrl(user, pw, args.host, args.port, db, args.sslMode)),
        );
        this.registerOutputs({ database: this.database.name, role: this.role.name });
    }
}
