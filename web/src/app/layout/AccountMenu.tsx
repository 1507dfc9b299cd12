import { Link, useNavigate } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { SignOutButton } from "@/features/auth";
import { PointsBalance } from "@/features/users";
import { useSignedIn } from "@/lib/session";

/** Sign-in links for visitors; the balance, settings and sign-out for signed-in users. */
export function AccountMenu() {
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  if (!signedIn) {
    return (
      <>
        <Link to="/sign-in" className={buttonClass("ghost")}>
          Sign in
        </Link>
        <Link to="/sign-up" className={buttonClass("primary")}>
          Sign up
        </Link>
      </>
    );
  }
  return (
    <>
      <PointsBalance />
      <Link to="/settings" className={buttonClass("ghost")}>
        Settings
      </Link>
      <SignOutButton
        onSignedOut={() => {
          void navigate("/");
        }}
      />
    </>
  );
}
