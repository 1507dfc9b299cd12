import { describe, expect, it } from "vitest";

import { parseSearchParams, searchParamsToQuery, searchPath } from "./search-params";

function parse(query: string) {
  return parseSearchParams(new URLSearchParams(query));
}

describe("parseSearchParams", () => {
  it("reads query, type and page", () => {
    expect(parse("q=gradient+descent&type=lab&page=3")).toEqual({
      q: "gradient descent",
      type: "lab",
      page: 3,
    });
  });

  it("falls back to both types and page 1", () => {
    expect(parse("")).toEqual({ q: "", type: undefined, page: 1 });
    expect(parse("q=x&type=video").type).toBeUndefined();
    expect(parse("q=x&page=0").page).toBe(1);
    expect(parse("q=x&page=-4").page).toBe(1);
    expect(parse("q=x&page=2.5").page).toBe(1);
    expect(parse("q=x&page=abc").page).toBe(1);
    expect(parse("q=x&page=99999999").page).toBe(1_000_000);
  });

  it("trims the query", () => {
    expect(parse("q=%20%20numpy%20").q).toBe("numpy");
  });
});

describe("searchPath", () => {
  it("leaves out defaults", () => {
    expect(searchPath({ q: "", page: 1 })).toBe("/search");
    expect(searchPath({ q: "a&b", page: 1 })).toBe("/search?q=a%26b");
    expect(searchPath({ q: "pca", type: "article", page: 2 })).toBe(
      "/search?q=pca&type=article&page=2",
    );
  });

  it("round-trips through parseSearchParams", () => {
    const params = { q: '<mark> & "quotes"', type: "lab" as const, page: 4 };
    expect(parseSearchParams(searchParamsToQuery(params))).toEqual(params);
  });
});
