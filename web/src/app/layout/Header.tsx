import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";

import { SearchBox } from "@/features/search";
import { ThemeToggle } from "@/features/theme";

import { AccountMenu } from "./AccountMenu";
import { NavItems } from "./NavItems";

export function Header() {
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  // Escape closes the open menu and returns focus to its button, as in a disclosure menu.
  useEffect(() => {
    if (!menuOpen) {
      return;
    }
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setMenuOpen(false);
        menuButton.current?.focus();
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [menuOpen]);
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="mx-auto flex max-w-6xl items-center gap-2 px-4 py-2">
        <Link to="/" className="mr-2 text-lg font-bold whitespace-nowrap">
          Open Labs Share
        </Link>
        <nav aria-label="Main" className="hidden md:block">
          <ul className="flex gap-1">
            <NavItems />
          </ul>
        </nav>
        <div className="ml-auto flex items-center gap-1">
          <div className="hidden sm:block">
            <SearchBox />
          </div>
          <div className="hidden items-center gap-1 sm:flex">
            <AccountMenu />
          </div>
          <ThemeToggle />
          <button
            ref={menuButton}
            type="button"
            className="rounded-md px-3 py-2 text-sm font-medium hover:bg-slate-200 md:hidden dark:hover:bg-slate-700"
            aria-expanded={menuOpen}
            aria-controls="mobile-menu"
            onClick={() => {
              setMenuOpen((open) => !open);
            }}
          >
            Menu
          </button>
        </div>
      </div>
      {menuOpen && (
        <nav
          id="mobile-menu"
          aria-label="Main (mobile)"
          className="border-t border-slate-200 px-4 py-2 md:hidden dark:border-slate-800"
        >
          <ul className="space-y-1">
            <NavItems
              onNavigate={() => {
                setMenuOpen(false);
              }}
            />
          </ul>
          <div className="mt-2 flex flex-wrap items-center gap-2 sm:hidden">
            <AccountMenu />
          </div>
          <div className="mt-2 sm:hidden">
            <SearchBox
              onSearch={() => {
                setMenuOpen(false);
              }}
            />
          </div>
        </nav>
      )}
    </header>
  );
}
