export * from "./phases";
export * from "./steps";
export * from "./parity";
export * from "./ddl";
export * from "./warehouse";
export * from "./cores";
export * from "./providers";
export * from "./migration";
