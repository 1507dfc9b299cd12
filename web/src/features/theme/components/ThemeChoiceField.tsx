import { inputClass } from "@/components/ui/Field";

import { useTheme } from "../hooks/useTheme";
import type { ThemeChoice } from "../hooks/theme-store";

/** Picks light, dark, or the system setting. */
export function ThemeChoiceField() {
  const { choice, setChoice } = useTheme();
  return (
    <div className="space-y-1">
      <label htmlFor="theme-choice" className="block text-sm font-medium">
        Theme
      </label>
      <select
        id="theme-choice"
        className={`${inputClass} max-w-xs`}
        value={choice}
        onChange={(event) => {
          setChoice(event.target.value as ThemeChoice);
        }}
      >
        <option value="system">Follow the system setting</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}
