import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { inputClass } from "@/components/ui/Field";

import type { LabListParams } from "../api/labs-api";
import { useTags } from "../hooks/queries";

interface LabFiltersProps {
  params: LabListParams;
  onChange: (params: LabListParams) => void;
}

/** Search box, tag filter and sort order of the labs list. */
export function LabFilters({ params, onChange }: LabFiltersProps) {
  const [query, setQuery] = useState(params.q ?? "");
  const tags = useTags();

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    onChange({ ...params, q: query.trim(), page: 1 });
  };

  return (
    <form
      role="search"
      onSubmit={onSubmit}
      className="flex flex-col gap-2 sm:flex-row sm:items-end"
    >
      <div className="flex-1 space-y-1">
        <label htmlFor="lab-search" className="block text-sm font-medium">
          Search labs
        </label>
        <input
          id="lab-search"
          type="search"
          className={inputClass}
          placeholder="Title, text or tag"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
          }}
        />
      </div>
      <div className="space-y-1">
        <label htmlFor="lab-tag" className="block text-sm font-medium">
          Tag
        </label>
        <select
          id="lab-tag"
          className={inputClass}
          value={params.tags?.[0] ?? ""}
          onChange={(event) => {
            const tag = event.target.value;
            onChange({ ...params, tags: tag === "" ? [] : [tag], page: 1 });
          }}
        >
          <option value="">All tags</option>
          {tags.data?.items.map((tag) => (
            <option key={tag.name} value={tag.name}>
              {tag.name} ({tag.count})
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1">
        <label htmlFor="lab-sort" className="block text-sm font-medium">
          Sort by
        </label>
        <select
          id="lab-sort"
          className={inputClass}
          value={params.sort ?? "new"}
          onChange={(event) => {
            onChange({ ...params, sort: event.target.value as "new" | "popular", page: 1 });
          }}
        >
          <option value="new">Newest</option>
          <option value="popular">Most popular</option>
        </select>
      </div>
      <Button type="submit">Search</Button>
    </form>
  );
}
