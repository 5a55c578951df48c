/** What the migration's operations need to know of a table. */
export interface TableInfo {
    readonly numRows: number;
    /** Rows still in the streaming buffer: BigQuery refuses renames and snapshots miss them. */
    readonly streamingBuffer: boolean;
}

export interface QueryOptions {
    /** Validate and price the query without running it. */
    readonly dryRun?: boolean;
}

/** The few BigQuery calls the migration makes; its operations take it injected. */
export interface Warehouse {
    readonly project: string;
    /** Table metadata, or undefined when the table does not exist. */
    getTable(dataset: string, table: string): Promise<TableInfo | undefined>;
    /** Runs a GoogleSQL statement; every statement carries the configured maximumBytesBilled. */
    query(sql: string, options?: QueryOptions): Promise<{ rows: Record<string, unknown>[]; bytesProcessed: number }>;
}

/**
 * The project's one way to make a `@google-cloud/bigquery` client (the migration's warehouse,
 * the data move). It honours BIGQUERY_EMULATOR_HOST as the library does. Load-job uploads go
 * through teeny-request, which needs a headers object on the request; the auth step that
 * normally adds one is skipped on a custom endpoint, so every request gets one here.
 */
export function bigQueryClient(project: string, location?: string): import("@google-cloud/bigquery").BigQuery {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { BigQuery } = require("@google-cloud/bigquery") as typeof import("@google-cloud/bigquery");
    // On a local endpoint no credentials are used; without this the auth library still probes
    // the GCE metadata server's link-local address to find out whether it runs on Google Cloud.
    if (process.env.BIGQUERY_EMULATOR_HOST && !process.env.METADATA_SERVER_DETECTION) process.env.METADATA_SERVER_DETECTION = "none";
    const client = new BigQuery({ projectId: project, ...(location ? { location } : {}) });
    const authenticated = client.makeAuthenticatedRequest;
    client.makeAuthenticatedRequest = Object.assign(
        (reqOpts: any, opts?: any) => authenticated({ ...reqOpts, headers: { ...(reqOpts?.headers ?? {}) } }, opts),
        authenticated,
    ) as typeof authenticated;
    return client;
}

/**
 * A Warehouse over the real `@google-cloud/bigquery` client. The module is required here,
 * not at the top of the file, because dynamic providers are serialized and run in Pulumi's
 * provider host, where only what the method itself loads exists.
 */
export function bigQueryWarehouse(project: string, location: string, maximumBytesBilled: number): Warehouse {
    const client = bigQueryClient(project, location);
    return {
        project,
        async getTable(dataset: string, table: string): Promise<TableInfo | undefined> {
            try {
                const [meta] = await client.dataset(dataset).table(table).getMetadata();
                return { numRows: Number(meta.numRows ?? 0), streamingBuffer: !!meta.streamingBuffer };
            } catch (err: any) {
                if (err?.code === 404) return undefined;
                throw err;
            }
        },
        async query(sql: string, options: QueryOptions = {}) {
            const [job] = await client.createQueryJob({
                query: sql,
                location,
                useLegacySql: false,
                dryRun: options.dryRun ?? false,
                maximumBytesBilled: String(maximumBytesBilled),
                labels: { "managed-by": "pulumi", component: "synter-migration" },
            });
            const bytesProcessed = Number(job.metadata?.statistics?.totalBytesProcessed ?? 0);
            if (options.dryRun) return { rows: [], bytesProcessed };
            const [rows] = await job.getQueryResults();
            return { rows, bytesProcessed };
        },
    };
}
