export { MfaDisable } from "./components/MfaDisable";
export { MfaSetup } from "./components/MfaSetup";
export { PasswordChangeForm } from "./components/PasswordChangeForm";
export { SignInForm } from "./components/SignInForm";
export { SignOutButton } from "./components/SignOutButton";
export { SignOutEverywhere } from "./components/SignOutEverywhere";
export { SignUpForm } from "./components/SignUpForm";
