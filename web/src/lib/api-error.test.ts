import { describe, expect, it } from "vitest";

import { ApiError, describeError, describeFieldViolation } from "./api-error";

describe("describeFieldViolation", () => {
  it("makes the field the subject", () => {
    expect(describeFieldViolation({ field: "username", message: "is already taken" })).toBe(
      "The username is already taken.",
    );
  });

  it("names fields in plain words", () => {
    expect(describeFieldViolation({ field: "old_password", message: "is incorrect" })).toBe(
      "The current password is incorrect.",
    );
    expect(describeFieldViolation({ field: "pdf", message: "is not a PDF: no %PDF- header" })).toBe(
      "The file is not a PDF: no %PDF- header.",
    );
    expect(describeFieldViolation({ field: "display_name", message: "must be at most 20" })).toBe(
      "The display name must be at most 20.",
    );
  });

  it("capitalizes a message that is a sentence", () => {
    expect(describeFieldViolation({ field: "title", message: "Enter a title." })).toBe(
      "Enter a title.",
    );
  });
});

describe("describeError", () => {
  it("lists field sentences instead of the generic message", () => {
    const error = new ApiError(422, "validation_failed", "The request has invalid fields.", [
      { field: "username", message: "is already taken" },
      { field: "email", message: "is already taken" },
    ]);
    expect(describeError(error)).toBe("The username is already taken. The email is already taken.");
  });

  it("keeps the message of an error without fields", () => {
    expect(describeError(new ApiError(403, "forbidden", "Only the author can edit."))).toBe(
      "Only the author can edit.",
    );
  });
});
