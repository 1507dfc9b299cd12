import { Markdown } from "@/components/markdown/Markdown";

import { submissionFileUrl, type Submission } from "../api/submissions-api";
import { FileList } from "./FileList";

/** Shows a submission's Markdown text and its files. */
export function SubmissionBody({ submission }: { submission: Submission }) {
  return (
    <div className="space-y-4">
      {submission.text.trim() === "" ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No text; see the files.</p>
      ) : (
        <Markdown source={submission.text} />
      )}
      <FileList
        title="Files"
        files={submission.files}
        urlFor={(file) => submissionFileUrl(submission.id, file.id)}
      />
    </div>
  );
}
