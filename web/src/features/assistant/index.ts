export { AssistantModeControl } from "./components/AssistantModeControl";
export { AssistantPanel } from "./components/AssistantPanel";
export type { AssistantScope, Citation } from "./api/assistant-api";
