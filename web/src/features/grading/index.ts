export { GraderManager } from "./components/GraderManager";
export { GraderNotice } from "./components/GraderNotice";
export { GradingResults } from "./components/GradingResults";
export { SimilarityReport } from "./components/SimilarityReport";
