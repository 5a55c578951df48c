import * as path from "path";

/** Repository root: where Pulumi.yaml, the stack files, `sql/` and the fixtures live. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
