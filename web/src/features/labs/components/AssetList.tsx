import { useMutation, useQueryClient } from "@tanstack/react-query";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { formatBytes } from "@/lib/format";

import { labsApi, type LabAsset } from "../api/labs-api";
import { labsKeys } from "../hooks/queries";

interface AssetListProps {
  labId: number;
  assets: LabAsset[];
}

/** Lists the lab's uploaded files, each with the Markdown that links it and a delete button. */
export function AssetList({ labId, assets }: AssetListProps) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (assetId: string) => labsApi.deleteAsset(labId, assetId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: labsKeys.detail(labId) }),
  });
  if (assets.length === 0) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400">
        No files yet. Add images or data files below, then link them from the text by their path.
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <ErrorMessage error={remove.error} />
      <ul className="divide-y divide-slate-200 text-sm dark:divide-slate-800">
        {assets.map((asset) => {
          const link = asset.content_type.startsWith("image/")
            ? `![](${asset.path})`
            : `[${asset.filename}](${asset.path})`;
          return (
            <li key={asset.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span className="min-w-0">
                <span className="block truncate font-medium">{asset.path}</span>
                <span className="text-xs text-slate-600 dark:text-slate-400">
                  {formatBytes(asset.size)} · link it with <code>{link}</code>
                </span>
              </span>
              <Button
                variant="ghost"
                aria-label={`Delete ${asset.path}`}
                busy={remove.isPending && remove.variables === asset.id}
                onClick={() => {
                  remove.mutate(asset.id);
                }}
              >
                Delete
              </Button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
