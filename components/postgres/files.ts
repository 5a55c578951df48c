// Versioned PostgreSQL migrations: `sql/postgres/NNN_name.sql`, applied in version order,
// each exactly once. Pure functions: reading and checking the files, and comparing them with
// what a database's history says was applied.
import { createHash } from "crypto";
import { readSqlFolder, SQL_DIR, SqlFileError } from "../sql";

/** One migration file, as the stack passes it to the migration provider. */
export interface MigrationFile {
    /** The NNN prefix as a number. */
    readonly version: number;
    /** File name, e.g. `002_sessions.sql`. */
    readonly name: string;
    /** Path relative to the repository root, for error messages. */
    readonly file: string;
    readonly sql: string;
    /** sha256 of the content with line endings normalised, so a checkout's CRLF does not count as an edit. */
    readonly checksum: string;
}

/** A row of the history table. */
export interface AppliedMigration {
    readonly version: number;
    readonly name: string;
    readonly checksum: string;
}

export const MIGRATION_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export function checksumOf(sql: string): string {
    return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

const TRANSACTION_CONTROL = /^\s*(BEGIN\s*;|COMMIT\b|ROLLBACK\b|START\s+TRANSACTION\b|VACUUM\b|CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b)/i;

/** Line of the first statement that controls transactions or cannot run inside one (plpgsql's BEGIN has no ';'). */
function transactionControlLine(sql: string): number | undefined {
    const i = sql.split("\n").findIndex((l) => TRANSACTION_CONTROL.test(l));
    return i < 0 ? undefined : i + 1;
}

/** Reads and checks `sql/postgres` (of `sqlDir`, a copy elsewhere): names NNN_name.sql, versions unique, files not empty. */
export function readMigrations(sqlDir: string = SQL_DIR): MigrationFile[] {
    const seen = new Map<number, string>();
    const out: MigrationFile[] = [];
    for (const { name: base, file, text: sql } of readSqlFolder("postgres", sqlDir)) {
        const name = `${base}.sql`;
        const m = MIGRATION_NAME.exec(name);
        if (!m) throw new SqlFileError(file, 1, 1, "a Postgres migration is named NNN_name.sql (three or more digits, lower-case name)");
        const version = Number(m[1]);
        const other = seen.get(version);
        if (other) throw new SqlFileError(file, 1, 1, `version ${version} is also used by ${other}`);
        seen.set(version, name);
        if (!/\S/.test(sql.replace(/--.*$/gm, ""))) throw new SqlFileError(file, 1, 1, "the migration has no statement");
        const line = transactionControlLine(sql);
        if (line) throw new SqlFileError(file, line, 1, "the runner wraps each migration in its own transaction: no BEGIN/COMMIT/ROLLBACK, and nothing that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM)");
        out.push({ version, name, file, sql, checksum: checksumOf(sql) });
    }
    return out.sort((a, b) => a.version - b.version);
}

/** How the files compare with a database's history. */
export interface MigrationCheck {
    /** Files not yet applied, in the order they will run. */
    readonly pending: readonly MigrationFile[];
    /** Problems that stop the run, each naming its file. */
    readonly problems: readonly string[];
}

/**
 * Compares files with history. Refused: an applied migration whose content changed, an applied
 * migration whose file is gone, and a new file numbered below the latest applied one (it would
 * run after migrations written later than it, on a schema its author never saw).
 */
export function checkMigrations(files: readonly MigrationFile[], applied: readonly AppliedMigration[]): MigrationCheck {
    const problems: string[] = [];
    const byVersion = new Map(applied.map((a) => [a.version, a]));
    const latest = applied.reduce((m, a) => Math.max(m, a.version), 0);
    const pending: MigrationFile[] = [];
    for (const f of files) {
        const a = byVersion.get(f.version);
        if (!a) {
            if (f.version < latest) problems.push(`${f.file}: version ${f.version} is older than the latest applied migration (${latest}); give it a number above ${latest}`);
            else pending.push(f);
        } else if (a.checksum !== f.checksum) {
            problems.push(`${f.file}: changed after it was applied (checksum ${a.checksum.slice(0, 12)} recorded, ${f.checksum.slice(0, 12)} now); restore it and add a new migration instead`);
        } else if (a.name !== f.name) {
            problems.push(`${f.file}: version ${f.version} was applied as ${a.name}; a renamed migration would look new elsewhere`);
        }
    }
    const names = new Set(files.map((f) => f.version));
    for (const a of applied) if (!names.has(a.version)) problems.push(`sql/postgres/${a.name}: applied to the database but missing from the repository`);
    return { pending, problems };
}
