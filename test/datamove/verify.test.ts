// Lossless by construction: the values the issue found changed arrive exactly, and a lossy
// conversion of any type pair, injected on the way into the target, is caught as a mismatch
// that names the row, the column and both values. A mismatch in PostgreSQL is rolled back.
import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { moveData } from "../../datamove/move";
import type { Corrupt } from "../../datamove/target";
import { seedSource } from "../support/datamove";
import { statuses, useMoveFixture } from "./fixture";

const f = useMoveFixture();
const AUTH = ["users", "sessions", "campaign_policies"];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const POLICY = '{"max_cpc": 1.50, "budget": 12345678901234567890, "ratio": 0.1000000000000000055511151231257827, "tiny": 1e-30, "label": "a\\u00e9\\/\\n"}';

describe("exact values end to end", () => {
    it("keeps JSON numbers of any size and precision in PostgreSQL, and a JSON null apart from SQL NULL", async () => {
        await seedSource(f.mysql);
        // The stack's policy column must hold an object; this database relaxes it to show both nulls.
        await f.pg("ALTER TABLE auth.campaign_policies DROP CONSTRAINT campaign_policies_policy_check, ALTER COLUMN policy DROP NOT NULL");
        await f.mysql(`ALTER TABLE campaign_policies MODIFY policy JSON NULL; UPDATE campaign_policies SET policy = ? WHERE id = 3;
                       INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) VALUES (4, 1, 'json null', 'null', '2025-06-01', '2025-06-01'), (5, 1, 'sql null', NULL, '2025-06-01', '2025-06-01')`, [POLICY]);
        const reports = await moveData(f.options({ tables: AUTH }));
        expect(statuses(reports)).toEqual({ users: "verified", sessions: "verified", campaign_policies: "verified" });
        const rows = await f.pg("SELECT id, policy::text AS text, policy IS NULL AS sql_null, jsonb_typeof(policy) AS type FROM auth.campaign_policies ORDER BY id");
        expect(rows).toEqual([
            { id: "3", text: '{"tiny": 0.000000000000000000000000000001, "label": "aé/\\n", "ratio": 0.1000000000000000055511151231257827, "budget": 12345678901234567890, "max_cpc": 1.50}', sql_null: "f", type: "object" },
            { id: "4", text: "null", sql_null: "f", type: "null" },
            { id: "5", text: null, sql_null: "t", type: null },
        ]);
    });

    it("catches JSON read through doubles and a JSON null turned into NULL, names the rows, and rolls the table back", async () => {
        await seedSource(f.mysql);
        await f.pg("ALTER TABLE auth.campaign_policies DROP CONSTRAINT campaign_policies_policy_check");
        await f.mysql("UPDATE campaign_policies SET policy = ? WHERE id = 3; INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) VALUES (4, 1, 'json null', 'null', '2025-06-01', '2025-06-01')", [POLICY]);
        await moveData(f.options({ tables: AUTH }));
        // The old conversion: JSON.parse, then JSON.stringify; and a JSON null written as NULL where the column allows it.
        await f.pg("ALTER TABLE auth.campaign_policies ALTER COLUMN policy DROP NOT NULL");
        const lossy: Corrupt = (table, column, v) => (table === "campaign_policies" && column === "policy" && v !== null ? (v === "null" ? null : JSON.stringify(JSON.parse(v))) : v);
        const [policies] = await moveData(f.options({ tables: ["campaign_policies"], force: true, corrupt: lossy }));
        expect(policies.status).toBe("mismatch");
        const target = `postgres ${new URL(f.target).host}${new URL(f.target).pathname}`;
        // Long values are shown around where they first differ.
        expect(policies.differences).toEqual([
            expect.stringMatching(new RegExp(`^campaign_policies row id=3: column policy: read "\\{\\\\"budget\\\\":12345678901234567890,.*", ${esc(target)} holds "\\{\\\\"budget\\\\":12345678901234567000,.*"$`)),
            `campaign_policies row id=4: column policy: read "null", ${target} holds NULL`,
        ]);
        expect(policies.error).toMatch(/^campaign_policies: what the target holds is not what was read \(2 rows read, 2 in the target\); rolled back: campaign_policies was left as it was:\n {4}campaign_policies row id=3/);
        // Left as it was: the first, verified move's rows.
        expect(await f.pg("SELECT id, policy IS NULL AS sql_null, policy->>'budget' AS budget FROM auth.campaign_policies ORDER BY id")).toEqual([
            { id: "3", sql_null: "f", budget: "12345678901234567890" },
            { id: "4", sql_null: "f", budget: null },
        ]);
        expect(JSON.parse(fs.readFileSync(f.stateFile, "utf8")).tables.campaign_policies).toBeUndefined();
    });

    it("moves a user id at the BIGINT maximum, and the identity sequence stops there instead of failing the table", async () => {
        await f.mysql(`INSERT INTO users (id, email, created_at) VALUES (9223372036854775807, 'max@example.com', '2025-01-01'), (5, 'five@example.com', '2025-01-01');
                       INSERT INTO sessions (id, user_id, token, created_at, expires_at) VALUES (9223372036854775807, 9223372036854775807, 'tok-max', '2025-01-01', '2025-02-01')`);
        const reports = await moveData(f.options({ tables: AUTH }));
        expect(statuses(reports)).toEqual({ users: "verified", sessions: "verified", campaign_policies: "verified" });
        expect(await f.pg("SELECT s.user_id, u.email FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id")).toEqual([{ user_id: "9223372036854775807", email: "max@example.com" }]);
        expect(await f.pg("SELECT last_value, is_called FROM auth.users_id_seq")).toEqual([{ last_value: "9223372036854775807", is_called: "t" }]);
    });

    it("verifies addresses PostgreSQL writes differently, on every run", async () => {
        await seedSource(f.mysql);
        await f.mysql("UPDATE sessions SET ip_address = '2001:DB8:0:0:0:0:0:1' WHERE id = 10; UPDATE sessions SET ip_address = '::FFFF:10.0.0.1' WHERE id = 11");
        for (const force of [false, true]) {
            const reports = await moveData(f.options({ tables: AUTH, force }));
            expect(statuses(reports)).toEqual({ users: "verified", sessions: "verified", campaign_policies: "verified" });
        }
        expect(await f.pg("SELECT host(ip_address) AS ip FROM auth.sessions ORDER BY id")).toEqual([{ ip: "2001:db8::1" }, { ip: "::ffff:10.0.0.1" }]);
    });

    it("sends BigQuery JSON as written: numbers exact, a JSON null as null, SQL NULL as an absent field", async () => {
        await seedSource(f.mysql);
        await f.mysql(`UPDATE events SET properties = ? WHERE event_id = 'e1'; UPDATE events SET properties = 'null' WHERE event_id = 'e3'`, [POLICY]);
        const [events] = await moveData(f.options({ tables: ["events"] }));
        // BigQuery keeps a JSON column as loaded: the document's own text, its numbers exact; JSON's
        // null where the load gave null; SQL NULL only where the load left the field out.
        expect(f.rows("events").map((r) => [r.event_id, r.properties])).toEqual([["e1", POLICY], ["e2", null], ["e3", "null"]]);
        // Read back through tabledata.list, every row is what was read from the source.
        expect(events).toMatchObject({ status: "verified", sourceRows: 3, targetRows: 3 });
        expect(events.targetChecksum).toBe(events.sourceChecksum);
    });

    it("names the changed column, not a missing row, when every row differs", async () => {
        await f.mysql("INSERT INTO events (event_id, event_type, event_timestamp) SELECT CONCAT('e', seq), 'click', '2025-06-01' FROM seq_1_to_5000");
        const [events] = await moveData(f.options({ tables: ["events"], corrupt: (_t, c, v) => (c === "event_type" ? '"CLICK"' : v) }));
        expect(events.status).toBe("mismatch");
        expect(events.differences).toHaveLength(10);
        for (const d of events.differences!) expect(d).toMatch(/^events row event_id="e\d+": column event_type: read "click", bigquery \S+ holds "CLICK"$/);
    });

    it("names a row BigQuery lost", async () => {
        await seedSource(f.mysql);
        f.warehouse.loseRowsOnLoad = 1;
        const [events] = await moveData(f.options({ tables: ["events"] }));
        expect(events).toMatchObject({ status: "mismatch", sourceRows: 3, targetRows: 2 });
        expect(events.differences).toEqual([`events row event_id="e3": read from the source, not in bigquery synter-dev.synter_analytics`]);
        expect(events.error).toContain("the load job replaced events; it is not recorded as verified");
    });
});

