import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Notice } from "@/components/ui/Notice";

import type { AssistantMode } from "../api/assistant-api";
import { useLabAssistant, useSetLabMode } from "../hooks/queries";

const modes: { value: AssistantMode; label: string; hint: string }[] = [
  { value: "on", label: "On", hint: "Answers questions from the lab and related material." },
  {
    value: "guide",
    label: "Guide",
    hint: "Answers without the lab's solution sections, to guide learners to their own answer.",
  },
  { value: "off", label: "Off", hint: "The lab page says the assistant is off." },
];

const modeName: Record<AssistantMode, string> = { on: "on", guide: "guide", off: "off" };

/** The lab author's choice of the assistant mode for one lab, showing the current mode. */
export function AssistantModeControl({ labId }: { labId: number }) {
  const settings = useLabAssistant(labId);
  const save = useSetLabMode(labId);
  const [choice, setChoice] = useState<AssistantMode | null>(null);
  const [saved, setSaved] = useState<AssistantMode | null>(null);

  if (settings.isPending) return <Loading label="Loading the assistant's mode…" />;
  if (settings.isError)
    return (
      <ErrorMessage error={settings.error} title="The assistant's mode could not be loaded." />
    );

  const current = settings.data.mode;
  const selected = choice ?? current;
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    setSaved(null);
    save.mutate(selected, {
      onSuccess: (result) => {
        setSaved(result.mode);
        setChoice(null);
      },
    });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3">
      <p className="text-sm" data-testid="assistant-current-mode">
        The assistant is <strong>{modeName[current]}</strong> for this lab.{" "}
        {settings.data.model_configured === true
          ? "A language model writes its answers."
          : "No language model is configured, so it answers with the best matching passages."}
      </p>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Assistant mode</legend>
        {modes.map((mode) => (
          <label key={mode.value} className="flex items-start gap-2 text-sm">
            <input
              type="radio"
              name="assistant-mode"
              value={mode.value}
              checked={selected === mode.value}
              onChange={() => {
                setChoice(mode.value);
              }}
              className="mt-1"
            />
            <span>
              <span className="font-medium">{mode.label}</span>
              <span className="block text-slate-600 dark:text-slate-400">{mode.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={save.error} title="The mode was not saved." />
      {saved !== null && <Notice>The assistant is now {modeName[saved]} for this lab.</Notice>}
      <Button type="submit" busy={save.isPending} disabled={selected === current}>
        Save assistant mode
      </Button>
    </form>
  );
}
