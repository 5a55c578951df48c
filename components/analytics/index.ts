export * from "./schema";
export * from "./tables";
export * from "./views";
export * from "./dataset";
export * from "./tableSet";
export * from "./viewSet";
