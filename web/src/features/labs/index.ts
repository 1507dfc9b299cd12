export type { Lab, LabGrading } from "./api/labs-api";
export { DeleteLabButton } from "./components/DeleteLabButton";
export { LabFilters } from "./components/LabFilters";
export { LabForm } from "./components/LabForm";
export { LabList } from "./components/LabList";
export { LabTitle } from "./components/LabTitle";
export { LabView } from "./components/LabView";
export { useLab, useLabForTitle } from "./hooks/queries";
