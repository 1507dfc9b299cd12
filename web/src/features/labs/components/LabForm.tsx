import { useEffect, useMemo, useRef, useState, type SubmitEvent } from "react";
import { Link } from "react-router";

import { MarkdownField } from "@/components/markdown-editor/MarkdownField";
import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { FileDrop } from "@/components/ui/FileDrop";
import { TextAreaField, TextField } from "@/components/ui/Field";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import type { Lab, LabInput } from "../api/labs-api";
import { resolveAssetUrl } from "../api/resolve-asset";
import { useSaveLab } from "../hooks/queries";
import { useAssetUpload } from "../hooks/useAssetUpload";
import { AssetList } from "./AssetList";

interface LabFormProps {
  lab?: Lab;
  onSaved: (lab: Lab) => void;
}

function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

function validate(input: LabInput): FieldErrors {
  const errors: FieldErrors = {};
  if (input.title.trim() === "") errors.title = "Enter a title.";
  else if (input.title.length > 200) errors.title = "Use at most 200 characters.";
  if (input.description.length > 1000) errors.description = "Use at most 1000 characters.";
  if (input.body.trim() === "") errors.body = "Write the lab's text.";
  if (input.tags.length > 10) errors.tags = "Use at most 10 tags.";
  return errors;
}

/** Object URLs of the chosen files by name, so the preview shows them before they are uploaded. */
function useObjectUrls(files: File[]): Map<string, string> {
  const urls = useMemo(
    () => new Map(files.map((file) => [file.name, URL.createObjectURL(file)])),
    [files],
  );
  const previous = useRef<Map<string, string> | undefined>(undefined);
  // NOTE: the URLs of the last choice live until the page unloads, because revoking them on
  // unmount would also revoke them in React's development double-mount.
  useEffect(() => {
    const old = previous.current;
    previous.current = urls;
    if (old !== undefined && old !== urls) {
      for (const url of old.values()) {
        URL.revokeObjectURL(url);
      }
    }
  }, [urls]);
  return urls;
}

/**
 * Resolves a link in the preview to an uploaded asset or a chosen file. A local path that
 * matches neither becomes empty, so the preview does not request it again on every keystroke.
 */
function resolvePreviewUrl(
  assets: Lab["assets"],
  chosen: Map<string, string>,
  url: string,
): string | undefined {
  const asset = resolveAssetUrl(assets, url);
  if (asset !== undefined) return asset;
  const name = url.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
  const local = chosen.get(name);
  if (local !== undefined) return local;
  return isLocalPath(url) ? "" : undefined;
}

function isLocalPath(url: string): boolean {
  return (
    url !== "" && !url.startsWith("#") && !url.startsWith("//") && !/^[a-z][a-z0-9+.-]*:/i.test(url)
  );
}

function submitLabel(lab: Lab | undefined, createdLab: Lab | undefined): string {
  if (lab !== undefined) return "Save changes";
  return createdLab === undefined ? "Publish lab" : "Upload the files again";
}

/** Creates or edits a lab: text with live preview, tags, and files (dropped or picked). */
export function LabForm({ lab, onSaved }: LabFormProps) {
  const [title, setTitle] = useState(lab?.title ?? "");
  const [description, setDescription] = useState(lab?.description ?? "");
  const [tagText, setTagText] = useState(lab?.tags.join(", ") ?? "");
  const [body, setBody] = useState(lab?.body ?? "");
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  // A new lab that was created but whose files failed to upload. Retrying saves this lab
  // again instead of creating a second one.
  const [createdLab, setCreatedLab] = useState<Lab | undefined>();
  const save = useSaveLab(lab?.id ?? createdLab?.id);
  const assets = useAssetUpload();
  const fieldErrors = mergeFieldErrors(errors, save.error);
  const chosenUrls = useObjectUrls(files);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const input: LabInput = {
      title: title.trim(),
      description: description.trim(),
      body,
      tags: parseTags(tagText),
    };
    const found = validate(input);
    setErrors(found);
    if (hasErrors(found)) {
      return;
    }
    save.mutate(input, {
      onSuccess: (saved) => {
        if (lab === undefined) {
          setCreatedLab(saved);
        }
        if (files.length === 0) {
          onSaved(saved);
          return;
        }
        assets.upload(saved.id, files).then(
          () => {
            setFiles([]);
            onSaved(saved);
          },
          () => undefined,
        );
      },
    });
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-5">
      <TextField
        label="Title"
        value={title}
        onChange={(event) => {
          setTitle(event.target.value);
        }}
        error={fieldErrors.title}
        required
      />
      <TextAreaField
        label="Short description"
        rows={2}
        value={description}
        onChange={(event) => {
          setDescription(event.target.value);
        }}
        error={fieldErrors.description}
        hint="Shown in the labs list. At most 1000 characters."
      />
      <TextField
        label="Tags"
        value={tagText}
        onChange={(event) => {
          setTagText(event.target.value);
        }}
        error={fieldErrors.tags}
        hint="Separated by commas, for example: python, statistics. At most 10."
      />
      <MarkdownField
        label="Text"
        value={body}
        onChange={setBody}
        error={fieldErrors.body}
        hint="Markdown with tables, code blocks and math ($…$, $$…$$ or \(…\)). Link an uploaded file by its name, like ![](plot.png)."
        resolveUrl={(url) => resolvePreviewUrl(lab?.assets ?? [], chosenUrls, url)}
        allowHtml
      />
      {lab !== undefined && (
        <section aria-labelledby="lab-assets" className="space-y-2">
          <h2 id="lab-assets" className="text-sm font-medium">
            Uploaded files
          </h2>
          <AssetList labId={lab.id} assets={lab.assets} />
        </section>
      )}
      <FileDrop
        label={lab === undefined ? "Files (images, data)" : "Add files"}
        files={files}
        onChange={setFiles}
        progress={assets.progress}
        maxFiles={20}
        disabled={assets.uploading}
      />
      <ErrorMessage error={save.error} />
      <ErrorMessage
        error={assets.error}
        title="The lab was saved, but its files could not be uploaded."
      />
      {createdLab !== undefined && assets.error !== null && (
        <p className="text-sm" data-testid="lab-saved-without-files">
          <Link to={`/labs/${String(createdLab.id)}`} className="underline">
            {createdLab.title}
          </Link>{" "}
          is published without these files. Press “Upload the files again” to retry: it saves your
          changes to the same lab and creates no second one.
        </p>
      )}
      <Button type="submit" busy={save.isPending || assets.uploading}>
        {submitLabel(lab, createdLab)}
      </Button>
    </form>
  );
}
