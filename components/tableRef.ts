// How a BigQuery table is referred to everywhere: migration steps, the migration's statements and
// dynamic resources, and the readers of a plan or preview. Plain data, so the policy pack and the
// phase's layout load it on their own.

/** A table in a dataset of a project. */
export interface TableRef {
    readonly project: string;
    readonly dataset: string;
    readonly table: string;
}

/** `project.dataset.table`, for messages and for matching references. */
export function qualifiedName(t: TableRef): string {
    return `${t.project}.${t.dataset}.${t.table}`;
}

/** `dataset.table`, as the migration's steps are shown in the plan and the stack's outputs. */
export function datasetTable(t: TableRef): string {
    return `${t.dataset}.${t.table}`;
}
