import { Suspense } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { AssistantPanel } from "@/features/assistant";
import { CommentThread } from "@/features/comments";
import { DeleteLabButton, LabView, useLab } from "@/features/labs";
import { LabNotebooks, ParentNotebooks } from "@/features/notebooks";
import { RelatedItems } from "@/features/recommendations";
import { useMe, UserLink } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function LabPage() {
  const id = parseId(useParams().id);
  const lab = useLab(id);
  const { data: me } = useMe();
  const navigate = useNavigate();
  useDocumentTitle(lab.data?.title ?? "Lab");

  if (lab.isPending) return <Loading label="Loading the lab…" />;
  if (lab.isError) return <LoadErrorPage thing="lab" error={lab.error} />;

  const canModerate = me !== undefined && me.role !== "user";
  const canEdit = me !== undefined && (me.id === lab.data.author_id || canModerate);
  const canSubmit =
    me !== undefined && me.id !== lab.data.author_id && lab.data.status === "published";
  const actions = (
    <>
      {canSubmit && (
        <Link to={`/labs/${id}/submit`} className={buttonClass("primary")}>
          Submit a solution
        </Link>
      )}
      {me === undefined && (
        <Link to={`/sign-in?next=/labs/${id}/submit`} className={buttonClass("primary")}>
          Sign in to submit a solution
        </Link>
      )}
      {canEdit && (
        <Link to={`/labs/${id}/edit`} className={buttonClass("secondary")}>
          Edit
        </Link>
      )}
      {canEdit && (
        <DeleteLabButton
          labId={id}
          onDeleted={() => {
            void navigate("/labs");
          }}
        />
      )}
    </>
  );

  return (
    <div className="space-y-10">
      <LabView
        lab={lab.data}
        byline={
          <>
            by <UserLink id={lab.data.author_id} />
          </>
        }
        actions={actions}
      />
      {me !== undefined && (
        <Suspense fallback={null}>
          <ParentNotebooks parent={{ lab: id }} viewerId={me.id} />
        </Suspense>
      )}
      {me !== undefined && lab.data.assets.some((asset) => asset.path.endsWith(".py")) && (
        <Suspense fallback={<Loading label="Loading the notebooks…" />}>
          <LabNotebooks assets={lab.data.assets} />
        </Suspense>
      )}
      <AssistantPanel scope={{ lab_id: id }} />
      <RelatedItems source="lab" id={id} type="lab" title="Related labs" />
      <CommentThread
        targetType="lab"
        targetId={id}
        viewer={{ userId: me?.id, canModerate }}
        renderAuthor={(authorId) => <UserLink id={authorId} />}
      />
    </div>
  );
}
