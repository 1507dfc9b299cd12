import type { Lab, LabAsset } from "./labs-api";

/**
 * Maps a relative link in a lab's Markdown (`img/x.png`, `./data.csv`) to the URL of the asset
 * with that path. Absolute URLs, in-page anchors and unknown paths are returned unchanged
 * (as undefined), so a lab folder written for GitHub renders the same here.
 */
export function resolveAssetUrl(assets: readonly LabAsset[], url: string): string | undefined {
  if (
    url === "" ||
    url.startsWith("#") ||
    /^[a-z][a-z0-9+.-]*:/i.test(url) ||
    url.startsWith("//")
  ) {
    return undefined;
  }
  const [pathPart = ""] = url.split(/[?#]/);
  let path: string;
  try {
    path = decodeURIComponent(pathPart);
  } catch {
    path = pathPart;
  }
  path = path.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
  return assets.find((asset) => asset.path === path)?.url;
}

/**
 * Returns `lab` with `added` among its assets, in place of any asset with the same id or path,
 * so that a page can resolve the new assets' links before the lab is read again.
 */
export function withAddedAssets(lab: Lab, added: readonly LabAsset[]): Lab {
  const replaced = (asset: LabAsset) =>
    added.some((next) => next.id === asset.id || next.path === asset.path);
  return { ...lab, assets: [...lab.assets.filter((asset) => !replaced(asset)), ...added] };
}
