import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { MarkdownField } from "@/components/markdown-editor/MarkdownField";
import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { FileDrop } from "@/components/ui/FileDrop";
import { RestoredDraftNotice } from "@/components/ui/RestoredDraftNotice";
import { TextField } from "@/components/ui/Field";
import { draftKey, useDraft } from "@/lib/drafts";
import { splitProgress } from "@/lib/upload";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import { submissionsApi } from "../api/submissions-api";
import { useRefreshAfterChange } from "../hooks/queries";

interface ReviewFormProps {
  submissionId: number;
  /** The reviewer, whose unsent review is kept as a draft. */
  userId: number;
  onReviewed: (pointsEarned: number) => void;
}

interface ReviewDraft {
  content: string;
  verdict: "accept" | "reject" | "";
  score: string;
  fileNames: string[];
}

/** Feedback with preview, a verdict, a score from 0 to 100 and up to 5 attachments. */
export function ReviewForm({ submissionId, userId, onReviewed }: ReviewFormProps) {
  const draft = useDraft<ReviewDraft>(
    draftKey(userId, `review:submission:${String(submissionId)}`),
    {
      content: "",
      verdict: "",
      score: "",
      fileNames: [],
    },
  );
  const { content, verdict, score } = draft.value;
  const [files, setFiles] = useState<File[]>([]);
  const [progress, setProgress] = useState<number[] | undefined>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const refresh = useRefreshAfterChange();
  const send = useMutation({
    mutationFn: () => {
      const sizes = files.map((file) => file.size);
      setProgress(sizes.map(() => 0));
      return submissionsApi.review(
        submissionId,
        { content, verdict: verdict === "" ? "reject" : verdict, score: Number(score), files },
        ({ loaded }) => {
          setProgress(splitProgress(loaded, sizes));
        },
      );
    },
    onSettled: () => {
      setProgress(undefined);
    },
    onSuccess: async (result) => {
      draft.clear();
      await refresh();
      onReviewed(result.points_earned);
    },
  });
  const fieldErrors = mergeFieldErrors(errors, send.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (content.trim() === "") found.content = "Write your feedback.";
    else if (content.length > 50_000) found.content = "Use at most 50,000 characters.";
    if (verdict === "") found.verdict = "Choose accept or reject.";
    if (!/^\d+$/.test(score) || Number(score) > 100)
      found.score = "Enter a whole number from 0 to 100.";
    if (files.length > 5) found.files = "Attach at most 5 files.";
    setErrors(found);
    if (!hasErrors(found)) send.mutate();
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {draft.restored && (
        <RestoredDraftNotice
          what="your review"
          fileNames={files.length === 0 ? draft.value.fileNames : []}
        />
      )}
      <MarkdownField
        label="Feedback"
        value={content}
        onChange={(value) => {
          draft.change({ content: value });
        }}
        error={fieldErrors.content}
        hint="Markdown. The learner sees it rendered."
      />
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">Verdict</legend>
        <div className="flex gap-4 text-sm">
          {(["accept", "reject"] as const).map((option) => (
            <label key={option} className="flex items-center gap-2">
              <input
                type="radio"
                name="verdict"
                value={option}
                checked={verdict === option}
                onChange={() => {
                  draft.change({ verdict: option });
                }}
              />
              {option === "accept" ? "Accept" : "Reject"}
            </label>
          ))}
        </div>
        {fieldErrors.verdict !== undefined && (
          <p className="text-xs text-red-700 dark:text-red-400">{fieldErrors.verdict}</p>
        )}
      </fieldset>
      <TextField
        label="Score (0 to 100)"
        inputMode="numeric"
        value={score}
        onChange={(event) => {
          draft.change({ score: event.target.value });
        }}
        error={fieldErrors.score}
        className="max-w-32"
      />
      <FileDrop
        label="Attachments"
        files={files}
        onChange={(chosen) => {
          setFiles(chosen);
          draft.change({ fileNames: chosen.map((file) => file.name) });
        }}
        progress={progress}
        maxFiles={5}
        disabled={send.isPending}
      />
      {fieldErrors.files !== undefined && (
        <p className="text-xs text-red-700 dark:text-red-400">{fieldErrors.files}</p>
      )}
      <ErrorMessage error={send.error} />
      <Button type="submit" busy={send.isPending}>
        Send review
      </Button>
    </form>
  );
}
