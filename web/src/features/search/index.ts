export { SearchBox } from "./components/SearchBox";
export { SearchResults } from "./components/SearchResults";
export { SearchTypeFilter } from "./components/SearchTypeFilter";
export { parseSearchParams, searchPath } from "./search-params";
