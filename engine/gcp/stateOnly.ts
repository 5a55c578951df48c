// The resource types with no local API behind them: project services, service accounts,
// project IAM members and service account keys. They exist in Pulumi's state only. Create
// computes what Google would answer (the account's email and name, a real RSA key in a
// credentials file), Read hands back the state, Delete forgets. Inputs, defaults, ids and
// ForceNew are the real provider's, so plans match; nothing is enabled, granted or issued.
import { createHash, generateKeyPairSync, randomBytes } from "crypto";
import { GCP_TYPES } from "./forceNew";
import { Created, DELETION_POLICIES, deletionPolicyStops, Failure, inputsOf, ReadBack, ResourceKind } from "./kind";
import { sameMember, memberProblem } from "./datasetIamMember";
import { compact, isUnknown, Props } from "../values";

const deletionPolicyCheck = (inputs: Props): Failure[] =>
    typeof inputs.deletionPolicy === "string" && !isUnknown(inputs.deletionPolicy) && !DELETION_POLICIES.includes(inputs.deletionPolicy)
        ? [{ property: "deletionPolicy", reason: `deletionPolicy must be one of ${DELETION_POLICIES.join(", ")}` }]
        : [];

/** Read of a state-only resource: the state as it is; with no state, what the id alone tells, if anything. */
function readState(kind: ResourceKind, id: string, state: Props | undefined, fromId: (id: string) => Props | undefined): ReadBack | undefined {
    const outs = state && Object.keys(state).length > 0 ? state : fromId(id);
    if (!outs) throw new Error(`${kind.token} "${id}" cannot be read: the local gcp stand-in keeps it in Pulumi's state only and has nothing to import it from`);
    return { id, outs, inputs: inputsOf(kind, outs) };
}

// GetResourceNameFromSelfLink: "projects/p" and "p" name the same project.
const projectName = (v: unknown) => String(v ?? "").split("/").pop();

// ---- gcp:projects/service:Service (resource_google_project_service.go)

const BANNED_SERVICES = ["bigquery-json.googleapis.com"];

export const serviceKind: ResourceKind = {
    token: GCP_TYPES.service,
    inputs: {
        service: { required: true },
        project: { computed: true, same: (a, b) => projectName(a) === projectName(b) },
        disableOnDestroy: {},
        disableDependentServices: {},
        checkIfServiceHasUsageOnDestroy: {},
        deletionPolicy: { default: "DELETE" },
    },
    validate(inputs) {
        const s = inputs.service;
        const f: Failure[] = deletionPolicyCheck(inputs);
        if (typeof s === "string" && !isUnknown(s)) {
            if (BANNED_SERVICES.includes(s)) f.push({ property: "service", reason: `expected service not to be one of [${BANNED_SERVICES.join(" ")}], got ${s}` });
            else if (!s.includes(".")) f.push({ property: "service", reason: `expected ${s} to be a domain like serviceusage.googleapis.com` });
        }
        return f;
    },
    async create(inputs): Promise<Created> {
        return { id: `${inputs.project}/${inputs.service}`, outs: { ...inputs } };
    },
    async read(id, state) {
        return readState(serviceKind, id, state, (i) => {
            const [project, service] = i.split("/");
            return project && service ? { project, service, deletionPolicy: "DELETE" } : undefined;
        });
    },
    async update(_id, _olds, news) {
        return { ...news };
    },
    async delete(id, olds) {
        deletionPolicyStops(id, olds);
    },
};

// ---- gcp:serviceaccount/account:Account (resource_google_service_account.go)

// verify.ValidateRFC1035Name(6, 30)
const ACCOUNT_ID = /^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$/;

/** A stable 21-digit unique id for an account email (Google's are numeric strings of that length). */
export function uniqueIdOf(email: string): string {
    const digits = BigInt("0x" + createHash("sha256").update(email).digest("hex").slice(0, 24)).toString().padStart(20, "0").slice(-20);
    return "1" + digits;
}

export const accountEmail = (accountId: string, project: string) => `${accountId}@${project}.iam.gserviceaccount.com`;

function accountOutputs(inputs: Props): Props {
    const email = accountEmail(String(inputs.accountId), String(inputs.project));
    return compact({
        ...inputs,
        email,
        name: `projects/${inputs.project}/serviceAccounts/${email}`,
        uniqueId: uniqueIdOf(email),
        member: `serviceAccount:${email}`,
        disabled: inputs.disabled ?? false,
    });
}

