import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { tokenStore } from "@/lib/token-store";
import { jsonResponse, renderWithProviders } from "@/test/render";

import { SignInForm } from "./SignInForm";

const session = {
  user: { id: 1, username: "alice", role: "user" },
  access_token: "access",
  refresh_token: "refresh",
  expires_in: 900,
  token_type: "Bearer",
};

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.clear();
});

describe("SignInForm", () => {
  it("validates before sending", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<SignInForm onSignedIn={vi.fn()} />);

    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(screen.getByText("Enter your username or email.")).toBeInTheDocument();
    expect(screen.getByText("Enter your password.")).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("asks for the TOTP code when the login requires it", async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(200, { mfa_required: true, mfa_token: "challenge" }))
      .mockResolvedValueOnce(jsonResponse(200, session));
    vi.stubGlobal("fetch", fetchMock);
    const onSignedIn = vi.fn();
    renderWithProviders(<SignInForm onSignedIn={onSignedIn} />);

    await userEvent.type(screen.getByLabelText("Username or email"), "alice");
    await userEvent.type(screen.getByLabelText("Password"), "secret passphrase");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.type(await screen.findByLabelText("Authentication code"), "123 456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));

    await vi.waitFor(() => {
      expect(onSignedIn).toHaveBeenCalledOnce();
    });
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/v1/auth/login/mfa");
    expect(JSON.parse(init.body as string)).toEqual({ mfa_token: "challenge", code: "123456" });
    expect(tokenStore.get()).toEqual({ accessToken: "access", refreshToken: "refresh" });
  });

  it("shows the server's message when the password is wrong", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(
        jsonResponse(401, {
          error: {
            code: "unauthenticated",
            message: "The login or password is wrong.",
            details: [],
          },
        }),
      ),
    );
    renderWithProviders(<SignInForm onSignedIn={vi.fn()} />);

    await userEvent.type(screen.getByLabelText("Username or email"), "alice");
    await userEvent.type(screen.getByLabelText("Password"), "wrong password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("The login or password is wrong.");
    expect(tokenStore.get()).toBeNull();
  });
});
