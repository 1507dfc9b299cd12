import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";

import { ErrorPage } from "@/components/ui/ErrorPage";
import { loadErrorHeading } from "@/lib/api-error";
import { Loading } from "@/components/ui/Loading";
import { MfaDisable, MfaSetup, PasswordChangeForm, SignOutEverywhere } from "@/features/auth";
import { ThemeChoiceField } from "@/features/theme";
import { PointsHistory, ProfileForm, useMe, usersKeys } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { Section } from "./Section";

export function SettingsPage() {
  useDocumentTitle("Settings");
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const refreshMe = () => {
    void queryClient.invalidateQueries({ queryKey: usersKeys.me });
  };

  if (me.isPending) {
    return <Loading label="Loading your profile…" />;
  }
  if (me.isError) {
    return (
      <ErrorPage
        heading={loadErrorHeading("Profile", me.error)}
        error={me.error}
        title="Your profile could not be loaded."
      />
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Settings</h1>
      <Section id="profile" title="Profile">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Signed in as @{me.data.username} ({me.data.email})
        </p>
        <ProfileForm user={me.data} />
      </Section>
      <Section id="appearance" title="Appearance">
        <ThemeChoiceField />
      </Section>
      <Section id="password" title="Password">
        <PasswordChangeForm />
      </Section>
      <Section id="two-factor" title="Two-factor authentication">
        {me.data.mfa_enabled ? (
          <MfaDisable onDisabled={refreshMe} />
        ) : (
          <MfaSetup onEnabled={refreshMe} />
        )}
      </Section>
      <Section id="points" title="Points history">
        <PointsHistory />
      </Section>
      <Section id="sessions" title="Sessions">
        <SignOutEverywhere
          onSignedOut={() => {
            void navigate("/");
          }}
        />
      </Section>
    </div>
  );
}
