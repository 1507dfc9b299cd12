import { useQuery } from "@tanstack/react-query";

import NotebookView from "./NotebookView";

interface NotebookAsset {
  id: string;
  path: string;
  url: string;
}

// marimo files start by importing marimo and build an App.
function isMarimoFile(text: string): boolean {
  return /^\s*import marimo\b/m.test(text) && text.includes("marimo.App(");
}

function AssetNotebook({ asset }: { asset: NotebookAsset }) {
  const source = useQuery({
    queryKey: ["notebook-asset", asset.url],
    queryFn: async () => {
      const response = await fetch(asset.url);
      if (!response.ok) {
        throw new Error(`The notebook file ${asset.path} could not be loaded.`);
      }
      return response.text();
    },
    staleTime: Infinity,
  });
  if (source.data === undefined || !isMarimoFile(source.data)) {
    return null;
  }
  return <NotebookView title={asset.path} origin={{ source: source.data }} />;
}

/**
 * Shows the notebooks of a lab: its `.py` assets that are marimo files, each runnable in a live
 * session. Loaded lazily, so pages without notebooks do not load the notebook code.
 */
export default function LabNotebooks({ assets }: { assets: NotebookAsset[] }) {
  const notebooks = assets.filter((asset) => asset.path.endsWith(".py"));
  if (notebooks.length === 0) {
    return null;
  }
  return (
    <section aria-labelledby="lab-notebooks" className="space-y-4">
      <h2 id="lab-notebooks" className="text-lg font-semibold">
        Notebooks among the lab's files
      </h2>
      {notebooks.map((asset) => (
        <AssetNotebook key={asset.id} asset={asset} />
      ))}
    </section>
  );
}
