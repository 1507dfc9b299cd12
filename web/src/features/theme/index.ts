export { ThemeChoiceField } from "./components/ThemeChoiceField";
export { ThemeToggle } from "./components/ThemeToggle";
export { themeStore } from "./hooks/theme-store";
