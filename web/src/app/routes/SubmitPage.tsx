import { Link, useNavigate, useParams } from "react-router";

import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { GraderNotice } from "@/features/grading";
import { useLab } from "@/features/labs";
import { SubmitForm } from "@/features/submissions";
import { useMe } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function SubmitPage() {
  const id = parseId(useParams().id);
  const lab = useLab(id);
  const { data: me } = useMe();
  const navigate = useNavigate();
  useDocumentTitle("Submit a solution");
  if (lab.isPending) return <Loading label="Loading the lab…" />;
  if (lab.isError) return <LoadErrorPage thing="lab" error={lab.error} />;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">
        Submit a solution to{" "}
        <Link to={`/labs/${id}`} className="underline">
          {lab.data.title}
        </Link>
      </h1>
      <GraderNotice labId={id} attached={lab.data.grading?.has_grader} />
      <SubmitForm
        labId={id}
        userId={me?.id}
        balance={me?.balance}
        onSubmitted={(submission) => {
          void navigate(`/submissions/${submission.id}`);
        }}
      />
    </div>
  );
}