export const accountKind: ResourceKind = {
    token: GCP_TYPES.account,
    inputs: {
        accountId: { required: true },
        project: { computed: true },
        displayName: {},
        description: {},
        disabled: { default: false },
        createIgnoreAlreadyExists: {},
        deletionPolicy: { default: "DELETE" },
    },
    validate(inputs) {
        const f: Failure[] = deletionPolicyCheck(inputs);
        const a = inputs.accountId;
        if (typeof a === "string" && !isUnknown(a) && !ACCOUNT_ID.test(a)) f.push({ property: "accountId", reason: `"account_id" ("${a}") doesn't match regexp "${ACCOUNT_ID.source}"` });
        const d = inputs.description;
        if (typeof d === "string" && Buffer.byteLength(d) > 256) f.push({ property: "description", reason: `expected length of description to be in the range (0 - 256), got ${d}` });
        return f;
    },
    async create(inputs) {
        const outs = accountOutputs(inputs);
        return { id: String(outs.name), outs };
    },
    async read(id, state) {
        return readState(accountKind, id, state, (i) => {
            const m = /^projects\/([^/]+)\/serviceAccounts\/(([^@/]+)@[^/]+)$/.exec(i);
            return m ? accountOutputs({ project: m[1], accountId: m[3], deletionPolicy: "DELETE" }) : undefined;
        });
    },
    async update(_id, _olds, news) {
        return accountOutputs(news);
    },
    async delete(id, olds) {
        deletionPolicyStops(id, olds);
    },
};

// ---- gcp:projects/iAMMember:IAMMember (tpgiamresource/resource_iam_member.go + iam_project.go)

export const iamMemberKind: ResourceKind = {
    token: GCP_TYPES.iamMember,
    inputs: {
        project: { required: true, same: (a, b) => projectName(a) === projectName(b) },
        role: { required: true },
        member: { required: true, same: sameMember },
        condition: {},
    },
    validate(inputs) {
        const m = inputs.member;
        const problem = typeof m === "string" && !isUnknown(m) ? memberProblem(m) : undefined;
        return problem ? [{ property: "member", reason: problem }] : [];
    },
    async create(inputs) {
        const cond = inputs.condition as Props | undefined;
        // resourceIamMemberCreate: {resource}/{role}/{member}[/{condition key}].
        const id = `${inputs.project}/${inputs.role}/${inputs.member}` + (cond ? `/${[cond.title, cond.description, cond.expression].filter(Boolean).join("/")}` : "");
        return { id, outs: { ...inputs, etag: randomBytes(8).toString("base64") } };
    },
    async read(id, state) {
        return readState(iamMemberKind, id, state, () => undefined);
    },
    async update(_id, olds, news) {
        return { ...news, etag: olds.etag };
    },
    async delete() {
        // Nothing was granted anywhere.
    },
};

// ---- gcp:serviceaccount/key:Key (resource_google_service_account_key.go)

const KEY_ALGORITHMS = ["KEY_ALG_UNSPECIFIED", "KEY_ALG_RSA_1024", "KEY_ALG_RSA_2048"];
const PRIVATE_KEY_TYPES = ["TYPE_UNSPECIFIED", "TYPE_PKCS12_FILE", "TYPE_GOOGLE_CREDENTIALS_FILE"];
const PUBLIC_KEY_TYPES = ["TYPE_NONE", "TYPE_X509_PEM_FILE", "TYPE_RAW_PUBLIC_KEY"];

/** The account a key belongs to, from serviceAccountId as tpgresource.ServiceAccountFQN reads it. */
export function keyAccount(serviceAccountId: string, project: string | undefined): { project: string; email: string } {
    const full = /^projects\/([^/]+)\/serviceAccounts\/([^/]+@[^/]+)$/.exec(serviceAccountId);
    if (full) return { project: full[1] === "-" ? full[2].split("@")[1].split(".")[0] : full[1], email: full[2] };
    if (serviceAccountId.includes("@")) {
        const fromEmail = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(serviceAccountId)?.[1];
        const p = project ?? fromEmail;
        if (!p) throw new Error(`serviceAccountId "${serviceAccountId}" names no project and gcp:project is not set`);
        return { project: p, email: serviceAccountId };
    }
    throw new Error(`serviceAccountId "${serviceAccountId}": the local gcp stand-in needs the account's email (projects/{project}/serviceAccounts/{email} or {email}), it cannot look up unique ids`);
}

