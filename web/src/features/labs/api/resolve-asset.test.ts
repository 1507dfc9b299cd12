import { describe, expect, it } from "vitest";

import type { LabAsset } from "./labs-api";
import { resolveAssetUrl, withAddedAssets } from "./resolve-asset";
import type { Lab } from "./labs-api";

const asset = (path: string, id: string): LabAsset => ({
  id,
  lab_id: 4,
  path,
  filename: path.split("/").pop() ?? path,
  content_type: "image/png",
  size: 1,
  sha256: "",
  created_at: 0,
  url: `/api/v1/labs/4/assets/${id}`,
});

const assets = [asset("img/plot.png", "a1"), asset("data set.csv", "a2")];

describe("resolveAssetUrl", () => {
  it("resolves a relative path", () => {
    expect(resolveAssetUrl(assets, "img/plot.png")).toBe("/api/v1/labs/4/assets/a1");
  });

  it("strips a leading ./ or /", () => {
    expect(resolveAssetUrl(assets, "./img/plot.png")).toBe("/api/v1/labs/4/assets/a1");
    expect(resolveAssetUrl(assets, "/img/plot.png")).toBe("/api/v1/labs/4/assets/a1");
  });

  it("decodes percent-escapes and drops the fragment", () => {
    expect(resolveAssetUrl(assets, "data%20set.csv#top")).toBe("/api/v1/labs/4/assets/a2");
  });

  it("leaves absolute URLs and anchors alone", () => {
    expect(resolveAssetUrl(assets, "https://example.org/img/plot.png")).toBeUndefined();
    expect(resolveAssetUrl(assets, "#section")).toBeUndefined();
    expect(resolveAssetUrl(assets, "//cdn.example.org/x.png")).toBeUndefined();
  });

  it("returns undefined for an unknown path", () => {
    expect(resolveAssetUrl(assets, "img/missing.png")).toBeUndefined();
  });
});

describe("withAddedAssets", () => {
  const lab = { id: 4, title: "Plots", assets } as unknown as Lab;

  it("appends new assets so that their links resolve", () => {
    const updated = withAddedAssets(lab, [asset("results.csv", "a3")]);
    expect(updated.assets.map((item) => item.id)).toEqual(["a1", "a2", "a3"]);
    expect(resolveAssetUrl(updated.assets, "results.csv")).toBe("/api/v1/labs/4/assets/a3");
    expect(lab.assets).toHaveLength(2);
  });

  it("replaces an asset with the same path", () => {
    const updated = withAddedAssets(lab, [asset("img/plot.png", "a9")]);
    expect(updated.assets.map((item) => item.id)).toEqual(["a2", "a9"]);
    expect(resolveAssetUrl(updated.assets, "img/plot.png")).toBe("/api/v1/labs/4/assets/a9");
  });
});
