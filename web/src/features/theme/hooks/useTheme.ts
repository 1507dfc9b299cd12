import { useSyncExternalStore } from "react";

import { effectiveTheme, themeStore, type ThemeChoice } from "./theme-store";

export interface ThemeState {
  choice: ThemeChoice;
  theme: "light" | "dark";
  setChoice: (choice: ThemeChoice) => void;
}

export function useTheme(): ThemeState {
  const choice = useSyncExternalStore(themeStore.subscribe, themeStore.getChoice);
  return { choice, theme: effectiveTheme(choice), setChoice: themeStore.setChoice };
}
