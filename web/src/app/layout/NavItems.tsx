import { NavLink } from "react-router";

import { useMe } from "@/features/users";
import { useSignedIn } from "@/lib/session";

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 text-sm font-medium ${
    isActive
      ? "bg-slate-200 text-slate-900 dark:bg-slate-800 dark:text-white"
      : "text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
  }`;

interface NavItemsProps {
  onNavigate?: () => void;
}

/** The main navigation; signed-in users also see their work, moderators the moderation page. */
export function NavItems({ onNavigate }: NavItemsProps) {
  const signedIn = useSignedIn();
  const { data: me } = useMe();
  const links = [
    { to: "/labs", label: "Labs" },
    { to: "/articles", label: "Articles" },
    { to: "/leaderboard", label: "Leaderboard" },
  ];
  if (signedIn) {
    links.push(
      { to: "/submissions", label: "My submissions" },
      { to: "/reviews", label: "Reviews" },
    );
  }
  if (me !== undefined && me.role !== "user") {
    links.push({ to: "/moderation", label: "Moderation" });
  }
  return (
    <>
      {links.map((link) => (
        <li key={link.to}>
          <NavLink to={link.to} className={linkClass} onClick={onNavigate}>
            {link.label}
          </NavLink>
        </li>
      ))}
    </>
  );
}
