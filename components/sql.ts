import * as fs from "fs";
import * as path from "path";

/** Root of the `sql/` folder. */
export const SQL_DIR = path.resolve(__dirname, "..", "sql");

/** Values substituted into `{{name}}` placeholders. */
export interface SqlContext {
    readonly project: string;
    readonly dataset: string;
    /** Suffix of migrated tables: "_v2" before the cutover, "" after it. */
    readonly v2: string;
}

/** A SQL file that cannot be used as written; names file, line and column. */
export class SqlFileError extends Error {
    constructor(
        readonly file: string,
        readonly line: number,
        readonly column: number,
        problem: string,
    ) {
        super(`${file}:${line}:${column}: ${problem}`);
        this.name = "SqlFileError";
    }
}

/** A statement read from disk, with its path relative to the repository root. */
export interface SqlFile {
    readonly name: string;
    readonly file: string;
    readonly text: string;
}

/** Reads every `.sql` file of one folder under `sql/` (or under `sqlDir`, a copy elsewhere), sorted by name. */
export function readSqlFolder(folder: string, sqlDir: string = SQL_DIR): SqlFile[] {
    const dir = path.join(sqlDir, folder);
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort()
        .map((f) => ({
            name: f.slice(0, -4),
            file: path.posix.join("sql", folder, f),
            text: fs.readFileSync(path.join(dir, f), "utf8"),
        }));
}

/** 1-based line and column of a 0-based character offset in `text`. */
export function lineAt(text: string, offset: number): { line: number; column: number } {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return { line, column: offset - before.lastIndexOf("\n") };
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Fills `{{project}}`, `{{dataset}}` and `{{v2}}`; any other placeholder is an error naming file and line. */
export function fillPlaceholders(sql: SqlFile, ctx: SqlContext): string {
    const values: Record<string, string> = { project: ctx.project, dataset: ctx.dataset, v2: ctx.v2 };
    return sql.text.replace(PLACEHOLDER, (match, key: string, offset: number) => {
        if (!(key in values)) {
            const at = lineAt(sql.text, offset);
            throw new SqlFileError(sql.file, at.line, at.column, `unknown placeholder ${match} (allowed: {{project}}, {{dataset}}, {{v2}})`);
        }
        return values[key];
    });
}

/** Whether a statement reads tables that the migration renames. */
export function isMigrationBound(sql: SqlFile): boolean {
    return /\{\{\s*v2\s*\}\}/.test(sql.text);
}

/** A table or view that a statement reads. */
export interface TableReference {
    readonly table: string;
    readonly line: number;
    readonly column: number;
}

const QUALIFIED = /`([A-Za-z0-9_.-]+)`/g;

/**
 * Tables a filled statement reads, from its backquoted `project.dataset.table` names.
 * Every reference must be fully qualified and inside the stack's dataset: a view that
 * reads elsewhere would depend on something this stack does not manage.
 */
export function tableReferences(sql: SqlFile, filled: string, ctx: SqlContext): TableReference[] {
    const refs: TableReference[] = [];
    const seen = new Set<string>();
    // Comments may mention tables without reading them.
    const code = filled.replace(/--[^\n]*/g, (c) => " ".repeat(c.length));
    for (const m of code.matchAll(QUALIFIED)) {
        const parts = m[1].split(".");
        const at = lineAt(filled, m.index ?? 0);
        if (parts.length !== 3) {
            throw new SqlFileError(sql.file, at.line, at.column, `table name \`${m[1]}\` must be written as \`{{project}}.{{dataset}}.table\``);
        }
        const [project, dataset, table] = parts;
        if (project !== ctx.project || dataset !== ctx.dataset) {
            throw new SqlFileError(sql.file, at.line, at.column, `reads \`${m[1]}\`, outside the stack's dataset ${ctx.project}.${ctx.dataset}`);
        }
        if (!seen.has(table)) {
            seen.add(table);
            refs.push({ table, line: at.line, column: at.column });
        }
    }
    return refs;
}
