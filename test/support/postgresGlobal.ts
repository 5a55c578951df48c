// Vitest global setup: one PostgreSQL for the whole run, shared through `inject("pgUrl")`.
import type { TestProject } from "vitest/node";
import { startPostgres } from "./postgres";

declare module "vitest" {
    export interface ProvidedContext {
        pgUrl: string;
    }
}

export default async function setup(project: TestProject): Promise<() => void> {
    const pg = await startPostgres();
    project.provide("pgUrl", pg.url);
    return pg.stop;
}
