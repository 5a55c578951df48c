export * from "./server";
export * from "./values";
export * from "./analyzer";
export * from "./wire";
