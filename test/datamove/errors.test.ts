// Every failure names the table, the row's key, the column and the value, and leaves the table
// as it was: values the source cannot give (zero and impossible dates, broken JSON), values the
// target refuses (its constraints, checked during the COPY or at its end), and bad input.
import { describe, expect, it } from "vitest";
import { MoveInputError, moveData } from "../../datamove/move";
import { seedSource } from "../support/datamove";
import { statuses, useMoveFixture } from "./fixture";

const f = useMoveFixture();
const count = async (table: string) => Number((await f.pg(`SELECT count(*) AS n FROM auth.${table}`))[0].n);

describe("dates MySQL lets in and the targets do not", () => {
    it("refuses a zero date by default, naming the row", async () => {
        await seedSource(f.mysql);
        await f.mysql("UPDATE users SET last_login_at = '0000-00-00 00:00:00' WHERE id = 7");
        const [users] = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(users).toMatchObject({
            status: "failed",
            error: `users row id=7: column last_login_at = "0000-00-00 00:00:00": zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL; nothing of users was written`,
        });
        expect(await count("users")).toBe(0);
    });

    it("moves zero dates as NULL with --zero-dates null, except into a required column", async () => {
        await seedSource(f.mysql);
        await f.mysql("UPDATE users SET last_login_at = '0000-00-00 00:00:00' WHERE id = 7; UPDATE users SET last_login_at = '2025-03-00 10:00:00' WHERE id = 2");
        const reports = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"], zeroDates: "null" }));
        expect(statuses(reports)).toEqual({ users: "verified", sessions: "verified", campaign_policies: "verified" });
        expect(await f.pg("SELECT id, last_login_at FROM auth.users WHERE id IN (2, 7) ORDER BY id")).toEqual([{ id: "2", last_login_at: null }, { id: "7", last_login_at: null }]);

        await f.mysql("INSERT INTO sessions (id, user_id, token, created_at, expires_at) VALUES (12, 1, 'tok-c', '2025-06-01 00:00:00', '0000-00-00 00:00:00')");
        const again = await moveData(f.options({ tables: ["sessions"], zeroDates: "null", force: true }));
        expect(again[0].error).toBe(`sessions row id=12: column expires_at = "0000-00-00 00:00:00": zero date cannot become NULL: expires_at is required; nothing of sessions was written`);
    });

    it("refuses an impossible date whatever the option, and runs no load job", async () => {
        await seedSource(f.mysql);
        await f.mysql("UPDATE events SET event_timestamp = '2025-02-30 10:00:00' WHERE event_id = 'e3'");
        const [events] = await moveData(f.options({ tables: ["events"], zeroDates: "null" }));
        expect(events.error).toBe(`events row event_id="e3": column event_timestamp = "2025-02-30 10:00:00.000000": no such day (MySQL's ALLOW_INVALID_DATES lets it in); nothing of events was written`);
        expect(f.uploads()).toBe(0);
    });

    it("leaves a BigQuery table as it was when the bad row comes after many rows already sent", async () => {
        await seedSource(f.mysql);
        expect((await moveData(f.options({ tables: ["events"] })))[0].status).toBe("verified");
        const before = f.rows("events");
        const loads = f.warehouse.jobLog.filter((j) => j.kind === "load").length;
        // Rows stream into the load's upload as they are read: these go out before e3 is reached.
        await f.mysql("INSERT INTO events (event_id, event_type, event_timestamp, properties) SELECT CONCAT('a', LPAD(seq, 5, '0')), 'click', '2025-06-01', JSON_OBJECT('pad', REPEAT('x', 200)) FROM seq_1_to_5000");
        await f.mysql("UPDATE events SET event_timestamp = '2025-02-30 10:00:00' WHERE event_id = 'e3'");
        const [events] = await moveData(f.options({ tables: ["events"], force: true }));
        expect(events.error).toBe(`events row event_id="e3": column event_timestamp = "2025-02-30 10:00:00.000000": no such day (MySQL's ALLOW_INVALID_DATES lets it in); nothing of events was written`);
        expect(f.warehouse.jobLog.filter((j) => j.kind === "load")).toHaveLength(loads);
        expect(f.rows("events")).toEqual(before);
    });

    it("names a row of a table without a key by all its values", async () => {
        await seedSource(f.mysql);
        await f.mysql("UPDATE ad_metrics SET metric_date = '0000-00-00' WHERE platform = 'meta'");
        const [metrics] = await moveData(f.options({ tables: ["ad_metrics"] }));
        expect(metrics.error).toBe(
            `ad_metrics row (metric_date="0000-00-00", platform="meta", campaign_id="c2", ad_group_id=NULL, impressions=NULL, clicks=NULL, spend=NULL, currency=NULL, ingested_at="2025-06-02 00:00:00"): column metric_date = "0000-00-00": zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL; nothing of ad_metrics was written`,
        );
    });
});

