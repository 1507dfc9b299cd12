import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { FileDrop } from "@/components/ui/FileDrop";
import { Loading } from "@/components/ui/Loading";
import { Notice } from "@/components/ui/Notice";
import { formatBytes, formatDateTime } from "@/lib/format";

import type { Grader } from "../api/grading-api";
import { archiveProblem, formatPoints } from "../grading-state";
import { isNotFound, useAttachGrader, useDetachGrader, useGrader } from "../hooks/queries";
import { FieldProblems } from "./FieldProblems";
import { RegradePanel } from "./RegradePanel";

const compareText: Record<string, string> = {
  exact: "exact bytes",
  whitespace: "ignoring whitespace differences",
  tokens: "token by token",
};

function GraderSettings({ grader }: { grader: Grader }) {
  const rows: [string, string][] = [
    ["Version", String(grader.version)],
    ["Attached", formatDateTime(grader.created_at)],
  ];
  if (grader.archive_name !== undefined)
    rows.push([
      "Archive",
      `${grader.archive_name}${grader.size !== undefined ? ` (${formatBytes(grader.size)})` : ""}`,
    ]);
  rows.push(["Kind", grader.kind === "command" ? "grading command" : "input and output tests"]);
  if (grader.language !== undefined && grader.language !== "")
    rows.push(["Language", grader.language]);
  if (grader.kind === "tests" && grader.compare !== undefined)
    rows.push([
      "Output comparison",
      grader.has_checker === true
        ? "a checker command"
        : (compareText[grader.compare] ?? grader.compare),
    ]);
  if (grader.has_build !== undefined) rows.push(["Build step", grader.has_build ? "yes" : "no"]);
  if (grader.time_limit_s !== undefined) rows.push(["Time limit", `${grader.time_limit_s} s`]);
  if (grader.memory_mb !== undefined) rows.push(["Memory limit", `${grader.memory_mb} MB`]);

  return (
    <div className="space-y-3">
      <dl
        className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm"
        data-testid="grader-settings"
      >
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="font-medium">{term}</dt>
            <dd className="break-all">{value}</dd>
          </div>
        ))}
      </dl>
      {grader.tests !== undefined && grader.tests.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Tests of the grader</caption>
            <thead>
              <tr className="border-b border-slate-200 dark:border-slate-700">
                <th scope="col" className="py-1 pr-4 font-medium">
                  Test
                </th>
                <th scope="col" className="py-1 pr-4 font-medium">
                  Shown to the learner
                </th>
                <th scope="col" className="py-1 font-medium">
                  Points
                </th>
              </tr>
            </thead>
            <tbody>
              {grader.tests.map((test) => (
                <tr key={test.name} className="border-b border-slate-100 dark:border-slate-800">
                  <td className="py-1 pr-4 font-mono break-all">{test.name}</td>
                  <td className="py-1 pr-4">{test.visibility === "visible" ? "yes" : "no"}</td>
                  <td className="py-1">{formatPoints(test.max_score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function AttachForm({ labId, hasGrader }: { labId: number; hasGrader: boolean }) {
  const attach = useAttachGrader(labId);
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState<number[] | undefined>();
  const [problem, setProblem] = useState<string | null>(null);
  const [attached, setAttached] = useState<number | null>(null);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const archive = files[0];
    const found = archiveProblem(archive);
    setProblem(found);
    setAttached(null);
    if (found !== null || archive === undefined) return;
    attach.mutate(
      {
        archive,
        onProgress: ({ loaded }) => {
          setSent([Math.min(loaded, archive.size)]);
        },
      },
      {
        onSettled: () => {
          setSent(undefined);
        },
        onSuccess: (grader) => {
          setFiles([]);
          setAttached(grader.version);
        },
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Attach a grader">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        A grader is a folder with <code>grader.toml</code> (<code>run</code>, and optionally{" "}
        <code>build</code>, <code>time_limit_s</code>, <code>memory_mb</code>, <code>compare</code>,{" "}
        <code>checker</code>) and pairs of <code>tests/NAME.in</code> and{" "}
        <code>tests/NAME.out</code>. Try it with{" "}
        <code>openlabs grade --grader DIR --submission DIR</code>, then upload the folder as an
        archive.
      </p>
      <FileDrop
        label="Grader archive"
        files={files}
        onChange={setFiles}
        progress={sent}
        maxFiles={1}
        accept=".tar,.gz,.tgz,.zip,application/gzip,application/x-tar,application/zip"
        disabled={attach.isPending}
      />
      {problem !== null && <p className="text-xs text-red-700 dark:text-red-400">{problem}</p>}
      <ErrorMessage error={attach.error} title="The grader was not attached." />
      <FieldProblems error={attach.error} />
      {attached !== null && (
        <Notice>
          Grader version {attached} is attached. New submissions are graded with it; re-grade to
          apply it to earlier ones.
        </Notice>
      )}
      <Button type="submit" busy={attach.isPending}>
        {hasGrader ? "Attach as a new version" : "Attach grader"}
      </Button>
    </form>
  );
}

/**
 * The lab author's controls for the autograder: the attached grader's settings and tests, a
 * form to attach a new version, re-grading of every submission, and detaching.
 */
export function GraderManager({ labId, attached }: { labId: number; attached?: boolean }) {
  // `attached` comes from the lab's grading setup. When it is false no request is sent, because
  // the server would return 404; the attach and detach mutations then keep the query's data.
  const grader = useGrader(labId, attached !== false);
  const detach = useDetachGrader(labId);
  const attachedGrader = grader.data ?? null;
  const hasGrader = attachedGrader !== null;
  const none =
    grader.data === null ||
    (grader.data === undefined && attached === false) ||
    (grader.isError && isNotFound(grader.error));

  let current: React.ReactNode;
  if (none)
    current = (
      <EmptyState title="No grader is attached.">
        Submissions to this lab are not tested automatically.
      </EmptyState>
    );
  else if (grader.isError)
    current = <ErrorMessage error={grader.error} title="The grader could not be loaded." />;
  else if (attachedGrader !== null) current = <GraderSettings grader={attachedGrader} />;
  else current = <Loading label="Loading the grader…" />;

  return (
    <div className="space-y-6">
      {current}
      {hasGrader && <RegradePanel labId={labId} />}
      <AttachForm labId={labId} hasGrader={hasGrader} />
      {hasGrader && (
        <div className="space-y-2">
          <ConfirmButton
            label="Detach grader"
            question="Detach the grader? New submissions will not be tested; stored results stay."
            confirmLabel="Detach grader"
            busy={detach.isPending}
            onConfirm={() => {
              detach.mutate();
            }}
          />
          <ErrorMessage error={detach.error} />
        </div>
      )}
    </div>
  );
}
