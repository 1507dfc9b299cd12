/** The user fields that the session responses carry. */
export interface SessionUser {
  id: number;
  username: string;
  role: string;
}

/** POST /auth/register, /auth/login/mfa and /auth/refresh, and /auth/login without TOTP. */
export interface SessionResponse {
  user: SessionUser;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
}

/** POST /auth/login when the account has TOTP enabled. */
export interface MfaChallenge {
  mfa_required: boolean;
  mfa_token: string;
}

export type LoginResponse = SessionResponse | MfaChallenge;

export function isMfaChallenge(response: LoginResponse): response is MfaChallenge {
  return "mfa_required" in response && response.mfa_required;
}

export interface MfaSetupResponse {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

export interface MfaConfirmResponse {
  recovery_codes: string[];
}