describe("values a target refuses", () => {
    it("a missing foreign key, raised at the end of the COPY: the row is found by the value PostgreSQL's detail names", async () => {
        await seedSource(f.mysql);
        await f.mysql("INSERT INTO sessions (id, user_id, token, created_at, expires_at) VALUES (12, 99, 'tok-c', '2025-06-01 00:00:00', '2025-07-01 00:00:00')");
        const reports = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(statuses(reports)).toEqual({ users: "verified", sessions: "failed", campaign_policies: "verified" });
        expect(reports[1].error).toBe(
            `sessions row id=12: column user_id = 99: insert or update on table "sessions" violates foreign key constraint "sessions_user_id_fkey" (Key (user_id)=(99) is not present in table "users".); nothing of sessions was written`,
        );
        expect(await count("sessions")).toBe(0);
    });

    it("a check on one column and a check across two, named by the COPY line's row", async () => {
        await seedSource(f.mysql);
        await f.mysql("INSERT INTO users (id, email, created_at) VALUES (9, ' padded@example.com', '2025-01-01')");
        const [users] = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(users.error).toBe(`users row id=9: column email = " padded@example.com": new row for relation "users" violates check constraint "users_email_check"; nothing of users was written`);

        await f.mysql("DELETE FROM users WHERE id = 9; INSERT INTO sessions (id, user_id, token, created_at, expires_at) VALUES (12, 1, 'tok-c', '2025-06-02 00:00:00', '2025-06-01 00:00:00')");
        const reports = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(reports[1].error).toBe(
            `sessions row id=12: columns created_at = "2025-06-02 00:00:00", expires_at = "2025-06-01 00:00:00": new row for relation "sessions" violates check constraint "sessions_expire_after_creation"; nothing of sessions was written`,
        );
    });

    it("a unique index on an expression, built after the COPY: every row sharing the key, and the value", async () => {
        await seedSource(f.mysql);
        await f.mysql("INSERT INTO users (id, email, created_at) VALUES (8, 'ana@example.com', '2025-01-01')");
        const [users] = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(users.error).toBe(
            `users rows id=1, id=8: column lower(email) = "ana@example.com": could not create unique index "users_email_lower_key" (Key (lower(email))=(ana@example.com) is duplicated.); nothing of users was written`,
        );
        // The index the load set aside is back.
        expect(await f.pg("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_email_lower_key'")).toEqual([{ indexdef: "CREATE UNIQUE INDEX users_email_lower_key ON auth.users USING btree (lower(email))" }]);
    });

    it("a value out of the target type's range, named by the COPY line's row", async () => {
        await f.mysql("ALTER TABLE users MODIFY id BIGINT UNSIGNED NOT NULL; INSERT INTO users (id, email, created_at) VALUES (1, 'a@example.com', '2025-01-01'), (18446744073709551615, 'b@example.com', '2025-01-01')");
        const [users] = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(users.error).toBe(`users row id=18446744073709551615: column id = 18446744073709551615: value "18446744073709551615" is out of range for type bigint; nothing of users was written`);
    });

    it("text that is not JSON, and an address that is not one", async () => {
        await seedSource(f.mysql);
        // MariaDB's JSON is LONGTEXT with a json_valid check; a plain LONGTEXT column takes anything.
        await f.mysql("ALTER TABLE events MODIFY properties LONGTEXT NULL; INSERT INTO events (event_id, event_type, event_timestamp, properties) VALUES ('e4', 'click', '2025-06-01', '{oops')");
        const [events] = await moveData(f.options({ tables: ["events"] }));
        expect(events.error).toBe(`events row event_id="e4": column properties = "{oops": not valid JSON: expected a key at character 2; nothing of events was written`);
        expect(f.uploads()).toBe(0);

        await f.mysql("UPDATE sessions SET ip_address = 'not-an-ip' WHERE id = 11");
        const reports = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies"] }));
        expect(reports[1].error).toBe(`sessions row id=11: column ip_address = "not-an-ip": not an IP address; nothing of sessions was written`);
    });
});

