import { Link } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { useDocumentTitle } from "@/lib/use-document-title";

const steps = [
  {
    title: "Authors publish labs",
    text: "A lab is a hands-on assignment in Markdown, with math, code, images and data files. Articles are PDFs you can read in the page.",
  },
  {
    title: "Learners submit their work",
    text: "Solve a lab and submit your answer with its files. A submission costs a point, so every one gets a real review.",
  },
  {
    title: "Peers review and earn points",
    text: "Once you have solved a lab, you may review others' submissions for it. Each review earns points and builds your reputation.",
  },
];

/** Explains the platform to visitors who are not signed in. */
export function LandingPage() {
  useDocumentTitle("");
  return (
    <div className="space-y-10">
      <section className="space-y-4 py-8 text-center">
        <h1 className="text-3xl font-bold sm:text-4xl">Learn by doing, and by reviewing</h1>
        <p className="mx-auto max-w-2xl text-lg text-slate-700 dark:text-slate-300">
          Open Labs Share is a place to publish hands-on labs and articles, solve labs, submit your
          work, and review each other's submissions for points.
        </p>
        <div className="flex flex-wrap justify-center gap-3">
          <Link to="/sign-up" className={buttonClass("primary")}>
            Create a free account
          </Link>
          <Link to="/labs" className={buttonClass("secondary")}>
            Browse labs
          </Link>
        </div>
      </section>
      <section aria-labelledby="how-it-works" className="space-y-4">
        <h2 id="how-it-works" className="text-xl font-semibold">
          How it works
        </h2>
        <ol className="grid gap-4 md:grid-cols-3">
          {steps.map((step, index) => (
            <li key={step.title} className="rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900">
              <p className="text-sm font-medium text-indigo-700 dark:text-indigo-300">
                Step {index + 1}
              </p>
              <h3 className="font-semibold">{step.title}</h3>
              <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{step.text}</p>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
