// Vitest global setup of the integration project: one PostgreSQL and one MariaDB for the whole
// run, shared through `inject("pgUrl")` and `inject("mysqlUrl")`. Whatever was started is stopped,
// whether the other server failed to start, the run ended, or the process was interrupted.
import type { TestProject } from "vitest/node";
import { startPostgres } from "../../servers/postgres";
import { startMariaDb } from "../../servers/mariadb";

declare module "vitest" {
    export interface ProvidedContext {
        pgUrl: string;
        mysqlUrl: string;
    }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
    const stops: (() => Promise<void> | void)[] = [];
    const stopAll = async () => {
        for (const stop of stops.splice(0).reverse()) await Promise.resolve(stop()).catch(() => undefined);
    };
    const onSignal = (signal: NodeJS.Signals) => {
        void stopAll().finally(() => process.kill(process.pid, signal));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const [pg, maria] = await Promise.allSettled([startPostgres(), startMariaDb()]);
    if (pg.status === "fulfilled") stops.push(pg.value.stop);
    if (maria.status === "fulfilled") stops.push(maria.value.stop);
    if (pg.status === "rejected" || maria.status === "rejected") {
        await stopAll();
        throw pg.status === "rejected" ? pg.reason : (maria as PromiseRejectedResult).reason;
    }
    project.provide("pgUrl", pg.value.url);
    project.provide("mysqlUrl", maria.value.url);
    return async () => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await stopAll();
    };
}
