import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";

import { splitProgress } from "@/lib/upload";

import { labsApi, type Lab } from "../api/labs-api";
import { withAddedAssets } from "../api/resolve-asset";
import { labsKeys } from "./queries";

/** Uploads files as assets of a lab, tracking the bytes sent per file. */
export function useAssetUpload() {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<number[] | undefined>();
  const [error, setError] = useState<unknown>(null);

  const upload = useCallback(
    async (labId: number, files: File[]) => {
      const sizes = files.map((file) => file.size);
      setError(null);
      setProgress(sizes.map(() => 0));
      try {
        const { items } = await labsApi.uploadAssets(labId, files, ({ loaded }) => {
          setProgress(splitProgress(loaded, sizes));
        });
        // The lab page opened next shows the cached lab first. Without the new assets there, its
        // images with relative links would be requested from the page's own path and fail.
        queryClient.setQueryData<Lab>(labsKeys.detail(labId), (lab) =>
          lab === undefined ? lab : withAddedAssets(lab, items),
        );
        await queryClient.invalidateQueries({ queryKey: labsKeys.detail(labId) });
      } catch (caught) {
        setError(caught);
        throw caught;
      } finally {
        setProgress(undefined);
      }
    },
    [queryClient],
  );

  return { upload, progress, error, uploading: progress !== undefined };
}
