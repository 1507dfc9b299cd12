export { GraderManager } from "./components/GraderManager";
export { GraderNotice } from "./components/GraderNotice";
export { GradingResults } from "./components/GradingResults";
export { RubricReviewDraft } from "./components/RubricReviewDraft";
export { SimilarityReport } from "./components/SimilarityReport";
