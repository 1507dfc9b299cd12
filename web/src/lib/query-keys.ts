/**
 * Query keys that several features touch: the signed-in user's profile holds the points
 * balance, which submitting and reviewing change.
 */
export const meQueryKey = ["users", "me"] as const;
