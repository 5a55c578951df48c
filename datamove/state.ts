// What a run has verified, so a re-run skips it. One JSON file; an entry counts only for the
// same target (a different database or dataset is a different move).
import * as fs from "fs";

export interface VerifiedTable {
    readonly target: string;
    readonly rows: number;
    readonly checksum: string;
    readonly verifiedAt: string;
}

export interface MoveState {
    version: 1;
    tables: Record<string, VerifiedTable>;
}

export function readState(file: string): MoveState {
    if (!fs.existsSync(file)) return { version: 1, tables: {} };
    try {
        const s = JSON.parse(fs.readFileSync(file, "utf8"));
        if (s?.version !== 1 || typeof s.tables !== "object") throw new Error("not a migrate-data state file");
        return s;
    } catch (err: any) {
        throw new Error(`--state ${file}: ${err.message}; move it away to start over`);
    }
}

export function writeState(file: string, state: MoveState): void {
    // Write then rename: a crash never leaves half a state file.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + "\n");
    fs.renameSync(`${file}.tmp`, file);
}
