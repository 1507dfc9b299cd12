import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";

import { splitProgress } from "@/lib/upload";

import { labsApi } from "../api/labs-api";
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
        await labsApi.uploadAssets(labId, files, ({ loaded }) => {
          setProgress(splitProgress(loaded, sizes));
        });
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
