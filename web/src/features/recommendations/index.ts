export { Recommended } from "./components/Recommended";
export { RelatedItems } from "./components/RelatedItems";
