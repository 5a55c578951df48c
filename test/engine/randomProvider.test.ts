// The random stand-in as the engine meets it: the installed `pulumi-resource-random` script
// started as a process, its port read from stdout, every RPC made over gRPC with Pulumi's stubs.
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bcryptMatches } from "../../engine/random/bcrypt";
import { installRandomStandIn, npmSdkVersion } from "../../engine/standIn";
import { isSecret, reveal, secret, UNKNOWN } from "../../engine/values";
import { PluginProcess } from "../support/providerHost";

type Props = Record<string, any>;

const TYPE = "random:index/randomPassword:RandomPassword";
const urn = (name: string, type = TYPE) => `urn:pulumi:dev::synter-infra::synter:postgres:AuthDatabase$${type}::${name}`;

let host: PluginProcess;

beforeAll(async () => {
    host = await PluginProcess.install("random", installRandomStandIn, process.env);
});

afterAll(async () => {
    await host?.stop();
});

describe("the pulumi-resource-random plugin process", () => {
    it("is an executable script named as the engine looks for it", () => {
        const file = host.script;
        expect(fs.statSync(file).mode & 0o111).toBe(0o111);
        expect(fs.readFileSync(file, "utf8")).toContain(path.join("engine", "random", "main.ts"));
    });

    it("reports the version of the installed @pulumi/random SDK", async () => {
        expect(await host.version()).toBe(npmSdkVersion("random"));
        expect(npmSdkVersion("random")).toBe(require("@pulumi/random/package.json").version);
    });

    it("takes any provider configuration, changing nothing, and accepts secrets", async () => {
        expect(await host.checkConfig("urn:pulumi:dev::synter-infra::pulumi:providers:random::default_4_21_2", { version: "4.21.2" })).toEqual({ inputs: { version: "4.21.2" }, failures: [] });
        expect(await host.diffConfig({ version: "4.21.1" }, { version: "4.21.2" })).toBe("none");
        expect(await host.configure({})).toEqual({ acceptSecrets: true, supportsPreview: false });
    });
});

describe("a RandomPassword through gRPC", () => {
    const u = urn("auth-app-password");
    let created: { id: string; outs: Props };

    it("checks the program's inputs, filling in the plan's defaults", async () => {
        const r = await host.check(u, {}, { length: 32, special: false });
        expect(r).toEqual({
            inputs: { length: 32, special: false, upper: true, lower: true, number: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 },
            failures: [],
        });
    });

    it("refuses unknown inputs and other types by name", async () => {
        const r = await host.check(u, {}, { length: 32, exclude: "l1" });
        expect(r.failures).toEqual([{ property: "exclude", reason: expect.stringContaining("exclude is not an input of random:index/randomPassword:RandomPassword") }]);
        await expect(host.check(urn("s", "random:index/randomString:RandomString"), {}, { length: 3 })).rejects.toThrow(/random:index\/randomString:RandomString is not implemented by the local random stand-in/);
        expect((await host.check(u, {}, { length: UNKNOWN, special: false })).failures).toEqual([]);
    });

    it("creates a secret 32-character password of letters and digits with its bcrypt hash", async () => {
        const { inputs } = await host.check(u, {}, { length: 32, special: false });
        created = await host.create(u, inputs);
        expect(created.id).toBe("none");
        expect(isSecret(created.outs.result)).toBe(true);
        expect(isSecret(created.outs.bcryptHash)).toBe(true);
        const result = reveal(created.outs.result);
        expect(result).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(bcryptMatches(reveal(created.outs.bcryptHash), result)).toBe(true);
        expect(created.outs).toMatchObject({ length: 32, special: false, upper: true, numeric: true, minSpecial: 0 });
        const again = await host.create(u, inputs);
        expect(reveal(again.outs.result)).not.toBe(result);
    });

    it("plans nothing for the same inputs, and a replacement for any changed one", async () => {
        const { inputs } = await host.check(u, {}, { length: 32, special: false });
        expect(await host.diff("none", u, created.outs, inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        expect(await host.diff("none", u, created.outs, { ...inputs, length: 40 })).toEqual({ changes: "some", replaces: ["length"], deleteBeforeReplace: false });
        expect((await host.diff("none", u, created.outs, { ...inputs, special: true, keepers: { rotated: "2026-05" } })).replaces).toEqual(["keepers", "special"]);
        expect((await host.diff("none", u, created.outs, { ...inputs, minNumeric: UNKNOWN })).replaces).toEqual(["minNumeric"]);
    });

    it("updates in place only from an empty override_special to none, keeping the password", async () => {
        const olds = { ...created.outs, overrideSpecial: "" };
        const { inputs } = await host.check(u, {}, { length: 32, special: false });
        expect(await host.diff("none", u, olds, inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await host.update("none", u, olds, inputs);
        expect(reveal(outs.result)).toBe(reveal(created.outs.result));
        expect(isSecret(outs.result)).toBe(true);
        expect(outs.overrideSpecial).toBeUndefined();
    });

    it("reads the state back as it is", async () => {
        const r = await host.read("none", u, created.outs);
        expect(r.id).toBe("none");
        expect(r.props).toEqual(created.outs);
        expect(r.inputs).toEqual({ length: 32, special: false, upper: true, lower: true, number: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 });
    });

    it("imports a password from its value, as upstream's ImportState does", async () => {
        const r = await host.read("s3cr3t-Value", u, {});
        expect(r.id).toBe("none");
        expect(reveal(r.props.result)).toBe("s3cr3t-Value");
        expect(isSecret(r.props.result)).toBe(true);
        expect(r.props).toMatchObject({ length: 12, special: true, upper: true, lower: true, number: true, numeric: true, minUpper: 0 });
        expect(bcryptMatches(reveal(r.props.bcryptHash), "s3cr3t-Value")).toBe(true);
    });

    it("keeps secret inputs secret and deletes without a trace", async () => {
        const { inputs } = await host.check(u, {}, { length: 8, keepers: secret({ db: "auth" }) });
        expect(isSecret(inputs.keepers)).toBe(true);
        const c = await host.create(u, inputs);
        expect(isSecret(c.outs.keepers)).toBe(true);
        await expect(host.delete("none", u, c.outs)).resolves.toBeUndefined();
    });
});