/** A service account key as the IAM API creates it: the private key is base64 of a credentials file with a real RSA key. */
export function makeKey(inputs: Props, project: string | undefined): Props {
    const { project: p, email } = keyAccount(String(inputs.serviceAccountId), project);
    const bits = inputs.keyAlgorithm === "KEY_ALG_RSA_1024" ? 1024 : 2048;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
        modulusLength: bits,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const keyId = randomBytes(20).toString("hex");
    const uniqueId = uniqueIdOf(email);
    // The layout of the JSON key file the IAM API returns for TYPE_GOOGLE_CREDENTIALS_FILE.
    const credentials = {
        type: "service_account",
        project_id: p,
        private_key_id: keyId,
        private_key: privateKey,
        client_email: email,
        client_id: uniqueId,
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: "https://oauth2.googleapis.com/token",
        auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
        universe_domain: "googleapis.com",
    };
    return compact({
        ...inputs,
        name: `projects/${p}/serviceAccounts/${email}/keys/${keyId}`,
        keyAlgorithm: bits === 1024 ? "KEY_ALG_RSA_1024" : "KEY_ALG_RSA_2048",
        privateKey: Buffer.from(JSON.stringify(credentials, null, 2) + "\n").toString("base64"),
        // The public half as a PEM SubjectPublicKeyInfo, base64 like the API's publicKeyData (not an X.509 certificate).
        publicKey: Buffer.from(publicKey).toString("base64"),
        validAfter: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        validBefore: "9999-12-31T23:59:59Z",
    });
}

export const keyKind: ResourceKind = {
    token: GCP_TYPES.key,
    inputs: {
        serviceAccountId: { required: true },
        keyAlgorithm: { default: "KEY_ALG_RSA_2048" },
        privateKeyType: { default: "TYPE_GOOGLE_CREDENTIALS_FILE" },
        publicKeyType: { default: "TYPE_X509_PEM_FILE" },
        publicKeyData: {},
        keepers: {},
        deletionPolicy: { default: "DELETE" },
    },
    validate(inputs, ctx) {
        const f: Failure[] = deletionPolicyCheck(inputs);
        const oneOf = (prop: string, allowed: string[]) => {
            const v = inputs[prop];
            if (typeof v === "string" && !isUnknown(v) && !allowed.includes(v)) f.push({ property: prop, reason: `expected ${prop} to be one of [${allowed.join(" ")}], got ${v}` });
        };
        oneOf("keyAlgorithm", KEY_ALGORITHMS);
        oneOf("privateKeyType", PRIVATE_KEY_TYPES);
        oneOf("publicKeyType", PUBLIC_KEY_TYPES);
        if (inputs.privateKeyType === "TYPE_PKCS12_FILE") f.push({ property: "privateKeyType", reason: "TYPE_PKCS12_FILE is not implemented by the local gcp stand-in; use TYPE_GOOGLE_CREDENTIALS_FILE" });
        if (inputs.publicKeyData !== undefined) f.push({ property: "publicKeyData", reason: "uploading a public key is not implemented by the local gcp stand-in" });
        const sa = inputs.serviceAccountId;
        if (typeof sa === "string" && !isUnknown(sa)) {
            try {
                keyAccount(sa, ctx.config.project);
            } catch (e) {
                f.push({ property: "serviceAccountId", reason: (e as Error).message });
            }
        }
        return f;
    },
    // The private key exists only in the state; it is a secret there, as pulumi-gcp marks it.
    secretOutputs: ["privateKey"],
    async create(inputs, ctx) {
        const outs = makeKey(inputs, ctx.config.project);
        return { id: String(outs.name), outs };
    },
    async read(id, state) {
        // The key resource has no importer upstream: a key's private half cannot be read back.
        return readState(keyKind, id, state, () => undefined);
    },
    async update(_id, olds, news) {
        // Only the deletion policy can change in place; the key stays the one created.
        const kept = Object.fromEntries(Object.entries(olds).filter(([k]) => !(k in keyKind.inputs)));
        return { ...kept, ...news };
    },
    async delete(id, olds) {
        deletionPolicyStops(id, olds);
    },
};
