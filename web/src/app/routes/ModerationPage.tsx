import { ErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { RoleForm, useMe } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { Section } from "./Section";

/** Tools for moderators and admins. Comments and labs are moderated on their own pages. */
export function ModerationPage() {
  useDocumentTitle("Moderation");
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorPage heading="Moderation" error={me.error} />;
  if (me.data.role === "user") {
    return (
      <ErrorPage
        heading="Moderation"
        error={new Error("Only moderators and admins can open this page.")}
      />
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Moderation</h1>
      <Section id="content" title="Comments and labs">
        <p className="text-sm">
          As {me.data.role === "admin" ? "an" : "a"} {me.data.role}, you see a Delete button on
          every comment, and Edit and “Delete or archive” on every lab page. A lab with submissions
          is archived rather than deleted, so no learner's work disappears.
        </p>
      </Section>
      <Section id="roles" title="Roles">
        {me.data.role === "admin" ? (
          <RoleForm />
        ) : (
          <p className="text-sm">Only admins can change roles.</p>
        )}
      </Section>
    </div>
  );
}
