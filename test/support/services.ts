// Vitest global setup: one PostgreSQL and one MariaDB for the whole run, shared through
// `inject("pgUrl")` and `inject("mysqlUrl")`.
import type { TestProject } from "vitest/node";
import { startMariaDb } from "./mariadb";
import { startPostgres } from "../../servers/postgres";

declare module "vitest" {
    export interface ProvidedContext {
        pgUrl: string;
        mysqlUrl: string;
    }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
    const [pg, maria] = await Promise.all([startPostgres(), startMariaDb()]);
    project.provide("pgUrl", pg.url);
    project.provide("mysqlUrl", maria.url);
    return async () => {
        pg.stop();
        await maria.stop();
    };
}
