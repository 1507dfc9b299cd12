import { useParams } from "react-router";

import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { LabList } from "@/features/labs";
import { ProfileCard, useUser } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";
import { Section } from "./Section";

export function UserPage() {
  const id = parseId(useParams().id);
  const user = useUser(id);
  useDocumentTitle(user.data?.username ?? "Profile");
  if (user.isPending) {
    return <Loading label="Loading the profile…" />;
  }
  if (user.isError) {
    return <LoadErrorPage thing="profile" error={user.error} />;
  }
  return (
    <div className="space-y-6">
      <ProfileCard user={user.data} />
      <Section id="authored" title="Labs written">
        <LabList
          params={{ page: 1, limit: 12, author: id }}
          emptyHint="This user has not published a lab yet."
        />
      </Section>
    </div>
  );
}
