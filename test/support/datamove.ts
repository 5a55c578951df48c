// The data move's test set-up beyond its servers (servers/: the source database, the auth
// database): the local warehouse holding the catalogue's analytics tables, rows in every legacy
// table, and PostgreSQL's own text of what was written.
import { ANALYTICS_TABLES } from "../../components/analytics";
import { createCatalogueTable } from "../../servers/warehouse";
import type { LocalWarehouse } from "../../warehouse";

/** Creates the analytics tables in the warehouse, empty, as `pulumi up` would. */
export async function seedAnalyticsTables(warehouse: LocalWarehouse, project: string, dataset: string): Promise<void> {
    for (const t of ANALYTICS_TABLES) await createCatalogueTable(warehouse, project, dataset, t);
}

/** Rows of a query on a PostgreSQL database, every value as PostgreSQL's text. */
export async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<any[]> {
    const { Client } = await import("pg");
    const c = new Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } as any });
    await c.connect();
    try {
        await c.query("SET TimeZone = 'UTC'");
        return (await c.query(sql, params)).rows;
    } finally {
        await c.end();
    }
}

export const TRICKY = 'Ünïcödé, "quoted", comma, tab\tnewline\nback\\slash 😀 𝔘';

/** One or two rows in every legacy table: NULLs, 4-byte UTF-8, quotes, tabs, newlines, backslashes. */
export async function seedSource(mysql: (sql: string, params?: unknown[]) => Promise<any>): Promise<void> {
    await mysql(
        `INSERT INTO users (id, email, password_hash, display_name, is_active, created_at, updated_at, last_login_at) VALUES
           (1, 'Ana@Example.com', 'h1', ?, 1, '2025-01-02 03:04:05.123456', '2025-06-01 00:00:00.5', '2025-06-02 08:00:00'),
           (2, 'bo@example.com', NULL, NULL, 0, '2025-01-03 00:00:00', '2025-06-01 00:00:00', NULL),
           (7, 'cy@example.com', 'h3', 'Cy', 2, '2025-01-04 00:00:00', '2025-06-01 00:00:00', NULL);
         INSERT INTO sessions (id, user_id, token, created_at, expires_at, last_seen_at, user_agent, ip_address) VALUES
           (10, 1, 'tok-a', '2025-06-01 00:00:00', '2025-07-01 00:00:00', NULL, ?, '203.0.113.7'),
           (11, 7, 'tok-b', '2025-06-01 00:00:00', '2025-07-01 00:00:00', '2025-06-05 12:00:00', NULL, NULL);
         INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) VALUES
           (3, 1, 'default', '{"channels": ["search", "social"], "max_cpc": 1.25, "note": "a, \\\\"b\\\\""}', '2025-06-01 00:00:00', '2025-06-01 00:00:00');
         INSERT INTO events VALUES
           ('e1', 'signup', '2025-06-01 10:00:00.000001', 'google', 'c1', 'u1', 's1', '{"path": "/start", "utm": {"source": "g"}}'),
           ('e2', 'page_view', '2025-06-01 10:00:01', NULL, NULL, NULL, NULL, NULL),
           ('e3', 'purchase', '2025-06-02 23:59:59.999999', 'meta', 'c2', 'u2', NULL, '[1, 2.50, 3]');
         INSERT INTO ad_metrics VALUES
           ('2025-06-01', 'google', 'c1', 'g1', 1000, 50, 123.456789, 'USD', '2025-06-02 00:00:00'),
           ('2025-06-01', 'meta', 'c2', NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO conversions VALUES
           ('v1', '2025-06-01 11:00:00', 'signup', 'google', 'c1', 'u1', 30.00, 'USD', 'last_click', 0.9, '2025-06-02 00:00:00'),
           ('v2', '2025-06-01 12:00:00', 'purchase', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO touchpoints VALUES
           ('t1', '2025-06-01 09:00:00', 'u1', 'google', 'c1', 'paid_search', 1, 0.3, '2025-06-02 00:00:00');`,
        [TRICKY, TRICKY],
    );
}
