import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import { Loading } from "@/components/ui/Loading";
import { Notice } from "@/components/ui/Notice";

import type { Rubric, RubricCriterion } from "../api/rubric-api";
import { isNotFound, useRubric, useSaveRubric } from "../hooks/queries";
import { FieldProblems } from "./FieldProblems";

const maxCriteria = 12;

function RubricForm({ labId, rubric }: { labId: number; rubric: Rubric | null }) {
  const save = useSaveRubric(labId);
  const [enabled, setEnabled] = useState(rubric?.enabled ?? false);
  const [criteria, setCriteria] = useState<RubricCriterion[]>(rubric?.criteria ?? []);
  const [min, setMin] = useState(String(rubric?.scale.min ?? 0));
  const [max, setMax] = useState(String(rubric?.scale.max ?? 10));
  const [saved, setSaved] = useState(false);

  const change = (index: number, update: Partial<RubricCriterion>) => {
    setCriteria(criteria.map((item, other) => (other === index ? { ...item, ...update } : item)));
  };

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    setSaved(false);
    save.mutate(
      {
        enabled,
        criteria: criteria.filter((item) => item.name.trim() !== "" || item.description !== ""),
        scale: { min: Number(min), max: Number(max) },
      },
      {
        onSuccess: (stored) => {
          setCriteria(stored.criteria);
          setSaved(true);
        },
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Rubric">
      <label className="flex items-center gap-2 text-sm font-medium">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(event) => {
            setEnabled(event.target.checked);
          }}
        />
        Write a machine-written review draft for each new submission
      </label>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Criteria</legend>
        {criteria.length === 0 && (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            No criteria given, so the defaults apply: correctness, readability, documentation and
            design.
          </p>
        )}
        {criteria.map((criterion, index) => (
          <div
            key={index}
            className="grid gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-[12rem_1fr_auto] sm:items-end dark:border-slate-700"
          >
            <TextField
              label={`Criterion ${index + 1} name`}
              value={criterion.name}
              maxLength={40}
              onChange={(event) => {
                change(index, { name: event.target.value });
              }}
            />
            <TextField
              label={`Criterion ${index + 1} description`}
              value={criterion.description}
              maxLength={500}
              onChange={(event) => {
                change(index, { description: event.target.value });
              }}
            />
            <Button
              variant="ghost"
              aria-label={`Remove criterion ${index + 1}`}
              onClick={() => {
                setCriteria(criteria.filter((_, other) => other !== index));
              }}
            >
              Remove
            </Button>
          </div>
        ))}
        <Button
          variant="secondary"
          disabled={criteria.length >= maxCriteria}
          onClick={() => {
            setCriteria([...criteria, { name: "", description: "" }]);
          }}
        >
          Add a criterion
        </Button>
      </fieldset>
      <div className="flex flex-wrap gap-3">
        <div className="w-32">
          <TextField
            label="Lowest score"
            type="number"
            min={0}
            max={99}
            value={min}
            onChange={(event) => {
              setMin(event.target.value);
            }}
          />
        </div>
        <div className="w-32">
          <TextField
            label="Highest score"
            type="number"
            min={1}
            max={100}
            value={max}
            onChange={(event) => {
              setMax(event.target.value);
            }}
          />
        </div>
      </div>
      <ErrorMessage error={save.error} title="The rubric was not saved." />
      <FieldProblems error={save.error} />
      {saved && <Notice>The rubric is saved.</Notice>}
      <Button type="submit" busy={save.isPending}>
        Save rubric
      </Button>
    </form>
  );
}

/**
 * The lab author's rubric for machine-written review drafts: whether drafts are written, the
 * criteria and the score range. Drafts need a language model on the server, which it reports.
 */
export function RubricSettings({ labId, saved }: { labId: number; saved?: boolean }) {
  // `saved` comes from the lab's grading setup. When it is false no request is sent, because the
  // server would return 404; saving stores the new rubric in the query's data.
  const rubric = useRubric(labId, saved !== false);
  if (rubric.isPending && saved !== false) return <Loading label="Loading the rubric…" />;
  if (rubric.isError && !isNotFound(rubric.error))
    return <ErrorMessage error={rubric.error} title="The rubric could not be loaded." />;

  const current = rubric.isSuccess ? rubric.data : null;
  return (
    <div className="space-y-3">
      <p className="text-sm" data-testid="rubric-state">
        {current === null
          ? "No rubric is set, so submissions get no machine-written draft."
          : `Drafts are ${current.enabled ? "on" : "off"} for this lab.`}{" "}
        {current !== null && !current.model_configured
          ? "No language model is configured on this server, so no drafts are written."
          : ""}{" "}
        Reviewers see each draft beside the submission, labelled as machine-written; it never counts
        as a review.
      </p>
      <RubricForm labId={labId} rubric={current} />
    </div>
  );
}
