// The synter-infra policy pack: `pulumi preview --policy-pack policy`. Constructing the pack
// starts the policy server the Pulumi engine talks to, so the rules live in policies.ts.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("synter-infra", { policies });
