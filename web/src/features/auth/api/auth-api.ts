import { api } from "@/lib/api-client";

import type { LoginResponse, MfaConfirmResponse, MfaSetupResponse, SessionResponse } from "./types";

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  name: string;
  surname: string;
}

export const authApi = {
  register: (input: RegisterInput) => api.post<SessionResponse>("/auth/register", input),
  login: (login: string, password: string) =>
    api.post<LoginResponse>("/auth/login", { login, password }),
  completeMfaLogin: (mfaToken: string, code: string) =>
    api.post<SessionResponse>("/auth/login/mfa", { mfa_token: mfaToken, code }),
  logout: () => api.post<unknown>("/auth/logout"),
  logoutAll: () => api.post<unknown>("/auth/logout-all"),
  changePassword: (oldPassword: string, newPassword: string) =>
    api.post<unknown>("/auth/password", { old_password: oldPassword, new_password: newPassword }),
  setupMfa: () => api.post<MfaSetupResponse>("/auth/mfa/setup"),
  confirmMfa: (code: string) => api.post<MfaConfirmResponse>("/auth/mfa/confirm", { code }),
  disableMfa: (password: string, code: string) =>
    api.post<unknown>("/auth/mfa/disable", { password, code }),
};
