// The random stand-in as the engine meets it: the installed `pulumi-resource-random` script
// started as a process, its port read from stdout, every RPC made over gRPC with Pulumi's stubs.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bcryptMatches } from "../../engine/random/bcrypt";
import { installRandomStandIn, npmSdkVersion } from "../../engine/standIn";
import { ProviderHost } from "../support/providerHost";

const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

type Props = Record<string, any>;

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const TYPE = "random:index/randomPassword:RandomPassword";
const urn = (name: string, type = TYPE) => `urn:pulumi:dev::synter-infra::synter:postgres:AuthDatabase$${type}::${name}`;
const isSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Props)[SIG] === SECRET_SIG;
const reveal = (v: any) => (isSecret(v) ? v.value : v);
const secret = (value: unknown) => ({ [SIG]: SECRET_SIG, value });

let host: ProviderHost;
let client: any;
let binDir: string;

const call = <T = any>(method: string, req: unknown): Promise<T> => new Promise((resolve, reject) => client[method](req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));

async function read(id: string, u: string, props: Props = {}): Promise<{ id: string; props: Props; inputs?: Props }> {
    const req = new provproto.ReadRequest();
    req.setId(id);
    req.setUrn(u);
    req.setProperties(structproto.Struct.fromJavaScript(props));
    const resp: any = await call("read", req);
    return { id: resp.getId(), props: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
}

beforeAll(async () => {
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), "random-stand-in-"));
    const script = installRandomStandIn(binDir);
    const child = spawn(script, ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"] });
    ({ host, client } = await ProviderHost.attach(child, "pulumi-resource-random"));
});

afterAll(async () => {
    await host?.stop();
    if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
});

describe("the pulumi-resource-random plugin process", () => {
    it("is an executable script named as the engine looks for it", () => {
        const file = path.join(binDir, "pulumi-resource-random");
        expect(fs.statSync(file).mode & 0o111).toBe(0o111);
        expect(fs.readFileSync(file, "utf8")).toContain(path.join("engine", "random", "main.ts"));
    });

    it("reports the version of the installed @pulumi/random SDK", async () => {
        const info: any = await call("getPluginInfo", new emptyproto.Empty());
        expect(info.getVersion()).toBe(npmSdkVersion("random"));
        expect(npmSdkVersion("random")).toBe(require("@pulumi/random/package.json").version);
    });

    it("takes any provider configuration, changing nothing, and accepts secrets", async () => {
        const check = new provproto.CheckRequest();
        check.setUrn("urn:pulumi:dev::synter-infra::pulumi:providers:random::default_4_21_2");
        check.setOlds(structproto.Struct.fromJavaScript({}));
        check.setNews(structproto.Struct.fromJavaScript({ version: "4.21.2" }));
        const checked: any = await call("checkConfig", check);
        expect(checked.getInputs().toJavaScript()).toEqual({ version: "4.21.2" });
        expect(checked.getFailuresList()).toEqual([]);
        const diff = new provproto.DiffRequest();
        diff.setOlds(structproto.Struct.fromJavaScript({ version: "4.21.1" }));
        diff.setNews(structproto.Struct.fromJavaScript({ version: "4.21.2" }));
        expect((await call<any>("diffConfig", diff)).getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
        const configure = new provproto.ConfigureRequest();
        configure.setArgs(structproto.Struct.fromJavaScript({}));
        configure.setAcceptsecrets(true);
        const resp: any = await call("configure", configure);
        expect(resp.getAcceptsecrets()).toBe(true);
        expect(resp.getSupportspreview()).toBe(false);
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
        const r = await read("none", u, created.outs);
        expect(r.id).toBe("none");
        expect(r.props).toEqual(created.outs);
        expect(r.inputs).toEqual({ length: 32, special: false, upper: true, lower: true, number: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 });
    });

    it("imports a password from its value, as upstream's ImportState does", async () => {
        const r = await read("s3cr3t-Value", u, {});
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
