import { useSyncExternalStore } from "react";

function subscribe(listener: () => void): () => void {
  const observer = new MutationObserver(listener);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
  return () => {
    observer.disconnect();
  };
}

function isDark(): boolean {
  return document.documentElement.classList.contains("dark");
}

/** Returns whether the dark theme is on, following changes to the class on <html>. */
export function useDarkMode(): boolean {
  return useSyncExternalStore(subscribe, isDark);
}
