export { LocalWarehouse } from "./server";
export type { FaultSpec, LocalWarehouseOptions, RecordedRequest, TableDefinition, TableSummary } from "./server";
export { WarehouseControl } from "./control";
export { BigQueryError } from "./errors";
export type { Cell, Row } from "./cells";
export type { Field } from "./schema";
export type { JobLogEntry, StoreJson } from "./store";
export type { StatementResult } from "./query";
