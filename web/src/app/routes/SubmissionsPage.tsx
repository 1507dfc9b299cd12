import { LabTitle } from "@/features/labs";
import { MySubmissions } from "@/features/submissions";
import { useDocumentTitle } from "@/lib/use-document-title";

export function SubmissionsPage() {
  useDocumentTitle("My submissions");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">My submissions</h1>
      <MySubmissions renderLab={(labId) => <LabTitle id={labId} />} />
    </div>
  );
}
