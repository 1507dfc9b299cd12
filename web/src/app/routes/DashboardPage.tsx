import { Link } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { RecentArticles } from "@/features/articles";
import { LabList, LabTitle } from "@/features/labs";
import { Recommended } from "@/features/recommendations";
import { MySubmissions, ReviewQueue } from "@/features/submissions";
import { useMe } from "@/features/users";
import { displayName } from "@/lib/format";
import { useDocumentTitle } from "@/lib/use-document-title";

import { Section } from "./Section";

/** Shows the signed-in home page: recommendations, recent labs and articles, and open work. */
export function DashboardPage() {
  useDocumentTitle("Home");
  const { data: me } = useMe();
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">
          {me === undefined ? "Welcome" : `Welcome, ${displayName(me)}`}
        </h1>
        <span className="flex gap-2">
          <Link to="/labs" className={buttonClass("secondary")}>
            Browse labs
          </Link>
          <Link to="/articles" className={buttonClass("secondary")}>
            Read articles
          </Link>
        </span>
      </div>
      <Section id="recommended" title="Recommended for you">
        <Recommended />
      </Section>
      <Section id="recent-labs" title="Recent labs">
        <LabList
          params={{ page: 1, limit: 6 }}
          emptyHint="Write the first lab from the Labs page."
        />
      </Section>
      <Section id="recent-articles" title="Recent articles">
        <RecentArticles limit={5} />
      </Section>
      <Section id="my-work" title="My submissions">
        <MySubmissions renderLab={(labId) => <LabTitle id={labId} />} />
      </Section>
      <Section id="to-review" title="Waiting for your review">
        <ReviewQueue renderLab={(labId) => <LabTitle id={labId} />} />
      </Section>
    </div>
  );
}