describe("bad input writes nothing and says where", () => {
    it("an unreachable source", async () => {
        const err = await moveData(f.options({ source: "mysql://root:secret@127.0.0.1:1/synter" })).catch((e) => e);
        expect(err).toBeInstanceOf(MoveInputError);
        expect(err.message).toMatch(/^cannot connect to the source mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/synter: ECONNREFUSED/);
    });

    it("a missing source table, a source column with no place in the target, and a type pair with no canonical form", async () => {
        await seedSource(f.mysql);
        await f.mysql("DROP TABLE touchpoints; ALTER TABLE users ADD COLUMN legacy_flag INT NULL; ALTER TABLE users MODIFY is_active VARCHAR(5) NOT NULL");
        const err = await moveData(f.options()).catch((e) => e);
        expect(err).toBeInstanceOf(MoveInputError);
        expect(err.message).toContain("users.legacy_flag has no column in auth.users: its data would be lost");
        expect(err.message).toContain("users.is_active (MySQL varchar(5)) into auth.users.is_active (boolean): not a type pair the mover can verify; BOOL takes boolean, integer");
        expect(err.message).toContain(`source table touchpoints does not exist in database ${new URL(f.source).pathname.slice(1)}`);
        expect(await count("users")).toBe(0);
        expect(f.uploads()).toBe(0);
    });

    it("a table whose replacement would empty a table left out of the run", async () => {
        await seedSource(f.mysql);
        const err = await moveData(f.options({ tables: ["users"] })).catch((e) => e);
        expect(err).toBeInstanceOf(MoveInputError);
        expect(err.message).toBe(
            "nothing was moved:\n  moving users empties auth.sessions, which references it: move sessions too (--tables)\n  moving users empties auth.campaign_policies, which references it: move campaign_policies too (--tables)",
        );
    });

    it("a missing target, unknown tables, missing URLs and a bad offset", async () => {
        await f.warehouse.query("DROP TABLE `synter-dev.synter_analytics.ad_metrics`");
        await expect(moveData(f.options({ tables: ["ad_metrics"] }))).rejects.toThrow("BigQuery table synter-dev.synter_analytics.ad_metrics does not exist: run `pulumi up` for the stack first");
        await expect(moveData(f.options({ tables: ["users", "orders"] }))).rejects.toThrow("--tables: unknown orders; the tables are users, sessions, campaign_policies, events, ad_metrics, conversions, touchpoints");
        await expect(moveData(f.options({ postgres: undefined, tables: ["users"] }))).rejects.toThrow("--postgres is required to move users");
        await expect(moveData(f.options({ datetimeOffset: "CET" }))).rejects.toThrow("--datetime-offset CET: expected ±HH:MM");
    });
});
