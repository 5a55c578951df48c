// The dynamic provider that applies the Postgres migrations from `pulumi up`. A thin adapter
// over migrator.ts; Pulumi serializes it into its provider host, so `pg` is required inside
// the core it calls, never captured here.
import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_MODULE } from "../resources";
import { checkMigrations, MigrationFile } from "./files";
import { applyMigrationsAt } from "./migrator";

/** Bumped whenever the provider logic changes, so the change shows in the preview. */
export const MIGRATIONS_PROVIDER_VERSION = "1";

export interface SchemaMigrationsArgs {
    /** Connection URL of a role that may run the migrations (secret). */
    readonly url: pulumi.Input<string>;
    /** Where the migrations go, without credentials (host:port/database): a change re-checks the new target. */
    readonly target: pulumi.Input<string>;
    /** The migration files, in version order. */
    readonly migrations: readonly MigrationFile[];
    /** How long a run waits for another run's lock. */
    readonly lockTimeoutMs?: pulumi.Input<number>;
}

type Props = Record<string, any>;

export const schemaMigrationsProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props) {
        // olds are the inputs of the last successful run: the migrations it applied. Edited or
        // misnumbered files fail here, so `pulumi preview` goes red before anything runs.
        const applied = ((olds.migrations ?? []) as MigrationFile[]).map((m) => ({ version: m.version, name: m.name, checksum: m.checksum }));
        const samePlace = olds.target === undefined || olds.target === news.target;
        const found = checkMigrations(news.migrations ?? [], samePlace ? applied : []);
        const failures = found.problems.map((reason) => ({ property: "migrations", reason }));
        return { inputs: { ...news, pending: found.pending.map((m) => m.name) }, failures };
    },
    async diff(_id: string, olds: Props, news: Props) {
        const found = checkMigrations(news.migrations ?? [], olds.target === news.target ? olds.applied ?? [] : []);
        const changes = found.pending.length > 0 || olds.target !== news.target || olds.version !== news.version;
        return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: Props) {
        const r = await applyMigrationsAt(inputs.url, inputs.migrations, { lockTimeoutMs: inputs.lockTimeoutMs });
        return { id: `schema-migrations:${inputs.target}`, outs: { target: inputs.target, applied: r.applied, lastRun: r.ran, pending: [], version: inputs.version } };
    },
    async update(_id: string, _olds: Props, news: Props) {
        const r = await applyMigrationsAt(news.url, news.migrations, { lockTimeoutMs: news.lockTimeoutMs });
        return { outs: { target: news.target, applied: r.applied, lastRun: r.ran, pending: [], version: news.version } };
    },
    // Removing the resource from the stack leaves the schema and its data: dropping auth data
    // is never a side effect of a refactor.
    async delete() {
        return;
    },
};

/** Applies `sql/postgres` migrations in order, each once; `pending` lists what the next `up` runs. */
export class SchemaMigrations extends pulumi.dynamic.Resource {
    declare readonly applied: pulumi.Output<{ version: number; name: string; checksum: string }[]>;
    declare readonly lastRun: pulumi.Output<string[]>;
    declare readonly pending: pulumi.Output<string[]>;
    constructor(name: string, args: SchemaMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            schemaMigrationsProvider,
            name,
            { version: MIGRATIONS_PROVIDER_VERSION, ...args, url: pulumi.secret(args.url), applied: undefined, lastRun: undefined, pending: undefined },
            opts,
            POSTGRES_MODULE,
            "SchemaMigrations",
        );
    }
}
