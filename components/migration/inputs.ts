import type { LegacyMode } from "../../config";
import { CATALOGUE, planViews } from "../analytics";
import { fillPlaceholders, readSqlFolder } from "../sql";
import { parityMappings } from "./parity";
import type { StepInputs } from "./steps";

/** What the migration is planned from, read from the catalogue and `sql/`; shared by the program and the SQL verification. */
export interface MigrationInputs {
    readonly steps: StepInputs;
    /** Filled parity SQL per mapping name (parity always compares against the `_v2` tables). */
    readonly parityQueries: Readonly<Record<string, string>>;
}

export function migrationInputs(project: string, dataset: string, backupDataset: string, legacy: LegacyMode): MigrationInputs {
    const v2Context = { project, dataset, v2: "_v2" };
    const parityFiles = readSqlFolder("parity");
    return {
        steps: {
            dataset,
            backupDataset,
            legacy: legacy === "none" ? [] : CATALOGUE.filter((t) => t.role === "legacy"),
            v2: CATALOGUE.filter((t) => t.role === "v2"),
            parity: parityMappings(parityFiles, v2Context, CATALOGUE),
            views: planViews(readSqlFolder("views"), v2Context, new Set(CATALOGUE.map((t) => t.name))).filter((v) => v.migrationBound),
        },
        parityQueries: Object.fromEntries(parityFiles.map((f) => [f.name, fillPlaceholders(f, v2Context)])),
    };
}
