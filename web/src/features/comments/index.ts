export { CommentThread } from "./components/CommentThread";
