export * from "./parity";
export * from "./statements";
export * from "./warehouse";
export * from "./operations";
export * from "./providers";
export * from "./analyticsMigration";
