import { Link, useNavigate, useParams } from "react-router";

import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { AssistantModeControl } from "@/features/assistant";
import { GraderManager, RubricSettings, SimilarityReport } from "@/features/grading";
import { LabForm, useLab } from "@/features/labs";
import { useMe, UserLink } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";
import { Section } from "./Section";

export function NewLabPage() {
  useDocumentTitle("Write a lab");
  const navigate = useNavigate();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Write a lab</h1>
      <LabForm
        onSaved={(lab) => {
          void navigate(`/labs/${lab.id}`);
        }}
      />
    </div>
  );
}

export function EditLabPage() {
  const id = parseId(useParams().id);
  const lab = useLab(id);
  const me = useMe();
  const navigate = useNavigate();
  useDocumentTitle("Edit lab");
  if (lab.isPending || me.isPending) return <Loading label="Loading the lab…" />;
  if (lab.isError) return <LoadErrorPage thing="lab" error={lab.error} />;
  // The server rejects edits from anyone else, so they get an explanation instead of an editor.
  const canEdit =
    me.data !== undefined && (me.data.id === lab.data.author_id || me.data.role !== "user");
  if (!canEdit) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-bold">You cannot edit “{lab.data.title}”</h1>
        <p className="text-sm">
          Only the lab's author, moderators and admins can edit a lab. You can{" "}
          <Link to={`/labs/${String(id)}`} className="underline">
            read the lab
          </Link>{" "}
          and discuss it in its comments.
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-8">
      <div className="space-y-4">
        <h1 className="text-2xl font-bold">Edit “{lab.data.title}”</h1>
        <LabForm
          lab={lab.data}
          onSaved={(saved) => {
            void navigate(`/labs/${saved.id}`);
          }}
        />
      </div>
      <Section id="autograder" title="Autograder">
        <GraderManager labId={id} attached={lab.data.grading?.has_grader} />
      </Section>
      <Section id="rubric" title="Machine-written review drafts">
        <RubricSettings labId={id} saved={lab.data.grading?.has_rubric} />
      </Section>
      <Section id="similarity" title="Similar submissions">
        <SimilarityReport labId={id} renderLearner={(learnerId) => <UserLink id={learnerId} />} />
      </Section>
      <Section id="assistant-mode" title="Assistant">
        <AssistantModeControl labId={id} />
      </Section>
    </div>
  );
}
