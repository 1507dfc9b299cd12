export { GraderManager } from "./components/GraderManager";
export { GraderNotice } from "./components/GraderNotice";
export { GradingResults } from "./components/GradingResults";
export { RubricReviewDraft } from "./components/RubricReviewDraft";
export { RubricSettings } from "./components/RubricSettings";
export { SimilarityReport } from "./components/SimilarityReport";
