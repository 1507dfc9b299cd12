export { GraderManager } from "./components/GraderManager";
export { GradingResults } from "./components/GradingResults";
