import { useLocation } from "react-router";

import { Notice } from "@/components/ui/Notice";
import { LabTitle } from "@/features/labs";
import { MySubmissions } from "@/features/submissions";
import { useDocumentTitle } from "@/lib/use-document-title";

/** The navigation state another page may pass, such as the outcome of a deletion. */
export interface SubmissionsPageState {
  notice?: string;
}

export function SubmissionsPage() {
  useDocumentTitle("My submissions");
  const state = useLocation().state as SubmissionsPageState | null;
  const notice = typeof state?.notice === "string" && state.notice !== "" ? state.notice : null;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">My submissions</h1>
      {notice !== null && <Notice>{notice}</Notice>}
      <MySubmissions renderLab={(labId) => <LabTitle id={labId} />} />
    </div>
  );
}
