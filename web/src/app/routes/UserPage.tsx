import { useParams } from "react-router";

import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { ProfileCard, useUser } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function UserPage() {
  const id = parseId(useParams().id);
  const user = useUser(id);
  useDocumentTitle(user.data?.username ?? "Profile");
  if (user.isPending) {
    return <Loading label="Loading the profile…" />;
  }
  if (user.isError) {
    return <ErrorMessage error={user.error} title="This profile could not be loaded." />;
  }
  return <ProfileCard user={user.data} />;
}
