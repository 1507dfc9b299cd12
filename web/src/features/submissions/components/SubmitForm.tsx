import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { Link } from "react-router";

import { MarkdownField } from "@/components/markdown-editor/MarkdownField";
import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { FileDrop } from "@/components/ui/FileDrop";
import { RestoredDraftNotice } from "@/components/ui/RestoredDraftNotice";
import { draftKey, useDraft } from "@/lib/drafts";
import { formatBytes } from "@/lib/format";
import { usePlatformConfig } from "@/lib/platform-config";
import { splitProgress } from "@/lib/upload";

import { submissionsApi, type Submission } from "../api/submissions-api";
import { useRefreshAfterChange } from "../hooks/queries";

import { NotebookCopyPicker } from "./NotebookCopyPicker";

const pointsLabel = (points: number) => `${points} ${points === 1 ? "point" : "points"}`;

interface SubmitFormProps {
  labId: number;
  /** The signed-in user, whose unsent answer is kept as a draft; undefined while loading. */
  userId: number | undefined;
  balance: number | undefined;
  onSubmitted: (submission: Submission) => void;
}

/** Submits a solution: Markdown text and files, with the points cost shown before sending. */
export function SubmitForm({ labId, userId, balance, onSubmitted }: SubmitFormProps) {
  const draft = useDraft<{ text: string; fileNames: string[] }>(
    draftKey(userId, `submission:lab:${String(labId)}`),
    { text: "", fileNames: [] },
  );
  const text = draft.value.text;
  const [files, setFiles] = useState<File[]>([]);
  const [notebookCopyId, setNotebookCopyId] = useState<number | undefined>();
  const [progress, setProgress] = useState<number[] | undefined>();
  const [textError, setTextError] = useState<string | undefined>();
  const refresh = useRefreshAfterChange();
  const submit = useMutation({
    mutationFn: () => {
      const sizes = files.map((file) => file.size);
      setProgress(sizes.map(() => 0));
      return submissionsApi.create(labId, text, files, notebookCopyId, ({ loaded }) => {
        setProgress(splitProgress(loaded, sizes));
      });
    },
    onSettled: () => {
      setProgress(undefined);
    },
    onSuccess: async (submission) => {
      draft.clear();
      await refresh();
      onSubmitted(submission);
    },
  });
  const config = usePlatformConfig();
  const cost = config.data?.submissions.cost_points;
  const maxFiles = config.data?.submissions.max_files ?? 10;
  const maxFileBytes = config.data?.submissions.max_file_bytes;
  const tooPoor = balance !== undefined && cost !== undefined && balance < cost;

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (text.trim() === "" && files.length === 0 && notebookCopyId === undefined) {
      setTextError("Write your answer or attach at least one file.");
      return;
    }
    if (text.length > 100_000) {
      setTextError("Use at most 100,000 characters.");
      return;
    }
    const tooLarge =
      maxFileBytes === undefined ? undefined : files.find((file) => file.size > maxFileBytes);
    if (tooLarge !== undefined && maxFileBytes !== undefined) {
      setTextError(`${tooLarge.name} is larger than ${formatBytes(maxFileBytes)}.`);
      return;
    }
    setTextError(undefined);
    submit.mutate();
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <p
        data-testid="submission-cost"
        className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
      >
        {cost === undefined ? (
          "Loading the submission cost…"
        ) : (
          <>
            Submitting costs <strong>{pointsLabel(cost)}</strong>
            {balance !== undefined && <> · you have {pointsLabel(balance)}</>}. Reviewers earn
            points for reviewing your work.
          </>
        )}
      </p>
      <ErrorMessage error={config.error} title="The submission cost could not be loaded." />
      {tooPoor && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          You do not have enough points. Points come from reviewing, and you can review submissions
          to labs that you wrote or solved: a lab counts as solved once a reviewer accepts your
          submission to it. The{" "}
          <Link to="/reviews" className="underline">
            review queue
          </Link>{" "}
          lists what you can review now. You can also{" "}
          <Link to="/labs/new" className="underline">
            write a lab
          </Link>{" "}
          and review the submissions it gets.
        </p>
      )}
      {draft.restored && (
        <RestoredDraftNotice
          what="your answer"
          fileNames={files.length === 0 ? draft.value.fileNames : []}
        />
      )}
      <MarkdownField
        label="Your answer"
        value={text}
        onChange={(value) => {
          draft.change({ text: value });
        }}
        error={textError}
        hint="Markdown, with code blocks and math."
      />
      <FileDrop
        label="Files"
        files={files}
        onChange={(chosen) => {
          setFiles(chosen);
          draft.change({ fileNames: chosen.map((file) => file.name) });
        }}
        progress={progress}
        maxFiles={notebookCopyId === undefined ? maxFiles : maxFiles - 1}
        disabled={submit.isPending}
      />
      <NotebookCopyPicker
        labId={labId}
        value={notebookCopyId}
        onChange={setNotebookCopyId}
        disabled={submit.isPending}
      />
      <ErrorMessage error={submit.error} />
      <Button type="submit" busy={submit.isPending} disabled={tooPoor || cost === undefined}>
        Submit for review{cost !== undefined && ` (${pointsLabel(cost)})`}
      </Button>
    </form>
  );
}
