import { Link } from "react-router";

import type { RecommendationReason, RecommendedItem } from "../api/recommendations-api";

// The first reason's label, for a user's recommendations and for items related to one item.
const reasonLabels: Record<"user" | "item", Record<RecommendationReason, string>> = {
  user: {
    co_occurrence: "Done by learners with a similar history",
    content: "Similar topics to your work",
    popular: "Popular",
  },
  item: {
    co_occurrence: "Often done by the same people",
    content: "Similar topics",
    popular: "Popular",
  },
};

interface RecommendationListProps {
  items: RecommendedItem[];
  /** Whether the items were chosen for the user or for their likeness to one item. */
  context: "user" | "item";
}

/** Cards of recommended labs and articles, each with the main reason it was chosen. */
export function RecommendationList({ items, context }: RecommendationListProps) {
  return (
    <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
      {items.map((item) => (
        <li
          key={`${item.type}-${item.id}`}
          className="flex flex-col rounded-lg border border-slate-200 p-4 dark:border-slate-700"
          data-testid="recommendation"
        >
          <p className="text-xs font-medium text-slate-600 uppercase dark:text-slate-400">
            {item.type === "lab" ? "Lab" : "Article"}
          </p>
          <h3 className="font-semibold">
            <Link to={`/${item.type}s/${item.id}`} className="hover:underline">
              {item.title}
            </Link>
          </h3>
          {item.summary !== "" && (
            <p className="mt-1 line-clamp-2 text-sm text-slate-700 dark:text-slate-300">
              {item.summary}
            </p>
          )}
          {item.reasons[0] !== undefined && (
            <p className="mt-auto pt-2 text-xs text-slate-600 dark:text-slate-400">
              {reasonLabels[context][item.reasons[0]]}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}