/** One lossy conversion per type pair, and the difference the report must name. */
const LOSSY: { pair: string; table: string; column: string; corrupt: (v: string) => string; difference: RegExp }[] = [
    { pair: "VARCHAR → text", table: "users", column: "email", corrupt: (v) => v.toLowerCase(), difference: /^users row id=1: column email: read "Ana@Example\.com", postgres \S+ holds "ana@example\.com"$/ },
    { pair: "BIGINT → bigint", table: "users", column: "id", corrupt: (v) => (v === "7" ? "8" : v), difference: /^users row id=7: read from the source, not in postgres \S+$/ },
    { pair: "TINYINT(1) → boolean", table: "users", column: "is_active", corrupt: () => "t", difference: /^users row id=2: column is_active: read "f", postgres \S+ holds "t"$/ },
    { pair: "DATETIME(6) → timestamptz", table: "users", column: "created_at", corrupt: (v) => v.replace(/\.\d+/, ""), difference: /^users row id=1: column created_at: read 1735787045123456, postgres \S+ holds 1735787045000000$/ },
    { pair: "TIMESTAMP(6) → timestamptz", table: "users", column: "updated_at", corrupt: (v) => v.replace(/\+00$/, "+01"), difference: /^users row id=1: column updated_at: read 1748736000500000, postgres \S+ holds 1748732400500000$/ },
    { pair: "VARCHAR → inet", table: "sessions", column: "ip_address", corrupt: (v) => `${v}/24`, difference: /^sessions row id=10: column ip_address: read "203\.0\.113\.7\/32", postgres \S+ holds "203\.0\.113\.7\/24"$/ },
    { pair: "JSON → jsonb", table: "campaign_policies", column: "policy", corrupt: (v) => v.replace("1.25", "1.2"), difference: /^campaign_policies row id=3: column policy: read ".*\\"max_cpc\\":1\.25.*", postgres \S+ holds ".*\\"max_cpc\\":1\.2,.*"$/ },
    { pair: "ENUM → STRING", table: "events", column: "event_type", corrupt: (v) => v.toUpperCase(), difference: /^events row event_id="e1": column event_type: read "signup", bigquery \S+ holds "SIGNUP"$/ },
    { pair: "DATETIME(6) → TIMESTAMP", table: "events", column: "event_timestamp", corrupt: (v) => v.replace(/\.\d+Z/, "Z"), difference: /^events row event_id="e1": column event_timestamp: read 1748772000000001, bigquery \S+ holds 1748772000000000$/ },
    { pair: "JSON → JSON", table: "events", column: "properties", corrupt: (v) => v.replace('"g"', '"G"'), difference: /^events row event_id="e1": column properties: read ".*\\"source\\":\\"g\\".*", bigquery \S+ holds ".*\\"source\\":\\"G\\".*"$/ },
    { pair: "DECIMAL → NUMERIC", table: "ad_metrics", column: "spend", corrupt: (v) => v.replace("123.456789", "123.46"), difference: /^ad_metrics row \(metric_date="2025-06-01", platform="google", .*spend=123\.456789.*\): read from the source, not in bigquery \S+$/ },
    { pair: "DATE → DATE", table: "ad_metrics", column: "metric_date", corrupt: (v) => v.replace("06-01", "06-02"), difference: /^ad_metrics row \(metric_date="2025-06-01", platform="google", .*\): read from the source, not in bigquery \S+$/ },
    { pair: "DOUBLE → FLOAT64 in a RECORD", table: "conversions", column: "attribution", corrupt: (v) => v.replace("0.9", String(Math.fround(0.9))), difference: /^conversions row conversion_id="v1": column attribution: read "10:last_click3:0\.9", bigquery \S+ holds "10:last_click18:0\.8999999761581421"$/ },
    { pair: "INT → INT64", table: "touchpoints", column: "position", corrupt: (v) => v.replace('"1"', '"2"'), difference: /^touchpoints row touchpoint_id="t1": column position: read 1, bigquery \S+ holds 2$/ },
    { pair: "FLOAT → FLOAT64", table: "touchpoints", column: "attribution_weight", corrupt: (v) => String(Math.fround(Number(v))), difference: /^touchpoints row touchpoint_id="t1": column attribution_weight: read 0\.3, bigquery \S+ holds 0\.30000001192092896$/ },
    { pair: "the move's own stamp → TIMESTAMP", table: "events", column: "ingested_at", corrupt: (v) => `"${new Date(Date.parse(JSON.parse(v)) + 1000).toISOString()}"`, difference: /^events row event_id="e1": column ingested_at: read (\d+), bigquery \S+ holds (?!\1)\d+$/ },
];

describe("a lossy conversion of any type pair is caught", () => {
    it.each(LOSSY)("$pair: $table, column $column", async ({ table, column, corrupt, difference }) => {
        await seedSource(f.mysql);
        const pgTable = AUTH.includes(table);
        if (pgTable && table !== "users") await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        const reports = await moveData(f.options({ tables: pgTable && table === "users" ? AUTH : [table], force: true, corrupt: (t, c, v) => (t === table && c === column && v !== null ? corrupt(v) : v) }));
        const report = reports.find((r) => r.table === table)!;
        expect(report.status).toBe("mismatch");
        expect(report.differences![0]).toMatch(difference);
        expect(JSON.parse(fs.readFileSync(f.stateFile, "utf8")).tables[table]).toBeUndefined();
        if (pgTable) expect(Number((await f.pg(`SELECT count(*) AS n FROM auth.${table}`))[0].n)).toBe(table === "users" ? 0 : table === "sessions" ? 2 : 1);
    });
});
