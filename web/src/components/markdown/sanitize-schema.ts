import { defaultSchema, type Options as SanitizeSchema } from "rehype-sanitize";

const codeAttributes = defaultSchema.attributes?.code ?? [];

/**
 * The schema for raw HTML in Markdown: GitHub's allow-list (no scripts, event handlers,
 * `style` attributes, iframes or `javascript:` URLs), plus the classes remark-math puts on
 * formulas so that KaTeX, which runs after sanitizing, still finds them.
 */
export const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  attributes: {
    ...defaultSchema.attributes,
    code: [
      ...codeAttributes.filter((attribute) => !isClassNameRule(attribute)),
      ["className", /^language-./, "math-inline", "math-display"],
    ],
  },
};

function isClassNameRule(attribute: unknown): boolean {
  return Array.isArray(attribute) ? attribute[0] === "className" : attribute === "className";
}
