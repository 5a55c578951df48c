export * from "./layout";
export * from "./tables";
export * from "./steps";
export * from "./views";
export * from "./parity";
export * from "./transitions";
