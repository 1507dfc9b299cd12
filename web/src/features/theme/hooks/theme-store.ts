export type ThemeChoice = "light" | "dark" | "system";

// The same key is read by public/theme-init.js before the app loads.
const storageKey = "openlabs.theme";
const systemQuery = "(prefers-color-scheme: dark)";

type Listener = () => void;
const listeners = new Set<Listener>();

function readChoice(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(storageKey);
    return saved === "light" || saved === "dark" ? saved : "system";
  } catch {
    return "system";
  }
}

function systemPrefersDark(): boolean {
  return window.matchMedia(systemQuery).matches;
}

export function effectiveTheme(choice: ThemeChoice): "light" | "dark" {
  if (choice === "system") {
    return systemPrefersDark() ? "dark" : "light";
  }
  return choice;
}

function apply() {
  document.documentElement.classList.toggle("dark", effectiveTheme(readChoice()) === "dark");
  for (const listener of listeners) {
    listener();
  }
}

/** The saved theme choice, applied as the `dark` class on <html>. */
export const themeStore = {
  getChoice: (): ThemeChoice => readChoice(),

  setChoice: (choice: ThemeChoice) => {
    if (choice === "system") {
      window.localStorage.removeItem(storageKey);
    } else {
      window.localStorage.setItem(storageKey, choice);
    }
    apply();
  },

  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Follows the system setting and other tabs; call once at start-up. */
  start: () => {
    window.matchMedia(systemQuery).addEventListener("change", apply);
    window.addEventListener("storage", (event) => {
      if (event.key === storageKey) {
        apply();
      }
    });
    apply();
  },
};
