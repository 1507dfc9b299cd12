export type { User } from "./api/users-api";
export { Leaderboard } from "./components/Leaderboard";
export { PointsBalance } from "./components/PointsBalance";
export { PointsHistory } from "./components/PointsHistory";
export { ProfileCard } from "./components/ProfileCard";
export { ProfileForm } from "./components/ProfileForm";
export { RoleForm } from "./components/RoleForm";
export { UserLink } from "./components/UserLink";
export { useMe, usersKeys, useUser } from "./hooks/queries";
